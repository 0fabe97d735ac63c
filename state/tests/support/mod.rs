//! Local services for the remote backends' tests: moto for S3, a throwaway PostgreSQL.
//!
//! `MOTO_ENDPOINT` names a running moto server to use; without it, the first test that needs
//! one starts it through `.ci/moto start` on a free 127.0.0.1 port. `HANGAR_PG_URL` names a
//! PostgreSQL to use; without it, the first test that needs one starts a fresh cluster through
//! `.ci/postgres start`. Both scripts leave a watchdog that stops the service (by its PID) once
//! this test process has exited. A service that cannot be started fails the test with the
//! script's output. Nothing here talks to anything but 127.0.0.1.
#![allow(dead_code)]

use std::process::Command;
use std::sync::OnceLock;

/// Runs `.ci/<script> start [args]` with the owner-PID watchdog and returns its stdout.
fn start_service(script: &str, args: &[&str], owner_env: &str) -> String {
    let out = Command::new("bash")
        .arg(hangar_testkit::repo_root().join(".ci").join(script))
        .arg("start")
        .args(args)
        .env(owner_env, std::process::id().to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run .ci/{script}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "\n\n*** could not start {script} for the state backend tests (.ci/{script} start) ***\n{}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn field(out: &str, name: &str) -> String {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix(name).and_then(|w| w.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {name} in: {out}"))
        .to_string()
}

/// A unique name for a test's bucket, key, schema or workspace.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", &uuid_like()[..12])
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:06x}{:06x}{:04x}",
        (nanos as u64) & 0xff_ffff,
        std::process::id() & 0xff_ffff,
        N.fetch_add(1, Ordering::SeqCst) & 0xffff
    )
}

// ----- moto -----

/// moto's endpoint, `http://127.0.0.1:PORT`, started on first use (by hangar-testkit).
pub fn moto_endpoint() -> &'static str {
    &hangar_testkit::moto::moto().endpoint
}

/// One request to moto; returns status and body. moto does not check signatures, but it
/// wants a credential naming the region (eu-west-1, where test buckets live) to treat a
/// request as authenticated rather than anonymous.
pub fn moto_http(method: &str, path: &str, body: &str) -> (u16, String) {
    hangar_testkit::moto::http_with(
        method,
        path,
        &[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20250101/eu-west-1/s3/aws4_request, \
             SignedHeaders=host, Signature=0",
        )],
        body,
    )
}

/// Creates a new bucket in eu-west-1 and returns its name.
pub fn new_bucket() -> String {
    let bucket = unique("hangar-state-");
    let config = "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>\
                  </CreateBucketConfiguration>";
    let (status, body) = moto_http("PUT", &format!("/{bucket}"), config);
    assert_eq!(status, 200, "creating bucket {bucket} failed: {body}");
    bucket
}

/// The object at `bucket/key` as moto holds it, or `None`.
pub fn object(bucket: &str, key: &str) -> Option<String> {
    let (status, body) = moto_http("GET", &format!("/{bucket}/{}", encode_key(key)), "");
    (status == 200).then_some(body)
}

/// Writes an object straight into moto.
pub fn put_object(bucket: &str, key: &str, body: &str) {
    let (status, text) = moto_http("PUT", &format!("/{bucket}/{}", encode_key(key)), body);
    assert_eq!(status, 200, "putting {key} failed: {text}");
}

/// The keys in `bucket`, sorted.
pub fn keys(bucket: &str) -> Vec<String> {
    let (status, body) = moto_http("GET", &format!("/{bucket}?list-type=2"), "");
    assert_eq!(status, 200, "listing {bucket} failed: {body}");
    let mut out = Vec::new();
    let mut rest = body.as_str();
    while let Some(i) = rest.find("<Key>") {
        let after = &rest[i + 5..];
        let Some(j) = after.find("</Key>") else { break };
        out.push(after[..j].replace("&amp;", "&"));
        rest = &after[j..];
    }
    out.sort();
    out
}

fn encode_key(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An S3 configuration for `bucket`/`key` on moto, with dummy static credentials.
#[cfg(feature = "s3")]
pub fn s3_config(bucket: &str, key: &str) -> hangar_state::S3Config {
    let mut c = hangar_state::S3Config::new(bucket, key, "eu-west-1");
    c.endpoint = Some(moto_endpoint().to_string());
    c.use_path_style = true;
    c.access_key = Some("test".into());
    c.secret_key = Some("test".into());
    c
}

// ----- PostgreSQL -----

/// A connection string for the test PostgreSQL, started on first use.
pub fn pg_url() -> &'static str {
    static PG: OnceLock<String> = OnceLock::new();
    PG.get_or_init(|| {
        if let Some(u) = std::env::var("HANGAR_PG_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            return u;
        }
        let out = start_service("postgres", &[], "PG_OWNER_PID");
        let url = field(&out, "HANGAR_PG_URL");
        eprintln!("PostgreSQL for this test binary: {url}");
        url
    })
}
