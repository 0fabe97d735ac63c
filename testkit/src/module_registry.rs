//! A small Terraform module registry over HTTPS on 127.0.0.1, following the documented module
//! registry protocol: service discovery (`/.well-known/terraform.json` → `modules.v1`),
//! `GET /v1/modules/NAMESPACE/NAME/PROVIDER/versions` and
//! `GET /v1/modules/NAMESPACE/NAME/PROVIDER/VERSION/download` (204 with `X-Terraform-Get`).
//!
//! Its certificate is a fresh self-signed one for `localhost` and `127.0.0.1`; clients trust it
//! through [`ModuleRegistry::ca_file`] (`SSL_CERT_FILE`). Every request path is recorded. Leaves
//! out search, listing and authentication.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;

/// One module the registry serves: its versions, each with the address of its code.
#[derive(Debug, Clone, Default)]
pub struct Module {
    /// `X-Terraform-Get` value by version.
    pub versions: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Discovery {
    #[serde(rename = "modules.v1")]
    modules_v1: String,
}

#[derive(Serialize)]
struct VersionsDoc {
    modules: Vec<ModuleVersions>,
}

#[derive(Serialize)]
struct ModuleVersions {
    versions: Vec<VersionEntry>,
}

#[derive(Serialize)]
struct VersionEntry {
    version: String,
}

struct Shared {
    modules: BTreeMap<String, Module>,
    log: Mutex<Vec<String>>,
}

/// A running registry; stopped when dropped.
pub struct ModuleRegistry {
    /// `localhost:PORT`: the host part of module sources.
    pub host: String,
    ca: tempfile_path::Holder,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

mod tempfile_path {
    /// A file removed when dropped.
    pub struct Holder(pub std::path::PathBuf);
    impl Drop for Holder {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

impl ModuleRegistry {
    /// Starts a registry serving `modules` (keyed `NAMESPACE/NAME/PROVIDER`) on a free port.
    ///
    /// Panics when the port, certificate or thread cannot be had (test support).
    pub fn start(modules: BTreeMap<String, Module>) -> ModuleRegistry {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .expect("params");
        let cert = params.self_signed(&key).expect("certificate");
        let ca = std::env::temp_dir().join(format!(
            "hangar-module-registry-{}-{:x}.pem",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::write(&ca, cert.pem()).expect("write the certificate");
        let tls = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("address").port();
        let shared = Arc::new(Shared {
            modules,
            log: Mutex::new(Vec::new()),
        });
        let (tx, rx) = tokio::sync::oneshot::channel();
        let kept = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("module-registry".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(serve(kept, listener, acceptor, rx));
            })
            .expect("spawn the module registry");
        ModuleRegistry {
            host: format!("localhost:{port}"),
            ca: tempfile_path::Holder(ca),
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// The PEM file of the registry's certificate, for `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> PathBuf {
        self.ca.0.clone()
    }

    /// Every request path served so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.shared
            .log
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }
}

impl Drop for ModuleRegistry {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(
    shared: Arc<Shared>,
    listener: std::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let (shared, acceptor) = (Arc::clone(&shared), acceptor.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else { return };
                    let svc = service_fn(move |req| {
                        let shared = Arc::clone(&shared);
                        async move { Ok::<_, Infallible>(handle(&shared, req)) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), svc)
                        .await;
                });
            }
        }
    }
}

type Reply = Response<Full<Bytes>>;

fn json<T: Serialize>(body: &T) -> Reply {
    Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            serde_json::to_vec(body).unwrap_or_default(),
        )))
        .unwrap_or_default()
}

fn status(code: StatusCode) -> Reply {
    Response::builder()
        .status(code)
        .body(Full::new(Bytes::from_static(
            b"{\"errors\":[\"not found\"]}",
        )))
        .unwrap_or_default()
}

fn handle(shared: &Shared, req: Request<hyper::body::Incoming>) -> Reply {
    let path = req.uri().path().to_string();
    if let Ok(mut l) = shared.log.lock() {
        l.push(path.clone());
    }
    if path == "/.well-known/terraform.json" {
        return json(&Discovery {
            modules_v1: "/v1/modules/".into(),
        });
    }
    let Some(rest) = path.strip_prefix("/v1/modules/") else {
        return status(StatusCode::NOT_FOUND);
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [n, m, p, "versions"] => match shared.modules.get(&format!("{n}/{m}/{p}")) {
            Some(module) => json(&VersionsDoc {
                modules: vec![ModuleVersions {
                    versions: module
                        .versions
                        .keys()
                        .map(|v| VersionEntry { version: v.clone() })
                        .collect(),
                }],
            }),
            None => status(StatusCode::NOT_FOUND),
        },
        [n, m, p, v, "download"] => {
            match shared
                .modules
                .get(&format!("{n}/{m}/{p}"))
                .and_then(|module| module.versions.get(*v))
            {
                Some(get) => Response::builder()
                    .status(StatusCode::NO_CONTENT)
                    .header("x-terraform-get", get.as_str())
                    .body(Full::new(Bytes::new()))
                    .unwrap_or_default(),
                None => status(StatusCode::NOT_FOUND),
            }
        }
        _ => status(StatusCode::NOT_FOUND),
    }
}
