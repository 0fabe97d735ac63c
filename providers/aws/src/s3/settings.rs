//! Per-bucket configuration resources: `aws_s3_bucket_versioning`,
//! `aws_s3_bucket_server_side_encryption_configuration`, `aws_s3_bucket_public_access_block`.
//!
//! Each one is a single Put/Get/Delete triple on the bucket, updated in place by another Put;
//! changing `bucket` replaces it. A read finds nothing (so the engine plans a create) when the
//! bucket or the configuration is gone. Deleting versioning suspends it (S3 cannot turn it off).
//! Import id: the bucket name. What they share with every per-bucket setting is in
//! [`super::setting`].

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketVersioningStatus, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use hangar_core::{Type, Value};
use hangar_provider::{AttributeSchema, BlockSchema, NestedBlock, Nesting, ProviderError};

use super::setting::{found, list_block, BucketSetting};
use super::{locate_existing, missing};
use crate::attrs;
use crate::error::{call, CallError};
use crate::resource::{one_block, Aws, PlanRules};

/// `aws_s3_bucket_versioning`.
pub struct Versioning;

/// `versioning_configuration.status` of `v`.
fn versioning_status(v: &Value) -> Option<String> {
    attrs::block(v, "versioning_configuration").and_then(|b| attrs::string(b, "status"))
}

#[async_trait]
impl BucketSetting for Versioning {
    const TYPE_NAME: &'static str = "aws_s3_bucket_versioning";
    const PUT: &'static str = "PutBucketVersioning";
    const GET: &'static str = "GetBucketVersioning";
    const NOUN: &'static str = "versioning";

    fn add_schema(&self, b: &mut BlockSchema) {
        let mut v = BlockSchema::default();
        v.attributes.insert(
            "status".into(),
            AttributeSchema::required(Type::String).describe("Enabled, Suspended or Disabled."),
        );
        b.blocks
            .insert("versioning_configuration".into(), list_block(v));
    }

    fn plan_rules(&self) -> PlanRules {
        PlanRules {
            single: &["versioning_configuration"],
            ..PlanRules::default()
        }
    }

    fn check(&self, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        if prior.is_some() && versioning_status(planned).as_deref() == Some("Disabled") {
            return Err(ProviderError::new(
                "PutBucketVersioning",
                "versioning cannot be turned back to Disabled once enabled; use Suspended",
            ));
        }
        if attrs::block(planned, "versioning_configuration").is_none() {
            return Err(ProviderError::new(
                "PutBucketVersioning",
                "aws_s3_bucket_versioning needs a versioning_configuration block",
            ));
        }
        Ok(())
    }

    async fn put(&self, aws: &Aws, bucket: &str, planned: &Value) -> Result<(), ProviderError> {
        let status = versioning_status(planned)
            .ok_or_else(|| missing("PutBucketVersioning", "versioning_configuration.status"))?;
        let status = match status.as_str() {
            "Enabled" => BucketVersioningStatus::Enabled,
            "Suspended" => BucketVersioningStatus::Suspended,
            "Disabled" => return Ok(()),
            other => {
                return Err(ProviderError::new(
                    "PutBucketVersioning",
                    format!("versioning_configuration.status must be Enabled, Suspended or Disabled, not \"{other}\""),
                ))
            }
        };
        let (s3, _) = locate_existing(aws, bucket, "PutBucketVersioning").await?;
        call(
            "PutBucketVersioning",
            s3.put_bucket_versioning()
                .bucket(bucket)
                .versioning_configuration(VersioningConfiguration::builder().status(status).build())
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
        let out = call(
            "GetBucketVersioning",
            s3.get_bucket_versioning().bucket(bucket).send().await,
        )?;
        let status = match out.status().map(|s| s.as_str().to_string()) {
            Some(s) if !s.is_empty() => s,
            _ => {
                if versioning_status(shape).as_deref() == Some("Disabled") {
                    "Disabled".to_string()
                } else {
                    return Ok(None);
                }
            }
        };
        let mut cfg = BTreeMap::new();
        cfg.insert("status".to_string(), Value::string(status));
        let mut m = BTreeMap::new();
        m.insert(
            "versioning_configuration".into(),
            one_block(Some(Value::Object(cfg))),
        );
        Ok(Some(m))
    }

    fn nothing_to_delete(&self, prior: &Value) -> bool {
        versioning_status(prior).as_deref() == Some("Disabled")
    }

    async fn remove(&self, s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), CallError> {
        let r = s3
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Suspended)
                    .build(),
            )
            .send()
            .await;
        call("PutBucketVersioning", r).map(|_| ())
    }

    fn missing_after_put(&self, bucket: &str) -> ProviderError {
        ProviderError::new(
            Self::GET,
            format!("versioning of {bucket} not found after create"),
        )
    }
}

/// `aws_s3_bucket_server_side_encryption_configuration`.
pub struct Encryption;

#[async_trait]
impl BucketSetting for Encryption {
    const TYPE_NAME: &'static str = "aws_s3_bucket_server_side_encryption_configuration";
    const PUT: &'static str = "PutBucketEncryption";
    const GET: &'static str = "GetBucketEncryption";
    const NOUN: &'static str = "encryption";

    fn add_schema(&self, b: &mut BlockSchema) {
        let mut by_default = BlockSchema::default();
        by_default.attributes.insert(
            "sse_algorithm".into(),
            AttributeSchema::required(Type::String).describe("AES256, aws:kms or aws:kms:dsse."),
        );
        by_default.attributes.insert(
            "kms_master_key_id".into(),
            AttributeSchema::optional(Type::String).describe("KMS key for aws:kms."),
        );
        let mut rule = BlockSchema::default();
        rule.attributes.insert(
            "bucket_key_enabled".into(),
            AttributeSchema::optional(Type::Bool).describe("Use an S3 Bucket Key for SSE-KMS."),
        );
        rule.blocks.insert(
            "apply_server_side_encryption_by_default".into(),
            list_block(by_default),
        );
        b.blocks.insert(
            "rule".into(),
            NestedBlock {
                nesting: Nesting::Set,
                block: rule,
                force_new: false,
            },
        );
    }

    async fn put(&self, aws: &Aws, bucket: &str, planned: &Value) -> Result<(), ProviderError> {
        let mut rules = Vec::new();
        for r in attrs::blocks(planned, "rule") {
            let mut rule = ServerSideEncryptionRule::builder();
            if let Some(d) = attrs::block(r, "apply_server_side_encryption_by_default") {
                let alg = attrs::string(d, "sse_algorithm").unwrap_or_default();
                let by_default = ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::from(alg.as_str()))
                    .set_kms_master_key_id(attrs::string(d, "kms_master_key_id"))
                    .build()
                    .map_err(|e| ProviderError::new("PutBucketEncryption", e.to_string()))?;
                rule = rule.apply_server_side_encryption_by_default(by_default);
            }
            if let Some(b) = attrs::boolean(r, "bucket_key_enabled") {
                rule = rule.bucket_key_enabled(b);
            }
            rules.push(rule.build());
        }
        if rules.is_empty() {
            return Err(ProviderError::new(
                "PutBucketEncryption",
                "at least one rule block is required",
            ));
        }
        let conf = ServerSideEncryptionConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| ProviderError::new("PutBucketEncryption", e.to_string()))?;
        let (s3, _) = locate_existing(aws, bucket, "PutBucketEncryption").await?;
        call(
            "PutBucketEncryption",
            s3.put_bucket_encryption()
                .bucket(bucket)
                .server_side_encryption_configuration(conf)
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
            "GetBucketEncryption",
            s3.get_bucket_encryption().bucket(bucket).send().await,
        );
        let Some(out) = found(answer, "ServerSideEncryptionConfigurationNotFoundError")? else {
            return Ok(None);
        };
        let shape_rule = attrs::blocks(shape, "rule").first().map(|r| (*r).clone());
        let shape_rule = shape_rule.unwrap_or(Value::NULL);
        let rules = out
            .server_side_encryption_configuration()
            .map(|c| c.rules())
            .unwrap_or(&[])
            .iter()
            .map(|r| {
                let by_default = r.apply_server_side_encryption_by_default().map(|d| {
                    let kms = d.kms_master_key_id().filter(|k| !k.is_empty());
                    let kms = attrs::opt_string(kms);
                    attrs::object([
                        ("sse_algorithm", Value::string(d.sse_algorithm().as_str())),
                        ("kms_master_key_id", kms),
                    ])
                });
                let bke = match (
                    r.bucket_key_enabled(),
                    attrs::get(&shape_rule, "bucket_key_enabled"),
                ) {
                    (Some(true), _) => Value::Bool(true),
                    (_, Value::Null(_)) => Value::Null(Type::Bool),
                    (b, _) => Value::Bool(b.unwrap_or(false)),
                };
                attrs::object([
                    (
                        "apply_server_side_encryption_by_default",
                        one_block(by_default),
                    ),
                    ("bucket_key_enabled", bke),
                ])
            })
            .collect();
        let mut m = BTreeMap::new();
        m.insert("rule".into(), Value::set(rules));
        Ok(Some(m))
    }

    async fn remove(&self, s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), CallError> {
        call(
            "DeleteBucketEncryption",
            s3.delete_bucket_encryption().bucket(bucket).send().await,
        )
        .map(|_| ())
    }
}

/// `aws_s3_bucket_public_access_block`.
pub struct PublicAccessBlock;

const PAB_FLAGS: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

#[async_trait]
impl BucketSetting for PublicAccessBlock {
    const TYPE_NAME: &'static str = "aws_s3_bucket_public_access_block";
    const PUT: &'static str = "PutPublicAccessBlock";
    const GET: &'static str = "GetPublicAccessBlock";
    const NOUN: &'static str = "public access block";
    const GONE: &'static [&'static str] = &["NoSuchBucket", "NoSuchPublicAccessBlockConfiguration"];

    fn add_schema(&self, b: &mut BlockSchema) {
        for f in PAB_FLAGS {
            b.attributes.insert(
                f.into(),
                AttributeSchema::optional(Type::Bool).describe("Default false."),
            );
        }
    }

    fn plan_rules(&self) -> PlanRules {
        PlanRules {
            defaults: &[
                ("block_public_acls", false),
                ("block_public_policy", false),
                ("ignore_public_acls", false),
                ("restrict_public_buckets", false),
            ],
            ..PlanRules::default()
        }
    }

    async fn put(&self, aws: &Aws, bucket: &str, planned: &Value) -> Result<(), ProviderError> {
        let f = |n: &str| attrs::boolean(planned, n).unwrap_or(false);
        let conf = PublicAccessBlockConfiguration::builder()
            .block_public_acls(f("block_public_acls"))
            .block_public_policy(f("block_public_policy"))
            .ignore_public_acls(f("ignore_public_acls"))
            .restrict_public_buckets(f("restrict_public_buckets"))
            .build();
        let (s3, _) = locate_existing(aws, bucket, "PutPublicAccessBlock").await?;
        call(
            "PutPublicAccessBlock",
            s3.put_public_access_block()
                .bucket(bucket)
                .public_access_block_configuration(conf)
                .send()
                .await,
        )?;
        Ok(())
    }

    async fn get(
        &self,
        s3: &aws_sdk_s3::Client,
        bucket: &str,
        _shape: &Value,
    ) -> Result<Option<BTreeMap<String, Value>>, ProviderError> {
        let answer = call(
            "GetPublicAccessBlock",
            s3.get_public_access_block().bucket(bucket).send().await,
        );
        let Some(out) = found(answer, "NoSuchPublicAccessBlockConfiguration")? else {
            return Ok(None);
        };
        let c = out.public_access_block_configuration();
        let flag = |f: fn(&PublicAccessBlockConfiguration) -> Option<bool>| {
            Value::Bool(c.and_then(f).unwrap_or(false))
        };
        let mut m = BTreeMap::new();
        m.insert("block_public_acls".into(), flag(|c| c.block_public_acls()));
        m.insert(
            "block_public_policy".into(),
            flag(|c| c.block_public_policy()),
        );
        m.insert(
            "ignore_public_acls".into(),
            flag(|c| c.ignore_public_acls()),
        );
        m.insert(
            "restrict_public_buckets".into(),
            flag(|c| c.restrict_public_buckets()),
        );
        Ok(Some(m))
    }

    async fn remove(&self, s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), CallError> {
        call(
            "DeletePublicAccessBlock",
            s3.delete_public_access_block().bucket(bucket).send().await,
        )
        .map(|_| ())
    }
}
