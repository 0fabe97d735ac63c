//! End-to-end AWS tests: the real `hangar` binary against moto on 127.0.0.1.
//!
//! moto comes from `MOTO_ENDPOINT` or is started by the harness through `.ci/moto` (see
//! `providers/aws/tests/moto`). Results are checked through `hangar` itself (state, plan exit
//! codes) and by asking moto directly over plain HTTP. Every run carries dummy credentials and
//! endpoint overrides, and turns instance metadata off, so nothing can reach real AWS.

#[path = "../../providers/aws/tests/moto/mod.rs"]
mod moto;

mod adopt;
mod checkov;
mod data_plane;
mod drift;
mod import_block;
mod migrate;
mod module;
mod module_providers;
mod render;
mod residency_holes;
mod s3;
mod torture;

use std::path::Path;
use std::process::{Command, Stdio};

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

/// The `provider "aws"` block pointing every service at moto.
pub fn provider_block(extra: &str) -> String {
    let e = &moto::moto().endpoint;
    format!(
        r#"
provider "aws" {{
  region            = "eu-central-1"
  access_key        = "test"
  secret_key        = "test"
  s3_use_path_style = true
  endpoints {{
    s3  = "{e}"
    eks = "{e}"
    sts = "{e}"
  }}
{extra}
}}
"#
    )
}

impl Work {
    pub fn new(main_tf: &str) -> Work {
        let w = Work {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        w.write("main.tf", main_tf);
        w
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).expect("write");
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hangar"));
        c.arg("-C").arg(self.dir.path()).args(args);
        c.env("NO_COLOR", "1")
            .env_remove("HANGAR_WORKSPACE")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .stdin(Stdio::null());
        let o = c.output().expect("run hangar");
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// The recorded state as JSON.
    pub fn state(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.dir.path().join("hangar.tfstate")).expect("state");
        serde_json::from_str(&text).expect("state is JSON")
    }

    /// One resource's record in the state.
    pub fn resource(&self, addr: &str) -> serde_json::Value {
        self.state()["resources"][addr].clone()
    }
}

/// Bucket names moto knows (ListBuckets over plain HTTP).
pub fn moto_buckets() -> Vec<String> {
    let (status, xml) = moto::http("GET", "/", "");
    assert_eq!(status, 200, "{xml}");
    moto::xml_values(&xml, "Name")
}
