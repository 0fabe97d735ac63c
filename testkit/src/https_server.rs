//! One HTTPS test server on 127.0.0.1 for the registry protocols' test servers: a fresh
//! self-signed certificate for `localhost` and `127.0.0.1` (clients trust it through
//! [`HttpsServer::ca_file`], e.g. as `SSL_CERT_FILE`), a thread of its own, every request path
//! recorded, stopped when dropped. GET only: the handler sees the request path.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;

/// An answer of a test server.
pub type Reply = Response<Full<Bytes>>;

/// Answers a request path.
pub type Handler = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

/// A running server; stopped when dropped.
pub struct HttpsServer {
    /// `localhost:PORT`.
    pub host: String,
    ca: PathBuf,
    log: Arc<Mutex<Vec<String>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpsServer {
    /// Starts a server answering with `handler` on a free port; `name` names its thread and
    /// certificate file.
    ///
    /// Panics when the port, certificate or thread cannot be had (test support).
    pub fn start(name: &str, handler: Handler) -> HttpsServer {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .expect("params");
        let cert = params.self_signed(&key).expect("certificate");
        let ca = std::env::temp_dir().join(format!(
            "hangar-{name}-{}-{:x}.pem",
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
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let kept = Arc::clone(&log);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(serve(handler, kept, listener, acceptor, rx));
            })
            .expect("spawn the server thread");
        HttpsServer {
            host: format!("localhost:{port}"),
            ca,
            log,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// The PEM file of the server's certificate, for `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> PathBuf {
        self.ca.clone()
    }

    /// Every request path served so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.ca);
    }
}

async fn serve(
    handler: Handler,
    log: Arc<Mutex<Vec<String>>>,
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
                let (handler, log, acceptor) =
                    (Arc::clone(&handler), Arc::clone(&log), acceptor.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else { return };
                    let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let path = req.uri().path().to_string();
                        if let Ok(mut l) = log.lock() {
                            l.push(path.clone());
                        }
                        let reply = handler(&path);
                        async move { Ok::<_, Infallible>(reply) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), svc)
                        .await;
                });
            }
        }
    }
}

/// A JSON answer.
pub fn json<T: Serialize>(body: &T) -> Reply {
    Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            serde_json::to_vec(body).unwrap_or_default(),
        )))
        .unwrap_or_default()
}

/// A plain answer with `body`.
pub fn bytes(content_type: &str, body: Vec<u8>) -> Reply {
    Response::builder()
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default()
}

/// An error answer with the registry's error body.
pub fn status(code: StatusCode) -> Reply {
    Response::builder()
        .status(code)
        .body(Full::new(Bytes::from_static(
            b"{\"errors\":[\"not found\"]}",
        )))
        .unwrap_or_default()
}
