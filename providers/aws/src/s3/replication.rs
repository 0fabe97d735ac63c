//! `aws_s3_bucket_replication_configuration`: the bucket's replication rules and IAM role.
//!
//! Rules are sent in S3's V2 form (a filter, a delete-marker setting) so priorities and
//! prefixes work together; an absent `filter` or `delete_marker_replication` block is sent as
//! "everything" and "Disabled" and read back as absent again. A rule without `id` gets one from
//! S3, which is not shown as a change. The source bucket must be versioned (S3 refuses
//! otherwise). Import id: the bucket name.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    DeleteMarkerReplication, DeleteMarkerReplicationStatus, Destination, ReplicationConfiguration,
    ReplicationRule, ReplicationRuleFilter, ReplicationRuleStatus, StorageClass,
};
use hangar_core::{Type, Value};
use hangar_provider::{
    AttributeSchema, BlockSchema, NestedBlock, Nesting, OperationContext, ProviderError,
    RemoteObject, ResourceSchema,
};

use super::{bucket_config_block, bucket_of, locate, locate_existing, missing};
use crate::attrs;
use crate::error::call;
use crate::resource::{one_block, Aws, Resource};

/// `aws_s3_bucket_replication_configuration`.
pub struct Replication;

fn list_block(block: BlockSchema) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::List,
        block,
        force_new: false,
    }
}

fn build_err(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new("PutBucketReplication", e.to_string())
}

fn rule_of(r: &Value) -> Result<ReplicationRule, ProviderError> {
    let status = attrs::string(r, "status").unwrap_or_else(|| "Enabled".into());
    let dest = attrs::block(r, "destination")
        .ok_or_else(|| build_err("every rule needs a destination block"))?;
    let mut d = Destination::builder().set_bucket(attrs::string(dest, "bucket"));
    if let Some(sc) = attrs::string(dest, "storage_class") {
        d = d.storage_class(StorageClass::from(sc.as_str()));
    }
    let prefix = attrs::block(r, "filter")
        .and_then(|f| attrs::string(f, "prefix"))
        .unwrap_or_default();
    let dmr = attrs::block(r, "delete_marker_replication")
        .and_then(|b| attrs::string(b, "status"))
        .unwrap_or_else(|| "Disabled".into());
    ReplicationRule::builder()
        .set_id(attrs::string(r, "id"))
        .priority(attrs::int(r, "priority").unwrap_or(0) as i32)
        .status(ReplicationRuleStatus::from(status.as_str()))
        .filter(ReplicationRuleFilter::builder().prefix(prefix).build())
        .delete_marker_replication(
            DeleteMarkerReplication::builder()
                .status(DeleteMarkerReplicationStatus::from(dmr.as_str()))
                .build(),
        )
        .destination(d.build().map_err(build_err)?)
        .build()
        .map_err(build_err)
}

impl Replication {
    async fn read_bucket(
        &self,
        aws: &Aws,
        bucket: &str,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let Some((s3, region)) = locate(aws, bucket).await? else {
            return Ok(None);
        };
        let out = match call(
            "GetBucketReplication",
            s3.get_bucket_replication().bucket(bucket).send().await,
        ) {
            Ok(o) => o,
            Err(e) if e.is("ReplicationConfigurationNotFoundError") => return Ok(None),
            Err(e) if e.is_not_found(&["NoSuchBucket"]) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Some(conf) = out.replication_configuration() else {
            return Ok(None);
        };
        let shape_rules = attrs::blocks(shape, "rule");
        let rules = conf
            .rules()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let was = shape_rules.get(i).copied().unwrap_or(&Value::NULL);
                let configured = |name: &str| !attrs::blocks(was, name).is_empty();
                let id = if attrs::get(was, "id").is_null() && !was.is_null() {
                    Value::Null(Type::String)
                } else {
                    attrs::opt_string(r.id())
                };
                let priority = match r.priority() {
                    Some(0) | None if attrs::get(was, "priority").is_null() => {
                        Value::Null(Type::Number)
                    }
                    p => attrs::opt_int(p.map(i64::from)),
                };
                let prefix = r.filter().and_then(|f| f.prefix()).unwrap_or("");
                let filter = if prefix.is_empty() && !configured("filter") {
                    None
                } else {
                    Some(attrs::object([(
                        "prefix",
                        attrs::opt_string(Some(prefix).filter(|p| !p.is_empty())),
                    )]))
                };
                let dmr = r
                    .delete_marker_replication()
                    .and_then(|d| d.status())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| "Disabled".into());
                let dmr = if dmr == "Disabled" && !configured("delete_marker_replication") {
                    None
                } else {
                    Some(attrs::object([("status", Value::string(dmr))]))
                };
                let destination = r.destination().map(|d| {
                    attrs::object([
                        ("bucket", Value::string(d.bucket())),
                        (
                            "storage_class",
                            attrs::opt_string(d.storage_class().map(|s| s.as_str())),
                        ),
                    ])
                });
                attrs::object([
                    ("id", id),
                    ("status", Value::string(r.status().as_str())),
                    ("priority", priority),
                    ("filter", one_block(filter)),
                    ("delete_marker_replication", one_block(dmr)),
                    ("destination", one_block(destination)),
                ])
            })
            .collect();
        let mut m = BTreeMap::new();
        m.insert("id".into(), Value::string(bucket));
        m.insert("bucket".into(), Value::string(bucket));
        m.insert("role".into(), Value::string(conf.role()));
        m.insert("rule".into(), Value::List(rules));
        Ok(Some(RemoteObject {
            attrs: Value::Object(m),
            region: Some(region),
        }))
    }

    async fn put(&self, aws: &Aws, planned: &Value) -> Result<RemoteObject, ProviderError> {
        let bucket = bucket_of(planned).ok_or_else(|| missing("PutBucketReplication", "bucket"))?;
        let role = attrs::string(planned, "role")
            .ok_or_else(|| missing("PutBucketReplication", "role"))?;
        let rules = attrs::blocks(planned, "rule")
            .into_iter()
            .map(rule_of)
            .collect::<Result<Vec<_>, _>>()?;
        if rules.is_empty() {
            return Err(build_err("at least one rule block is required"));
        }
        let conf = ReplicationConfiguration::builder()
            .role(role)
            .set_rules(Some(rules))
            .build()
            .map_err(build_err)?;
        let (s3, _) = locate_existing(aws, &bucket, "PutBucketReplication").await?;
        call(
            "PutBucketReplication",
            s3.put_bucket_replication()
                .bucket(&bucket)
                .replication_configuration(conf)
                .send()
                .await,
        )?;
        self.read_bucket(aws, &bucket, planned)
            .await?
            .ok_or_else(|| {
                ProviderError::new(
                    "GetBucketReplication",
                    format!("replication of {bucket} not found after put"),
                )
            })
    }
}

#[async_trait]
impl Resource for Replication {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_replication_configuration"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = bucket_config_block();
        b.attributes.insert(
            "role".into(),
            AttributeSchema::required(Type::String).describe("IAM role S3 assumes to replicate."),
        );
        let mut filter = BlockSchema::default();
        filter
            .attributes
            .insert("prefix".into(), AttributeSchema::optional(Type::String));
        let mut dest = BlockSchema::default();
        dest.attributes.insert(
            "bucket".into(),
            AttributeSchema::required(Type::String).describe("ARN of the destination bucket."),
        );
        dest.attributes.insert(
            "storage_class".into(),
            AttributeSchema::optional(Type::String),
        );
        let mut dmr = BlockSchema::default();
        dmr.attributes
            .insert("status".into(), AttributeSchema::required(Type::String));
        let mut rule = BlockSchema::default();
        rule.attributes
            .insert("id".into(), AttributeSchema::optional(Type::String));
        rule.attributes.insert(
            "status".into(),
            AttributeSchema::required(Type::String).describe("Enabled or Disabled."),
        );
        rule.attributes
            .insert("priority".into(), AttributeSchema::optional(Type::Number));
        rule.blocks.insert("filter".into(), list_block(filter));
        rule.blocks.insert("destination".into(), list_block(dest));
        rule.blocks
            .insert("delete_marker_replication".into(), list_block(dmr));
        b.blocks.insert("rule".into(), list_block(rule));
        ResourceSchema {
            block: b,
            refreshable: true,
        }
    }

    async fn create(
        &self,
        aws: &Aws,
        planned: &Value,
        _ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        self.put(aws, planned).await
    }

    async fn read(&self, aws: &Aws, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(bucket) = bucket_of(prior) else {
            return Ok(None);
        };
        self.read_bucket(aws, &bucket, prior).await
    }

    async fn update(
        &self,
        aws: &Aws,
        _prior: &Value,
        planned: &Value,
        _ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        self.put(aws, planned).await
    }

    async fn delete(&self, aws: &Aws, prior: &Value) -> Result<(), ProviderError> {
        let Some(bucket) = bucket_of(prior) else {
            return Ok(());
        };
        let Some((s3, _)) = locate(aws, &bucket).await? else {
            return Ok(());
        };
        match call(
            "DeleteBucketReplication",
            s3.delete_bucket_replication().bucket(&bucket).send().await,
        ) {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found(&["NoSuchBucket"]) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn import(&self, aws: &Aws, id: &str) -> Result<RemoteObject, ProviderError> {
        self.read_bucket(aws, id, &Value::NULL)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some("NotFound".into()),
                message: format!("bucket {id} does not exist or has no replication configuration"),
            })
    }
}
