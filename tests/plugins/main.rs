//! Provider plugins through the `hangar` binary: `init` finds the test plugin in a filesystem
//! mirror (or downloads it from the test support code's HTTPS registry and network mirror on
//! 127.0.0.1) and locks it, then `plan`, `apply`, re-plan, drift and `destroy` drive it beside a
//! native resource; residency for plugin resources; a misbehaving plugin; and, where a mirror
//! holds it, the real `hashicorp/aws` plugin against moto.
//!
//! This test binary is its own plugin: the mirror's package is a script that runs it with
//! `HANGAR_TEST_PLUGIN_SERVE=1`, so it serves the test plugin from
//! `hangar_testkit::test_plugin` instead of running tests (hence `harness = false` and
//! libtest-mimic). Every run gets its own `HOME`, `XDG_CACHE_HOME` and CLI configuration, so
//! nothing outside the temporary directories is read or written.
#![allow(missing_docs)]

use hangar_testkit::moto;

mod aws;
mod blocks;
mod install_remote;
mod lifecycle;
mod misbehave;
mod registry_modules;
mod residency;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hangar_testkit::test_plugin::{mirror, MODE_ENV, STATE_ENV};
use libtest_mimic::{Arguments, Trial};

fn main() {
    hangar_testkit::test_plugin::serve_if_requested();
    let args = Arguments::from_args();
    let mut tests: Vec<Trial> = Vec::new();
    tests.extend(lifecycle::tests());
    tests.extend(residency::tests());
    tests.extend(blocks::tests());
    tests.extend(registry_modules::tests());
    tests.extend(install_remote::tests());
    tests.extend(misbehave::tests());
    tests.extend(aws::tests());
    libtest_mimic::run(&args, tests).exit();
}

/// A test body as a trial.
pub fn trial(name: &str, f: fn()) -> Trial {
    Trial::test(name, move || {
        f();
        Ok(())
    })
}

/// What one run of the binary printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
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

    /// Both streams, for messages.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A working directory with a configuration, a filesystem mirror holding the test plugin, a CLI
/// configuration naming that mirror, and private `HOME`/cache/plugin-object directories.
pub struct Work {
    root: tempfile::TempDir,
    /// Extra environment for every run.
    pub env: Vec<(String, String)>,
}

impl Work {
    pub fn new(main_tf: &str) -> Work {
        let root = tempfile::tempdir().expect("tempdir");
        for d in ["work", "mirror", "home", "cache", "objects"] {
            std::fs::create_dir_all(root.path().join(d)).expect("mkdir");
        }
        let exe = std::env::current_exe().expect("current exe");
        mirror::write(&root.path().join("mirror"), &exe, "1.0.0").expect("mirror");
        mirror::cli_config(
            &root.path().join("terraformrc"),
            &[&root.path().join("mirror")],
        )
        .expect("cli config");
        let w = Work {
            root,
            env: Vec::new(),
        };
        w.write("main.tf", main_tf);
        w
    }

    /// The configuration directory.
    pub fn path(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// Makes the CLI configuration use `extra` too, after the test plugin's mirror.
    pub fn add_mirror(&self, extra: &Path) {
        mirror::cli_config(
            &self.root.path().join("terraformrc"),
            &[&self.mirror(), extra],
        )
        .expect("cli config");
    }

    /// Replaces the CLI configuration (`TF_CLI_CONFIG_FILE`) with `text`.
    pub fn set_cli_config(&self, text: &str) {
        std::fs::write(self.root.path().join("terraformrc"), text).expect("cli config");
    }

    /// The filesystem mirror.
    pub fn mirror(&self) -> PathBuf {
        self.root.path().join("mirror")
    }

    /// Where the test plugin keeps its objects (one file per object).
    pub fn objects(&self) -> PathBuf {
        self.root.path().join("objects")
    }

    /// The test plugin's object files of type `t`.
    pub fn objects_of(&self, t: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![self.objects()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    if !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(".hangar-test-plugin"))
                    {
                        stack.push(p);
                    }
                } else if p.to_string_lossy().contains(t) {
                    out.push(p);
                }
            }
        }
        out
    }

    pub fn write(&self, name: &str, text: &str) {
        let p = self.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).expect("read")
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hangar"));
        c.arg("-C").arg(self.path()).args(args);
        c.env("NO_COLOR", "1")
            .env_remove("HANGAR_WORKSPACE")
            .env_remove("HANGAR_LOG")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove(hangar_testkit::test_plugin::SERVE_ENV)
            .env("TF_CLI_CONFIG_FILE", self.root.path().join("terraformrc"))
            .env("HOME", self.root.path().join("home"))
            .env("XDG_CACHE_HOME", self.root.path().join("cache"))
            .env(STATE_ENV, self.objects())
            .env(MODE_ENV, "")
            .stdin(Stdio::null());
        // Nothing may reach real AWS: dummy credentials, no instance metadata, no profiles.
        c.env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let o = self.cmd(args).output().expect("run hangar");
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// The recorded state as JSON (`hangar.tfstate`, or a named workspace's).
    pub fn state(&self) -> serde_json::Value {
        let p = self.path().join("hangar.tfstate");
        let p = if p.exists() {
            p
        } else {
            first_state(&self.path().join("hangar.tfstate.d")).expect("a state file")
        };
        serde_json::from_str(&std::fs::read_to_string(p).expect("read state")).expect("JSON")
    }

    /// The recorded instance at `addr`, if any.
    pub fn instance(&self, addr: &str) -> Option<serde_json::Value> {
        self.state()["resources"].get(addr).cloned()
    }
}

fn first_state(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path().join("hangar.tfstate"))
        .find(|p| p.exists())
}

/// The `terraform { required_providers }` block for the test plugin.
pub const REQUIRED: &str = r#"
terraform {
  required_providers {
    hangartest = {
      source  = "hangar/hangartest"
      version = "~> 1.0"
    }
  }
}
"#;
