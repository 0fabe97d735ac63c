//! One HTTP client for every remote call: hyper 1 with rustls (ring), HTTP/1.1, the system's root
//! certificates or a given CA (a cluster's own), plain `http://` allowed (loopback test servers).
//!
//! Every request has a deadline; bodies are read whole up to a limit (the APIs spoken here answer
//! with small JSON documents). Proxies are never consulted, so nothing is sent anywhere but the
//! URL given.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// Largest answer body read, in bytes.
pub const MAX_ANSWER: usize = 32 * 1024 * 1024;

/// Why no answer came.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The CA bundle given holds no usable certificate.
    #[error("the CA certificate is not usable: {0}")]
    Ca(String),
    /// The request could not be built (a bad URL or header).
    #[error("invalid request to {url}: {message}")]
    Request {
        /// The URL.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// Connecting, sending or reading failed, or the deadline passed.
    #[error("{url}: {message}")]
    Transport {
        /// The URL.
        url: String,
        /// What failed, with its causes.
        message: String,
    },
}

/// An answer: status, headers and whole body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// The HTTP client (cheap to clone: clones share connections).
#[derive(Clone, Debug)]
pub struct Http {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    deadline: Duration,
}

impl Http {
    /// A client trusting the system's root certificates (none when the system has none: then
    /// only plain-HTTP endpoints work, and HTTPS calls fail with a certificate error).
    pub fn new(deadline: Duration) -> Http {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder =
            match HttpsConnectorBuilder::new().with_provider_and_native_roots(provider.clone()) {
                Ok(b) => b,
                Err(_) => HttpsConnectorBuilder::new()
                    .with_tls_config(config_with(provider, rustls::RootCertStore::empty())),
            };
        Http::build(builder.https_or_http().enable_http1().build(), deadline)
    }

    /// A client trusting only the CA certificates in `pem` (a cluster's CA bundle).
    ///
    /// Fails when `pem` holds no certificate rustls accepts.
    pub fn with_ca(pem: &[u8], deadline: Duration) -> Result<Http, HttpError> {
        let mut roots = rustls::RootCertStore::empty();
        let mut n = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| HttpError::Ca(e.to_string()))?;
            roots.add(cert).map_err(|e| HttpError::Ca(e.to_string()))?;
            n += 1;
        }
        if n == 0 {
            return Err(HttpError::Ca("no PEM certificate found".into()));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(config_with(provider, roots))
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Http::build(connector, deadline))
    }

    fn build(connector: HttpsConnector<HttpConnector>, deadline: Duration) -> Http {
        Http {
            client: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build(connector),
            deadline,
        }
    }

    /// Sends one request; fails only when no answer came (any HTTP status is an answer).
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<Answer, HttpError> {
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let bytes = match body {
            Some((b, content_type)) => {
                req = req.header(http::header::CONTENT_TYPE, content_type);
                Bytes::from(b)
            }
            None => Bytes::new(),
        };
        let req = req.body(Full::new(bytes)).map_err(|e| HttpError::Request {
            url: url.to_string(),
            message: e.to_string(),
        })?;
        let transport = |message: String| HttpError::Transport {
            url: url.to_string(),
            message,
        };
        let fut = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| transport(chain(&e)))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = Limited::new(resp.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|e| transport(format!("reading the answer: {e}")))?
                .to_bytes();
            Ok(Answer {
                status,
                headers,
                body,
            })
        };
        match tokio::time::timeout(self.deadline, fut).await {
            Ok(r) => r,
            Err(_) => Err(transport(format!(
                "no answer within {}s",
                self.deadline.as_secs()
            ))),
        }
    }
}

fn config_with(
    provider: Arc<rustls::crypto::CryptoProvider>,
    roots: rustls::RootCertStore,
) -> rustls::ClientConfig {
    // ring supports the safe default versions, so the fallback (the process-wide default
    // provider, also ring in this build) is never taken in practice.
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.with_root_certificates(roots.clone())
                .with_no_client_auth()
        })
        .unwrap_or_else(|_| {
            rustls::ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth()
        })
}

/// The messages of `err` and its causes, joined.
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if !text.is_empty() && parts.last() != Some(&text) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}
