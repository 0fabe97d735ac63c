//! `init`: prepare a working directory — install module sources, check providers, record the
//! backend, and migrate state when the backend changed.
//!
//! Runs before a [`Workspace`](super::Workspace) can be opened (modules may not be installed
//! yet). In a bound workspace it checks, through the residency gate, where the state backend
//! really keeps state. The backend recorded by the last init lives in `.hangar/backend.json`; a changed
//! backend needs `migrate` (`--migrate-state`), which copies state from the recorded backend
//! to the configured one.

use std::collections::BTreeMap;
use std::path::Path;

use hangar_core::Diagnostic;
use serde::{Deserialize, Serialize};

use super::{configured_backend, Error};
use crate::config::load::Installed;
use crate::registry::Registry;

/// The backend recorded by the last `init`, to notice a changed backend configuration.
pub const RECORDED_BACKEND: &str = ".hangar/backend.json";

/// What `.hangar/backend.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RecordedBackend {
    kind: String,
    settings: serde_json::Map<String, serde_json::Value>,
}

/// What an init did.
#[derive(Debug)]
pub struct Initialized {
    /// Module sources installed.
    pub modules: Vec<Installed>,
    /// Provider plugins found and locked (empty when the configuration uses none).
    pub plugins: crate::plugins::InstallReport,
    /// `(from, to)` backend kinds when state was migrated.
    pub migrated: Option<(String, String)>,
    /// For an unbound configuration with cloud resources: a `workspace` block binding it to
    /// the region its providers are configured with.
    pub suggested_workspace: Option<String>,
}

/// Initializes `dir` for workspace `requested`; `upgrade` re-resolves git module refs.
///
/// Fails on configuration errors, unknown providers, a changed backend without `migrate`, and
/// migration errors.
pub fn init(
    dir: &Path,
    requested: &str,
    env: &BTreeMap<String, String>,
    migrate: bool,
    upgrade: bool,
) -> Result<Initialized, Error> {
    let (cfg, modules) = crate::config::load::install_modules(dir, upgrade)?;
    let registry = Registry::builtin();
    let specs = crate::plugins::specs(&cfg, |n| registry.get(n).is_some())?;
    let mut missing: Vec<String> = cfg
        .resources
        .values()
        .map(|r| r.provider.name.clone())
        .filter(|n| registry.get(n).is_none() && !specs.iter().any(|s| s.local == *n))
        .collect();
    missing.sort();
    missing.dedup();
    if !missing.is_empty() {
        return Err(Diagnostic::error(
            "Failed to query available provider packages",
            format!(
                "Hangar has no provider named {}. Built-in providers: {}. To use a provider plugin, declare it in required_providers with a source (for example `source = \"hashicorp/aws\"`) under a local name no built-in provider has.",
                missing.join(", "),
                registry.names().collect::<Vec<_>>().join(", ")
            ),
        )
        .into());
    }
    let plugins = crate::plugins::install(dir, &specs, upgrade)?;
    let name = crate::residency::selected_workspace(&cfg, requested)?;
    let now = match &cfg.backend {
        Some(b) => RecordedBackend {
            kind: b.kind.clone(),
            settings: b.settings.clone(),
        },
        None => RecordedBackend {
            kind: "local".into(),
            settings: serde_json::Map::new(),
        },
    };
    let path = dir.join(RECORDED_BACKEND);
    let before: Option<RecordedBackend> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let mut migrated = None;
    if let Some(old) = before.filter(|old| *old != now) {
        if !migrate {
            return Err(Diagnostic::error(
                "Backend configuration changed",
                format!(
                    "The backend changed from \"{}\" to \"{}\" since the last init. Run `hangar init --migrate-state` to copy the existing state to the new backend.",
                    old.kind, now.kind
                ),
            )
            .into());
        }
        let from = hangar_state::from_config(&old.kind, &old.settings, &name, dir)?;
        let to = configured_backend(&cfg, &name, env)?;
        hangar_state::migrate(&*from, &*to)?;
        migrated = Some((old.kind.clone(), now.kind.clone()));
    }
    if let Some(policy) = crate::residency::Policy::select(&cfg, &name)? {
        let backend = configured_backend(&cfg, &name, env)?;
        crate::residency::gate::Gate::new(Some(policy)).backend(
            &backend.describe(),
            backend.location()?.as_ref(),
            backend.is_local(),
            cfg.backend.as_ref().map(|b| b.decl.clone()),
        )?;
    }
    let io = |e: std::io::Error| {
        Error::from(Diagnostic::error(
            "Cannot record the backend",
            format!("{RECORDED_BACKEND}: {e}"),
        ))
    };
    std::fs::create_dir_all(dir.join(".hangar")).map_err(io)?;
    let text = serde_json::to_string(&now).unwrap_or_default();
    std::fs::write(&path, text).map_err(io)?;
    let suggested_workspace = {
        let vars = crate::vars::resolve(&cfg, &[], env, &Default::default())
            .map(|r| r.values)
            .unwrap_or_default();
        let mut values = crate::scope::Values::new(vars, dir.display().to_string(), name, None);
        if let Ok(graph) = crate::graph::Graph::build(&cfg).check(&cfg) {
            let _ = crate::walk::offline(
                &cfg,
                &graph,
                &mut values,
                crate::walk::Rule::BestEffort,
                crate::walk::Source::Config(&registry),
                |_, _, _| {},
            );
        }
        crate::residency::suggest::suggested_block(&cfg, &registry, &values)
    };
    Ok(Initialized {
        modules,
        plugins,
        migrated,
        suggested_workspace,
    })
}
