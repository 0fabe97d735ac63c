//! EKS: clusters and managed node groups.
//!
//! Both wait for EKS to finish (cluster and node group states, update ids) within the
//! resource's `timeouts`. The region an object lives in is read from its ARN.

pub mod cluster;
pub mod node_group;

use std::collections::BTreeMap;
use std::time::Duration;

use hangar_provider::ProviderError;

use crate::error::call;
use crate::resource::Aws;
use crate::tags;
use crate::wait::{self, Check, Pace};

/// EKS's "not found" error code.
pub const NOT_FOUND: &str = "ResourceNotFoundException";

/// The region in an ARN (`arn:aws:eks:REGION:ACCOUNT:...`).
pub fn region_of_arn(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

/// Brings the tags of `arn` from `old` to `new` with UntagResource and TagResource.
pub async fn retag(
    aws: &Aws,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let (removed, set) = tags::diff(old, new);
    if !removed.is_empty() {
        call(
            "UntagResource",
            aws.clients
                .eks
                .untag_resource()
                .resource_arn(arn)
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
                .resource_arn(arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await,
        )?;
    }
    Ok(())
}

/// Waits for update `id` of a cluster (or of one of its node groups) to succeed. An endpoint
/// that does not implement DescribeUpdate at all ends the wait at once: callers then wait for
/// the object itself to be ACTIVE again.
pub async fn wait_update(
    aws: &Aws,
    cluster: &str,
    nodegroup: Option<&str>,
    id: &str,
    budget: Duration,
) -> Result<(), ProviderError> {
    let what = match nodegroup {
        Some(ng) => format!("update {id} of EKS node group {cluster}:{ng}"),
        None => format!("update {id} of EKS cluster {cluster}"),
    };
    wait::until(
        "DescribeUpdate",
        &what,
        "update",
        budget,
        Pace::EKS,
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
