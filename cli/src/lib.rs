//! The `hangar` command line, shaped like Terraform's.
//!
//! This crate owns everything about talking to a person at a terminal: argument parsing
//! (clap), rendering plans, diagnostics and progress, colors, prompts and exit codes. It drives
//! the engine (`hangar-engine`) and adds no engine logic of its own: anything a second caller
//! (the agent, a test embedding the engine) would also need belongs in the engine. It must
//! never be a dependency of any other Hangar library crate.
//!
//! Commands and flags follow Terraform/OpenTofu (GNU-style long flags): `init`, `validate`,
//! `fmt`, `plan`, `apply`, `destroy`, `output`, `show`, `state`, `graph`, `console`,
//! `force-unlock`, `version`; `-C/--chdir` selects the directory. Every failure ends as
//! diagnostics on standard error and a non-zero exit code; nothing here panics on user input.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod out;
pub mod progress;
pub mod render;
pub mod report;

mod agent_cmd;
mod args;
mod drift_cmd;
mod import;
mod inspect;
mod migrate_cmd;
mod module_cmd;
mod residency_cmd;
mod run;
mod serve_cmd;
mod state_cmd;
mod tools;
mod workspace_cmd;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use hangar_core::{Diagnostic, Diagnostics};
use hangar_state::StateError;

use crate::render::Style;
use crate::report::{render_diagnostic, Sources};
use hangar_engine::config::Config;
use hangar_engine::vars::VarArg;
use hangar_engine::workspace::{Mode, Options, Session, Workspace};

/// Hangar: infrastructure as code, each workspace bound to one geography.
#[derive(Parser, Debug)]
#[command(name = "hangar", version, about, disable_help_subcommand = true)]
pub struct Cli {
    /// Switch to this directory before doing anything (like Terraform's -chdir).
    #[arg(short = 'C', long = "chdir", global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    /// Workspace to operate on.
    #[arg(
        short = 'w',
        long = "workspace",
        global = true,
        env = "HANGAR_WORKSPACE",
        default_value = "default"
    )]
    pub workspace: String,
    /// Wait this long for a lock held by a live run (e.g. 30s, 2m) instead of failing at once.
    #[arg(long = "lock-timeout", global = true, default_value = "0s", value_parser = parse_wait)]
    pub lock_timeout: std::time::Duration,
    /// Lock owner id, so a CI job can release its own lock with force-unlock.
    #[arg(long = "lock-id", global = true, env = "HANGAR_LOCK_ID")]
    pub lock_id: Option<String>,
    /// Disable colors (also NO_COLOR).
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,
    /// Accepted for Terraform compatibility and ignored: Hangar never prompts for variables.
    #[arg(long = "input", global = true, value_name = "BOOL", action = clap::ArgAction::Set, hide = true)]
    pub input: Option<bool>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Parses `--lock-timeout` as Terraform does: a Go duration (`500ms`, `30s`, `2m`, `1h30m`).
fn parse_wait(s: &str) -> Result<std::time::Duration, String> {
    hangar_core::duration::parse_length(s).map_err(|e| e.to_string())
}

/// Input-variable and locking flags shared by plan, apply and destroy.
#[derive(Args, Debug, Clone, Default)]
pub struct RunFlags {
    /// Set an input variable: --var 'name=value' (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Load input variables from a file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Re-read recorded objects before planning (--refresh=false plans from state as recorded).
    #[arg(long = "refresh", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// How many operations run at once.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// Take the state lock (disable only if you know nothing else runs).
    #[arg(long = "lock", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub lock: bool,
    /// Plan only this resource (or module) and what it depends on (repeatable; not for routine use).
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Replace this resource instance even if it did not change (repeatable).
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
}

impl RunFlags {
    pub(crate) fn var_args(&self) -> Vec<VarArg> {
        let files = self.var_files.iter().cloned().map(VarArg::File);
        files
            .chain(self.vars.iter().cloned().map(VarArg::Pair))
            .collect()
    }
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Prepare the working directory: check providers, record the backend, migrate state.
    Init {
        /// Copy state from the previously recorded backend to the newly configured one.
        #[arg(long = "migrate-state")]
        migrate_state: bool,
        /// Re-resolve git module refs instead of the commits the lock file pins.
        #[arg(long)]
        upgrade: bool,
    },
    /// Check the configuration without touching state or clouds.
    Validate {
        /// Print diagnostics as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rewrite configuration files into the canonical layout.
    Fmt {
        /// Only report files that are not formatted (exit 3 when any).
        #[arg(long)]
        check: bool,
        /// Also format files in subdirectories.
        #[arg(long)]
        recursive: bool,
        /// Show the changes as a diff.
        #[arg(long)]
        diff: bool,
        /// Files or directories to format (default: the working directory).
        paths: Vec<PathBuf>,
    },
    /// Show what apply would change.
    Plan {
        /// Shared flags.
        #[command(flatten)]
        flags: RunFlags,
        /// Save the plan to this file for `hangar apply FILE`.
        #[arg(long = "out", value_name = "FILE")]
        out: Option<PathBuf>,
        /// Exit 0 for no changes, 2 for changes, 1 for errors.
        #[arg(long = "detailed-exitcode")]
        detailed_exitcode: bool,
        /// Plan to destroy everything.
        #[arg(long)]
        destroy: bool,
        /// Only show what changed outside Hangar (applying such a plan records it in state).
        #[arg(long = "refresh-only", conflicts_with = "destroy")]
        refresh_only: bool,
        /// Print the plan in Terraform's JSON plan format.
        #[arg(long)]
        json: bool,
    },
    /// Make the planned changes (or carry out a saved plan).
    Apply {
        /// Shared flags.
        #[command(flatten)]
        flags: RunFlags,
        /// Don't ask for confirmation.
        #[arg(long = "auto-approve")]
        auto_approve: bool,
        /// Destroy everything instead.
        #[arg(long)]
        destroy: bool,
        /// Record what changed outside Hangar in state, changing no infrastructure.
        #[arg(long = "refresh-only", conflicts_with = "destroy")]
        refresh_only: bool,
        /// A plan saved by `hangar plan --out`.
        plan_file: Option<PathBuf>,
    },
    /// Destroy everything this workspace manages.
    Destroy {
        /// Shared flags.
        #[command(flatten)]
        flags: RunFlags,
        /// Don't ask for confirmation.
        #[arg(long = "auto-approve")]
        auto_approve: bool,
    },
    /// Print output values from state.
    Output {
        /// One output's name.
        name: Option<String>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
        /// Print a string output without quotes.
        #[arg(long)]
        raw: bool,
    },
    /// Show state, or a saved plan.
    Show {
        /// A saved plan file.
        file: Option<PathBuf>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Inspect and edit state.
    #[command(subcommand)]
    State(StateCommand),
    /// Print the dependency graph in DOT.
    Graph,
    /// Evaluate expressions read from standard input, one per line.
    Console {
        /// Shared flags (variables).
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Check for drift without changing anything: exit 0 none, 2 drift, 1 error.
    Drift {
        /// Shared flags (variables, parallelism).
        #[command(flatten)]
        flags: RunFlags,
        /// Print the report as JSON (format 1.0).
        #[arg(long)]
        json: bool,
        /// Also write a JUnit XML report here.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Known drift to report without failing (allow { address, attribute, reason, expires } blocks).
        #[arg(long, value_name = "FILE")]
        allow: Option<PathBuf>,
    },
    /// Adopt an existing object into state at ADDRESS.
    Import {
        /// Shared flags (variables).
        #[command(flatten)]
        flags: RunFlags,
        /// Resource instance address, e.g. aws_s3_bucket.artifacts.
        address: String,
        /// The object's id in its cloud.
        id: String,
    },
    /// Mark a resource instance to be replaced by the next apply.
    Taint {
        /// Resource instance address.
        address: String,
    },
    /// Remove the taint mark from a resource instance.
    Untaint {
        /// Resource instance address.
        address: String,
    },
    /// Record in state what changed outside Hangar (same as `apply --refresh-only --auto-approve`).
    Refresh {
        /// Shared flags.
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Show the providers the configuration and state require.
    Providers,
    /// Remove a stuck lock by its ID.
    ForceUnlock {
        /// The lock ID the error message named.
        id: String,
    },
    /// Print Hangar's version.
    Version,
    /// Work with a module directory (e.g. generate its documentation).
    #[command(subcommand)]
    Module(module_cmd::ModuleCommand),
    /// List or show workspaces and their geography binding.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Show where every recorded resource lives and whether that is inside the workspace's geography (exit 1 on any violation).
    Residency {
        /// Shared flags (variables).
        #[command(flatten)]
        flags: RunFlags,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the control plane: the HTTP API under /api/v1/ and the web page.
    Serve(serve_cmd::ServeFlags),
    /// The data-plane agent (`hangar agent run`).
    #[command(subcommand)]
    Agent(agent_cmd::AgentCommand),
}

/// `hangar workspace ...`.
#[derive(Subcommand, Debug)]
pub enum WorkspaceCommand {
    /// List declared workspaces; `*` marks the selected one.
    List,
    /// Print the selected workspace's name, or one workspace's geography, regions and binding.
    Show {
        /// Workspace name (default: print the selected one's name).
        name: Option<String>,
    },
    /// Select a declared workspace that has no state yet (its first apply creates it).
    New {
        /// Workspace name (it must have a workspace block).
        name: String,
    },
    /// Select a declared workspace for later commands (until another is selected).
    Select {
        /// Workspace name.
        name: String,
    },
    /// Delete a workspace's state; refused while it still manages resources.
    Delete {
        /// Workspace name.
        name: String,
        /// Delete even though state still records resources (they are forgotten, not destroyed).
        #[arg(long)]
        force: bool,
    },
}

/// `hangar state ...`.
#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// List recorded resource instances.
    List {
        /// Only addresses starting with these.
        addresses: Vec<String>,
    },
    /// Show one recorded instance's attributes.
    Show {
        /// Instance address.
        address: String,
    },
    /// Forget instances without destroying them.
    Rm {
        /// Instance addresses.
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Print the whole state document to standard output.
    Pull {
        /// `hangar` (default) or `terraform` (state format version 4, which Terraform reads).
        #[arg(long, default_value = "hangar", value_parser = ["hangar", "terraform"])]
        format: String,
    },
    /// Adopt a Terraform or OpenTofu state (format 4) from a file, standard input or S3.
    MigrateFromTerraform {
        /// The state file (default terraform.tfstate), `-` for standard input, or
        /// `s3://BUCKET/KEY` (read with this workspace's backend "s3" settings).
        path: Option<String>,
    },
    /// Replace the stored state with a document (same lineage, newer serial; binding kept).
    Push {
        /// The state document file.
        file: PathBuf,
    },
    /// Record a different provider for every instance using one (e.g. after a registry move).
    ReplaceProvider {
        /// The provider now recorded (`registry.terraform.io/hashicorp/aws`, `hashicorp/aws`).
        from: String,
        /// The provider to record instead.
        to: String,
        /// Don't ask for confirmation.
        #[arg(long = "auto-approve")]
        auto_approve: bool,
    },
    /// Move an instance to another address.
    Mv {
        /// Current address.
        source: String,
        /// New address.
        destination: String,
    },
}

/// Every way a command can fail, as the CLI reports it.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// User or configuration problems, located.
    #[error("configuration problems")]
    Diags(Diagnostics),
    /// State could not be read, written or locked.
    #[error(transparent)]
    State(#[from] StateError),
    /// A plan file could not be used.
    #[error(transparent)]
    PlanFile(#[from] hangar_engine::plan::PlanFileError),
    /// Something else, with a message.
    #[error("{0}")]
    Message(String),
    /// Failed with a particular exit code and nothing more to say.
    #[error("exit {0}")]
    Exit(u8),
}

impl From<Diagnostics> for CliError {
    fn from(d: Diagnostics) -> Self {
        CliError::Diags(d)
    }
}

impl From<Diagnostic> for CliError {
    fn from(d: Diagnostic) -> Self {
        CliError::Diags(d.into())
    }
}

impl From<hangar_engine::workspace::Error> for CliError {
    fn from(e: hangar_engine::workspace::Error) -> Self {
        use hangar_engine::workspace::Error;
        match e {
            Error::Diags(d) => CliError::Diags(d),
            Error::State(s) => CliError::State(s),
            Error::PlanFile(p) => CliError::PlanFile(p),
        }
    }
}

/// What commands share: directory, workspace, colors, known sources.
pub struct Env {
    /// The working directory.
    pub dir: PathBuf,
    /// Workspace name as requested (`default` picks the only declared one).
    pub workspace: String,
    /// Colors on or off.
    pub style: Style,
    /// Files to quote in diagnostics.
    pub sources: Sources,
    /// How long to wait for a live lock.
    pub lock_timeout: std::time::Duration,
    /// Lock owner id chosen by the caller.
    pub lock_id: Option<String>,
}

impl Env {
    /// Options for opening the workspace, with `flags` when the command takes them.
    pub fn options(&self, flags: Option<&RunFlags>) -> Options {
        let mut o = Options::new(self.dir.clone());
        o.workspace = self.workspace.clone();
        o.lock_timeout = self.lock_timeout;
        o.lock_id = self.lock_id.clone();
        if let Some(f) = flags {
            o.variables = f.var_args();
            o.lock = f.lock;
            o.parallelism = f.parallelism;
            o.refresh = f.refresh;
            o.targets = f.targets.clone();
            o.replace = f.replace.clone();
        }
        o
    }

    /// Opens the workspace, remembering the configuration's files for diagnostics.
    pub fn open(&mut self, flags: Option<&RunFlags>) -> Result<Workspace, CliError> {
        match Workspace::open(self.options(flags)) {
            Ok(ws) => {
                self.remember_config(ws.config());
                self.workspace = ws.name().to_string();
                Ok(ws)
            }
            Err(hangar_engine::workspace::Error::Diags(d)) => Err(self.load_failed(d)),
            Err(e) => Err(e.into()),
        }
    }

    /// Remembers a loaded configuration's files, so diagnostics can quote them.
    pub fn remember_config(&mut self, cfg: &Config) {
        for f in &cfg.files {
            self.sources.add(f.clone());
        }
    }

    /// Reports what beginning a session did besides locking: state sealed now that encryption
    /// is on, or a lock taken over from a run whose lease ran out.
    pub fn note_takeover(&self, session: &Session<'_>) {
        if session.sealed_plaintext() {
            let var = session
                .workspace()
                .config()
                .encryption
                .as_ref()
                .and_then(|e| e.key_env.clone().or(e.passphrase_env.clone()))
                .unwrap_or_default();
            eprintln!(
                "Encrypted the existing state: every value was written in plaintext before encryption was turned on and is now sealed with the key from {var}."
            );
        }
        if let Some(old) = session.took_over() {
            eprintln!(
                "Took over the expired lock held by {} (ID {}, operation {}, since {}): its lease ran out, so that run is gone.",
                old.who, old.id, old.operation, old.created
            );
        }
    }

    /// The error for a failed load, after remembering the files its diagnostics point into.
    pub fn load_failed(&mut self, d: hangar_core::Diagnostics) -> CliError {
        self.remember_files();
        for name in
            d.0.iter()
                .filter_map(|x| x.subject.as_ref())
                .map(|s| &s.filename)
        {
            if let Ok(text) = std::fs::read_to_string(self.dir.join(name)) {
                let file = hangar_lang::SourceFile::new(name.clone(), text);
                self.sources.add(std::sync::Arc::new(file));
            }
        }
        d.into()
    }

    fn remember_files(&mut self) {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.ends_with(".tf")
                || name.ends_with(".hcl")
                || name.ends_with(".tfvars")
                || name.ends_with(".json")
            {
                if let Ok(text) = std::fs::read_to_string(&p) {
                    self.sources
                        .add(std::sync::Arc::new(hangar_lang::SourceFile::new(
                            name, text,
                        )));
                }
            }
        }
    }
}

fn use_color(no_color: bool) -> bool {
    use std::io::IsTerminal;
    !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Logs to standard error at the level `HANGAR_LOG` names (`debug` shows every cloud call with
/// its timing), Hangar's own events only.
fn init_logging() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    // TF_LOG is honoured too, for habits and CI settings carried over from Terraform.
    let Ok(level) = std::env::var("HANGAR_LOG").or_else(|_| std::env::var("TF_LOG")) else {
        return;
    };
    let level: LevelFilter = level.parse().unwrap_or(LevelFilter::INFO);
    let filter = Targets::new()
        .with_target("hangar_engine", level)
        .with_target("hangar_cli", level)
        .with_target("hangar_state", level);
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false),
        )
        .with(filter)
        .init();
}

/// Runs the CLI with the process's arguments; returns the exit code.
pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse_from(args::gnu_style(std::env::args_os().collect()));
    let dir = match &cli.chdir {
        Some(d) => d.clone(),
        None => PathBuf::from("."),
    };
    if !dir.is_dir() {
        eprintln!("Error: --chdir {}: no such directory", dir.display());
        return ExitCode::from(1);
    }
    let dir = normalize(&dir);
    if let Err(e) = std::env::set_current_dir(&dir) {
        eprintln!("Error: --chdir {}: {e}", dir.display());
        return ExitCode::from(1);
    }
    let workspace = match cli.workspace.as_str() {
        // Not chosen with -w or HANGAR_WORKSPACE: Terraform's TF_WORKSPACE (what CI jobs
        // written for Terraform set), then the one `workspace select` recorded, if any.
        "default" => std::env::var("TF_WORKSPACE")
            .ok()
            .filter(|w| !w.is_empty())
            .or_else(|| workspace_cmd::selected(&dir))
            .unwrap_or_else(|| "default".into()),
        named => named.to_string(),
    };
    let mut env = Env {
        dir,
        workspace,
        style: Style {
            color: use_color(cli.no_color),
        },
        sources: Sources::default(),
        lock_timeout: cli.lock_timeout,
        lock_id: cli.lock_id.clone(),
    };
    let started = std::time::Instant::now();
    let result = dispatch(cli.command, &mut env);
    hangar_engine::timing::phase("command", started);
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            report_error(&e, &env);
            match e {
                CliError::Exit(c) => ExitCode::from(c),
                _ => ExitCode::from(1),
            }
        }
    }
}

fn normalize(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Prints an error the way users see it.
pub fn report_error(e: &CliError, env: &Env) {
    let st = Style {
        color: env.style.color && std::env::var_os("NO_COLOR").is_none(),
    };
    match e {
        CliError::Diags(d) => {
            let mut sources = env.sources.clone();
            for s in d.0.iter().filter_map(|x| x.subject.as_ref()) {
                sources.read_missing(&env.dir, &s.filename);
            }
            for diag in &d.0 {
                eprintln!("{}", render_diagnostic(diag, &sources, st));
            }
        }
        CliError::Exit(_) => {}
        other => eprintln!(
            "{}",
            render_diagnostic(&Diagnostic::error(other.to_string(), ""), &env.sources, st)
        ),
    }
}

fn dispatch(cmd: Command, env: &mut Env) -> Result<u8, CliError> {
    match cmd {
        Command::Init {
            migrate_state,
            upgrade,
        } => tools::init(env, migrate_state, upgrade),
        Command::Validate { json } => tools::validate(env, json),
        Command::Fmt {
            check,
            recursive,
            diff,
            paths,
        } => tools::fmt(env, check, recursive, diff, paths),
        Command::Plan {
            flags,
            out,
            detailed_exitcode,
            destroy,
            refresh_only,
            json,
        } => {
            let mode = Mode::of(destroy, refresh_only);
            run::plan(env, &flags, out.as_deref(), detailed_exitcode, mode, json)
        }
        Command::Apply {
            flags,
            auto_approve,
            destroy,
            refresh_only,
            plan_file,
        } => run::apply(
            env,
            &flags,
            auto_approve,
            Mode::of(destroy, refresh_only),
            plan_file.as_deref(),
        ),
        Command::Destroy {
            flags,
            auto_approve,
        } => run::apply(env, &flags, auto_approve, Mode::Destroy, None),
        Command::Output { name, json, raw } => inspect::output(env, name.as_deref(), json, raw),
        Command::Show { file, json } => inspect::show(env, file.as_deref(), json),
        Command::State(s) => inspect::state(env, s),
        Command::Graph => tools::graph(env),
        Command::Console { flags } => inspect::console(env, &flags),
        Command::Drift {
            flags,
            json,
            junit,
            allow,
        } => drift_cmd::drift(env, &flags, json, junit.as_deref(), allow.as_deref()),
        Command::Import { flags, address, id } => import::import(env, &flags, &address, &id),
        Command::ForceUnlock { id } => tools::force_unlock(env, &id),
        Command::Workspace(w) => workspace_cmd::run(env, w),
        Command::Taint { address } => state_cmd::taint(env, &address, true),
        Command::Untaint { address } => state_cmd::taint(env, &address, false),
        Command::Refresh { flags } => run::apply(env, &flags, true, Mode::RefreshOnly, None),
        Command::Providers => state_cmd::providers(env),
        Command::Residency { flags, json } => residency_cmd::residency(env, &flags, json),
        Command::Module(m) => module_cmd::run(env, m),
        Command::Serve(flags) => serve_cmd::serve(flags),
        Command::Agent(a) => agent_cmd::run(env, a),
        Command::Version => {
            crate::outln!("Hangar v{}", env!("CARGO_PKG_VERSION"));
            Ok(0)
        }
    }
}
