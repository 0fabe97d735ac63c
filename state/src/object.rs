//! State as objects in a bucket, locked with conditional writes: the layout, locking and
//! journal that the S3 and GCS backends share, over an [`ObjectStore`] each implements.
//!
//! For state key `K` the backend keeps: `K` — the snapshot; `K.backup` — the snapshot before
//! the last replacement; a lock object (S3: `K.lock`; GCS: `PREFIX/WORKSPACE.tflock`) holding
//! a [`LockInfo`], created only when absent and renewed or taken over only when it is still
//! the version read (S3: `If-None-Match: *` /
//! `If-Match` on the ETag, as Terraform 1.10 does; GCS: `ifGenerationMatch=0` / the object's
//! generation, as Terraform's gcs backend does); `K.journal/<lineage>/<serial>/<seq>` — one
//! small object per appended batch, so an append costs one write whatever the size of the
//! state. Only the journal under the snapshot's own lineage and serial applies; others are
//! left by crashes and removed on the next replacement.
//!
//! The snapshot is replaced only if it is still the version it was checked against (a
//! compare-and-swap), so lineage and serial checks hold even between unlocked writers.
//! Objects appear whole, so a journal cannot tear. A read that races a commit retries until
//! it sees one snapshot with its own journal. Lease expiry is judged by the wall clock of the
//! locker against the `expires` the holder wrote. Bucket creation, versioning and encryption
//! settings are the operator's; nothing here sets them.

mod journal;
mod lock;

use std::sync::{Arc, Mutex};

use crate::backend::{check_replace, Backend, Journal, LockGuard};
use crate::document::StateDoc;
use crate::error::StateError;
use crate::lock_info::LockInfo;

/// How many times a read or a compare-and-swap retries when the state changes under it.
const RACE_RETRIES: usize = 20;

/// What a conditional write or delete may require of the object's current version.
#[derive(Clone, Debug)]
pub(crate) enum Cond {
    /// No condition.
    Any,
    /// The object must not exist.
    Absent,
    /// The object must be this version (an S3 ETag, a GCS generation).
    Matches(String),
}

/// How a conditional call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Done; the version of the object written (empty for deletes).
    Done(String),
    /// The condition did not hold (`412`, or `409` for a conflicting concurrent write).
    Refused,
    /// The object (or its bucket) does not exist (`404`).
    Missing,
}

/// The calls the shared backend makes on one bucket; each blocks the calling thread.
pub(crate) trait ObjectStore: Send + Sync + 'static {
    /// `s3` or `gs`: the scheme of the bucket's URLs.
    fn scheme(&self) -> &'static str;
    /// What the store is, for messages (`S3 object`, `GCS object`).
    fn kind(&self) -> &'static str;
    /// The object at `key` and its version, or `None` when there is none.
    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, String)>, StateError>;
    /// The version of the object at `key`, or `None` when there is none.
    fn head(&self, key: &str) -> Result<Option<String>, StateError>;
    /// Writes `bytes` at `key` if `cond` holds.
    fn put(&self, key: &str, bytes: Vec<u8>, cond: Cond) -> Result<Outcome, StateError>;
    /// Deletes `key` if `cond` holds.
    fn delete(&self, key: &str, cond: Cond) -> Result<Outcome, StateError>;
    /// The keys under `prefix`, in lexicographic order.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StateError>;
    /// Where the bucket really is, read back from the store.
    fn location(&self) -> Result<hangar_core::Location, StateError>;
}

/// State kept in a bucket of store `S`.
pub(crate) struct ObjectBackend<S: ObjectStore> {
    inner: Arc<Inner<S>>,
}

/// What the backend, its journals and its lock guards share.
pub(crate) struct Inner<S: ObjectStore> {
    store: S,
    state_key: String,
    lock_key: String,
    /// `s3://bucket/key`, for messages.
    url: String,
    /// Serialises this handle's own lock attempts: fewer requests, and no reliance on an
    /// emulator making its conditional writes atomic between this process's threads.
    locking: Mutex<()>,
}

/// The snapshot as stored plus the state it stands for.
struct Loaded {
    /// Snapshot bytes and ETag.
    snapshot: Option<(Vec<u8>, String)>,
    /// The snapshot with its journal replayed.
    doc: Option<StateDoc>,
}

impl<S: ObjectStore> ObjectBackend<S> {
    /// A backend for the state at `state_key` in `bucket` of `store`, locked at `lock_key`.
    pub(crate) fn new(
        store: S,
        bucket: &str,
        state_key: String,
        lock_key: String,
    ) -> ObjectBackend<S> {
        ObjectBackend {
            inner: Arc::new(Inner {
                url: format!("{}://{bucket}/{state_key}", store.scheme()),
                store,
                state_key,
                lock_key,
                locking: Mutex::new(()),
            }),
        }
    }

    /// The bytes stored at `key`, not decoded; `None` when there is no such object.
    pub(crate) fn read_raw(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.inner.store.get(key)?.map(|(bytes, _)| bytes))
    }

    /// The snapshot's key.
    pub(crate) fn state_key(&self) -> &str {
        &self.inner.state_key
    }

    /// The lock object's key.
    pub(crate) fn lock_key(&self) -> String {
        self.inner.lock_key()
    }

    /// The backup's key, `<state key>.backup`.
    pub(crate) fn backup_key(&self) -> String {
        self.inner.backup_key()
    }

    /// The prefix of every journal object, `<state key>.journal/`.
    pub(crate) fn journal_prefix(&self) -> String {
        self.inner.journal_root()
    }
}

impl<S: ObjectStore> Inner<S> {
    fn lock_key(&self) -> String {
        self.lock_key.clone()
    }

    fn backup_key(&self) -> String {
        format!("{}.backup", self.state_key)
    }

    fn journal_root(&self) -> String {
        format!("{}.journal/", self.state_key)
    }

    /// `scheme://bucket/key` of an object of this bucket.
    fn object_url(&self, key: &str) -> String {
        format!(
            "{}://{}",
            self.store.scheme(),
            key_in_bucket(&self.url, key)
        )
    }

    fn decode(&self, bytes: &[u8], key: &str) -> Result<Option<StateDoc>, StateError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let origin = self.object_url(key);
        StateDoc::decode(bytes, &origin).map(Some)
    }

    /// The snapshot and the state it stands for, consistent even while others commit.
    fn load(&self) -> Result<Loaded, StateError> {
        for _ in 0..RACE_RETRIES {
            let Some((bytes, etag)) = self.store.get(&self.state_key)? else {
                return Ok(Loaded {
                    snapshot: None,
                    doc: None,
                });
            };
            let Some(mut doc) = self.decode(&bytes, &self.state_key)? else {
                return Ok(Loaded {
                    snapshot: Some((bytes, etag)),
                    doc: None,
                });
            };
            let Some(entries) = journal::load(self, &doc.lineage, doc.serial)? else {
                continue;
            };
            if !entries.is_empty() {
                // The journal must still belong to the snapshot read above.
                if self.store.head(&self.state_key)?.as_deref() != Some(etag.as_str()) {
                    continue;
                }
                doc.apply(&entries);
                doc.serial = doc.serial.saturating_add(1);
            }
            return Ok(Loaded {
                snapshot: Some((bytes, etag)),
                doc: Some(doc),
            });
        }
        Err(self.kept_changing("read"))
    }

    fn kept_changing(&self, op: &'static str) -> StateError {
        StateError::remote(op, &self.url)(format!(
            "the state kept changing under {RACE_RETRIES} attempts; another writer is busy, \
             try again once it is done"
        ))
    }

    /// Makes `doc` the snapshot if `check` allows it against the current state, keeping the
    /// previous snapshot as backup, then drops every journal. Compare-and-swap on the ETag.
    fn install(
        &self,
        doc: &StateDoc,
        check: impl Fn(Option<&StateDoc>) -> Result<(), StateError>,
    ) -> Result<(), StateError> {
        let bytes = doc.encode()?;
        for _ in 0..RACE_RETRIES {
            let loaded = self.load()?;
            check(loaded.doc.as_ref())?;
            let cond = match &loaded.snapshot {
                Some((current, _)) if *current == bytes && loaded.doc.as_ref() == Some(doc) => {
                    return self.drop_journals();
                }
                Some((current, etag)) => {
                    self.store
                        .put(&self.backup_key(), current.clone(), Cond::Any)?;
                    Cond::Matches(etag.clone())
                }
                None => Cond::Absent,
            };
            match self.store.put(&self.state_key, bytes.clone(), cond)? {
                Outcome::Done(_) => return self.drop_journals(),
                Outcome::Refused | Outcome::Missing => continue,
            }
        }
        Err(self.kept_changing("write"))
    }

    /// Removes every journal object (they all belong to replaced snapshots now).
    fn drop_journals(&self) -> Result<(), StateError> {
        for key in self.store.list(&self.journal_root())? {
            self.store.delete(&key, Cond::Any)?;
        }
        Ok(())
    }
}

/// `bucket/key` for a state URL `scheme://bucket/state` and an object key.
fn key_in_bucket(url: &str, key: &str) -> String {
    let bucket = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    format!("{bucket}/{key}")
}

impl<S: ObjectStore> Backend for ObjectBackend<S> {
    fn describe(&self) -> String {
        format!("{} {}", self.inner.store.kind(), self.inner.url)
    }

    fn location(&self) -> Result<Option<hangar_core::Location>, StateError> {
        self.inner.store.location().map(Some)
    }

    fn lock(&self, info: LockInfo) -> Result<Box<dyn LockGuard>, StateError> {
        lock::acquire(&self.inner, info).map(|g| Box::new(g) as Box<dyn LockGuard>)
    }

    fn read(&self) -> Result<Option<StateDoc>, StateError> {
        Ok(self.inner.load()?.doc)
    }

    fn write(&self, doc: &StateDoc) -> Result<(), StateError> {
        self.inner
            .install(doc, |current| check_replace(current, doc))
    }

    fn read_backup(&self) -> Result<Option<StateDoc>, StateError> {
        let key = self.inner.backup_key();
        match self.inner.store.get(&key)? {
            None => Ok(None),
            Some((bytes, _)) => self.inner.decode(&bytes, &key),
        }
    }

    fn open_journal(&self, base: &StateDoc) -> Result<Box<dyn Journal>, StateError> {
        self.inner
            .install(base, |current| check_replace(current, base))?;
        Ok(Box::new(journal::ObjectJournal::new(
            Arc::clone(&self.inner),
            base,
        )))
    }

    fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        lock::force_unlock(&self.inner, id)
    }
}

/// Implements [`Backend`] for a newtype around an [`ObjectBackend`] by delegation.
macro_rules! delegate_backend {
    ($t:ty) => {
        impl $crate::backend::Backend for $t {
            fn describe(&self) -> String {
                self.0.describe()
            }

            fn location(&self) -> Result<Option<hangar_core::Location>, $crate::error::StateError> {
                self.0.location()
            }

            fn lock(
                &self,
                info: $crate::lock_info::LockInfo,
            ) -> Result<Box<dyn $crate::backend::LockGuard>, $crate::error::StateError> {
                self.0.lock(info)
            }

            fn read(
                &self,
            ) -> Result<Option<$crate::document::StateDoc>, $crate::error::StateError> {
                self.0.read()
            }

            fn write(
                &self,
                doc: &$crate::document::StateDoc,
            ) -> Result<(), $crate::error::StateError> {
                self.0.write(doc)
            }

            fn read_backup(
                &self,
            ) -> Result<Option<$crate::document::StateDoc>, $crate::error::StateError> {
                self.0.read_backup()
            }

            fn open_journal(
                &self,
                base: &$crate::document::StateDoc,
            ) -> Result<Box<dyn $crate::backend::Journal>, $crate::error::StateError> {
                self.0.open_journal(base)
            }

            fn force_unlock(&self, id: &str) -> Result<(), $crate::error::StateError> {
                self.0.force_unlock(id)
            }
        }
    };
}
pub(crate) use delegate_backend;
