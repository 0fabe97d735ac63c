//! Terraform's provider network mirror protocol: under a mirror's base address,
//! `:hostname/:namespace/:type/index.json` lists the versions (`{"versions": {"1.0.0": {}}}`)
//! and `:hostname/:namespace/:type/:version.json` names each platform's archive
//! (`{"archives": {"linux_amd64": {"url": ..., "hashes": ["h1:...", "zh:..."]}}}`), its `url`
//! relative to that document.
//!
//! Verifying a package against the hashes is [`crate::install::remote`]'s business. Left out:
//! credentials (`credentials` blocks, `TF_TOKEN_*`).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::install::http::{join, HttpError, Https};
use crate::install::mirror::ProviderSource;
use crate::install::version::Version;

/// `index.json`.
#[derive(Debug, Deserialize)]
struct IndexDoc {
    versions: BTreeMap<String, serde::de::IgnoredAny>,
}

/// `:version.json`.
#[derive(Debug, Deserialize)]
struct VersionDoc {
    archives: BTreeMap<String, Archive>,
}

/// One platform's archive in a mirror, its address made absolute.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Archive {
    /// Where the zip is.
    pub url: String,
    /// The hashes the mirror publishes for it (`h1:`, `zh:`); may be empty.
    #[serde(default)]
    pub hashes: Vec<String>,
}

/// A network mirror at a base address (ending in `/`).
pub struct NetworkMirror {
    https: Https,
    /// The base address.
    pub base: String,
}

impl NetworkMirror {
    /// A mirror at `base`.
    pub fn new(https: &Https, base: &str) -> NetworkMirror {
        let mut base = base.to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        NetworkMirror {
            https: https.clone(),
            base,
        }
    }

    fn provider_url(&self, source: &ProviderSource) -> String {
        format!(
            "{}{}/{}/{}",
            self.base, source.host, source.namespace, source.type_name
        )
    }

    /// Every version the mirror lists for `source`; a mirror that does not have the provider
    /// at all (404) lists none.
    ///
    /// Fails when the mirror cannot be reached or answers otherwise.
    pub async fn versions(&self, source: &ProviderSource) -> Result<Vec<Version>, HttpError> {
        let url = format!("{}/index.json", self.provider_url(source));
        let doc: IndexDoc = match self.https.get_json(&url).await {
            Err(HttpError::Status { status: 404, .. }) => return Ok(Vec::new()),
            other => other?,
        };
        Ok(doc
            .versions
            .keys()
            .filter_map(|v| Version::parse(v))
            .collect())
    }

    /// The archive of `source` `version` for `platform` (`None` when the mirror has none for
    /// it) and the address of the document that named it.
    ///
    /// Fails when the mirror cannot be reached or answers otherwise.
    pub async fn archive(
        &self,
        source: &ProviderSource,
        version: &Version,
        platform: &str,
    ) -> Result<(Option<Archive>, String), HttpError> {
        let url = format!("{}/{version}.json", self.provider_url(source));
        let doc: VersionDoc = self.https.get_json(&url).await?;
        let archive = doc.archives.get(platform).cloned().map(|mut a| {
            a.url = join(&url, &a.url);
            a
        });
        Ok((archive, url))
    }
}
