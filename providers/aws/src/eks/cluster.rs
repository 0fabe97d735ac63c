//! `aws_eks_cluster`: an EKS control plane.
//!
//! Create waits for ACTIVE (`timeouts.create`, default 30m). In place: `version`
//! (UpdateClusterVersion), endpoint access and control-plane logs (UpdateClusterConfig), tags;
//! each update waits for EKS to report it Successful (`timeouts.update`, default 60m). Name,
//! role, subnets and security groups replace the cluster. Delete first waits for node groups
//! that are being deleted, then for the cluster to disappear (`timeouts.delete`, default 15m).
//! Import id: the cluster name.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eks::types::{LogSetup, LogType, Logging, VpcConfigRequest};
use hangar_core::{Type, Value};
use hangar_provider::plan::differs;
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

/// `aws_eks_cluster`.
pub struct Cluster;

const CREATE: Duration = Duration::from_secs(30 * 60);
const UPDATE: Duration = Duration::from_secs(60 * 60);
const DELETE: Duration = Duration::from_secs(15 * 60);

fn str_set(items: &[String]) -> Value {
    attrs::string_set(items.iter().cloned())
}

/// The enabled control-plane log types of `logging`.
fn enabled_logs(logging: Option<&Logging>) -> Vec<String> {
    let mut out: Vec<String> = logging
        .map(|l| l.cluster_logging())
        .unwrap_or(&[])
        .iter()
        .filter(|s| s.enabled() == Some(true))
        .flat_map(|s| s.types().iter().map(|t| t.as_str().to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn logging(types: &[String], enabled: bool) -> Logging {
    Logging::builder()
        .cluster_logging(
            LogSetup::builder()
                .set_types(Some(
                    types.iter().map(|t| LogType::from(t.as_str())).collect(),
                ))
                .enabled(enabled)
                .build(),
        )
        .build()
}

impl Cluster {
    /// Reads cluster `name`, shaping config-only and optional attributes like `shape`.
    pub(crate) async fn read_named(
        &self,
        aws: &Aws,
        name: &str,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let out = match call(
            "DescribeCluster",
            aws.clients.eks.describe_cluster().name(name).send().await,
        ) {
            Ok(o) => o,
            Err(e) if e.is(NOT_FOUND) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Some(c) = out.cluster() else {
            return Ok(None);
        };
        let arn = c.arn().unwrap_or_default().to_string();
        let region = region_of_arn(&arn).unwrap_or_else(|| aws.clients.region.clone());
        let shape_vpc = attrs::block(shape, "vpc_config")
            .cloned()
            .unwrap_or(Value::NULL);
        let vpc = c.resources_vpc_config().map(|v| {
            attrs::object([
                ("subnet_ids", str_set(v.subnet_ids())),
                (
                    "security_group_ids",
                    attrs::empty_as_prior(
                        str_set(v.security_group_ids()),
                        attrs::get(&shape_vpc, "security_group_ids"),
                    ),
                ),
                (
                    "endpoint_public_access",
                    Value::Bool(v.endpoint_public_access()),
                ),
                (
                    "endpoint_private_access",
                    Value::Bool(v.endpoint_private_access()),
                ),
            ])
        });
        let (user_tags, all) = read_tags(aws, c.tags(), shape);
        let ca = c
            .certificate_authority()
            .and_then(|ca| ca.data())
            .map(|d| attrs::object([("data", Value::string(d))]));
        let mut m = BTreeMap::new();
        keep(&mut m, shape, &["timeouts"]);
        m.insert("id".into(), Value::string(name));
        m.insert("name".into(), Value::string(name));
        m.insert("arn".into(), Value::string(arn));
        m.insert("role_arn".into(), attrs::opt_string(c.role_arn()));
        m.insert("version".into(), attrs::opt_string(c.version()));
        m.insert(
            "platform_version".into(),
            attrs::opt_string(c.platform_version()),
        );
        m.insert("endpoint".into(), attrs::opt_string(c.endpoint()));
        m.insert(
            "status".into(),
            attrs::opt_string(c.status().map(|s| s.as_str())),
        );
        m.insert(
            "certificate_authority".into(),
            Value::List(ca.into_iter().collect()),
        );
        m.insert("vpc_config".into(), one_block(vpc));
        m.insert(
            "enabled_cluster_log_types".into(),
            attrs::empty_as_prior(
                attrs::string_set(enabled_logs(c.logging())),
                attrs::get(shape, "enabled_cluster_log_types"),
            ),
        );
        m.insert("tags".into(), user_tags);
        m.insert("tags_all".into(), all);
        Ok(Some(RemoteObject {
            attrs: Value::Object(m),
            region: Some(region),
            deferred: None,
            private: Vec::new(),
        }))
    }

    /// Waits until cluster `name` is ACTIVE.
    async fn wait_active(
        &self,
        aws: &Aws,
        name: &str,
        knob: &str,
        budget: Duration,
    ) -> Result<(), ProviderError> {
        let what = format!("EKS cluster {name} to become ACTIVE");
        wait::until(
            "DescribeCluster",
            &what,
            knob,
            budget,
            wait::EKS,
            || async {
                let out = call(
                    "DescribeCluster",
                    aws.clients.eks.describe_cluster().name(name).send().await,
                )?;
                let status = out
                    .cluster()
                    .and_then(|c| c.status())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default();
                match status.as_str() {
                    "ACTIVE" => Ok(Check::Done(())),
                    "FAILED" | "DELETING" => Err(ProviderError {
                        call: "DescribeCluster".into(),
                        code: Some(format!("Cluster{status}")),
                        message: format!(
                            "EKS cluster {name} is {status} instead of becoming ACTIVE"
                        ),
                    }),
                    s => Ok(Check::Pending(s.to_string())),
                }
            },
        )
        .await
    }

    /// Waits until no node group of `name` is being deleted.
    async fn wait_node_groups_gone(
        &self,
        aws: &Aws,
        name: &str,
        budget: Duration,
    ) -> Result<(), ProviderError> {
        let what = format!("the node groups of EKS cluster {name} to be deleted");
        wait::until(
            "ListNodegroups",
            &what,
            "delete",
            budget,
            wait::EKS,
            || async {
                let out = match call(
                    "ListNodegroups",
                    aws.clients
                        .eks
                        .list_nodegroups()
                        .cluster_name(name)
                        .send()
                        .await,
                ) {
                    Ok(o) => o,
                    Err(e) if e.is(NOT_FOUND) => return Ok(Check::Done(())),
                    Err(e) => return Err(e.into()),
                };
                let mut deleting = Vec::new();
                for ng in out.nodegroups() {
                    let d = describe_node_group(aws, name, ng).await?;
                    let s = d.as_ref().and_then(|n| n.status()).map(|s| s.as_str());
                    if s == Some("DELETING") {
                        deleting.push(ng.clone());
                    }
                }
                if deleting.is_empty() {
                    Ok(Check::Done(()))
                } else {
                    Ok(Check::Pending(format!("deleting {}", deleting.join(", "))))
                }
            },
        )
        .await
    }
}

#[async_trait]
impl Resource for Cluster {
    fn type_name(&self) -> &'static str {
        "aws_eks_cluster"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        let set = || Type::Set(Box::new(Type::String));
        let map = || Type::Map(Box::new(Type::String));
        a.insert(
            "id".into(),
            AttributeSchema::computed(Type::String).describe("The cluster's name."),
        );
        a.insert(
            "name".into(),
            AttributeSchema::required(Type::String).force_new(),
        );
        a.insert(
            "role_arn".into(),
            AttributeSchema::required(Type::String)
                .force_new()
                .describe("IAM role of the control plane."),
        );
        a.insert(
            "version".into(),
            AttributeSchema::optional_computed(Type::String)
                .describe("Kubernetes version; EKS's default when unset."),
        );
        a.insert(
            "enabled_cluster_log_types".into(),
            AttributeSchema::optional(set()).describe("api, audit, authenticator, ..."),
        );
        a.insert("tags".into(), AttributeSchema::optional(map()));
        a.insert("tags_all".into(), AttributeSchema::computed(map()));
        for n in ["arn", "endpoint", "status", "platform_version"] {
            a.insert(n.into(), AttributeSchema::computed(Type::String));
        }
        a.insert(
            "certificate_authority".into(),
            AttributeSchema::computed(Type::List(Box::new(Type::object([(
                "data".to_string(),
                Type::String,
            )])))),
        );
        let mut vpc = BlockSchema::default();
        vpc.attributes.insert(
            "subnet_ids".into(),
            AttributeSchema::required(set()).force_new(),
        );
        vpc.attributes.insert(
            "security_group_ids".into(),
            AttributeSchema::optional(set()).force_new(),
        );
        vpc.attributes.insert(
            "endpoint_public_access".into(),
            AttributeSchema::optional(Type::Bool).describe("Default true."),
        );
        vpc.attributes.insert(
            "endpoint_private_access".into(),
            AttributeSchema::optional(Type::Bool).describe("Default false."),
        );
        b.blocks.insert(
            "vpc_config".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: vpc,
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
            block_defaults: &[
                ("vpc_config", "endpoint_public_access", true),
                ("vpc_config", "endpoint_private_access", false),
            ],
            single: &["vpc_config"],
            nested_force_new: &[
                ("vpc_config", "subnet_ids"),
                ("vpc_config", "security_group_ids"),
            ],
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
        if attrs::block(&req.config, "vpc_config").is_none() {
            return Err(ProviderError::new(
                "Plan",
                "aws_eks_cluster needs a vpc_config block",
            ));
        }
        for knob in ["create", "update", "delete"] {
            wait::budget(&req.config, knob, CREATE)?;
        }
        let prior = req.prior.clone().filter(|p| !p.is_null());
        let mut resp = self.rules().plan(aws, schema, req)?;
        if let Some(p) = prior.filter(|_| resp.requires_replace.is_empty()) {
            let new_version = attrs::get(&resp.planned, "version");
            if differs(attrs::get(&p, "version"), new_version) {
                resp.planned = attrs::with(
                    resp.planned,
                    "platform_version",
                    Value::Unknown(Type::String),
                );
            }
        }
        Ok(resp)
    }

    async fn create(
        &self,
        aws: &Aws,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let name = attrs::string(planned, "name")
            .ok_or_else(|| crate::s3::missing("CreateCluster", "name"))?;
        let vpc = attrs::block(planned, "vpc_config")
            .cloned()
            .unwrap_or(Value::NULL);
        let sgs = attrs::strings(&vpc, "security_group_ids");
        let vpc_req = VpcConfigRequest::builder()
            .set_subnet_ids(Some(attrs::strings(&vpc, "subnet_ids")))
            .set_security_group_ids((!sgs.is_empty()).then_some(sgs))
            .endpoint_public_access(attrs::boolean(&vpc, "endpoint_public_access").unwrap_or(true))
            .endpoint_private_access(
                attrs::boolean(&vpc, "endpoint_private_access").unwrap_or(false),
            )
            .build();
        let mut req = aws
            .clients
            .eks
            .create_cluster()
            .name(&name)
            .set_role_arn(attrs::string(planned, "role_arn"))
            .set_version(attrs::string(planned, "version"))
            .resources_vpc_config(vpc_req)
            .set_tags(Some(
                tags::to_write(planned, &aws.default_tags, ctx)
                    .into_iter()
                    .collect(),
            ));
        let logs = attrs::strings(planned, "enabled_cluster_log_types");
        if !logs.is_empty() {
            req = req.logging(logging(&logs, true));
        }
        call("CreateCluster", req.send().await)?;
        let budget = wait::budget(planned, "create", CREATE)?;
        self.wait_active(aws, &name, "create", budget).await?;
        self.read_named(aws, &name, planned).await?.ok_or_else(|| {
            ProviderError::new(
                "DescribeCluster",
                format!("EKS cluster {name} vanished after create"),
            )
        })
    }

    async fn read(&self, aws: &Aws, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(name) = attrs::string(prior, "name").or_else(|| attrs::string(prior, "id")) else {
            return Ok(None);
        };
        self.read_named(aws, &name, prior).await
    }

    async fn update(
        &self,
        aws: &Aws,
        prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let name = attrs::string(prior, "name")
            .ok_or_else(|| crate::s3::missing("UpdateCluster", "name"))?;
        let budget = wait::budget(planned, "update", UPDATE)?;
        let eks = &aws.clients.eks;
        if let Some(v) = attrs::string(planned, "version") {
            if attrs::string(prior, "version").as_deref() != Some(v.as_str()) {
                let out = call(
                    "UpdateClusterVersion",
                    eks.update_cluster_version()
                        .name(&name)
                        .version(&v)
                        .send()
                        .await,
                )?;
                wait_update(aws, &name, None, out.update(), budget).await?;
                self.wait_active(aws, &name, "update", budget).await?;
            }
        }
        let old_vpc = attrs::block(prior, "vpc_config")
            .cloned()
            .unwrap_or(Value::NULL);
        let new_vpc = attrs::block(planned, "vpc_config")
            .cloned()
            .unwrap_or(Value::NULL);
        let access = |v: &Value| {
            (
                attrs::boolean(v, "endpoint_public_access"),
                attrs::boolean(v, "endpoint_private_access"),
            )
        };
        if access(&old_vpc) != access(&new_vpc) {
            let (public, private) = access(&new_vpc);
            let out = call(
                "UpdateClusterConfig",
                eks.update_cluster_config()
                    .name(&name)
                    .resources_vpc_config(
                        VpcConfigRequest::builder()
                            .set_endpoint_public_access(public)
                            .set_endpoint_private_access(private)
                            .build(),
                    )
                    .send()
                    .await,
            )?;
            wait_update(aws, &name, None, out.update(), budget).await?;
            self.wait_active(aws, &name, "update", budget).await?;
        }
        let old_logs = attrs::strings(prior, "enabled_cluster_log_types");
        let new_logs = attrs::strings(planned, "enabled_cluster_log_types");
        if old_logs != new_logs {
            let disable: Vec<String> = old_logs
                .iter()
                .filter(|l| !new_logs.contains(l))
                .cloned()
                .collect();
            let mut l = Logging::builder();
            if !new_logs.is_empty() {
                l = l.cluster_logging(
                    LogSetup::builder()
                        .set_types(Some(
                            new_logs.iter().map(|t| LogType::from(t.as_str())).collect(),
                        ))
                        .enabled(true)
                        .build(),
                );
            }
            if !disable.is_empty() {
                l = l.cluster_logging(
                    LogSetup::builder()
                        .set_types(Some(
                            disable.iter().map(|t| LogType::from(t.as_str())).collect(),
                        ))
                        .enabled(false)
                        .build(),
                );
            }
            let out = call(
                "UpdateClusterConfig",
                eks.update_cluster_config()
                    .name(&name)
                    .logging(l.build())
                    .send()
                    .await,
            )?;
            wait_update(aws, &name, None, out.update(), budget).await?;
            self.wait_active(aws, &name, "update", budget).await?;
        }
        update_tags(aws, prior, planned, ctx).await?;
        self.read_named(aws, &name, planned).await?.ok_or_else(|| {
            ProviderError::new(
                "DescribeCluster",
                format!("EKS cluster {name} vanished during update"),
            )
        })
    }

    async fn delete(&self, aws: &Aws, prior: &Value) -> Result<(), ProviderError> {
        let Some(name) = attrs::string(prior, "name").or_else(|| attrs::string(prior, "id")) else {
            return Ok(());
        };
        let budget = wait::budget(prior, "delete", DELETE)?;
        if self.read_named(aws, &name, &Value::NULL).await?.is_none() {
            return Ok(());
        }
        self.wait_node_groups_gone(aws, &name, budget).await?;
        match call(
            "DeleteCluster",
            aws.clients.eks.delete_cluster().name(&name).send().await,
        ) {
            Ok(_) => {}
            Err(e) if e.is(NOT_FOUND) => return Ok(()),
            Err(e) if e.is("ResourceInUseException") => {
                return Err(ProviderError {
                    message: format!(
                        "{} (delete the cluster's node groups first)",
                        e.error.message
                    ),
                    ..e.error
                })
            }
            Err(e) => return Err(e.into()),
        }
        let what = format!("EKS cluster {name} to be deleted");
        wait::until(
            "DescribeCluster",
            &what,
            "delete",
            budget,
            wait::EKS,
            || async {
                match call(
                    "DescribeCluster",
                    aws.clients.eks.describe_cluster().name(&name).send().await,
                ) {
                    Err(e) if e.is(NOT_FOUND) => Ok(Check::Done(())),
                    Err(e) => Err(e.into()),
                    Ok(o) => {
                        let s = o
                            .cluster()
                            .and_then(|c| c.status())
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default();
                        if s == "FAILED" {
                            Err(ProviderError {
                                call: "DescribeCluster".into(),
                                code: Some("ClusterFAILED".into()),
                                message: format!("EKS cluster {name} failed while being deleted"),
                            })
                        } else {
                            Ok(Check::Pending(s))
                        }
                    }
                }
            },
        )
        .await
    }

    async fn import(&self, aws: &Aws, id: &str) -> Result<RemoteObject, ProviderError> {
        let shape = attrs::object([("name", Value::string(id))]);
        self.read_named(aws, id, &shape)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some(NOT_FOUND.into()),
                message: format!("EKS cluster {id} does not exist"),
            })
    }
}
