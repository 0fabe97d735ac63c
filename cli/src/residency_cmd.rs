//! `hangar workspace list|show` and `hangar residency`: where a workspace is bound, and the
//! evidence that everything it manages lives there.
//!
//! `residency` prints one row per recorded resource — address, cloud, declared region (from
//! configuration), observed region (as the provider last read it back), verdict — plus the
//! binding, and exits 1 on any violation.

use std::fmt::Write as _;

use hangar_core::Diagnostic;
use serde_json::json;

use super::{CliError, Env};
use hangar_core::Cloud;
use hangar_engine::graph::Graph;
use hangar_engine::planner::parse_provider_addr;
use hangar_engine::residency::binding::recorded;
use hangar_engine::residency::check::check_config;
use hangar_engine::residency::{selected_workspace, Policy};
use hangar_engine::scope::Values;

/// `hangar workspace list`.
pub fn list(env: &mut Env) -> Result<u8, CliError> {
    let cfg = env.load()?;
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
    let cfg = env.load()?;
    env.workspace = selected_workspace(&cfg, name)?;
    let policy = Policy::select(&cfg, &env.workspace)?;
    crate::outln!("workspace: {}", env.workspace);
    match &policy {
        Some(p) => crate::outln!(
            "geography: {}\nregion:    {}\nallowed:   {}",
            p.geography,
            p.region,
            p.allowed_regions.join(", ")
        ),
        None => crate::outln!("geography: (none: the configuration declares no workspace blocks)"),
    }
    let backend = env.backend()?;
    let doc = env.read_state(&*backend)?;
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
pub fn residency(env: &mut Env, flags: &super::RunFlags, as_json: bool) -> Result<u8, CliError> {
    let cfg = env.load()?;
    env.workspace = selected_workspace(&cfg, &env.workspace)?;
    let Some(policy) = Policy::select(&cfg, &env.workspace)? else {
        return Err(Diagnostic::error(
            "Workspace is not bound to a geography",
            "The configuration declares no workspace blocks, so there is no residency policy to verify. Declare workspace \"NAME\" { geography = \"eu\", region = \"eu-central-1\" }.",
        )
        .into());
    };
    let graph = Graph::build(&cfg).check()?;
    let backend = env.backend()?;
    let doc = env.read_state(&*backend)?;
    let binding = recorded(&doc)?;
    let ws_vars = policy.variables.clone();
    let vars = hangar_engine::vars::resolve(&cfg, &flags.var_args(), &super::env_vars(), &ws_vars)?;
    let mut values = Values::new(
        vars,
        cfg.dir.display().to_string(),
        policy.workspace.clone(),
        Some(policy.value()),
    );
    let placements = check_config(&cfg, &graph, &mut values, &policy).unwrap_or_default();
    let mut rows = Vec::new();
    let mut violations = 0;
    for rec in doc.resources.values() {
        let provider = parse_provider_addr(&rec.provider).0;
        let Some(cloud) = Cloud::of_provider(&provider) else {
            continue;
        };
        let declared = placements
            .get(&rec.addr.resource)
            .and_then(|p| p.region.clone());
        let verdict = match &rec.region {
            None => "unverified".to_string(),
            Some(r) => match policy.admits(cloud, r) {
                Ok(()) if declared.as_ref().is_none_or(|d| d == r) => "ok".to_string(),
                Ok(()) => "ok (differs from declared)".to_string(),
                Err(why) => {
                    violations += 1;
                    format!("VIOLATION: {}", policy.explain(cloud, r, &why))
                }
            },
        };
        rows.push((
            rec.addr.to_string(),
            cloud.name(),
            declared,
            rec.region.clone(),
            verdict,
            rec.addr.resource.clone(),
        ));
    }
    if as_json {
        let out = json!({
            "format_version": "1.0",
            "workspace": policy.workspace,
            "geography": policy.geography,
            "region": policy.region,
            "allowed_regions": policy.allowed_regions,
            "binding": binding,
            "violations": violations,
            "resources": rows.iter().map(|(a, c, d, o, v, _)| json!({"address": a, "cloud": c, "declared_region": d, "observed_region": o, "verdict": v})).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Workspace {} — geography {}, region {}{}",
            policy.workspace,
            policy.geography,
            policy.region,
            if policy.allowed_regions.is_empty() {
                String::new()
            } else {
                format!(", also {}", policy.allowed_regions.join(", "))
            }
        );
        match &binding {
            Some(b) => {
                let _ = writeln!(s, "Bound {} (binding {})\n", b.bound_at, b.binding_id);
            }
            None => {
                let _ = writeln!(s, "Not bound yet: the first apply binds it.\n");
            }
        }
        let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(7).max(7);
        let _ = writeln!(
            s,
            "{:w$}  {:5}  {:16}  {:16}  VERDICT",
            "ADDRESS", "CLOUD", "DECLARED", "OBSERVED"
        );
        for (a, c, d, o, v, _) in &rows {
            let _ = writeln!(
                s,
                "{a:w$}  {c:5}  {:16}  {:16}  {v}",
                d.as_deref().unwrap_or("-"),
                o.as_deref().unwrap_or("-")
            );
        }
        let _ = writeln!(
            s,
            "\n{} resource(s), {violations} violation(s).",
            rows.len()
        );
        crate::out!("{s}");
    }
    Ok(u8::from(violations > 0))
}
