//! moto, the AWS emulator, for every test binary: `MOTO_ENDPOINT` names a running server to
//! use; without it, the first test starts one through `.ci/moto start` on a free 127.0.0.1 port,
//! with a watchdog that stops it (by PID) once the test process has exited. Tests take
//! [`exclusive`] to run one at a time on a freshly reset moto. Requests go through
//! [`crate::http`]; nothing here talks to anything but 127.0.0.1.

use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// A running moto server.
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Its port.
    pub port: u16,
}

fn port_of(endpoint: &str) -> u16 {
    let rest = endpoint
        .strip_prefix("http://127.0.0.1:")
        .or_else(|| endpoint.strip_prefix("http://localhost:"))
        .unwrap_or_else(|| panic!("MOTO_ENDPOINT must be http://127.0.0.1:PORT, not {endpoint}"));
    rest.trim_end_matches('/')
        .parse()
        .unwrap_or_else(|_| panic!("no port in MOTO_ENDPOINT {endpoint}"))
}

/// The moto server, started on first use.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        if let Some(e) = std::env::var("MOTO_ENDPOINT")
            .ok()
            .filter(|e| !e.is_empty())
        {
            return Moto {
                port: port_of(&e),
                endpoint: e.trim_end_matches('/').to_string(),
            };
        }
        let pidfile = std::env::temp_dir().join(format!("hangar-moto-{}.pid", std::process::id()));
        let out = Command::new("bash")
            .arg(crate::repo_root().join(".ci/moto"))
            .arg("start")
            .arg(&pidfile)
            .env("MOTO_OWNER_PID", std::process::id().to_string())
            .output()
            .expect("run .ci/moto");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "\n\n*** could not start moto for the AWS tests (.ci/moto start) ***\n{}\n{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        let endpoint = stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix("MOTO_ENDPOINT="))
            .unwrap_or_else(|| panic!("no MOTO_ENDPOINT in: {stdout}"))
            .to_string();
        eprintln!("moto for this test binary: {endpoint}");
        Moto {
            port: port_of(&endpoint),
            endpoint,
        }
    })
}

/// Runs the calling test alone against a freshly reset moto; hold the guard for the test.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static ONE: Mutex<()> = Mutex::new(());
    let guard = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let (status, body) = http("POST", "/moto-api/reset", "");
    assert_eq!(status, 200, "moto reset failed: {body}");
    guard
}

/// One request to moto; returns status and body. moto does not check signatures, so S3's
/// REST API answers path-style GETs like `/bucket?tagging` as-is.
pub fn http(method: &str, path: &str, body: &str) -> (u16, String) {
    http_with(method, path, &[], body)
}

/// [`http`] with request headers (an `Authorization` moto reads the service and region from).
pub fn http_with(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let a = crate::http::request(method, &format!("{}{path}", moto().endpoint), headers, body);
    (a.status, a.body)
}

/// The text of every `<tag>...</tag>` in `xml`.
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(after[..j].to_string());
        rest = &after[j + close.len()..];
    }
    out
}
