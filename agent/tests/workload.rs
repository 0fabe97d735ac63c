//! Workload jobs run on the agent's own cluster (the Kubernetes API test server): a Job runs to
//! completion with the workspace's bucket injected, a failing one is reported failed, a
//! Deployment succeeds once its replicas are ready, and a workload naming another bucket is
//! refused by the agent itself.

use std::time::Duration;

use hangar_agent::job::EngineSettings;
use hangar_agent::workload::BUCKET_ENV;
use hangar_agent::AgentOptions;
use hangar_remote::control::Control;
use hangar_remote::kube::KubeConfig;
use hangar_remote::Secret;
use hangar_testkit::kube::{KubeOptions, KubeServer};
use hangar_wire::{
    AgentRegistered, BucketRef, Container, CreateWorkspace, Job, JobSpec, JobStatus, QueueJob,
    RegisterAgent, Workload, WorkloadKind,
};

const ADMIN: &str = "admin-token-for-the-agent-workload-test-0000";

fn workload(kind: WorkloadKind, name: &str, image: &str, bucket: Option<&str>) -> QueueJob {
    QueueJob {
        spec: JobSpec::Workload {
            workload: Workload {
                kind,
                name: name.into(),
                namespace: Some("ml".into()),
                replicas: Some(2),
                containers: vec![Container {
                    name: "main".into(),
                    image: image.into(),
                    args: vec!["--epochs=1".into()],
                    env: Vec::new(),
                    cpu_millicores: Some(500),
                    memory_mib: Some(256),
                }],
                artifact_bucket: bucket.map(str::to_string),
            },
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workloads_run_on_the_agents_cluster_with_its_bucket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let control = hangar_control::start(hangar_control::ServeOptions {
        listen: "127.0.0.1:0".into(),
        database: format!("sqlite:{}", dir.path().join("c.db").display()),
        admin_token: Some(ADMIN.into()),
        ..hangar_control::ServeOptions::default()
    })
    .await
    .expect("control plane");
    let url = format!("http://{}", control.addr());
    let admin = Control::new(&url, Secret::new(ADMIN), None).expect("client");
    let _: hangar_wire::Workspace = admin
        .post(
            "/api/v1/workspaces",
            &CreateWorkspace {
                name: "eu-prod".into(),
                cloud: "aws".into(),
                geography: "eu".into(),
                region: "eu-central-1".into(),
                buckets: vec![
                    BucketRef {
                        name: "eu-artifacts".into(),
                        region: "eu-central-1".into(),
                    },
                    BucketRef {
                        name: "eu-scratch".into(),
                        region: "eu-central-1".into(),
                    },
                ],
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
    let kube = KubeServer::start(KubeOptions::default());
    let data_dir = dir.path().join("agent");
    let engine = EngineSettings {
        dir: dir.path().to_path_buf(),
        workspace: "eu-prod".into(),
        var_files: Vec::new(),
        environment: Default::default(),
        plans_dir: data_dir.join("plans"),
    };
    let mut opts = AgentOptions::new(&url, Secret::new(agent.token), engine, &data_dir);
    opts.claim_wait = Duration::from_secs(1);
    opts.kube = Some(KubeConfig {
        server: kube.endpoint.clone(),
        token: Some(Secret::new(kube.admin_token.clone())),
        ..KubeConfig::default()
    });
    opts.workloads.artifact_bucket = Some("s3://eu-artifacts".into());
    opts.workloads.poll = Duration::from_millis(100);
    opts.workloads.timeout = Duration::from_secs(5);
    opts.max_jobs = Some(4);
    // The namespace the workloads run in.
    let k = hangar_remote::kube::Kube::new(opts.kube.as_ref().expect("kube")).expect("client");
    let ns = hangar_remote::kube::objects::Namespace {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        metadata: hangar_remote::kube::objects::ObjectMeta::named("ml", None, &Default::default()),
    };
    let _: serde_json::Value = k
        .apply(
            hangar_remote::kube::kinds::NAMESPACE,
            None,
            "ml",
            &ns,
            "test",
            true,
        )
        .await
        .expect("namespace ml");
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(hangar_agent::run(opts, stopped));

    let mut ids = Vec::new();
    for q in [
        workload(WorkloadKind::Job, "train", "ghcr.io/acme/train:1", None),
        workload(WorkloadKind::Job, "broken", "ghcr.io/acme/train:fail", None),
        workload(
            WorkloadKind::Deployment,
            "serve",
            "ghcr.io/acme/serve:1",
            None,
        ),
        workload(
            WorkloadKind::Job,
            "elsewhere",
            "ghcr.io/acme/train:1",
            Some("s3://eu-scratch"),
        ),
    ] {
        let job: Job = admin
            .post("/api/v1/workspaces/eu-prod/jobs", &q)
            .await
            .expect("queue");
        ids.push(job.id);
    }
    tokio::time::timeout(Duration::from_secs(60), running)
        .await
        .expect("four jobs done")
        .expect("task")
        .expect("agent");
    let mut jobs = Vec::new();
    for id in ids {
        let j: Job = admin.get(&format!("/api/v1/jobs/{id}")).await.expect("job");
        jobs.push(j);
    }

    let train = &jobs[0];
    assert_eq!(train.status, JobStatus::Succeeded, "{train:?}");
    let st = train
        .summary
        .as_ref()
        .and_then(|s| s.workload)
        .expect("status");
    assert_eq!(st.succeeded, 1);
    let obj = kube
        .object("batch/v1", "jobs", "ml", "train")
        .expect("the Job");
    let env = &obj["spec"]["template"]["spec"]["containers"][0]["env"];
    assert!(
        env.as_array()
            .into_iter()
            .flatten()
            .any(|e| e["name"] == BUCKET_ENV && e["value"] == "s3://eu-artifacts"),
        "{env}"
    );

    assert_eq!(jobs[1].status, JobStatus::Failed, "{:?}", jobs[1]);
    assert_eq!(
        jobs[1]
            .summary
            .as_ref()
            .and_then(|s| s.workload)
            .map(|w| w.failed),
        Some(1)
    );

    assert_eq!(jobs[2].status, JobStatus::Succeeded, "{:?}", jobs[2]);
    assert_eq!(
        jobs[2]
            .summary
            .as_ref()
            .and_then(|s| s.workload)
            .map(|w| w.ready),
        Some(2)
    );

    let elsewhere = &jobs[3];
    assert_eq!(elsewhere.status, JobStatus::Failed);
    let why = &elsewhere.summary.as_ref().expect("summary").errors[0].message;
    assert!(why.contains("s3://eu-scratch"), "{why}");
    assert!(kube.object("batch/v1", "jobs", "ml", "elsewhere").is_none());
    control.shutdown().await.expect("shutdown");
}
