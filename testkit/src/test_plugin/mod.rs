//! A small Terraform provider plugin written in Rust, serving plugin protocol 6 (and 5) the way
//! go-plugin does, for tests of Hangar's plugin host on every machine.
//!
//! Provider `hangartest` with resources `hangartest_thing` (computed `id`/`arn`, an optional
//! and computed `size`, a sensitive `secret`, replace-forcing `name` and `region`, a `rule`
//! list block with computed and defaulted attributes, a `settings` single block, and in
//! protocol 6 the nested attribute `endpoints`) and `hangartest_slow` (a create that sleeps
//! `delay_ms`), and the data source `hangartest_lookup` (finds a thing by name). Objects live in
//! files under `HANGAR_TEST_PLUGIN_STATE` (one per object) so they outlive a plugin process,
//! can be imported, and can be deleted out of band to make drift.
//!
//! `HANGAR_TEST_PLUGIN_MODE` selects misbehaviour: `bad-handshake`, `wrong-version`,
//! `hang-on-start`, `exit-on-start`, `crash-on-apply` (or `crash-on-apply:NAME`, only for
//! the object called NAME), `hang-on-apply`, `hang-on-plan`, `bad-value` (apply answers a value
//! that does not match the schema), `v5-only`. Test binaries built with `harness = false` call
//! [`serve_if_requested`] first so they can run themselves as the plugin
//! (`HANGAR_TEST_PLUGIN_SERVE=1`).

pub mod mirror;
mod provider;
mod schema;

use std::sync::Arc;
use std::time::Duration;

use hangar_provider_plugin::handshake::{self, Address};
use hangar_provider_plugin::proto::{tfplugin5, tfplugin6};
use hangar_provider_plugin::tls;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;

pub use provider::TestProvider;

/// Environment variable that makes [`serve_if_requested`] serve.
pub const SERVE_ENV: &str = "HANGAR_TEST_PLUGIN_SERVE";
/// Environment variable selecting a misbehaviour.
pub const MODE_ENV: &str = "HANGAR_TEST_PLUGIN_MODE";
/// Environment variable naming the directory objects are kept in.
pub const STATE_ENV: &str = "HANGAR_TEST_PLUGIN_STATE";

/// Serves as the plugin and exits when `HANGAR_TEST_PLUGIN_SERVE` is set; returns otherwise.
pub fn serve_if_requested() {
    if std::env::var_os(SERVE_ENV).is_some() {
        main();
        std::process::exit(0);
    }
}

/// Runs the plugin: checks the magic cookie, prints the handshake and serves until told to
/// shut down.
pub fn main() {
    if std::env::var(handshake::MAGIC_COOKIE_KEY).as_deref() != Ok(handshake::MAGIC_COOKIE_VALUE) {
        eprintln!(
            "This binary is a plugin. These are not meant to be executed directly.\n\
             Please execute the program that consumes these plugins, which will\n\
             load any plugins automatically"
        );
        std::process::exit(1);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("test plugin: cannot start a runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(serve()) {
        eprintln!("test plugin: {e}");
        std::process::exit(1);
    }
}

fn mode() -> String {
    std::env::var(MODE_ENV).unwrap_or_default()
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let mode = mode();
    match mode.as_str() {
        "bad-handshake" => {
            println!("hello from a plugin that does not speak go-plugin");
            tokio::time::sleep(Duration::from_secs(600)).await;
            return Ok(());
        }
        "hang-on-start" => {
            eprintln!("test plugin: hanging before the handshake");
            tokio::time::sleep(Duration::from_secs(600)).await;
            return Ok(());
        }
        "exit-on-start" => {
            eprintln!("fatal: test plugin refuses to start");
            std::process::exit(3);
        }
        _ => {}
    }
    let offered: Vec<u32> = std::env::var(handshake::PROTOCOL_VERSIONS_KEY)
        .unwrap_or_default()
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let mine: &[u32] = if mode == "v5-only" { &[5] } else { &[6, 5] };
    let Some(protocol) = mine.iter().copied().find(|v| offered.contains(v)) else {
        return Err(format!("no common protocol version in {offered:?}").into());
    };
    let protocol = if mode == "wrong-version" { 4 } else { protocol };

    // The socket lives beside the objects when tests give a directory (removed with it), else
    // in the system's temporary directory.
    let base = std::env::var_os(STATE_ENV)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!(".hangar-test-plugin-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sock = dir.join("plugin.sock");
    let listener = tokio::net::UnixListener::bind(&sock)?;
    let tls_cfg = match std::env::var(handshake::CLIENT_CERT_KEY) {
        Ok(pem) if !pem.is_empty() => {
            let client = tls::pem_to_der(&pem)?;
            let me = tls::generate_identity()?;
            let cfg = tls::server_config(&me, client)?;
            Some((Arc::new(cfg), me.cert_der))
        }
        _ => None,
    };
    println!(
        "{}",
        handshake::format(
            protocol,
            &Address::Unix(sock.to_string_lossy().into_owned()),
            tls_cfg.as_ref().map(|(_, c)| c.as_slice())
        )
    );
    let state = std::env::var_os(STATE_ENV)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.join("objects"));

    let p = TestProvider::new(state, mode, protocol);
    let v6 = tfplugin6::provider_server::ProviderServer::new(p.clone());
    let v5 = tfplugin5::provider_server::ProviderServer::new(p);
    let acceptor = tls_cfg.map(|(cfg, _)| tokio_rustls::TlsAcceptor::from(cfg));
    loop {
        let (stream, _) = listener.accept().await?;
        let (acceptor, v5, v6) = (acceptor.clone(), v5.clone(), v6.clone());
        let dir = dir.clone();
        tokio::spawn(async move {
            let svc = TowerToHyperService::new(tower::service_fn(move |req: Req| {
                route(req, v5.clone(), v6.clone(), protocol, dir.clone())
            }));
            let builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
            let res = match acceptor {
                Some(a) => match a.accept(stream).await {
                    Ok(s) => builder.serve_connection(TokioIo::new(s), svc).await,
                    Err(e) => {
                        eprintln!("test plugin: TLS handshake failed: {e}");
                        return;
                    }
                },
                None => builder.serve_connection(TokioIo::new(stream), svc).await,
            };
            if let Err(e) = res {
                eprintln!("test plugin: connection ended: {e}");
            }
        });
    }
}

type Req = hyper::Request<hyper::body::Incoming>;
type Resp = hyper::Response<tonic::body::Body>;

/// Routes go-plugin's controller `Shutdown` (exit) and everything else to the protocol's server.
async fn route(
    req: Req,
    mut v5: tfplugin5::provider_server::ProviderServer<TestProvider>,
    mut v6: tfplugin6::provider_server::ProviderServer<TestProvider>,
    protocol: u32,
    dir: std::path::PathBuf,
) -> Result<Resp, std::convert::Infallible> {
    use tonic::codegen::Service;
    if req.uri().path() == "/plugin.GRPCController/Shutdown" {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = std::fs::remove_dir_all(&dir);
            std::process::exit(0);
        });
        let resp = hyper::Response::builder()
            .header("content-type", "application/grpc")
            .header("grpc-status", "0")
            .body(tonic::body::Body::empty())
            .unwrap_or_default();
        return Ok(resp);
    }
    if protocol == 5 {
        v5.call(req).await
    } else {
        v6.call(req).await
    }
}
