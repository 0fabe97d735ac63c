//! Provider plugins in the engine: which local names a configuration gives to plugins, finding
//! and locking them (`hangar init`), starting them (opening a workspace), and where the objects
//! they manage live.
//!
//! A `required_providers` entry with a `source` whose local name is not one of Hangar's native
//! providers (`aws`, `google`, `azurerm`, `terraform`, `time`) is a plugin: `init` finds the
//! newest version its `version` constraint allows in a filesystem mirror (Terraform's layout,
//! from the CLI configuration's `provider_installation` or Terraform's implied mirror
//! directories) and records version and `h1:` hash in `.terraform.lock.hcl`, byte-compatible
//! with Terraform's; later runs start exactly the locked version, after checking its package
//! against the lock file's `h1:` hashes (remembered in `.hangar/plugin-hashes.json` by file
//! size and modification time, so a big plugin is hashed again only when it changed), with
//! each call limited by `HANGAR_PLUGIN_TIMEOUT` when set. Native names always win: to
//! run the `hashicorp/aws` plugin beside the native `aws` provider, give it another local name
//! (`awsplugin = { source = "hashicorp/aws" }`) and set `provider = awsplugin` on its resources.
//!
//! Residency: a plugin's cloud comes from its source's type (`hashicorp/aws` → AWS), its
//! provider block's `region`/`location` is judged like a native one's, and each resource type is
//! placed by the catalogue (`hangar_core::geo::type_placement`): regional types by their
//! `region`/`location` argument or their provider's region, global and unknown types refused in
//! a bound workspace unless its `global_types` names them.
//!
//! A zipped package in a mirror (Terraform's packed layout, what `terraform providers mirror`
//! writes) is unpacked by `init` where Terraform puts it, `.terraform/providers/HOST/NAMESPACE/
//! TYPE/VERSION/OS_ARCH`, and started from there. A plugin in no filesystem mirror is
//! downloaded there too, verified, from a `network_mirror` or its registry (see [`network`]),
//! unless an earlier init already installed its locked version.
//!
//! Not here: plugin cache directories (`plugin_cache_dir`).

mod network;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use hangar_core::geo::{cloud_of_provider_type, type_placement, TypePlacement};
use hangar_core::{Cloud, Diagnostic, Diagnostics, SourceRange, Value};
use hangar_provider::place::by_location_attribute;
use hangar_provider::{ConfigureRequest, ConfiguredProvider, Place, Provider, Schema, Target};
use hangar_provider_plugin::install::hash::{h1_dir, h1_zip, unpack_zip};
use hangar_provider_plugin::install::{
    CliConfig, Constraint, FoundProvider, LockFile, LockedProvider, Package, ProviderSource,
};
use hangar_provider_plugin::{PluginHost, PluginOptions, PluginProvider};
use serde::{Deserialize, Serialize};

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
    /// Whether `required_providers` gives a `version` at all (the lock file records
    /// `constraints` only then, as Terraform's does).
    pub constrained: bool,
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
            constrained: req.version.is_some(),
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
        .collect();
    all.sort_by(|a, b| b.version.cmp(&a.version));
    Ok(all)
}

/// Where Terraform (and Hangar) unpack a zipped mirror package or a downloaded one:
/// `.terraform/providers/HOST/NAMESPACE/TYPE/VERSION/OS_ARCH`.
fn installed_dir(
    dir: &Path,
    source: &ProviderSource,
    version: &hangar_provider_plugin::install::Version,
) -> PathBuf {
    dir.join(".terraform/providers")
        .join(&source.host)
        .join(&source.namespace)
        .join(&source.type_name)
        .join(version.to_string())
        .join(hangar_provider_plugin::install::mirror::current_platform())
}

/// Where a zipped mirror package is unpacked.
fn unpacked_dir(dir: &Path, f: &FoundProvider) -> PathBuf {
    installed_dir(dir, &f.source, &f.version)
}

/// The unpacked package directory of `f`: the mirror's own for an unpacked package, the one
/// `init` unpacked a zip into otherwise (`None` when that was not done yet).
fn package_dir(dir: &Path, f: &FoundProvider) -> Option<PathBuf> {
    match &f.package {
        Package::Unpacked(d) => Some(d.clone()),
        Package::Packed(_) => Some(unpacked_dir(dir, f)).filter(|d| d.is_dir()),
    }
}

/// The `h1:` hash of the package `f`; a zip is unpacked (again, when what was unpacked before
/// differs from it) under `.terraform/providers`.
fn install_package(dir: &Path, f: &FoundProvider) -> Result<String, Diagnostic> {
    let fail = |e: hangar_provider_plugin::install::hash::HashError| {
        Diagnostic::error("Cannot install provider package", e.to_string())
    };
    match &f.package {
        Package::Unpacked(d) => memo_h1(dir, d).map_err(fail),
        Package::Packed(zip) => {
            let want = h1_zip(zip).map_err(fail)?;
            let dest = unpacked_dir(dir, f);
            if dest.is_dir() && memo_h1(dir, &dest).ok().as_ref() == Some(&want) {
                return Ok(want);
            }
            let _ = std::fs::remove_dir_all(&dest);
            std::fs::create_dir_all(&dest).map_err(|e| {
                Diagnostic::error(
                    "Cannot install provider package",
                    format!("{}: {e}", dest.display()),
                )
            })?;
            unpack_zip(zip, &dest).map_err(fail)?;
            Ok(want)
        }
    }
}

/// Where the package hashes of earlier runs are remembered, so a run hashes a big plugin
/// (hundreds of megabytes) only when its files changed.
const HASH_MEMO: &str = ".hangar/plugin-hashes.json";

/// `.hangar/plugin-hashes.json`: package directory → the files' names, sizes and modification
/// times when hashed, and the `h1:` hash then.
#[derive(Debug, Default, Serialize, Deserialize)]
struct HashMemo {
    packages: BTreeMap<String, MemoEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MemoEntry {
    files: Vec<(String, u64, u128)>,
    h1: String,
}

/// What the package's files look like now (name, size, modification time in nanoseconds).
fn fingerprint(pkg: &Path) -> Vec<(String, u64, u128)> {
    let mut out = Vec::new();
    let mut stack = vec![pkg.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let Ok(m) = std::fs::metadata(&p) else {
                continue;
            };
            if m.is_dir() {
                stack.push(p);
                continue;
            }
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            out.push((p.display().to_string(), m.len(), mtime));
        }
    }
    out.sort();
    out
}

/// The `h1:` hash of `pkg`, from the memo in `dir` when its files have not changed since.
fn memo_h1(
    dir: &Path,
    pkg: &Path,
) -> Result<String, hangar_provider_plugin::install::hash::HashError> {
    let path = dir.join(HASH_MEMO);
    let mut memo: HashMemo = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let key = pkg.display().to_string();
    let files = fingerprint(pkg);
    if let Some(e) = memo.packages.get(&key).filter(|e| e.files == files) {
        return Ok(e.h1.clone());
    }
    let h1 = h1_dir(pkg)?;
    memo.packages.insert(
        key,
        MemoEntry {
            files,
            h1: h1.clone(),
        },
    );
    // The memo only saves time: failing to write it is not an error.
    if std::fs::create_dir_all(dir.join(".hangar")).is_ok() {
        if let Ok(text) = serde_json::to_string(&memo) {
            let _ = std::fs::write(&path, text);
        }
    }
    Ok(h1)
}

/// Where a plugin's package comes from in this `init`.
enum Chosen {
    /// A filesystem mirror.
    Local(FoundProvider),
    /// Already installed under `.terraform/providers` at its locked version, hashes matching.
    Installed(hangar_provider_plugin::install::Version),
    /// Downloaded at this version from the first of these origins that has it.
    Remote(
        hangar_provider_plugin::install::Version,
        Vec<hangar_provider_plugin::install::Origin>,
    ),
}

/// Chooses where `spec` comes from: at its locked version, a filesystem mirror, else what an
/// earlier init installed (when its hash is still locked), else the network; unlocked, the
/// newest allowed version across the mirrors and the network origins (a mirror wins a tie).
///
/// Fails when no origin has an allowed version, or a network origin cannot be asked.
fn choose(
    dir: &Path,
    spec: &Spec,
    local: Option<FoundProvider>,
    locked: Option<&LockedProvider>,
    net: &mut network::Network,
) -> Result<Chosen, Diagnostic> {
    let platform = hangar_provider_plugin::install::mirror::current_platform();
    let held_locally = mirrors(dir, &spec.source)?
        .iter()
        .any(|m| !m.versions(&spec.source, &platform).is_empty());
    let origins = net.origins(spec, held_locally);
    if let Some(l) = locked {
        if let Some(f) = local {
            return Ok(Chosen::Local(f));
        }
        if let Some(v) = hangar_provider_plugin::install::Version::parse(&l.version) {
            let inst = installed_dir(dir, &spec.source, &v);
            let h1s: Vec<&String> = l.hashes.iter().filter(|h| h.starts_with("h1:")).collect();
            if inst.is_dir()
                && (h1s.is_empty() || memo_h1(dir, &inst).is_ok_and(|h| h1s.contains(&&h)))
            {
                return Ok(Chosen::Installed(v));
            }
            if !origins.is_empty() {
                return Ok(Chosen::Remote(v, origins));
            }
        }
    } else {
        let remote = if origins.is_empty() {
            Vec::new()
        } else {
            net.versions(spec, &origins)?
        };
        let newest_remote = remote.iter().map(|(v, _)| v).max().cloned();
        match (local, newest_remote) {
            (Some(f), Some(r)) if f.version >= r => return Ok(Chosen::Local(f)),
            (Some(f), None) => return Ok(Chosen::Local(f)),
            (_, Some(r)) => {
                let from = remote
                    .iter()
                    .filter(|(v, _)| *v == r)
                    .map(|(_, o)| o.clone())
                    .collect();
                return Ok(Chosen::Remote(r, from));
            }
            (None, None) => {}
        }
    }
    let what = match locked {
        Some(l) => format!("the locked version {} of {}", l.version, spec.source),
        None => format!("a version of {} matching its constraint", spec.source),
    };
    let searched = if origins.is_empty() {
        "in any filesystem mirror".to_string()
    } else {
        let names: Vec<String> = origins.iter().map(|o| o.describe(&spec.source)).collect();
        format!("in any filesystem mirror or in {}", names.join(" or "))
    };
    Err(Diagnostic::error(
        "Failed to query available provider packages",
        format!(
            "Could not find {what} for provider \"{}\" {searched}. Put it in a mirror \
             Terraform's way (HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/) under a provider_installation \
             filesystem_mirror of your CLI configuration (TF_CLI_CONFIG_FILE) or an implied mirror \
             directory (terraform.d/plugins, ~/.terraform.d/plugins), or name a network_mirror or \
             registry that has it.",
            spec.local
        ),
    )
    .at(Some(spec.decl.clone())))
}

/// What `init` chose for one plugin.
#[derive(Debug, Clone)]
pub struct Installed {
    /// Local name.
    pub local: String,
    /// Source address as Terraform prints it (`hashicorp/aws`).
    pub source: String,
    /// Version chosen (the locked one unless upgrading).
    pub version: String,
    /// Its version constraint as written (`None`: any version).
    pub constraint: Option<String>,
    /// Whether the version came from the lock file (else it was newly selected).
    pub reused: bool,
}

/// What `init` did about plugins.
#[derive(Debug, Clone, Default)]
pub struct InstallReport {
    /// Every plugin, in `required_providers` order.
    pub providers: Vec<Installed>,
    /// Whether `.terraform.lock.hcl` was created by this init.
    pub lock_created: bool,
    /// Whether an existing `.terraform.lock.hcl` changed.
    pub lock_changed: bool,
}

/// Finds every plugin `specs` asks for and records the choice in `.terraform.lock.hcl`: the
/// locked version when there is one (and `upgrade` is off), else the newest allowed.
///
/// Fails when a plugin is in no mirror, its locked version is missing, or its package's hash
/// does not match the lock file.
pub fn install(dir: &Path, specs: &[Spec], upgrade: bool) -> Result<InstallReport, Diagnostics> {
    let path = dir.join(LOCK_FILE);
    let existed = path.exists();
    let mut lock = LockFile::read(&path)
        .map_err(|e| Diagnostic::error("Invalid dependency lock file", e.to_string()))?;
    let before = lock.clone();
    let cli = CliConfig::load()
        .map_err(|e| Diagnostic::error("Invalid CLI configuration", e.to_string()))?;
    let mut net = network::Network::new(cli);
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
            .filter(|l| {
                hangar_provider_plugin::install::Version::parse(&l.version)
                    .is_some_and(|v| spec.constraint.allows(&v))
            })
            .cloned();
        if locked.is_none() && !upgrade {
            if let Some(l) = lock.providers.get(&spec.source) {
                diags.push(
                    Diagnostic::error(
                        "Failed to query available provider packages",
                        format!(
                            "Could not retrieve the list of available versions for provider {}: locked provider {} {} \
                             does not match configured version constraint {}; must use hangar init -upgrade to allow \
                             selection of new versions",
                            spec.source, spec.source, l.version, spec.constraint
                        ),
                    )
                    .at(Some(spec.decl.clone())),
                );
                continue;
            }
        }
        let local = match &locked {
            Some(l) => found
                .into_iter()
                .find(|f| f.version.to_string() == l.version),
            None => found.into_iter().next(),
        };
        let locked_hashes = locked
            .as_ref()
            .map(|l| l.hashes.clone())
            .unwrap_or_default();
        let (version, hashes) = match choose(dir, spec, local, locked.as_ref(), &mut net) {
            Ok(Chosen::Local(chosen)) => {
                let hash = match install_package(dir, &chosen) {
                    Ok(h) => h,
                    Err(d) => {
                        diags.push(d.at(Some(spec.decl.clone())));
                        continue;
                    }
                };
                if !locked_hashes.is_empty() && !locked_hashes.contains(&hash) {
                    diags.push(
                        Diagnostic::error(
                            "Provider package does not match the lock file",
                            format!(
                                "The package of {} {} found in {} has hash {hash}, which .terraform.lock.hcl does not list. \
                                 If the package changed on purpose, run hangar init --upgrade.",
                                spec.source,
                                chosen.version,
                                chosen.mirror.display()
                            ),
                        )
                        .at(Some(spec.decl.clone())),
                    );
                    continue;
                }
                (chosen.version, [hash].into())
            }
            Ok(Chosen::Installed(v)) => (v, BTreeSet::new()),
            Ok(Chosen::Remote(v, origins)) => {
                match net.fetch(dir, spec, &v, &origins, &locked_hashes) {
                    Ok(f) => (v, f.lock_hashes),
                    Err(d) => {
                        diags.push(d);
                        continue;
                    }
                }
            }
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let entry = lock
            .providers
            .entry(spec.source.clone())
            .or_insert_with(LockedProvider::default);
        if entry.version != version.to_string() {
            // A new selection: the old version's hashes no longer apply.
            entry.hashes.clear();
        }
        entry.version = version.to_string();
        entry.constraints = spec.constrained.then(|| spec.constraint.to_string());
        entry.hashes.extend(hashes);
        out.push(Installed {
            local: spec.local.clone(),
            source: spec.source.for_display(),
            version: version.to_string(),
            constraint: entry.constraints.clone(),
            reused: locked.is_some(),
        });
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let changed = lock != before;
    if changed {
        lock.write(&path).map_err(|e| {
            Diagnostic::error("Cannot write the dependency lock file", e.to_string())
        })?;
    }
    Ok(InstallReport {
        providers: out,
        lock_created: changed && !existed,
        lock_changed: changed && existed,
    })
}

/// Environment variable limiting how long one call to a plugin may take (a Go duration such
/// as `10m`); unset, calls are not limited (as in Terraform, whose providers apply their own
/// resource timeouts).
pub const CALL_TIMEOUT_ENV: &str = "HANGAR_PLUGIN_TIMEOUT";

/// Starts every plugin `specs` asks for at the version `.terraform.lock.hcl` records; `env` is
/// the environment (for [`CALL_TIMEOUT_ENV`]).
///
/// Fails when a plugin is not locked (`hangar init` was not run), its locked version is in no
/// mirror or does not match its constraint, or it cannot be started.
pub async fn start(
    dir: &Path,
    specs: &[Spec],
    env: &BTreeMap<String, String>,
) -> Result<Vec<Arc<dyn Provider>>, Diagnostics> {
    let lock = LockFile::read(&dir.join(LOCK_FILE))
        .map_err(|e| Diagnostic::error("Invalid dependency lock file", e.to_string()))?;
    let call_timeout = match env.get(CALL_TIMEOUT_ENV).filter(|t| !t.is_empty()) {
        Some(t) => Some(hangar_core::duration::parse_length(t).map_err(|e| {
            Diagnostic::error(
                "Invalid plugin timeout",
                format!("{CALL_TIMEOUT_ENV}={t}: {e}"),
            )
        })?),
        None => None,
    };
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
        let matches = hangar_provider_plugin::install::Version::parse(&locked.version)
            .is_some_and(|v| spec.constraint.allows(&v));
        if !matches {
            return Err(Diagnostic::error(
                "Inconsistent dependency lock file",
                format!(
                    "Locked provider {} {} (\"{}\") does not match configured version constraint {}. Run hangar init -upgrade to select a new version.",
                    spec.source, locked.version, spec.local, spec.constraint
                ),
            )
            .at(Some(spec.decl.clone()))
            .into());
        }
        let found = candidates(dir, spec)?
            .into_iter()
            .find(|f| f.version.to_string() == locked.version);
        let h1s: Vec<&String> = locked
            .hashes
            .iter()
            .filter(|h| h.starts_with("h1:"))
            .collect();
        // Not in a mirror: what init downloaded into .terraform/providers.
        let pkg = found
            .as_ref()
            .and_then(|f| package_dir(dir, f))
            .or_else(|| {
                hangar_provider_plugin::install::Version::parse(&locked.version)
                    .map(|v| installed_dir(dir, &spec.source, &v))
                    .filter(|d| d.is_dir())
            });
        if let (Some(pkg), false) = (&pkg, h1s.is_empty()) {
            let hash = memo_h1(dir, pkg)
                .map_err(|e| Diagnostic::error("Cannot hash provider package", e.to_string()))?;
            if !h1s.contains(&&hash) {
                return Err(Diagnostic::error(
                    "Provider package does not match the lock file",
                    format!(
                        "The package of {} {} (\"{}\") in {} has hash {hash}, which .terraform.lock.hcl does not list. \
                         Run hangar init -upgrade if the package changed on purpose.",
                        spec.source,
                        locked.version,
                        spec.local,
                        pkg.display()
                    ),
                )
                .at(Some(spec.decl.clone()))
                .into());
            }
        }
        let exe = pkg.as_ref().and_then(|d| {
            hangar_provider_plugin::install::mirror::find_executable(d, &spec.source.type_name)
        });
        let Some(exe) = exe else {
            return Err(Diagnostic::error(
                "Required plugin is not installed",
                format!(
                    "Provider {} {} (\"{}\") recorded in .terraform.lock.hcl is in no filesystem mirror and not installed in .terraform/providers. Run hangar init.",
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
                call_timeout,
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
