//! End-to-end AWS tests: the real `hangar` binary against moto on 127.0.0.1.
//!
//! moto comes from `MOTO_ENDPOINT` or is started by the harness through `.ci/moto` (see
//! `hangar_testkit::moto`). Results are checked through `hangar` itself (state, plan exit
//! codes) and by asking moto directly over plain HTTP. Every run carries dummy credentials and
//! endpoint overrides, and turns instance metadata off, so nothing can reach real AWS.

use hangar_testkit::moto;

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

pub use hangar_testkit::work::{Hangar, Run, Work};

/// The binary, with no way to reach real AWS (configurations carry moto's credentials).
pub fn hangar() -> Hangar {
    Hangar::new(env!("CARGO_BIN_EXE_hangar")).offline_aws()
}

/// A scratch directory holding `main_tf`.
pub fn work(main_tf: &str) -> Work {
    hangar().work().file("main.tf", main_tf)
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

/// Bucket names moto knows (ListBuckets over plain HTTP).
pub fn moto_buckets() -> Vec<String> {
    let (status, xml) = moto::http("GET", "/", "");
    assert_eq!(status, 200, "{xml}");
    moto::xml_values(&xml, "Name")
}
