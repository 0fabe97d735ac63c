//! Messages people and CI exchange with the control plane: workspaces, tokens and their grants,
//! the audit log, and the overview the web page shows.
//!
//! A workspace is metadata only: name, cloud, geography, region and the buckets known to be its
//! own. Tokens are returned in clear once, when issued; listings never carry them.

use serde::{Deserialize, Serialize};

use crate::agent::{BucketRef, ClusterMetadata};
use crate::bound::{at, ident, list, name, opt, text};
use crate::job::{Job, JobStatus};
use crate::limits::{MAX_LIST, MAX_MESSAGE, MAX_TEXT};
use crate::{Message, WireError};

/// Request to create a workspace (`POST /api/v1/workspaces`, admin only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkspace {
    /// Workspace name (`eu-prod`).
    pub name: String,
    /// Cloud (`aws`, `gcp`, `azure`).
    pub cloud: String,
    /// Built-in geography (`eu`, `us`, ...).
    pub geography: String,
    /// Primary region, inside the geography.
    pub region: String,
    /// Buckets known to belong to the workspace (its artifact store).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<BucketRef>,
}

impl Message for CreateWorkspace {
    fn check(&self) -> Result<(), WireError> {
        name("name", &self.name)?;
        name("cloud", &self.cloud)?;
        name("geography", &self.geography)?;
        name("region", &self.region)?;
        list("buckets", &self.buckets, 16, |f, b| b.check_at(f))
    }
}

/// A workspace as the control plane holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    /// Name.
    pub name: String,
    /// Cloud.
    pub cloud: String,
    /// Geography.
    pub geography: String,
    /// Primary region.
    pub region: String,
    /// Buckets known to be the workspace's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<BucketRef>,
    /// When it was created (Unix milliseconds).
    pub created_at: i64,
}

impl Message for Workspace {
    fn check(&self) -> Result<(), WireError> {
        name("name", &self.name)
    }
}

/// A role granted on one workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees the workspace, its agents and jobs.
    Viewer,
    /// A viewer who may also queue jobs and register agents.
    Operator,
}

impl Role {
    /// The role as its wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
        }
    }

    /// Parses a wire word.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }
}

/// A role on a workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Workspace name.
    pub workspace: String,
    /// Role there.
    pub role: Role,
}

/// Request to issue a token for a person or CI (`POST /api/v1/tokens`, admin only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueToken {
    /// Who or what holds it (`alice`, `ci-eu`).
    pub name: String,
    /// Roles per workspace; nothing else is visible to the token.
    pub grants: Vec<Grant>,
}

impl Message for IssueToken {
    fn check(&self) -> Result<(), WireError> {
        name("name", &self.name)?;
        list("grants", &self.grants, 256, |f, g| {
            name(&at(f, "workspace"), &g.workspace)
        })
    }
}

/// A token issued, in clear this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenIssued {
    /// Token id (for revocation).
    pub id: i64,
    /// The bearer token.
    pub token: String,
}

impl Message for TokenIssued {
    fn check(&self) -> Result<(), WireError> {
        ident("token", &self.token)
    }
}

/// What kind of principal a token stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Administrator: every workspace, tokens, the audit log.
    Admin,
    /// A person or CI with roles per workspace.
    User,
    /// A data-plane agent of one workspace.
    Agent,
}

/// A token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenInfo {
    /// Token id.
    pub id: i64,
    /// Kind of principal.
    pub kind: TokenKind,
    /// Holder.
    pub name: String,
    /// Roles (user tokens).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    /// Workspace (agent tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// When it was issued.
    pub created_at: i64,
    /// When it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
}

/// Reply to a revocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRevoked {
    /// Token id.
    pub id: i64,
    /// Whether this call revoked it (false: it already was).
    pub revoked: bool,
}

impl Message for TokenRevoked {
    fn check(&self) -> Result<(), WireError> {
        Ok(())
    }
}

/// A list of tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenList {
    /// The tokens.
    pub tokens: Vec<TokenInfo>,
}

impl Message for TokenList {
    fn check(&self) -> Result<(), WireError> {
        list("tokens", &self.tokens, usize::MAX, |_, _| Ok(()))
    }
}

/// The caller's own identity (`GET /api/v1/whoami`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhoAmI {
    /// Token id.
    pub token_id: i64,
    /// Kind of principal.
    pub kind: TokenKind,
    /// Holder.
    pub name: String,
    /// Roles (user tokens).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    /// Workspace (agent tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
}

impl Message for WhoAmI {
    fn check(&self) -> Result<(), WireError> {
        name("name", &self.name)
    }
}

/// One audit record: who called what, when, with which result. Append-only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// When (Unix milliseconds).
    pub at: i64,
    /// Who: `admin:NAME`, `user:NAME`, `agent:NAME`, `anonymous`, or `control-plane` for the
    /// control plane's own actions (an expired lease).
    pub actor: String,
    /// Token id of the caller, when it authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<i64>,
    /// What: the operation (`job.queue`, `agent.heartbeat`, ...).
    pub action: String,
    /// HTTP method and path called (empty for the control plane's own actions).
    pub request: String,
    /// Workspace concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// Object concerned (`job:12`, `token:3`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// HTTP status of the result.
    pub status: u16,
    /// Why it was refused or failed, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A page of the audit log, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    /// Entries.
    pub entries: Vec<AuditEntry>,
}

impl Message for AuditPage {
    fn check(&self) -> Result<(), WireError> {
        list("entries", &self.entries, usize::MAX, |f, e| {
            text(&at(f, "actor"), &e.actor, MAX_TEXT, false)?;
            opt(&at(f, "detail"), e.detail.as_deref(), |f, d| {
                text(f, d, MAX_MESSAGE, true)
            })
        })
    }
}

/// An agent as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentInfo {
    /// Agent id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Workspace it serves.
    pub workspace: String,
    /// Software version from its last heartbeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// When it was registered.
    pub registered_at: i64,
    /// Its last heartbeat (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_heartbeat: Option<i64>,
    /// Cluster metadata from its last heartbeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterMetadata>,
    /// `healthy` (heartbeat recent), `stale`, `never_seen` or `revoked`.
    pub health: AgentHealth,
}

/// Health of an agent, from its last heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentHealth {
    /// Heartbeat within the staleness window.
    Healthy,
    /// Last heartbeat older than the window.
    Stale,
    /// Registered, never heartbeated.
    NeverSeen,
    /// Its token was revoked.
    Revoked,
}

/// A list of agents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentList {
    /// The agents.
    pub agents: Vec<AgentInfo>,
}

impl Message for AgentList {
    fn check(&self) -> Result<(), WireError> {
        list("agents", &self.agents, usize::MAX, |f, a| {
            name(&at(f, "name"), &a.name)
        })
    }
}

/// One workspace on the web page: where it is, its agents' health, last apply and drift.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceOverview {
    /// The workspace.
    pub workspace: Workspace,
    /// Its agents.
    pub agents: Vec<AgentInfo>,
    /// Its latest apply job's id and status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_apply: Option<JobBrief>,
    /// Its latest drift job's id and status, with the number of drifted resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_drift: Option<JobBrief>,
}

/// A job in one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobBrief {
    /// Job id.
    pub id: i64,
    /// Status.
    pub status: JobStatus,
    /// When it finished, or was queued if not finished.
    pub at: i64,
    /// Drifted resources (drift jobs) or changed resources (apply jobs) reported.
    pub count: u32,
}

/// Everything the caller may see, for the web page (`GET /api/v1/overview`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overview {
    /// Control plane time (Unix milliseconds).
    pub now: i64,
    /// Visible workspaces.
    pub workspaces: Vec<WorkspaceOverview>,
    /// Recent jobs of the visible workspaces, newest first.
    pub jobs: Vec<Job>,
}

impl Message for Overview {
    fn check(&self) -> Result<(), WireError> {
        list("jobs", &self.jobs, MAX_LIST, |_, j| j.check())
    }
}

/// A list of workspaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceList {
    /// The workspaces.
    pub workspaces: Vec<Workspace>,
}

impl Message for WorkspaceList {
    fn check(&self) -> Result<(), WireError> {
        list("workspaces", &self.workspaces, usize::MAX, |_, w| w.check())
    }
}
