//! The one HTTPS client of the registry protocols (module registry, provider registry, provider
//! network mirror): GET with a time limit, JSON answers, streamed downloads to a file, and
//! relative addresses resolved as Terraform resolves them.
//!
//! HTTPS only, over hyper 1 with rustls (ring), trusting the system's roots (`SSL_CERT_FILE`
//! and `SSL_CERT_DIR` honoured, which is how tests trust a registry on 127.0.0.1). Leaves out
//! redirects (registries answer with addresses, not redirects), proxies and credentials.

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Why an HTTP request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The request failed before an answer (address, connection, TLS, time limit).
    #[error("{url}: {message}")]
    Http {
        /// The address asked.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The server answered with an error status.
    #[error("{url}: HTTP {status}: {body}")]
    Status {
        /// The address asked.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// The answer was not the documented JSON.
    #[error("{url}: unexpected answer: {message}")]
    Json {
        /// The address asked.
        url: String,
        /// The parse error.
        message: String,
    },
    /// A downloaded file could not be written.
    #[error("{url}: writing {path}: {source}")]
    Write {
        /// The address downloaded.
        url: String,
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

type HttpsClient = Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Empty<Bytes>,
>;

/// An HTTPS client (cheap to clone).
#[derive(Clone)]
pub struct Https {
    client: HttpsClient,
}

/// One answer, its body read whole.
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// The `X-Terraform-Get` header, if any.
    pub terraform_get: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// How long one request may take to answer (a download's body is limited separately).
const ANSWER_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// How long a download may take as a whole (a big provider is hundreds of megabytes).
const DOWNLOAD_LIMIT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

impl Https {
    /// A client trusting the system's roots; fails when they cannot be loaded. `for_url` names
    /// the address in that error.
    pub fn new(for_url: &str) -> Result<Https, HttpError> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| HttpError::Http {
                url: for_url.to_string(),
                message: format!("cannot load the system's root certificates: {e}"),
            })?
            .https_only()
            .enable_http1()
            .build();
        Ok(Https {
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    async fn send(&self, url: &str) -> Result<hyper::Response<hyper::body::Incoming>, HttpError> {
        let http = |message: String| HttpError::Http {
            url: url.to_string(),
            message,
        };
        let uri: hyper::Uri = url.parse().map_err(|e| http(format!("{e}")))?;
        let req = hyper::Request::get(uri)
            .header("user-agent", concat!("Hangar/", env!("CARGO_PKG_VERSION")))
            .body(Empty::new())
            .map_err(|e| http(e.to_string()))?;
        tokio::time::timeout(ANSWER_LIMIT, self.client.request(req))
            .await
            .map_err(|_| http(format!("no answer within {}s", ANSWER_LIMIT.as_secs())))?
            .map_err(|e| http(chain(&e)))
    }

    /// GETs `url` and reads the whole answer; fails when no answer comes.
    pub async fn get(&self, url: &str) -> Result<Answer, HttpError> {
        let resp = self.send(url).await?;
        let status = resp.status().as_u16();
        let terraform_get = resp
            .headers()
            .get("x-terraform-get")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = tokio::time::timeout(ANSWER_LIMIT, resp.into_body().collect())
            .await
            .map_err(|_| HttpError::Http {
                url: url.to_string(),
                message: "the answer did not finish within 60s".into(),
            })?
            .map_err(|e| HttpError::Http {
                url: url.to_string(),
                message: chain(&e),
            })?
            .to_bytes()
            .to_vec();
        Ok(Answer {
            status,
            terraform_get,
            body,
        })
    }

    /// GETs `url` and reads a JSON answer of type `T`; fails on no answer, an error status or
    /// other JSON.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
    ) -> Result<T, HttpError> {
        let a = self.get(url).await?;
        ok(url, &a)?;
        json(url, &a)
    }

    /// Downloads `url` into the file `dest` (created or replaced), streaming; fails on no
    /// answer, an error status or a write error.
    pub async fn download(&self, url: &str, dest: &std::path::Path) -> Result<(), HttpError> {
        use std::io::Write;
        let work = async {
            let resp = self.send(url).await?;
            let status = resp.status().as_u16();
            if !(200..300).contains(&status) {
                let a = Answer {
                    status,
                    terraform_get: None,
                    body: resp
                        .into_body()
                        .collect()
                        .await
                        .map(|b| b.to_bytes().to_vec())
                        .unwrap_or_default(),
                };
                return ok(url, &a);
            }
            let write = |source| HttpError::Write {
                url: url.to_string(),
                path: dest.display().to_string(),
                source,
            };
            let mut file = std::io::BufWriter::new(std::fs::File::create(dest).map_err(write)?);
            let mut body = resp.into_body();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| HttpError::Http {
                    url: url.to_string(),
                    message: chain(&e),
                })?;
                if let Some(data) = frame.data_ref() {
                    file.write_all(data).map_err(write)?;
                }
            }
            file.flush().map_err(write)
        };
        tokio::time::timeout(DOWNLOAD_LIMIT, work)
            .await
            .map_err(|_| HttpError::Http {
                url: url.to_string(),
                message: format!(
                    "the download did not finish within {} minutes",
                    DOWNLOAD_LIMIT.as_secs() / 60
                ),
            })?
    }
}

/// An error and its causes, as one sentence (`connect error: Connection refused`).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = c.source();
    }
    out
}

/// Fails unless `a` has a success status.
pub fn ok(url: &str, a: &Answer) -> Result<(), HttpError> {
    if (200..300).contains(&a.status) {
        return Ok(());
    }
    Err(HttpError::Status {
        url: url.to_string(),
        status: a.status,
        body: String::from_utf8_lossy(&a.body).chars().take(300).collect(),
    })
}

/// The body of `a` as JSON of type `T`; fails on other JSON.
pub fn json<T: serde::de::DeserializeOwned>(url: &str, a: &Answer) -> Result<T, HttpError> {
    serde_json::from_slice(&a.body).map_err(|e| HttpError::Json {
        url: url.to_string(),
        message: e.to_string(),
    })
}

/// `reference` resolved against `base` (an absolute address is kept; `/path` and `path` are
/// taken relative to `base` as a browser would).
pub fn join(base: &str, reference: &str) -> String {
    if reference.contains("://") || reference.contains("::") {
        return reference.to_string();
    }
    let origin_end = base
        .find("://")
        .and_then(|i| base[i + 3..].find('/').map(|j| i + 3 + j))
        .unwrap_or(base.len());
    if reference.starts_with('/') {
        return format!("{}{reference}", &base[..origin_end]);
    }
    let dir_end = base
        .rfind('/')
        .filter(|&i| i >= origin_end)
        .unwrap_or(origin_end);
    format!("{}/{reference}", &base[..dir_end])
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn addresses_resolve_like_go_getter() {
        let base = "https://r.example:8443/v1/modules/a/b/c/1.0.0/download";
        assert_eq!(
            join(base, "/archive.tgz"),
            "https://r.example:8443/archive.tgz"
        );
        assert_eq!(
            join(base, "x.tgz"),
            "https://r.example:8443/v1/modules/a/b/c/1.0.0/x.tgz"
        );
        assert_eq!(
            join(base, "git::https://github.com/a/b?ref=v1"),
            "git::https://github.com/a/b?ref=v1"
        );
        assert_eq!(
            join("https://h/.well-known/terraform.json", "/v1/modules/"),
            "https://h/v1/modules/"
        );
    }
}
