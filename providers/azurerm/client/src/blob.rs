//! Azure Blob Storage's REST API for one storage account: containers, block blobs and blob
//! leases, authorised with Shared Key or a SAS token.
//!
//! Requests are signed as "Authorize with Shared Key" documents (version 2009-09-19 and
//! later): the string to sign lists the verb, the standard headers, the `x-ms-` headers and the
//! canonicalized resource `/{account}{path}` plus query parameters. The account endpoint may be
//! `https://{account}.blob.core.windows.net` or a path-style emulator endpoint
//! `http://127.0.0.1:PORT/{account}` (Azurite), for which the account name appears twice in the
//! canonicalized resource, as documented. Errors carry the `x-ms-error-code` header or the
//! XML `<Error><Code>` and `<Message>`. Left out: page and append blobs, blocks, snapshots,
//! versions and Azure AD authorization.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::Method;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::Sha256;

use crate::error::Error;
use crate::http::{request, without_query, Http, Reply};
use crate::xml;

/// The Blob service version every request asks for.
pub const VERSION: &str = "2023-11-03";

/// Characters kept as they are in a blob name's URL path.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// Characters kept as they are in a query value.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How requests are authorised.
#[derive(Clone)]
pub enum BlobAuth {
    /// Shared Key: the account key, decoded from base64.
    SharedKey(Vec<u8>),
    /// A shared access signature: the query string, without a leading `?`.
    Sas(String),
}

impl std::fmt::Debug for BlobAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobAuth::SharedKey(_) => f.write_str("SharedKey(..)"),
            BlobAuth::Sas(_) => f.write_str("Sas(..)"),
        }
    }
}

impl BlobAuth {
    /// Shared Key from a base64 account key; fails when it is not base64.
    pub fn shared_key(base64_key: &str) -> Result<BlobAuth, Error> {
        base64::engine::general_purpose::STANDARD
            .decode(base64_key.trim())
            .map(BlobAuth::SharedKey)
            .map_err(|_| Error::Invalid("the storage account key is not base64".into()))
    }
}

/// What a condition on a write requires of the blob's current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// Nothing.
    Any,
    /// The blob must not exist (`If-None-Match: *`).
    Absent,
    /// The blob must have this ETag (`If-Match`).
    Matches(String),
}

/// A container's properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerProperties {
    /// `container`, `blob`, or `None` for a private container.
    pub public_access: Option<String>,
    /// `x-ms-meta-*` metadata.
    pub metadata: BTreeMap<String, String>,
    /// `x-ms-has-immutability-policy`.
    pub has_immutability_policy: bool,
    /// `x-ms-has-legal-hold`.
    pub has_legal_hold: bool,
}

/// A lease operation on a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// Acquire for `seconds` (15 to 60, or -1 for an infinite lease), proposing `id` (a GUID).
    Acquire {
        /// Duration in seconds.
        seconds: i32,
        /// Proposed lease id.
        id: String,
    },
    /// Renew lease `id`.
    Renew(String),
    /// Release lease `id`.
    Release(String),
    /// Break whatever lease there is at once.
    Break,
}

/// One storage account's blob service.
#[derive(Debug, Clone)]
pub struct BlobAccount {
    http: Http,
    endpoint: String,
    account: String,
    auth: BlobAuth,
}

impl BlobAccount {
    /// Account `account` at `endpoint` (see the module documentation).
    pub fn new(http: Http, endpoint: &str, account: &str, auth: BlobAuth) -> BlobAccount {
        BlobAccount {
            http,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            account: account.to_string(),
            auth,
        }
    }

    /// The account endpoint, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The account name.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The URL of a container, or of a blob in it.
    pub fn url(&self, container: &str, blob: Option<&str>) -> String {
        match blob {
            None => format!("{}/{container}", self.endpoint),
            Some(b) => format!(
                "{}/{container}/{}",
                self.endpoint,
                utf8_percent_encode(b, PATH)
            ),
        }
    }

    async fn call(
        &self,
        method: Method,
        path_url: &str,
        query: &[(&str, &str)],
        headers: Vec<(String, String)>,
        body: Bytes,
    ) -> Result<Reply, Error> {
        let mut headers = headers;
        headers.push(hd("x-ms-date", rfc1123(SystemTime::now())));
        headers.push(hd("x-ms-version", VERSION.to_string()));
        let mut q: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY)))
            .collect();
        match &self.auth {
            BlobAuth::SharedKey(key) => {
                let sig = self.sign(key, &method, path_url, query, &headers, body.len())?;
                headers.push(hd(
                    "authorization",
                    format!("SharedKey {}:{sig}", self.account),
                ));
            }
            BlobAuth::Sas(sas) => q.push(sas.trim_start_matches('?').to_string()),
        }
        let url = if q.is_empty() {
            path_url.to_string()
        } else {
            format!("{path_url}?{}", q.join("&"))
        };
        if !body.is_empty() || matches!(method, Method::PUT) {
            headers.push(hd("content-length", body.len().to_string()));
        }
        let headers: Vec<(&str, String)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let req = request(method, &url, &headers, body)?;
        self.http.send(req).await
    }

    /// The Shared Key signature of a request.
    fn sign(
        &self,
        key: &[u8],
        method: &Method,
        path_url: &str,
        query: &[(&str, &str)],
        headers: &[(String, String)],
        len: usize,
    ) -> Result<String, Error> {
        let h = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        };
        let length = if len == 0 {
            String::new()
        } else {
            len.to_string()
        };
        let mut ms: Vec<(String, String)> = headers
            .iter()
            .filter(|(k, _)| k.to_ascii_lowercase().starts_with("x-ms-"))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        ms.sort();
        let canonical_headers: String = ms.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let path = path_url
            .split_once("://")
            .map(|(_, rest)| rest)
            .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or("/");
        let mut resource = format!("/{}{path}", self.account);
        let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in query {
            params
                .entry(k.to_ascii_lowercase())
                .or_default()
                .push(v.to_string());
        }
        for (k, mut vs) in params {
            vs.sort();
            resource.push_str(&format!("\n{k}:{}", vs.join(",")));
        }
        let to_sign = [
            method.as_str().to_string(),
            h("content-encoding"),
            h("content-language"),
            length,
            h("content-md5"),
            h("content-type"),
            String::new(), // Date: x-ms-date is sent instead
            h("if-modified-since"),
            h("if-match"),
            h("if-none-match"),
            h("if-unmodified-since"),
            h("range"),
        ]
        .join("\n")
            + "\n"
            + &canonical_headers
            + &resource;
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .map_err(|_| Error::Invalid("unusable storage account key".into()))?;
        mac.update(to_sign.as_bytes());
        Ok(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
    }

    // ----- containers -----

    /// Creates container `name` with `public_access` (`blob`, `container` or private) and
    /// `metadata`; fails with `ContainerAlreadyExists` (409) when it exists.
    pub async fn create_container(
        &self,
        name: &str,
        public_access: Option<&str>,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        let mut headers = meta_headers(metadata);
        if let Some(a) = public_access {
            headers.push(hd("x-ms-blob-public-access", a.to_string()));
        }
        let r = self
            .call(
                Method::PUT,
                &self.url(name, None),
                &[("restype", "container")],
                headers,
                Bytes::new(),
            )
            .await?;
        check(&r)
    }

    /// Container `name`'s properties; `None` when it does not exist.
    pub async fn container_properties(
        &self,
        name: &str,
    ) -> Result<Option<ContainerProperties>, Error> {
        let r = self
            .call(
                Method::GET,
                &self.url(name, None),
                &[("restype", "container")],
                Vec::new(),
                Bytes::new(),
            )
            .await?;
        if r.status == 404 {
            return Ok(None);
        }
        check(&r)?;
        let metadata = r
            .headers
            .iter()
            .filter_map(|(k, v)| {
                let k = k.as_str().strip_prefix("x-ms-meta-")?;
                Some((k.to_string(), v.to_str().ok()?.to_string()))
            })
            .collect();
        let flag = |n: &str| r.header(n).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Ok(Some(ContainerProperties {
            public_access: r
                .header("x-ms-blob-public-access")
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            metadata,
            has_immutability_policy: flag("x-ms-has-immutability-policy"),
            has_legal_hold: flag("x-ms-has-legal-hold"),
        }))
    }

    /// Sets container `name`'s public access level (and no stored access policies).
    pub async fn set_container_access(
        &self,
        name: &str,
        public_access: Option<&str>,
    ) -> Result<(), Error> {
        let mut headers = vec![hd("content-type", "application/xml")];
        if let Some(a) = public_access {
            headers.push(hd("x-ms-blob-public-access", a.to_string()));
        }
        let body = Bytes::from_static(
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?><SignedIdentifiers></SignedIdentifiers>",
        );
        let r = self
            .call(
                Method::PUT,
                &self.url(name, None),
                &[("comp", "acl"), ("restype", "container")],
                headers,
                body,
            )
            .await?;
        check(&r)
    }

    /// Replaces container `name`'s metadata.
    pub async fn set_container_metadata(
        &self,
        name: &str,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        let r = self
            .call(
                Method::PUT,
                &self.url(name, None),
                &[("comp", "metadata"), ("restype", "container")],
                meta_headers(metadata),
                Bytes::new(),
            )
            .await?;
        check(&r)
    }

    /// Deletes container `name`; `false` when it did not exist.
    pub async fn delete_container(&self, name: &str) -> Result<bool, Error> {
        let r = self
            .call(
                Method::DELETE,
                &self.url(name, None),
                &[("restype", "container")],
                Vec::new(),
                Bytes::new(),
            )
            .await?;
        if r.status == 404 {
            return Ok(false);
        }
        check(&r).map(|_| true)
    }

    /// The names of the account's containers starting with `prefix`.
    pub async fn list_containers(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        let mut marker = String::new();
        loop {
            let mut q = vec![("comp", "list"), ("prefix", prefix)];
            if !marker.is_empty() {
                q.push(("marker", marker.as_str()));
            }
            let r = self
                .call(
                    Method::GET,
                    &self.endpoint.clone(),
                    &q,
                    Vec::new(),
                    Bytes::new(),
                )
                .await?;
            check(&r)?;
            let body = String::from_utf8_lossy(&r.body).into_owned();
            out.extend(xml::texts(
                &body,
                &["EnumerationResults", "Containers", "Container", "Name"],
            ));
            marker = xml::text(&body, &["EnumerationResults", "NextMarker"]).unwrap_or_default();
            if marker.is_empty() {
                return Ok(out);
            }
        }
    }

    // ----- blobs -----

    /// Blob `name`'s content and ETag; `None` when it (or its container) does not exist.
    pub async fn get(&self, container: &str, name: &str) -> Result<Option<(Bytes, String)>, Error> {
        let r = self
            .call(
                Method::GET,
                &self.url(container, Some(name)),
                &[],
                Vec::new(),
                Bytes::new(),
            )
            .await?;
        if r.status == 404 {
            return Ok(None);
        }
        check(&r)?;
        let etag = r.header("etag").unwrap_or_default().to_string();
        Ok(Some((r.body, etag)))
    }

    /// Blob `name`'s ETag; `None` when it does not exist.
    pub async fn head(&self, container: &str, name: &str) -> Result<Option<String>, Error> {
        let r = self
            .call(
                Method::HEAD,
                &self.url(container, Some(name)),
                &[],
                Vec::new(),
                Bytes::new(),
            )
            .await?;
        if r.status == 404 {
            return Ok(None);
        }
        check(&r)?;
        Ok(Some(r.header("etag").unwrap_or_default().to_string()))
    }

    /// Writes block blob `name` if `cond` holds, under lease `lease` when given; returns the new
    /// ETag. A refused condition fails with HTTP 412 (`ConditionNotMet`) or 409
    /// (`BlobAlreadyExists`).
    pub async fn put(
        &self,
        container: &str,
        name: &str,
        body: Bytes,
        cond: &Cond,
        lease: Option<&str>,
    ) -> Result<String, Error> {
        let mut headers = vec![
            hd("x-ms-blob-type", "BlockBlob"),
            hd("content-type", "application/json"),
        ];
        cond_headers(&mut headers, cond);
        if let Some(l) = lease {
            headers.push(hd("x-ms-lease-id", l.to_string()));
        }
        let r = self
            .call(
                Method::PUT,
                &self.url(container, Some(name)),
                &[],
                headers,
                body,
            )
            .await?;
        check(&r)?;
        Ok(r.header("etag").unwrap_or_default().to_string())
    }

    /// Deletes blob `name` if `cond` holds (under `lease` when given); `false` when it did not
    /// exist.
    pub async fn delete(
        &self,
        container: &str,
        name: &str,
        cond: &Cond,
        lease: Option<&str>,
    ) -> Result<bool, Error> {
        let mut headers = Vec::new();
        cond_headers(&mut headers, cond);
        if let Some(l) = lease {
            headers.push(hd("x-ms-lease-id", l.to_string()));
        }
        let r = self
            .call(
                Method::DELETE,
                &self.url(container, Some(name)),
                &[],
                headers,
                Bytes::new(),
            )
            .await?;
        if r.status == 404 {
            return Ok(false);
        }
        check(&r).map(|_| true)
    }

    /// The names of the blobs in `container` starting with `prefix`, in the service's
    /// (lexicographic) order.
    pub async fn list(&self, container: &str, prefix: &str) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        let mut marker = String::new();
        loop {
            let mut q = vec![
                ("comp", "list"),
                ("prefix", prefix),
                ("restype", "container"),
            ];
            if !marker.is_empty() {
                q.push(("marker", marker.as_str()));
            }
            let r = self
                .call(
                    Method::GET,
                    &self.url(container, None),
                    &q,
                    Vec::new(),
                    Bytes::new(),
                )
                .await?;
            check(&r)?;
            let body = String::from_utf8_lossy(&r.body).into_owned();
            out.extend(xml::texts(
                &body,
                &["EnumerationResults", "Blobs", "Blob", "Name"],
            ));
            marker = xml::text(&body, &["EnumerationResults", "NextMarker"]).unwrap_or_default();
            if marker.is_empty() {
                return Ok(out);
            }
        }
    }

    /// Runs a lease operation on blob `name`; returns the lease id the service answered with
    /// (for acquire and renew). Conflicts fail with HTTP 409 and the service's code
    /// (`LeaseAlreadyPresent`, `LeaseIdMismatchWithLeaseOperation`, ...).
    pub async fn lease(&self, container: &str, name: &str, op: &Lease) -> Result<String, Error> {
        let mut headers = Vec::new();
        match op {
            Lease::Acquire { seconds, id } => {
                headers.push(hd("x-ms-lease-action", "acquire".to_string()));
                headers.push(hd("x-ms-lease-duration", seconds.to_string()));
                headers.push(hd("x-ms-proposed-lease-id", id.clone()));
            }
            Lease::Renew(id) => {
                headers.push(hd("x-ms-lease-action", "renew".to_string()));
                headers.push(hd("x-ms-lease-id", id.clone()));
            }
            Lease::Release(id) => {
                headers.push(hd("x-ms-lease-action", "release".to_string()));
                headers.push(hd("x-ms-lease-id", id.clone()));
            }
            Lease::Break => {
                headers.push(hd("x-ms-lease-action", "break".to_string()));
                headers.push(hd("x-ms-lease-break-period", "0".to_string()));
            }
        }
        let r = self
            .call(
                Method::PUT,
                &self.url(container, Some(name)),
                &[("comp", "lease")],
                headers,
                Bytes::new(),
            )
            .await?;
        check(&r)?;
        Ok(r.header("x-ms-lease-id").unwrap_or_default().to_string())
    }
}

fn hd(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_string(), value.into())
}

fn meta_headers(metadata: &BTreeMap<String, String>) -> Vec<(String, String)> {
    metadata
        .iter()
        .map(|(k, v)| (format!("x-ms-meta-{k}"), v.clone()))
        .collect()
}

fn cond_headers(headers: &mut Vec<(String, String)>, cond: &Cond) {
    match cond {
        Cond::Any => {}
        Cond::Absent => headers.push(hd("if-none-match", "*".to_string())),
        Cond::Matches(etag) => headers.push(hd("if-match", etag.clone())),
    }
}

/// Fails with Blob Storage's error when `reply` is not a success.
pub fn check(reply: &Reply) -> Result<(), Error> {
    if reply.ok() {
        return Ok(());
    }
    let body = String::from_utf8_lossy(&reply.body).into_owned();
    let code = reply
        .header("x-ms-error-code")
        .map(str::to_string)
        .or_else(|| xml::text(&body, &["Error", "Code"]));
    let message = xml::text(&body, &["Error", "Message"])
        .map(|m| m.lines().next().unwrap_or_default().to_string())
        .unwrap_or_else(|| match reply.status {
            404 => "not found".to_string(),
            s => format!("HTTP {s}"),
        });
    Err(Error::Service {
        status: reply.status,
        code,
        message,
    })
}

/// `t` as an RFC 1123 date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn rfc1123(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days.rem_euclid(7)) as usize];
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!("{weekday}, {day:02} {mon} {year} {h:02}:{m:02}:{s:02} GMT")
}

/// `url` without its query string, for messages.
pub fn shown(url: &str) -> String {
    without_query(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_rfc1123() {
        assert_eq!(
            rfc1123(UNIX_EPOCH + Duration::from_secs(784_111_777)),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(rfc1123(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            rfc1123(UNIX_EPOCH + Duration::from_secs(1_709_210_096)),
            "Thu, 29 Feb 2024 12:34:56 GMT"
        );
    }
}
