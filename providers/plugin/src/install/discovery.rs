//! Terraform's remote service discovery: `https://HOST/.well-known/terraform.json` names the
//! base address of each service a host offers (`modules.v1`, `providers.v1`), relative to the
//! document. A `host "NAME" { services = { ... } }` block of the CLI configuration replaces the
//! document for that host, as in Terraform, so nothing is asked of the host itself.
//!
//! Left out: `login.v1` and the other services `init` does not use, and the document's
//! caching between runs.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::install::http::{join, HttpError, Https};

/// Service overrides by host (lowercase), from the CLI configuration's `host` blocks: service
/// name (`providers.v1`) → base address.
pub type HostServices = BTreeMap<String, BTreeMap<String, String>>;

/// `/.well-known/terraform.json`, the services Hangar uses.
#[derive(Debug, Deserialize)]
struct Discovery {
    #[serde(rename = "modules.v1")]
    modules_v1: Option<String>,
    #[serde(rename = "providers.v1")]
    providers_v1: Option<String>,
}

/// The base address (ending in `/`) of `service` (`modules.v1` or `providers.v1`) on `host`:
/// from `overrides` when it names the host, else from the host's discovery document. `None`
/// when the host does not offer the service.
///
/// Fails when the document cannot be fetched or is not JSON.
pub async fn discover(
    https: &Https,
    host: &str,
    service: &str,
    overrides: &HostServices,
) -> Result<Option<String>, HttpError> {
    let (base, found) = match overrides.get(&host.to_ascii_lowercase()) {
        Some(services) => (
            format!("https://{host}/.well-known/terraform.json"),
            services.get(service).cloned(),
        ),
        None => {
            let url = format!("https://{host}/.well-known/terraform.json");
            let d: Discovery = https.get_json(&url).await?;
            let found = match service {
                "modules.v1" => d.modules_v1,
                "providers.v1" => d.providers_v1,
                _ => None,
            };
            (url, found)
        }
    };
    Ok(found.map(|s| {
        let mut b = join(&base, &s);
        if !b.ends_with('/') {
            b.push('/');
        }
        b
    }))
}
