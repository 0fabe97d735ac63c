//! The egress log: one JSON line per request the agent sends to the control plane — when,
//! method, path and the exact body — appended and flushed *before* the request leaves, so the
//! file is a complete record of what crossed the region's boundary (InfoSec reads it).
//!
//! The bearer token is never written (it travels only in the `Authorization` header, which
//! the control client does not hand to the sink). Left out: rotation (use logrotate with
//! `copytruncate`).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One line of the egress log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EgressRecord {
    /// When it was sent (Unix milliseconds).
    pub at_ms: u64,
    /// HTTP method.
    pub method: String,
    /// Path (and query) on the control plane.
    pub path: String,
    /// The body exactly as sent (UTF-8 JSON), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// An append-only egress log file.
pub struct EgressLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl EgressLog {
    /// Opens (creating) `path` for appending. Fails when the file cannot be opened.
    pub fn open(path: &Path) -> std::io::Result<EgressLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(EgressLog {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads every record of a log file. Fails on an unreadable file or a malformed line.
    pub fn read(path: &Path) -> std::io::Result<Vec<EgressRecord>> {
        let text = std::fs::read_to_string(path)?;
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(std::io::Error::other))
            .collect()
    }
}

impl hangar_remote::control::Egress for EgressLog {
    fn sent(&self, method: &str, path: &str, body: Option<&[u8]>) -> std::io::Result<()> {
        let record = EgressRecord {
            at_ms: crate::now_ms(),
            method: method.to_string(),
            path: path.to_string(),
            body: body.map(|b| String::from_utf8_lossy(b).into_owned()),
        };
        let mut line = serde_json::to_vec(&record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut f = self
            .file
            .lock()
            .map_err(|_| std::io::Error::other("egress log lock poisoned"))?;
        f.write_all(&line)?;
        f.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hangar_remote::control::Egress;

    #[test]
    fn records_are_appended_and_read_back_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("logs/egress.log");
        let log = EgressLog::open(&path).expect("open");
        log.sent("POST", "/api/v1/agent/claim", Some(br#"{"protocol":1}"#))
            .expect("write");
        log.sent("GET", "/api/v1/whoami", None).expect("write");
        drop(log);
        let again = EgressLog::open(&path).expect("reopen");
        again
            .sent("POST", "/api/v1/agent/heartbeat", Some(b"{}"))
            .expect("write");
        let records = EgressLog::read(&path).expect("read");
        let paths: Vec<&str> = records.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/api/v1/agent/claim",
                "/api/v1/whoami",
                "/api/v1/agent/heartbeat"
            ]
        );
        assert_eq!(records[0].body.as_deref(), Some(r#"{"protocol":1}"#));
        assert_eq!(records[1].body, None);
    }
}
