//! The azurerm backend against Azurite (started through `.ci/azurite` unless
//! `AZURITE_ENDPOINT` is set): the shared suite, the blob layout, lease locking, the account's
//! location read back through the ARM test server, and its settings.
#![cfg(feature = "azurerm")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hangar_azurerm_client::arm::{Arm, Wait};
use hangar_azurerm_client::auth::{Credential, TokenSource};
use hangar_azurerm_client::blob::{BlobAccount, BlobAuth, Cond};
use hangar_azurerm_client::http::Http;
use hangar_state::azurerm::ArmAccess;
use hangar_state::{AzurermBackend, AzurermConfig, Backend, LockInfo, StateError};
use hangar_testkit::arm::{ArmConfig, ArmServer};
use hangar_testkit::azurite::{azurite, DEV_ACCOUNT, DEV_KEY};
use hangar_testkit::state_conformance::{run_conformance, sample_doc};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn blob() -> BlobAccount {
    BlobAccount::new(
        Http::new().expect("http"),
        &azurite().account_endpoint(DEV_ACCOUNT),
        DEV_ACCOUNT,
        BlobAuth::shared_key(DEV_KEY).expect("key"),
    )
}

/// A new, empty container in Azurite's development account.
fn new_container() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "state-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    runtime()
        .block_on(blob().create_container(&name, None, &Default::default()))
        .expect("create container");
    name
}

fn names(container: &str) -> Vec<String> {
    runtime()
        .block_on(blob().list(container, ""))
        .expect("list")
}

fn config(container: &str, key: &str) -> AzurermConfig {
    let mut c = AzurermConfig::new(DEV_ACCOUNT, container, key);
    c.endpoint = Some(azurite().endpoint.clone());
    c.access_key = Some(DEV_KEY.into());
    c
}

fn backend(container: &str, key: &str) -> AzurermBackend {
    AzurermBackend::new(&config(container, key)).expect("backend")
}

#[test]
fn azurerm_backend_passes_the_conformance_suite() {
    let container = new_container();
    let counter = AtomicUsize::new(0);
    let make = || -> Box<dyn Backend> {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        Box::new(backend(&container, &format!("case{n}/hangar.tfstate")))
    };
    run_conformance(&make);
}

#[test]
fn blobs_sit_beside_the_state_key_and_the_lock_is_leased() {
    let container = new_container();
    let b = backend(&container, "team/hangar.tfstate");
    assert!(b
        .describe()
        .contains(&format!("/{DEV_ACCOUNT}/{container}/team/hangar.tfstate")));
    let guard = b.lock(LockInfo::new("apply", "x")).expect("lock");
    // The lock blob holds the record and is leased: it cannot be deleted without the lease.
    let (bytes, _) = runtime()
        .block_on(blob().get(&container, "team/hangar.tfstate.lock"))
        .expect("get")
        .expect("lock blob");
    let on_azure: LockInfo = serde_json::from_slice(&bytes).expect("a record");
    assert_eq!(on_azure.id, guard.info().id);
    let err = runtime()
        .block_on(blob().delete(&container, "team/hangar.tfstate.lock", &Cond::Any, None))
        .expect_err("leased");
    assert_eq!(err.status(), Some(412), "{err}");
    let doc = sample_doc(1);
    b.write(&doc).expect("write");
    let mut journal = b.open_journal(&doc).expect("journal");
    journal
        .append(&[hangar_state::JournalEntry::Outcome { token: "t".into() }])
        .expect("append");
    let mut all = names(&container);
    all.sort();
    assert_eq!(
        all,
        [
            "team/hangar.tfstate".to_string(),
            format!(
                "team/hangar.tfstate.journal/{}/{:020}/0000000000",
                doc.lineage, 1
            ),
            "team/hangar.tfstate.lock".to_string(),
        ]
    );
    drop(guard);
    assert_eq!(
        names(&container).len(),
        2,
        "the lock blob is gone after release"
    );
    // Workspaces are named as Terraform's azurerm backend names them.
    let mut c = config(&container, "net.tfstate");
    c.workspace = "eu".into();
    let eu = AzurermBackend::new(&c).expect("backend");
    assert_eq!(eu.state_key(), "net.tfstateenv:eu");
    // With only a key and a blob endpoint, the account's location cannot be read.
    assert_eq!(b.location().expect("location"), None);
}

#[test]
fn location_is_read_back_through_resource_manager() {
    let arm_server = ArmServer::start_blocking(ArmConfig {
        blob_endpoint: Some(azurite().endpoint.clone()),
        ..ArmConfig::default()
    });
    let cfg = &arm_server.config;
    // The account exists in Resource Manager, in France Central.
    let http = Http::new().expect("http");
    let tokens = Arc::new(TokenSource::new(
        Credential::ClientSecret {
            authority: arm_server.endpoint.clone(),
            tenant_id: cfg.tenant_id.clone(),
            client_id: cfg.client_id.clone(),
            client_secret: cfg.client_secret.clone(),
        },
        http.clone(),
    ));
    let arm = Arm::new(
        http,
        &arm_server.endpoint,
        tokens,
        "https://management.azure.com/.default",
    );
    let sub = format!("/subscriptions/{}", cfg.subscription_id);
    let wait = Wait {
        what: "setup".into(),
        budget: Duration::from_secs(30),
    };
    runtime().block_on(async {
        let _: serde_json::Value = arm
            .put(&format!("{sub}/resourceGroups/rg-state"), "2021-04-01", &serde_json::json!({"location": "francecentral"}), &wait)
            .await
            .expect("group");
        let _: serde_json::Value = arm
            .put(
                &format!("{sub}/resourceGroups/rg-state/providers/Microsoft.Storage/storageAccounts/{DEV_ACCOUNT}"),
                "2023-05-01",
                &serde_json::json!({"location": "francecentral", "sku": {"name": "Standard_LRS"}}),
                &wait,
            )
            .await
            .expect("account");
    });
    let container = new_container();
    let mut c = config(&container, "located.tfstate");
    // No key: the backend asks Resource Manager for it, as Terraform's does.
    c.access_key = None;
    c.arm = Some(ArmAccess {
        resource_group_name: "rg-state".into(),
        subscription_id: cfg.subscription_id.clone(),
        tenant_id: Some(cfg.tenant_id.clone()),
        client_id: Some(cfg.client_id.clone()),
        client_secret: Some(cfg.client_secret.clone()),
        resource_manager_endpoint: arm_server.endpoint.clone(),
        authority: arm_server.endpoint.clone(),
        audience: "https://management.azure.com".into(),
    });
    let b = AzurermBackend::new(&c).expect("backend");
    let loc = b.location().expect("location").expect("known");
    assert_eq!(loc.name, "francecentral");
    assert_eq!(loc.cloud, hangar_core::Cloud::Azure);
    b.write(&sample_doc(1))
        .expect("writes with the key from listKeys");
    // A wrong secret fails to build the backend with Entra ID's message.
    if let Some(a) = c.arm.as_mut() {
        a.client_secret = Some("wrong".into());
    }
    let err = AzurermBackend::new(&c).err().expect("bad secret");
    assert!(err.to_string().contains("AADSTS7000215"), "{err}");
}

#[test]
fn settings_are_checked() {
    let settings = |pairs: &[(&str, &str)]| -> serde_json::Map<String, serde_json::Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect()
    };
    let dir = std::path::Path::new(".");
    let missing = hangar_state::from_config(
        "azurerm",
        &settings(&[("storage_account_name", "a"), ("key", "k")]),
        "default",
        dir,
    );
    assert!(matches!(
        missing,
        Err(StateError::MissingSetting {
            name: "container_name",
            ..
        })
    ));
    let unknown = hangar_state::from_config(
        "azurerm",
        &settings(&[
            ("storage_account_name", "a"),
            ("container_name", "c"),
            ("key", "k"),
            ("bucket", "b"),
        ]),
        "default",
        dir,
    );
    assert!(matches!(unknown, Err(StateError::UnknownSetting { .. })));
    let endpoint = azurite().endpoint.clone();
    let ok = hangar_state::from_config(
        "azurerm",
        &settings(&[
            ("storage_account_name", DEV_ACCOUNT),
            ("container_name", "c"),
            ("key", "k.tfstate"),
            ("access_key", DEV_KEY),
            ("endpoint", &endpoint),
        ]),
        "default",
        dir,
    )
    .expect("valid");
    assert!(ok.describe().contains("/c/k.tfstate"), "{}", ok.describe());
}
