//! `hangar drift`: a read-only check for CI, with honest exit codes and machine reports.
//!
//! The engine does the check ([`Workspace::drift`](hangar_engine::workspace::Workspace::drift))
//! and builds report format 1.0 (documented in `hangar_engine::drift::report`); this command
//! prints it as text or JSON, writes JUnit, and picks the exit code. Exit codes, always: 0 no
//! drift, 2 drift found (or an expired allowlist entry), 1 error.

use std::path::Path;

use hangar_engine::drift::allow;
use hangar_engine::drift::report::DriftReport;
use hangar_engine::events::{Events, NoEvents};

use crate::progress::Lines;
use crate::{CliError, Env, RunFlags};

/// `hangar drift`.
pub fn drift(
    env: &mut Env,
    flags: &RunFlags,
    as_json: bool,
    junit: Option<&Path>,
    allow: Option<&Path>,
) -> Result<u8, CliError> {
    let allowances = match allow {
        Some(p) => allow::read(p)?,
        None => Vec::new(),
    };
    let ws = env.open(Some(flags))?;
    let events: &dyn Events = if as_json { &NoEvents } else { &Lines };
    let found = ws.drift(&allowances, events)?;
    let report = &found.report;
    if !report.warnings.is_empty() && !as_json {
        crate::report_error(
            &CliError::Diags(hangar_core::Diagnostics(report.warnings.clone())),
            env,
        );
    }
    if let Some(path) = junit {
        write_junit(path, report, &found.recorded)?;
    }
    if as_json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
    } else {
        crate::outln!();
        for i in &report.items {
            let tag = if i.allowed { "allowed" } else { "DRIFT" };
            crate::outln!("{tag:7} {:9} {}", i.kind.name(), i.detail);
            for a in &i.attributes {
                crate::outln!("          {}: {} -> {}", a.name, a.recorded, a.actual);
            }
        }
        for a in &report.expired_allowances {
            crate::outln!(
                "EXPIRED allowlist entry for {} ({}) expired on {}: {}",
                a.address,
                a.attribute,
                a.expires,
                a.reason
            );
        }
        for u in &report.unsearched {
            crate::outln!(
                "SKIPPED orphan search for {} ({}): {}.",
                u.types.join(", "),
                u.provider,
                u.reason
            );
        }
        if !report.pending.is_empty() {
            crate::outln!("\nConfiguration not yet applied (not drift): {} change(s); run hangar plan to see them.", report.pending.len());
        }
        crate::outln!(
            "\nDrift check of workspace {}: {} drifted, {} allowed, {} expired allowance(s), {} API call(s).",
            report.workspace,
            report.summary.drift,
            report.summary.allowed,
            report.summary.expired_allowances,
            report.api_calls
        );
    }
    Ok(if report.failed() { 2 } else { 0 })
}

/// One JUnit test case per recorded resource and per object found only by the check (an
/// orphan is its own test case, never pinned on a recorded resource), and a skipped one per
/// provider whose types could not be searched for untracked objects.
fn write_junit(path: &Path, report: &DriftReport, recorded: &[String]) -> Result<(), CliError> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut names: Vec<String> = recorded.to_vec();
    for i in &report.items {
        if !names.contains(&i.address) {
            names.push(i.address.clone());
        }
    }
    let mut suite = TestSuite::new(format!("hangar drift {}", report.workspace));
    for name in &names {
        let found: Vec<_> = report.items.iter().filter(|i| &i.address == name).collect();
        let failures: Vec<_> = found.iter().filter(|i| !i.allowed).collect();
        let mut status = match failures.first() {
            None => TestCaseStatus::success(),
            Some(first) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_type(first.kind.name());
                s.set_message(first.detail.clone());
                let lines: Vec<String> = failures
                    .iter()
                    .flat_map(|i| {
                        std::iter::once(i.detail.clone()).chain(
                            i.attributes
                                .iter()
                                .map(|a| format!("{}: {} -> {}", a.name, a.recorded, a.actual)),
                        )
                    })
                    .collect();
                s.set_description(lines.join("\n"));
                s
            }
        };
        let _ = &mut status;
        let mut case = TestCase::new(name.clone(), status);
        case.set_classname(format!("hangar.drift.{}", report.workspace));
        let allowed: Vec<String> = found
            .iter()
            .filter(|i| i.allowed)
            .map(|i| format!("allowed: {}", i.detail))
            .collect();
        if !allowed.is_empty() {
            case.set_system_out(allowed.join("\n"));
        }
        suite.add_test_case(case);
    }
    for u in &report.unsearched {
        let mut status = TestCaseStatus::skipped();
        status.set_message(format!(
            "orphan search not available for {}: {}",
            u.types.join(", "),
            u.reason
        ));
        let mut case = TestCase::new(format!("orphan search: {}", u.provider), status);
        case.set_classname(format!("hangar.drift.{}", report.workspace));
        suite.add_test_case(case);
    }
    let mut junit = Report::new("hangar drift");
    junit.add_test_suite(suite);
    let text = junit
        .to_string()
        .map_err(|e| CliError::Message(format!("cannot write {}: {e}", path.display())))?;
    std::fs::write(path, text)
        .map_err(|e| CliError::Message(format!("cannot write {}: {e}", path.display())))
}
