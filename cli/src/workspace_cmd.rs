//! `hangar workspace list|show|new|select|delete`, as Terraform users expect, within Hangar's
//! rule that workspaces are declared in configuration (`workspace "NAME" { ... }` blocks).
//!
//! `select` records the choice in `.hangar/environment` (Terraform keeps it in
//! `.terraform/environment`); later commands use it unless `-w`/`HANGAR_WORKSPACE` say
//! otherwise. `new` selects a declared workspace that has no state yet; an undeclared
//! name is refused with the declared ones, never silently given new state. `delete` removes a
//! workspace's state only when it records no resources (or with `--force`).

use std::path::Path;

use hangar_core::Diagnostic;
use hangar_engine::residency::binding::recorded;
use hangar_engine::residency::{selected_workspace, Policy};

use crate::{CliError, Env, WorkspaceCommand};

/// Where `workspace select` records the choice.
const SELECTED: &str = ".hangar/environment";

/// The workspace `workspace select` recorded in `dir`, if any.
pub fn selected(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(SELECTED))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Runs a `hangar workspace` subcommand.
pub fn run(env: &mut Env, cmd: WorkspaceCommand) -> Result<u8, CliError> {
    match cmd {
        WorkspaceCommand::List => list(env),
        WorkspaceCommand::Show { name: None } => {
            let ws = env.open(None)?;
            crate::outln!("{}", ws.name());
            Ok(0)
        }
        WorkspaceCommand::Show { name: Some(n) } => show(env, &n),
        WorkspaceCommand::New { name } => new(env, &name),
        WorkspaceCommand::Select { name } => select(env, &name),
        WorkspaceCommand::Delete { name, force } => delete(env, &name, force),
    }
}

fn list(env: &mut Env) -> Result<u8, CliError> {
    let cfg = match hangar_engine::config::load_dir(&env.dir) {
        Ok(c) => c,
        Err(d) => return Err(env.load_failed(d)),
    };
    env.remember_config(&cfg);
    let current = selected_workspace(&cfg, &env.workspace).unwrap_or_default();
    if cfg.workspaces.is_empty() {
        crate::outln!("* default (no workspace blocks: not bound to a geography)");
    }
    for name in cfg.workspaces.keys() {
        let mark = if *name == current { "*" } else { " " };
        match Policy::select(&cfg, name) {
            Ok(Some(p)) => crate::outln!(
                "{mark} {name}  geography={} region={} allowed={}",
                p.geography,
                p.region,
                p.allowed_regions.join(",")
            ),
            _ => crate::outln!("{mark} {name}  (invalid: run hangar validate)"),
        }
    }
    Ok(0)
}

fn show(env: &mut Env, name: &str) -> Result<u8, CliError> {
    env.workspace = name.to_string();
    let ws = env.open(None)?;
    crate::outln!("workspace: {}", ws.name());
    match ws.policy() {
        Some(p) => crate::outln!(
            "geography: {}\nregion:    {}\nallowed:   {}",
            p.geography,
            p.region,
            p.allowed_regions.join(", ")
        ),
        None => crate::outln!("geography: (none: the configuration declares no workspace blocks)"),
    }
    let doc = ws.state()?;
    match recorded(&doc)? {
        Some(b) => crate::outln!(
            "bound:     {} to {} / {} (binding {})",
            b.bound_at,
            b.geography,
            b.region,
            b.binding_id
        ),
        None => crate::outln!("bound:     not yet (the first apply binds it)"),
    }
    crate::outln!("resources: {}", doc.resources.len());
    Ok(0)
}

fn record_selection(env: &Env, name: &str) -> Result<(), CliError> {
    let path = env.dir.join(SELECTED);
    let write = || -> std::io::Result<()> {
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(&path, format!("{name}\n"))
    };
    write().map_err(|e| CliError::Message(format!("cannot write {SELECTED}: {e}")))
}

fn select(env: &mut Env, name: &str) -> Result<u8, CliError> {
    env.workspace = name.to_string();
    let ws = env.open(None)?;
    record_selection(env, ws.name())?;
    crate::outln!("Switched to workspace \"{}\".", ws.name());
    Ok(0)
}

fn new(env: &mut Env, name: &str) -> Result<u8, CliError> {
    env.workspace = name.to_string();
    let ws = env.open(None)?;
    if ws.backend().read()?.is_some() {
        return Err(Diagnostic::error(
            format!("Workspace \"{name}\" already exists"),
            "Its state already exists; select it with `hangar workspace select` instead.",
        )
        .into());
    }
    record_selection(env, ws.name())?;
    crate::outln!("Created and switched to workspace \"{}\"!\n\nYou're now on a new, empty workspace. Workspaces isolate their state,\nso if you run \"hangar plan\" Hangar will not see any existing state\nfor this configuration.", ws.name());
    Ok(0)
}

fn delete(env: &mut Env, name: &str, force: bool) -> Result<u8, CliError> {
    if selected(&env.dir).as_deref() == Some(name) {
        return Err(Diagnostic::error(
            "Workspace is selected",
            format!("Workspace \"{name}\" is selected: select another one before deleting it."),
        )
        .into());
    }
    env.workspace = name.to_string();
    let ws = env.open(None)?;
    let doc = ws.state()?;
    if !doc.resources.is_empty() && !force {
        return Err(Diagnostic::error(
            "Workspace is not empty",
            format!(
                "Workspace \"{name}\" still manages {} resource instance(s). Destroy them first, or use --force to forget them (they stay in the cloud).",
                doc.resources.len()
            ),
        )
        .into());
    }
    let _lock = ws.begin("workspace delete")?;
    let path = hangar_engine::workspace::local_state_path(&env.dir, ws.name());
    let removed = match path.parent() {
        Some(dir) if ws.name() != "default" && ws.backend().is_local() => {
            std::fs::remove_dir_all(dir).is_ok()
        }
        _ => false,
    };
    if !removed {
        return Err(Diagnostic::error(
            "Cannot delete this workspace's state",
            "Only the local state of a named workspace can be deleted by Hangar; remove remote state with the store's own tools.",
        )
        .into());
    }
    crate::outln!("Deleted workspace \"{name}\"!");
    Ok(0)
}
