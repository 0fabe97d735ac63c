//! Messages an agent exchanges with the control plane: registration, heartbeats with cluster
//! metadata, claiming a job under a lease, progress and outcome reports.
//!
//! The agent always calls out (it listens on no port). Flow: an operator registers the agent
//! ([`RegisterAgent`] → [`AgentRegistered`], the token shown once); the agent heartbeats
//! ([`Heartbeat`]) and long-polls for work ([`ClaimRequest`] → [`ClaimReply`]); while it runs a
//! job it reports [`JobProgress`] (which renews its lease) and finally a [`JobOutcome`]. Reports
//! carry the lease id from the claim, so a report for a lease the control plane has since
//! expired is refused rather than applied.

use serde::{Deserialize, Serialize};

use crate::bound::{ensure, ident, name, opt, text};
use crate::job::{JobSpec, JobStatus, JobSummary};
use crate::limits::{MAX_MESSAGE, MAX_WAIT_SECONDS};
use crate::{check_version, Message, WireError};

/// Request to register an agent for a workspace (`POST /api/v1/workspaces/{name}/agents`).
/// Registering a name again issues a new token and revokes the previous one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterAgent {
    /// Agent name, unique within the workspace.
    pub name: String,
    /// The workspace's artifact bucket the agent injects into workloads, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_bucket: Option<BucketRef>,
}

impl Message for RegisterAgent {
    fn check(&self) -> Result<(), WireError> {
        name("name", &self.name)?;
        opt("artifact_bucket", self.artifact_bucket.as_ref(), |f, b| {
            b.check_at(f)
        })
    }
}

/// A bucket and the region it lives in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketRef {
    /// Bucket name.
    pub name: String,
    /// Region the bucket lives in.
    pub region: String,
}

impl BucketRef {
    pub(crate) fn check_at(&self, field: &str) -> Result<(), WireError> {
        ident(&format!("{field}.name"), &self.name)?;
        name(&format!("{field}.region"), &self.region)
    }
}

/// Reply to a registration: the agent's token, shown this once and stored only hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentRegistered {
    /// Agent id.
    pub id: i64,
    /// Workspace it serves.
    pub workspace: String,
    /// Bearer token for the agent's calls.
    pub token: String,
}

impl Message for AgentRegistered {
    fn check(&self) -> Result<(), WireError> {
        name("workspace", &self.workspace)?;
        ident("token", &self.token)
    }
}

/// Reply to a deregistration (`DELETE /api/v1/workspaces/{workspace}/agents/{agent}`): the
/// agent's token is revoked; the agent stays listed, as revoked, for the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentDeregistered {
    /// Agent id.
    pub id: i64,
    /// Workspace it served.
    pub workspace: String,
    /// Agent name.
    pub name: String,
    /// Whether this call revoked its token (false: it already was).
    pub revoked: bool,
}

impl Message for AgentDeregistered {
    fn check(&self) -> Result<(), WireError> {
        name("workspace", &self.workspace)?;
        name("name", &self.name)
    }
}

/// An agent's periodic report (`POST /api/v1/agent/heartbeat`); also renews the leases of the
/// jobs it is running.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// Protocol version the agent speaks ([`crate::PROTOCOL_VERSION`]).
    pub protocol: u32,
    /// Agent software version.
    pub agent_version: String,
    /// The cluster the agent runs on, when it can read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterMetadata>,
}

impl Message for Heartbeat {
    fn check(&self) -> Result<(), WireError> {
        check_version(self.protocol)?;
        ident("agent_version", &self.agent_version)?;
        ensure(
            self.agent_version.len() <= 64,
            "agent_version",
            "is longer than 64 bytes",
        )?;
        opt("cluster", self.cluster.as_ref(), |f, c| {
            ident(&format!("{f}.kubernetes_version"), &c.kubernetes_version)
        })
    }
}

/// Metadata about the agent's cluster: no names of pods, nodes or anything inside them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterMetadata {
    /// Kubernetes server version (`v1.31.2`).
    pub kubernetes_version: String,
    /// Nodes in the cluster.
    pub node_count: u32,
    /// Pods by phase.
    #[serde(default)]
    pub pods: PodCounts,
    /// CPU in use, in millicores.
    #[serde(default)]
    pub cpu_used_millicores: u64,
    /// Allocatable CPU, in millicores.
    #[serde(default)]
    pub cpu_capacity_millicores: u64,
    /// Memory in use, in bytes.
    #[serde(default)]
    pub memory_used_bytes: u64,
    /// Allocatable memory, in bytes.
    #[serde(default)]
    pub memory_capacity_bytes: u64,
}

/// Pods by phase, as Kubernetes names the phases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PodCounts {
    /// Pending.
    #[serde(default)]
    pub pending: u32,
    /// Running.
    #[serde(default)]
    pub running: u32,
    /// Succeeded.
    #[serde(default)]
    pub succeeded: u32,
    /// Failed.
    #[serde(default)]
    pub failed: u32,
    /// Unknown.
    #[serde(default)]
    pub unknown: u32,
}

/// Reply to a heartbeat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatReply {
    /// Control plane time (Unix milliseconds).
    pub now: i64,
    /// Seconds until the agent should heartbeat again.
    pub interval_seconds: u32,
}

impl Message for HeartbeatReply {
    fn check(&self) -> Result<(), WireError> {
        Ok(())
    }
}

/// Long-poll for the next queued job of the agent's workspace (`POST /api/v1/agent/claim`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// Protocol version the agent speaks.
    pub protocol: u32,
    /// Seconds to wait for a job before replying with none (at most
    /// [`crate::limits::MAX_WAIT_SECONDS`]).
    #[serde(default)]
    pub wait_seconds: u32,
}

impl Message for ClaimRequest {
    fn check(&self) -> Result<(), WireError> {
        check_version(self.protocol)?;
        ensure(
            self.wait_seconds <= MAX_WAIT_SECONDS,
            "wait_seconds",
            "is over the limit of 30",
        )
    }
}

/// Reply to a claim: a job, or none when the wait ran out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimReply {
    /// The claimed job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<AssignedJob>,
}

impl Message for ClaimReply {
    fn check(&self) -> Result<(), WireError> {
        opt("job", self.job.as_ref(), |_, j| {
            name("job.workspace", &j.workspace)?;
            ident("job.lease", &j.lease)
        })
    }
}

/// A job handed to an agent under a lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignedJob {
    /// Job id.
    pub id: i64,
    /// Workspace (always the agent's own).
    pub workspace: String,
    /// What to do.
    pub spec: JobSpec,
    /// Lease id to quote in every report on this job.
    pub lease: String,
    /// Seconds the lease lasts without a heartbeat or progress report.
    pub lease_seconds: u32,
}

/// Progress on a running job (`POST /api/v1/agent/jobs/{id}/progress`); renews the lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobProgress {
    /// Lease id from the claim.
    pub lease: String,
    /// The summary so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<JobSummary>,
}

impl Message for JobProgress {
    fn check(&self) -> Result<(), WireError> {
        ident("lease", &self.lease)?;
        opt("summary", self.summary.as_ref(), |f, s| s.check_at(f))
    }
}

/// The outcome of a job (`POST /api/v1/agent/jobs/{id}/outcome`). Sending the same outcome
/// again (a retry after a lost reply) is accepted once more without change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobOutcome {
    /// Lease id from the claim.
    pub lease: String,
    /// `succeeded` or `failed`.
    pub status: JobStatus,
    /// What the job did.
    pub summary: JobSummary,
}

impl Message for JobOutcome {
    fn check(&self) -> Result<(), WireError> {
        ident("lease", &self.lease)?;
        ensure(
            self.status.is_final(),
            "status",
            "an outcome is `succeeded` or `failed`",
        )?;
        self.summary.check_at("summary")
    }
}

/// Reply to a progress or outcome report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportReply {
    /// The job's status after the report.
    pub status: JobStatus,
    /// Seconds left on the lease (0 once the job is over).
    pub lease_seconds: u32,
}

impl Message for ReportReply {
    fn check(&self) -> Result<(), WireError> {
        Ok(())
    }
}

/// Error body of every non-2xx reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// HTTP status code.
    pub status: u16,
    /// Short machine-readable word (`unauthorized`, `forbidden`, `bad_request`, ...).
    pub error: String,
    /// What went wrong, for a person.
    pub message: String,
}

impl Message for ErrorBody {
    fn check(&self) -> Result<(), WireError> {
        name("error", &self.error)?;
        text("message", &self.message, MAX_MESSAGE, true)
    }
}
