//! The agent keeps working while the control plane is away: a job claimed before the control
//! plane stops runs to its end, its outcome waits in the outbox, and is delivered once the
//! control plane is back (same database, same address) — the job ends `succeeded` with its
//! summary, and the agent's egress log holds every attempt.

use std::path::Path;
use std::time::{Duration, Instant};

use hangar_agent::egress::EgressLog;
use hangar_agent::job::EngineSettings;
use hangar_agent::AgentOptions;
use hangar_control::ServeOptions;
use hangar_remote::control::Control;
use hangar_remote::Secret;
use hangar_wire::{
    AgentRegistered, CreateWorkspace, Job, JobSpec, JobStatus, QueueJob, RegisterAgent,
};

const ADMIN: &str = "admin-token-for-the-agent-reconnect-test-000";

fn options(db: &Path, listen: &str) -> ServeOptions {
    ServeOptions {
        listen: listen.into(),
        database: format!("sqlite:{}", db.display()),
        admin_token: Some(ADMIN.into()),
        ..ServeOptions::default()
    }
}

async fn job(admin: &Control, id: i64) -> Job {
    admin
        .get(&format!("/api/v1/jobs/{id}"))
        .await
        .expect("get job")
}

async fn until<F: std::future::Future<Output = bool>>(what: &str, mut f: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_finished_while_the_control_plane_was_away_is_reported_when_it_is_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("control.db");
    let first = hangar_control::start(options(&db, "127.0.0.1:0"))
        .await
        .expect("control plane");
    let addr = first.addr().to_string();
    let url = format!("http://{addr}");
    let admin = Control::new(&url, Secret::new(ADMIN), None).expect("client");
    let _: hangar_wire::Workspace = admin
        .post(
            "/api/v1/workspaces",
            &CreateWorkspace {
                name: "eu-prod".into(),
                cloud: "aws".into(),
                geography: "eu".into(),
                region: "eu-central-1".into(),
                buckets: Vec::new(),
            },
        )
        .await
        .expect("workspace");
    let agent: AgentRegistered = admin
        .post(
            "/api/v1/workspaces/eu-prod/agents",
            &RegisterAgent {
                name: "eu-agent".into(),
                artifact_bucket: None,
            },
        )
        .await
        .expect("register");

    // A configuration whose apply takes a few seconds.
    let config = dir.path().join("infra");
    std::fs::create_dir_all(&config).expect("mkdir");
    std::fs::write(
        config.join("main.tf"),
        r#"
workspace "eu-prod" {
  geography = "eu"
  region    = "eu-central-1"
}
resource "time_sleep" "wait" {
  create_duration = "3s"
}
resource "terraform_data" "after" {
  input      = "sk-live-DoNotLeaveTheRegion"
  depends_on = [time_sleep.wait]
}
"#,
    )
    .expect("write");
    let data_dir = dir.path().join("agent");
    let engine = EngineSettings {
        dir: config.clone(),
        workspace: "eu-prod".into(),
        var_files: Vec::new(),
        environment: Default::default(),
        plans_dir: data_dir.join("plans"),
    };
    let mut opts = AgentOptions::new(&url, Secret::new(agent.token.clone()), engine, &data_dir);
    opts.claim_wait = Duration::from_secs(1);
    opts.max_backoff = Duration::from_millis(500);
    opts.progress_interval = Duration::from_millis(300);
    opts.max_jobs = Some(1);
    let egress = opts.egress_log.clone();
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(hangar_agent::run(opts, stopped));

    let queued: Job = admin
        .post(
            "/api/v1/workspaces/eu-prod/jobs",
            &QueueJob {
                spec: JobSpec::Apply {
                    destroy: false,
                    plan_job: None,
                },
            },
        )
        .await
        .expect("queue");
    until("the agent to claim the job", || {
        let admin = admin.clone();
        async move { job(&admin, queued.id).await.status == JobStatus::Running }
    })
    .await;

    // The control plane goes away while the job runs.
    first.shutdown().await.expect("shutdown");
    let outbox = data_dir
        .join("outbox")
        .join(format!("job-{}.json", queued.id));
    until("the job to finish with the control plane away", || {
        let outbox = outbox.clone();
        async move { outbox.is_file() }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(outbox.is_file(), "nobody could have taken the outcome");
    assert!(!running.is_finished());

    // Back, on the same database and address: the outcome arrives.
    let second = loop {
        match hangar_control::start(options(&db, &addr)).await {
            Ok(s) => break s,
            Err(hangar_control::ControlError::Bind { .. }) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("restart: {e}"),
        }
    };
    let ended = tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("the agent delivers and stops")
        .expect("agent task");
    ended.expect("the agent ends cleanly");
    let done = job(&admin, queued.id).await;
    assert_eq!(done.status, JobStatus::Succeeded, "{done:?}");
    let summary = done.summary.expect("summary");
    assert_eq!(summary.counts.add, 2);
    assert!(summary.duration_ms >= 3000, "{summary:?}");
    assert!(!outbox.exists());

    // Every attempt is in the egress log, and no attempt carried the value.
    let records = EgressLog::read(&egress).expect("egress log");
    let outcome_path = format!("/api/v1/agent/jobs/{}/outcome", queued.id);
    let attempts = records.iter().filter(|r| r.path == outcome_path).count();
    assert!(attempts >= 2, "{attempts} outcome attempts logged");
    assert!(records
        .iter()
        .all(|r| !r.body.as_deref().unwrap_or("").contains("sk-live")));
    second.shutdown().await.expect("shutdown");
}
