//! What to tell an unbound configuration: nothing binds it to a geography.
//!
//! A configuration without `workspace` blocks has no residency checks at all. Every plan and
//! apply of one that uses a cloud provider gets a one-line warning ([`unbound_warning`]), and
//! `hangar init` offers a `workspace` block for the region the providers are configured with
//! ([`suggested_block`]).

use hangar_core::geo::{builtin_countries, country, BUILTIN_GEOGRAPHIES};
use hangar_core::{Cloud, Diagnostic};

use crate::config::Config;
use crate::registry::Registry;
use crate::scope::Values;

/// Whether any provider the configuration uses has a cloud (a place to be checked).
pub fn uses_a_cloud(cfg: &Config, registry: &Registry) -> bool {
    cfg.resources.values().any(|r| {
        registry
            .get(&r.provider.name)
            .and_then(|p| p.cloud())
            .is_some()
    })
}

/// The warning every plan and apply of an unbound configuration with cloud resources prints.
pub fn unbound_warning() -> Diagnostic {
    Diagnostic::warning(
        "Not bound to a geography: nothing checks where this configuration puts infrastructure; add a workspace block (`hangar init` suggests one)",
        "",
    )
}

/// The smallest built-in geography containing `region` of `cloud`, preferring the broad ones
/// people bind to (`eu` before `de`).
pub fn geography_of(cloud: Cloud, region: &str) -> Option<&'static str> {
    let c = country(cloud, region)?;
    BUILTIN_GEOGRAPHIES
        .iter()
        .copied()
        .find(|g| builtin_countries(g).is_some_and(|cs| cs.contains(&c)))
}

/// A `workspace` block binding `cfg` to the region its cloud providers are configured with
/// (`values` evaluated offline), or `None` when no region is known.
pub fn suggested_block(cfg: &Config, registry: &Registry, values: &Values) -> Option<String> {
    if !cfg.workspaces.is_empty() || !uses_a_cloud(cfg, registry) {
        return None;
    }
    let (cloud, region) = cfg.providers.keys().find_map(|(name, alias)| {
        let provider = registry.get(name)?;
        let cloud = provider.cloud()?;
        let p = crate::config::ProviderRef {
            name: name.clone(),
            alias: alias.clone(),
        };
        let config = super::preflight::provider_config(cfg, registry, values, &p);
        provider
            .provider_places(&config)
            .into_iter()
            .find_map(|place| match place.target {
                hangar_provider::Target::Location(l) => Some((cloud, l)),
                _ => None,
            })
    })?;
    let geography = geography_of(cloud, &region)?;
    Some(format!(
        "workspace \"default\" {{\n  geography = \"{geography}\"\n  region    = \"{region}\"\n}}\n"
    ))
}
