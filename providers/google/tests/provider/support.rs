//! The emulators and provider blocks the tests share.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use hangar_core::Value;
use hangar_google_client::storage::Storage;
use hangar_google_client::{Credentials, Http, Session, TokenSource};
use hangar_provider_google::GoogleProvider;
use hangar_testkit::fake_gcs::fake_gcs;
use hangar_testkit::gke::GkeServer;
use hangar_testkit::lifecycle::{obj, Driver};

pub const PROJECT: &str = "hangar-test";
pub const REGION: &str = "europe-west3";

/// The GKE test server of this test binary.
pub fn gke() -> &'static GkeServer {
    static S: OnceLock<GkeServer> = OnceLock::new();
    S.get_or_init(GkeServer::start)
}

/// Nothing may fall through to Google: no ambient credentials, proxies or projects.
pub fn isolate() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Safe: set once, before any test thread reads the environment.
        for k in [
            "GOOGLE_APPLICATION_CREDENTIALS",
            "GOOGLE_CREDENTIALS",
            "GOOGLE_OAUTH_ACCESS_TOKEN",
            "GOOGLE_PROJECT",
            "GOOGLE_CLOUD_PROJECT",
            "GOOGLE_REGION",
            "GOOGLE_ZONE",
            "HTTPS_PROXY",
            "HTTP_PROXY",
        ] {
            std::env::remove_var(k);
        }
        let empty = std::env::temp_dir().join(format!("hangar-no-gcloud-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&empty);
        std::env::set_var("CLOUDSDK_CONFIG", &empty);
    });
}

/// A provider block pointing at the emulators (storage in `location`), plus `extra`.
pub fn block(location: &str, extra: &[(&str, Value)]) -> Value {
    isolate();
    let mut m = std::collections::BTreeMap::from([
        ("project".to_string(), Value::string(PROJECT)),
        ("region".to_string(), Value::string(REGION)),
        ("access_token".to_string(), Value::string("test-token")),
        (
            "storage_custom_endpoint".to_string(),
            Value::string(fake_gcs(location).endpoint),
        ),
        (
            "container_custom_endpoint".to_string(),
            Value::string(gke().endpoint.clone()),
        ),
    ]);
    for (k, v) in extra {
        m.insert(k.to_string(), v.clone());
    }
    Value::Object(m)
}

/// A driver for the provider against the emulators, objects in `europe-west3`.
pub async fn driver() -> Driver {
    Driver::new(&GoogleProvider, &block("EUROPE-WEST3", &[]), REGION).await
}

/// A name no other test (or earlier run against the same emulator) uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}-{}-{:x}{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The raw Cloud Storage client, for changes behind the provider's back.
pub fn raw_storage(location: &str) -> Storage {
    let http = Http::new();
    let tokens = Arc::new(TokenSource::new(
        Credentials::AccessToken("test-token".into()),
        http.clone(),
    ));
    Storage::new(Session::new(http, tokens), &fake_gcs(location).endpoint)
}

/// `{ k = v }` of strings.
pub fn labels(pairs: &[(&str, &str)]) -> Value {
    hangar_testkit::lifecycle::tags(pairs)
}

/// A cluster configuration for tests.
pub fn cluster_config(name: &str, extra: &[(&str, Value)]) -> Value {
    let mut v = obj([
        ("name", Value::string(name)),
        ("location", Value::string(REGION)),
        ("initial_node_count", Value::int(1)),
        ("deletion_protection", Value::Bool(false)),
        ("remove_default_node_pool", Value::Bool(true)),
    ]);
    if let Value::Object(m) = &mut v {
        for (k, x) in extra {
            m.insert(k.to_string(), x.clone());
        }
    }
    v
}
