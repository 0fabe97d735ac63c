//! The one harness for driving the `hangar` binary in a scratch directory.
//!
//! [`Hangar`] says which binary runs and with what environment; [`Work`] is a temporary
//! directory holding a configuration, in which [`Work::run`] runs that binary (`-C DIR`, stdin
//! closed) and returns a [`Run`]: the exit code and both streams, with assertions that print
//! both streams when they fail.
//!
//! Every run inherits the test process's environment, with `NO_COLOR=1` and without
//! `HANGAR_WORKSPACE` and `HANGAR_LOG` (a developer's shell must not change what a test sees).
//! Suites add what they need through [`Hangar`]'s options: [`Hangar::offline_aws`] for anything
//! that may construct an AWS client, [`Hangar::aws_test_keys`] where configurations carry no
//! credentials of their own, [`Hangar::env`] / [`Hangar::env_remove`] for the rest.
//!
//! The binary's path is the caller's to give: `env!("CARGO_BIN_EXE_hangar")` is set only when
//! the root package's integration tests compile, so this crate cannot look it up itself. It
//! leaves out starting emulators (see [`crate::moto`], [`crate::fake_gcs`], ...) and reading
//! anything but the state file.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Which `hangar` binary to run, and the environment every run of it gets.
#[derive(Clone, Debug)]
pub struct Hangar {
    bin: PathBuf,
    /// Set (`Some`) or removed (`None`), in order.
    env: Vec<(OsString, Option<OsString>)>,
}

impl Hangar {
    /// The binary at `bin` (a test passes `env!("CARGO_BIN_EXE_hangar")`), run with
    /// `NO_COLOR=1` and without `HANGAR_WORKSPACE` and `HANGAR_LOG`.
    pub fn new(bin: impl Into<PathBuf>) -> Hangar {
        Hangar {
            bin: bin.into(),
            env: Vec::new(),
        }
        .env("NO_COLOR", "1")
        .env_remove("HANGAR_WORKSPACE")
        .env_remove("HANGAR_LOG")
    }

    /// The binary's path.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// Sets `key` to `value` in every run.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Hangar {
        self.env
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// Removes `key` from every run's environment.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Hangar {
        self.env.push((key.as_ref().to_owned(), None));
        self
    }

    /// Nothing may reach real AWS: no instance metadata (disabled, and its endpoint a closed
    /// loopback port), no shared config, credentials files or profile, no endpoint or proxy
    /// from the developer's shell.
    pub fn offline_aws(self) -> Hangar {
        self.env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
    }

    /// Dummy static AWS keys (`test`/`test`), for suites whose configurations carry none.
    pub fn aws_test_keys(self) -> Hangar {
        self.env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
    }

    /// A command for the binary with this environment and stdin closed; arguments are the
    /// caller's.
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        for (key, value) in &self.env {
            match value {
                Some(v) => c.env(key, v),
                None => c.env_remove(key),
            };
        }
        c.stdin(Stdio::null());
        c
    }

    /// A fresh scratch directory whose runs use this binary and environment.
    ///
    /// # Panics
    /// When no temporary directory can be created.
    pub fn work(&self) -> Work {
        let root = tempfile::tempdir().expect("create a temporary directory");
        Work {
            dir: root.path().to_path_buf(),
            root,
            hangar: self.clone(),
            extra_env: Vec::new(),
        }
    }

    /// Like [`Hangar::work`], with the configuration in the subdirectory `sub` of the scratch
    /// directory, leaving room beside it (for mirrors, a private `HOME`, ...).
    ///
    /// # Panics
    /// When the directories cannot be created.
    pub fn work_in(&self, sub: &str) -> Work {
        let mut w = self.work();
        w.dir = w.root.path().join(sub);
        std::fs::create_dir_all(&w.dir).expect("create the configuration directory");
        w
    }
}

/// A temporary directory holding a configuration, removed when dropped.
pub struct Work {
    root: tempfile::TempDir,
    dir: PathBuf,
    hangar: Hangar,
    /// Environment for every later run, set after the harness's own; a test may change it
    /// between runs.
    pub extra_env: Vec<(String, String)>,
}

impl Work {
    /// Sets `key` to `value` in every run (part of the set-up; see also
    /// [`Work::extra_env`]).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Work {
        self.hangar = self.hangar.env(key, value);
        self
    }

    /// Writes `text` to `name` (relative to the configuration directory).
    pub fn file(self, name: &str, text: &str) -> Work {
        self.write(name, text);
        self
    }

    /// Writes every `(name, text)`.
    pub fn files(self, files: &[(&str, &str)]) -> Work {
        for (name, text) in files {
            self.write(name, text);
        }
        self
    }

    /// The scratch directory (the configuration directory or its parent).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The configuration directory, where runs happen (`hangar -C`).
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The binary and environment runs use.
    pub fn hangar(&self) -> &Hangar {
        &self.hangar
    }

    /// Writes `text` to `name` in the configuration directory, creating parent directories.
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn write(&self, name: &str, text: &str) {
        let p = self.dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    }

    /// The text of `name` in the configuration directory.
    ///
    /// # Panics
    /// When the file cannot be read.
    pub fn read(&self, name: &str) -> String {
        let p = self.dir.join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    /// The command [`Work::run`] runs: `hangar -C DIR ARGS...` with the environment, for a
    /// test that needs to spawn it or add to it.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.hangar.command();
        c.arg("-C").arg(&self.dir).args(args);
        for (key, value) in &self.extra_env {
            c.env(key, value);
        }
        c
    }

    /// Runs `hangar -C DIR ARGS...` to completion.
    ///
    /// # Panics
    /// When the binary cannot be started.
    pub fn run(&self, args: &[&str]) -> Run {
        self.output(self.cmd(args))
    }

    /// Like [`Work::run`], with `env` set for this run only.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.cmd(args);
        c.envs(env.iter().copied());
        self.output(c)
    }

    fn output(&self, mut c: Command) -> Run {
        let o = c
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", self.hangar.bin.display()));
        Run::from(o)
    }

    /// The recorded state as JSON: `hangar.tfstate`, or else the first workspace's under
    /// `hangar.tfstate.d/`.
    ///
    /// # Panics
    /// When there is no state file or it is not JSON.
    pub fn state(&self) -> serde_json::Value {
        let default = self.dir.join("hangar.tfstate");
        let p = if default.exists() {
            default
        } else {
            first_workspace_state(&self.dir.join("hangar.tfstate.d")).unwrap_or(default)
        };
        let text =
            std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()))
    }

    /// The recorded instance at `addr`, if any.
    pub fn instance(&self, addr: &str) -> Option<serde_json::Value> {
        self.state()["resources"].get(addr).cloned()
    }

    /// The recorded instance at `addr`.
    ///
    /// # Panics
    /// When the state has no instance there.
    pub fn resource(&self, addr: &str) -> serde_json::Value {
        let state = self.state();
        match state["resources"].get(addr) {
            Some(r) => r.clone(),
            None => panic!("no {addr} in state:\n{state:#}"),
        }
    }

    /// Waits until `file` exists in the configuration directory (a run has reached that
    /// point).
    ///
    /// # Panics
    /// When it has not appeared after `timeout`.
    pub fn wait_for(&self, file: &str, timeout: Duration) {
        let start = Instant::now();
        while !self.dir.join(file).exists() {
            assert!(start.elapsed() < timeout, "{file} never appeared");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `file` in the configuration directory contains `text` (a run has journaled
    /// that far).
    ///
    /// # Panics
    /// When it does not after `timeout`.
    pub fn wait_for_text(&self, file: &str, text: &str, timeout: Duration) {
        let start = Instant::now();
        while !std::fs::read_to_string(self.dir.join(file))
            .unwrap_or_default()
            .contains(text)
        {
            assert!(start.elapsed() < timeout, "{file} never held {text:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn first_workspace_state(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path().join("hangar.tfstate"))
        .find(|p| p.exists())
}

/// What one run of the binary printed and returned.
#[derive(Clone, Debug)]
pub struct Run {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Fails the test, showing both streams, unless the exit code is `code`.
    #[track_caller]
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// [`Run::expect`] exit code 0.
    #[track_caller]
    pub fn ok(self) -> Run {
        self.expect(0)
    }

    /// [`Run::expect`] exit code 1, the code of every error.
    #[track_caller]
    pub fn fails(self) -> Run {
        self.expect(1)
    }

    /// Both streams, for messages.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The columns after the address in `hangar residency`'s row for `addr` (cloud, declared,
    /// observed, verdict), joined by single spaces; fails the test when there is no such row.
    #[track_caller]
    pub fn residency_row(&self, addr: &str) -> String {
        let line = self
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("{addr} ")))
            .unwrap_or_else(|| panic!("no row for {addr} in\n{}", self.stdout));
        line.split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GNU `env -C DIR CMD...` runs CMD in DIR, as `hangar -C DIR` does: a stand-in binary
    /// that shows what a run gets.
    fn env_as_hangar() -> Hangar {
        Hangar::new("env")
            .env("KEPT", "yes")
            .env("DROPPED", "no")
            .env_remove("DROPPED")
    }

    const SHOW: &str = "pwd; cat main.tf; echo \"$NO_COLOR ${KEPT-unset} ${DROPPED-unset} ${EXTRA-unset}\"; echo oops >&2; exit 3";

    #[test]
    fn a_run_happens_in_the_configuration_directory_with_the_environment() {
        let mut w = env_as_hangar().work_in("cfg").file("main.tf", "# config\n");
        assert_eq!(w.path(), w.root().join("cfg"));
        let r = w.run(&["sh", "-c", SHOW]).expect(3);
        let dir = w.path().display();
        assert_eq!(r.stdout, format!("{dir}\n# config\n1 yes unset unset\n"));
        assert_eq!(r.stderr, "oops\n");
        assert_eq!(r.all(), format!("{}\n{}", r.stdout, r.stderr));

        let r = w.run_env(&["sh", "-c", SHOW], &[("EXTRA", "once")]);
        assert!(r.stdout.ends_with("1 yes unset once\n"), "{}", r.stdout);
        w.extra_env.push(("EXTRA".into(), "always".into()));
        let r = w.run(&["sh", "-c", SHOW]);
        assert!(r.stdout.ends_with("1 yes unset always\n"), "{}", r.stdout);
        w.extra_env.clear();
        let r = w.run(&["sh", "-c", SHOW]);
        assert!(r.stdout.ends_with("1 yes unset unset\n"), "{}", r.stdout);
    }

    #[test]
    #[should_panic(expected = "--- stdout\nsaid\n\n--- stderr\ncomplained\n")]
    fn a_wrong_exit_code_shows_both_streams() {
        let w = env_as_hangar().work();
        w.run(&["sh", "-c", "echo said; echo complained >&2; exit 1"])
            .ok();
    }

    #[test]
    fn ok_and_fails_mean_exit_codes_0_and_1() {
        let w = env_as_hangar().work();
        assert_eq!(w.run(&["true"]).ok().code, 0);
        assert_eq!(w.run(&["false"]).fails().code, 1);
    }

    #[test]
    fn state_is_the_default_file_or_else_a_workspace_state() {
        let w = env_as_hangar().work();
        w.write(
            "hangar.tfstate.d/eu/hangar.tfstate",
            r#"{"resources": {"terraform_data.a": {"id": "eu"}}}"#,
        );
        assert_eq!(w.resource("terraform_data.a")["id"], "eu");
        assert_eq!(w.instance("terraform_data.b"), None);
        w.write(
            "hangar.tfstate",
            r#"{"resources": {"terraform_data.a": {"id": "default"}}}"#,
        );
        assert_eq!(w.state()["resources"]["terraform_data.a"]["id"], "default");
    }

    #[test]
    #[should_panic(expected = "no terraform_data.b in state")]
    fn a_missing_resource_is_named() {
        let w = env_as_hangar()
            .work()
            .file("hangar.tfstate", r#"{"resources": {}}"#);
        w.resource("terraform_data.b");
    }
}
