//! The S3 backend: state as objects in a bucket, locked with conditional writes
//! (`If-None-Match: *` to create the lock, `If-Match` on the ETag to renew or replace), as
//! Terraform 1.10 does; layout, journal and locking are [`crate::object`]'s.
//!
//! For state key `K` (in workspace `ws` other than `default`, `K` is
//! `<workspace_key_prefix>/<ws>/<key>`, as Terraform lays it out) the objects are `K`,
//! `K.backup`, `K.lock` and `K.journal/...`.

mod store;

use crate::error::StateError;
use crate::object::ObjectBackend;

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
pub struct S3Backend(ObjectBackend<store::Store>);

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
        let store = store::Store::connect(&store::Settings {
            bucket: config.bucket.clone(),
            region: config.region.clone(),
            endpoint: config.endpoint.clone(),
            use_path_style: config.use_path_style,
            static_credentials,
        })?;
        let key = config.state_key();
        Ok(S3Backend(ObjectBackend::new(
            store,
            &config.bucket,
            key.clone(),
            format!("{key}.lock"),
        )))
    }

    /// The bytes stored at `key` in the bucket, as another tool (Terraform) wrote them, not
    /// decoded; `None` when there is no such object. Fails when S3 cannot be read.
    pub fn read_object(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        self.0.read_raw(key)
    }

    /// The snapshot's key.
    pub fn state_key(&self) -> &str {
        self.0.state_key()
    }

    /// The lock object's key, `<state key>.lock`.
    pub fn lock_key(&self) -> String {
        self.0.lock_key()
    }

    /// The backup's key, `<state key>.backup`.
    pub fn backup_key(&self) -> String {
        self.0.backup_key()
    }

    /// The prefix of every journal object, `<state key>.journal/`.
    pub fn journal_prefix(&self) -> String {
        self.0.journal_prefix()
    }
}

crate::object::delegate_backend!(S3Backend);
