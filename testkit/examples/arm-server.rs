//! Runs the ARM test server for the demo until the process is stopped (by its PID).
//!
//! Prints `ARM_ENDPOINT=... ARM_SUBSCRIPTION_ID=... ARM_TENANT_ID=... ARM_CLIENT_ID=...
//! ARM_CLIENT_SECRET=...` on one line. With `AZURITE_ENDPOINT` set, storage accounts report
//! their blob endpoint there (path-style); with `KUBE_API` set (a Kubernetes API test server's
//! `https://127.0.0.1:PORT`), AKS clusters' credentials name it, with its test CA.

use std::io::Write;

use hangar_testkit::arm::{ArmConfig, ArmServer};

fn main() {
    let config = ArmConfig {
        blob_endpoint: std::env::var("AZURITE_ENDPOINT")
            .ok()
            .filter(|e| !e.is_empty()),
        kube_api: std::env::var("KUBE_API").ok().filter(|k| !k.is_empty()),
        ..ArmConfig::default()
    };
    let server = ArmServer::start_blocking(config);
    let c = &server.config;
    println!(
        "ARM_ENDPOINT={} ARM_SUBSCRIPTION_ID={} ARM_TENANT_ID={} ARM_CLIENT_ID={} ARM_CLIENT_SECRET={}",
        server.endpoint, c.subscription_id, c.tenant_id, c.client_id, c.client_secret
    );
    let _ = std::io::stdout().flush();
    // Serve until stopped by PID; the server thread does the work.
    loop {
        std::thread::park();
    }
}
