//! The servers every test talks to, started once per test binary, and the provider block that
//! points at them. Nothing here can reach Azure, Entra ID or instance metadata: the token
//! authority, Resource Manager and the blob endpoints are all on 127.0.0.1, and the
//! credentials are the test server's.

use std::sync::{Arc, OnceLock};

use hangar_azurerm_client::arm::{Arm, Wait};
use hangar_azurerm_client::auth::{Credential, TokenSource};
use hangar_azurerm_client::blob::{BlobAccount, BlobAuth};
use hangar_azurerm_client::http::Http;
use hangar_core::Value;
use hangar_provider_azurerm::AzurermProvider;
use hangar_testkit::arm::{ArmConfig, ArmServer};
use hangar_testkit::azurite::{azurite, DEV_KEY};
use hangar_testkit::lifecycle::{obj, Driver};

pub const REGION: &str = "germanywestcentral";

pub struct Env {
    pub arm: ArmServer,
}

pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let az = azurite();
        let arm = ArmServer::start_blocking(ArmConfig {
            blob_endpoint: Some(az.endpoint.clone()),
            ..ArmConfig::default()
        });
        // Safe: set once, before any provider reads the environment.
        for k in [
            "ARM_SUBSCRIPTION_ID",
            "ARM_TENANT_ID",
            "ARM_CLIENT_ID",
            "ARM_CLIENT_SECRET",
            "ARM_USE_CLI",
            "ARM_ENVIRONMENT",
            "HTTPS_PROXY",
            "HTTP_PROXY",
        ] {
            std::env::remove_var(k);
        }
        std::env::set_var("AZURE_AUTHORITY_HOST", &arm.endpoint);
        Env { arm }
    })
}

/// The provider block pointing at the test servers, with `extra` arguments.
pub fn provider_block(extra: &[(&str, Value)]) -> Value {
    let e = env();
    let c = &e.arm.config;
    let mut m: std::collections::BTreeMap<String, Value> = [
        ("features", Value::Tuple(vec![obj([])])),
        ("subscription_id", Value::string(&c.subscription_id)),
        ("tenant_id", Value::string(&c.tenant_id)),
        ("client_id", Value::string(&c.client_id)),
        ("client_secret", Value::string(&c.client_secret)),
        ("use_cli", Value::Bool(false)),
        ("resource_manager_endpoint", Value::string(&e.arm.endpoint)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in extra {
        m.insert(k.to_string(), v.clone());
    }
    Value::Object(m)
}

pub async fn driver() -> Driver {
    Driver::new(&AzurermProvider, &provider_block(&[]), REGION).await
}

/// A raw ARM client, for changes behind the provider's back.
pub fn arm() -> Arm {
    let e = env();
    let c = &e.arm.config;
    let http = Http::new().expect("http");
    let tokens = Arc::new(TokenSource::new(
        Credential::ClientSecret {
            authority: e.arm.endpoint.clone(),
            tenant_id: c.tenant_id.clone(),
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.clone(),
        },
        http.clone(),
    ));
    Arm::new(
        http,
        &e.arm.endpoint,
        tokens,
        "https://management.azure.com/.default",
    )
}

/// Deletes the resource at `id` behind the provider's back.
pub async fn delete_behind(id: &str, api: &str) {
    arm()
        .delete(
            id,
            api,
            &Wait {
                what: format!("out-of-band deletion of {id}"),
                budget: std::time::Duration::from_secs(30),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("delete {id}: {e}"));
}

/// Azurite's blob service for `account`, with the development key.
pub fn blob(account: &str) -> BlobAccount {
    let az = azurite();
    BlobAccount::new(
        Http::new().expect("http"),
        &az.account_endpoint(account),
        account,
        BlobAuth::shared_key(DEV_KEY).expect("key"),
    )
}

pub fn subscription() -> String {
    format!("/subscriptions/{}", env().arm.config.subscription_id)
}

/// Creates resource group `name` in REGION through the provider; returns its state.
pub async fn group(d: &Driver, name: &str) -> Value {
    let c = d.config(
        "azurerm_resource_group",
        obj([("name", name.into()), ("location", REGION.into())]),
    );
    d.apply("azurerm_resource_group", &c, None).await.1.attrs
}
