//! EKS: clusters and managed node groups.
//!
//! Both wait for EKS to finish (cluster and node group states, update ids) within the
//! resource's `timeouts`. The region an object lives in is read from its ARN.

pub mod cluster;
pub mod node_group;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_eks::types::{Nodegroup, Update};
use hangar_core::Value;
use hangar_provider::{OperationContext, ProviderError};

use crate::attrs;
use crate::error::call;
use crate::resource::Aws;
use crate::tags;
use crate::wait::{self, Check};

/// EKS's "not found" error code.
pub const NOT_FOUND: &str = "ResourceNotFoundException";

/// The region in an ARN (`arn:aws:eks:REGION:ACCOUNT:...`).
pub fn region_of_arn(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

/// Node group `cluster:name` as EKS describes it; `None` when it does not exist.
pub async fn describe_node_group(
    aws: &Aws,
    cluster: &str,
    name: &str,
) -> Result<Option<Nodegroup>, ProviderError> {
    match call(
        "DescribeNodegroup",
        aws.clients
            .eks
            .describe_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .send()
            .await,
    ) {
        Ok(o) => Ok(o.nodegroup().cloned()),
        Err(e) if e.is(NOT_FOUND) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `tags` and `tags_all` of an object whose tags on EKS are `cloud`, `tags` shaped like
/// `shape`'s.
pub fn read_tags(
    aws: &Aws,
    cloud: Option<&HashMap<String, String>>,
    shape: &Value,
) -> (Value, Value) {
    let cloud: BTreeMap<String, String> = cloud
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    tags::split(&cloud, &aws.default_tags, attrs::get(shape, "tags"))
}

/// When the user's tags change from `prior` to `planned`, brings the tags of the object at
/// `prior`'s `arn` along with UntagResource and TagResource.
pub async fn update_tags(
    aws: &Aws,
    prior: &Value,
    planned: &Value,
    ctx: &OperationContext,
) -> Result<(), ProviderError> {
    if !tags::user_tags_changed(prior, planned) {
        return Ok(());
    }
    let arn =
        attrs::string(prior, "arn").ok_or_else(|| crate::s3::missing("TagResource", "arn"))?;
    let old = attrs::string_map(prior, "tags_all");
    let new = tags::to_write(planned, &aws.default_tags, ctx);
    let (removed, set) = tags::diff(&old, &new);
    if !removed.is_empty() {
        call(
            "UntagResource",
            aws.clients
                .eks
                .untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(removed))
                .send()
                .await,
        )?;
    }
    if !set.is_empty() {
        call(
            "TagResource",
            aws.clients
                .eks
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await,
        )?;
    }
    Ok(())
}

/// Waits for `update` of a cluster (or of one of its node groups) to succeed; no wait when EKS
/// answered without an update id. An endpoint that does not implement DescribeUpdate at all
/// ends the wait at once: callers then wait for the object itself to be ACTIVE again.
pub async fn wait_update(
    aws: &Aws,
    cluster: &str,
    nodegroup: Option<&str>,
    update: Option<&Update>,
    budget: Duration,
) -> Result<(), ProviderError> {
    let Some(id) = update.and_then(|u| u.id()) else {
        return Ok(());
    };
    let what = match nodegroup {
        Some(ng) => format!("update {id} of EKS node group {cluster}:{ng}"),
        None => format!("update {id} of EKS cluster {cluster}"),
    };
    wait::until(
        "DescribeUpdate",
        &what,
        "update",
        budget,
        wait::EKS,
        || async {
            let out = match call(
                "DescribeUpdate",
                aws.clients
                    .eks
                    .describe_update()
                    .name(cluster)
                    .set_nodegroup_name(nodegroup.map(str::to_string))
                    .update_id(id)
                    .send()
                    .await,
            ) {
                Ok(o) => o,
                Err(e) if e.is_unsupported_operation() => return Ok(Check::Done(())),
                Err(e) => return Err(e.into()),
            };
            let Some(u) = out.update() else {
                return Ok(Check::Pending("unknown".into()));
            };
            let status = u
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            match status.as_str() {
                "Successful" => Ok(Check::Done(())),
                "Failed" | "Cancelled" => {
                    let why = u
                        .errors()
                        .iter()
                        .map(|e| {
                            format!(
                                "{}: {}",
                                e.error_code().map(|c| c.as_str()).unwrap_or("Error"),
                                e.error_message().unwrap_or("")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    Err(ProviderError {
                        call: "DescribeUpdate".into(),
                        code: Some(format!("Update{status}")),
                        message: format!("{what} {}: {why}", status.to_lowercase()),
                    })
                }
                s => Ok(Check::Pending(s.to_string())),
            }
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_come_from_arns() {
        assert_eq!(
            region_of_arn("arn:aws:eks:eu-central-1:123456789012:cluster/demo").as_deref(),
            Some("eu-central-1")
        );
        assert_eq!(region_of_arn("nonsense"), None);
    }
}
