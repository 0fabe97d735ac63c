//! The plugin host end to end against Hangar's test plugin (and, where a filesystem mirror has
//! it, the real `hashicorp/aws` plugin against moto).
//!
//! This test binary is its own plugin: run with `HANGAR_TEST_PLUGIN_SERVE=1` it serves the test
//! plugin from `hangar_testkit::test_plugin` instead of running tests, so every test starts a
//! real plugin process through the same handshake Terraform's plugins use. That is why it has
//! `harness = false` (the runner is libtest-mimic, with libtest's filters and output).
#![allow(missing_docs)]

mod aws;
mod lifecycle;
mod misbehave;
mod support;

use libtest_mimic::{Arguments, Trial};

fn main() {
    hangar_testkit::test_plugin::serve_if_requested();
    let args = Arguments::from_args();
    let mut tests: Vec<Trial> = Vec::new();
    tests.extend(lifecycle::tests());
    tests.extend(misbehave::tests());
    tests.extend(aws::tests());
    libtest_mimic::run(&args, tests).exit();
}
