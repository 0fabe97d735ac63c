//! Per-bucket configuration resources: `aws_s3_bucket_versioning`,
//! `aws_s3_bucket_server_side_encryption_configuration`, `aws_s3_bucket_public_access_block`.
//!
//! Each one is a single Put/Get/Delete triple on the bucket, updated in place by another Put;
//! changing `bucket` replaces it. A read finds nothing (so the engine plans a create) when the
//! bucket or the configuration is gone. Deleting versioning suspends it (S3 cannot turn it off).
//! Import id: the bucket name.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketVersioningStatus, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use hangar_core::{Type, Value};
use hangar_provider::{
    AttributeSchema, BlockSchema, NestedBlock, Nesting, OperationContext, ProviderError,
    RemoteObject, ResourceSchema,
};

use super::{bucket_config_block, bucket_of, locate, locate_existing, missing};
use crate::attrs;
use crate::error::call;
use crate::resource::{one_block, Aws, PlanRules, Resource};

fn list_block(block: BlockSchema) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::List,
        block,
        force_new: false,
    }
}

fn import_error(type_name: &str, id: &str) -> ProviderError {
    ProviderError {
        call: "Import".into(),
        code: Some("NotFound".into()),
        message: format!("{type_name}: bucket {id} does not exist or has no such configuration"),
    }
}

fn object(bucket: &str, region: String, mut m: BTreeMap<String, Value>) -> RemoteObject {
    m.insert("id".into(), Value::string(bucket));
    m.insert("bucket".into(), Value::string(bucket));
    RemoteObject {
        attrs: Value::Object(m),
        region: Some(region),
    }
}

/// `aws_s3_bucket_versioning`.
pub struct Versioning;

impl Versioning {
    async fn put(&self, aws: &Aws, planned: &Value, call_name: &str) -> Result<(), ProviderError> {
        let bucket = bucket_of(planned).ok_or_else(|| missing(call_name, "bucket"))?;
        let status = attrs::block(planned, "versioning_configuration")
            .and_then(|b| attrs::string(b, "status"))
            .ok_or_else(|| missing(call_name, "versioning_configuration.status"))?;
        let status = match status.as_str() {
            "Enabled" => BucketVersioningStatus::Enabled,
            "Suspended" => BucketVersioningStatus::Suspended,
            "Disabled" => return Ok(()),
            other => {
                return Err(ProviderError::new(
                    call_name,
                    format!("versioning_configuration.status must be Enabled, Suspended or Disabled, not \"{other}\""),
                ))
            }
        };
        let (s3, _) = locate_existing(aws, &bucket, "PutBucketVersioning").await?;
        call(
            "PutBucketVersioning",
            s3.put_bucket_versioning()
                .bucket(&bucket)
                .versioning_configuration(VersioningConfiguration::builder().status(status).build())
                .send()
                .await,
        )?;
        Ok(())
    }

    async fn read_bucket(
        &self,
        aws: &Aws,
        bucket: &str,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let Some((s3, region)) = locate(aws, bucket).await? else {
            return Ok(None);
        };
        let out = call(
            "GetBucketVersioning",
            s3.get_bucket_versioning().bucket(bucket).send().await,
        )?;
        let status = match out.status().map(|s| s.as_str().to_string()) {
            Some(s) if !s.is_empty() => s,
            _ => {
                let was = attrs::block(shape, "versioning_configuration")
                    .and_then(|b| attrs::string(b, "status"));
                if was.as_deref() == Some("Disabled") {
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
        Ok(Some(object(bucket, region, m)))
    }
}

#[async_trait]
impl Resource for Versioning {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_versioning"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = bucket_config_block();
        let mut v = BlockSchema::default();
        v.attributes.insert(
            "status".into(),
            AttributeSchema::required(Type::String).describe("Enabled, Suspended or Disabled."),
        );
        b.blocks
            .insert("versioning_configuration".into(), list_block(v));
        ResourceSchema {
            block: b,
            refreshable: true,
        }
    }

    fn rules(&self) -> PlanRules {
        PlanRules {
            single: &["versioning_configuration"],
            ..PlanRules::default()
        }
    }

    async fn create(
        &self,
        aws: &Aws,
        planned: &Value,
        _ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        if attrs::block(planned, "versioning_configuration").is_none() {
            return Err(ProviderError::new(
                "PutBucketVersioning",
                "aws_s3_bucket_versioning needs a versioning_configuration block",
            ));
        }
        self.put(aws, planned, "PutBucketVersioning").await?;
        let bucket = bucket_of(planned).ok_or_else(|| missing("PutBucketVersioning", "bucket"))?;
        self.read_bucket(aws, &bucket, planned)
            .await?
            .ok_or_else(|| {
                ProviderError::new(
                    "GetBucketVersioning",
                    format!("versioning of {bucket} not found after create"),
                )
            })
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
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let status = attrs::block(planned, "versioning_configuration")
            .and_then(|b| attrs::string(b, "status"));
        if status.as_deref() == Some("Disabled") {
            return Err(ProviderError::new(
                "PutBucketVersioning",
                "versioning cannot be turned back to Disabled once enabled; use Suspended",
            ));
        }
        self.create(aws, planned, ctx).await
    }

    async fn delete(&self, aws: &Aws, prior: &Value) -> Result<(), ProviderError> {
        let Some(bucket) = bucket_of(prior) else {
            return Ok(());
        };
        let status = attrs::block(prior, "versioning_configuration")
            .and_then(|b| attrs::string(b, "status"));
        if status.as_deref() == Some("Disabled") {
            return Ok(());
        }
        let Some((s3, _)) = locate(aws, &bucket).await? else {
            return Ok(());
        };
        let r = s3
            .put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Suspended)
                    .build(),
            )
            .send()
            .await;
        match call("PutBucketVersioning", r) {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found(&["NoSuchBucket"]) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn import(&self, aws: &Aws, id: &str) -> Result<RemoteObject, ProviderError> {
        self.read_bucket(aws, id, &Value::NULL)
            .await?
            .ok_or_else(|| import_error(self.type_name(), id))
    }
}

/// `aws_s3_bucket_server_side_encryption_configuration`.
pub struct Encryption;

impl Encryption {
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
            "GetBucketEncryption",
            s3.get_bucket_encryption().bucket(bucket).send().await,
        ) {
            Ok(o) => o,
            Err(e) if e.is("ServerSideEncryptionConfigurationNotFoundError") => return Ok(None),
            Err(e) if e.is_not_found(&["NoSuchBucket"]) => return Ok(None),
            Err(e) => return Err(e.into()),
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
        Ok(Some(object(bucket, region, m)))
    }

    async fn put(&self, aws: &Aws, planned: &Value) -> Result<RemoteObject, ProviderError> {
        let bucket = bucket_of(planned).ok_or_else(|| missing("PutBucketEncryption", "bucket"))?;
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
        let (s3, _) = locate_existing(aws, &bucket, "PutBucketEncryption").await?;
        call(
            "PutBucketEncryption",
            s3.put_bucket_encryption()
                .bucket(&bucket)
                .server_side_encryption_configuration(conf)
                .send()
                .await,
        )?;
        self.read_bucket(aws, &bucket, planned)
            .await?
            .ok_or_else(|| {
                ProviderError::new(
                    "GetBucketEncryption",
                    format!("encryption of {bucket} not found after put"),
                )
            })
    }
}

#[async_trait]
impl Resource for Encryption {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_server_side_encryption_configuration"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = bucket_config_block();
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
            "DeleteBucketEncryption",
            s3.delete_bucket_encryption().bucket(&bucket).send().await,
        ) {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found(&["NoSuchBucket"]) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn import(&self, aws: &Aws, id: &str) -> Result<RemoteObject, ProviderError> {
        self.read_bucket(aws, id, &Value::NULL)
            .await?
            .ok_or_else(|| import_error(self.type_name(), id))
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

impl PublicAccessBlock {
    async fn read_bucket(
        &self,
        aws: &Aws,
        bucket: &str,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let Some((s3, region)) = locate(aws, bucket).await? else {
            return Ok(None);
        };
        let out = match call(
            "GetPublicAccessBlock",
            s3.get_public_access_block().bucket(bucket).send().await,
        ) {
            Ok(o) => o,
            Err(e) if e.is("NoSuchPublicAccessBlockConfiguration") => return Ok(None),
            Err(e) if e.is_not_found(&["NoSuchBucket"]) => return Ok(None),
            Err(e) => return Err(e.into()),
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
        Ok(Some(object(bucket, region, m)))
    }

    async fn put(&self, aws: &Aws, planned: &Value) -> Result<RemoteObject, ProviderError> {
        let bucket = bucket_of(planned).ok_or_else(|| missing("PutPublicAccessBlock", "bucket"))?;
        let f = |n: &str| attrs::boolean(planned, n).unwrap_or(false);
        let conf = PublicAccessBlockConfiguration::builder()
            .block_public_acls(f("block_public_acls"))
            .block_public_policy(f("block_public_policy"))
            .ignore_public_acls(f("ignore_public_acls"))
            .restrict_public_buckets(f("restrict_public_buckets"))
            .build();
        let (s3, _) = locate_existing(aws, &bucket, "PutPublicAccessBlock").await?;
        call(
            "PutPublicAccessBlock",
            s3.put_public_access_block()
                .bucket(&bucket)
                .public_access_block_configuration(conf)
                .send()
                .await,
        )?;
        self.read_bucket(aws, &bucket).await?.ok_or_else(|| {
            ProviderError::new(
                "GetPublicAccessBlock",
                format!("public access block of {bucket} not found after put"),
            )
        })
    }
}

#[async_trait]
impl Resource for PublicAccessBlock {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_public_access_block"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = bucket_config_block();
        for f in PAB_FLAGS {
            b.attributes.insert(
                f.into(),
                AttributeSchema::optional(Type::Bool).describe("Default false."),
            );
        }
        ResourceSchema {
            block: b,
            refreshable: true,
        }
    }

    fn rules(&self) -> PlanRules {
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
        self.read_bucket(aws, &bucket).await
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
            "DeletePublicAccessBlock",
            s3.delete_public_access_block().bucket(&bucket).send().await,
        ) {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found(&["NoSuchBucket", "NoSuchPublicAccessBlockConfiguration"]) => {
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn import(&self, aws: &Aws, id: &str) -> Result<RemoteObject, ProviderError> {
        self.read_bucket(aws, id)
            .await?
            .ok_or_else(|| import_error(self.type_name(), id))
    }
}
