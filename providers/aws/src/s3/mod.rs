//! S3: buckets and the per-bucket configuration resources.
//!
//! A bucket answers in its own region only, so every call after locating a bucket goes to a
//! client for that region ([`locate`]). Buckets are addressed path-style whenever an endpoint
//! is overridden (see [`crate::config`]).

pub mod bucket;
pub mod replication;
pub mod setting;
pub mod settings;

use std::collections::BTreeMap;

use aws_sdk_s3::types::{Tag, Tagging};
use hangar_core::{Type, Value};
use hangar_provider::{AttributeSchema, BlockSchema, ProviderError};

use crate::error::call;
use crate::resource::Aws;

/// The region GetBucketLocation's answer names: empty means us-east-1, `EU` means eu-west-1.
pub fn location_region(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    }
}

/// The AWS partition of `region`.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// A bucket's client and region, `None` when the bucket does not exist.
pub async fn locate(
    aws: &Aws,
    bucket: &str,
) -> Result<Option<(aws_sdk_s3::Client, String)>, ProviderError> {
    let r = aws
        .clients
        .s3
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await;
    match call("GetBucketLocation", r) {
        Ok(out) => {
            let region = location_region(out.location_constraint().map(|c| c.as_str()));
            Ok(Some((aws.clients.s3_in(&region), region)))
        }
        Err(e) if e.is_not_found(&["NoSuchBucket"]) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Like [`locate`], failing with `NoSuchBucket` when the bucket does not exist.
pub async fn locate_existing(
    aws: &Aws,
    bucket: &str,
    call_name: &str,
) -> Result<(aws_sdk_s3::Client, String), ProviderError> {
    locate(aws, bucket).await?.ok_or_else(|| ProviderError {
        call: call_name.to_string(),
        code: Some("NoSuchBucket".into()),
        message: format!("The specified bucket {bucket} does not exist"),
    })
}

/// The bucket's tags; empty when it has none.
pub async fn get_tags(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<BTreeMap<String, String>, ProviderError> {
    match call(
        "GetBucketTagging",
        s3.get_bucket_tagging().bucket(bucket).send().await,
    ) {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        Err(e) if e.is("NoSuchTagSet") || e.is("NoSuchTagSetError") => Ok(BTreeMap::new()),
        Err(e) => Err(e.into()),
    }
}

/// Replaces the bucket's tags with `tags`.
pub async fn put_tags(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let set = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProviderError::new("PutBucketTagging", e.to_string()))?;
    let tagging = Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .map_err(|e| ProviderError::new("PutBucketTagging", e.to_string()))?;
    call(
        "PutBucketTagging",
        s3.put_bucket_tagging()
            .bucket(bucket)
            .tagging(tagging)
            .send()
            .await,
    )?;
    Ok(())
}

/// `id` and `bucket` of every per-bucket configuration resource.
pub fn bucket_config_block() -> BlockSchema {
    let mut b = BlockSchema::default();
    b.attributes.insert(
        "id".into(),
        AttributeSchema::computed(Type::String).describe("The bucket's name."),
    );
    b.attributes.insert(
        "bucket".into(),
        AttributeSchema::required(Type::String)
            .force_new()
            .describe("Name of the bucket."),
    );
    b
}

/// The bucket a per-bucket configuration resource's recorded value names.
pub fn bucket_of(v: &Value) -> Option<String> {
    crate::attrs::string(v, "bucket").or_else(|| crate::attrs::string(v, "id"))
}

/// An error for a value the engine should never send (an unknown name at apply time).
pub fn missing(call: &str, what: &str) -> ProviderError {
    ProviderError::new(call, format!("{what} is not known"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_constraints_name_regions() {
        assert_eq!(location_region(None), "us-east-1");
        assert_eq!(location_region(Some("")), "us-east-1");
        assert_eq!(location_region(Some("EU")), "eu-west-1");
        assert_eq!(location_region(Some("eu-central-1")), "eu-central-1");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("eu-central-1"), "aws");
    }
}
