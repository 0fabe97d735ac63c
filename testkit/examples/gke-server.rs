//! Runs the GKE test server until killed, for demos and manual runs:
//! `cargo run -p hangar-testkit --example gke-server` prints
//! `GKE_ENDPOINT=http://127.0.0.1:PORT/v1/` on one line once it is listening. With `KUBE_API`
//! set (a Kubernetes API test server's `https://127.0.0.1:PORT`), clusters report it as their
//! endpoint, with its test CA.

use std::io::Write;

fn main() {
    let s = match std::env::var("KUBE_API").ok().filter(|k| !k.is_empty()) {
        Some(kube) => hangar_testkit::gke::GkeServer::start_with_kubernetes_api(&kube),
        None => hangar_testkit::gke::GkeServer::start(),
    };
    println!("GKE_ENDPOINT={} GKE_PID={}", s.endpoint, std::process::id());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
