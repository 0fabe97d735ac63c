//! Typed queries over the schema: workspaces, tokens and grants, agents, jobs, the audit log.
//!
//! Every function takes a [`Conn`] so it runs the same on both databases and inside whatever
//! transaction the caller holds. JSON columns (a workspace's buckets, a job's spec and summary,
//! an agent's cluster metadata) hold hangar-wire types and nothing else. Rules (who may do
//! what, which transitions are allowed) belong to the caller; these functions only read and
//! write rows.

use hangar_wire::{
    AgentHealth, AgentInfo, AuditEntry, BucketRef, ClusterMetadata, Grant, Job, JobSpec, JobStatus,
    JobSummary, Role, TokenInfo, TokenKind, Workspace,
};

use super::{Conn, Dialect, Row, StoreError, P};

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn kind_word(k: TokenKind) -> &'static str {
    match k {
        TokenKind::Admin => "admin",
        TokenKind::User => "user",
        TokenKind::Agent => "agent",
    }
}

fn parse_kind(s: &str) -> Result<TokenKind, StoreError> {
    match s {
        "admin" => Ok(TokenKind::Admin),
        "user" => Ok(TokenKind::User),
        "agent" => Ok(TokenKind::Agent),
        other => Err(StoreError::Corrupt(format!("unknown token kind {other:?}"))),
    }
}

// ---------------------------------------------------------------- workspaces

const WORKSPACE_COLUMNS: &str = "name, cloud, geography, region, buckets, created_at";

fn workspace(r: &Row) -> Result<Workspace, StoreError> {
    Ok(Workspace {
        name: r.text(0)?,
        cloud: r.text(1)?,
        geography: r.text(2)?,
        region: r.text(3)?,
        buckets: parse("workspace buckets", &r.text(4)?)?,
        created_at: r.int(5)?,
    })
}

/// Inserts a workspace; a constraint error when the name is taken.
pub(crate) fn insert_workspace(c: &mut dyn Conn, w: &Workspace) -> Result<(), StoreError> {
    c.exec(
        "INSERT INTO workspaces (name, cloud, geography, region, buckets, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            w.name.as_str().into(),
            w.cloud.as_str().into(),
            w.geography.as_str().into(),
            w.region.as_str().into(),
            json(&w.buckets)?.into(),
            w.created_at.into(),
        ],
    )?;
    Ok(())
}

/// One workspace by name.
pub(crate) fn workspace_by_name(
    c: &mut dyn Conn,
    name: &str,
) -> Result<Option<Workspace>, StoreError> {
    c.query(
        &format!("SELECT {WORKSPACE_COLUMNS} FROM workspaces WHERE name = $1"),
        &[name.into()],
    )?
    .first()
    .map(workspace)
    .transpose()
}

/// Every workspace, by name.
pub(crate) fn workspaces(c: &mut dyn Conn) -> Result<Vec<Workspace>, StoreError> {
    c.query(
        &format!("SELECT {WORKSPACE_COLUMNS} FROM workspaces ORDER BY name"),
        &[],
    )?
    .iter()
    .map(workspace)
    .collect()
}

/// Records a bucket as the workspace's (once).
pub(crate) fn add_bucket(
    c: &mut dyn Conn,
    name: &str,
    bucket: &BucketRef,
) -> Result<(), StoreError> {
    let Some(mut w) = workspace_by_name(c, name)? else {
        return Ok(());
    };
    if !w.buckets.contains(bucket) {
        w.buckets.push(bucket.clone());
        c.exec(
            "UPDATE workspaces SET buckets = $1 WHERE name = $2",
            &[json(&w.buckets)?.into(), name.into()],
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------- tokens

/// A token row as authentication reads it.
#[derive(Clone, Debug)]
pub(crate) struct TokenRow {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: TokenKind,
    /// Holder.
    pub name: String,
    /// Workspace of an agent token.
    pub workspace: Option<String>,
    /// When revoked.
    pub revoked_at: Option<i64>,
}

/// Inserts a token; its id.
pub(crate) fn insert_token(
    c: &mut dyn Conn,
    hash: &str,
    kind: TokenKind,
    name: &str,
    workspace: Option<&str>,
    created_by: &str,
    now: i64,
) -> Result<i64, StoreError> {
    c.query(
        "INSERT INTO tokens (hash, kind, name, workspace, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        &[
            hash.into(),
            kind_word(kind).into(),
            name.into(),
            workspace.into(),
            now.into(),
            created_by.into(),
        ],
    )?
    .first()
    .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))?
    .int(0)
}

/// Grants a role on a workspace to a token.
pub(crate) fn insert_grant(
    c: &mut dyn Conn,
    token_id: i64,
    workspace: &str,
    role: Role,
) -> Result<(), StoreError> {
    c.exec(
        "INSERT INTO grants (token_id, workspace, role) VALUES ($1, $2, $3)",
        &[token_id.into(), workspace.into(), role.as_str().into()],
    )?;
    Ok(())
}

/// The token whose hash this is.
pub(crate) fn token_by_hash(c: &mut dyn Conn, hash: &str) -> Result<Option<TokenRow>, StoreError> {
    c.query(
        "SELECT id, kind, name, workspace, revoked_at FROM tokens WHERE hash = $1",
        &[hash.into()],
    )?
    .first()
    .map(|r| {
        Ok(TokenRow {
            id: r.int(0)?,
            kind: parse_kind(&r.text(1)?)?,
            name: r.text(2)?,
            workspace: r.opt_text(3)?,
            revoked_at: r.opt_int(4)?,
        })
    })
    .transpose()
}

/// Whether any unrevoked admin token exists.
pub(crate) fn has_admin(c: &mut dyn Conn) -> Result<bool, StoreError> {
    Ok(!c
        .query(
            "SELECT id FROM tokens WHERE kind = 'admin' AND revoked_at IS NULL LIMIT 1",
            &[],
        )?
        .is_empty())
}

/// A token's grants, by workspace.
pub(crate) fn grants_of(c: &mut dyn Conn, token_id: i64) -> Result<Vec<Grant>, StoreError> {
    c.query(
        "SELECT workspace, role FROM grants WHERE token_id = $1 ORDER BY workspace",
        &[token_id.into()],
    )?
    .iter()
    .map(|r| {
        let role = r.text(1)?;
        Ok(Grant {
            workspace: r.text(0)?,
            role: Role::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?,
        })
    })
    .collect()
}

/// Revokes a token; whether it existed and was still active.
pub(crate) fn revoke_token(c: &mut dyn Conn, id: i64, now: i64) -> Result<bool, StoreError> {
    Ok(c.exec(
        "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        &[now.into(), id.into()],
    )? == 1)
}

/// Whether a token with this id exists.
pub(crate) fn token_exists(c: &mut dyn Conn, id: i64) -> Result<bool, StoreError> {
    Ok(!c
        .query("SELECT id FROM tokens WHERE id = $1", &[id.into()])?
        .is_empty())
}

/// Every token (without secrets), oldest first.
pub(crate) fn tokens(c: &mut dyn Conn) -> Result<Vec<TokenInfo>, StoreError> {
    let rows = c.query(
        "SELECT id, kind, name, workspace, created_at, revoked_at FROM tokens ORDER BY id",
        &[],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id = r.int(0)?;
        out.push(TokenInfo {
            id,
            kind: parse_kind(&r.text(1)?)?,
            name: r.text(2)?,
            grants: grants_of(c, id)?,
            workspace: r.opt_text(3)?,
            created_at: r.int(4)?,
            revoked_at: r.opt_int(5)?,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------- agents

/// The agent an agent token belongs to: id and name.
pub(crate) fn agent_of_token(
    c: &mut dyn Conn,
    token_id: i64,
) -> Result<Option<(i64, String)>, StoreError> {
    c.query(
        "SELECT id, name FROM agents WHERE token_id = $1",
        &[token_id.into()],
    )?
    .first()
    .map(|r| Ok((r.int(0)?, r.text(1)?)))
    .transpose()
}

/// The agent of a workspace with this name: id and current token id.
pub(crate) fn agent_by_name(
    c: &mut dyn Conn,
    workspace: &str,
    name: &str,
) -> Result<Option<(i64, i64)>, StoreError> {
    c.query(
        "SELECT id, token_id FROM agents WHERE workspace = $1 AND name = $2",
        &[workspace.into(), name.into()],
    )?
    .first()
    .map(|r| Ok((r.int(0)?, r.int(1)?)))
    .transpose()
}

/// Inserts an agent; its id.
pub(crate) fn insert_agent(
    c: &mut dyn Conn,
    workspace: &str,
    name: &str,
    token_id: i64,
    now: i64,
) -> Result<i64, StoreError> {
    c.query(
        "INSERT INTO agents (workspace, name, token_id, registered_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
        &[workspace.into(), name.into(), token_id.into(), now.into()],
    )?
    .first()
    .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))?
    .int(0)
}

/// Points an agent at a new token (re-registration).
pub(crate) fn set_agent_token(
    c: &mut dyn Conn,
    agent_id: i64,
    token_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    c.exec(
        "UPDATE agents SET token_id = $1, registered_at = $2 WHERE id = $3",
        &[token_id.into(), now.into(), agent_id.into()],
    )?;
    Ok(())
}

/// Records a heartbeat and renews the leases of the agent's running jobs until `lease_until`.
pub(crate) fn heartbeat(
    c: &mut dyn Conn,
    agent_id: i64,
    version: &str,
    cluster: Option<&ClusterMetadata>,
    now: i64,
    lease_until: i64,
) -> Result<(), StoreError> {
    let cluster = cluster.map(json).transpose()?;
    c.exec(
        "UPDATE agents SET version = $1, cluster = $2, last_heartbeat = $3 WHERE id = $4",
        &[version.into(), cluster.into(), now.into(), agent_id.into()],
    )?;
    c.exec(
        "UPDATE jobs SET lease_expires = $1 WHERE agent_id = $2 AND status = 'running'",
        &[lease_until.into(), agent_id.into()],
    )?;
    Ok(())
}

/// Agents (of one workspace, or all), with health judged against `stale_before`.
pub(crate) fn agents(
    c: &mut dyn Conn,
    workspace: Option<&str>,
    stale_before: i64,
) -> Result<Vec<AgentInfo>, StoreError> {
    let base = "SELECT a.id, a.name, a.workspace, a.version, a.registered_at, a.last_heartbeat, \
                a.cluster, t.revoked_at FROM agents a JOIN tokens t ON t.id = a.token_id";
    let rows = match workspace {
        Some(w) => c.query(
            &format!("{base} WHERE a.workspace = $1 ORDER BY a.name"),
            &[w.into()],
        )?,
        None => c.query(&format!("{base} ORDER BY a.workspace, a.name"), &[])?,
    };
    rows.iter()
        .map(|r| {
            let last = r.opt_int(5)?;
            let health = if r.opt_int(7)?.is_some() {
                AgentHealth::Revoked
            } else {
                match last {
                    None => AgentHealth::NeverSeen,
                    Some(t) if t >= stale_before => AgentHealth::Healthy,
                    Some(_) => AgentHealth::Stale,
                }
            };
            Ok(AgentInfo {
                id: r.int(0)?,
                name: r.text(1)?,
                workspace: r.text(2)?,
                version: r.opt_text(3)?,
                registered_at: r.int(4)?,
                last_heartbeat: last,
                cluster: r
                    .opt_text(6)?
                    .map(|s| parse("agent cluster", &s))
                    .transpose()?,
                health,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- jobs

/// A job with what only the control plane sees: its lease and agent.
#[derive(Clone, Debug)]
pub(crate) struct JobRow {
    /// The job as the API shows it.
    pub job: Job,
    /// Current lease id.
    pub lease: Option<String>,
    /// Agent holding or that held it.
    pub agent_id: Option<i64>,
}

const JOB_SELECT: &str = "SELECT j.id, j.workspace, j.spec, j.status, j.queued_by, j.queued_at, \
     j.started_at, j.finished_at, a.name, j.summary, j.reason, j.lease, j.agent_id \
     FROM jobs j LEFT JOIN agents a ON a.id = j.agent_id";

fn job_row(r: &Row) -> Result<JobRow, StoreError> {
    let status = r.text(3)?;
    Ok(JobRow {
        job: Job {
            id: r.int(0)?,
            workspace: r.text(1)?,
            spec: parse::<JobSpec>("job spec", &r.text(2)?)?,
            status: JobStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown job status {status:?}")))?,
            queued_by: r.text(4)?,
            queued_at: r.int(5)?,
            started_at: r.opt_int(6)?,
            finished_at: r.opt_int(7)?,
            agent: r.opt_text(8)?,
            summary: r
                .opt_text(9)?
                .map(|s| parse::<JobSummary>("job summary", &s))
                .transpose()?,
            reason: r.opt_text(10)?,
        },
        lease: r.opt_text(11)?,
        agent_id: r.opt_int(12)?,
    })
}

/// Queues a job; the job as stored.
pub(crate) fn insert_job(
    c: &mut dyn Conn,
    workspace: &str,
    spec: &JobSpec,
    queued_by: &str,
    now: i64,
) -> Result<Job, StoreError> {
    let id = c
        .query(
            "INSERT INTO jobs (workspace, kind, spec, status, queued_by, queued_at) \
             VALUES ($1, $2, $3, 'queued', $4, $5) RETURNING id",
            &[
                workspace.into(),
                spec.kind().as_str().into(),
                json(spec)?.into(),
                queued_by.into(),
                now.into(),
            ],
        )?
        .first()
        .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))?
        .int(0)?;
    job(c, id)?
        .map(|r| r.job)
        .ok_or_else(|| StoreError::Corrupt(format!("job {id} vanished")))
}

/// One job.
pub(crate) fn job(c: &mut dyn Conn, id: i64) -> Result<Option<JobRow>, StoreError> {
    c.query(&format!("{JOB_SELECT} WHERE j.id = $1"), &[id.into()])?
        .first()
        .map(job_row)
        .transpose()
}

/// Hands the oldest queued job of `workspace` to an agent under `lease` until `expires`.
pub(crate) fn claim_job(
    c: &mut dyn Conn,
    workspace: &str,
    agent_id: i64,
    lease: &str,
    now: i64,
    expires: i64,
) -> Result<Option<Job>, StoreError> {
    let lock = match c.dialect() {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let rows = c.query(
        &format!(
            "UPDATE jobs SET status = 'running', agent_id = $1, lease = $2, started_at = $3, \
             lease_expires = $4 WHERE id = (SELECT id FROM jobs WHERE workspace = $5 AND \
             status = 'queued' ORDER BY id LIMIT 1{lock}) RETURNING id"
        ),
        &[
            agent_id.into(),
            lease.into(),
            now.into(),
            expires.into(),
            workspace.into(),
        ],
    )?;
    match rows.first() {
        None => Ok(None),
        Some(r) => Ok(job(c, r.int(0)?)?.map(|r| r.job)),
    }
}

/// Records progress and renews the lease.
pub(crate) fn job_progress(
    c: &mut dyn Conn,
    id: i64,
    summary: Option<&JobSummary>,
    expires: i64,
) -> Result<(), StoreError> {
    match summary {
        Some(s) => c.exec(
            "UPDATE jobs SET summary = $1, lease_expires = $2 WHERE id = $3",
            &[json(s)?.into(), expires.into(), id.into()],
        )?,
        None => c.exec(
            "UPDATE jobs SET lease_expires = $1 WHERE id = $2",
            &[expires.into(), id.into()],
        )?,
    };
    Ok(())
}

/// Records a job's outcome.
pub(crate) fn finish_job(
    c: &mut dyn Conn,
    id: i64,
    status: JobStatus,
    summary: &JobSummary,
    now: i64,
) -> Result<(), StoreError> {
    c.exec(
        "UPDATE jobs SET status = $1, summary = $2, finished_at = $3, lease_expires = NULL \
         WHERE id = $4",
        &[
            status.as_str().into(),
            json(summary)?.into(),
            now.into(),
            id.into(),
        ],
    )?;
    Ok(())
}

/// Jobs of the given workspaces (all when `None`), newest first.
pub(crate) fn jobs(
    c: &mut dyn Conn,
    workspaces: Option<&[String]>,
    limit: i64,
) -> Result<Vec<Job>, StoreError> {
    let rows = match workspaces {
        None => c.query(
            &format!("{JOB_SELECT} ORDER BY j.id DESC LIMIT $1"),
            &[limit.into()],
        )?,
        Some([]) => return Ok(Vec::new()),
        Some(ws) => {
            let marks: Vec<String> = (1..=ws.len()).map(|i| format!("${i}")).collect();
            let mut params: Vec<P> = ws.iter().map(|w| w.as_str().into()).collect();
            params.push(limit.into());
            c.query(
                &format!(
                    "{JOB_SELECT} WHERE j.workspace IN ({}) ORDER BY j.id DESC LIMIT ${}",
                    marks.join(", "),
                    ws.len() + 1
                ),
                &params,
            )?
        }
    };
    rows.iter().map(|r| job_row(r).map(|r| r.job)).collect()
}

/// The newest job of a kind in a workspace.
pub(crate) fn last_job(
    c: &mut dyn Conn,
    workspace: &str,
    kind: &str,
) -> Result<Option<Job>, StoreError> {
    c.query(
        &format!("{JOB_SELECT} WHERE j.workspace = $1 AND j.kind = $2 ORDER BY j.id DESC LIMIT 1"),
        &[workspace.into(), kind.into()],
    )?
    .first()
    .map(|r| job_row(r).map(|r| r.job))
    .transpose()
}

/// Fails every running job whose lease ran out before `now`; the jobs failed.
pub(crate) fn expire_leases(c: &mut dyn Conn, now: i64) -> Result<Vec<JobRow>, StoreError> {
    let expired: Vec<JobRow> = c
        .query(
            &format!("{JOB_SELECT} WHERE j.status = 'running' AND j.lease_expires < $1"),
            &[now.into()],
        )?
        .iter()
        .map(job_row)
        .collect::<Result<_, _>>()?;
    for row in &expired {
        let agent = row.job.agent.as_deref().unwrap_or("unknown");
        let reason = format!(
            "agent {agent} stopped reporting: lease expired without a heartbeat or progress \
             report"
        );
        c.exec(
            "UPDATE jobs SET status = 'failed', finished_at = $1, reason = $2, \
             lease_expires = NULL WHERE id = $3 AND status = 'running'",
            &[now.into(), reason.into(), row.job.id.into()],
        )?;
    }
    Ok(expired)
}

/// Renews every running job's lease until `until` (at start: agents could not reach a control
/// plane that was down, so their silence is not theirs).
pub(crate) fn renew_all_leases(c: &mut dyn Conn, until: i64) -> Result<u64, StoreError> {
    c.exec(
        "UPDATE jobs SET lease_expires = $1 WHERE status = 'running'",
        &[until.into()],
    )
}

// ---------------------------------------------------------------- audit

/// Appends one audit record.
pub(crate) fn append_audit(c: &mut dyn Conn, e: &AuditEntry) -> Result<(), StoreError> {
    c.exec(
        "INSERT INTO audit (at, actor, token_id, action, request, workspace, target, status, \
         detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            e.at.into(),
            e.actor.as_str().into(),
            e.token_id.into(),
            e.action.as_str().into(),
            e.request.as_str().into(),
            e.workspace.clone().into(),
            e.target.clone().into(),
            i64::from(e.status).into(),
            e.detail.clone().into(),
        ],
    )?;
    Ok(())
}

/// Audit records after id `after`, oldest first.
pub(crate) fn audit(
    c: &mut dyn Conn,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    c.query(
        "SELECT id, at, actor, token_id, action, request, workspace, target, status, detail \
         FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
        &[after.into(), limit.into()],
    )?
    .iter()
    .map(|r| {
        Ok(AuditEntry {
            id: r.int(0)?,
            at: r.int(1)?,
            actor: r.text(2)?,
            token_id: r.opt_int(3)?,
            action: r.text(4)?,
            request: r.text(5)?,
            workspace: r.opt_text(6)?,
            target: r.opt_text(7)?,
            status: u16::try_from(r.int(8)?)
                .map_err(|_| StoreError::Corrupt("audit status out of range".into()))?,
            detail: r.opt_text(9)?,
        })
    })
    .collect()
}
