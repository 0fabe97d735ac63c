//! Jobs: what a workspace's agent is asked to do (plan, apply, drift, a workload) and the
//! metadata-only summary it reports back.
//!
//! A [`JobSpec`] names the work, never the configuration's contents: the agent holds the
//! configuration, credentials and state backend of its region. A [`JobSummary`] carries
//! addresses, resource types, actions, counts and durations; there is deliberately no field for
//! attribute values, plan values, state or logs.

use serde::{Deserialize, Serialize};

use crate::bound::{at, ensure, ident, list, name, opt, text};
use crate::limits::{MAX_LIST, MAX_MESSAGE, MAX_TEXT, MAX_WORKLOAD_LIST};
use crate::{Message, WireError};

/// What a job does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum JobSpec {
    /// `hangar plan` in the workspace.
    Plan {
        /// Plan a destroy (`plan --destroy`).
        #[serde(default)]
        destroy: bool,
        /// Only refresh (`plan --refresh-only`).
        #[serde(default)]
        refresh_only: bool,
    },
    /// `hangar apply` in the workspace.
    Apply {
        /// Destroy everything (`destroy`).
        #[serde(default)]
        destroy: bool,
        /// Apply exactly the plan an earlier plan job of this workspace saved.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plan_job: Option<i64>,
    },
    /// `hangar drift` in the workspace.
    Drift {},
    /// Run a Kubernetes workload on the workspace's own cluster.
    Workload {
        /// The workload.
        workload: Workload,
    },
}

impl JobSpec {
    /// The job's kind as a word (`plan`, `apply`, `drift`, `workload`).
    pub fn kind(&self) -> JobKind {
        match self {
            JobSpec::Plan { .. } => JobKind::Plan,
            JobSpec::Apply { .. } => JobKind::Apply,
            JobSpec::Drift {} => JobKind::Drift,
            JobSpec::Workload { .. } => JobKind::Workload,
        }
    }

    fn check_at(&self, field: &str) -> Result<(), WireError> {
        match self {
            JobSpec::Plan { .. } | JobSpec::Drift {} => Ok(()),
            JobSpec::Apply { plan_job, .. } => ensure(
                plan_job.is_none_or(|id| id > 0),
                &at(field, "plan_job"),
                "must be a job id",
            ),
            JobSpec::Workload { workload } => workload.check_at(&at(field, "workload")),
        }
    }
}

/// The kind of a job, without its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A plan.
    Plan,
    /// An apply (or destroy).
    Apply,
    /// A drift check.
    Drift,
    /// A Kubernetes workload.
    Workload,
}

impl JobKind {
    /// The kind as its wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Plan => "plan",
            JobKind::Apply => "apply",
            JobKind::Drift => "drift",
            JobKind::Workload => "workload",
        }
    }
}

/// A Kubernetes Job or Deployment to run on the workspace's cluster, with the workspace's bucket
/// injected as the artifact store by the agent.
///
/// Only what the control plane must judge is carried: the images (their registries must lie in
/// the workspace's geography), bucket references and the shape of the pods. Environment values
/// and arguments are configuration the operator wrote, not data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// `job` (runs to completion) or `deployment` (a long-running service).
    pub kind: WorkloadKind,
    /// Kubernetes object name.
    pub name: String,
    /// Namespace on the workspace's cluster; the agent's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Replicas of a deployment (ignored for a job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// The pod's containers.
    pub containers: Vec<Container>,
    /// Bucket the workload reads from or writes to (`s3://NAME[/PREFIX]`, or an HTTPS bucket
    /// URL); the workspace's own bucket when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_bucket: Option<String>,
}

impl Workload {
    fn check_at(&self, field: &str) -> Result<(), WireError> {
        name(&at(field, "name"), &self.name)?;
        opt(&at(field, "namespace"), self.namespace.as_deref(), name)?;
        ensure(
            !self.containers.is_empty(),
            &at(field, "containers"),
            "a workload needs at least one container",
        )?;
        list(
            &at(field, "containers"),
            &self.containers,
            MAX_WORKLOAD_LIST,
            |f, c| c.check_at(f),
        )?;
        opt(
            &at(field, "artifact_bucket"),
            self.artifact_bucket.as_deref(),
            ident,
        )
    }
}

/// The two workload shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadKind {
    /// A Kubernetes `batch/v1` Job (e.g. a training run).
    Job,
    /// A Kubernetes `apps/v1` Deployment (e.g. a model service).
    Deployment,
}

/// One container of a workload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Container {
    /// Container name.
    pub name: String,
    /// Image reference (`REGISTRY/REPOSITORY[:TAG][@DIGEST]`).
    pub image: String,
    /// Arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// CPU request in millicores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_millicores: Option<u32>,
    /// Memory request in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u32>,
}

impl Container {
    fn check_at(&self, field: &str) -> Result<(), WireError> {
        name(&at(field, "name"), &self.name)?;
        ident(&at(field, "image"), &self.image)?;
        list(&at(field, "args"), &self.args, MAX_WORKLOAD_LIST, |f, a| {
            text(f, a, MAX_TEXT, false)
        })?;
        list(&at(field, "env"), &self.env, MAX_WORKLOAD_LIST, |f, e| {
            name(&at(f, "name"), &e.name)?;
            text(&at(f, "value"), &e.value, MAX_TEXT, false)
        })
    }
}

/// An environment variable of a container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvVar {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// Where a job is in its life: queued → running → succeeded or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for the workspace's agent.
    Queued,
    /// Claimed by an agent, which holds a lease on it.
    Running,
    /// Finished without error.
    Succeeded,
    /// Finished with an error, or its agent's lease expired.
    Failed,
}

impl JobStatus {
    /// The status as its wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
        }
    }

    /// Parses a wire word.
    pub fn parse(s: &str) -> Option<JobStatus> {
        Some(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "succeeded" => JobStatus::Succeeded,
            "failed" => JobStatus::Failed,
            _ => return None,
        })
    }

    /// Whether the job is over.
    pub fn is_final(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed)
    }
}

/// What a finished (or progressing) job did, as metadata: no attribute values, plan values,
/// state or logs can be expressed here.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSummary {
    /// One entry per resource instance the job changed (or would change, for a plan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ResourceChange>,
    /// Totals, as the plan's last line counts them.
    #[serde(default)]
    pub counts: ChangeCounts,
    /// Drift found by a drift job.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<DriftItem>,
    /// State of a workload's pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<WorkloadStatus>,
    /// Time the job took so far, in milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
    /// Errors, as summaries the agent wrote (address, provider error code, message).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorSummary>,
}

impl JobSummary {
    pub(crate) fn check_at(&self, field: &str) -> Result<(), WireError> {
        list(&at(field, "changes"), &self.changes, MAX_LIST, |f, c| {
            ident(&at(f, "address"), &c.address)?;
            name(&at(f, "resource_type"), &c.resource_type)
        })?;
        list(&at(field, "drift"), &self.drift, MAX_LIST, |f, d| {
            ident(&at(f, "address"), &d.address)?;
            name(&at(f, "resource_type"), &d.resource_type)?;
            list(
                &at(f, "attributes"),
                &d.attributes,
                MAX_WORKLOAD_LIST,
                |f, a| ident(f, a),
            )
        })?;
        list(
            &at(field, "errors"),
            &self.errors,
            MAX_WORKLOAD_LIST,
            |f, e| e.check_at(f),
        )
    }
}

/// One resource instance's planned or applied action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceChange {
    /// Resource address (`module.eu.aws_s3_bucket.artifacts`).
    pub address: String,
    /// Resource type (`aws_s3_bucket`).
    pub resource_type: String,
    /// The action.
    pub action: Action,
}

/// A planned or applied action, as Terraform names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create.
    Create,
    /// Update in place.
    Update,
    /// Destroy and re-create (either order).
    Replace,
    /// Destroy.
    Delete,
    /// Read a data source.
    Read,
    /// Import an existing object.
    Import,
    /// Stop managing without destroying.
    Forget,
    /// Move to a new address.
    Move,
}

/// Totals of a plan or apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeCounts {
    /// To add / added.
    #[serde(default)]
    pub add: u32,
    /// To change / changed.
    #[serde(default)]
    pub change: u32,
    /// To destroy / destroyed.
    #[serde(default)]
    pub destroy: u32,
    /// To import / imported.
    #[serde(default)]
    pub import: u32,
}

/// One drifted resource instance: which attributes changed, never their values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftItem {
    /// Resource address.
    pub address: String,
    /// Resource type.
    pub resource_type: String,
    /// Kind of drift.
    pub kind: DriftKind,
    /// Names of the attributes that changed (for `changed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
}

/// Kinds of drift, as `hangar drift` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// Attributes changed outside Hangar.
    Changed,
    /// The object is gone.
    Deleted,
    /// The object is outside the workspace's geography.
    Residency,
    /// An object tagged as the workspace's that state does not know.
    Orphan,
}

/// Pods of a workload by phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadStatus {
    /// Pods ready (deployment) or running (job).
    #[serde(default)]
    pub ready: u32,
    /// Pods that completed successfully.
    #[serde(default)]
    pub succeeded: u32,
    /// Pods that failed.
    #[serde(default)]
    pub failed: u32,
}

/// An error summary written by the agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSummary {
    /// Resource address the error belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The cloud's (or Hangar's) error code (`BucketAlreadyExists`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The message.
    pub message: String,
}

impl ErrorSummary {
    pub(crate) fn check_at(&self, field: &str) -> Result<(), WireError> {
        opt(&at(field, "address"), self.address.as_deref(), ident)?;
        opt(&at(field, "code"), self.code.as_deref(), ident)?;
        ensure(
            !self.message.is_empty(),
            &at(field, "message"),
            "must not be empty",
        )?;
        text(&at(field, "message"), &self.message, MAX_MESSAGE, true)
    }
}

/// Request to queue a job for a workspace (`POST /api/v1/workspaces/{name}/jobs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueJob {
    /// What to do.
    pub spec: JobSpec,
}

impl Message for QueueJob {
    fn check(&self) -> Result<(), WireError> {
        self.spec.check_at("spec")
    }
}

/// A job as the control plane holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// Job id.
    pub id: i64,
    /// Workspace it belongs to; only that workspace's agent may run it.
    pub workspace: String,
    /// What to do.
    pub spec: JobSpec,
    /// Where it is.
    pub status: JobStatus,
    /// Who queued it (token name).
    pub queued_by: String,
    /// When it was queued (Unix milliseconds).
    pub queued_at: i64,
    /// When an agent claimed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    /// When it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
    /// The agent running or that ran it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The latest summary the agent reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<JobSummary>,
    /// Why it failed, when the control plane failed it (an expired lease).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Message for Job {
    fn check(&self) -> Result<(), WireError> {
        name("workspace", &self.workspace)?;
        self.spec.check_at("spec")?;
        opt("summary", self.summary.as_ref(), |f, s| s.check_at(f))?;
        opt("reason", self.reason.as_deref(), |f, r| {
            text(f, r, MAX_MESSAGE, true)
        })
    }
}

/// A list of jobs, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobList {
    /// The jobs.
    pub jobs: Vec<Job>,
}

impl Message for JobList {
    fn check(&self) -> Result<(), WireError> {
        list("jobs", &self.jobs, MAX_LIST, |_, j| j.check())
    }
}
