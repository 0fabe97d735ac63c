//! What the per-bucket configuration resources share: one [`Resource`] implementation for
//! every [`BucketSetting`].
//!
//! A setting lives on a bucket named by `bucket` (its `id` too): create and update write it
//! with one Put and read it back, read and import find nothing when the bucket or the setting
//! is gone, and delete succeeds when the bucket is already gone. Each setting supplies only
//! its schema, its Put, its Get and its Delete call; validating its own attributes and the
//! errors S3 gives for them stay with it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use hangar_core::Value;
use hangar_provider::{
    BlockSchema, NestedBlock, Nesting, OperationContext, ProviderError, RemoteObject,
    ResourceSchema,
};

use super::{bucket_config_block, bucket_of, locate, missing};
use crate::error::CallError;
use crate::resource::{Aws, PlanRules, Resource};

/// One per-bucket configuration resource type, so that the bucket handling is written once.
#[async_trait]
pub trait BucketSetting: Send + Sync {
    /// Terraform's name of the type (`aws_s3_bucket_versioning`).
    const TYPE_NAME: &'static str;
    /// The Put call, named in errors about an unknown `bucket`.
    const PUT: &'static str;
    /// The Get call, named when the setting is missing right after a Put.
    const GET: &'static str;
    /// What the setting is called when it is missing right after a Put ("encryption").
    const NOUN: &'static str;
    /// Error codes of the Delete call that mean there is nothing left to delete.
    const GONE: &'static [&'static str] = &["NoSuchBucket"];

    /// Adds the setting's own attributes and blocks to `id` and `bucket`.
    fn add_schema(&self, block: &mut BlockSchema);
    /// Its plan rules.
    fn plan_rules(&self) -> PlanRules {
        PlanRules::default()
    }
    /// Refuses a `planned` value before any call; `prior` is `None` on create.
    fn check(&self, _prior: Option<&Value>, _planned: &Value) -> Result<(), ProviderError> {
        Ok(())
    }
    /// Writes the setting `planned` describes on `bucket`; fails with AWS's error, or with
    /// `NoSuchBucket` when the bucket does not exist.
    async fn put(&self, aws: &Aws, bucket: &str, planned: &Value) -> Result<(), ProviderError>;
    /// The setting's attributes besides `id` and `bucket`, shaped like `shape`; `None` when
    /// the bucket has no such setting.
    async fn get(
        &self,
        s3: &aws_sdk_s3::Client,
        bucket: &str,
        shape: &Value,
    ) -> Result<Option<BTreeMap<String, Value>>, ProviderError>;
    /// Whether deleting the setting recorded as `prior` needs no call at all.
    fn nothing_to_delete(&self, _prior: &Value) -> bool {
        false
    }
    /// Removes the setting from `bucket` with one SDK call.
    async fn remove(&self, s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), CallError>;
    /// The error for a setting that is missing right after a Put.
    fn missing_after_put(&self, bucket: &str) -> ProviderError {
        ProviderError::new(
            Self::GET,
            format!("{} of {bucket} not found after put", Self::NOUN),
        )
    }
    /// The error for an import id naming no bucket, or a bucket without the setting.
    fn import_error(&self, id: &str) -> ProviderError {
        ProviderError {
            call: "Import".into(),
            code: Some("NotFound".into()),
            message: format!(
                "{}: bucket {id} does not exist or has no such configuration",
                Self::TYPE_NAME
            ),
        }
    }
}

/// The answer of a setting's Get call; `None` when S3 says the bucket is gone or has no such
/// setting (`absent`).
pub fn found<T>(answer: Result<T, CallError>, absent: &str) -> Result<Option<T>, ProviderError> {
    match answer {
        Ok(o) => Ok(Some(o)),
        Err(e) if e.is(absent) => Ok(None),
        Err(e) if e.is_not_found(&["NoSuchBucket"]) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A single-object list block that does not replace the resource when it changes.
pub fn list_block(block: BlockSchema) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::List,
        block,
        force_new: false,
    }
}

/// Reads the setting of `bucket`; `None` when the bucket or the setting is gone.
async fn read_bucket<S: BucketSetting>(
    setting: &S,
    aws: &Aws,
    bucket: &str,
    shape: &Value,
) -> Result<Option<RemoteObject>, ProviderError> {
    let Some((s3, region)) = locate(aws, bucket).await? else {
        return Ok(None);
    };
    let Some(mut m) = setting.get(&s3, bucket, shape).await? else {
        return Ok(None);
    };
    m.insert("id".into(), Value::string(bucket));
    m.insert("bucket".into(), Value::string(bucket));
    Ok(Some(RemoteObject {
        attrs: Value::Object(m),
        region: Some(region),
        deferred: None,
        private: Vec::new(),
    }))
}

/// Checks and puts `planned`, then reads it back.
async fn write<S: BucketSetting>(
    setting: &S,
    aws: &Aws,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<RemoteObject, ProviderError> {
    setting.check(prior, planned)?;
    let bucket = bucket_of(planned).ok_or_else(|| missing(S::PUT, "bucket"))?;
    setting.put(aws, &bucket, planned).await?;
    read_bucket(setting, aws, &bucket, planned)
        .await?
        .ok_or_else(|| setting.missing_after_put(&bucket))
}

#[async_trait]
impl<S: BucketSetting> Resource for S {
    fn type_name(&self) -> &'static str {
        S::TYPE_NAME
    }

    fn schema(&self) -> ResourceSchema {
        let mut block = bucket_config_block();
        self.add_schema(&mut block);
        ResourceSchema {
            block,
            refreshable: true,
            version: 0,
        }
    }

    fn rules(&self) -> PlanRules {
        self.plan_rules()
    }

    async fn create(
        &self,
        aws: &Aws,
        planned: &Value,
        _ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        write(self, aws, None, planned).await
    }

    async fn read(&self, aws: &Aws, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(bucket) = bucket_of(prior) else {
            return Ok(None);
        };
        read_bucket(self, aws, &bucket, prior).await
    }

    async fn update(
        &self,
        aws: &Aws,
        prior: &Value,
        planned: &Value,
        _ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        write(self, aws, Some(prior), planned).await
    }

    async fn delete(&self, aws: &Aws, prior: &Value) -> Result<(), ProviderError> {
        let Some(bucket) = bucket_of(prior) else {
            return Ok(());
        };
        if self.nothing_to_delete(prior) {
            return Ok(());
        }
        let Some((s3, _)) = locate(aws, &bucket).await? else {
            return Ok(());
        };
        match self.remove(&s3, &bucket).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found(S::GONE) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn import(&self, aws: &Aws, id: &str) -> Result<RemoteObject, ProviderError> {
        read_bucket(self, aws, id, &Value::NULL)
            .await?
            .ok_or_else(|| self.import_error(id))
    }
}
