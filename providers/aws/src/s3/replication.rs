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
use hangar_provider::{AttributeSchema, BlockSchema, ProviderError};

use super::setting::{found, list_block, BucketSetting};
use super::{locate_existing, missing};
use crate::attrs;
use crate::error::{call, CallError};
use crate::resource::{one_block, Aws};

/// `aws_s3_bucket_replication_configuration`.
pub struct Replication;

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

#[async_trait]
impl BucketSetting for Replication {
    const TYPE_NAME: &'static str = "aws_s3_bucket_replication_configuration";
    const PUT: &'static str = "PutBucketReplication";
    const GET: &'static str = "GetBucketReplication";
    const NOUN: &'static str = "replication";

    fn add_schema(&self, b: &mut BlockSchema) {
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
    }

    async fn put(&self, aws: &Aws, bucket: &str, planned: &Value) -> Result<(), ProviderError> {
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
        let (s3, _) = locate_existing(aws, bucket, "PutBucketReplication").await?;
        call(
            "PutBucketReplication",
            s3.put_bucket_replication()
                .bucket(bucket)
                .replication_configuration(conf)
                .send()
                .await,
        )?;
        Ok(())
    }

    async fn get(
        &self,
        s3: &aws_sdk_s3::Client,
        bucket: &str,
        shape: &Value,
    ) -> Result<Option<BTreeMap<String, Value>>, ProviderError> {
        let answer = call(
            "GetBucketReplication",
            s3.get_bucket_replication().bucket(bucket).send().await,
        );
        let Some(out) = found(answer, "ReplicationConfigurationNotFoundError")? else {
            return Ok(None);
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
        m.insert("role".into(), Value::string(conf.role()));
        m.insert("rule".into(), Value::List(rules));
        Ok(Some(m))
    }

    async fn remove(&self, s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), CallError> {
        call(
            "DeleteBucketReplication",
            s3.delete_bucket_replication().bucket(bucket).send().await,
        )
        .map(|_| ())
    }

    fn import_error(&self, id: &str) -> ProviderError {
        ProviderError {
            call: "Import".into(),
            code: Some("NotFound".into()),
            message: format!("bucket {id} does not exist or has no replication configuration"),
        }
    }
}
