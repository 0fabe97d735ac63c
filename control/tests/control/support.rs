//! Test support: an in-process control plane on SQLite or a throwaway PostgreSQL, an HTTP
//! client on the shared hyper stack, and a simulated agent that speaks the wire protocol over
//! real HTTP (the real agent comes later).
//!
//! `HANGAR_PG_URL` names a PostgreSQL to use; without it, the first test that needs one starts
//! a fresh cluster through `.ci/postgres start`, whose watchdog stops it (by PID) once this test
//! process has exited. Each test gets its own database. Nothing here talks to anything but
//! 127.0.0.1.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use hangar_control::{Running, ServeOptions};
use hangar_wire::{
    AgentRegistered, ClaimReply, ClaimRequest, CreateWorkspace, ErrorBody, Heartbeat, IssueToken,
    Job, JobOutcome, JobSpec, JobStatus, JobSummary, Message, QueueJob, RegisterAgent, ReportReply,
    TokenIssued, PROTOCOL_VERSION,
};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;

pub use hangar_testkit::repo_root;

/// A unique suffix for names.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}{:x}{:x}{}",
        (nanos as u64) & 0xff_ffff,
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn field(out: &str, name: &str) -> String {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix(name).and_then(|w| w.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {name} in: {out}"))
        .to_string()
}

/// The throwaway PostgreSQL server's URL (database `postgres`).
pub fn pg_url() -> &'static str {
    static PG: OnceLock<String> = OnceLock::new();
    PG.get_or_init(|| {
        if let Some(u) = std::env::var("HANGAR_PG_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            return u;
        }
        let out = Command::new("bash")
            .arg(repo_root().join(".ci/postgres"))
            .arg("start")
            .env("PG_OWNER_PID", std::process::id().to_string())
            .output()
            .expect("run .ci/postgres");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "\n*** could not start PostgreSQL (.ci/postgres start) ***\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        field(&stdout, "HANGAR_PG_URL")
    })
}

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite in a temporary directory.
    Sqlite,
    /// A fresh database on the throwaway PostgreSQL.
    Postgres,
}

/// A database for one test (the temporary directory lives as long as it).
pub struct Db {
    /// `sqlite:PATH` or `postgres://...`.
    pub url: String,
    /// The SQLite file, if SQLite.
    pub path: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    /// A new, empty database.
    pub fn new(backend: Backend) -> Db {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let path = dir.path().join("control.db");
                Db {
                    url: format!("sqlite:{}", path.display()),
                    path: Some(path),
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let base = pg_url().to_string();
                let name = unique("hc_");
                let b2 = base.clone();
                let n2 = name.clone();
                std::thread::spawn(move || {
                    let mut c = postgres::Client::connect(&b2, postgres::NoTls).expect("connect");
                    c.batch_execute(&format!("CREATE DATABASE {n2}"))
                        .expect("create database");
                })
                .join()
                .expect("create database thread");
                let url = match base.rfind('/') {
                    Some(i) => format!("{}/{name}", &base[..i]),
                    None => panic!("no database in {base}"),
                };
                Db {
                    url,
                    path: None,
                    _dir: None,
                }
            }
        }
    }

    /// Runs SQL directly against the database (bypassing the API); rows as text.
    pub fn sql(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
        let sql = sql.to_string();
        let url = self.url.clone();
        let path = self.path.clone();
        std::thread::spawn(move || -> Result<Vec<Vec<Option<String>>>, String> {
            match path {
                Some(p) => {
                    let c = rusqlite::Connection::open(p).map_err(|e| e.to_string())?;
                    c.busy_timeout(Duration::from_secs(10))
                        .map_err(|e| e.to_string())?;
                    let mut st = c.prepare(&sql).map_err(|e| e.to_string())?;
                    let n = st.column_count();
                    let rows = st
                        .query_map([], |r| {
                            (0..n)
                                .map(|i| {
                                    Ok(match r.get_ref(i)? {
                                        rusqlite::types::ValueRef::Null => None,
                                        rusqlite::types::ValueRef::Integer(v) => {
                                            Some(v.to_string())
                                        }
                                        rusqlite::types::ValueRef::Text(t) => {
                                            Some(String::from_utf8_lossy(t).into_owned())
                                        }
                                        other => Some(format!("{other:?}")),
                                    })
                                })
                                .collect::<rusqlite::Result<Vec<_>>>()
                        })
                        .map_err(|e| e.to_string())?;
                    rows.collect::<Result<Vec<_>, _>>()
                        .map_err(|e| e.to_string())
                }
                None => {
                    let pg_err = |e: postgres::Error| match e.as_db_error() {
                        Some(db) => db.message().to_string(),
                        None => e.to_string(),
                    };
                    let mut c = postgres::Client::connect(&url, postgres::NoTls).map_err(pg_err)?;
                    let rows = c.simple_query(&sql).map_err(pg_err)?;
                    Ok(rows
                        .into_iter()
                        .filter_map(|m| match m {
                            postgres::SimpleQueryMessage::Row(r) => {
                                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                            }
                            _ => None,
                        })
                        .collect())
                }
            }
        })
        .join()
        .expect("sql thread")
    }
}

/// Options for a test server: port 0, short leases so expiry tests are quick.
pub fn options(db: &Db) -> ServeOptions {
    ServeOptions {
        listen: "127.0.0.1:0".into(),
        database: db.url.clone(),
        admin_token: None,
        lease: Duration::from_secs(30),
        stale_after: Duration::from_secs(30),
        heartbeat_interval: Duration::from_secs(5),
        sweep_interval: Duration::from_millis(200),
        durability: hangar_control::Durability::PowerLoss,
    }
}

/// A running test server with its admin token and a client.
pub struct Server {
    /// The running control plane.
    pub running: Running,
    /// The generated admin token.
    pub admin: String,
    /// A client for it.
    pub client: Client,
}

/// Starts a control plane on `db` and reads its generated admin token.
pub async fn start(db: &Db) -> Server {
    start_with(options(db)).await
}

/// Starts a control plane with `opts` (which must not set an admin token the database has).
pub async fn start_with(opts: ServeOptions) -> Server {
    let given = opts.admin_token.clone();
    let running = hangar_control::start(opts)
        .await
        .expect("start control plane");
    let admin = running
        .initial_admin_token()
        .map(str::to_string)
        .or(given)
        .expect("a fresh database yields an admin token");
    let client = Client::new(&format!("http://{}", running.addr()));
    Server {
        running,
        admin,
        client,
    }
}

/// An HTTP reply.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Body.
    pub body: Bytes,
    /// Content type.
    pub content_type: String,
}

impl Reply {
    /// Decodes the body as a message, panicking with the body when it is not one.
    pub fn json<T: Message>(&self) -> T {
        hangar_wire::decode_reply(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not the expected message ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The error body's message.
    pub fn message(&self) -> String {
        self.json::<ErrorBody>().message
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client for one control plane.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: HyperClient<HttpConnector, Full<Bytes>>,
}

impl Client {
    /// A client for `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Client {
        Client {
            base: base.trim_end_matches('/').to_string(),
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends a request; `token` as a bearer token.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if !body.is_empty() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Full::new(Bytes::from(body))).expect("request");
        let resp = tokio::time::timeout(Duration::from_secs(60), self.http.request(req))
            .await
            .expect("reply within 60 s")
            .expect("HTTP request");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        Reply {
            status,
            body,
            content_type,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send("GET", path, Some(token), Vec::new()).await
    }

    /// POST of a message.
    pub async fn post<T: Message>(&self, path: &str, token: &str, msg: &T) -> Reply {
        let body = serde_json::to_vec(msg).expect("encode");
        self.send("POST", path, Some(token), body).await
    }

    /// POST of raw bytes.
    pub async fn post_raw(&self, path: &str, token: &str, body: &[u8]) -> Reply {
        self.send("POST", path, Some(token), body.to_vec()).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.send("DELETE", path, Some(token), Vec::new()).await
    }
}

/// The two workspaces most tests use, with their buckets.
pub async fn eu_and_us(c: &Client, admin: &str) {
    for (name, geo, region, bucket) in [
        ("eu-prod", "eu", "eu-central-1", "eu-prod-artifacts"),
        ("us-prod", "us", "us-east-1", "us-prod-artifacts"),
    ] {
        let r = c
            .post(
                "/api/v1/workspaces",
                admin,
                &CreateWorkspace {
                    name: name.into(),
                    cloud: "aws".into(),
                    geography: geo.into(),
                    region: region.into(),
                    buckets: vec![hangar_wire::BucketRef {
                        name: bucket.into(),
                        region: region.into(),
                    }],
                },
            )
            .await;
        assert_eq!(r.status, 201, "create {name}: {}", r.text());
    }
}

/// Issues a user token with one role per (workspace, role).
pub async fn user_token(
    c: &Client,
    admin: &str,
    name: &str,
    grants: &[(&str, hangar_wire::Role)],
) -> (i64, String) {
    let r = c
        .post(
            "/api/v1/tokens",
            admin,
            &IssueToken {
                name: name.into(),
                grants: grants
                    .iter()
                    .map(|(w, role)| hangar_wire::Grant {
                        workspace: (*w).into(),
                        role: *role,
                    })
                    .collect(),
            },
        )
        .await;
    assert_eq!(r.status, 201, "issue token: {}", r.text());
    let t: TokenIssued = r.json();
    (t.id, t.token)
}

/// Queues a job; the reply.
pub async fn queue(c: &Client, token: &str, workspace: &str, spec: JobSpec) -> Reply {
    c.post(
        &format!("/api/v1/workspaces/{workspace}/jobs"),
        token,
        &QueueJob { spec },
    )
    .await
}

/// An apply spec.
pub fn apply() -> JobSpec {
    JobSpec::Apply {
        destroy: false,
        plan_job: None,
    }
}

/// A simulated agent: the HTTP protocol only.
#[derive(Clone)]
pub struct Agent {
    /// Its client.
    pub client: Client,
    /// Its token.
    pub token: String,
    /// Its id.
    pub id: i64,
    /// Its workspace.
    pub workspace: String,
}

impl Agent {
    /// Registers an agent for `workspace` with `token` (an operator's or the admin's).
    pub async fn register(c: &Client, token: &str, workspace: &str, name: &str) -> Agent {
        let r = c
            .post(
                &format!("/api/v1/workspaces/{workspace}/agents"),
                token,
                &RegisterAgent {
                    name: name.into(),
                    artifact_bucket: None,
                },
            )
            .await;
        assert_eq!(r.status, 201, "register agent: {}", r.text());
        let a: AgentRegistered = r.json();
        Agent {
            client: c.clone(),
            token: a.token,
            id: a.id,
            workspace: a.workspace,
        }
    }

    /// The same agent talking to another address (a restarted control plane).
    pub fn with_client(&self, client: Client) -> Agent {
        Agent {
            client,
            ..self.clone()
        }
    }

    /// Sends a heartbeat with some cluster metadata.
    pub async fn heartbeat(&self) -> Reply {
        self.client
            .post(
                "/api/v1/agent/heartbeat",
                &self.token,
                &Heartbeat {
                    protocol: PROTOCOL_VERSION,
                    agent_version: "0.1.0-test".into(),
                    cluster: Some(hangar_wire::ClusterMetadata {
                        kubernetes_version: "v1.31.2".into(),
                        node_count: 3,
                        pods: hangar_wire::PodCounts {
                            running: 17,
                            pending: 2,
                            ..Default::default()
                        },
                        cpu_used_millicores: 1200,
                        cpu_capacity_millicores: 6000,
                        memory_used_bytes: 3 << 30,
                        memory_capacity_bytes: 12 << 30,
                    }),
                },
            )
            .await
    }

    /// Claims the next job, waiting up to `wait` seconds.
    pub async fn claim(&self, wait: u32) -> Option<hangar_wire::AssignedJob> {
        let r = self
            .client
            .post(
                "/api/v1/agent/claim",
                &self.token,
                &ClaimRequest {
                    protocol: PROTOCOL_VERSION,
                    wait_seconds: wait,
                },
            )
            .await;
        assert_eq!(r.status, 200, "claim: {}", r.text());
        r.json::<ClaimReply>().job
    }

    /// Reports an outcome.
    pub async fn outcome(
        &self,
        job: i64,
        lease: &str,
        status: JobStatus,
        summary: JobSummary,
    ) -> Reply {
        self.client
            .post(
                &format!("/api/v1/agent/jobs/{job}/outcome"),
                &self.token,
                &JobOutcome {
                    lease: lease.into(),
                    status,
                    summary,
                },
            )
            .await
    }

    /// Reports an outcome and expects it accepted.
    pub async fn succeed(&self, job: i64, lease: &str, summary: JobSummary) -> ReportReply {
        let r = self
            .outcome(job, lease, JobStatus::Succeeded, summary)
            .await;
        assert_eq!(r.status, 200, "outcome: {}", r.text());
        r.json()
    }
}

/// A summary of an apply that created a cluster and a bucket.
pub fn applied_summary() -> JobSummary {
    use hangar_wire::{Action, ChangeCounts, ResourceChange};
    JobSummary {
        changes: vec![
            ResourceChange {
                address: "module.data_plane.aws_eks_cluster.this".into(),
                resource_type: "aws_eks_cluster".into(),
                action: Action::Create,
            },
            ResourceChange {
                address: "module.data_plane.aws_s3_bucket.artifacts".into(),
                resource_type: "aws_s3_bucket".into(),
                action: Action::Create,
            },
        ],
        counts: ChangeCounts {
            add: 2,
            ..Default::default()
        },
        duration_ms: 4200,
        ..Default::default()
    }
}

/// Fetches a job with `token`.
pub async fn job(c: &Client, token: &str, id: i64) -> Job {
    let r = c.get(&format!("/api/v1/jobs/{id}"), token).await;
    assert_eq!(r.status, 200, "job {id}: {}", r.text());
    r.json()
}

/// Runs a scenario on both databases: `both!(name, scenario_fn)`.
#[macro_export]
macro_rules! both {
    ($name:ident, $f:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $f($crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $f($crate::support::Backend::Postgres).await
            }
        }
    };
}
