//! Provider plugins in the engine: which local names a configuration gives to plugins, finding
//! and locking them (`hangar init`), starting them (opening a workspace), and where the objects
//! they manage live.
//!
//! A `required_providers` entry with a `source` whose local name is not one of Hangar's native
//! providers (`aws`, `google`, `azurerm`, `terraform`, `time`) is a plugin: `init` finds the
//! newest version its `version` constraint allows in a filesystem mirror (Terraform's layout,
//! from the CLI configuration's `provider_installation` or Terraform's implied mirror
//! directories) and records version and `h1:` hash in `.terraform.lock.hcl`, byte-compatible
//! with Terraform's; later runs start exactly the locked version. Native names always win: to
//! run the `hashicorp/aws` plugin beside the native `aws` provider, give it another local name
//! (`awsplugin = { source = "hashicorp/aws" }`) and set `provider = awsplugin` on its resources.
//!
//! Residency: a plugin's cloud comes from its source's type (`hashicorp/aws` → AWS), its
//! provider block's `region`/`location` is judged like a native one's, and each resource type is
//! placed by the catalogue (`hangar_core::geo::type_placement`): regional types by their
//! `region`/`location` argument or their provider's region, global and unknown types refused in
//! a bound workspace unless its `global_types` names them.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use hangar_core::geo::{cloud_of_provider_type, type_placement, TypePlacement};
use hangar_core::{Cloud, Diagnostic, Diagnostics, SourceRange, Value};
use hangar_provider::place::by_location_attribute;
use hangar_provider::{ConfigureRequest, ConfiguredProvider, Place, Provider, Schema, Target};
use hangar_provider_plugin::install::hash::h1_dir;
use hangar_provider_plugin::install::{
    CliConfig, Constraint, FoundProvider, LockFile, LockedProvider, Package, ProviderSource,
};
use hangar_provider_plugin::{PluginHost, PluginOptions, PluginProvider};

use crate::config::Config;

/// Terraform's dependency lock file, which Hangar reads and writes in the same format.
pub const LOCK_FILE: &str = ".terraform.lock.hcl";

/// One plugin a configuration asks for.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Its local name in this configuration.
    pub local: String,
    /// Its source address.
    pub source: ProviderSource,
    /// Its version constraint (any version when absent).
    pub constraint: Constraint,
    /// Where `required_providers` declares it.
    pub decl: SourceRange,
}

/// The plugins `cfg` asks for: `required_providers` entries with a source under a local name
/// no native provider has (`native` tells).
///
/// Fails on an invalid source address or version constraint.
pub fn specs(cfg: &Config, native: impl Fn(&str) -> bool) -> Result<Vec<Spec>, Diagnostics> {
    let mut out = Vec::new();
    let mut diags = Diagnostics::new();
    for (local, req) in &cfg.required_providers {
        let Some(source) = &req.source else { continue };
        if native(local) {
            continue;
        }
        let source = match ProviderSource::parse(source) {
            Ok(s) => s,
            Err(e) => {
                diags.push(
                    Diagnostic::error("Invalid provider source", e.to_string())
                        .at(Some(req.decl.clone())),
                );
                continue;
            }
        };
        let constraint = match Constraint::parse(req.version.as_deref().unwrap_or(">= 0.0.0")) {
            Ok(c) => c,
            Err(e) => {
                diags.push(
                    Diagnostic::error("Invalid version constraint", e.to_string())
                        .at(Some(req.decl.clone())),
                );
                continue;
            }
        };
        out.push(Spec {
            local: local.clone(),
            source,
            constraint,
            decl: req.decl.clone(),
        });
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

fn mirrors(
    dir: &Path,
    source: &ProviderSource,
) -> Result<Vec<hangar_provider_plugin::install::Mirror>, Diagnostic> {
    let cli = CliConfig::load()
        .map_err(|e| Diagnostic::error("Invalid CLI configuration", e.to_string()))?;
    Ok(cli.mirrors_for(source, dir))
}

/// Every version of `spec` the mirrors hold that its constraint allows, newest first.
fn candidates(dir: &Path, spec: &Spec) -> Result<Vec<FoundProvider>, Diagnostic> {
    let platform = hangar_provider_plugin::install::mirror::current_platform();
    let mut all: Vec<FoundProvider> = mirrors(dir, &spec.source)?
        .iter()
        .flat_map(|m| m.versions(&spec.source, &platform))
        .filter(|f| spec.constraint.allows(&f.version))
        .filter(|f| matches!(f.package, Package::Unpacked(_)))
        .collect();
    all.sort_by(|a, b| b.version.cmp(&a.version));
    Ok(all)
}

fn package_dir(f: &FoundProvider) -> Option<&Path> {
    match &f.package {
        Package::Unpacked(d) => Some(d),
        Package::Packed(_) => None,
    }
}

/// What `init` chose for one plugin.
#[derive(Debug, Clone)]
pub struct Installed {
    /// Local name.
    pub local: String,
    /// Source address.
    pub source: String,
    /// Version chosen (the locked one unless upgrading).
    pub version: String,
}

/// Finds every plugin `specs` asks for and records the choice in `.terraform.lock.hcl`: the
/// locked version when there is one (and `upgrade` is off), else the newest allowed.
///
/// Fails when a plugin is in no mirror, its locked version is missing, or its package's hash
/// does not match the lock file.
pub fn install(dir: &Path, specs: &[Spec], upgrade: bool) -> Result<Vec<Installed>, Diagnostics> {
    let path = dir.join(LOCK_FILE);
    let mut lock = LockFile::read(&path)
        .map_err(|e| Diagnostic::error("Invalid dependency lock file", e.to_string()))?;
    let mut out = Vec::new();
    let mut diags = Diagnostics::new();
    for spec in specs {
        let found = match candidates(dir, spec) {
            Ok(f) => f,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let locked = lock
            .providers
            .get(&spec.source)
            .filter(|_| !upgrade)
            .cloned();
        let chosen = match &locked {
            Some(l) => found
                .into_iter()
                .find(|f| f.version.to_string() == l.version),
            None => found.into_iter().next(),
        };
        let Some(chosen) = chosen else {
            let what = match &locked {
                Some(l) => format!("the locked version {} of {}", l.version, spec.source),
                None => format!("a version of {} matching its constraint", spec.source),
            };
            diags.push(
                Diagnostic::error(
                    "Failed to query available provider packages",
                    format!(
                        "Could not find {what} for provider \"{}\" in any filesystem mirror. Put it in a mirror \
                         Terraform's way (HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/) under a provider_installation \
                         filesystem_mirror of your CLI configuration (TF_CLI_CONFIG_FILE) or an implied mirror \
                         directory (terraform.d/plugins, ~/.terraform.d/plugins).",
                        spec.local
                    ),
                )
                .at(Some(spec.decl.clone())),
            );
            continue;
        };
        let hash = match package_dir(&chosen).map(h1_dir) {
            Some(Ok(h)) => h,
            Some(Err(e)) => {
                diags.push(Diagnostic::error(
                    "Cannot hash provider package",
                    e.to_string(),
                ));
                continue;
            }
            None => continue,
        };
        if let Some(l) = &locked {
            if !l.hashes.is_empty() && !l.hashes.contains(&hash) {
                diags.push(
                    Diagnostic::error(
                        "Provider package does not match the lock file",
                        format!(
                            "The package of {} {} found in {} has hash {hash}, which .terraform.lock.hcl does not list. \
                             If the package changed on purpose, run hangar init --upgrade.",
                            spec.source,
                            l.version,
                            chosen.mirror.display()
                        ),
                    )
                    .at(Some(spec.decl.clone())),
                );
                continue;
            }
        }
        let entry = lock
            .providers
            .entry(spec.source.clone())
            .or_insert_with(LockedProvider::default);
        entry.version = chosen.version.to_string();
        entry.constraints = spec.constraint.to_string().into();
        entry.hashes.insert(hash);
        out.push(Installed {
            local: spec.local.clone(),
            source: spec.source.to_string(),
            version: chosen.version.to_string(),
        });
    }
    if diags.has_errors() {
        return Err(diags);
    }
    lock.write(&path)
        .map_err(|e| Diagnostic::error("Cannot write the dependency lock file", e.to_string()))?;
    Ok(out)
}

/// Starts every plugin `specs` asks for at the version `.terraform.lock.hcl` records.
///
/// Fails when a plugin is not locked (`hangar init` was not run), its locked version is in no
/// mirror, or it cannot be started.
pub async fn start(dir: &Path, specs: &[Spec]) -> Result<Vec<Arc<dyn Provider>>, Diagnostics> {
    let lock = LockFile::read(&dir.join(LOCK_FILE))
        .map_err(|e| Diagnostic::error("Invalid dependency lock file", e.to_string()))?;
    let mut out: Vec<Arc<dyn Provider>> = Vec::new();
    for spec in specs {
        let Some(locked) = lock.providers.get(&spec.source) else {
            return Err(Diagnostic::error(
                "Inconsistent dependency lock file",
                format!(
                    "Provider {} (\"{}\") is required by the configuration but not recorded in .terraform.lock.hcl. Run hangar init.",
                    spec.source, spec.local
                ),
            )
            .at(Some(spec.decl.clone()))
            .into());
        };
        let found = candidates(dir, spec)?
            .into_iter()
            .find(|f| f.version.to_string() == locked.version);
        let Some(exe) = found.as_ref().and_then(FoundProvider::executable) else {
            return Err(Diagnostic::error(
                "Required plugin is not installed",
                format!(
                    "Provider {} {} (\"{}\") recorded in .terraform.lock.hcl is in no filesystem mirror. Run hangar init.",
                    spec.source, locked.version, spec.local
                ),
            )
            .at(Some(spec.decl.clone()))
            .into());
        };
        let plugin = PluginHost::start(
            &exe,
            PluginOptions {
                name: spec.local.clone(),
                version: Some(locked.version.clone()),
                schema_cache_dir: hangar_provider_plugin::cache::default_dir(),
                cache_key: locked.hashes.iter().next().cloned(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| {
            Diagnostics::from(
                Diagnostic::error("Failed to start provider plugin", e.to_string())
                    .at(Some(spec.decl.clone())),
            )
        })?;
        out.push(Arc::new(Placed {
            cloud: cloud_of_provider_type(&spec.source.type_name),
            provider_type: spec.source.type_name.clone(),
            inner: plugin,
        }));
    }
    Ok(out)
}

/// A started plugin with the catalogue's knowledge of where its objects live.
struct Placed {
    inner: PluginProvider,
    cloud: Option<Cloud>,
    provider_type: String,
}

#[async_trait]
impl Provider for Placed {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn schema(&self) -> Schema {
        self.inner.schema()
    }

    fn cloud(&self) -> Option<Cloud> {
        self.cloud
    }

    fn provider_places(&self, config: &Value) -> Vec<Place> {
        if self.cloud.is_none() {
            return Vec::new();
        }
        let mut places = by_location_attribute(config);
        for p in &mut places {
            if p.target == Target::ProviderDefault {
                // A provider block without a region takes it from the environment: unprovable.
                p.target = Target::Unknown;
            }
        }
        places
    }

    fn places(&self, type_name: &str, _data: bool, config: &Value) -> Vec<Place> {
        match type_placement(&self.provider_type, type_name) {
            TypePlacement::Regional => by_location_attribute(config),
            TypePlacement::Global | TypePlacement::Unknown => vec![Place::new(
                "location",
                None,
                Target::Global {
                    type_name: type_name.to_string(),
                },
            )],
        }
    }

    async fn configure(
        &self,
        req: ConfigureRequest,
    ) -> Result<Box<dyn ConfiguredProvider>, Diagnostics> {
        self.inner.configure(req).await
    }
}
