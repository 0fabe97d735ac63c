//! Runs the GKE test server until killed, for demos and manual runs:
//! `cargo run -p hangar-testkit --example gke-server` prints
//! `GKE_ENDPOINT=http://127.0.0.1:PORT/v1/` on one line once it is listening.

use std::io::Write;

fn main() {
    let s = hangar_testkit::gke::GkeServer::start();
    println!("GKE_ENDPOINT={} GKE_PID={}", s.endpoint, std::process::id());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
