//! The module registry protocol, as far as `init` needs it: service discovery
//! (`https://HOST/.well-known/terraform.json` → `modules.v1`), the versions of a module
//! (`NAMESPACE/NAME/PROVIDER/versions`) and where a version's code is
//! (`.../VERSION/download`, answered with an `X-Terraform-Get` header or a JSON `location`).
//!
//! HTTPS only, over the one hyper + rustls (ring) stack, trusting the system's roots
//! (`SSL_CERT_FILE`/`SSL_CERT_DIR` honoured). Left out: credentials for private registries
//! (`credentials` blocks, `TF_TOKEN_*`), and fetching the code itself (the caller does that
//! from the download address).

use serde::Deserialize;

use crate::install::discovery::{discover, HostServices};
use crate::install::http::{join, json, ok, HttpError, Https};

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
    /// The request failed, or the answer was an error or not the documented JSON.
    #[error(transparent)]
    Http(#[from] HttpError),
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

/// A client of one module registry host.
pub struct Registry {
    https: Https,
    host: String,
    base: String,
}

impl Registry {
    /// Discovers the module registry of `host`; fails when the host does not answer or offers
    /// none.
    pub async fn discover(host: &str) -> Result<Registry, RegistryError> {
        Self::discover_with(host, &HostServices::new()).await
    }

    /// As [`Registry::discover`], with the CLI configuration's `host` overrides: a host they
    /// name is not asked for its discovery document.
    pub async fn discover_with(
        host: &str,
        overrides: &HostServices,
    ) -> Result<Registry, RegistryError> {
        let https = Https::new(&format!("https://{host}/"))?;
        let base = discover(&https, host, "modules.v1", overrides)
            .await?
            .ok_or_else(|| RegistryError::NoService {
                host: host.to_string(),
            })?;
        Ok(Registry {
            https,
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
        let doc: VersionsDoc = self.https.get_json(&url).await?;
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
        let a = self.https.get(&url).await?;
        ok(&url, &a)?;
        let location = match a.terraform_get.clone() {
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
