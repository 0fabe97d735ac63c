//! `hangar workspace list|show` and `hangar residency`: where a workspace is bound, and the
//! evidence that everything it manages lives there.
//!
//! `residency` prints the engine's report: the state backend's location first, then one row
//! per recorded resource — address, cloud, declared region (from configuration), observed
//! region (as the provider last read it back), verdict — plus the binding; exit 1 on any
//! violation.

use std::fmt::Write as _;

use hangar_engine::residency::binding::recorded;
use hangar_engine::residency::{selected_workspace, Policy};

use crate::{CliError, Env};

/// `hangar workspace list`.
pub fn list(env: &mut Env) -> Result<u8, CliError> {
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

/// `hangar workspace show NAME`.
pub fn show(env: &mut Env, name: &str) -> Result<u8, CliError> {
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

/// `hangar residency [--json]`.
pub fn residency(env: &mut Env, flags: &crate::RunFlags, as_json: bool) -> Result<u8, CliError> {
    let ws = env.open(Some(flags))?;
    let report = ws.residency()?;
    if as_json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
        return Ok(u8::from(report.violations > 0));
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Workspace {} — geography {}, region {}{}",
        report.workspace,
        report.geography,
        report.region,
        if report.allowed_regions.is_empty() {
            String::new()
        } else {
            format!(", also {}", report.allowed_regions.join(", "))
        }
    );
    match &report.binding {
        Some(b) => {
            let _ = writeln!(s, "Bound {} (binding {})\n", b.bound_at, b.binding_id);
        }
        None => {
            let _ = writeln!(s, "Not bound yet: the first apply binds it.\n");
        }
    }
    let state_name = "(state)".to_string();
    let w = report
        .resources
        .iter()
        .map(|r| r.address.len())
        .chain([state_name.len()])
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        s,
        "{:w$}  {:5}  {:16}  {:16}  VERDICT",
        "ADDRESS", "CLOUD", "DECLARED", "OBSERVED"
    );
    let st = &report.state;
    let _ = writeln!(
        s,
        "{state_name:w$}  {:5}  {:16}  {:16}  {} ({})",
        st.cloud.map(|c| c.name()).unwrap_or("-"),
        "-",
        st.location.as_deref().unwrap_or("-"),
        st.verdict,
        st.backend
    );
    for r in &report.resources {
        let _ = writeln!(
            s,
            "{:w$}  {:5}  {:16}  {:16}  {}",
            r.address,
            r.cloud.name(),
            r.declared_region.as_deref().unwrap_or("-"),
            r.observed_region.as_deref().unwrap_or("-"),
            r.verdict
        );
    }
    if !report.configuration.is_empty() {
        let _ = writeln!(s, "\nRefused by the configuration (plan would refuse it):");
        for c in &report.configuration {
            let _ = writeln!(s, "  VIOLATION: {c}");
        }
    }
    let _ = writeln!(
        s,
        "\n{} resource(s), {} violation(s).",
        report.resources.len(),
        report.violations
    );
    crate::out!("{s}");
    Ok(u8::from(report.violations > 0))
}
