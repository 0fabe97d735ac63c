//! The S3 backend: state as objects in a bucket, locked with conditional writes.
//!
//! For state key `K` (in workspace `ws` other than `default`, `K` is
//! `<workspace_key_prefix>/<ws>/<key>`, as Terraform lays it out) the backend keeps: `K` — the
//! snapshot; `K.backup` — the snapshot before the last replacement; `K.lock` — the lock, a
//! [`LockInfo`] created with `If-None-Match: *` as Terraform 1.10 does and renewed or taken
//! over with `If-Match`; `K.journal/<lineage>/<serial>/<seq>` — one small object per appended
//! batch, so an append costs one PUT whatever the size of the state. Only the journal under
//! the snapshot's own lineage and serial applies; others are left by crashes and removed on the
//! next replacement.
//!
//! The snapshot is replaced with `If-Match` on the ETag it was checked against (a
//! compare-and-swap), so lineage and serial checks hold even between unlocked writers. S3
//! objects appear whole, so a journal cannot tear. A read that races a commit retries until it
//! sees one snapshot with its own journal. Lease expiry is judged by the wall clock of the
//! locker against the `expires` the holder wrote. Bucket creation, versioning and encryption
//! settings are the operator's; nothing here sets them.

mod journal;
mod lock;
mod store;

use std::sync::{Arc, Mutex};

use crate::backend::{check_replace, Backend, Journal, LockGuard};
use crate::document::StateDoc;
use crate::error::StateError;
use crate::lock_info::LockInfo;
use store::{Cond, Outcome, Store};

/// How many times a read or a compare-and-swap retries when the state changes under it.
const RACE_RETRIES: usize = 20;

/// Where and how to reach the state in S3.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Config {
    /// Bucket holding the state (it must exist).
    pub bucket: String,
    /// Key of the default workspace's snapshot (`hangar.tfstate`, `team/net.tfstate`).
    pub key: String,
    /// The bucket's region.
    pub region: String,
    /// Endpoint to use instead of AWS's (an S3-compatible store or a local emulator).
    pub endpoint: Option<String>,
    /// Whether to address the bucket in the path (`host/bucket/key`), as emulators need.
    pub use_path_style: bool,
    /// Static access key ID; without it (and `secret_key`) the AWS default credential chain
    /// is used.
    pub access_key: Option<String>,
    /// Static secret access key, with `access_key`.
    pub secret_key: Option<String>,
    /// Prefix of non-default workspaces' keys (Terraform's `env:`).
    pub workspace_key_prefix: String,
    /// The workspace whose state this is.
    pub workspace: String,
}

impl S3Config {
    /// The default workspace's state at `bucket`/`key` in `region`, with AWS's endpoint and
    /// default credentials.
    pub fn new(
        bucket: impl Into<String>,
        key: impl Into<String>,
        region: impl Into<String>,
    ) -> Self {
        S3Config {
            bucket: bucket.into(),
            key: key.into(),
            region: region.into(),
            endpoint: None,
            use_path_style: false,
            access_key: None,
            secret_key: None,
            workspace_key_prefix: "env:".into(),
            workspace: "default".into(),
        }
    }

    /// The snapshot's key for the configured workspace.
    pub fn state_key(&self) -> String {
        if self.workspace == "default" {
            self.key.clone()
        } else {
            format!(
                "{}/{}/{}",
                self.workspace_key_prefix.trim_end_matches('/'),
                self.workspace,
                self.key
            )
        }
    }
}

/// State kept in an S3 bucket.
pub struct S3Backend {
    inner: Arc<Inner>,
}

/// What the backend, its journals and its lock guards share.
pub(crate) struct Inner {
    store: Store,
    state_key: String,
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

impl S3Backend {
    /// A backend for the state `config` names; nothing is read or written until it is used.
    ///
    /// Fails when the client cannot be set up (a runtime cannot start, or the default
    /// credential chain's configuration cannot load).
    pub fn new(config: &S3Config) -> Result<S3Backend, StateError> {
        let static_credentials = match (&config.access_key, &config.secret_key) {
            (Some(k), Some(s)) => Some((k.clone(), s.clone())),
            _ => None,
        };
        let store = Store::connect(&store::Settings {
            bucket: config.bucket.clone(),
            region: config.region.clone(),
            endpoint: config.endpoint.clone(),
            use_path_style: config.use_path_style,
            static_credentials,
        })?;
        let state_key = config.state_key();
        Ok(S3Backend {
            inner: Arc::new(Inner {
                store,
                url: format!("s3://{}/{state_key}", config.bucket),
                state_key,
                locking: Mutex::new(()),
            }),
        })
    }

    /// The bytes stored at `key` in the bucket, as another tool (Terraform) wrote them, not
    /// decoded; `None` when there is no such object. Fails when S3 cannot be read.
    pub fn read_object(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.inner.store.get(key)?.map(|(bytes, _)| bytes))
    }

    /// The snapshot's key.
    pub fn state_key(&self) -> &str {
        &self.inner.state_key
    }

    /// The lock object's key, `<state key>.lock`.
    pub fn lock_key(&self) -> String {
        self.inner.lock_key()
    }

    /// The backup's key, `<state key>.backup`.
    pub fn backup_key(&self) -> String {
        self.inner.backup_key()
    }

    /// The prefix of every journal object, `<state key>.journal/`.
    pub fn journal_prefix(&self) -> String {
        self.inner.journal_root()
    }
}

impl Inner {
    fn lock_key(&self) -> String {
        format!("{}.lock", self.state_key)
    }

    fn backup_key(&self) -> String {
        format!("{}.backup", self.state_key)
    }

    fn journal_root(&self) -> String {
        format!("{}.journal/", self.state_key)
    }

    fn decode(&self, bytes: &[u8], key: &str) -> Result<Option<StateDoc>, StateError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let origin = format!("s3://{}", key_in_bucket(&self.url, key));
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

/// `bucket/key` for a state URL `s3://bucket/state` and an object key.
fn key_in_bucket(url: &str, key: &str) -> String {
    let bucket = url
        .trim_start_matches("s3://")
        .split('/')
        .next()
        .unwrap_or_default();
    format!("{bucket}/{key}")
}

impl Backend for S3Backend {
    fn describe(&self) -> String {
        format!("S3 object {}", self.inner.url)
    }

    fn location(&self) -> Result<Option<hangar_core::Location>, StateError> {
        let region = self.inner.store.bucket_region()?;
        Ok(Some(hangar_core::Location::new(
            hangar_core::Cloud::Aws,
            region,
        )))
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
        Ok(Box::new(journal::S3Journal::new(
            Arc::clone(&self.inner),
            base,
        )))
    }

    fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        lock::force_unlock(&self.inner, id)
    }
}
