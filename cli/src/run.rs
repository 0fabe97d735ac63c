//! `plan`, `apply` and `destroy`.
//!
//! All three lock the workspace's state for their whole run. `apply FILE` carries out a saved
//! plan only if state is still exactly what the plan was made from (same lineage and serial)
//! and the configuration is unchanged; otherwise it refuses. Interrupts: the first Ctrl-C (or
//! SIGTERM) stops new operations and lets running ones finish and be recorded; a second exits
//! at once, leaving state consistent on disk (every finished operation is already journaled).

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use hangar_core::Diagnostic;
use hangar_state::{Backend, StateDoc};

use super::{env_vars, CliError, Env, RunFlags};
use hangar_engine::applier::Applier;
use std::collections::BTreeMap;

use crate::progress::Lines;
use crate::render::{render_plan, Style};
use hangar_engine::config::Config;
use hangar_engine::events::{Events, NoEvents};
use hangar_engine::graph::{Graph, OrderedGraph};
use hangar_engine::plan::Plan;
use hangar_engine::planner::{make_plan, PlanOptions};
use hangar_engine::registry::Registry;
use hangar_engine::residency::binding::{self, Binding};
use hangar_engine::residency::check::check_config;
use hangar_engine::residency::{self, Policy};
use hangar_engine::scope::Values;
use hangar_engine::writer::StateWriter;

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Message(format!("cannot start the async runtime: {e}")))
}

pub(super) struct Prepared {
    cfg: Config,
    graph: OrderedGraph,
    registry: Registry,
    policy: Option<Policy>,
}

/// Loads configuration, selects the workspace and its residency policy, builds the graph.
pub(super) fn prepare(env: &mut Env) -> Result<Prepared, CliError> {
    let cfg = env.load()?;
    env.workspace = residency::selected_workspace(&cfg, &env.workspace)?;
    let policy = Policy::select(&cfg, &env.workspace)?;
    let graph = Graph::build(&cfg).check()?;
    Ok(Prepared {
        cfg,
        graph,
        registry: Registry::builtin(),
        policy,
    })
}

/// Refuses a state backend that stores state outside the workspace's geography.
pub(super) fn check_backend_location(backend: &dyn Backend, p: &Prepared) -> Result<(), CliError> {
    let Some(policy) = &p.policy else {
        return Ok(());
    };
    let Some(hangar_core::Location {
        cloud,
        name: region,
    }) = backend.location()?
    else {
        return Ok(());
    };
    policy.admits(cloud, &region).map_err(|why| {
        CliError::from(
            hangar_core::Diagnostic::error(
                format!("Residency violation: state backend in region {region}"),
                format!(
                    "The state backend ({}) stores state in region \"{region}\". {} State describes the \
                     workspace's infrastructure, so it must stay inside the workspace's geography too.",
                    backend.describe(),
                    policy.explain(cloud, &region, &why)
                ),
            )
            .at(p.cfg.backend.as_ref().map(|b| b.decl.clone())),
        )
    })
}

/// Refuses, before any cloud call, a configuration or binding change that breaks residency;
/// returns the binding to record.
fn check_residency(
    p: &Prepared,
    prior: &StateDoc,
    vars: &BTreeMap<String, hangar_core::Value>,
) -> Result<Option<Binding>, CliError> {
    let Some(policy) = &p.policy else {
        return Ok(None);
    };
    let b = binding::check(policy, prior)?;
    let mut values = Values::new(
        vars.clone(),
        p.cfg.dir.display().to_string(),
        policy.workspace.clone(),
        Some(policy.value()),
    );
    check_config(&p.cfg, &p.graph, &mut values, policy)?;
    Ok(Some(b))
}

/// What kind of plan to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Converge on the configuration.
    Normal,
    /// Destroy everything recorded.
    Destroy,
    /// Only record what changed outside Hangar.
    RefreshOnly,
    /// Read-only drift detection (residency findings reported, orphans searched).
    Drift,
}

impl Mode {
    /// The mode selected by `--destroy` and `--refresh-only`.
    pub fn of(destroy: bool, refresh_only: bool) -> Mode {
        match (destroy, refresh_only) {
            (true, _) => Mode::Destroy,
            (_, true) => Mode::RefreshOnly,
            _ => Mode::Normal,
        }
    }
}

/// Makes a plan of `mode` against `prior`, refusing residency violations before any cloud call.
pub(super) fn make(
    env: &Env,
    p: &Prepared,
    prior: &StateDoc,
    flags: &RunFlags,
    mode: Mode,
    events: &dyn Events,
) -> Result<Plan, CliError> {
    let ws_vars = p
        .policy
        .as_ref()
        .map(|x| x.variables.clone())
        .unwrap_or_default();
    let vars = hangar_engine::vars::resolve(&p.cfg, &flags.var_args(), &env_vars(), &ws_vars)?;
    check_residency(p, prior, &vars)?;
    let opts = PlanOptions {
        destroy: mode == Mode::Destroy,
        refresh: flags.refresh || matches!(mode, Mode::RefreshOnly | Mode::Drift),
        parallelism: flags.parallelism,
        workspace: env.workspace.clone(),
        policy: p.policy.clone(),
        drift: mode == Mode::Drift,
        find_orphans: mode == Mode::Drift,
    };
    let rt = runtime()?;
    let mut plan = rt.block_on(make_plan(
        &p.cfg,
        &p.graph,
        prior,
        &p.registry,
        vars,
        &opts,
        events,
    ))?;
    if mode == Mode::RefreshOnly {
        plan.refresh_only = true;
        plan.resource_changes.clear();
    }
    Ok(plan)
}

/// Prints the warnings a plan collected, to standard error.
fn warn(env: &Env, plan: &Plan) {
    if !plan.warnings.is_empty() {
        super::report_error(
            &CliError::Diags(hangar_core::Diagnostics(plan.warnings.clone())),
            env,
        );
    }
}

/// `hangar plan`.
pub fn plan(
    env: &mut Env,
    flags: &RunFlags,
    out: Option<&Path>,
    detailed: bool,
    mode: Mode,
    json: bool,
) -> Result<u8, CliError> {
    if flags.no_color {
        env.style.color = false;
    }
    let p = prepare(env)?;
    let backend = env.backend()?;
    check_backend_location(&*backend, &p)?;
    let _lock = if flags.lock {
        Some(env.lock(&*backend, "plan")?)
    } else {
        None
    };
    let prior = env.read_state(&*backend)?;
    let events: &dyn Events = if json { &NoEvents } else { &Lines };
    let plan = make(env, &p, &prior, flags, mode, events)?;
    warn(env, &plan);
    if json {
        // Buffered: printing 50 MB of JSON through `println!` took a quarter of `plan --json`.
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        let written =
            serde_json::to_writer(&mut out, &hangar_engine::plan_json::plan_to_json(&plan))
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
                .and_then(|()| out.flush());
        if written.is_err() {
            // A closed pipe (`| head`): the reader has all it wanted.
            crate::out::mark_closed();
        }
    } else {
        crate::out!("{}", render_plan(&plan, env.style));
    }
    if let Some(path) = out {
        plan.save(path, super::encryption_keys(&p.cfg)?.as_ref())?;
        if !json {
            crate::outln!("\nSaved the plan to: {}\n\nTo perform exactly these actions, run the following command to apply:\n    hangar apply \"{}\"", path.display(), path.display());
        }
    }
    Ok(if detailed && plan.has_changes() { 2 } else { 0 })
}

fn confirm(destroy: bool) -> Result<bool, CliError> {
    let question = if destroy {
        "Do you really want to destroy all resources?\n  Hangar will destroy all your managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be accepted to confirm."
    } else {
        "Do you want to perform these actions?\n  Hangar will perform the actions described above.\n  Only 'yes' will be accepted to approve."
    };
    crate::out!("\n{question}\n\n  Enter a value: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Message(format!("cannot read confirmation: {e}")))?;
    crate::outln!();
    Ok(line.trim() == "yes")
}

/// `hangar apply` and `hangar destroy`.
pub fn apply(
    env: &mut Env,
    flags: &RunFlags,
    auto_approve: bool,
    mode: Mode,
    plan_file: Option<&Path>,
) -> Result<u8, CliError> {
    let destroy = mode == Mode::Destroy;
    if flags.no_color {
        env.style.color = false;
    }
    let p = prepare(env)?;
    let backend = env.backend()?;
    check_backend_location(&*backend, &p)?;
    let _lock = if flags.lock {
        Some(env.lock(&*backend, if destroy { "destroy" } else { "apply" })?)
    } else {
        None
    };
    let stored = super::refuse_sealed(backend.read()?)?;
    let plan = match plan_file {
        Some(path) => {
            let plan = Plan::load(path, super::encryption_keys(&p.cfg)?.as_ref())?;
            check_fresh(&plan, stored.as_ref(), &p.cfg)?;
            plan
        }
        None => {
            let prior = stored.clone().unwrap_or_default();
            let plan = make(env, &p, &prior, flags, mode, &Lines)?;
            warn(env, &plan);
            crate::out!("{}", render_plan(&plan, env.style));
            if !plan.has_changes() {
                return Ok(0);
            }
            if !auto_approve && !confirm(destroy)? {
                let what = if destroy { "Destroy" } else { "Apply" };
                eprintln!("\n{what} cancelled.");
                return Err(CliError::Exit(1));
            }
            plan
        }
    };
    let mut base = match stored {
        Some(doc) => doc,
        None => StateDoc {
            lineage: plan.lineage.clone(),
            ..StateDoc::default()
        },
    };
    if let Some(policy) = &p.policy {
        let b = binding::check(policy, &base)?;
        base.binding = serde_json::to_value(&b).ok();
    }
    if plan.refresh_only {
        return accept_refresh(&plan, &*backend, base);
    }
    run_apply(env, &p, &plan, &*backend, base, flags.parallelism)
}

/// `apply --refresh-only`: records what refresh found, changing no infrastructure.
fn accept_refresh(plan: &Plan, backend: &dyn Backend, mut doc: StateDoc) -> Result<u8, CliError> {
    use hangar_engine::drift::Kind;
    let mut accepted = 0;
    for o in &plan.observations {
        let Ok(addr) = o.address.parse::<hangar_core::ResourceInstanceAddr>() else {
            continue;
        };
        match (o.kind, &o.refreshed) {
            (Kind::Deleted, _) => {
                doc.remove(&addr);
                accepted += 1;
            }
            (Kind::Changed, Some(v)) => {
                let value = v.decode();
                if let Some(rec) = doc.resources.get_mut(&o.address) {
                    rec.attributes = hangar_core::json::to_json(&value);
                    rec.sensitive_paths = hangar_core::json::sensitive_paths(&value);
                    if o.region.is_some() {
                        rec.region = o.region.clone();
                    }
                    accepted += 1;
                }
            }
            _ => {}
        }
    }
    doc.serial += 1;
    backend.write(&doc)?;
    crate::outln!("\nApply complete! Resources: 0 added, 0 changed, 0 destroyed; {accepted} change(s) made outside Hangar recorded in state.");
    Ok(0)
}

/// Refuses a saved plan whose state or configuration moved on since it was made.
fn check_fresh(plan: &Plan, stored: Option<&StateDoc>, cfg: &Config) -> Result<(), CliError> {
    let (lineage, serial) = match stored {
        Some(s) => (s.lineage.as_str(), s.serial),
        None => (plan.lineage.as_str(), 0),
    };
    if lineage != plan.lineage || serial != plan.serial {
        return Err(Diagnostic::error(
            "Saved plan is stale",
            format!(
                "The given plan file can no longer be applied because the state was changed by \
                 another operation after the plan was created (plan made from serial {} of \
                 lineage {}, state is now serial {serial} of lineage {lineage}). Create a new plan.",
                plan.serial, plan.lineage
            ),
        )
        .into());
    }
    if cfg.fingerprint != plan.config_fingerprint {
        return Err(Diagnostic::error(
            "Saved plan does not match the configuration",
            "The configuration files changed after the plan was created. Create a new plan.",
        )
        .into());
    }
    Ok(())
}

fn run_apply(
    env: &Env,
    p: &Prepared,
    plan: &Plan,
    backend: &dyn Backend,
    base: StateDoc,
    parallelism: usize,
) -> Result<u8, CliError> {
    let rt = runtime()?;
    let journal = backend.open_journal(&base)?;
    let writer = StateWriter::start(journal, base);
    let progress: Box<dyn Events> = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        Box::new(crate::progress::Bar::default())
    } else {
        Box::new(Lines)
    };
    let stop = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(AtomicBool::new(false));
    let summary = rt.block_on(async {
        spawn_signal_handler(stop.clone(), interrupted.clone());
        let applier = Applier {
            cfg: &p.cfg,
            graph: &p.graph,
            registry: &p.registry,
            plan,
            writer: &writer,
            events: progress.as_ref(),
            stop: &stop,
            interrupted: &interrupted,
            parallelism,
            policy: p.policy.as_ref(),
        };
        applier.run().await
    });
    let final_doc = writer.finish()?;
    if !summary.diags.is_empty() {
        super::report_error(&CliError::Diags(summary.diags.clone()), env);
    }
    if summary.interrupted {
        eprintln!("Apply interrupted: finished operations are recorded in state.");
        return Err(CliError::Exit(1));
    }
    if summary.diags.has_errors() {
        return Err(CliError::Exit(1));
    }
    let st = env.style;
    if plan.destroy {
        crate::outln!(
            "\n{} Resources: {} destroyed.",
            st_green(st, "Destroy complete!"),
            summary.destroyed
        );
    } else {
        let imported = plan
            .resource_changes
            .iter()
            .filter(|c| c.importing.is_some())
            .count();
        let imported = match imported {
            0 => String::new(),
            n => format!(" {n} imported,"),
        };
        crate::outln!(
            "\n{} Resources:{imported} {} added, {} changed, {} destroyed.",
            st_green(st, "Apply complete!"),
            summary.added,
            summary.changed,
            summary.destroyed
        );
        if !final_doc.outputs.is_empty() {
            crate::outln!("\nOutputs:\n");
            crate::out!("{}", super::inspect::outputs_text(&final_doc));
        }
    }
    Ok(0)
}

fn st_green(st: Style, s: &str) -> String {
    if st.color {
        format!("\x1b[1;32m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn spawn_signal_handler(stop: Arc<AtomicBool>, interrupted: Arc<AtomicBool>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        loop {
            #[cfg(unix)]
            let got = match term.as_mut() {
                Some(t) => {
                    tokio::select! { r = tokio::signal::ctrl_c() => r.is_ok(), r = t.recv() => r.is_some() }
                }
                None => tokio::signal::ctrl_c().await.is_ok(),
            };
            #[cfg(not(unix))]
            let got = tokio::signal::ctrl_c().await.is_ok();
            if !got {
                return;
            }
            if interrupted.swap(true, Ordering::SeqCst) {
                eprintln!("\nTwo interrupts received. Exiting immediately; finished operations are already recorded.");
                std::process::exit(130);
            }
            stop.store(true, Ordering::SeqCst);
            eprintln!("\nInterrupt received. Please wait for Hangar to exit or data loss may occur.\nGracefully shutting down...");
        }
    });
}
