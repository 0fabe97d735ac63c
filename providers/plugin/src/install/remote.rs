//! Installing a provider package over the network, from a network mirror or the provider's
//! registry, verified before anything is unpacked.
//!
//! What is verified:
//! - from a **registry**: the zip's SHA-256 must equal the download answer's `shasum` and the
//!   line for its file name in the version's `SHA256SUMS` file;
//! - from a **network mirror**: the zip must match one of the `h1:`/`zh:` hashes the mirror
//!   publishes for it (a mirror that publishes none is trusted as Terraform trusts it);
//! - always: when `.terraform.lock.hcl` already lists hashes for the provider, the package's
//!   `h1:` or `zh:` hash must be one of them.
//!
//! The hashes to lock are the package's `h1:` plus the `zh:` hashes of every platform's zip in
//! the registry's `SHA256SUMS` (as Terraform records them), or plus the hashes the mirror
//! published for the installed platform.
//!
//! Deliberately left out: checking the OpenPGP signature of `SHA256SUMS`
//! (`shasums_signature_url` against `signing_keys`). The registry's checksum file is trusted as
//! fetched over HTTPS from the registry itself; see the README's "Provider plugins".

use std::collections::BTreeSet;
use std::path::Path;

use crate::install::discovery::HostServices;
use crate::install::hash::{h1_zip, unpack_zip, zh, HashError};
use crate::install::http::{ok, HttpError, Https};
use crate::install::mirror::ProviderSource;
use crate::install::network_mirror::NetworkMirror;
use crate::install::provider_registry::{shasums, ProviderRegistry, ProviderRegistryError};
use crate::install::version::Version;

/// Where a package comes from over the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A `network_mirror` at this base address.
    NetworkMirror(String),
    /// The provider's own registry (Terraform's `direct` method).
    Registry,
}

impl Origin {
    /// The origin in words, for messages (`the network mirror https://...`).
    pub fn describe(&self, source: &ProviderSource) -> String {
        match self {
            Origin::NetworkMirror(u) => format!("the network mirror {u}"),
            Origin::Registry => format!("the provider registry at {}", source.host),
        }
    }
}

/// A package installed from the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The unpacked package's `h1:` hash.
    pub h1: String,
    /// The hashes to record in the lock file (including `h1`).
    pub lock_hashes: BTreeSet<String>,
    /// Where the zip was downloaded from.
    pub url: String,
}

/// Why a package could not be installed from the network.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The origin could not be asked, or answered an error.
    #[error("provider {provider}: cannot use {origin}: {error}")]
    Unreachable {
        /// The provider.
        provider: String,
        /// The origin, in words.
        origin: String,
        /// What went wrong.
        error: String,
    },
    /// The origin has no package of this version for this platform.
    #[error("provider {provider} {version}: {origin} has no package for {platform}")]
    NoPlatform {
        /// The provider.
        provider: String,
        /// The version.
        version: String,
        /// The platform.
        platform: String,
        /// The origin, in words.
        origin: String,
    },
    /// The package's hash is not the one published for it.
    #[error(
        "provider {provider} {version}: the package downloaded from {url} does not match the \
         checksum {origin} publishes: it has {got}, expected {want}"
    )]
    Checksum {
        /// The provider.
        provider: String,
        /// The version.
        version: String,
        /// The zip's address.
        url: String,
        /// The origin, in words.
        origin: String,
        /// The hashes the package has.
        got: String,
        /// The hashes it should have.
        want: String,
    },
    /// The registry's `SHA256SUMS` does not list the package with the checksum it announced.
    #[error(
        "provider {provider} {version}: {shasums_url} does not list {filename} with the \
         checksum the registry announced ({want})"
    )]
    Shasums {
        /// The provider.
        provider: String,
        /// The version.
        version: String,
        /// The checksum file's address.
        shasums_url: String,
        /// The zip's file name.
        filename: String,
        /// The announced checksum.
        want: String,
    },
    /// The package is not one the lock file accepts.
    #[error(
        "provider {provider} {version}: the package downloaded from {url} has hashes {got}, \
         none of which .terraform.lock.hcl lists; if the package changed on purpose, run \
         hangar init -upgrade"
    )]
    Locked {
        /// The provider.
        provider: String,
        /// The version.
        version: String,
        /// The zip's address.
        url: String,
        /// The hashes the package has.
        got: String,
    },
    /// The download is not a usable zip, or could not be unpacked.
    #[error("provider {provider} {version}: the package downloaded from {url}: {error}")]
    Package {
        /// The provider.
        provider: String,
        /// The version.
        version: String,
        /// The zip's address.
        url: String,
        /// What is wrong.
        error: HashError,
    },
    /// A local directory could not be prepared.
    #[error("{path}: {error}")]
    Io {
        /// The directory or file.
        path: String,
        /// The OS error.
        error: std::io::Error,
    },
}

/// Installs packages from network mirrors and registries.
pub struct Remote {
    https: Https,
    hosts: HostServices,
    /// `providers.v1` base addresses discovered so far, by host.
    discovered: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
}

impl Remote {
    /// A client using `hosts` (the CLI configuration's service discovery overrides); fails
    /// when the system's root certificates cannot be loaded.
    pub fn new(hosts: HostServices) -> Result<Remote, HttpError> {
        Ok(Remote {
            https: Https::new("https://")?,
            hosts,
            discovered: Default::default(),
        })
    }

    fn unreachable(
        &self,
        origin: &Origin,
        source: &ProviderSource,
        error: impl ToString,
    ) -> RemoteError {
        RemoteError::Unreachable {
            provider: source.to_string(),
            origin: origin.describe(source),
            error: error.to_string(),
        }
    }

    /// The registry of `source`'s host, discovered once per client.
    async fn registry(&self, source: &ProviderSource) -> Result<ProviderRegistry, RemoteError> {
        let known = self
            .discovered
            .lock()
            .ok()
            .and_then(|d| d.get(&source.host).cloned());
        if let Some(base) = known {
            return Ok(ProviderRegistry::at(&self.https, &source.host, &base));
        }
        let reg = ProviderRegistry::discover(&self.https, &source.host, &self.hosts)
            .await
            .map_err(|e| self.unreachable(&Origin::Registry, source, e))?;
        if let Ok(mut d) = self.discovered.lock() {
            d.insert(source.host.clone(), reg.base().to_string());
        }
        Ok(reg)
    }

    /// The versions of `source` that `origin` offers for `platform` (none when it does not
    /// know the provider).
    ///
    /// Fails when the origin cannot be asked.
    pub async fn versions(
        &self,
        origin: &Origin,
        source: &ProviderSource,
        platform: &str,
    ) -> Result<Vec<Version>, RemoteError> {
        match origin {
            Origin::NetworkMirror(base) => NetworkMirror::new(&self.https, base)
                .versions(source)
                .await
                .map_err(|e| self.unreachable(origin, source, e)),
            Origin::Registry => {
                let reg = self.registry(source).await?;
                let offered = match reg.versions(source, platform).await {
                    // The registry does not know the provider: it offers no version.
                    Err(ProviderRegistryError::Http(HttpError::Status { status: 404, .. })) => {
                        Vec::new()
                    }
                    other => other.map_err(|e| self.unreachable(origin, source, e))?,
                };
                Ok(offered
                    .into_iter()
                    .filter(|o| o.usable)
                    .map(|o| o.version)
                    .collect())
            }
        }
    }

    /// Downloads `source` `version` for `platform` from `origin`, verifies it (against
    /// `locked` too, the lock file's hashes for the provider, when not empty) and unpacks it
    /// into `dest` (replaced).
    ///
    /// Fails when the origin cannot be asked, has no such package, or the package does not
    /// verify; nothing is unpacked then.
    pub async fn fetch(
        &self,
        origin: &Origin,
        source: &ProviderSource,
        version: &Version,
        platform: &str,
        dest: &Path,
        locked: &BTreeSet<String>,
    ) -> Result<Fetched, RemoteError> {
        let parent = dest.parent().unwrap_or(dest).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|error| RemoteError::Io {
            path: parent.display().to_string(),
            error,
        })?;
        let part = parent.join(format!(".{platform}.zip.part"));
        let result = self
            .fetch_to(origin, source, version, platform, &part, locked)
            .await;
        let unpacked = match result {
            Ok(f) => {
                let _ = std::fs::remove_dir_all(dest);
                match unpack_zip(&part, dest) {
                    Ok(()) => Ok(f),
                    Err(error) => Err(RemoteError::Package {
                        provider: source.to_string(),
                        version: version.to_string(),
                        url: f.url,
                        error,
                    }),
                }
            }
            Err(e) => Err(e),
        };
        let _ = std::fs::remove_file(&part);
        unpacked
    }

    async fn fetch_to(
        &self,
        origin: &Origin,
        source: &ProviderSource,
        version: &Version,
        platform: &str,
        part: &Path,
        locked: &BTreeSet<String>,
    ) -> Result<Fetched, RemoteError> {
        let provider = source.to_string();
        let no_platform = || RemoteError::NoPlatform {
            provider: provider.clone(),
            version: version.to_string(),
            platform: platform.to_string(),
            origin: origin.describe(source),
        };
        let package = |url: &str, error: HashError| RemoteError::Package {
            provider: provider.clone(),
            version: version.to_string(),
            url: url.to_string(),
            error,
        };
        let (url, h1, zip_hash, mut lock_hashes) = match origin {
            Origin::NetworkMirror(base) => {
                let (archive, _) = NetworkMirror::new(&self.https, base)
                    .archive(source, version, platform)
                    .await
                    .map_err(|e| self.unreachable(origin, source, e))?;
                let archive = archive.ok_or_else(no_platform)?;
                self.https
                    .download(&archive.url, part)
                    .await
                    .map_err(|e| self.unreachable(origin, source, e))?;
                let h1 = h1_zip(part).map_err(|e| package(&archive.url, e))?;
                let zip_hash = zh(part).map_err(|e| package(&archive.url, e))?;
                if !archive.hashes.is_empty()
                    && !archive.hashes.iter().any(|h| *h == h1 || *h == zip_hash)
                {
                    return Err(RemoteError::Checksum {
                        provider,
                        version: version.to_string(),
                        url: archive.url,
                        origin: origin.describe(source),
                        got: format!("{h1}, {zip_hash}"),
                        want: archive.hashes.join(", "),
                    });
                }
                let published: BTreeSet<String> = archive.hashes.iter().cloned().collect();
                (archive.url, h1, zip_hash, published)
            }
            Origin::Registry => {
                let reg = self.registry(source).await?;
                let d = reg
                    .download(source, version, platform)
                    .await
                    .map_err(|e| match e {
                        ProviderRegistryError::Http(HttpError::Status { status: 404, .. }) => {
                            no_platform()
                        }
                        e => self.unreachable(origin, source, e),
                    })?;
                let want = d.shasum.to_ascii_lowercase();
                let sums = self
                    .https
                    .get(&d.shasums_url)
                    .await
                    .and_then(|a| ok(&d.shasums_url, &a).map(|()| a.body))
                    .map_err(|e| self.unreachable(origin, source, e))?;
                let lines = shasums(&String::from_utf8_lossy(&sums));
                if !lines.iter().any(|(h, n)| *h == want && *n == d.filename) {
                    return Err(RemoteError::Shasums {
                        provider,
                        version: version.to_string(),
                        shasums_url: d.shasums_url,
                        filename: d.filename,
                        want,
                    });
                }
                self.https
                    .download(&d.download_url, part)
                    .await
                    .map_err(|e| self.unreachable(origin, source, e))?;
                let zip_hash = zh(part).map_err(|e| package(&d.download_url, e))?;
                if zip_hash != format!("zh:{want}") {
                    return Err(RemoteError::Checksum {
                        provider,
                        version: version.to_string(),
                        url: d.download_url,
                        origin: origin.describe(source),
                        got: zip_hash,
                        want: format!("zh:{want}"),
                    });
                }
                let h1 = h1_zip(part).map_err(|e| package(&d.download_url, e))?;
                let prefix = format!("terraform-provider-{}_{version}_", source.type_name);
                let all: BTreeSet<String> = lines
                    .iter()
                    .filter(|(_, n)| n.starts_with(&prefix) && n.ends_with(".zip"))
                    .map(|(h, _)| format!("zh:{h}"))
                    .collect();
                (d.download_url, h1, zip_hash, all)
            }
        };
        if !locked.is_empty() && !locked.contains(&h1) && !locked.contains(&zip_hash) {
            return Err(RemoteError::Locked {
                provider,
                version: version.to_string(),
                url,
                got: format!("{h1}, {zip_hash}"),
            });
        }
        lock_hashes.insert(h1.clone());
        Ok(Fetched {
            h1,
            lock_hashes,
            url,
        })
    }
}
