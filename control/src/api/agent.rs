//! Operations for data-plane agents: heartbeat, claim (long-poll), progress and outcome.
//!
//! Message flow (the agent always calls out; it listens on nothing):
//! 1. `POST /api/v1/agent/heartbeat` every `interval_seconds` with cluster metadata; renews the
//!    leases of the agent's running jobs.
//! 2. `POST /api/v1/agent/claim` with `wait_seconds`: the oldest queued job of the agent's own
//!    workspace, handed over under a lease, or none when the wait ran out.
//! 3. `POST /api/v1/agent/jobs/{id}/progress` (renews the lease) and finally
//!    `POST /api/v1/agent/jobs/{id}/outcome`, both quoting the lease.
//!
//! An agent sees only its own workspace: a job of another workspace is 403. A report quoting a
//! lease that is no longer the job's (expired and failed, or superseded) is 409; the same
//! outcome sent twice (a retry after a lost reply, or after the control plane restarted) is
//! accepted again without change.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{post, MethodRouter};
use hangar_wire::{
    AssignedJob, ClaimReply, ClaimRequest, Heartbeat, HeartbeatReply, JobOutcome, JobProgress,
    JobStatus, ReportReply,
};

use super::{audited, decode_body, App, Call, Reply};
use crate::auth;
use crate::error::ApiError;
use crate::openapi::{Auth, Op};
use crate::store::records::{self, JobRow};
use crate::store::{now_ms, Conn};

/// The routes of this module.
pub(crate) fn routes() -> Vec<(Op, MethodRouter<App>)> {
    vec![
        (Op::new("POST", "/api/v1/agent/heartbeat", "agentHeartbeat", "An agent's heartbeat with cluster metadata; renews its jobs' leases", Auth::Agent, Some("Heartbeat"), "HeartbeatReply", 200), post(heartbeat)),
        (Op::new("POST", "/api/v1/agent/claim", "agentClaim", "Long-poll for the next queued job of the agent's workspace, handed over under a lease", Auth::Agent, Some("ClaimRequest"), "ClaimReply", 200), post(claim)),
        (Op::new("POST", "/api/v1/agent/jobs/{id}/progress", "agentProgress", "Progress on a claimed job; renews the lease", Auth::Agent, Some("JobProgress"), "ReportReply", 200), post(progress)),
        (Op::new("POST", "/api/v1/agent/jobs/{id}/outcome", "agentOutcome", "The outcome of a claimed job (idempotent for the same outcome)", Auth::Agent, Some("JobOutcome"), "ReportReply", 200), post(outcome)),
    ]
}

fn lease_ms(app: &App) -> i64 {
    app.settings.lease.as_millis() as i64
}

async fn heartbeat(call: Call, body: Body) -> Response {
    call.run("agent.heartbeat", None, |call, who, mut audit| async move {
        let (agent_id, workspace) = who.require_agent()?;
        audit.workspace = Some(workspace);
        let hb: Heartbeat = decode_body(body).await?;
        let lease = lease_ms(&call.app);
        let interval = call.app.settings.heartbeat_interval.as_secs().max(1) as u32;
        let reply = call
            .app
            .store
            .write(move |c| {
                audited(
                    c,
                    &audit,
                    StatusCode::OK,
                    |_| Some(format!("agent:{agent_id}")),
                    |c| {
                        let now = now_ms();
                        records::heartbeat(
                            c,
                            agent_id,
                            &hb.agent_version,
                            hb.cluster.as_ref(),
                            now,
                            now + lease,
                        )?;
                        Ok(HeartbeatReply {
                            now,
                            interval_seconds: interval,
                        })
                    },
                )
            })
            .await?;
        Ok(Reply::json(StatusCode::OK, &reply).audited())
    })
    .await
}

async fn claim(call: Call, body: Body) -> Response {
    call.run("agent.claim", None, |call, who, mut audit| async move {
        let (agent_id, workspace) = who.require_agent()?;
        audit.workspace = Some(workspace.clone());
        let req: ClaimRequest = decode_body(body).await?;
        let lease_ms = lease_ms(&call.app);
        let lease_seconds = call.app.settings.lease.as_secs().max(1) as u32;
        let deadline =
            tokio::time::Instant::now() + Duration::from_secs(u64::from(req.wait_seconds));
        let mut queued = call.app.jobs_queued.subscribe();
        loop {
            let lease = auth::lease_id()?;
            let (ws, a) = (workspace.clone(), audit.clone());
            let lease2 = lease.clone();
            let claimed = call
                .app
                .store
                .write(move |c| {
                    let now = now_ms();
                    let job = records::claim_job(c, &ws, agent_id, &lease2, now, now + lease_ms)?;
                    if let Some(j) = &job {
                        records::append_audit(
                            c,
                            &a.entry(StatusCode::OK, Some(format!("job:{}", j.id)), None),
                        )?;
                    }
                    Ok::<_, ApiError>(job)
                })
                .await?;
            if let Some(job) = claimed {
                let reply = ClaimReply {
                    job: Some(AssignedJob {
                        id: job.id,
                        workspace: job.workspace,
                        spec: job.spec,
                        lease,
                        lease_seconds,
                    }),
                };
                return Ok(Reply::json(StatusCode::OK, &reply).audited());
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(Reply::json(StatusCode::OK, &ClaimReply { job: None }));
            }
            // Woken by a job queued here; polled every second for jobs queued by another
            // replica sharing the database.
            let wait = (deadline - now).min(Duration::from_secs(1));
            let _ = tokio::time::timeout(wait, queued.changed()).await;
        }
    })
    .await
}

/// The job, if it is this agent's workspace's: 404 if missing, 403 if another workspace's.
fn own_job(c: &mut dyn Conn, id: i64, agent_ws: &str) -> Result<JobRow, ApiError> {
    let row = records::job(c, id)?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
    if row.job.workspace != agent_ws {
        return Err(ApiError::forbidden(format!(
            "job {id} belongs to workspace {:?}, not this agent's {agent_ws:?}",
            row.job.workspace
        )));
    }
    Ok(row)
}

fn stale_lease(row: &JobRow) -> ApiError {
    let why = match (row.job.status, &row.job.reason) {
        (JobStatus::Failed, Some(reason)) => format!("the job was failed: {reason}"),
        (status, _) => format!("the job is {}", status.as_str()),
    };
    ApiError::conflict(format!(
        "job {}: this lease is not the job's current lease ({why})",
        row.job.id
    ))
}

fn parse_job_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::bad_request(format!("job {s:?} is not an id")))
}

async fn progress(call: Call, Path(id): Path<String>, body: Body) -> Response {
    call.run("job.progress", None, |call, who, mut audit| async move {
        let (agent_id, workspace) = who.require_agent()?;
        audit.workspace = Some(workspace.clone());
        let id = parse_job_id(&id)?;
        let msg: JobProgress = decode_body(body).await?;
        let lease_ms = lease_ms(&call.app);
        let lease_seconds = call.app.settings.lease.as_secs() as u32;
        let reply = call
            .app
            .store
            .write(move |c| {
                audited(
                    c,
                    &audit,
                    StatusCode::OK,
                    |_| Some(format!("job:{id}")),
                    |c| {
                        let row = own_job(c, id, &workspace)?;
                        if row.job.status != JobStatus::Running
                            || row.lease.as_deref() != Some(msg.lease.as_str())
                            || row.agent_id != Some(agent_id)
                        {
                            return Err(stale_lease(&row));
                        }
                        records::job_progress(c, id, msg.summary.as_ref(), now_ms() + lease_ms)?;
                        Ok(ReportReply {
                            status: JobStatus::Running,
                            lease_seconds,
                        })
                    },
                )
            })
            .await?;
        Ok(Reply::json(StatusCode::OK, &reply).audited())
    })
    .await
}

async fn outcome(call: Call, Path(id): Path<String>, body: Body) -> Response {
    call.run("job.outcome", None, |call, who, mut audit| async move {
        let (agent_id, workspace) = who.require_agent()?;
        audit.workspace = Some(workspace.clone());
        let id = parse_job_id(&id)?;
        let msg: JobOutcome = decode_body(body).await?;
        let reply = call
            .app
            .store
            .write(move |c| {
                audited(
                    c,
                    &audit,
                    StatusCode::OK,
                    |_| Some(format!("job:{id}")),
                    |c| {
                        let row = own_job(c, id, &workspace)?;
                        let ours = row.lease.as_deref() == Some(msg.lease.as_str())
                            && row.agent_id == Some(agent_id);
                        if ours
                            && row.job.status == msg.status
                            && row.job.summary.as_ref() == Some(&msg.summary)
                        {
                            // The same outcome again: a retry after a lost reply.
                            return Ok(ReportReply {
                                status: msg.status,
                                lease_seconds: 0,
                            });
                        }
                        if !ours || row.job.status != JobStatus::Running {
                            return Err(stale_lease(&row));
                        }
                        records::finish_job(c, id, msg.status, &msg.summary, now_ms())?;
                        Ok(ReportReply {
                            status: msg.status,
                            lease_seconds: 0,
                        })
                    },
                )
            })
            .await?;
        Ok(Reply::json(StatusCode::OK, &reply).audited())
    })
    .await
}
