//! fake-gcs-server for tests: one instance per bucket location, started on first use through
//! `.ci/fake-gcs start` on a free 127.0.0.1 port, with a watchdog that stops it (by PID) once
//! the test process has exited.
//!
//! `FAKE_GCS_ENDPOINT` names a running server to use for location `EUROPE-WEST3` instead.
//! Nothing here talks to anything but 127.0.0.1.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// A running fake-gcs-server.
#[derive(Debug, Clone)]
pub struct FakeGcs {
    /// The JSON API base, `http://127.0.0.1:PORT/storage/v1/`.
    pub endpoint: String,
    /// The location it gives every bucket.
    pub location: String,
}

/// The server whose buckets all live in `location` (upper case, `EUROPE-WEST3`), started on
/// first use; panics with the script's output when it cannot be started.
pub fn fake_gcs(location: &str) -> FakeGcs {
    static SERVERS: OnceLock<Mutex<BTreeMap<String, FakeGcs>>> = OnceLock::new();
    let servers = SERVERS.get_or_init(|| Mutex::new(BTreeMap::new()));
    let mut servers = servers.lock().unwrap_or_else(|e| e.into_inner());
    let location = location.to_ascii_uppercase();
    if let Some(s) = servers.get(&location) {
        return s.clone();
    }
    let given = std::env::var("FAKE_GCS_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty() && location == "EUROPE-WEST3");
    let endpoint = match given {
        Some(e) => e,
        None => start(&location),
    };
    let s = FakeGcs {
        endpoint,
        location: location.clone(),
    };
    servers.insert(location, s.clone());
    s
}

fn start(location: &str) -> String {
    let pidfile = std::env::temp_dir().join(format!(
        "hangar-fake-gcs-{}-{}.pid",
        std::process::id(),
        location.to_ascii_lowercase()
    ));
    let out = Command::new("bash")
        .arg(crate::repo_root().join(".ci/fake-gcs"))
        .arg("start")
        .arg(&pidfile)
        .env("FAKE_GCS_OWNER_PID", std::process::id().to_string())
        .env("FAKE_GCS_LOCATION", location)
        .output()
        .expect("run .ci/fake-gcs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "\n\n*** could not start fake-gcs-server (.ci/fake-gcs start) ***\n{}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let endpoint = stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix("FAKE_GCS_ENDPOINT="))
        .unwrap_or_else(|| panic!("no FAKE_GCS_ENDPOINT in: {stdout}"))
        .to_string();
    eprintln!("fake-gcs-server ({location}) for this test binary: {endpoint}");
    endpoint
}
