//! Cloud Storage's JSON API (`storage/v1`): buckets, and the object calls the state backend
//! and `force_destroy` need.
//!
//! The endpoint is the API's base (`https://storage.googleapis.com/storage/v1/`, or an
//! emulator's `http://127.0.0.1:PORT/storage/v1/`); media uploads go to the same host under
//! `upload/storage/v1/`. Numbers that the API sends as strings (generations) stay strings in
//! these types and are parsed where used.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

use crate::error::GoogleError;
use crate::session::{base_url, esc, Session};

/// Cloud Storage's public endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://storage.googleapis.com/storage/v1/";

/// A bucket resource (the fields Hangar reads or writes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Location (`EUROPE-WEST3`, `EU`, `EUR4`), upper case as Google reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// `region`, `dual-region` or `multi-region`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_type: Option<String>,
    /// Default storage class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// Labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Object versioning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioning: Option<Versioning>,
    /// Uniform bucket-level access and public access prevention.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_configuration: Option<IamConfiguration>,
    /// Default customer-managed key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    /// Object lifecycle rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
    /// The two regions of a configurable dual-region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_placement_config: Option<CustomPlacementConfig>,
    /// The API's link to the bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// The owning project's number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_number: Option<String>,
}

/// `versioning`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Versioning {
    /// Whether versioning is on.
    #[serde(default)]
    pub enabled: bool,
}

/// `iamConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IamConfiguration {
    /// Uniform bucket-level access.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uniform_bucket_level_access: Option<Enabled>,
    /// `inherited` or `enforced`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_access_prevention: Option<String>,
}

/// `{ "enabled": bool }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Enabled {
    /// The flag.
    #[serde(default)]
    pub enabled: bool,
}

/// `encryption`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Encryption {
    /// A Cloud KMS key name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_kms_key_name: Option<String>,
}

/// `lifecycle`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// The rules.
    #[serde(default)]
    pub rule: Vec<LifecycleRule>,
}

/// One lifecycle rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LifecycleRule {
    /// What to do.
    pub action: RuleAction,
    /// When.
    #[serde(default)]
    pub condition: RuleCondition,
}

/// A lifecycle rule's action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleAction {
    /// `Delete`, `SetStorageClass`, `AbortIncompleteMultipartUpload`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Target class of `SetStorageClass`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
}

/// A lifecycle rule's condition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleCondition {
    /// Age in days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<i64>,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_before: Option<String>,
    /// Live (true) or noncurrent (false) versions only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_live: Option<bool>,
    /// Storage classes the rule applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches_storage_class: Option<Vec<String>>,
    /// Newer versions there must be.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_newer_versions: Option<i64>,
    /// Name prefixes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches_prefix: Option<Vec<String>>,
    /// Name suffixes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches_suffix: Option<Vec<String>>,
}

/// `customPlacementConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomPlacementConfig {
    /// The regions.
    #[serde(default)]
    pub data_locations: Vec<String>,
}

/// A PATCH of a bucket: `None` leaves a field alone, `Some(None)` clears it (JSON null).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketPatch {
    /// New default storage class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// New labels, whole (a key missing here is removed by setting it to null).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, Option<String>>>,
    /// Versioning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioning: Option<Versioning>,
    /// IAM configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_configuration: Option<IamConfiguration>,
    /// Encryption, or null to remove the default key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Option<Encryption>>,
    /// Lifecycle, or null to remove every rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Option<Lifecycle>>,
}

/// An object's metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Object {
    /// Name.
    pub name: String,
    /// Bucket.
    #[serde(default)]
    pub bucket: String,
    /// Generation (decimal string).
    #[serde(default)]
    pub generation: Option<String>,
    /// Size in bytes (decimal string).
    #[serde(default)]
    pub size: Option<String>,
    /// Last update (RFC 3339).
    #[serde(default)]
    pub updated: Option<String>,
}

impl Object {
    /// The generation as a number (0 when absent or unreadable).
    pub fn generation(&self) -> i64 {
        self.generation
            .as_deref()
            .and_then(|g| g.parse().ok())
            .unwrap_or(0)
    }
}

/// The metadata part of a multipart upload.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UploadMetadata<'a> {
    name: &'a str,
    content_type: &'a str,
}

/// A multipart boundary that does not occur in `data`.
fn boundary_for(data: &[u8]) -> String {
    let mut n: u64 = 0x9e37_79b9_7f4a_7c15;
    loop {
        let b = format!("hangar-{n:016x}");
        if !data.windows(b.len()).any(|w| w == b.as_bytes()) {
            return b;
        }
        n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// The Cloud Storage client of one endpoint.
#[derive(Clone, Debug)]
pub struct Storage {
    session: Session,
    base: String,
    upload: String,
}

impl Storage {
    /// A client for the API at `endpoint` (the `storage/v1/` base URL).
    pub fn new(session: Session, endpoint: &str) -> Storage {
        let base = base_url(endpoint);
        let upload = match base.rfind("storage/v1/") {
            Some(i) => format!("{}upload/{}", &base[..i], &base[i..]),
            None => format!("{base}upload/"),
        };
        Storage {
            session,
            base,
            upload,
        }
    }

    /// The API base URL.
    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// Creates `bucket` in `project`; fails with 409 when the name is taken.
    pub async fn insert_bucket(
        &self,
        project: &str,
        bucket: &Bucket,
    ) -> Result<Bucket, GoogleError> {
        let url = format!("{}b?project={}", self.base, esc(project));
        self.session
            .json("storage.buckets.insert", Method::POST, &url, Some(bucket))
            .await
    }

    /// Bucket `name`; `None` when it does not exist.
    pub async fn get_bucket(&self, name: &str) -> Result<Option<Bucket>, GoogleError> {
        let url = format!("{}b/{}", self.base, esc(name));
        self.session.get("storage.buckets.get", &url).await
    }

    /// Patches bucket `name`.
    pub async fn patch_bucket(
        &self,
        name: &str,
        patch: &BucketPatch,
    ) -> Result<Bucket, GoogleError> {
        let url = format!("{}b/{}", self.base, esc(name));
        self.session
            .json("storage.buckets.patch", Method::PATCH, &url, Some(patch))
            .await
    }

    /// Deletes bucket `name` (which must be empty); fails with 404 when it does not exist.
    pub async fn delete_bucket(&self, name: &str) -> Result<(), GoogleError> {
        let url = format!("{}b/{}", self.base, esc(name));
        self.session
            .send("storage.buckets.delete", Method::DELETE, &url, None)
            .await
            .map(|_| ())
    }

    /// Every bucket of `project`.
    pub async fn list_buckets(&self, project: &str) -> Result<Vec<Bucket>, GoogleError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = format!("{}b?project={}", self.base, esc(project));
            if let Some(t) = &token {
                url.push_str(&format!("&pageToken={}", esc(t)));
            }
            let page: Page<Bucket> = self
                .session
                .json::<_, ()>("storage.buckets.list", Method::GET, &url, None)
                .await?;
            out.extend(page.items);
            token = page.next_page_token.filter(|t| !t.is_empty());
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// Objects of `bucket` under `prefix`, every version when `versions`.
    pub async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        versions: bool,
    ) -> Result<Vec<Object>, GoogleError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = format!(
                "{}b/{}/o?prefix={}&versions={versions}",
                self.base,
                esc(bucket),
                esc(prefix)
            );
            if let Some(t) = &token {
                url.push_str(&format!("&pageToken={}", esc(t)));
            }
            let page: Page<Object> = self
                .session
                .json::<_, ()>("storage.objects.list", Method::GET, &url, None)
                .await?;
            out.extend(page.items);
            token = page.next_page_token.filter(|t| !t.is_empty());
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// Object metadata; `None` when the object does not exist.
    pub async fn get_object(
        &self,
        bucket: &str,
        name: &str,
    ) -> Result<Option<Object>, GoogleError> {
        let url = format!("{}b/{}/o/{}", self.base, esc(bucket), esc(name));
        self.session.get("storage.objects.get", &url).await
    }

    /// An object's content at `generation`; `None` when it does not exist.
    pub async fn download(
        &self,
        bucket: &str,
        name: &str,
        generation: i64,
    ) -> Result<Option<Bytes>, GoogleError> {
        let url = format!(
            "{}b/{}/o/{}?alt=media&generation={generation}",
            self.base,
            esc(bucket),
            esc(name)
        );
        match self
            .session
            .send("storage.objects.get", Method::GET, &url, None)
            .await
        {
            Ok(a) => Ok(Some(a.body)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes an object (a multipart upload: metadata and content in one request); with
    /// `if_generation_match` only when the object's generation is that (0: only when it does
    /// not exist yet), failing with HTTP 412 otherwise.
    pub async fn upload(
        &self,
        bucket: &str,
        name: &str,
        data: Vec<u8>,
        content_type: &str,
        if_generation_match: Option<i64>,
    ) -> Result<Object, GoogleError> {
        let mut url = format!("{}b/{}/o?uploadType=multipart", self.upload, esc(bucket));
        if let Some(g) = if_generation_match {
            url.push_str(&format!("&ifGenerationMatch={g}"));
        }
        let meta = serde_json::to_vec(&UploadMetadata { name, content_type }).map_err(|e| {
            GoogleError::Decode {
                call: "storage.objects.insert".into(),
                message: format!("encoding the metadata: {e}"),
            }
        })?;
        let boundary = boundary_for(&data);
        let mut body = Vec::with_capacity(data.len() + meta.len() + 200);
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(&meta);
        body.extend_from_slice(
            format!("\r\n--{boundary}\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(&data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/related; boundary={boundary}");
        let a = self
            .session
            .send(
                "storage.objects.insert",
                Method::POST,
                &url,
                Some((body, &ct)),
            )
            .await?;
        serde_json::from_slice(&a.body).map_err(|e| GoogleError::Decode {
            call: "storage.objects.insert".into(),
            message: e.to_string(),
        })
    }

    /// Deletes an object (one version when `generation` is given); with `if_generation_match`
    /// only when the live generation is that. Fails with 404 when it does not exist.
    pub async fn delete_object(
        &self,
        bucket: &str,
        name: &str,
        generation: Option<i64>,
        if_generation_match: Option<i64>,
    ) -> Result<(), GoogleError> {
        let mut url = format!("{}b/{}/o/{}", self.base, esc(bucket), esc(name));
        let mut q = Vec::new();
        if let Some(g) = generation {
            q.push(format!("generation={g}"));
        }
        if let Some(g) = if_generation_match {
            q.push(format!("ifGenerationMatch={g}"));
        }
        if !q.is_empty() {
            url.push('?');
            url.push_str(&q.join("&"));
        }
        self.session
            .send("storage.objects.delete", Method::DELETE, &url, None)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_go_under_upload() {
        let s = Storage::new(
            Session::new(
                crate::Http::new(),
                std::sync::Arc::new(crate::TokenSource::new(
                    crate::Credentials::AccessToken("t".into()),
                    crate::Http::new(),
                )),
            ),
            "http://127.0.0.1:9/storage/v1",
        );
        assert_eq!(s.base, "http://127.0.0.1:9/storage/v1/");
        assert_eq!(s.upload, "http://127.0.0.1:9/upload/storage/v1/");
    }

    #[test]
    fn patches_clear_with_null() {
        let p = BucketPatch {
            encryption: Some(None),
            labels: Some(BTreeMap::from([
                ("a".into(), None),
                ("b".into(), Some("1".into())),
            ])),
            ..BucketPatch::default()
        };
        assert_eq!(
            serde_json::to_string(&p).expect("json"),
            r#"{"labels":{"a":null,"b":"1"},"encryption":null}"#
        );
    }
}
