//! The one HTTP client: hyper 1 over rustls with the ring provider and the system's roots.
//!
//! [`Http::send`] sends one request and reads the whole answer, within a per-request timeout.
//! Proxies are not used: every request goes where its URL says. Plain `http://` is allowed
//! (local emulators and test servers on 127.0.0.1).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::error::Error;

/// How long one request may take, connection included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// An answer, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Reply {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The shared HTTP client; cheap to clone.
#[derive(Clone)]
pub struct Http {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http").finish_non_exhaustive()
    }
}

impl Http {
    /// A client trusting the system's root certificates.
    ///
    /// Fails when the system's certificate store cannot be read.
    pub fn new() -> Result<Http, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|e| Error::Invalid(format!("cannot load the system's TLS roots: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Ok(Http {
            client,
            timeout: REQUEST_TIMEOUT,
        })
    }

    /// Sends `req` and reads the answer; fails only when there is no answer (any status is
    /// returned as a [`Reply`]).
    pub async fn send(&self, req: Request<Bytes>) -> Result<Reply, Error> {
        let method = req.method().clone();
        let url = without_query(&req.uri().to_string());
        let transport = |message: String| Error::Transport {
            method: method.to_string(),
            url: url.clone(),
            message,
        };
        let (parts, body) = req.into_parts();
        let req = Request::from_parts(parts, Full::new(body));
        let fut = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| transport(chain(&e)))?;
            let (parts, body) = resp.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| transport(format!("reading the answer: {}", chain(&e))))?
                .to_bytes();
            Ok(Reply {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(transport(format!(
                "no answer within {}s",
                self.timeout.as_secs()
            ))),
        }
    }
}

/// A request with `method`, `url`, `headers` and `body`; fails on a malformed URL or header.
pub fn request(
    method: Method,
    url: &str,
    headers: &[(&str, String)],
    body: Bytes,
) -> Result<Request<Bytes>, Error> {
    let mut b = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, v);
    }
    b.body(body)
        .map_err(|e| Error::Invalid(format!("bad request to {}: {e}", without_query(url))))
}

/// `url` without its query string (which may carry a SAS signature).
pub fn without_query(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_string()
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
