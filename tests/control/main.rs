//! The control plane and two data-plane agents end to end, as local processes: `hangar serve`
//! and `hangar agent run` for workspaces eu-prod and us-prod, each agent with its own
//! configuration directory, state, moto region and Kubernetes test server.
//!
//! An operator token queues an apply for each workspace through the API; each agent applies its
//! own region's data plane against moto and reports back. Checked: both agents healthy with
//! cluster metadata, both jobs succeeded with metadata summaries; a token granted only eu-prod
//! sees nothing of us-prod; an agent cannot read or report on the other workspace's jobs; and
//! no byte the agents sent (their egress logs) nor anything the control plane stored (its
//! database file, its API answers) carries any of the secret-looking attribute values applied.

#[path = "../../providers/aws/tests/moto/mod.rs"]
mod moto;

mod clouds;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hangar_testkit::kube::{KubeOptions, KubeServer};
use hangar_testkit::work::Hangar;
use hangar_wire::{
    AgentList, AgentRegistered, CreateWorkspace, Grant, IssueToken, Job, JobList, JobSpec,
    JobStatus, QueueJob, Role, TokenIssued, WorkspaceList,
};

const ADMIN: &str = "admin-token-for-the-agent-integration-test-0001";

/// Values that must never leave an agent.
const SECRETS: [&str; 3] = [
    "sk-live-9fQz7TopSecretTokenValue",
    "AKIAEXAMPLESECRETKEY77",
    "hunter2-database-password-xyz",
];

/// A child process killed (by its PID) when dropped.
struct Proc {
    child: Child,
    name: &'static str,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("stopped {} (pid {})", self.name, self.child.id());
    }
}

fn hangar() -> Command {
    Hangar::new(env!("CARGO_BIN_EXE_hangar"))
        .offline_aws()
        .env_remove("HANGAR_DATABASE")
        .command()
}

/// Starts `hangar serve` on a free port; its base URL.
fn serve(db: &Path) -> (Proc, String) {
    serve_with(db, &[])
}

/// Starts `hangar serve` on a free port with extra flags; its base URL.
fn serve_with(db: &Path, extra: &[&str]) -> (Proc, String) {
    let mut child = hangar()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--heartbeat-interval",
            "1s",
        ])
        .args(extra)
        .arg("--database")
        .arg(format!("sqlite:{}", db.display()))
        .env("HANGAR_ADMIN_TOKEN", ADMIN)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hangar serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("hangar serve exited before listening")
            .expect("read stderr");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().expect("url").to_string();
        }
    };
    // Keep draining its stderr so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (
        Proc {
            child,
            name: "hangar serve",
        },
        url,
    )
}

/// One HTTP/1.1 request to the control plane; status and body.
fn call(base: &str, method: &str, path: &str, token: &str, body: Option<String>) -> (u16, String) {
    let hostport = base.strip_prefix("http://").expect("http URL");
    let mut s = TcpStream::connect(hostport).expect("connect to the control plane");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let body = body.unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, rest.to_string())
}

fn ok<T: serde::de::DeserializeOwned>(
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<String>,
) -> T {
    let (status, text) = call(base, method, path, token, body);
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
}

/// As admin: workspace `name` of `cloud`, bound to `geography` with primary `region`.
fn create_workspace(base: &str, name: &str, cloud: &str, geography: &str, region: &str) {
    let _: hangar_wire::Workspace = ok(
        base,
        "POST",
        "/api/v1/workspaces",
        ADMIN,
        json(&CreateWorkspace {
            name: name.into(),
            cloud: cloud.into(),
            geography: geography.into(),
            region: region.into(),
            buckets: Vec::new(),
        }),
    );
}

fn json<T: serde::Serialize>(v: &T) -> Option<String> {
    Some(serde_json::to_string(v).expect("encode"))
}

/// The data plane of one region: an EKS cluster, an artifacts bucket tagged with secret-looking
/// values, and a `terraform_data` carrying another.
fn data_plane(
    workspace: &str,
    geography: &str,
    region: &str,
    bucket: &str,
    control: &str,
    kube: &str,
) -> String {
    let e = &moto::moto().endpoint;
    let [s0, s1, s2] = SECRETS;
    format!(
        r#"
workspace "{workspace}" {{
  geography = "{geography}"
  region    = "{region}"
}}

provider "aws" {{
  region            = "{region}"
  access_key        = "test"
  secret_key        = "test"
  s3_use_path_style = true
  endpoints {{
    s3  = "{e}"
    eks = "{e}"
    sts = "{e}"
  }}
}}

resource "aws_eks_cluster" "main" {{
  name     = "{workspace}-cluster"
  role_arn = "arn:aws:iam::123456789012:role/eks-cluster"
  version  = "1.30"
  vpc_config {{
    subnet_ids = ["subnet-aaa", "subnet-bbb"]
  }}
}}

resource "aws_s3_bucket" "artifacts" {{
  bucket        = "{bucket}"
  force_destroy = true
  tags = {{
    api_key = "{s0}"
    access  = "{s1}"
  }}
}}

resource "terraform_data" "db" {{
  input = "{s2}"
}}

variable "kube_token" {{
  type      = string
  sensitive = true
}}

provider "hangar" {{
  control_url = "{control}"
}}

# The agent installed into the region's cluster (registered under its own name, so the agent
# process running this job keeps its token).
resource "hangar_agent" "this" {{
  name                   = "{workspace}-in-cluster"
  workspace              = "{workspace}"
  cluster                = aws_eks_cluster.main.name
  kubernetes_host        = "{kube}"
  kubernetes_token       = var.kube_token
  write_namespaces       = ["ml"]
  artifact_bucket        = aws_s3_bucket.artifacts.bucket
  artifact_bucket_region = "{region}"
}}
"#
    )
}

struct AgentRun {
    _proc: Proc,
    dir: tempfile::TempDir,
    kube: KubeServer,
}

impl AgentRun {
    fn egress(&self) -> PathBuf {
        self.dir.path().join(".hangar-agent/egress.log")
    }
}

fn start_agent(
    base: &str,
    workspace: &str,
    token: &str,
    operator: &str,
    config: impl Fn(&str) -> String,
) -> AgentRun {
    let dir = tempfile::tempdir().expect("tempdir");
    let kube = KubeServer::start(KubeOptions::default());
    std::fs::write(dir.path().join("main.tf"), config(&kube.endpoint)).expect("write config");
    let child = hangar()
        .arg("-C")
        .arg(dir.path())
        .args(["-w", workspace, "agent", "run", "--control", base])
        .args(["--claim-wait", "2s", "--max-backoff", "2s"])
        .args(["--kube-server", &kube.endpoint])
        .env("HANGAR_AGENT_TOKEN", token)
        .env("HANGAR_KUBE_TOKEN", &kube.admin_token)
        .env("TF_VAR_kube_token", &kube.admin_token)
        .env("HANGAR_CONTROL_TOKEN", operator)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start hangar agent run");
    AgentRun {
        _proc: Proc {
            child,
            name: "hangar agent run",
        },
        dir,
        kube,
    }
}

fn wait_job(base: &str, token: &str, id: i64) -> Job {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let job: Job = ok(base, "GET", &format!("/api/v1/jobs/{id}"), token, None);
        if job.status.is_final() {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} did not finish: {job:?}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The agent's cluster-wide role, installed by `hangar_agent`, grants reads only.
fn assert_read_only(kube: &KubeServer) {
    let role = kube
        .object(
            "rbac.authorization.k8s.io/v1",
            "clusterroles",
            "",
            "hangar-agent-hangar-system-read",
        )
        .expect("read-only cluster role");
    assert!(!role.to_string().contains("\"create\""), "{role}");
}

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(
            !text.contains(s),
            "{what} carries the attribute value {s:?}"
        );
    }
}

#[test]
fn two_agents_apply_their_own_regions_and_only_metadata_leaves_them() {
    let _moto = moto::exclusive();
    let db_dir = tempfile::tempdir().expect("tempdir");
    let db = db_dir.path().join("control.db");
    let (_serve, base) = serve(&db);

    // Workspaces, tokens, agents.
    let places = [
        ("eu-prod", "eu", "eu-central-1"),
        ("us-prod", "us", "us-east-1"),
    ];
    for (name, geography, region) in places {
        create_workspace(&base, name, "aws", geography, region);
    }
    let grants = |ws: &[&str], role| {
        ws.iter()
            .map(|w| Grant {
                workspace: w.to_string(),
                role,
            })
            .collect::<Vec<_>>()
    };
    let operator: TokenIssued = ok(
        &base,
        "POST",
        "/api/v1/tokens",
        ADMIN,
        json(&IssueToken {
            name: "ops".into(),
            grants: grants(&["eu-prod", "us-prod"], Role::Operator),
        }),
    );
    let eu_only: TokenIssued = ok(
        &base,
        "POST",
        "/api/v1/tokens",
        ADMIN,
        json(&IssueToken {
            name: "eu-scientist".into(),
            grants: grants(&["eu-prod"], Role::Viewer),
        }),
    );
    let register = |ws: &str| -> AgentRegistered {
        ok(
            &base,
            "POST",
            &format!("/api/v1/workspaces/{ws}/agents"),
            &operator.token,
            json(&hangar_wire::RegisterAgent {
                name: format!("{ws}-agent"),
                artifact_bucket: None,
            }),
        )
    };
    let eu_agent = register("eu-prod");
    let us_agent = register("us-prod");

    let suffix = std::process::id();
    let eu_bucket = format!("eu-artifacts-{suffix}");
    let us_bucket = format!("us-artifacts-{suffix}");
    let eu = start_agent(&base, "eu-prod", &eu_agent.token, &operator.token, |kube| {
        data_plane("eu-prod", "eu", "eu-central-1", &eu_bucket, &base, kube)
    });
    let us = start_agent(&base, "us-prod", &us_agent.token, &operator.token, |kube| {
        data_plane("us-prod", "us", "us-east-1", &us_bucket, &base, kube)
    });

    // The operator queues an apply for each workspace.
    let queue = |ws: &str| -> Job {
        ok(
            &base,
            "POST",
            &format!("/api/v1/workspaces/{ws}/jobs"),
            &operator.token,
            json(&QueueJob {
                spec: JobSpec::Apply {
                    destroy: false,
                    plan_job: None,
                },
            }),
        )
    };
    let eu_job = queue("eu-prod");
    let us_job = queue("us-prod");
    let eu_done = wait_job(&base, &operator.token, eu_job.id);
    let us_done = wait_job(&base, &operator.token, us_job.id);
    for (job, ws) in [(&eu_done, "eu-prod"), (&us_done, "us-prod")] {
        assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
        assert_eq!(job.agent.as_deref(), Some(format!("{ws}-agent").as_str()));
        let summary = job.summary.as_ref().expect("a summary");
        assert_eq!(summary.counts.add, 4, "{summary:?}");
        let mut types: Vec<&str> = summary
            .changes
            .iter()
            .map(|c| c.resource_type.as_str())
            .collect();
        types.sort();
        assert_eq!(
            types,
            [
                "aws_eks_cluster",
                "aws_s3_bucket",
                "hangar_agent",
                "terraform_data"
            ]
        );
        assert!(summary.errors.is_empty(), "{summary:?}");
    }

    // Each region's bucket exists in moto, in its own region (read back by the engine).
    let buckets = moto::http("GET", "/", "").1;
    assert!(
        buckets.contains(&eu_bucket) && buckets.contains(&us_bucket),
        "{buckets}"
    );
    for (a, region) in [(&eu, "eu-central-1"), (&us, "us-east-1")] {
        let ws = if region == "eu-central-1" {
            "eu-prod"
        } else {
            "us-prod"
        };
        let state = std::fs::read_to_string(
            a.dir
                .path()
                .join("hangar.tfstate.d")
                .join(ws)
                .join("hangar.tfstate"),
        )
        .expect("the agent's state stays in its region");
        assert!(state.contains(region));
        // The values were really applied: they are in the region's own state.
        assert!(SECRETS.iter().all(|s| state.contains(s)));
    }

    // Both agents healthy, with cluster metadata from their Kubernetes API.
    let deadline = Instant::now() + Duration::from_secs(30);
    for ws in ["eu-prod", "us-prod"] {
        loop {
            let agents: AgentList = ok(
                &base,
                "GET",
                &format!("/api/v1/workspaces/{ws}/agents"),
                &operator.token,
                None,
            );
            let a = agents
                .agents
                .iter()
                .find(|a| a.name == format!("{ws}-agent"))
                .expect("the agent process");
            // The in-cluster agent the resource registered is known, and never seen yet.
            assert!(agents
                .agents
                .iter()
                .any(|a| a.name == format!("{ws}-in-cluster")
                    && a.health == hangar_wire::AgentHealth::NeverSeen));
            if a.health == hangar_wire::AgentHealth::Healthy
                && a.cluster.as_ref().is_some_and(|c| c.node_count == 3)
            {
                let c = a.cluster.as_ref().expect("cluster");
                assert_eq!(c.kubernetes_version, "v1.31.2");
                assert!(c.cpu_capacity_millicores > 0 && c.memory_capacity_bytes > 0);
                break;
            }
            assert!(Instant::now() < deadline, "{ws} agent not healthy: {a:?}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    // The eu-only token sees eu-prod and nothing of us-prod.
    let seen: WorkspaceList = ok(&base, "GET", "/api/v1/workspaces", &eu_only.token, None);
    let names: Vec<&str> = seen.workspaces.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["eu-prod"]);
    let _: JobList = ok(
        &base,
        "GET",
        "/api/v1/workspaces/eu-prod/jobs",
        &eu_only.token,
        None,
    );
    for path in [
        "/api/v1/workspaces/us-prod/jobs".to_string(),
        "/api/v1/workspaces/us-prod".to_string(),
        format!("/api/v1/jobs/{}", us_job.id),
    ] {
        let (status, body) = call(&base, "GET", &path, &eu_only.token, None);
        assert_eq!(status, 403, "eu-only token on {path}: {body}");
    }
    let (status, _) = call(
        &base,
        "POST",
        "/api/v1/workspaces/us-prod/jobs",
        &eu_only.token,
        json(&QueueJob {
            spec: JobSpec::Drift {},
        }),
    );
    assert_eq!(status, 403);

    // An agent cannot read the other workspace's jobs, nor report on them.
    for path in [
        "/api/v1/workspaces/us-prod/jobs".to_string(),
        format!("/api/v1/jobs/{}", us_job.id),
    ] {
        let (status, body) = call(&base, "GET", &path, &eu_agent.token, None);
        assert_eq!(status, 403, "eu agent on {path}: {body}");
    }
    let (status, body) = call(
        &base,
        "POST",
        &format!("/api/v1/agent/jobs/{}/progress", us_job.id),
        &eu_agent.token,
        Some(r#"{"lease":"stolen"}"#.into()),
    );
    assert_eq!(status, 403, "{body}");

    // Nothing that left the agents, nor anything the control plane keeps, carries a value.
    for a in [&eu, &us] {
        let log = std::fs::read_to_string(a.egress()).expect("egress log");
        assert!(
            log.contains("/api/v1/agent/claim") && log.contains("/outcome"),
            "{log}"
        );
        assert_no_secret("the egress log", &log);
        // The hangar_agent resource installed the agent into this region's cluster, with
        // cluster-wide rights to read only.
        assert!(a
            .kube
            .object("apps/v1", "deployments", "hangar-system", "hangar-agent")
            .is_some());
        assert_read_only(&a.kube);
    }
    let (_, jobs_eu) = call(&base, "GET", "/api/v1/workspaces/eu-prod/jobs", ADMIN, None);
    let (_, jobs_us) = call(&base, "GET", "/api/v1/workspaces/us-prod/jobs", ADMIN, None);
    let (_, audit) = call(&base, "GET", "/api/v1/audit?limit=1000", ADMIN, None);
    assert!(jobs_eu.contains("aws_s3_bucket.artifacts"), "{jobs_eu}");
    for (what, text) in [
        ("the eu job list", jobs_eu),
        ("the us job list", jobs_us),
        ("the audit log", audit),
    ] {
        assert_no_secret(what, &text);
    }
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(db_dir.path()).expect("db dir").flatten() {
        std::fs::File::open(entry.path())
            .and_then(|mut f| f.read_to_end(&mut stored))
            .expect("read the control plane's database files");
    }
    let stored = String::from_utf8_lossy(&stored);
    assert!(stored.contains("aws_s3_bucket.artifacts"));
    assert_no_secret("the control plane's database", &stored);
}

#[test]
fn hangar_serve_serves_the_openapi_document_and_refuses_a_bad_database() {
    let db_dir = tempfile::tempdir().expect("tempdir");
    let (_serve, base) = serve(&db_dir.path().join("control.db"));
    let (status, body) = call(&base, "GET", "/api/v1/openapi.json", "", None);
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    assert!(doc["paths"]["/api/v1/agent/claim"].is_object());
    // Without a token the API answers 401, with the admin token 200.
    assert_eq!(call(&base, "GET", "/api/v1/workspaces", "", None).0, 401);
    assert_eq!(call(&base, "GET", "/api/v1/workspaces", ADMIN, None).0, 200);

    let out = hangar()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            "mysql://x",
        ])
        .env("HANGAR_ADMIN_TOKEN", ADMIN)
        .output()
        .expect("run hangar serve");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mysql"), "{err}");
}

#[test]
fn an_agent_killed_mid_job_leaves_the_job_failed_with_the_reason() {
    let db_dir = tempfile::tempdir().expect("tempdir");
    let (_serve, base) = serve_with(&db_dir.path().join("control.db"), &["--lease", "2s"]);
    create_workspace(&base, "eu-prod", "aws", "eu", "eu-central-1");
    let agent: AgentRegistered = ok(
        &base,
        "POST",
        "/api/v1/workspaces/eu-prod/agents",
        ADMIN,
        json(&hangar_wire::RegisterAgent {
            name: "eu-agent".into(),
            artifact_bucket: None,
        }),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("main.tf"),
        "workspace \"eu-prod\" {\n  geography = \"eu\"\n  region = \"eu-central-1\"\n}\n\
         resource \"time_sleep\" \"long\" {\n  create_duration = \"60s\"\n}\n",
    )
    .expect("write");
    let mut proc = Proc {
        child: hangar()
            .arg("-C")
            .arg(dir.path())
            .args(["-w", "eu-prod", "agent", "run", "--control", &base])
            .args(["--claim-wait", "1s"])
            .env("HANGAR_AGENT_TOKEN", &agent.token)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the agent"),
        name: "hangar agent run",
    };
    let queued: Job = ok(
        &base,
        "POST",
        "/api/v1/workspaces/eu-prod/jobs",
        ADMIN,
        json(&QueueJob {
            spec: JobSpec::Apply {
                destroy: false,
                plan_job: None,
            },
        }),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let j: Job = ok(
            &base,
            "GET",
            &format!("/api/v1/jobs/{}", queued.id),
            ADMIN,
            None,
        );
        if j.status == JobStatus::Running {
            break;
        }
        assert!(Instant::now() < deadline, "never claimed: {j:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Alive, the agent keeps its lease (2 s) renewed by heartbeats.
    std::thread::sleep(Duration::from_secs(4));
    let j: Job = ok(
        &base,
        "GET",
        &format!("/api/v1/jobs/{}", queued.id),
        ADMIN,
        None,
    );
    assert_eq!(j.status, JobStatus::Running, "{j:?}");
    // Killed mid-apply: its lease runs out and the job is failed with the reason.
    proc.child.kill().expect("kill the agent");
    let done = wait_job(&base, ADMIN, queued.id);
    assert_eq!(done.status, JobStatus::Failed, "{done:?}");
    let reason = done.reason.unwrap_or_default();
    assert!(reason.contains("lease"), "{reason}");
}
