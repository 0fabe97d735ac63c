//! Integration tests: the real `hangar` binary in temporary directories.
//!
//! One module per feature; all share `hangar_testkit::work` through [`work`].

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

use std::path::PathBuf;

pub use hangar_testkit::work::{Hangar, Run, Work};

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hangar"))
}

/// The binary with dummy AWS credentials and no way to reach real AWS.
pub fn hangar() -> Hangar {
    Hangar::new(bin()).offline_aws().aws_test_keys()
}

/// A scratch directory holding `files`.
pub fn work(files: &[(&str, &str)]) -> Work {
    hangar().work().files(files)
}
