//! Integration tests: the real `hangar` binary in temporary directories.
//!
//! One module per feature; all share the [`Work`] harness below.

mod diagnostics;
mod encryption;
mod errors;
mod first_hour;
mod json_syntax;
mod lifecycle;
mod locking;
mod logging;
mod migrate;
mod module_docs;
mod modules;
mod plan_files;
mod plan_json;
mod robustness;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary working directory with a configuration in it.
pub struct Work {
    dir: tempfile::TempDir,
}

/// What one run of the binary printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Fails the test with both streams unless the exit code is `code`.
    #[track_caller]
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hangar"))
}

impl Work {
    pub fn new(files: &[(&str, &str)]) -> Work {
        let w = Work {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        for (name, text) in files {
            w.write(name, text);
        }
        w
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).expect("read")
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("-C").arg(self.dir.path()).args(args);
        c.env("NO_COLOR", "1")
            .env_remove("HANGAR_WORKSPACE")
            .env_remove("HANGAR_LOG")
            .stdin(Stdio::null());
        // Nothing may reach real AWS: dummy credentials, no instance metadata, no profiles.
        c.env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE");
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd(args).output().expect("run hangar"))
    }

    /// The recorded state as JSON.
    pub fn state(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("hangar.tfstate")).expect("state is JSON")
    }
}

/// Waits until `file` exists in the work directory (a run has reached that point).
pub fn wait_for(w: &Work, file: &str, timeout: std::time::Duration) {
    let start = std::time::Instant::now();
    while !w.path().join(file).exists() {
        assert!(start.elapsed() < timeout, "{file} never appeared");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
