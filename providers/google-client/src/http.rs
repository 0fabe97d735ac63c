//! One HTTP client for every call to Google: hyper 1 with rustls (ring) and the system's root
//! certificates, HTTP/1.1, plain `http://` allowed for local emulators.
//!
//! Every request has a deadline; bodies are read whole (Google's JSON answers and Hangar's
//! objects are small). Proxies are not consulted.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::error::GoogleError;

/// How long one request may take, connection included.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// An answer: status and whole body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Bytes,
    /// The response headers.
    pub headers: http::HeaderMap,
}

/// The HTTP client (cheap to clone: clones share connections).
#[derive(Clone, Debug)]
pub struct Http {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Http {
    /// A client trusting the system's root certificates (none when the system has none: then
    /// only plain-HTTP endpoints work, and HTTPS calls fail with a certificate error).
    pub fn new() -> Http {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let builder =
            match HttpsConnectorBuilder::new().with_provider_and_native_roots(provider.clone()) {
                Ok(b) => b,
                Err(_) => {
                    let config = rustls::ClientConfig::builder_with_provider(provider)
                        .with_safe_default_protocol_versions()
                        .map(|b| {
                            b.with_root_certificates(rustls::RootCertStore::empty())
                                .with_no_client_auth()
                        });
                    match config {
                        Ok(c) => HttpsConnectorBuilder::new().with_tls_config(c),
                        Err(_) => HttpsConnectorBuilder::new().with_tls_config(
                            rustls::ClientConfig::builder()
                                .with_root_certificates(rustls::RootCertStore::empty())
                                .with_no_client_auth(),
                        ),
                    }
                }
            };
        let connector = builder.https_or_http().enable_http1().build();
        Http {
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    /// Sends one request for API method `call`; fails only when no answer came (any HTTP
    /// status is an answer).
    pub async fn send(
        &self,
        call: &str,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<Answer, GoogleError> {
        let transport = |message: String| GoogleError::Transport {
            call: call.to_string(),
            message,
        };
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let bytes = match body {
            Some((b, content_type)) => {
                req = req.header(http::header::CONTENT_TYPE, content_type);
                Bytes::from(b)
            }
            None => Bytes::new(),
        };
        let req = req
            .body(Full::new(bytes))
            .map_err(|e| transport(format!("invalid request to {url}: {e}")))?;
        let fut = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| transport(format!("{url}: {}", chain(&e))))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| transport(format!("{url}: reading the answer: {e}")))?
                .to_bytes();
            Ok(Answer {
                status,
                body,
                headers,
            })
        };
        match tokio::time::timeout(DEADLINE, fut).await {
            Ok(r) => r,
            Err(_) => Err(transport(format!(
                "{url}: no answer within {}s",
                DEADLINE.as_secs()
            ))),
        }
    }
}

impl Default for Http {
    fn default() -> Self {
        Http::new()
    }
}

/// The messages of `err` and its causes, joined.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
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
