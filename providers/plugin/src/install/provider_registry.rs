//! The provider registry protocol, as far as `init` needs it: service discovery
//! (`providers.v1`), the versions of a provider (`:namespace/:type/versions`, with each
//! version's plugin protocols and platforms) and where one platform's package is
//! (`:namespace/:type/:version/download/:os/:arch`: `download_url`, `shasums_url`,
//! `shasums_signature_url`, `shasum`, `signing_keys`), plus the `SHA256SUMS` file's lines.
//!
//! Addresses in answers may be relative; they are resolved against the address asked, as
//! Terraform does. Verifying a package is [`crate::install::remote`]'s business. Left out:
//! credentials for private registries and the registry's `warnings`.

use serde::Deserialize;

use crate::install::discovery::{discover, HostServices};
use crate::install::http::{join, HttpError, Https};
use crate::install::mirror::ProviderSource;
use crate::install::version::Version;

/// The plugin protocol major versions Hangar speaks.
pub const PROTOCOLS: [u32; 2] = [5, 6];

/// `:namespace/:type/versions`.
#[derive(Debug, Deserialize)]
struct VersionsDoc {
    versions: Vec<VersionEntry>,
}

#[derive(Debug, Deserialize)]
struct VersionEntry {
    version: String,
    #[serde(default)]
    protocols: Vec<String>,
    #[serde(default)]
    platforms: Vec<PlatformEntry>,
}

#[derive(Debug, Deserialize)]
struct PlatformEntry {
    os: String,
    arch: String,
}

/// `:namespace/:type/:version/download/:os/:arch`, addresses made absolute.
#[derive(Debug, Clone, Deserialize)]
pub struct Download {
    /// Plugin protocol versions the package speaks (`5.0`).
    #[serde(default)]
    pub protocols: Vec<String>,
    /// The zip's file name (`terraform-provider-aws_5.100.0_linux_amd64.zip`).
    pub filename: String,
    /// Where the zip is.
    pub download_url: String,
    /// Where the `SHA256SUMS` file of this version is.
    pub shasums_url: String,
    /// Where the detached signature of that file is.
    pub shasums_signature_url: String,
    /// The zip's SHA-256, hex.
    pub shasum: String,
    /// The keys that may have signed the `SHA256SUMS` file.
    #[serde(default)]
    pub signing_keys: SigningKeys,
}

/// `signing_keys` of a download answer.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SigningKeys {
    /// ASCII-armored OpenPGP public keys.
    #[serde(default)]
    pub gpg_public_keys: Vec<GpgKey>,
}

/// One signing key.
#[derive(Debug, Clone, Deserialize)]
pub struct GpgKey {
    /// Its key id (hex).
    pub key_id: String,
    /// The key, ASCII-armored.
    pub ascii_armor: String,
}

/// One version a registry offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    /// The version.
    pub version: Version,
    /// Whether it is built for the platform asked about and speaks a protocol Hangar speaks.
    pub usable: bool,
}

/// A client of one host's provider registry.
pub struct ProviderRegistry {
    https: Https,
    host: String,
    base: String,
}

/// Why the provider registry could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProviderRegistryError {
    /// A request failed, or its answer was an error or not the documented JSON.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The host offers no provider registry.
    #[error("host {host} does not offer a provider registry (no providers.v1 in its service discovery document)")]
    NoService {
        /// The host.
        host: String,
    },
}

/// Whether a protocol list (`["5.0", "6.1"]`) includes one Hangar speaks; an empty list is
/// taken as protocol 5, as Terraform's oldest registries answered.
pub fn speaks(protocols: &[String]) -> bool {
    protocols.is_empty()
        || protocols.iter().any(|p| {
            p.split('.')
                .next()
                .and_then(|m| m.parse::<u32>().ok())
                .is_some_and(|m| PROTOCOLS.contains(&m))
        })
}

impl ProviderRegistry {
    /// Discovers the provider registry of `host` (`overrides` from the CLI configuration's
    /// `host` blocks); fails when the host does not answer or offers none.
    pub async fn discover(
        https: &Https,
        host: &str,
        overrides: &HostServices,
    ) -> Result<ProviderRegistry, ProviderRegistryError> {
        let base = discover(https, host, "providers.v1", overrides)
            .await?
            .ok_or_else(|| ProviderRegistryError::NoService {
                host: host.to_string(),
            })?;
        Ok(ProviderRegistry {
            https: https.clone(),
            host: host.to_string(),
            base,
        })
    }

    /// The registry of `host` whose `providers.v1` base address is already known.
    pub fn at(https: &Https, host: &str, base: &str) -> ProviderRegistry {
        ProviderRegistry {
            https: https.clone(),
            host: host.to_string(),
            base: base.to_string(),
        }
    }

    /// The `providers.v1` base address.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn provider_url(&self, source: &ProviderSource) -> String {
        format!("{}{}/{}", self.base, source.namespace, source.type_name)
    }

    /// Every version the registry lists for `source`, marked usable when built for `platform`
    /// (`linux_amd64`) with a protocol Hangar speaks.
    pub async fn versions(
        &self,
        source: &ProviderSource,
        platform: &str,
    ) -> Result<Vec<Offered>, ProviderRegistryError> {
        let url = format!("{}/versions", self.provider_url(source));
        let doc: VersionsDoc = self.https.get_json(&url).await?;
        Ok(doc
            .versions
            .iter()
            .filter_map(|v| {
                let version = Version::parse(&v.version)?;
                let built = v
                    .platforms
                    .iter()
                    .any(|p| format!("{}_{}", p.os, p.arch) == platform);
                Some(Offered {
                    version,
                    usable: built && speaks(&v.protocols),
                })
            })
            .collect())
    }

    /// Where the package of `source` `version` for `platform` is, every address absolute.
    pub async fn download(
        &self,
        source: &ProviderSource,
        version: &Version,
        platform: &str,
    ) -> Result<Download, ProviderRegistryError> {
        let (os, arch) = platform.split_once('_').unwrap_or((platform, ""));
        let url = format!(
            "{}/{version}/download/{os}/{arch}",
            self.provider_url(source)
        );
        let mut d: Download = self.https.get_json(&url).await?;
        d.download_url = join(&url, &d.download_url);
        d.shasums_url = join(&url, &d.shasums_url);
        d.shasums_signature_url = join(&url, &d.shasums_signature_url);
        Ok(d)
    }

    /// The host this client talks to.
    pub fn host(&self) -> &str {
        &self.host
    }
}

/// The lines of a `SHA256SUMS` file: `(hex digest, file name)`; lines that are not one are
/// skipped.
pub fn shasums(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let (hex, name) = l.trim().split_once(char::is_whitespace)?;
            let name = name.trim_start().trim_start_matches('*');
            (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) && !name.is_empty())
                .then(|| (hex.to_ascii_lowercase(), name.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shasums_and_protocols_read_like_terraform() {
        let a = "a".repeat(64);
        let b = "B".repeat(64);
        let text = format!(
            "{a}  terraform-provider-x_1.0.0_linux_amd64.zip\n{b} *terraform-provider-x_1.0.0_darwin_arm64.zip\nnonsense\n"
        );
        assert_eq!(
            shasums(&text),
            [
                (a, "terraform-provider-x_1.0.0_linux_amd64.zip".to_string()),
                (
                    "b".repeat(64),
                    "terraform-provider-x_1.0.0_darwin_arm64.zip".to_string()
                ),
            ]
        );
        assert!(speaks(&["5.0".into()]) && speaks(&["4.0".into(), "6.1".into()]));
        assert!(!speaks(&["4.0".into()]) && speaks(&[]));
    }
}
