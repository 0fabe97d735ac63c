//! Runs one job of the agent's workspace through the engine's operations API — the same
//! calls, residency gate and state backend as the CLI — and turns what happened into a
//! metadata-only [`JobSummary`].
//!
//! What a summary may carry: resource addresses, types, actions, counts, the names (never the
//! values) of drifted attributes, durations, and error *summaries* (a diagnostic's one-line
//! summary; its detail, which may quote values, is left out). Plan values, state, variables
//! and provider responses never enter a summary: the conversion functions here read only
//! addresses and actions.
//!
//! Each job runs `init` first (modules, backend record), then the operation, with the
//! workspace's own backend and the credentials of the agent's environment. A plan job saves its
//! plan in the agent's data directory (sealed with the workspace's encryption keys when it has
//! them), so a later `apply` job naming it applies exactly that plan.
//!
//! Left out: workloads (Kubernetes Jobs/Deployments), which [`crate::workload`] runs on the
//! cluster; handed one, this module refuses it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use hangar_core::Diagnostics;
use hangar_engine::drift::Kind as EngineDriftKind;
use hangar_engine::events::NoEvents;
use hangar_engine::plan::{Action as EngineAction, Plan};
use hangar_engine::vars::VarArg;
use hangar_engine::workspace::{self, Cancel, Mode, Options, Workspace};
use hangar_wire::{
    Action, ChangeCounts, DriftItem, DriftKind, ErrorSummary, JobSpec, JobStatus, JobSummary,
    ResourceChange,
};

/// Where and how jobs run.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// The workspace's configuration directory.
    pub dir: PathBuf,
    /// The workspace name.
    pub workspace: String,
    /// `--var-file` files, in order.
    pub var_files: Vec<PathBuf>,
    /// Environment the engine sees (credentials, `TF_VAR_*`, encryption keys).
    pub environment: BTreeMap<String, String>,
    /// Where saved plans are kept.
    pub plans_dir: PathBuf,
}

/// What running a job produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    /// `succeeded` or `failed`.
    pub status: JobStatus,
    /// What it did, as metadata.
    pub summary: JobSummary,
}

/// Runs `spec` (job `id`) to its end, blocking; never panics on engine errors, which become a
/// failed outcome with error summaries.
pub fn run(settings: &EngineSettings, id: i64, spec: &JobSpec) -> Finished {
    let started = Instant::now();
    let mut summary = JobSummary::default();
    let ok = match execute(settings, id, spec, &mut summary) {
        Ok(ok) => ok,
        Err(errors) => {
            summary.errors.extend(errors);
            false
        }
    };
    summary
        .errors
        .truncate(hangar_wire::limits::MAX_WORKLOAD_LIST);
    summary.changes.truncate(hangar_wire::limits::MAX_LIST);
    summary.drift.truncate(hangar_wire::limits::MAX_LIST);
    summary.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Finished {
        status: if ok && summary.errors.is_empty() {
            JobStatus::Succeeded
        } else {
            JobStatus::Failed
        },
        summary,
    }
}

type Failure = Vec<ErrorSummary>;

fn execute(
    s: &EngineSettings,
    id: i64,
    spec: &JobSpec,
    summary: &mut JobSummary,
) -> Result<bool, Failure> {
    if matches!(spec, JobSpec::Workload { .. }) {
        return Err(vec![message(
            "workload jobs run on the cluster, not through the engine",
        )]);
    }
    workspace::init(&s.dir, &s.workspace, &s.environment, false, false).map_err(engine_error)?;
    let mut o = Options::new(&s.dir);
    o.workspace = s.workspace.clone();
    o.environment = s.environment.clone();
    o.variables = s.var_files.iter().cloned().map(VarArg::File).collect();
    let ws = Workspace::open(o).map_err(engine_error)?;
    match spec {
        JobSpec::Plan {
            destroy,
            refresh_only,
        } => {
            let session = ws.begin("plan").map_err(engine_error)?;
            let mut plan = session
                .plan(Mode::of(*destroy, *refresh_only), &NoEvents)
                .map_err(engine_error)?;
            session.describe(&mut plan);
            describe_plan(&plan, summary);
            let keys = ws.encryption_keys().map_err(engine_error)?;
            std::fs::create_dir_all(&s.plans_dir)
                .map_err(|e| vec![message(&format!("saving the plan: {e}"))])?;
            plan.save(&plan_path(&s.plans_dir, id), keys.as_ref())
                .map_err(|e| vec![message(&format!("saving the plan: {e}"))])?;
            Ok(true)
        }
        JobSpec::Apply { destroy, plan_job } => {
            let session = ws.begin("apply").map_err(engine_error)?;
            let plan = match plan_job {
                Some(p) => {
                    let keys = ws.encryption_keys().map_err(engine_error)?;
                    Plan::load(&plan_path(&s.plans_dir, *p), keys.as_ref()).map_err(|e| {
                        vec![message(&format!("the plan of job {p} cannot be used: {e}"))]
                    })?
                }
                None => session
                    .plan(Mode::of(*destroy, false), &NoEvents)
                    .map_err(engine_error)?,
            };
            describe_plan(&plan, summary);
            let applied = session
                .apply(&plan, &NoEvents, &Cancel::default())
                .map_err(engine_error)?;
            summary.counts = ChangeCounts {
                add: count(applied.added),
                change: count(applied.changed),
                destroy: count(applied.destroyed),
                import: count(applied.imported),
            };
            summary.errors.extend(diagnostics(&applied.diags));
            Ok(!applied.diags.has_errors() && !applied.interrupted)
        }
        JobSpec::Drift {} => {
            let drift = ws.drift(&[], &NoEvents).map_err(engine_error)?;
            summary.drift = drift
                .report
                .items
                .iter()
                .filter(|i| !i.allowed)
                .map(|i| DriftItem {
                    address: i.address.clone(),
                    resource_type: resource_type(&i.address),
                    kind: match i.kind {
                        EngineDriftKind::Changed => DriftKind::Changed,
                        EngineDriftKind::Deleted => DriftKind::Deleted,
                        EngineDriftKind::Residency => DriftKind::Residency,
                        EngineDriftKind::Orphan => DriftKind::Orphan,
                    },
                    attributes: i.attributes.iter().map(|a| a.name.clone()).collect(),
                })
                .collect();
            Ok(true)
        }
        JobSpec::Workload { .. } => Ok(false),
    }
}

/// The file a plan job's plan is saved in.
pub fn plan_path(dir: &Path, job: i64) -> PathBuf {
    dir.join(format!("job-{job}.plan"))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Addresses, types and actions of a plan's changes, and its totals.
fn describe_plan(plan: &Plan, summary: &mut JobSummary) {
    let mut counts = ChangeCounts::default();
    summary.changes = plan
        .resource_changes
        .iter()
        .filter(|c| c.acts())
        .filter_map(|c| {
            let action = match c.action {
                EngineAction::NoOp if c.importing.is_some() => Action::Import,
                EngineAction::NoOp if c.previous_address.is_some() => Action::Move,
                EngineAction::NoOp => return None,
                EngineAction::Create => Action::Create,
                EngineAction::Read => Action::Read,
                EngineAction::Update => Action::Update,
                EngineAction::DeleteThenCreate | EngineAction::CreateThenDelete => Action::Replace,
                EngineAction::Delete => Action::Delete,
                EngineAction::Forget => Action::Forget,
            };
            match action {
                Action::Create => counts.add += 1,
                Action::Update => counts.change += 1,
                Action::Replace => {
                    counts.add += 1;
                    counts.destroy += 1
                }
                Action::Delete => counts.destroy += 1,
                Action::Import => counts.import += 1,
                _ => {}
            }
            Some(ResourceChange {
                address: c.addr.to_string(),
                resource_type: c.addr.resource.type_.clone(),
                action,
            })
        })
        .collect();
    summary.counts = counts;
}

/// The resource type of an instance address (`module.m[0].aws_s3_bucket.b["x"]` →
/// `aws_s3_bucket`).
fn resource_type(address: &str) -> String {
    match address.parse::<hangar_core::ResourceInstanceAddr>() {
        Ok(a) => a.resource.type_,
        Err(_) => "unknown".into(),
    }
}

fn message(m: &str) -> ErrorSummary {
    ErrorSummary {
        address: None,
        code: None,
        message: bounded(m),
    }
}

fn bounded(m: &str) -> String {
    let limit = hangar_wire::limits::MAX_MESSAGE;
    if m.len() <= limit {
        return m.to_string();
    }
    let mut end = limit;
    while !m.is_char_boundary(end) {
        end -= 1;
    }
    m[..end].to_string()
}

/// Error diagnostics as summaries: the one-line summary only (details may quote values).
fn diagnostics(d: &Diagnostics) -> Vec<ErrorSummary> {
    d.0.iter()
        .filter(|x| x.is_error())
        .map(|x| message(&x.summary))
        .collect()
}

fn engine_error(e: workspace::Error) -> Failure {
    match e {
        workspace::Error::Diags(d) => {
            let v = diagnostics(&d);
            if v.is_empty() {
                vec![message("the operation failed")]
            } else {
                v
            }
        }
        workspace::Error::State(s) => vec![message(&format!("state: {s}"))],
        workspace::Error::PlanFile(p) => vec![message(&format!("plan file: {p}"))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &Path, workspace: &str) -> EngineSettings {
        EngineSettings {
            dir: dir.to_path_buf(),
            workspace: workspace.into(),
            var_files: Vec::new(),
            environment: BTreeMap::new(),
            plans_dir: dir.join(".agent/plans"),
        }
    }

    const SECRET: &str = "sk-live-51HxQzTopSecretValue0042";

    #[test]
    fn plan_then_apply_that_plan_reports_addresses_and_actions_without_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("main.tf"),
            format!(
                "resource \"terraform_data\" \"token\" {{\n  input = \"{SECRET}\"\n}}\n\
                 resource \"terraform_data\" \"n\" {{\n  count = 2\n  input = count.index\n}}\n"
            ),
        )
        .expect("write");
        let s = settings(dir.path(), "default");
        let plan = run(
            &s,
            7,
            &JobSpec::Plan {
                destroy: false,
                refresh_only: false,
            },
        );
        assert_eq!(plan.status, JobStatus::Succeeded, "{:?}", plan.summary);
        assert_eq!(plan.summary.counts.add, 3);
        let addrs: Vec<&str> = plan
            .summary
            .changes
            .iter()
            .map(|c| c.address.as_str())
            .collect();
        assert_eq!(
            addrs,
            [
                "terraform_data.n[0]",
                "terraform_data.n[1]",
                "terraform_data.token"
            ]
        );
        assert!(plan_path(&s.plans_dir, 7).is_file());

        let applied = run(
            &s,
            8,
            &JobSpec::Apply {
                destroy: false,
                plan_job: Some(7),
            },
        );
        assert_eq!(
            applied.status,
            JobStatus::Succeeded,
            "{:?}",
            applied.summary
        );
        assert_eq!(applied.summary.counts.add, 3);
        assert!(applied
            .summary
            .changes
            .iter()
            .all(|c| c.resource_type == "terraform_data" && c.action == Action::Create));
        let wire = serde_json::to_string(&applied.summary).expect("encode");
        assert!(!wire.contains(SECRET), "{wire}");
        // The value was really applied: state (which stays in the region) holds it.
        let state = std::fs::read_to_string(workspace::local_state_path(dir.path(), "default"))
            .expect("local state");
        assert!(state.contains(SECRET));

        let drift = run(&s, 9, &JobSpec::Drift {});
        assert_eq!(drift.status, JobStatus::Succeeded, "{:?}", drift.summary);
        assert!(drift.summary.drift.is_empty());
    }

    #[test]
    fn a_bad_configuration_is_a_failed_job_with_an_error_summary() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("main.tf"),
            "resource \"terraform_data\" \"x\" {\n  input = var.missing\n}\n",
        )
        .expect("write");
        let done = run(
            &settings(dir.path(), "default"),
            1,
            &JobSpec::Apply {
                destroy: false,
                plan_job: None,
            },
        );
        assert_eq!(done.status, JobStatus::Failed);
        assert!(
            done.summary
                .errors
                .iter()
                .any(|e| e.message.contains("Reference to undeclared input variable")),
            "{:?}",
            done.summary.errors
        );
    }
}
