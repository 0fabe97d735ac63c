//! `hangar residency`: the evidence that everything a workspace manages lives inside its
//! geography.
//!
//! `residency` prints the engine's report: the state backend's location first, then one row
//! per recorded resource — address, cloud, declared region (from configuration), observed
//! region (as the provider last read it back), verdict — plus the binding; exit 1 on any
//! violation.

use std::fmt::Write as _;

use crate::{CliError, Env};

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
            r.cloud.map(|c| c.name()).unwrap_or("-"),
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
    for u in &report.unsearched {
        let _ = writeln!(
            s,
            "\nNot searched for untracked objects: {} ({}): {}.",
            u.types.join(", "),
            u.provider,
            u.reason
        );
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
