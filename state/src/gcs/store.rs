//! The Cloud Storage calls the GCS backend makes, run on a small runtime the backend owns.
//!
//! Like the S3 store: a one-worker tokio runtime and a [`Storage`] client for one bucket;
//! each call is spawned onto the runtime and the calling thread waits on a plain channel.
//! An object's version is its generation; conditions are `ifGenerationMatch` (0: the object
//! must not exist). HTTP 412 is a refused condition, 404 a missing object or bucket.

use std::future::Future;
use std::sync::Arc;

use hangar_google_client::storage::{Storage, DEFAULT_ENDPOINT};
use hangar_google_client::{Credentials, GoogleError, Http, Session, TokenSource};

use super::GcsConfig;
use crate::error::StateError;
use crate::object::{Cond, ObjectStore, Outcome};

/// A bucket reached through a runtime of the store's own.
pub(crate) struct Store {
    runtime: Option<tokio::runtime::Runtime>,
    storage: Storage,
    bucket: String,
    /// `gs://bucket`, for messages.
    url: String,
}

fn credentials(c: &GcsConfig, url: &str) -> Result<Credentials, StateError> {
    let bad = |e: GoogleError| StateError::remote("find credentials for", url)(e.to_string());
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let Some(t) = c
        .access_token
        .clone()
        .or_else(|| env("GOOGLE_OAUTH_ACCESS_TOKEN"))
    {
        return Ok(Credentials::AccessToken(t));
    }
    if let Some(k) = c.credentials.clone().or_else(|| env("GOOGLE_CREDENTIALS")) {
        return Credentials::from_setting(&k).map_err(bad);
    }
    Credentials::application_default()
        .map_err(bad)?
        .ok_or_else(|| {
            StateError::remote("find credentials for", url)(
                "no Google credentials: set access_token or credentials in the backend block, \
                 or GOOGLE_OAUTH_ACCESS_TOKEN / GOOGLE_CREDENTIALS / \
                 GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`",
            )
        })
}

impl Store {
    /// Builds the runtime and client; reads credential files but calls nothing.
    pub(crate) fn connect(c: &GcsConfig) -> Result<Store, StateError> {
        let url = format!("gs://{}", c.bucket);
        let creds = credentials(c, &url)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hangar-state-gcs")
            .enable_all()
            .build()
            .map_err(StateError::remote("start a runtime for", &url))?;
        let http = {
            let _in_runtime = runtime.enter();
            Http::new()
        };
        let session = Session::new(http.clone(), Arc::new(TokenSource::new(creds, http)));
        Ok(Store {
            runtime: Some(runtime),
            storage: Storage::new(session, c.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT)),
            bucket: c.bucket.clone(),
            url,
        })
    }

    fn location_of(&self, key: &str) -> String {
        format!("{}/{key}", self.url)
    }

    /// Runs `fut` on the store's runtime and waits for it on the calling thread.
    fn run<T, F>(&self, op: &'static str, key: &str, fut: F) -> Result<T, StateError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, GoogleError>> + Send + 'static,
    {
        let Some(runtime) = &self.runtime else {
            return Err(StateError::remote(op, &self.location_of(key))(
                "the GCS runtime is shut down",
            ));
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let _ = tx.send(fut.await);
        });
        match rx.recv() {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(StateError::remote(op, &self.location_of(key))(
                e.to_string(),
            )),
            Err(e) => Err(StateError::remote(op, &self.location_of(key))(e)),
        }
    }

    fn generation_match(cond: &Cond) -> Option<i64> {
        match cond {
            Cond::Any => None,
            Cond::Absent => Some(0),
            // A version this store did not hand out cannot match.
            Cond::Matches(g) => Some(g.parse().unwrap_or(-1)),
        }
    }
}

/// A conditional call's outcome from its result.
fn outcome(r: Result<String, GoogleError>) -> Result<Outcome, GoogleError> {
    match r {
        Ok(g) => Ok(Outcome::Done(g)),
        Err(e) if e.is_precondition_failed() || e.is_conflict() => Ok(Outcome::Refused),
        Err(e) if e.is_not_found() => Ok(Outcome::Missing),
        Err(e) => Err(e),
    }
}

impl ObjectStore for Store {
    fn scheme(&self) -> &'static str {
        "gs"
    }

    fn kind(&self) -> &'static str {
        "GCS object"
    }

    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, String)>, StateError> {
        let (s, b, k) = (self.storage.clone(), self.bucket.clone(), key.to_string());
        self.run("read", key, async move {
            // Metadata first, then exactly that generation: bytes and version agree.
            for _ in 0..5 {
                let Some(meta) = s.get_object(&b, &k).await? else {
                    return Ok(None);
                };
                let g = meta.generation();
                if let Some(bytes) = s.download(&b, &k, g).await? {
                    return Ok(Some((bytes.to_vec(), g.to_string())));
                }
            }
            Ok(None)
        })
    }

    fn head(&self, key: &str) -> Result<Option<String>, StateError> {
        let (s, b, k) = (self.storage.clone(), self.bucket.clone(), key.to_string());
        self.run("read", key, async move {
            Ok(s.get_object(&b, &k)
                .await?
                .map(|o| o.generation().to_string()))
        })
    }

    fn put(&self, key: &str, bytes: Vec<u8>, cond: Cond) -> Result<Outcome, StateError> {
        let (s, b, k) = (self.storage.clone(), self.bucket.clone(), key.to_string());
        let m = Self::generation_match(&cond);
        self.run("write", key, async move {
            let r = s
                .upload(&b, &k, bytes, "application/json", m)
                .await
                .map(|o| o.generation().to_string());
            outcome(r)
        })
    }

    fn delete(&self, key: &str, cond: Cond) -> Result<Outcome, StateError> {
        let (s, b, k) = (self.storage.clone(), self.bucket.clone(), key.to_string());
        let m = Self::generation_match(&cond);
        self.run("delete", key, async move {
            // Google enforces ifGenerationMatch on deletes itself; fake-gcs-server ignores it
            // there, so the generation is also compared first (harmless against Google).
            if let Some(want) = m {
                match s.get_object(&b, &k).await? {
                    None => return Ok(Outcome::Missing),
                    Some(o) if o.generation() != want => return Ok(Outcome::Refused),
                    Some(_) => {}
                }
            }
            outcome(
                s.delete_object(&b, &k, None, m)
                    .await
                    .map(|()| String::new()),
            )
        })
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        let (s, b, p) = (
            self.storage.clone(),
            self.bucket.clone(),
            prefix.to_string(),
        );
        self.run("list", prefix, async move {
            let mut names: Vec<String> = s
                .list_objects(&b, &p, false)
                .await?
                .into_iter()
                .map(|o| o.name)
                .collect();
            names.sort();
            Ok(names)
        })
    }

    fn location(&self) -> Result<hangar_core::Location, StateError> {
        let (s, b) = (self.storage.clone(), self.bucket.clone());
        let url = self.url.clone();
        let found = self.run("locate", "", async move { s.get_bucket(&b).await })?;
        let bucket =
            found.ok_or_else(|| StateError::remote("locate", &url)("the bucket does not exist"))?;
        Ok(hangar_core::Location::new(
            hangar_core::Cloud::Gcp,
            bucket.location.unwrap_or_default(),
        ))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
