//! `aws_eks_node_group`: a managed node group of an EKS cluster.
//!
//! Create waits for ACTIVE (`timeouts.create`, default 60m); `scaling_config` and `labels` are
//! changed in place with UpdateNodegroupConfig (waiting for the update, `timeouts.update`), tags
//! with TagResource/UntagResource; anything else replaces the group. Delete waits until EKS no
//! longer knows the group (`timeouts.delete`, default 60m). `id` and the import id are
//! `cluster_name:node_group_name`, as in Terraform.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eks::types::{CapacityTypes, NodegroupScalingConfig, UpdateLabelsPayload};
use hangar_core::{Type, Value};
use hangar_provider::{
    AttributeSchema, BlockSchema, NestedBlock, Nesting, OperationContext, PlanRequest,
    PlanResponse, ProviderError, RemoteObject, ResourceSchema,
};

use super::{describe_node_group, read_tags, region_of_arn, update_tags, wait_update, NOT_FOUND};
use crate::attrs;
use crate::error::call;
use crate::resource::{keep, one_block, Aws, PlanRules, Resource};
use crate::tags;
use crate::wait::{self, Check};

/// `aws_eks_node_group`.
pub struct NodeGroup;

const CREATE: Duration = Duration::from_secs(60 * 60);
const UPDATE: Duration = Duration::from_secs(60 * 60);
const DELETE: Duration = Duration::from_secs(60 * 60);

/// Splits `cluster:nodegroup`.
pub fn parse_id(id: &str) -> Option<(String, String)> {
    let (c, n) = id.split_once(':')?;
    (!c.is_empty() && !n.is_empty() && !n.contains(':')).then(|| (c.to_string(), n.to_string()))
}

fn names(v: &Value) -> Option<(String, String)> {
    match (
        attrs::string(v, "cluster_name"),
        attrs::string(v, "node_group_name"),
    ) {
        (Some(c), Some(n)) => Some((c, n)),
        _ => attrs::string(v, "id").and_then(|id| parse_id(&id)),
    }
}

fn scaling(v: &Value) -> Option<(i32, i32, i32)> {
    let s = attrs::block(v, "scaling_config")?;
    let n = |k: &str| attrs::int(s, k).and_then(|i| i32::try_from(i).ok());
    Some((n("desired_size")?, n("max_size")?, n("min_size")?))
}

fn health(ng: &aws_sdk_eks::types::Nodegroup) -> String {
    ng.health()
        .map(|h| h.issues())
        .unwrap_or(&[])
        .iter()
        .map(|i| {
            format!(
                "{}: {}",
                i.code().map(|c| c.as_str()).unwrap_or("Issue"),
                i.message().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl NodeGroup {
    /// Waits until the node group is ACTIVE; fails when it lands in a failed state.
    async fn wait_active(
        &self,
        aws: &Aws,
        cluster: &str,
        name: &str,
        knob: &str,
        budget: Duration,
    ) -> Result<(), ProviderError> {
        let what = format!("EKS node group {cluster}:{name} to become ACTIVE");
        wait::until(
            "DescribeNodegroup",
            &what,
            knob,
            budget,
            wait::EKS,
            || async {
                let ng = describe_node_group(aws, cluster, name)
                    .await?
                    .ok_or_else(|| {
                        ProviderError::new(
                            "DescribeNodegroup",
                            format!("node group {cluster}:{name} vanished"),
                        )
                    })?;
                let status = ng
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default();
                match status.as_str() {
                    "ACTIVE" => Ok(Check::Done(())),
                    "CREATE_FAILED" | "DEGRADED" | "DELETING" | "DELETE_FAILED" => {
                        Err(ProviderError {
                            call: "DescribeNodegroup".into(),
                            code: Some(status.clone()),
                            message: format!(
                                "EKS node group {cluster}:{name} is {status} instead of ACTIVE: {}",
                                health(&ng)
                            ),
                        })
                    }
                    s => Ok(Check::Pending(s.to_string())),
                }
            },
        )
        .await
    }

    async fn read_named(
        &self,
        aws: &Aws,
        cluster: &str,
        name: &str,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(ng) = describe_node_group(aws, cluster, name).await? else {
            return Ok(None);
        };
        let arn = ng.nodegroup_arn().unwrap_or_default().to_string();
        let region = region_of_arn(&arn).unwrap_or_else(|| aws.clients.region.clone());
        let (user_tags, all) = read_tags(aws, ng.tags(), shape);
        let labels: BTreeMap<String, String> = ng
            .labels()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let sc = ng.scaling_config().map(|s| {
            attrs::object([
                (
                    "desired_size",
                    attrs::opt_int(s.desired_size().map(i64::from)),
                ),
                ("max_size", attrs::opt_int(s.max_size().map(i64::from))),
                ("min_size", attrs::opt_int(s.min_size().map(i64::from))),
            ])
        });
        let mut m = BTreeMap::new();
        keep(&mut m, shape, &["timeouts"]);
        m.insert("id".into(), Value::string(format!("{cluster}:{name}")));
        m.insert("cluster_name".into(), Value::string(cluster));
        m.insert("node_group_name".into(), Value::string(name));
        m.insert("arn".into(), Value::string(arn));
        m.insert("node_role_arn".into(), attrs::opt_string(ng.node_role()));
        m.insert(
            "subnet_ids".into(),
            attrs::string_set(ng.subnets().iter().cloned()),
        );
        m.insert(
            "instance_types".into(),
            attrs::empty_as_prior(
                attrs::string_list(ng.instance_types().iter().cloned()),
                attrs::get(shape, "instance_types"),
            ),
        );
        m.insert(
            "capacity_type".into(),
            attrs::opt_string(ng.capacity_type().map(|c| c.as_str())),
        );
        m.insert(
            "labels".into(),
            attrs::empty_as_prior(
                attrs::string_map_value(&labels),
                attrs::get(shape, "labels"),
            ),
        );
        m.insert(
            "status".into(),
            attrs::opt_string(ng.status().map(|s| s.as_str())),
        );
        m.insert("scaling_config".into(), one_block(sc));
        m.insert("tags".into(), user_tags);
        m.insert("tags_all".into(), all);
        Ok(Some(RemoteObject {
            attrs: Value::Object(m),
            region: Some(region),
            deferred: None,
            private: Vec::new(),
        }))
    }
}

#[async_trait]
impl Resource for NodeGroup {
    fn type_name(&self) -> &'static str {
        "aws_eks_node_group"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        let map = || Type::Map(Box::new(Type::String));
        a.insert(
            "id".into(),
            AttributeSchema::computed(Type::String).describe("cluster_name:node_group_name"),
        );
        a.insert(
            "cluster_name".into(),
            AttributeSchema::required(Type::String).force_new(),
        );
        a.insert(
            "node_group_name".into(),
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("Generated when unset."),
        );
        a.insert(
            "node_role_arn".into(),
            AttributeSchema::required(Type::String).force_new(),
        );
        a.insert(
            "subnet_ids".into(),
            AttributeSchema::required(Type::Set(Box::new(Type::String))).force_new(),
        );
        a.insert(
            "instance_types".into(),
            AttributeSchema::optional_computed(Type::List(Box::new(Type::String))).force_new(),
        );
        a.insert(
            "capacity_type".into(),
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("ON_DEMAND or SPOT."),
        );
        a.insert(
            "labels".into(),
            AttributeSchema::optional(map()).describe("Kubernetes labels of the nodes."),
        );
        a.insert("tags".into(), AttributeSchema::optional(map()));
        a.insert("tags_all".into(), AttributeSchema::computed(map()));
        a.insert("arn".into(), AttributeSchema::computed(Type::String));
        a.insert("status".into(), AttributeSchema::computed(Type::String));
        let mut sc = BlockSchema::default();
        for k in ["desired_size", "max_size", "min_size"] {
            sc.attributes
                .insert(k.into(), AttributeSchema::required(Type::Number));
        }
        b.blocks.insert(
            "scaling_config".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: sc,
                force_new: false,
            },
        );
        b.blocks.insert("timeouts".into(), wait::timeouts_block());
        ResourceSchema {
            block: b,
            refreshable: true,
            version: 0,
        }
    }

    fn rules(&self) -> PlanRules {
        PlanRules {
            single: &["scaling_config"],
            tags: true,
            ..PlanRules::default()
        }
    }

    fn plan(
        &self,
        aws: &Aws,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        if attrs::block(&req.config, "scaling_config").is_none() {
            return Err(ProviderError::new(
                "Plan",
                "aws_eks_node_group needs a scaling_config block",
            ));
        }
        for knob in ["create", "update", "delete"] {
            wait::budget(&req.config, knob, CREATE)?;
        }
        self.rules().plan(aws, schema, req)
    }

    async fn create(
        &self,
        aws: &Aws,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let cluster = attrs::string(planned, "cluster_name")
            .ok_or_else(|| crate::s3::missing("CreateNodegroup", "cluster_name"))?;
        let name = attrs::string(planned, "node_group_name")
            .unwrap_or_else(|| crate::s3::bucket::generate_name(Some("hangar-")));
        let (desired, max, min) = scaling(planned)
            .ok_or_else(|| crate::s3::missing("CreateNodegroup", "scaling_config"))?;
        let types = attrs::strings(planned, "instance_types");
        let labels = attrs::string_map(planned, "labels");
        let req = aws
            .clients
            .eks
            .create_nodegroup()
            .cluster_name(&cluster)
            .nodegroup_name(&name)
            .set_node_role(attrs::string(planned, "node_role_arn"))
            .set_subnets(Some(attrs::strings(planned, "subnet_ids")))
            .scaling_config(
                NodegroupScalingConfig::builder()
                    .desired_size(desired)
                    .max_size(max)
                    .min_size(min)
                    .build(),
            )
            .set_instance_types((!types.is_empty()).then_some(types))
            .set_capacity_type(
                attrs::string(planned, "capacity_type").map(|c| CapacityTypes::from(c.as_str())),
            )
            .set_labels((!labels.is_empty()).then(|| labels.into_iter().collect()))
            .set_tags(Some(
                tags::to_write(planned, &aws.default_tags, ctx)
                    .into_iter()
                    .collect(),
            ));
        call("CreateNodegroup", req.send().await)?;
        let budget = wait::budget(planned, "create", CREATE)?;
        self.wait_active(aws, &cluster, &name, "create", budget)
            .await?;
        self.read_named(aws, &cluster, &name, planned)
            .await?
            .ok_or_else(|| {
                ProviderError::new(
                    "DescribeNodegroup",
                    format!("node group {cluster}:{name} vanished"),
                )
            })
    }

    async fn read(&self, aws: &Aws, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let Some((cluster, name)) = names(prior) else {
            return Ok(None);
        };
        self.read_named(aws, &cluster, &name, prior).await
    }

    async fn update(
        &self,
        aws: &Aws,
        prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let (cluster, name) =
            names(prior).ok_or_else(|| crate::s3::missing("UpdateNodegroupConfig", "id"))?;
        let budget = wait::budget(planned, "update", UPDATE)?;
        let old_labels = attrs::string_map(prior, "labels");
        let new_labels = attrs::string_map(planned, "labels");
        let new_scaling = scaling(planned);
        if scaling(prior) != new_scaling || old_labels != new_labels {
            let mut req = aws
                .clients
                .eks
                .update_nodegroup_config()
                .cluster_name(&cluster)
                .nodegroup_name(&name);
            if let Some((desired, max, min)) = new_scaling.filter(|s| Some(*s) != scaling(prior)) {
                req = req.scaling_config(
                    NodegroupScalingConfig::builder()
                        .desired_size(desired)
                        .max_size(max)
                        .min_size(min)
                        .build(),
                );
            }
            if old_labels != new_labels {
                let (removed, set) = tags::diff(&old_labels, &new_labels);
                req = req.labels(
                    UpdateLabelsPayload::builder()
                        .set_add_or_update_labels(
                            (!set.is_empty()).then(|| set.into_iter().collect()),
                        )
                        .set_remove_labels((!removed.is_empty()).then_some(removed))
                        .build(),
                );
            }
            let out = call("UpdateNodegroupConfig", req.send().await)?;
            wait_update(aws, &cluster, Some(&name), out.update(), budget).await?;
            self.wait_active(aws, &cluster, &name, "update", budget)
                .await?;
        }
        update_tags(aws, prior, planned, ctx).await?;
        self.read_named(aws, &cluster, &name, planned)
            .await?
            .ok_or_else(|| {
                ProviderError::new(
                    "DescribeNodegroup",
                    format!("node group {cluster}:{name} vanished"),
                )
            })
    }

    async fn delete(&self, aws: &Aws, prior: &Value) -> Result<(), ProviderError> {
        let Some((cluster, name)) = names(prior) else {
            return Ok(());
        };
        match call(
            "DeleteNodegroup",
            aws.clients
                .eks
                .delete_nodegroup()
                .cluster_name(&cluster)
                .nodegroup_name(&name)
                .send()
                .await,
        ) {
            Ok(_) => {}
            Err(e) if e.is(NOT_FOUND) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let budget = wait::budget(prior, "delete", DELETE)?;
        let what = format!("EKS node group {cluster}:{name} to be deleted");
        wait::until(
            "DescribeNodegroup",
            &what,
            "delete",
            budget,
            wait::EKS,
            || async {
                match describe_node_group(aws, &cluster, &name).await? {
                    None => Ok(Check::Done(())),
                    Some(ng) => {
                        let status = ng
                            .status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default();
                        if status == "DELETE_FAILED" {
                            Err(ProviderError {
                                call: "DescribeNodegroup".into(),
                                code: Some(status),
                                message: format!(
                                    "EKS node group {cluster}:{name} could not be deleted: {}",
                                    health(&ng)
                                ),
                            })
                        } else {
                            Ok(Check::Pending(status))
                        }
                    }
                }
            },
        )
        .await
    }

    async fn import(&self, aws: &Aws, id: &str) -> Result<RemoteObject, ProviderError> {
        let (cluster, name) = parse_id(id).ok_or_else(|| ProviderError {
            call: "Import".into(),
            code: None,
            message: format!("node group import id must be CLUSTER:NODE_GROUP, not \"{id}\""),
        })?;
        self.read_named(aws, &cluster, &name, &Value::NULL)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some(NOT_FOUND.into()),
                message: format!("EKS node group {id} does not exist"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_cluster_colon_node_group() {
        assert_eq!(
            parse_id("demo:workers"),
            Some(("demo".into(), "workers".into()))
        );
        assert_eq!(parse_id("demo"), None);
        assert_eq!(parse_id(":workers"), None);
        assert_eq!(parse_id("a:b:c"), None);
    }
}
