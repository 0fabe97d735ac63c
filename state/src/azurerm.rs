//! The `azurerm` backend: state as blobs in an Azure Storage container, locked with a blob
//! lease, as Terraform's azurerm backend does.
//!
//! For state key `K` (in workspace `ws` other than `default`, `K` is `<key>env:<ws>`, as
//! Terraform names it) the backend keeps: `K` — the snapshot; `K.backup` — the snapshot before
//! the last replacement; `K.lock` — the lock: a blob holding the [`LockInfo`], created with
//! `If-None-Match: *` and held through a blob lease that the guard renews (Azure leases last
//! 15 to 60 s, or forever for a lock without a lease; a dead holder's lock is taken over once
//! Azure lets its lease lapse); `K.journal/<lineage>/<serial>/<seq>` — one blob per appended
//! batch, created with `If-None-Match: *`. Terraform leases the state blob itself; a separate
//! lock blob lets unlocked reads and compare-and-swap writes go on as the other backends allow.
//!
//! The snapshot is replaced with `If-Match` on the ETag it was checked against. Blobs appear
//! whole, so a journal cannot tear. Authorization: `access_key` (Shared Key), `sas_token`, or,
//! with `resource_group_name` and credentials, the account key that Resource Manager's
//! `listKeys` returns. [`Backend::location`] reads the storage account's location back from
//! Resource Manager when that is configured; with only a key or SAS and a blob endpoint, Blob
//! Storage cannot tell where the account is, so it returns `Ok(None)`. Creating the account
//! and container is the operator's business.

mod journal;
mod lock;
mod store;

use std::sync::{Arc, Mutex};

use hangar_azurerm_client::arm::Arm;
use hangar_azurerm_client::auth::{Credential, TokenSource};
use hangar_azurerm_client::blob::{BlobAccount, BlobAuth, Cond};
use hangar_azurerm_client::http::Http;

use crate::backend::{check_replace, Backend, Journal, LockGuard};
use crate::document::StateDoc;
use crate::error::StateError;
use crate::lock_info::LockInfo;
use store::{KeyList, Outcome, Store, STORAGE_API};

/// How many times a read or a compare-and-swap retries when the state changes under it.
const RACE_RETRIES: usize = 20;

/// Resource Manager access, for the account key and location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArmAccess {
    /// The storage account's resource group.
    pub resource_group_name: String,
    /// Its subscription.
    pub subscription_id: String,
    /// Directory (tenant) id.
    pub tenant_id: Option<String>,
    /// Service principal client id.
    pub client_id: Option<String>,
    /// Its secret.
    pub client_secret: Option<String>,
    /// Resource Manager endpoint (`https://management.azure.com`).
    pub resource_manager_endpoint: String,
    /// Entra ID's login endpoint (`https://login.microsoftonline.com`).
    pub authority: String,
    /// The token audience of Resource Manager.
    pub audience: String,
}

/// Where and how to reach the state in Azure Storage.
#[derive(Clone, PartialEq, Eq)]
pub struct AzurermConfig {
    /// Storage account name.
    pub storage_account_name: String,
    /// Container holding the state (it must exist).
    pub container_name: String,
    /// Blob name of the default workspace's snapshot.
    pub key: String,
    /// Account key (Shared Key authorization).
    pub access_key: Option<String>,
    /// SAS token.
    pub sas_token: Option<String>,
    /// The account's blob endpoint; default `https://{account}.blob.{suffix}`. An endpoint
    /// given here is path-style: `{endpoint}/{account}` (emulators).
    pub endpoint: Option<String>,
    /// Storage DNS suffix (`core.windows.net`).
    pub storage_suffix: String,
    /// Resource Manager access, for the key (when neither key nor SAS is given) and location.
    pub arm: Option<ArmAccess>,
    /// The workspace whose state this is.
    pub workspace: String,
}

impl std::fmt::Debug for AzurermConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzurermConfig")
            .field("storage_account_name", &self.storage_account_name)
            .field("container_name", &self.container_name)
            .field("key", &self.key)
            .field("endpoint", &self.endpoint)
            .field("workspace", &self.workspace)
            .finish_non_exhaustive()
    }
}

impl AzurermConfig {
    /// The default workspace's state at `account`/`container`/`key`, with no credentials yet.
    pub fn new(
        account: impl Into<String>,
        container: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        AzurermConfig {
            storage_account_name: account.into(),
            container_name: container.into(),
            key: key.into(),
            access_key: None,
            sas_token: None,
            endpoint: None,
            storage_suffix: "core.windows.net".into(),
            arm: None,
            workspace: "default".into(),
        }
    }

    /// The snapshot's blob name for the configured workspace (`<key>env:<workspace>`).
    pub fn state_key(&self) -> String {
        if self.workspace == "default" {
            self.key.clone()
        } else {
            format!("{}env:{}", self.key, self.workspace)
        }
    }

    /// The account's blob endpoint.
    pub fn blob_endpoint(&self) -> String {
        match &self.endpoint {
            Some(e) => format!("{}/{}", e.trim_end_matches('/'), self.storage_account_name),
            None => format!(
                "https://{}.blob.{}",
                self.storage_account_name, self.storage_suffix
            ),
        }
    }
}

/// State kept in an Azure Storage container.
pub struct AzurermBackend {
    inner: Arc<Inner>,
}

/// What the backend, its journals and its lock guards share.
pub(crate) struct Inner {
    store: Store,
    state_key: String,
    /// `https://account.blob.core.windows.net/container/key`, for messages.
    url: String,
    locking: Mutex<()>,
}

struct Loaded {
    snapshot: Option<(Vec<u8>, String)>,
    doc: Option<StateDoc>,
}

async fn clients(
    config: AzurermConfig,
    url: String,
) -> Result<(BlobAccount, Option<(Arm, String)>), StateError> {
    let http = Http::new().map_err(StateError::remote("set up HTTPS for", &url))?;
    let arm = config.arm.as_ref().map(|a| {
        let credential = match (&a.tenant_id, &a.client_id, &a.client_secret) {
            (Some(t), Some(c), Some(s)) => Credential::ClientSecret {
                authority: a.authority.clone(),
                tenant_id: t.clone(),
                client_id: c.clone(),
                client_secret: s.clone(),
            },
            (t, _, _) => Credential::Cli {
                tenant_id: t.clone(),
            },
        };
        let tokens = Arc::new(TokenSource::new(credential, http.clone()));
        let scope = format!("{}/.default", a.audience.trim_end_matches('/'));
        let id = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/{}",
            a.subscription_id, a.resource_group_name, config.storage_account_name
        );
        (
            Arm::new(http.clone(), &a.resource_manager_endpoint, tokens, &scope),
            id,
        )
    });
    let auth = match (&config.access_key, &config.sas_token, &arm) {
        (Some(k), _, _) => {
            BlobAuth::shared_key(k).map_err(StateError::remote("use the key of", &url))?
        }
        (None, Some(sas), _) => BlobAuth::Sas(sas.clone()),
        (None, None, Some((arm, id))) => {
            let keys: KeyList = arm
                .post(&format!("{id}/listKeys"), STORAGE_API)
                .await
                .map_err(StateError::remote("list the account keys of", &url))?;
            let key = keys
                .keys
                .into_iter()
                .next()
                .map(|k| k.value)
                .ok_or_else(|| {
                    StateError::remote("list the account keys of", &url)("the account has no keys")
                })?;
            BlobAuth::shared_key(&key).map_err(StateError::remote("use the key of", &url))?
        }
        (None, None, None) => {
            return Err(StateError::remote("authorise requests to", &url)(
                "set access_key, sas_token, or resource_group_name with credentials",
            ))
        }
    };
    let blob = BlobAccount::new(
        http,
        &config.blob_endpoint(),
        &config.storage_account_name,
        auth,
    );
    Ok((blob, arm))
}

impl AzurermBackend {
    /// A backend for the state `config` names. Nothing is written until it is used; with
    /// neither `access_key` nor `sas_token`, the account key is fetched from Resource Manager
    /// here.
    ///
    /// Fails when a runtime cannot start, HTTPS cannot be set up, or the key cannot be had.
    pub fn new(config: &AzurermConfig) -> Result<AzurermBackend, StateError> {
        let state_key = config.state_key();
        let url = format!("{}/{}", config.blob_endpoint(), config.container_name);
        let c = config.clone();
        let u = url.clone();
        let store = Store::connect(url.clone(), config.container_name.clone(), move || {
            clients(c, u)
        })?;
        Ok(AzurermBackend {
            inner: Arc::new(Inner {
                store,
                url: format!("{url}/{state_key}"),
                state_key,
                locking: Mutex::new(()),
            }),
        })
    }

    /// The snapshot's blob name.
    pub fn state_key(&self) -> &str {
        &self.inner.state_key
    }

    /// The lock blob's name, `<state key>.lock`.
    pub fn lock_key(&self) -> String {
        self.inner.lock_key()
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

    fn blob_url(&self, key: &str) -> String {
        let base = self.url.strip_suffix(&self.state_key).unwrap_or(&self.url);
        format!("{base}{key}")
    }

    fn decode(&self, bytes: &[u8], key: &str) -> Result<Option<StateDoc>, StateError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        StateDoc::decode(bytes, &self.blob_url(key)).map(Some)
    }

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
                        .put(&self.backup_key(), current.clone(), Cond::Any, None)?;
                    Cond::Matches(etag.clone())
                }
                None => Cond::Absent,
            };
            match self.store.put(&self.state_key, bytes.clone(), cond, None)? {
                Outcome::Done(_) => return self.drop_journals(),
                Outcome::Refused | Outcome::Missing => continue,
            }
        }
        Err(self.kept_changing("write"))
    }

    fn drop_journals(&self) -> Result<(), StateError> {
        for key in self.store.list(&self.journal_root())? {
            self.store.delete(&key, Cond::Any, None)?;
        }
        Ok(())
    }
}

impl Backend for AzurermBackend {
    fn describe(&self) -> String {
        format!("Azure blob {}", self.inner.url)
    }

    fn location(&self) -> Result<Option<hangar_core::Location>, StateError> {
        Ok(self
            .inner
            .store
            .account_location()?
            .map(|l| hangar_core::Location::new(hangar_core::Cloud::Azure, l)))
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
        Ok(Box::new(journal::AzureJournal::new(
            Arc::clone(&self.inner),
            base,
        )))
    }

    fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        lock::force_unlock(&self.inner, id)
    }
}
