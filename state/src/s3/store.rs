//! The S3 calls the backend makes, run on a small runtime the backend owns.
//!
//! [`Store`] owns a one-worker tokio runtime and an S3 client for one bucket. Each call is
//! spawned onto that runtime and the calling thread waits on a plain channel, so the backend
//! works from any thread that may block: a plain thread, a `spawn_blocking` thread, even a
//! runtime worker (where it would stall the executor, but not panic). Calls answer in terms the
//! backend needs: an object with its ETag or nothing, a conditional write done or refused.
//! Retries of transient failures are the SDK's; deciding what a refusal means is the caller's.

use std::future::Future;
use std::time::Duration;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_http_client::tls;

use crate::error::StateError;
use crate::object::{Cond, ObjectStore, Outcome};

/// An S3 failure, shown with the service's code and message and the underlying cause.
#[derive(Debug)]
pub(crate) struct S3Failure {
    text: String,
}

impl std::fmt::Display for S3Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for S3Failure {}

/// How S3 answered a failed call.
enum Failure {
    Status(u16),
    Other(S3Failure),
}

fn classify<E>(err: SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if let Some(status) = err.raw_response().map(|r| r.status().as_u16()) {
        if matches!(status, 404 | 409 | 412) {
            return Failure::Status(status);
        }
    }
    Failure::Other(S3Failure {
        text: DisplayErrorContext(&err).to_string(),
    })
}

/// Everything needed to reach one bucket.
pub(crate) struct Settings {
    pub bucket: String,
    pub region: String,
    pub endpoint: Option<String>,
    pub use_path_style: bool,
    pub static_credentials: Option<(String, String)>,
}

/// A bucket reached through a runtime of the store's own.
pub(crate) struct Store {
    runtime: Option<tokio::runtime::Runtime>,
    client: aws_sdk_s3::Client,
    bucket: String,
    /// `s3://bucket`, for messages.
    url: String,
}

impl Store {
    /// Builds the runtime and client; with static credentials, nothing is looked up in the
    /// environment beyond them.
    pub(crate) fn connect(s: &Settings) -> Result<Store, StateError> {
        let url = format!("s3://{}", s.bucket);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hangar-state-s3")
            .enable_all()
            .build()
            .map_err(StateError::remote("start a runtime for", &url))?;
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let timeouts = aws_sdk_s3::config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(10))
            .operation_attempt_timeout(Duration::from_secs(60))
            .build();
        let region = Region::new(s.region.clone());
        let mut conf = match &s.static_credentials {
            Some((key, secret)) => aws_sdk_s3::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(region)
                .http_client(http)
                .credentials_provider(Credentials::new(
                    key.clone(),
                    secret.clone(),
                    None,
                    None,
                    "hangar-state-backend",
                )),
            None => {
                let loader = aws_config::defaults(BehaviorVersion::latest())
                    .region(region)
                    .http_client(http);
                let (tx, rx) = std::sync::mpsc::sync_channel(1);
                runtime.spawn(async move {
                    let _ = tx.send(loader.load().await);
                });
                let sdk = rx
                    .recv()
                    .map_err(StateError::remote("load AWS configuration for", &url))?;
                aws_sdk_s3::config::Builder::from(&sdk)
            }
        };
        conf = conf
            .force_path_style(s.use_path_style)
            .timeout_config(timeouts);
        if let Some(e) = &s.endpoint {
            conf = conf.endpoint_url(e);
        }
        Ok(Store {
            runtime: Some(runtime),
            client: aws_sdk_s3::Client::from_conf(conf.build()),
            bucket: s.bucket.clone(),
            url,
        })
    }

    fn location(&self, key: &str) -> String {
        format!("{}/{key}", self.url)
    }

    /// Runs `fut` on the store's runtime and waits for it on the calling thread.
    fn run<T, F>(&self, op: &'static str, key: &str, fut: F) -> Result<T, StateError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, Failure>> + Send + 'static,
    {
        let Some(runtime) = &self.runtime else {
            return Err(StateError::remote(op, &self.location(key))(
                "the S3 runtime is shut down",
            ));
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let _ = tx.send(fut.await);
        });
        match rx.recv() {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(Failure::Other(e))) => Err(StateError::remote(op, &self.location(key))(e)),
            Ok(Err(Failure::Status(status))) => Err(StateError::remote(op, &self.location(key))(
                format!("unexpected HTTP status {status}"),
            )),
            Err(e) => Err(StateError::remote(op, &self.location(key))(e)),
        }
    }

    /// The object at `key` and its ETag, or `None` when there is none.
    pub(crate) fn get(&self, key: &str) -> Result<Option<(Vec<u8>, String)>, StateError> {
        let req = self.client.get_object().bucket(&self.bucket).key(key);
        let url = self.location(key);
        self.run("read", key, async move {
            let out = match req.send().await {
                Ok(out) => out,
                Err(e) => {
                    return match classify(e) {
                        Failure::Status(404) => Ok(None),
                        other => Err(other),
                    }
                }
            };
            let etag = out.e_tag().unwrap_or_default().to_string();
            let body = out.body.collect().await.map_err(|e| {
                Failure::Other(S3Failure {
                    text: format!("reading the body of {url}: {e}"),
                })
            })?;
            Ok(Some((body.into_bytes().to_vec(), etag)))
        })
    }

    /// The region the bucket really lives in, read back with GetBucketLocation (an empty
    /// location constraint means us-east-1, as S3 reports it).
    pub(crate) fn bucket_region(&self) -> Result<String, StateError> {
        let req = self.client.get_bucket_location().bucket(&self.bucket);
        self.run("locate", "", async move {
            let out = req.send().await.map_err(classify)?;
            Ok(match out.location_constraint().map(|c| c.as_str()) {
                None | Some("") => "us-east-1".to_string(),
                Some("EU") => "eu-west-1".to_string(),
                Some(r) => r.to_string(),
            })
        })
    }

    /// The ETag of the object at `key`, or `None` when there is none.
    pub(crate) fn head(&self, key: &str) -> Result<Option<String>, StateError> {
        let req = self.client.head_object().bucket(&self.bucket).key(key);
        self.run("read", key, async move {
            match req.send().await {
                Ok(out) => Ok(Some(out.e_tag().unwrap_or_default().to_string())),
                Err(e) => match classify(e) {
                    Failure::Status(404) => Ok(None),
                    other => Err(other),
                },
            }
        })
    }

    /// Writes `bytes` at `key` if `cond` holds.
    pub(crate) fn put(&self, key: &str, bytes: Vec<u8>, cond: Cond) -> Result<Outcome, StateError> {
        let mut req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(bytes));
        req = match cond {
            Cond::Any => req,
            Cond::Absent => req.if_none_match("*"),
            Cond::Matches(etag) => req.if_match(etag),
        };
        self.run("write", key, async move {
            match req.send().await {
                Ok(out) => Ok(Outcome::Done(out.e_tag().unwrap_or_default().to_string())),
                Err(e) => match classify(e) {
                    Failure::Status(404) => Ok(Outcome::Missing),
                    Failure::Status(409 | 412) => Ok(Outcome::Refused),
                    other => Err(other),
                },
            }
        })
    }

    /// Deletes the object at `key` if `cond` holds; deleting nothing succeeds.
    pub(crate) fn delete(&self, key: &str, cond: Cond) -> Result<Outcome, StateError> {
        let mut req = self.client.delete_object().bucket(&self.bucket).key(key);
        if let Cond::Matches(etag) = cond {
            req = req.if_match(etag);
        }
        self.run("delete", key, async move {
            match req.send().await {
                Ok(_) => Ok(Outcome::Done(String::new())),
                Err(e) => match classify(e) {
                    Failure::Status(404) => Ok(Outcome::Missing),
                    Failure::Status(409 | 412) => Ok(Outcome::Refused),
                    other => Err(other),
                },
            }
        })
    }

    /// The keys under `prefix`, in S3's (lexicographic) order.
    pub(crate) fn list(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        let client = self.client.clone();
        let (bucket, prefix_owned) = (self.bucket.clone(), prefix.to_string());
        self.run("list", prefix, async move {
            let mut keys = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let out = client
                    .list_objects_v2()
                    .bucket(&bucket)
                    .prefix(&prefix_owned)
                    .set_continuation_token(token.take())
                    .send()
                    .await
                    .map_err(classify)?;
                keys.extend(
                    out.contents()
                        .iter()
                        .filter_map(|o| o.key().map(String::from)),
                );
                match out.next_continuation_token() {
                    Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
                    _ => break,
                }
            }
            Ok(keys)
        })
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl ObjectStore for Store {
    fn scheme(&self) -> &'static str {
        "s3"
    }

    fn kind(&self) -> &'static str {
        "S3 object"
    }

    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, String)>, StateError> {
        Store::get(self, key)
    }

    fn head(&self, key: &str) -> Result<Option<String>, StateError> {
        Store::head(self, key)
    }

    fn put(&self, key: &str, bytes: Vec<u8>, cond: Cond) -> Result<Outcome, StateError> {
        Store::put(self, key, bytes, cond)
    }

    fn delete(&self, key: &str, cond: Cond) -> Result<Outcome, StateError> {
        Store::delete(self, key, cond)
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        Store::list(self, prefix)
    }

    fn location(&self) -> Result<hangar_core::Location, StateError> {
        Ok(hangar_core::Location::new(
            hangar_core::Cloud::Aws,
            self.bucket_region()?,
        ))
    }
}
