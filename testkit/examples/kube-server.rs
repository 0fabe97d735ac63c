//! Runs the Kubernetes test server until killed, for demos and manual runs:
//!
//! ```sh
//! cargo run -p hangar-testkit --example kube-server [-- --tls] [-- --token TOKEN]
//! ```
//!
//! Prints one line once it is listening:
//! `KUBE_ENDPOINT=http://127.0.0.1:PORT KUBE_TOKEN=... KUBE_PID=...` (and `KUBE_CA=PATH` with
//! `--tls`, the test CA to trust).

use std::io::Write;

fn main() {
    let mut opts = hangar_testkit::kube::KubeOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--tls" => opts.tls = true,
            "--token" => opts.admin_token = args.next(),
            other => {
                eprintln!("usage: kube-server [--tls] [--token TOKEN] (unknown {other:?})");
                std::process::exit(2);
            }
        }
    }
    let s = hangar_testkit::kube::KubeServer::start(opts);
    let ca = match &s.ca_pem {
        Some(_) => format!(
            " KUBE_CA={}/fixtures/kube-tls/ca.pem",
            env!("CARGO_MANIFEST_DIR")
        ),
        None => String::new(),
    };
    println!(
        "KUBE_ENDPOINT={} KUBE_TOKEN={} KUBE_PID={}{ca}",
        s.endpoint,
        s.admin_token,
        std::process::id()
    );
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
