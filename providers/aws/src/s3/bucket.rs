//! `aws_s3_bucket`: the bucket itself and its tags.
//!
//! The name is `bucket`, or generated from `bucket_prefix` (or `hangar-`) at create, so it is
//! unknown in the plan then. A new bucket is created in the provider's region and read back
//! with GetBucketLocation, which is what `region` reports. `force_destroy` (as recorded in
//! state, like Terraform) empties the bucket, every object version and delete marker included,
//! before deleting it. Import id: the bucket name.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier,
};
use hangar_core::{Type, Value};
use hangar_provider::{
    AttributeSchema, BlockSchema, OperationContext, ProviderError, RemoteObject, ResourceSchema,
};

use super::{get_tags, locate, partition, put_tags};
use crate::attrs;
use crate::error::call;
use crate::resource::{keep, Aws, PlanRules, Resource};
use crate::tags;

/// `aws_s3_bucket`.
pub struct Bucket;

const CONFIG_ONLY: &[&str] = &["bucket_prefix", "force_destroy"];

/// A bucket name from `prefix` (default `hangar-`) and a unique lowercase suffix.
pub fn generate_name(prefix: Option<&str>) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{}{:x}{:04x}",
        prefix.unwrap_or("hangar-"),
        nanos & 0xffff_ffff_ffff_ffff,
        n & 0xffff
    )
}

/// The name a `bucket_prefix` bucket gets in the operation with `token`: derived from the token,
/// so a run that was killed before recording the bucket (or even before tagging it) can find it
/// again by name.
pub fn token_name(prefix: Option<&str>, token: &str) -> String {
    let hex: String = token
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(26)
        .collect();
    if hex.len() < 26 {
        return generate_name(prefix);
    }
    format!(
        "{}{}",
        prefix.unwrap_or("hangar-"),
        hex.to_ascii_lowercase()
    )
}

/// The bucket the create with `token` and `planned` attributes would have made, if it exists.
pub async fn find_created(
    aws: &Aws,
    token: &str,
    planned: &Value,
) -> Result<Option<String>, ProviderError> {
    let name = attrs::string(planned, "bucket")
        .unwrap_or_else(|| token_name(attrs::string(planned, "bucket_prefix").as_deref(), token));
    match call(
        "HeadBucket",
        aws.clients.s3.head_bucket().bucket(&name).send().await,
    ) {
        Ok(_) => Ok(Some(name)),
        Err(e) if e.is_not_found(&["NoSuchBucket", "NotFound"]) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

impl Bucket {
    /// Reads bucket `name`, shaping config-only attributes and `tags` like `shape`.
    async fn read_named(
        &self,
        aws: &Aws,
        name: &str,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let Some((s3, region)) = locate(aws, name).await? else {
            return Ok(None);
        };
        let cloud_tags = get_tags(&s3, name).await?;
        let (user_tags, all) =
            tags::split(&cloud_tags, &aws.default_tags, attrs::get(shape, "tags"));
        let mut m = std::collections::BTreeMap::new();
        keep(&mut m, shape, CONFIG_ONLY);
        if attrs::get(shape, "force_destroy").is_null() {
            m.insert("force_destroy".into(), Value::Bool(false));
        }
        m.insert("id".into(), Value::string(name));
        m.insert("bucket".into(), Value::string(name));
        m.insert(
            "arn".into(),
            Value::string(format!("arn:{}:s3:::{name}", partition(&region))),
        );
        m.insert(
            "bucket_domain_name".into(),
            Value::string(format!("{name}.s3.amazonaws.com")),
        );
        m.insert(
            "bucket_regional_domain_name".into(),
            Value::string(format!("{name}.s3.{region}.amazonaws.com")),
        );
        m.insert("region".into(), Value::string(region.clone()));
        m.insert("tags".into(), user_tags);
        m.insert("tags_all".into(), all);
        Ok(Some(RemoteObject {
            attrs: Value::Object(m),
            region: Some(region),
            deferred: None,
            private: Vec::new(),
        }))
    }

    /// Deletes every object version and delete marker of `name`.
    async fn empty(&self, s3: &aws_sdk_s3::Client, name: &str) -> Result<(), ProviderError> {
        loop {
            let out = call(
                "ListObjectVersions",
                s3.list_object_versions()
                    .bucket(name)
                    .max_keys(1000)
                    .send()
                    .await,
            )?;
            let mut ids = Vec::new();
            for v in out.versions() {
                if let Some(k) = v.key() {
                    ids.push((k.to_string(), v.version_id().map(str::to_string)));
                }
            }
            for d in out.delete_markers() {
                if let Some(k) = d.key() {
                    ids.push((k.to_string(), d.version_id().map(str::to_string)));
                }
            }
            if ids.is_empty() {
                return Ok(());
            }
            let objects = ids
                .into_iter()
                .map(|(k, v)| ObjectIdentifier::builder().key(k).set_version_id(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ProviderError::new("DeleteObjects", e.to_string()))?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| ProviderError::new("DeleteObjects", e.to_string()))?;
            let out = call(
                "DeleteObjects",
                s3.delete_objects().bucket(name).delete(delete).send().await,
            )?;
            if let Some(e) = out.errors().first() {
                return Err(ProviderError {
                    call: "DeleteObjects".into(),
                    code: e.code().map(str::to_string),
                    message: format!(
                        "could not delete {}: {}",
                        e.key().unwrap_or("an object"),
                        e.message().unwrap_or("no message")
                    ),
                });
            }
        }
    }
}

#[async_trait]
impl Resource for Bucket {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        let map = || Type::Map(Box::new(Type::String));
        a.insert(
            "id".into(),
            AttributeSchema::computed(Type::String).describe("The bucket's name."),
        );
        a.insert(
            "bucket".into(),
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("Bucket name; generated from bucket_prefix when unset."),
        );
        a.insert(
            "bucket_prefix".into(),
            AttributeSchema::optional(Type::String)
                .force_new()
                .describe("Prefix of a generated bucket name."),
        );
        a.insert(
            "force_destroy".into(),
            AttributeSchema::optional(Type::Bool)
                .describe("Delete every object (and version) when destroying the bucket."),
        );
        a.insert("tags".into(), AttributeSchema::optional(map()));
        a.insert(
            "tags_all".into(),
            AttributeSchema::computed(map())
                .describe("All tags: default_tags, tags and Hangar's system tags."),
        );
        for (n, d) in [
            ("arn", "The bucket's ARN."),
            (
                "region",
                "The region the bucket lives in, as S3 reports it.",
            ),
            ("bucket_domain_name", "name.s3.amazonaws.com"),
            (
                "bucket_regional_domain_name",
                "name.s3.region.amazonaws.com",
            ),
        ] {
            a.insert(
                n.into(),
                AttributeSchema::computed(Type::String).describe(d),
            );
        }
        ResourceSchema {
            block: b,
            refreshable: true,
            version: 0,
        }
    }

    fn rules(&self) -> PlanRules {
        PlanRules {
            defaults: &[("force_destroy", false)],
            tags: true,
            ..PlanRules::default()
        }
    }

    async fn create(
        &self,
        aws: &Aws,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let name = attrs::string(planned, "bucket").unwrap_or_else(|| {
            token_name(
                attrs::string(planned, "bucket_prefix").as_deref(),
                &ctx.token,
            )
        });
        let region = aws.clients.region.clone();
        let s3 = &aws.clients.s3;
        let mut req = s3.create_bucket().bucket(&name);
        if region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_str()))
                    .build(),
            );
        }
        call("CreateBucket", req.send().await)?;
        let all = tags::to_write(planned, &aws.default_tags, ctx);
        if let Err(e) = put_tags(s3, &name, &all).await {
            // Without its tags the bucket could not be traced back to this operation: undo.
            let undone = s3.delete_bucket().bucket(&name).send().await.is_ok();
            return Err(ProviderError {
                message: format!(
                    "{} (bucket {name} was created but could not be tagged; it was {})",
                    e.message,
                    if undone {
                        "deleted again"
                    } else {
                        "NOT deleted: delete it by hand"
                    }
                ),
                ..e
            });
        }
        // S3 is eventually consistent right after creation: a few reads may miss it.
        for attempt in 0..10 {
            if let Some(obj) = self.read_named(aws, &name, planned).await? {
                return Ok(obj);
            }
            tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
        }
        Err(ProviderError::new(
            "GetBucketLocation",
            format!("bucket {name} was created but cannot be read back"),
        ))
    }

    async fn read(&self, aws: &Aws, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(name) = super::bucket_of(prior) else {
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
        let name =
            super::bucket_of(prior).ok_or_else(|| super::missing("UpdateBucket", "bucket"))?;
        let (s3, _) = super::locate_existing(aws, &name, "UpdateBucket").await?;
        if tags::user_tags_changed(prior, planned) {
            put_tags(&s3, &name, &tags::to_write(planned, &aws.default_tags, ctx)).await?;
        }
        self.read_named(aws, &name, planned)
            .await?
            .ok_or_else(|| ProviderError::new("UpdateBucket", format!("bucket {name} vanished")))
    }

    async fn delete(&self, aws: &Aws, prior: &Value) -> Result<(), ProviderError> {
        let Some(name) = super::bucket_of(prior) else {
            return Ok(());
        };
        let Some((s3, _)) = locate(aws, &name).await? else {
            return Ok(());
        };
        if attrs::boolean(prior, "force_destroy") == Some(true) {
            self.empty(&s3, &name).await?;
        }
        match call(
            "DeleteBucket",
            s3.delete_bucket().bucket(&name).send().await,
        ) {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found(&["NoSuchBucket"]) => Ok(()),
            Err(e) if e.is("BucketNotEmpty") => Err(ProviderError {
                message: format!(
                    "{} (set force_destroy = true and apply before destroying to delete its \
                     objects too)",
                    e.error.message
                ),
                ..e.error
            }),
            Err(e) => Err(e.into()),
        }
    }

    async fn import(&self, aws: &Aws, id: &str) -> Result<RemoteObject, ProviderError> {
        let shape = attrs::object([
            ("bucket", Value::string(id)),
            ("force_destroy", Value::Bool(false)),
        ]);
        self.read_named(aws, id, &shape)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some("NoSuchBucket".into()),
                message: format!("bucket {id} does not exist"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_are_unique_and_lowercase() {
        let a = generate_name(Some("logs-"));
        let b = generate_name(Some("logs-"));
        assert_ne!(a, b);
        assert!(a.starts_with("logs-"));
        assert!(a.len() <= 63);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        assert!(generate_name(None).starts_with("hangar-"));
    }
}
