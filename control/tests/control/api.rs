//! The job lifecycle, long-poll, leases, workloads, malformed input and the audit log.

use std::time::{Duration, Instant};

use hangar_wire::{
    AgentList, AuditPage, Container, JobList, JobProgress, JobSpec, JobStatus, Overview,
    ReportReply, Role, Workload, WorkloadKind,
};

use crate::both;
use crate::support::*;

async fn lifecycle(backend: Backend) {
    let db = Db::new(backend);
    let s = start(&db).await;
    let c = &s.client;
    eu_and_us(c, &s.admin).await;
    let (_, op) = user_token(c, &s.admin, "ci-eu", &[("eu-prod", Role::Operator)]).await;
    let agent = Agent::register(c, &op, "eu-prod", "eu-agent").await;

    let agents: AgentList = c.get("/api/v1/workspaces/eu-prod/agents", &op).await.json();
    assert_eq!(agents.agents[0].health, hangar_wire::AgentHealth::NeverSeen);
    assert_eq!(agent.heartbeat().await.status, 200);
    let agents: AgentList = c.get("/api/v1/workspaces/eu-prod/agents", &op).await.json();
    let a = &agents.agents[0];
    assert_eq!(a.health, hangar_wire::AgentHealth::Healthy);
    assert_eq!(a.version.as_deref(), Some("0.1.0-test"));
    assert_eq!(a.cluster.as_ref().map(|c| c.node_count), Some(3));

    // A claim waiting before the job exists is woken when it is queued.
    let waiting = {
        let agent = agent.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            (agent.claim(20).await, t.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let queued = queue(c, &op, "eu-prod", apply()).await;
    assert_eq!(queued.status, 201, "{}", queued.text());
    let queued: hangar_wire::Job = queued.json();
    assert_eq!(queued.status, JobStatus::Queued);
    assert_eq!(queued.queued_by, "user:ci-eu");
    let (claimed, waited) = waiting.await.expect("claim task");
    let claimed = claimed.expect("the claim got the job");
    assert_eq!(claimed.id, queued.id);
    assert!(
        waited < Duration::from_secs(10),
        "woken, not timed out: {waited:?}"
    );
    assert_eq!(job(c, &op, queued.id).await.status, JobStatus::Running);
    assert_eq!(agent.claim(0).await, None, "nothing else queued");

    let r = agent
        .client
        .post(
            &format!("/api/v1/agent/jobs/{}/progress", queued.id),
            &agent.token,
            &JobProgress {
                lease: claimed.lease.clone(),
                summary: None,
            },
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json::<ReportReply>().status, JobStatus::Running);

    let done = agent
        .succeed(queued.id, &claimed.lease, applied_summary())
        .await;
    assert_eq!(done.status, JobStatus::Succeeded);
    let j = job(c, &op, queued.id).await;
    assert_eq!(j.status, JobStatus::Succeeded);
    assert_eq!(j.agent.as_deref(), Some("eu-agent"));
    assert_eq!(j.summary.as_ref().map(|s| s.counts.add), Some(2));
    assert!(j.finished_at.is_some() && j.started_at.is_some());

    // The same outcome again (a retry after a lost reply) is accepted; a different one is not.
    agent
        .succeed(queued.id, &claimed.lease, applied_summary())
        .await;
    let r = agent
        .outcome(
            queued.id,
            &claimed.lease,
            JobStatus::Failed,
            applied_summary(),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    let r = agent
        .outcome(
            queued.id,
            "not-the-lease",
            JobStatus::Succeeded,
            applied_summary(),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());

    let overview: Overview = c.get("/api/v1/overview", &s.admin).await.json();
    let eu = overview
        .workspaces
        .iter()
        .find(|w| w.workspace.name == "eu-prod")
        .expect("eu-prod in overview");
    let last = eu.last_apply.as_ref().expect("last apply");
    assert_eq!(
        (last.id, last.status, last.count),
        (queued.id, JobStatus::Succeeded, 2)
    );
    assert_eq!(eu.agents[0].health, hangar_wire::AgentHealth::Healthy);
    let us = overview
        .workspaces
        .iter()
        .find(|w| w.workspace.name == "us-prod")
        .expect("us-prod in overview");
    assert!(us.agents.is_empty() && us.last_apply.is_none());
    assert_eq!(overview.jobs.len(), 1);

    let list: JobList = c.get("/api/v1/workspaces/eu-prod/jobs", &op).await.json();
    assert_eq!(
        list.jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
        [queued.id]
    );
    s.running.shutdown().await.expect("shutdown");
}
both!(job_lifecycle_over_http, lifecycle);

async fn lease_expiry(backend: Backend) {
    let db = Db::new(backend);
    let mut opts = options(&db);
    opts.lease = Duration::from_secs(1);
    let s = start_with(opts).await;
    let c = &s.client;
    eu_and_us(c, &s.admin).await;
    let agent = Agent::register(c, &s.admin, "eu-prod", "eu-agent").await;
    let queued: hangar_wire::Job = queue(c, &s.admin, "eu-prod", apply()).await.json();
    let claimed = agent.claim(0).await.expect("claimed");
    // The agent disappears: no heartbeat, no progress.
    let deadline = Instant::now() + Duration::from_secs(10);
    let failed = loop {
        let j = job(c, &s.admin, queued.id).await;
        if j.status == JobStatus::Failed {
            break j;
        }
        assert!(Instant::now() < deadline, "job never failed: {j:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let reason = failed.reason.expect("a reason");
    assert!(
        reason.contains("eu-agent") && reason.contains("lease"),
        "{reason}"
    );
    // A late report is refused, naming why.
    let r = agent
        .outcome(
            queued.id,
            &claimed.lease,
            JobStatus::Succeeded,
            applied_summary(),
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.message().contains("lease expired"), "{}", r.message());
    let audit: AuditPage = c.get("/api/v1/audit", &s.admin).await.json();
    assert!(audit.entries.iter().any(|e| e.action == "job.lease_expired"
        && e.actor == "control-plane"
        && e.target.as_deref() == Some(&format!("job:{}", queued.id))));

    // Heartbeats keep a lease alive.
    let queued: hangar_wire::Job = queue(c, &s.admin, "eu-prod", apply()).await.json();
    let claimed = agent.claim(0).await.expect("claimed");
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(agent.heartbeat().await.status, 200);
    }
    assert_eq!(job(c, &s.admin, queued.id).await.status, JobStatus::Running);
    agent
        .succeed(queued.id, &claimed.lease, applied_summary())
        .await;
    s.running.shutdown().await.expect("shutdown");
}
both!(leases_expire_when_the_agent_disappears, lease_expiry);

fn workload(image: &str, bucket: Option<&str>, env: Option<&str>) -> JobSpec {
    JobSpec::Workload {
        workload: Workload {
            kind: WorkloadKind::Job,
            name: "train".into(),
            namespace: Some("ml".into()),
            replicas: None,
            containers: vec![Container {
                name: "main".into(),
                image: image.into(),
                args: vec!["--epochs=3".into()],
                env: env
                    .map(|v| {
                        vec![hangar_wire::EnvVar {
                            name: "OUTPUT".into(),
                            value: v.into(),
                        }]
                    })
                    .unwrap_or_default(),
                cpu_millicores: Some(2000),
                memory_mib: Some(4096),
            }],
            artifact_bucket: bucket.map(str::to_string),
        },
    }
}

async fn workloads(backend: Backend) {
    let db = Db::new(backend);
    let s = start(&db).await;
    let c = &s.client;
    eu_and_us(c, &s.admin).await;
    let eu = Agent::register(c, &s.admin, "eu-prod", "eu-agent").await;
    let us = Agent::register(c, &s.admin, "us-prod", "us-agent").await;
    let eu_image = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/train:1";
    let us_image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1";

    let refused = [
        (workload(us_image, None, None), "us-east-1"),
        (
            workload("us-docker.pkg.dev/p/r/train:1", None, None),
            "outside",
        ),
        (
            workload(eu_image, Some("s3://us-prod-artifacts/run1"), None),
            "belongs to workspace \"us-prod\"",
        ),
        (
            workload(eu_image, Some("s3://somebody-elses-bucket"), None),
            "not known as workspace",
        ),
        (
            workload(
                eu_image,
                None,
                Some("https://x.s3.us-west-2.amazonaws.com/out"),
            ),
            "us-west-2",
        ),
    ];
    for (spec, why) in refused {
        let r = queue(c, &s.admin, "eu-prod", spec.clone()).await;
        assert_eq!(r.status, 400, "{spec:?}: {}", r.text());
        assert!(r.message().contains(why), "{why:?} not in: {}", r.message());
        assert!(r.message().contains("eu-prod"), "{}", r.message());
    }
    let jobs: JobList = c
        .get("/api/v1/workspaces/eu-prod/jobs", &s.admin)
        .await
        .json();
    assert!(jobs.jobs.is_empty(), "refused workloads are never queued");

    let ok = queue(
        c,
        &s.admin,
        "eu-prod",
        workload(
            eu_image,
            Some("s3://eu-prod-artifacts/run1"),
            Some("s3://eu-prod-artifacts/out"),
        ),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    let ok: hangar_wire::Job = ok.json();
    // Routed only to its workspace's agent.
    assert_eq!(us.claim(0).await, None);
    let got = eu.claim(0).await.expect("the eu agent gets it");
    assert_eq!(got.id, ok.id);
    assert!(matches!(got.spec, JobSpec::Workload { .. }));
    s.running.shutdown().await.expect("shutdown");
}
both!(workloads_outside_the_geography_are_refused, workloads);

/// Every text cell of every table, for looking for something that must not be stored.
fn everything_stored(db: &Db) -> String {
    let mut all = String::new();
    for table in ["workspaces", "tokens", "grants", "agents", "jobs", "audit"] {
        let rows = db.sql(&format!("SELECT * FROM {table}")).expect("dump");
        for row in rows {
            for cell in row.into_iter().flatten() {
                all.push_str(&cell);
                all.push('\n');
            }
        }
    }
    if let Some(path) = &db.path {
        for suffix in ["", "-wal"] {
            let p = format!("{}{suffix}", path.display());
            if let Ok(bytes) = std::fs::read(&p) {
                all.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    all
}

async fn malformed(backend: Backend) {
    let db = Db::new(backend);
    let s = start(&db).await;
    let c = &s.client;
    eu_and_us(c, &s.admin).await;
    let agent = Agent::register(c, &s.admin, "eu-prod", "eu-agent").await;
    let marker = "SECRET-MARKER-7f3a9c";
    let bodies: Vec<(&str, String, String)> = vec![
        ("/api/v1/workspaces/eu-prod/jobs", s.admin.clone(), format!("{{\"spec\":{{\"kind\":\"plan\",\"destroy\":\"{marker}\"}}}}")),
        ("/api/v1/workspaces/eu-prod/jobs", s.admin.clone(), format!("{{\"spec\":{{\"kind\":\"plan\"}},\"vars\":\"{marker}\"}}")),
        ("/api/v1/workspaces/eu-prod/jobs", s.admin.clone(), format!("{{\"spec\": {marker}")),
        ("/api/v1/workspaces/eu-prod/jobs", s.admin.clone(), format!("{{\"spec\":{{\"kind\":\"plan\"}},\"pad\":\"{}\"}}", marker.repeat(20_000))),
        ("/api/v1/agent/heartbeat", agent.token.clone(), format!("{{\"protocol\":1,\"agent_version\":\"1\",\"cluster\":{{\"kubernetes_version\":\"{marker}\",\"node_count\":1,\"secret\":1}}}}")),
        ("/api/v1/agent/heartbeat", agent.token.clone(), format!("{{\"protocol\":1,\"agent_version\":\"{}\"}}", marker.repeat(10))),
        ("/api/v1/workspaces", s.admin.clone(), format!("{{\"name\":\"{marker} x\",\"cloud\":\"aws\",\"geography\":\"eu\",\"region\":\"eu-west-1\"}}")),
    ];
    for (path, token, body) in &bodies {
        let r = c.post_raw(path, token, body.as_bytes()).await;
        assert_eq!(
            r.status,
            400,
            "{path} {}: {}",
            &body[..body.len().min(80)],
            r.text()
        );
        assert_eq!(r.json::<hangar_wire::ErrorBody>().error, "bad_request");
    }
    // A summary with an attribute value has nowhere to go: refused, not stored.
    let queued: hangar_wire::Job = queue(c, &s.admin, "eu-prod", apply()).await.json();
    let claimed = agent.claim(0).await.expect("claimed");
    let leaky = format!(
        "{{\"lease\":\"{}\",\"status\":\"succeeded\",\"summary\":{{\"changes\":[{{\"address\":\"aws_s3_bucket.a\",\"resource_type\":\"aws_s3_bucket\",\"action\":\"create\",\"after\":{{\"password\":\"{marker}\"}}}}]}}}}",
        claimed.lease
    );
    let r = c
        .post_raw(
            &format!("/api/v1/agent/jobs/{}/outcome", queued.id),
            &agent.token,
            leaky.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(job(c, &s.admin, queued.id).await.status, JobStatus::Running);

    let stored = everything_stored(&db);
    assert!(!stored.contains(marker), "a refused message was stored");
    let jobs: JobList = c
        .get("/api/v1/workspaces/eu-prod/jobs", &s.admin)
        .await
        .json();
    assert_eq!(jobs.jobs.len(), 1, "only the well-formed job");
    // The refusals themselves are audited (without the body).
    let audit: AuditPage = c.get("/api/v1/audit", &s.admin).await.json();
    let refusals = audit.entries.iter().filter(|e| e.status == 400).count();
    assert_eq!(refusals, bodies.len() + 1);
    s.running.shutdown().await.expect("shutdown");
}
both!(
    malformed_and_oversized_messages_are_refused_and_not_stored,
    malformed
);

async fn audit_log(backend: Backend) {
    let db = Db::new(backend);
    let s = start(&db).await;
    let c = &s.client;
    eu_and_us(c, &s.admin).await;
    let (viewer_id, viewer) = user_token(c, &s.admin, "alice", &[("eu-prod", Role::Viewer)]).await;
    assert_eq!(
        c.get("/api/v1/workspaces/us-prod", &viewer).await.status,
        403
    );
    assert_eq!(
        c.send("GET", "/api/v1/overview", None, Vec::new())
            .await
            .status,
        401
    );
    assert_eq!(
        queue(c, &s.admin, "eu-prod", JobSpec::Drift {})
            .await
            .status,
        201
    );

    let page: AuditPage = c.get("/api/v1/audit", &s.admin).await.json();
    let e = &page.entries;
    let ids: Vec<i64> = e.iter().map(|e| e.id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ordered by id: {ids:?}"
    );
    assert!(e.iter().all(|e| e.at > 0));
    let find = |action: &str, status: u16| {
        e.iter()
            .find(|x| x.action == action && x.status == status)
            .unwrap_or_else(|| panic!("no {action} {status} in {e:#?}"))
    };
    assert_eq!(find("admin.bootstrap", 200).actor, "control-plane");
    let created = find("workspace.create", 201);
    assert_eq!(created.actor, "admin:bootstrap");
    assert_eq!(created.request, "POST /api/v1/workspaces");
    let denied = find("workspace.get", 403);
    assert_eq!(denied.actor, "user:alice");
    assert_eq!(denied.token_id, Some(viewer_id));
    assert_eq!(denied.workspace.as_deref(), Some("us-prod"));
    assert!(denied
        .detail
        .as_deref()
        .is_some_and(|d| d.contains("may not see")));
    assert_eq!(find("overview", 401).actor, "anonymous");
    let queued = find("job.queue", 201);
    assert!(queued
        .target
        .as_deref()
        .is_some_and(|t| t.starts_with("job:")));

    // Append-only, below the API too.
    for sql in ["UPDATE audit SET actor = 'x'", "DELETE FROM audit"] {
        let err = db.sql(sql).expect_err("the audit log refuses changes");
        assert!(err.contains("append-only"), "{err}");
    }
    // Only admins read it; reading it is itself recorded.
    assert_eq!(c.get("/api/v1/audit", &viewer).await.status, 403);
    let later: AuditPage = c
        .get(
            &format!("/api/v1/audit?after={}", ids.last().copied().unwrap_or(0)),
            &s.admin,
        )
        .await
        .json();
    let actions: Vec<&str> = later.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["audit.list", "audit.list"]);
    assert_eq!(later.entries[0].status, 200);
    assert_eq!(later.entries[1].status, 403);
    s.running.shutdown().await.expect("shutdown");
}
both!(
    the_audit_log_records_every_call_and_is_append_only,
    audit_log
);
