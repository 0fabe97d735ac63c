//! The module registry protocol, as far as `init` needs it: service discovery
//! (`https://HOST/.well-known/terraform.json` → `modules.v1`), the versions of a module
//! (`NAMESPACE/NAME/PROVIDER/versions`) and where a version's code is
//! (`.../VERSION/download`, answered with an `X-Terraform-Get` header or a JSON `location`).
//!
//! HTTPS only, over the one hyper + rustls (ring) stack, trusting the system's roots
//! (`SSL_CERT_FILE`/`SSL_CERT_DIR` honoured). Left out: credentials for private registries
//! (`credentials` blocks, `TF_TOKEN_*`), and fetching the code itself (the caller does that
//! from the download address).

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

use crate::install::version::{Constraint, Version};

/// The registry host a `NAMESPACE/NAME/PROVIDER` module source means.
pub const DEFAULT_HOST: &str = "registry.terraform.io";

/// A registry module's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleAddr {
    /// Registry host (with port, if any).
    pub host: String,
    /// Namespace.
    pub namespace: String,
    /// Module name.
    pub name: String,
    /// Target system (`aws`, `google`, ...).
    pub provider: String,
}

impl std::fmt::Display for ModuleAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.host, self.namespace, self.name, self.provider
        )
    }
}

/// Why the registry could not answer.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The request failed before an answer.
    #[error("{url}: {message}")]
    Http {
        /// The address asked.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The registry answered with an error status.
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
    /// The host offers no module registry.
    #[error("host {host} does not offer a module registry (no modules.v1 in its service discovery document)")]
    NoService {
        /// The host.
        host: String,
    },
    /// No version matches the constraint.
    #[error("module {addr} has no version matching {constraint} (available: {available})")]
    NoVersion {
        /// The module.
        addr: String,
        /// The constraint.
        constraint: String,
        /// The versions the registry lists.
        available: String,
    },
    /// The download endpoint named no location.
    #[error("{url}: no X-Terraform-Get header or location in the answer")]
    NoLocation {
        /// The address asked.
        url: String,
    },
}

/// `/.well-known/terraform.json`.
#[derive(Debug, Deserialize)]
struct Discovery {
    #[serde(rename = "modules.v1")]
    modules_v1: Option<String>,
}

/// `.../versions`.
#[derive(Debug, Deserialize)]
struct VersionsDoc {
    modules: Vec<ModuleVersions>,
}

#[derive(Debug, Deserialize)]
struct ModuleVersions {
    versions: Vec<VersionEntry>,
}

#[derive(Debug, Deserialize)]
struct VersionEntry {
    version: String,
}

/// `.../download` answered with 200 and a body (protocol's newer form).
#[derive(Debug, Deserialize)]
struct DownloadDoc {
    location: String,
}

type HttpsClient = Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Empty<Bytes>,
>;

/// A client of one module registry host.
pub struct Registry {
    client: HttpsClient,
    host: String,
    base: String,
}

struct Answer {
    status: u16,
    location: Option<String>,
    body: Vec<u8>,
}

async fn get(client: &HttpsClient, url: &str) -> Result<Answer, RegistryError> {
    let http = |message: String| RegistryError::Http {
        url: url.to_string(),
        message,
    };
    let uri: hyper::Uri = url.parse().map_err(|e| http(format!("{e}")))?;
    let req = hyper::Request::get(uri)
        .header("user-agent", concat!("Hangar/", env!("CARGO_PKG_VERSION")))
        .body(Empty::new())
        .map_err(|e| http(e.to_string()))?;
    let resp = tokio::time::timeout(std::time::Duration::from_secs(60), client.request(req))
        .await
        .map_err(|_| http("no answer within 60s".into()))?
        .map_err(|e| http(chain(&e)))?;
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("x-terraform-get")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| http(e.to_string()))?
        .to_bytes()
        .to_vec();
    Ok(Answer {
        status,
        location,
        body,
    })
}

/// An error and its causes, as one sentence (`connect error: Connection refused`).
fn chain(e: &dyn std::error::Error) -> String {
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

fn ok(url: &str, a: &Answer) -> Result<(), RegistryError> {
    if (200..300).contains(&a.status) {
        return Ok(());
    }
    Err(RegistryError::Status {
        url: url.to_string(),
        status: a.status,
        body: String::from_utf8_lossy(&a.body).chars().take(300).collect(),
    })
}

fn json<T: serde::de::DeserializeOwned>(url: &str, a: &Answer) -> Result<T, RegistryError> {
    serde_json::from_slice(&a.body).map_err(|e| RegistryError::Json {
        url: url.to_string(),
        message: e.to_string(),
    })
}

/// `reference` resolved against `base` (an absolute address is kept; `/path` and `path` are
/// taken relative to `base` as a browser would).
fn join(base: &str, reference: &str) -> String {
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

impl Registry {
    /// Discovers the module registry of `host`; fails when the host does not answer or offers
    /// none.
    pub async fn discover(host: &str) -> Result<Registry, RegistryError> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| RegistryError::Http {
                url: format!("https://{host}/"),
                message: format!("cannot load the system's root certificates: {e}"),
            })?
            .https_only()
            .enable_http1()
            .build();
        let client: HttpsClient = Client::builder(TokioExecutor::new()).build(connector);
        let url = format!("https://{host}/.well-known/terraform.json");
        let a = get(&client, &url).await?;
        ok(&url, &a)?;
        let d: Discovery = json(&url, &a)?;
        let Some(m) = d.modules_v1 else {
            return Err(RegistryError::NoService {
                host: host.to_string(),
            });
        };
        let mut base = join(&url, &m);
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Registry {
            client,
            host: host.to_string(),
            base,
        })
    }

    fn module_url(&self, addr: &ModuleAddr) -> String {
        format!(
            "{}{}/{}/{}",
            self.base, addr.namespace, addr.name, addr.provider
        )
    }

    /// Every version the registry lists for `addr`.
    pub async fn versions(&self, addr: &ModuleAddr) -> Result<Vec<Version>, RegistryError> {
        let url = format!("{}/versions", self.module_url(addr));
        let a = get(&self.client, &url).await?;
        ok(&url, &a)?;
        let doc: VersionsDoc = json(&url, &a)?;
        Ok(doc
            .modules
            .iter()
            .flat_map(|m| &m.versions)
            .filter_map(|v| Version::parse(&v.version))
            .collect())
    }

    /// The newest version of `addr` that `constraint` allows.
    pub async fn newest(
        &self,
        addr: &ModuleAddr,
        constraint: &Constraint,
    ) -> Result<Version, RegistryError> {
        let mut all = self.versions(addr).await?;
        all.sort();
        all.iter()
            .rev()
            .find(|v| constraint.allows(v))
            .cloned()
            .ok_or_else(|| RegistryError::NoVersion {
                addr: addr.to_string(),
                constraint: constraint.to_string(),
                available: all
                    .iter()
                    .map(Version::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Where the code of `addr` at `version` is (the `X-Terraform-Get` address, made absolute).
    pub async fn download(
        &self,
        addr: &ModuleAddr,
        version: &Version,
    ) -> Result<String, RegistryError> {
        let url = format!("{}/{version}/download", self.module_url(addr));
        let a = get(&self.client, &url).await?;
        ok(&url, &a)?;
        let location = match a.location.clone() {
            Some(l) => l,
            None if a.status == 200 => json::<DownloadDoc>(&url, &a)?.location,
            None => return Err(RegistryError::NoLocation { url }),
        };
        Ok(join(&url, &location))
    }

    /// The host this client talks to.
    pub fn host(&self) -> &str {
        &self.host
    }
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn download_locations_resolve_like_go_getter() {
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
