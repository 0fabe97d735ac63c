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
mod aws_data_plane;
mod blocks;
mod install_remote;
mod lifecycle;
mod misbehave;
mod mixed;
mod parallel;
mod registry_modules;
mod residency;

use std::path::{Path, PathBuf};

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
    tests.extend(mixed::tests());
    tests.extend(parallel::tests());
    tests.extend(aws::tests());
    tests.extend(aws_data_plane::tests());
    libtest_mimic::run(&args, tests).exit();
}

/// A test body as a trial.
pub fn trial(name: &str, f: fn()) -> Trial {
    Trial::test(name, move || {
        f();
        Ok(())
    })
}

pub use hangar_testkit::work::{Hangar, Run, Work};

/// A scratch directory with the configuration `main_tf` in `work/`, and beside it a filesystem
/// mirror holding the test plugin, a CLI configuration naming that mirror, and private
/// `HOME`/cache/plugin-object directories. Runs carry dummy AWS credentials and cannot reach
/// real AWS.
pub fn work(main_tf: &str) -> Work {
    let w = Hangar::new(env!("CARGO_BIN_EXE_hangar"))
        .offline_aws()
        .aws_test_keys()
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .env_remove(hangar_testkit::test_plugin::SERVE_ENV)
        .env(MODE_ENV, "")
        .work_in("work");
    let root = w.root().to_path_buf();
    for d in ["mirror", "home", "cache", "objects"] {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    let exe = std::env::current_exe().expect("current exe");
    mirror::write(&root.join("mirror"), &exe, "1.0.0").expect("mirror");
    mirror::cli_config(&root.join("terraformrc"), &[&root.join("mirror")]).expect("cli config");
    w.env("TF_CLI_CONFIG_FILE", root.join("terraformrc"))
        .env("HOME", root.join("home"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env(STATE_ENV, root.join("objects"))
        .file("main.tf", main_tf)
}

/// The directories [`work`] sets up beside the configuration.
pub trait PluginDirs {
    /// The filesystem mirror.
    fn mirror(&self) -> PathBuf;
    /// Where the test plugin keeps its objects (one file per object).
    fn objects(&self) -> PathBuf;
    /// The test plugin's object files of type `t`.
    fn objects_of(&self, t: &str) -> Vec<PathBuf>;
    /// Makes the CLI configuration use `extra` too, after the test plugin's mirror.
    fn add_mirror(&self, extra: &Path);
    /// A plan that would create `n` resources (and nothing else), then the apply that does.
    fn create_all(&self, n: usize);
    /// Replaces the CLI configuration (`TF_CLI_CONFIG_FILE`) with `text`.
    fn set_cli_config(&self, text: &str);
}

impl PluginDirs for Work {
    fn mirror(&self) -> PathBuf {
        self.root().join("mirror")
    }

    fn objects(&self) -> PathBuf {
        self.root().join("objects")
    }

    fn objects_of(&self, t: &str) -> Vec<PathBuf> {
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

    fn add_mirror(&self, extra: &Path) {
        mirror::cli_config(&self.root().join("terraformrc"), &[&self.mirror(), extra])
            .expect("cli config");
    }

    fn set_cli_config(&self, text: &str) {
        std::fs::write(self.root().join("terraformrc"), text).expect("cli config");
    }

    fn create_all(&self, n: usize) {
        let r = self.run(&["plan", "-detailed-exitcode"]).expect(2);
        let want = format!("Plan: {n} to add, 0 to change, 0 to destroy.");
        assert!(r.stdout.contains(&want), "missing {want:?} in\n{}", r.all());
        let r = self.run(&["apply", "-auto-approve"]).expect(0);
        let want = format!("Apply complete! Resources: {n} added, 0 changed, 0 destroyed.");
        assert!(r.stdout.contains(&want), "missing {want:?} in\n{}", r.all());
    }
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
