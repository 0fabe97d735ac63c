//! Operations for people and CI: workspaces, jobs, agent registration, tokens, the audit log
//! and the overview the web page polls.
//!
//! Visibility: a workspace outside the caller's grants is 403 whether or not it exists; an
//! admin gets 404 for one that does not. Queuing a workload first judges its residency
//! ([`crate::workload`]) and refuses it with 400 before anything is stored.

use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post, MethodRouter};
use hangar_core::geo::{self, Cloud};
use hangar_wire::{
    AgentDeregistered, AgentList, AgentRegistered, AuditPage, CreateWorkspace, IssueToken,
    JobBrief, JobList, Overview, QueueJob, RegisterAgent, TokenIssued, TokenKind, TokenList,
    TokenRevoked, WhoAmI, Workspace, WorkspaceList, WorkspaceOverview,
};

use super::{audited, decode_body, App, Call, Reply};
use crate::auth::{self, Principal};
use crate::error::ApiError;
use crate::openapi::{Auth, Op};
use crate::store::{now_ms, records, Conn};
use crate::workload;

/// The routes of this module.
pub(crate) fn routes() -> Vec<(Op, MethodRouter<App>)> {
    vec![
        (Op::new("GET", "/api/v1/whoami", "whoami", "The caller's identity and grants", Auth::Any, None, "WhoAmI", 200), get(whoami)),
        (Op::new("GET", "/api/v1/overview", "overview", "Every visible workspace with agent health, last apply and drift, and recent jobs (the web page polls this)", Auth::Any, None, "Overview", 200), get(overview)),
        (Op::new("GET", "/api/v1/workspaces", "listWorkspaces", "Workspaces the caller may see", Auth::Any, None, "WorkspaceList", 200), get(list_workspaces)),
        (Op::new("POST", "/api/v1/workspaces", "createWorkspace", "Create a workspace (metadata only: name, cloud, geography, region, buckets)", Auth::Admin, Some("CreateWorkspace"), "Workspace", 201), post(create_workspace)),
        (Op::new("GET", "/api/v1/workspaces/{workspace}", "getWorkspace", "One workspace", Auth::Viewer, None, "Workspace", 200), get(get_workspace)),
        (Op::new("GET", "/api/v1/workspaces/{workspace}/jobs", "listJobs", "A workspace's jobs, newest first (`?limit=`, at most 500)", Auth::Viewer, None, "JobList", 200), get(list_jobs)),
        (Op::new("POST", "/api/v1/workspaces/{workspace}/jobs", "queueJob", "Queue a plan, apply, drift or workload job for the workspace's agent; a workload naming a registry or bucket outside the geography is refused", Auth::Operator, Some("QueueJob"), "Job", 201), post(queue_job)),
        (Op::new("GET", "/api/v1/workspaces/{workspace}/agents", "listAgents", "A workspace's agents with health and cluster metadata", Auth::Viewer, None, "AgentList", 200), get(list_agents)),
        (Op::new("POST", "/api/v1/workspaces/{workspace}/agents", "registerAgent", "Register an agent; its token is returned once (registering a name again rotates the token)", Auth::Operator, Some("RegisterAgent"), "AgentRegistered", 201), post(register_agent)),
        (Op::new("DELETE", "/api/v1/workspaces/{workspace}/agents/{agent}", "deregisterAgent", "Deregister an agent: its token is revoked (effective on its next request); it stays listed as revoked", Auth::Operator, None, "AgentDeregistered", 200), delete(deregister_agent)),
        (Op::new("GET", "/api/v1/jobs/{id}", "getJob", "One job", Auth::Viewer, None, "Job", 200), get(get_job)),
        (Op::new("GET", "/api/v1/tokens", "listTokens", "Every token, without secrets", Auth::Admin, None, "TokenList", 200), get(list_tokens)),
        (Op::new("POST", "/api/v1/tokens", "issueToken", "Issue a token for a person or CI with roles per workspace; returned once", Auth::Admin, Some("IssueToken"), "TokenIssued", 201), post(issue_token)),
        (Op::new("DELETE", "/api/v1/tokens/{id}", "revokeToken", "Revoke a token (effective on its next request)", Auth::Admin, None, "TokenRevoked", 200), delete(revoke_token)),
        (Op::new("GET", "/api/v1/audit", "listAudit", "The audit log, oldest first (`?after=ID&limit=N`)", Auth::Admin, None, "AuditPage", 200), get(list_audit)),
    ]
}

fn parse_id(s: &str, what: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::bad_request(format!("{what} {s:?} is not an id")))
}

async fn whoami(call: Call) -> Response {
    call.run("whoami", None, |_, who, _| async move {
        Ok(Reply::json(
            StatusCode::OK,
            &WhoAmI {
                token_id: who.token_id,
                kind: who.kind,
                name: who.name.clone(),
                grants: who.grants.clone(),
                workspace: who.agent_workspace().map(str::to_string),
            },
        ))
    })
    .await
}

fn visible_workspaces(c: &mut dyn Conn, who: &Principal) -> Result<Vec<Workspace>, ApiError> {
    Ok(records::workspaces(c)?
        .into_iter()
        .filter(|w| who.can_view(&w.name))
        .collect())
}

async fn list_workspaces(call: Call) -> Response {
    call.run("workspace.list", None, |call, who, _| async move {
        let workspaces = call
            .app
            .store
            .read(move |c| visible_workspaces(c, &who))
            .await?;
        Ok(Reply::json(StatusCode::OK, &WorkspaceList { workspaces }))
    })
    .await
}

/// Checks a new workspace's cloud, geography and region against the location catalogue.
fn check_new_workspace(w: &CreateWorkspace) -> Result<(), ApiError> {
    let cloud = Cloud::of_provider(&w.cloud).ok_or_else(|| {
        ApiError::bad_request(format!("cloud {:?} is not one of aws, gcp, azure", w.cloud))
    })?;
    let inside = |region: &str| -> Result<(), ApiError> {
        let country = geo::country(cloud, region).ok_or_else(|| {
            ApiError::bad_request(format!(
                "region {region:?} is not a known {} region",
                cloud.name()
            ))
        })?;
        if let Some(countries) = geo::builtin_countries(&w.geography) {
            if !countries.contains(&country) {
                return Err(ApiError::bad_request(format!(
                    "region {region} ({country}) is outside geography {:?}",
                    w.geography
                )));
            }
        }
        Ok(())
    };
    inside(&w.region)?;
    for b in &w.buckets {
        inside(&b.region)
            .map_err(|e| ApiError::bad_request(format!("bucket {:?}: {}", b.name, e.message)))?;
    }
    Ok(())
}

async fn create_workspace(call: Call, body: Body) -> Response {
    call.run(
        "workspace.create",
        None,
        |call, who, mut audit| async move {
            who.require_admin()?;
            let req: CreateWorkspace = decode_body(body).await?;
            check_new_workspace(&req)?;
            audit.workspace = Some(req.name.clone());
            let ws = Workspace {
                name: req.name,
                cloud: Cloud::of_provider(&req.cloud)
                    .map(|c| c.name().to_string())
                    .unwrap_or(req.cloud),
                geography: req.geography,
                region: req.region,
                buckets: req.buckets,
                created_at: now_ms(),
            };
            let ws = call
                .app
                .store
                .write(move |c| {
                    audited(
                        c,
                        &audit,
                        StatusCode::CREATED,
                        |w: &Workspace| Some(format!("workspace:{}", w.name)),
                        |c| {
                            if records::workspace_by_name(c, &ws.name)?.is_some() {
                                return Err(ApiError::conflict(format!(
                                    "workspace {:?} exists",
                                    ws.name
                                )));
                            }
                            records::insert_workspace(c, &ws)?;
                            Ok(ws)
                        },
                    )
                })
                .await?;
            Ok(Reply::json(StatusCode::CREATED, &ws).audited())
        },
    )
    .await
}

/// The workspace, if the caller may see it: 403 if not, 404 (admins only) if it is missing.
fn visible_workspace(c: &mut dyn Conn, who: &Principal, name: &str) -> Result<Workspace, ApiError> {
    who.require_view(name)?;
    records::workspace_by_name(c, name)?
        .ok_or_else(|| ApiError::not_found(format!("no workspace {name:?}")))
}

async fn get_workspace(call: Call, Path(name): Path<String>) -> Response {
    call.clone()
        .run(
            "workspace.get",
            Some(&name.clone()),
            |call, who, _| async move {
                let ws = call
                    .app
                    .store
                    .read(move |c| visible_workspace(c, &who, &name))
                    .await?;
                Ok(Reply::json(StatusCode::OK, &ws))
            },
        )
        .await
}

#[derive(serde::Deserialize)]
struct Page {
    limit: Option<i64>,
    after: Option<i64>,
}

async fn list_jobs(call: Call, Path(name): Path<String>, Query(page): Query<Page>) -> Response {
    call.clone()
        .run("job.list", Some(&name.clone()), |call, who, _| async move {
            let limit = page.limit.unwrap_or(100).clamp(1, 500);
            let jobs = call
                .app
                .store
                .read(move |c| {
                    visible_workspace(c, &who, &name)?;
                    Ok::<_, ApiError>(records::jobs(c, Some(&[name]), limit)?)
                })
                .await?;
            Ok(Reply::json(StatusCode::OK, &JobList { jobs }))
        })
        .await
}

async fn queue_job(call: Call, Path(name): Path<String>, body: Body) -> Response {
    call.clone()
        .run(
            "job.queue",
            Some(&name.clone()),
            |call, who, audit| async move {
                who.require_operate(&name)?;
                let req: QueueJob = decode_body(body).await?;
                let queued_by = who.actor();
                let app = call.app.clone();
                let job = call
                    .app
                    .store
                    .write(move |c| {
                        audited(
                            c,
                            &audit,
                            StatusCode::CREATED,
                            |j: &hangar_wire::Job| Some(format!("job:{}", j.id)),
                            |c| {
                                let ws = visible_workspace(c, &who, &name)?;
                                let all = records::workspaces(c)?;
                                workload::check(&req.spec, &ws, &all).map_err(|why| {
                                    ApiError::bad_request(format!(
                                        "workload refused for workspace {name:?}: {why}"
                                    ))
                                })?;
                                Ok(records::insert_job(
                                    c,
                                    &name,
                                    &req.spec,
                                    &queued_by,
                                    now_ms(),
                                )?)
                            },
                        )
                    })
                    .await?;
                app.wake_claims();
                Ok(Reply::json(StatusCode::CREATED, &job).audited())
            },
        )
        .await
}

async fn list_agents(call: Call, Path(name): Path<String>) -> Response {
    call.clone()
        .run(
            "agent.list",
            Some(&name.clone()),
            |call, who, _| async move {
                let stale = call.app.settings.stale_after.as_millis() as i64;
                let agents = call
                    .app
                    .store
                    .read(move |c| {
                        visible_workspace(c, &who, &name)?;
                        Ok::<_, ApiError>(records::agents(c, Some(&name), now_ms() - stale)?)
                    })
                    .await?;
                Ok(Reply::json(StatusCode::OK, &AgentList { agents }))
            },
        )
        .await
}

async fn register_agent(call: Call, Path(name): Path<String>, body: Body) -> Response {
    call.clone()
        .run("agent.register", Some(&name.clone()), |call, who, audit| async move {
            who.require_operate(&name)?;
            let req: RegisterAgent = decode_body(body).await?;
            let token = auth::generate(TokenKind::Agent)?;
            let hash = auth::hash(&token);
            let created_by = who.actor();
            let reply = call
                .app
                .store
                .write(move |c| {
                    audited(c, &audit, StatusCode::CREATED, |r: &AgentRegistered| Some(format!("agent:{}", r.id)), |c| {
                        let ws = visible_workspace(c, &who, &name)?;
                        if let Some(bucket) = &req.artifact_bucket {
                            let cloud = Cloud::of_provider(&ws.cloud).unwrap_or(Cloud::Aws);
                            let country = geo::country(cloud, &bucket.region);
                            let ok = match (country, geo::builtin_countries(&ws.geography)) {
                                (Some(c), Some(cs)) => cs.contains(&c),
                                (Some(_), None) => bucket.region == ws.region,
                                (None, _) => false,
                            };
                            if !ok {
                                return Err(ApiError::bad_request(format!(
                                    "artifact bucket {:?} is in {}, outside workspace {:?}'s geography {:?}",
                                    bucket.name, bucket.region, ws.name, ws.geography
                                )));
                            }
                            records::add_bucket(c, &ws.name, bucket)?;
                        }
                        let now = now_ms();
                        let token_id = records::insert_token(
                            c,
                            &hash,
                            TokenKind::Agent,
                            &req.name,
                            Some(&ws.name),
                            &created_by,
                            now,
                        )?;
                        let id = match records::agent_by_name(c, &ws.name, &req.name)? {
                            Some((id, old_token)) => {
                                records::revoke_token(c, old_token, now)?;
                                records::set_agent_token(c, id, token_id, now)?;
                                id
                            }
                            None => records::insert_agent(c, &ws.name, &req.name, token_id, now)?,
                        };
                        Ok(AgentRegistered {
                            id,
                            workspace: ws.name,
                            token,
                        })
                    })
                })
                .await?;
            Ok(Reply::json(StatusCode::CREATED, &reply).audited())
        })
        .await
}

async fn deregister_agent(
    call: Call,
    Path((workspace, agent)): Path<(String, String)>,
) -> Response {
    call.clone()
        .run(
            "agent.deregister",
            Some(&workspace.clone()),
            |call, who, audit| async move {
                who.require_operate(&workspace)?;
                let reply = call
                    .app
                    .store
                    .write(move |c| {
                        audited(
                            c,
                            &audit,
                            StatusCode::OK,
                            |r: &AgentDeregistered| Some(format!("agent:{}", r.id)),
                            |c| {
                                let ws = visible_workspace(c, &who, &workspace)?;
                                let Some((id, token)) =
                                    records::agent_by_name(c, &ws.name, &agent)?
                                else {
                                    return Err(ApiError::not_found(format!(
                                        "no agent {agent:?} in workspace {:?}",
                                        ws.name
                                    )));
                                };
                                let revoked = records::revoke_token(c, token, now_ms())?;
                                Ok(AgentDeregistered {
                                    id,
                                    workspace: ws.name,
                                    name: agent,
                                    revoked,
                                })
                            },
                        )
                    })
                    .await?;
                Ok(Reply::json(StatusCode::OK, &reply).audited())
            },
        )
        .await
}

async fn get_job(call: Call, Path(id): Path<String>) -> Response {
    call.run("job.get", None, |call, who, _| async move {
        let id = parse_id(&id, "job")?;
        let job = call
            .app
            .store
            .read(move |c| {
                let row = records::job(c, id)?
                    .ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
                who.require_view(&row.job.workspace)?;
                Ok::<_, ApiError>(row.job)
            })
            .await?;
        Ok(Reply::json(StatusCode::OK, &job).target(format!("job:{id}")))
    })
    .await
}

async fn list_tokens(call: Call) -> Response {
    call.run("token.list", None, |call, who, _| async move {
        who.require_admin()?;
        let tokens = call
            .app
            .store
            .read(|c| records::tokens(c).map_err(ApiError::from))
            .await?;
        Ok(Reply::json(StatusCode::OK, &TokenList { tokens }))
    })
    .await
}

async fn issue_token(call: Call, body: Body) -> Response {
    call.run("token.issue", None, |call, who, audit| async move {
        who.require_admin()?;
        let req: IssueToken = decode_body(body).await?;
        let token = auth::generate(TokenKind::User)?;
        let hash = auth::hash(&token);
        let created_by = who.actor();
        let issued = call
            .app
            .store
            .write(move |c| {
                audited(
                    c,
                    &audit,
                    StatusCode::CREATED,
                    |t: &TokenIssued| Some(format!("token:{}", t.id)),
                    |c| {
                        for g in &req.grants {
                            if records::workspace_by_name(c, &g.workspace)?.is_none() {
                                return Err(ApiError::bad_request(format!(
                                    "grant names workspace {:?}, which does not exist",
                                    g.workspace
                                )));
                            }
                        }
                        let id = records::insert_token(
                            c,
                            &hash,
                            TokenKind::User,
                            &req.name,
                            None,
                            &created_by,
                            now_ms(),
                        )?;
                        for g in &req.grants {
                            records::insert_grant(c, id, &g.workspace, g.role).map_err(|e| {
                                if e.is_constraint() {
                                    ApiError::bad_request(format!(
                                        "workspace {:?} is granted twice",
                                        g.workspace
                                    ))
                                } else {
                                    e.into()
                                }
                            })?;
                        }
                        Ok(TokenIssued { id, token })
                    },
                )
            })
            .await?;
        Ok(Reply::json(StatusCode::CREATED, &issued).audited())
    })
    .await
}

async fn revoke_token(call: Call, Path(id): Path<String>) -> Response {
    call.run("token.revoke", None, |call, who, audit| async move {
        who.require_admin()?;
        let id = parse_id(&id, "token")?;
        let reply = call
            .app
            .store
            .write(move |c| {
                audited(
                    c,
                    &audit,
                    StatusCode::OK,
                    |r: &TokenRevoked| Some(format!("token:{}", r.id)),
                    |c| {
                        if !records::token_exists(c, id)? {
                            return Err(ApiError::not_found(format!("no token {id}")));
                        }
                        let revoked = records::revoke_token(c, id, now_ms())?;
                        Ok(TokenRevoked { id, revoked })
                    },
                )
            })
            .await?;
        Ok(Reply::json(StatusCode::OK, &reply).audited())
    })
    .await
}

async fn list_audit(call: Call, Query(page): Query<Page>) -> Response {
    call.run("audit.list", None, |call, who, _| async move {
        who.require_admin()?;
        let after = page.after.unwrap_or(0);
        let limit = page.limit.unwrap_or(500).clamp(1, 5000);
        let entries = call
            .app
            .store
            .read(move |c| records::audit(c, after, limit).map_err(ApiError::from))
            .await?;
        Ok(Reply::json(StatusCode::OK, &AuditPage { entries }))
    })
    .await
}

fn brief(job: Option<hangar_wire::Job>) -> Option<JobBrief> {
    job.map(|j| {
        let count = j
            .summary
            .as_ref()
            .map(|s| match j.spec.kind() {
                hangar_wire::JobKind::Drift => s.drift.len() as u32,
                _ => s.counts.add + s.counts.change + s.counts.destroy + s.counts.import,
            })
            .unwrap_or(0);
        JobBrief {
            id: j.id,
            status: j.status,
            at: j.finished_at.unwrap_or(j.queued_at),
            count,
        }
    })
}

async fn overview(call: Call) -> Response {
    call.run("overview", None, |call, who, _| async move {
        let stale = call.app.settings.stale_after.as_millis() as i64;
        let overview = call
            .app
            .store
            .read(move |c| {
                let now = now_ms();
                let mut workspaces = Vec::new();
                for ws in visible_workspaces(c, &who)? {
                    let agents = records::agents(c, Some(&ws.name), now - stale)?;
                    let last_apply = brief(records::last_job(c, &ws.name, "apply")?);
                    let last_drift = brief(records::last_job(c, &ws.name, "drift")?);
                    workspaces.push(WorkspaceOverview {
                        workspace: ws,
                        agents,
                        last_apply,
                        last_drift,
                    });
                }
                let names: Vec<String> = workspaces
                    .iter()
                    .map(|w| w.workspace.name.clone())
                    .collect();
                let jobs = match who.visible() {
                    None => records::jobs(c, None, 100)?,
                    Some(_) => records::jobs(c, Some(&names), 100)?,
                };
                Ok::<_, ApiError>(Overview {
                    now,
                    workspaces,
                    jobs,
                })
            })
            .await?;
        Ok(Reply::json(StatusCode::OK, &overview))
    })
    .await
}
