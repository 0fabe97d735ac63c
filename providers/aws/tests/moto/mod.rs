//! The moto harness shared by the provider's lifecycle tests and the binary's AWS tests.
//!
//! `MOTO_ENDPOINT` names a running moto server to use; without it, the first test starts one
//! through `.ci/moto start` on a free 127.0.0.1 port, with a watchdog that stops it (by PID)
//! once this test process has exited. Tests take [`exclusive`] to run one at a time on a
//! freshly reset moto. Nothing here talks to anything but 127.0.0.1.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// A running moto server.
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Its port.
    pub port: u16,
}

fn repo_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        if dir.join(".ci/moto").is_file() {
            return dir;
        }
        assert!(
            dir.pop(),
            ".ci/moto not found above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
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
            .arg(repo_root().join(".ci/moto"))
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

/// One plain HTTP/1.1 request to moto; returns status and body. moto does not check
/// signatures, so S3's REST API answers path-style GETs like `/bucket?tagging` as-is.
pub fn http(method: &str, path: &str, body: &str) -> (u16, String) {
    let m = moto();
    let mut s = TcpStream::connect(("127.0.0.1", m.port)).expect("connect to moto");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        m.port,
        body.len()
    );
    s.write_all(req.as_bytes()).expect("send to moto");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read from moto");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
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
