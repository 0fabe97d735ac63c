//! The operations API: one workspace of one configuration, and everything that can be done to
//! it — validate, plan, apply, drift, import, residency, outputs, state — with exactly the
//! guarantees the CLI has. The CLI, the agent and tests all drive the engine through here.
//!
//! [`Workspace::open`] loads the configuration once, selects the workspace (refusing a name no
//! `workspace` block declares), builds the graph and the residency [`Gate`], and constructs the
//! state backend (nothing is contacted yet). Operations that read or change state run in a
//! [`Session`] ([`Workspace::begin`]), which holds the state lock for its lifetime and has
//! checked — through the gate — that the backend keeps state inside the geography. Every
//! provider call any operation makes goes through the gate (see [`crate::residency::gate`]):
//! there is no way through this API to reach a cloud without it.
//!
//! Progress is reported through [`Events`]; results are typed values the caller renders.
//!
//! Validate, plan and apply a configuration using only the built-in provider (no cloud):
//!
//! ```
//! use hangar_engine::events::NoEvents;
//! use hangar_engine::workspace::{Cancel, Mode, Options, Workspace};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let dir = dir.path();
//! std::fs::write(
//!     dir.join("main.tf"),
//!     r#"resource "terraform_data" "greeting" { input = "hello" }"#,
//! )?;
//!
//! let ws = Workspace::open(Options::new(dir))?;
//! assert!(ws.validate().valid);
//!
//! let session = ws.begin("apply")?; // holds the state lock until dropped
//! let plan = session.plan(Mode::Normal, &NoEvents)?; // residency pre-flight, then the diff
//! assert!(plan.has_changes());
//!
//! let applied = session.apply(&plan, &NoEvents, &Cancel::default())?;
//! assert_eq!(applied.added, 1);
//! assert!(applied.state.resources.contains_key("terraform_data.greeting"));
//! # Ok(())
//! # }
//! ```

mod drift;
mod import;
mod init;
mod migrate;
mod residency;
mod run;
mod state_ops;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use hangar_core::{Diagnostic, Diagnostics, Value};
use hangar_state::encryption::Keys;
use hangar_state::{Backend, LocalBackend, LockGuard, LockInfo, StateDoc, StateError};

use crate::config::{self, Config};
use crate::graph::{Graph, OrderedGraph};
use crate::registry::Registry;
use crate::residency::gate::Gate;
use crate::residency::Policy;
use crate::scope::Values;
use crate::vars::VarArg;

pub use crate::events::Events;
pub use drift::Drift;
pub use import::Imported;
pub use init::{init, Initialized, RECORDED_BACKEND};
pub use residency::{ResidencyReport, ResourceRow, StateRow};
pub use run::{Applied, Mode};
pub use validate::{JsonDiagnostic, ValidateReport};

/// How to open a workspace.
pub struct Options {
    /// The configuration directory.
    pub dir: PathBuf,
    /// The workspace to use; `default` picks the only declared one.
    pub workspace: String,
    /// `--var` and `--var-file` values, in command-line order.
    pub variables: Vec<VarArg>,
    /// Environment variables (`TF_VAR_*`, `HANGAR_VAR_*`, encryption keys).
    pub environment: BTreeMap<String, String>,
    /// Whether to take the state lock.
    pub lock: bool,
    /// How long to wait for a lock held by a live run.
    pub lock_timeout: Duration,
    /// The lock owner id to record.
    pub lock_id: Option<String>,
    /// At most this many provider operations at once.
    pub parallelism: usize,
    /// Whether plans re-read recorded objects first.
    pub refresh: bool,
    /// A backend to use instead of the configured one (embedding, tests).
    pub backend: Option<Box<dyn Backend>>,
    /// `-target`: plan only these addresses and what they depend on.
    pub targets: Vec<String>,
    /// `-replace`: instance addresses to replace even when unchanged.
    pub replace: Vec<String>,
}

impl Options {
    /// Defaults for `dir`: workspace `default`, this process's environment, locking on,
    /// parallelism 10, refresh on.
    pub fn new(dir: impl Into<PathBuf>) -> Options {
        Options {
            dir: dir.into(),
            workspace: "default".into(),
            variables: Vec::new(),
            environment: std::env::vars().collect(),
            lock: true,
            lock_timeout: Duration::ZERO,
            lock_id: None,
            parallelism: 10,
            refresh: true,
            backend: None,
            targets: Vec::new(),
            replace: Vec::new(),
        }
    }
}

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Configuration, input or policy problems (including residency refusals), located.
    #[error("{}", summary(.0))]
    Diags(Diagnostics),
    /// State could not be read, written or locked.
    #[error(transparent)]
    State(#[from] StateError),
    /// A plan file could not be used.
    #[error(transparent)]
    PlanFile(#[from] crate::plan::PlanFileError),
}

fn summary(d: &Diagnostics) -> String {
    d.0.iter()
        .find(|x| x.is_error())
        .or(d.0.first())
        .map(|x| x.summary.clone())
        .unwrap_or_else(|| "failed".into())
}

impl From<Diagnostics> for Error {
    fn from(d: Diagnostics) -> Self {
        Error::Diags(d)
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error::Diags(d.into())
    }
}

/// Asks a running apply to stop: the first request lets running operations finish and be
/// recorded; nothing new starts.
#[derive(Default)]
pub struct Cancel {
    /// Set to stop starting new operations.
    pub stop: AtomicBool,
    /// Set when the stop came from the user (an interrupt), not from a failure.
    pub interrupted: AtomicBool,
}

/// One workspace of one configuration, opened.
pub struct Workspace {
    /// The runtime every operation of this workspace runs on (provider plugins live on it).
    runtime: tokio::runtime::Runtime,
    opts: Options,
    name: String,
    cfg: Config,
    graph: OrderedGraph,
    registry: Registry,
    gate: Gate,
    backend: Box<dyn Backend>,
}

impl Workspace {
    /// Loads the configuration in `opts.dir`, selects the workspace and prepares its backend.
    ///
    /// Fails with diagnostics on configuration errors, an undeclared workspace, an invalid
    /// workspace block, a dependency cycle or an invalid backend block.
    pub fn open(mut opts: Options) -> Result<Workspace, Error> {
        let started = std::time::Instant::now();
        let cfg = config::load_dir(&opts.dir)?;
        crate::timing::phase("load", started);
        let started = std::time::Instant::now();
        let (name, graph, gate) = prepare(&cfg, &opts.workspace)?;
        crate::timing::phase("graph", started);
        let backend = match opts.backend.take() {
            Some(b) => b,
            None => configured_backend(&cfg, &name, &opts.environment)?,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::from(Diagnostic::error(
                    "Cannot start the async runtime",
                    e.to_string(),
                ))
            })?;
        let builtin = Registry::builtin();
        let specs = crate::plugins::specs(&cfg, |n| builtin.get(n).is_some())?;
        let registry = if specs.is_empty() {
            builtin
        } else {
            let plugins =
                runtime.block_on(crate::plugins::start(&cfg.dir, &specs, &opts.environment))?;
            Registry::with_plugins(plugins)
        };
        Ok(Workspace {
            runtime,
            opts,
            name,
            cfg,
            graph,
            registry,
            gate,
            backend,
        })
    }

    /// Closes the workspace in a process about to exit: its runtime, plugins and backend are
    /// shut down as when it is dropped, but the configuration and graph are left for the
    /// operating system to reclaim with the process (freeing a 100k-block configuration piece
    /// by piece costs tens of milliseconds at exit). Only for a process that ends next.
    pub fn close_at_exit(self) {
        let Workspace {
            runtime,
            cfg,
            graph,
            registry,
            backend,
            ..
        } = self;
        drop(backend);
        drop(registry);
        drop(runtime);
        std::mem::forget(cfg);
        std::mem::forget(graph);
    }

    /// Runs `fut` to completion on the workspace's runtime. Call the operations API from
    /// plain threads (or `spawn_blocking`), never from inside an async task.
    pub(crate) fn block_on<F: std::future::Future>(&self, fut: F) -> Result<F::Output, Error> {
        Ok(self.runtime.block_on(fut))
    }

    /// The selected workspace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The loaded configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Its dependency graph.
    pub fn graph(&self) -> &OrderedGraph {
        &self.graph
    }

    /// The providers this build knows.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The workspace's residency policy (`None`: unbound).
    pub fn policy(&self) -> Option<&Policy> {
        self.gate.policy()
    }

    /// The residency gate every cloud-bound step of this workspace passes.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    /// The state backend (not yet contacted).
    pub fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// The options it was opened with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// The encryption keys the configuration's `encryption` block names, from the environment.
    ///
    /// Fails when a named variable is unset or holds no valid key.
    pub fn encryption_keys(&self) -> Result<Option<Keys>, Error> {
        encryption_keys(&self.cfg, &self.opts.environment)
    }

    /// Input variable values from every source (see [`crate::vars`]).
    ///
    /// Fails with every invalid or missing value.
    pub fn variables(&self) -> Result<BTreeMap<String, Value>, Error> {
        Ok(self.inputs()?.values)
    }

    /// Input variable values with the warnings gathering them produced (values in files for
    /// variables nothing declares), for runs that report warnings.
    ///
    /// Fails with every invalid or missing value.
    pub fn inputs(&self) -> Result<crate::vars::Resolved, Error> {
        let ws_vars = self
            .policy()
            .map(|p| p.variables.clone())
            .unwrap_or_default();
        Ok(crate::vars::resolve(
            &self.cfg,
            &self.opts.variables,
            &self.opts.environment,
            &ws_vars,
        )?)
    }

    /// The values a walk starts from: variables, `path.cwd`, `terraform.workspace`,
    /// `workspace.*`.
    pub fn initial_values(&self, vars: BTreeMap<String, Value>) -> Values {
        Values::new(
            vars,
            self.cfg.dir.display().to_string(),
            self.name.clone(),
            self.policy().map(Policy::value),
        )
    }

    /// The recorded state, without locking (for read-only commands); empty when none yet.
    ///
    /// Fails on unreadable state and on encrypted state without its key.
    pub fn state(&self) -> Result<StateDoc, Error> {
        Ok(refuse_sealed(self.backend.read().map_err(|e| self.opened(e))?)?.unwrap_or_default())
    }

    /// A state error, with a wrong encryption key explained in terms of the configuration:
    /// which environment variables were tried.
    fn opened(&self, e: StateError) -> Error {
        let (StateError::WrongKey, Some(enc)) = (&e, &self.cfg.encryption) else {
            return Error::State(e);
        };
        let named = |key: &Option<String>, pass: &Option<String>| {
            key.as_ref()
                .map(|k| format!("the key in {k}"))
                .or_else(|| pass.as_ref().map(|p| format!("the passphrase in {p}")))
        };
        let primary = named(&enc.key_env, &enc.passphrase_env).unwrap_or_default();
        let fallback = match named(&enc.fallback_key_env, &enc.fallback_passphrase_env) {
            Some(f) => format!(", nor does the fallback ({f})"),
            None => String::new(),
        };
        Error::from(
            Diagnostic::error(
                "Wrong passphrase or key",
                format!(
                    "The stored state is encrypted, but {primary} does not open it{fallback}. \
                     Set it to the passphrase or key the state was encrypted with; after \
                     changing keys, name the previous one in fallback_passphrase_env or \
                     fallback_key_env until the next apply has re-sealed the state."
                ),
            )
            .at(Some(enc.decl.clone())),
        )
    }

    /// Starts a session for `operation`: checks through the gate that the backend keeps state
    /// inside the geography, takes the state lock (unless disabled), seals state still in
    /// plaintext when encryption is configured (see [`Session::sealed_plaintext`]) and reads
    /// state.
    ///
    /// Fails on a residency violation of the backend, a lock held by a live run (naming the
    /// holder) and unreadable state.
    pub fn begin(&self, operation: &str) -> Result<Session<'_>, Error> {
        self.check_backend()?;
        let lock = if self.opts.lock {
            Some(self.lock(operation)?)
        } else {
            None
        };
        // Encryption turned on over plaintext state: seal it now, under the lock, rather than
        // at the next change (drift promises to write nothing).
        let sealed = lock.is_some()
            && operation != "drift"
            && self.backend.seal_plaintext().map_err(|e| self.opened(e))?;
        let stored = refuse_sealed(self.backend.read().map_err(|e| self.opened(e))?)?;
        Ok(Session {
            ws: self,
            lock,
            stored,
            sealed,
        })
    }

    /// Refuses a backend whose store lies outside the workspace's geography.
    ///
    /// Fails with the gate's diagnostic, or when the store's location cannot be read.
    pub fn check_backend(&self) -> Result<(), Error> {
        if self.policy().is_none() {
            return Ok(());
        }
        let location = self.backend.location()?;
        self.gate
            .backend(
                &self.backend.describe(),
                location.as_ref(),
                self.backend.is_local(),
                self.cfg.backend.as_ref().map(|b| b.decl.clone()),
            )
            .map_err(Error::from)
    }

    fn lock(&self, operation: &str) -> Result<Box<dyn LockGuard>, Error> {
        let mut info = LockInfo::new(operation, self.backend.describe());
        if let Some(id) = &self.opts.lock_id {
            info = info.with_id(id.clone());
        }
        self.backend
            .lock_with_timeout(info, self.opts.lock_timeout)
            .map_err(|e| match e {
                StateError::Locked { holder } => Error::Diags(
                    Diagnostic::error(
                        "Error acquiring the state lock",
                        format!(
                            "The state is locked by another run:\n  ID:        {}\n  Operation: {}\n  Who:       {}\n  Version:   {}\n  Created:   {}\n  Path:      {}\n\nWait for that run to finish. If it died, its operating-system lock was released with it; if you are sure nothing else runs, use `hangar force-unlock {}`.",
                            holder.id, holder.operation, holder.who, holder.version, holder.created, holder.path, holder.id
                        ),
                    )
                    .into(),
                ),
                other => Error::State(other),
            })
    }

    /// Removes a stuck lock by its ID.
    ///
    /// Fails when no lock or another lock is held.
    pub fn force_unlock(&self, id: &str) -> Result<(), Error> {
        Ok(self.backend.force_unlock(id)?)
    }
}

/// A run holding the state lock (see [`Workspace::begin`]); the lock is released when it is
/// dropped.
pub struct Session<'w> {
    ws: &'w Workspace,
    lock: Option<Box<dyn LockGuard>>,
    stored: Option<StateDoc>,
    sealed: bool,
}

impl Session<'_> {
    /// Whether beginning this session sealed state written before encryption was turned on.
    pub fn sealed_plaintext(&self) -> bool {
        self.sealed
    }

    /// The state as read when the session began (empty when none yet).
    pub fn state(&self) -> StateDoc {
        self.stored.clone().unwrap_or_default()
    }

    /// The holder this session's lock took over (a run whose lease ran out), if any.
    pub fn took_over(&self) -> Option<&LockInfo> {
        self.lock.as_ref().and_then(|l| l.taken_over())
    }

    /// The workspace.
    pub fn workspace(&self) -> &Workspace {
        self.ws
    }
}

/// Fails on state that is encrypted when no encryption is configured to open it.
fn refuse_sealed(doc: Option<StateDoc>) -> Result<Option<StateDoc>, Error> {
    match &doc {
        Some(d) if hangar_state::encryption::is_sealed(d) => Err(Diagnostic::error(
            "State is encrypted",
            "The stored state is encrypted, but the configuration has no terraform { encryption { ... } } block to open it. \
             Add the block and set the environment variable it names to the key or passphrase.",
        )
        .into()),
        _ => Ok(doc),
    }
}

/// The keys named by `cfg`'s encryption block, read from `env`.
fn encryption_keys(cfg: &Config, env: &BTreeMap<String, String>) -> Result<Option<Keys>, Error> {
    use hangar_state::encryption::{key_from_base64, key_from_passphrase};
    let Some(e) = &cfg.encryption else {
        return Ok(None);
    };
    let var = |name: &str| {
        env.get(name).cloned().ok_or_else(|| {
            Error::from(
                Diagnostic::error(
                    "Missing encryption key",
                    format!("The encryption block names the environment variable {name}, which is not set."),
                )
                .at(Some(e.decl.clone())),
            )
        })
    };
    let key =
        |key_env: &Option<String>, pass_env: &Option<String>| -> Result<Option<[u8; 32]>, Error> {
            match (key_env, pass_env) {
                (Some(k), _) => Ok(Some(key_from_base64(&var(k)?)?)),
                (None, Some(p)) => Ok(Some(key_from_passphrase(&var(p)?)?)),
                (None, None) => Ok(None),
            }
        };
    let Some(primary) = key(&e.key_env, &e.passphrase_env)? else {
        return Ok(None);
    };
    let fallbacks: Vec<[u8; 32]> = key(&e.fallback_key_env, &e.fallback_passphrase_env)?
        .into_iter()
        .collect();
    Ok(Some(Keys::new(primary, &fallbacks)?))
}

/// The local state file of workspace `name` in `dir`.
pub fn local_state_path(dir: &Path, name: &str) -> PathBuf {
    if name == "default" {
        dir.join("hangar.tfstate")
    } else {
        dir.join("hangar.tfstate.d")
            .join(name)
            .join("hangar.tfstate")
    }
}

/// The configured backend of workspace `name` (the local file by default), encrypted when the
/// configuration says so. Nothing is contacted.
///
/// Fails on an invalid backend block or missing encryption keys.
pub fn configured_backend(
    cfg: &Config,
    name: &str,
    env: &BTreeMap<String, String>,
) -> Result<Box<dyn Backend>, Error> {
    let dir = &cfg.dir;
    let inner: Box<dyn Backend> = match &cfg.backend {
        Some(b) => {
            if let Some(path) = b.settings.get("path").and_then(|p| p.as_str()) {
                if let Some(parent) = dir.join(path).parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
            }
            hangar_state::from_config(&b.kind, &b.settings, name, dir).map_err(|e| {
                Error::from(
                    Diagnostic::error("Invalid backend configuration", e.to_string())
                        .at(Some(b.decl.clone())),
                )
            })?
        }
        None => {
            let p = local_state_path(dir, name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    Error::from(Diagnostic::error(
                        "Cannot create the state directory",
                        format!("{}: {e}", parent.display()),
                    ))
                })?;
            }
            Box::new(LocalBackend::new(p))
        }
    };
    Ok(match encryption_keys(cfg, env)? {
        Some(keys) => Box::new(hangar_state::encryption::EncryptedBackend::new(inner, keys)),
        None => inner,
    })
}

/// Selects workspace `requested` of `cfg` and builds what every operation needs.
fn prepare(cfg: &Config, requested: &str) -> Result<(String, OrderedGraph, Gate), Error> {
    let name = crate::residency::selected_workspace(cfg, requested)?;
    let policy = Policy::select(cfg, &name)?;
    let graph = Graph::build(cfg).check(cfg)?;
    Ok((name, graph, Gate::new(policy)))
}
