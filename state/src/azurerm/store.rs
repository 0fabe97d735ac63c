//! The Blob Storage calls the backend makes, run on a small runtime the backend owns.
//!
//! [`Store`] owns a one-worker tokio runtime and a client for one container (and, when
//! Resource Manager is configured, for the storage account's management plane). Each call is
//! spawned onto that runtime and the calling thread waits on a plain channel, so the backend
//! works from any thread that may block. Calls answer in the backend's terms: a blob with its
//! ETag or nothing, a conditional write done or refused, a lease taken or held by another.

use std::future::Future;

use bytes::Bytes;
use hangar_azurerm_client::arm::Arm;
use hangar_azurerm_client::blob::{BlobAccount, Cond, Lease};
use hangar_azurerm_client::Error;
use serde::Deserialize;

use crate::error::StateError;

/// How a conditional call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Done; the ETag of the blob written (empty for deletes).
    Done(String),
    /// The condition did not hold (`412`, or `409` for a blob that exists or is leased).
    Refused,
    /// The blob does not exist (`404`).
    Missing,
}

/// Api-version of storage accounts on Resource Manager.
pub(crate) const STORAGE_API: &str = "2023-05-01";

/// A storage account as Resource Manager shows it (its location only).
#[derive(Deserialize)]
struct AccountLocation {
    location: String,
}

/// `listKeys`' answer.
#[derive(Deserialize)]
pub(crate) struct KeyList {
    pub keys: Vec<KeyEntry>,
}

/// One account key.
#[derive(Deserialize)]
pub(crate) struct KeyEntry {
    pub value: String,
}

/// A container reached through a runtime of the store's own.
pub(crate) struct Store {
    runtime: Option<tokio::runtime::Runtime>,
    blob: BlobAccount,
    container: String,
    /// Resource Manager and the account's ARM id, when configured.
    arm: Option<(Arm, String)>,
    /// `https://account.blob.core.windows.net/container`, for messages.
    url: String,
}

fn classify(e: Error) -> Result<Outcome, Error> {
    match e.status() {
        Some(404) => Ok(Outcome::Missing),
        Some(409 | 412) => Ok(Outcome::Refused),
        _ => Err(e),
    }
}

impl Store {
    /// Builds the runtime; `make` builds the clients on it (it may call Resource Manager for
    /// the account key).
    pub(crate) fn connect<F, Fut>(
        url: String,
        container: String,
        make: F,
    ) -> Result<Store, StateError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(BlobAccount, Option<(Arm, String)>), StateError>>
            + Send
            + 'static,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hangar-state-azurerm")
            .enable_all()
            .build()
            .map_err(StateError::remote("start a runtime for", &url))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let _ = tx.send(make().await);
        });
        let (blob, arm) = rx
            .recv()
            .map_err(StateError::remote("set up a client for", &url))??;
        Ok(Store {
            runtime: Some(runtime),
            blob,
            container,
            arm,
            url,
        })
    }

    fn location(&self, key: &str) -> String {
        format!("{}/{key}", self.url)
    }

    fn run<T, F>(&self, op: &'static str, key: &str, fut: F) -> Result<T, StateError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, Error>> + Send + 'static,
    {
        let Some(runtime) = &self.runtime else {
            return Err(StateError::remote(op, &self.location(key))(
                "the Azure runtime is shut down",
            ));
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let _ = tx.send(fut.await);
        });
        match rx.recv() {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(StateError::remote(op, &self.location(key))(e)),
            Err(e) => Err(StateError::remote(op, &self.location(key))(e)),
        }
    }

    fn parts(&self) -> (BlobAccount, String) {
        (self.blob.clone(), self.container.clone())
    }

    /// The blob at `key` and its ETag, or `None` when there is none.
    pub(crate) fn get(&self, key: &str) -> Result<Option<(Vec<u8>, String)>, StateError> {
        let (b, c) = self.parts();
        let k = key.to_string();
        self.run("read", key, async move {
            Ok(b.get(&c, &k)
                .await?
                .map(|(bytes, etag)| (bytes.to_vec(), etag)))
        })
    }

    /// The ETag of the blob at `key`, or `None`.
    pub(crate) fn head(&self, key: &str) -> Result<Option<String>, StateError> {
        let (b, c) = self.parts();
        let k = key.to_string();
        self.run("read", key, async move { b.head(&c, &k).await })
    }

    /// Writes `bytes` at `key` if `cond` holds (under `lease` when given).
    pub(crate) fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        cond: Cond,
        lease: Option<String>,
    ) -> Result<Outcome, StateError> {
        let (b, c) = self.parts();
        let k = key.to_string();
        self.run("write", key, async move {
            match b
                .put(&c, &k, Bytes::from(bytes), &cond, lease.as_deref())
                .await
            {
                Ok(etag) => Ok(Outcome::Done(etag)),
                Err(e) => classify(e),
            }
        })
    }

    /// Deletes the blob at `key` if `cond` holds (under `lease` when given).
    pub(crate) fn delete(
        &self,
        key: &str,
        cond: Cond,
        lease: Option<String>,
    ) -> Result<Outcome, StateError> {
        let (b, c) = self.parts();
        let k = key.to_string();
        self.run("delete", key, async move {
            match b.delete(&c, &k, &cond, lease.as_deref()).await {
                Ok(true) => Ok(Outcome::Done(String::new())),
                Ok(false) => Ok(Outcome::Missing),
                Err(e) => classify(e),
            }
        })
    }

    /// The names under `prefix`, in the service's (lexicographic) order.
    pub(crate) fn list(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        let (b, c) = self.parts();
        let p = prefix.to_string();
        self.run("list", prefix, async move { b.list(&c, &p).await })
    }

    /// A lease operation on the blob at `key`: `Ok(Ok(lease id))`, or `Ok(Err(outcome))` when
    /// the service refused it (another lease, no lease, no blob).
    pub(crate) fn lease(
        &self,
        key: &str,
        op: Lease,
    ) -> Result<Result<String, Outcome>, StateError> {
        let (b, c) = self.parts();
        let k = key.to_string();
        self.run("lock", key, async move {
            match b.lease(&c, &k, &op).await {
                Ok(id) => Ok(Ok(id)),
                Err(e) => classify(e).map(Err),
            }
        })
    }

    /// The storage account's location, read from Resource Manager; `None` when Resource
    /// Manager is not configured.
    pub(crate) fn account_location(&self) -> Result<Option<String>, StateError> {
        let Some((arm, id)) = self.arm.clone() else {
            return Ok(None);
        };
        self.run("locate", "", async move {
            let acc: Option<AccountLocation> = arm.get(&id, STORAGE_API).await?;
            acc.map(|a| a.location)
                .ok_or(Error::Service {
                    status: 404,
                    code: Some("StorageAccountNotFound".into()),
                    message: format!("storage account {id} does not exist"),
                })
                .map(Some)
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
