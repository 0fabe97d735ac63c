//! `plan`, `apply` and `destroy`.
//!
//! All three run in one engine session, which holds the state lock for the whole run.
//! `apply FILE` carries out a saved plan only if state is still exactly what the plan was made
//! from; otherwise the engine refuses. Interrupts: the first Ctrl-C (or SIGTERM) stops new
//! operations and lets running ones finish and be recorded; a second exits at once, leaving
//! state consistent on disk (every finished operation is already journaled).

use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use hangar_engine::events::{Events, NoEvents};
use hangar_engine::plan::Plan;
use hangar_engine::workspace::{Cancel, Mode};

use crate::progress::{Bar, Lines};
use crate::render::{print_plan, Style};
use crate::{CliError, Env, RunFlags};

/// Prints the warnings a plan collected, to standard error.
fn warn(env: &Env, plan: &Plan) {
    if !plan.warnings.is_empty() {
        crate::report_error(
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
    let ws = env.open(Some(flags))?;
    let session = ws.begin("plan")?;
    env.note_takeover(&session);
    let events: &dyn Events = if json { &NoEvents } else { &Lines };
    let mut plan = session.plan(mode, events)?;
    if out.is_some() {
        session.describe(&mut plan);
    } else if json {
        session.describe_checks(&mut plan);
    }
    warn(env, &plan);
    let started = std::time::Instant::now();
    if json {
        crate::out::stream(|w| {
            session
                .write_plan_json(&plan, w)
                .map_err(std::io::Error::from)
        });
    } else {
        print_plan(&plan, env.style);
    }
    hangar_engine::timing::phase("render", started);
    if let Some(path) = out {
        plan.save(path, ws.encryption_keys()?.as_ref())?;
        if !json {
            crate::outln!("\nSaved the plan to: {}\n\nTo perform exactly these actions, run the following command to apply:\n    hangar apply \"{}\"", path.display(), path.display());
        }
    }
    let code = if detailed && plan.has_changes() { 2 } else { 0 };
    // The process exits next: the plan and the configuration are left to it rather than
    // freed piece by piece (55-95 ms at 100k blocks); the session still releases its lock.
    std::mem::forget(plan);
    drop(session);
    ws.close_at_exit();
    Ok(code)
}

fn confirm(destroy: bool) -> Result<bool, CliError> {
    let question = if destroy {
        "Do you really want to destroy all resources?\n  Hangar will destroy all your managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be accepted to confirm."
    } else {
        "Do you want to perform these actions?\n  Hangar will perform the actions described above.\n  Only 'yes' will be accepted to approve."
    };
    crate::out!("\n{question}\n\n  Enter a value: ");
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
    let ws = env.open(Some(flags))?;
    let session = ws.begin(if destroy { "destroy" } else { "apply" })?;
    env.note_takeover(&session);
    let plan = match plan_file {
        Some(path) => Plan::load(path, ws.encryption_keys()?.as_ref())?,
        None => {
            let plan = session.plan(mode, &Lines)?;
            warn(env, &plan);
            print_plan(&plan, env.style);
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
    let progress: Box<dyn Events> = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        Box::new(Bar::default())
    } else {
        Box::new(Lines)
    };
    let cancel = Arc::new(Cancel::default());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Message(format!("cannot start the async runtime: {e}")))?;
    // Signals are watched on a runtime of their own; the engine runs the apply on its own.
    rt.spawn(watch_signals(cancel.clone()));
    let applied = session.apply(&plan, progress.as_ref(), &cancel)?;
    if plan.refresh_only {
        crate::outln!("\nApply complete! Resources: 0 added, 0 changed, 0 destroyed; {} change(s) made outside Hangar recorded in state.", applied.recorded);
        return Ok(0);
    }
    if !applied.diags.is_empty() {
        crate::report_error(&CliError::Diags(applied.diags.clone()), env);
    }
    if applied.interrupted {
        eprintln!("Apply interrupted: finished operations are recorded in state.");
        return Err(CliError::Exit(1));
    }
    if applied.diags.has_errors() {
        return Err(CliError::Exit(1));
    }
    let st = env.style;
    if plan.destroy {
        crate::outln!(
            "\n{} Resources: {} destroyed.",
            st_green(st, "Destroy complete!"),
            applied.destroyed
        );
    } else {
        let imported = match applied.imported {
            0 => String::new(),
            n => format!(" {n} imported,"),
        };
        crate::outln!(
            "\n{} Resources:{imported} {} added, {} changed, {} destroyed.",
            st_green(st, "Apply complete!"),
            applied.added,
            applied.changed,
            applied.destroyed
        );
        if !applied.state.outputs.is_empty() {
            crate::outln!("\nOutputs:\n");
            crate::out!("{}", crate::inspect::outputs_text(&applied.state));
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

async fn watch_signals(cancel: Arc<Cancel>) {
    {
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
            if cancel.interrupted.swap(true, Ordering::SeqCst) {
                eprintln!("\nTwo interrupts received. Exiting immediately; finished operations are already recorded.");
                std::process::exit(130);
            }
            cancel.stop.store(true, Ordering::SeqCst);
            eprintln!("\nInterrupt received. Please wait for Hangar to exit or data loss may occur.\nGracefully shutting down...");
        }
    }
}
