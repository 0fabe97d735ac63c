//! Hangar's test support, shared by every test binary (as jj has `lib/testutils`).
//!
//! It owns what tests need and production code must never contain: harnesses that run the
//! `hangar` binary in a scratch directory, control of local emulators (started on 127.0.0.1
//! and stopped by PID), and small HTTP servers that follow documented cloud API shapes where no
//! emulator exists. It is a dev-dependency only: no library crate of Hangar depends on it.
//!
//! - [`work`]: the one harness that runs the `hangar` binary in a scratch directory.
//! - [`fake_gcs`]: fake-gcs-server, the GCS emulator, through `.ci/fake-gcs`.
//! - [`gke`]: a GKE (container.googleapis.com) test server.
//! - [`module_registry`]: a Terraform module registry over HTTPS, for registry module sources.
//! - [`test_plugin`]: a Terraform plugin-protocol provider built for tests, and its mirror.
//! - [`moto`]: moto, the AWS emulator, through `.ci/moto`; [`http`]: one blocking loopback
//!   HTTP client for asking emulators directly.
//! - [`azurite`]: Azurite, the Azure Blob Storage emulator, through `.ci/azurite`.
//! - [`arm`]: an Azure Resource Manager and Entra ID token endpoint test server.
//! - [`lifecycle`]: the shared provider lifecycle suite every resource type runs.
//! - [`state_conformance`]: the shared suite every state backend passes.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arm;
pub mod azurite;
pub mod fake_gcs;
pub mod gke;
pub mod http;
pub mod https_server;
pub mod kube;
pub mod lifecycle;
pub mod module_registry;
pub mod moto;
pub mod provider_registry;
pub mod state_conformance;
pub mod test_plugin;
pub mod work;

use std::path::PathBuf;

/// The repository root (the directory holding `.ci/`).
pub fn repo_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        if dir.join(".ci").is_dir() {
            return dir;
        }
        assert!(
            dir.pop(),
            ".ci not found above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
}
