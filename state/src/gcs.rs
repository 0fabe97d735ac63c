//! The GCS backend: state as objects in a Cloud Storage bucket, laid out as Terraform's `gcs`
//! backend lays them out, locked with object generation preconditions; layout of journal and
//! backup, and the locking protocol, are [`crate::object`]'s.
//!
//! Workspace `ws`'s snapshot is `PREFIX/ws.tfstate` (`ws.tfstate` without a prefix; the
//! default workspace is `default`), its lock `PREFIX/ws.tflock`, created with
//! `ifGenerationMatch=0` (only when absent) and renewed or replaced with `ifGenerationMatch`
//! on the generation read, exactly as Terraform's backend takes it. Beside the snapshot:
//! `PREFIX/ws.tfstate.backup` and `PREFIX/ws.tfstate.journal/...`. [`GcsBackend::location`]
//! reads the bucket's real location back from Cloud Storage.
//!
//! Credentials as Terraform's backend takes them: `access_token`, else `credentials` (a
//! service-account key's JSON or path), else `GOOGLE_OAUTH_ACCESS_TOKEN`,
//! `GOOGLE_CREDENTIALS`, then Application Default Credentials. Left out: customer-supplied
//! encryption keys, KMS keys and impersonation (use Hangar's own state encryption).

mod store;

use crate::error::StateError;
use crate::object::ObjectBackend;

/// Where and how to reach the state in Cloud Storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GcsConfig {
    /// Bucket holding the state (it must exist).
    pub bucket: String,
    /// Folder of the state objects (`team/net`); empty for the bucket's top.
    pub prefix: String,
    /// The workspace whose state this is.
    pub workspace: String,
    /// The JSON API base to use instead of Google's (`http://127.0.0.1:PORT/storage/v1/`).
    pub endpoint: Option<String>,
    /// An OAuth2 access token, used as is.
    pub access_token: Option<String>,
    /// A service-account key: its JSON or a path to it.
    pub credentials: Option<String>,
}

impl GcsConfig {
    /// The default workspace's state in `bucket` under `prefix`, with Google's endpoint and
    /// credentials from the environment.
    pub fn new(bucket: impl Into<String>, prefix: impl Into<String>) -> Self {
        GcsConfig {
            bucket: bucket.into(),
            prefix: prefix.into(),
            workspace: "default".into(),
            endpoint: None,
            access_token: None,
            credentials: None,
        }
    }

    fn object(&self, suffix: &str) -> String {
        let p = self.prefix.trim_matches('/');
        if p.is_empty() {
            format!("{}.{suffix}", self.workspace)
        } else {
            format!("{p}/{}.{suffix}", self.workspace)
        }
    }

    /// The snapshot's object name, `PREFIX/WORKSPACE.tfstate`.
    pub fn state_key(&self) -> String {
        self.object("tfstate")
    }

    /// The lock's object name, `PREFIX/WORKSPACE.tflock`.
    pub fn lock_key(&self) -> String {
        self.object("tflock")
    }
}

/// State kept in a Cloud Storage bucket.
pub struct GcsBackend(ObjectBackend<store::Store>);

impl GcsBackend {
    /// A backend for the state `config` names; nothing is read or written until it is used.
    ///
    /// Fails when no credentials can be found or read, or a runtime cannot start.
    pub fn new(config: &GcsConfig) -> Result<GcsBackend, StateError> {
        let store = store::Store::connect(config)?;
        Ok(GcsBackend(ObjectBackend::new(
            store,
            &config.bucket,
            config.state_key(),
            config.lock_key(),
        )))
    }

    /// The snapshot's object name.
    pub fn state_key(&self) -> &str {
        self.0.state_key()
    }

    /// The lock object's name.
    pub fn lock_key(&self) -> String {
        self.0.lock_key()
    }

    /// The backup's object name, `<state>.backup`.
    pub fn backup_key(&self) -> String {
        self.0.backup_key()
    }

    /// The prefix of every journal object, `<state>.journal/`.
    pub fn journal_prefix(&self) -> String {
        self.0.journal_prefix()
    }
}

crate::object::delegate_backend!(GcsBackend);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_named_like_terraforms_gcs_backend() {
        let mut c = GcsConfig::new("b", "team/net/");
        assert_eq!(c.state_key(), "team/net/default.tfstate");
        assert_eq!(c.lock_key(), "team/net/default.tflock");
        c.workspace = "eu".into();
        c.prefix = String::new();
        assert_eq!(c.state_key(), "eu.tfstate");
    }
}
