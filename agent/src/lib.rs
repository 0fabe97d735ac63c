//! Hangar's data-plane agent: runs inside a region (in its cluster or on any host there),
//! reaches out to the control plane for its workspace's jobs, runs them with the engine
//! ([`hangar_engine::workspace`], never the CLI) against the region's own state backend and
//! credentials, and sends back metadata only.
//!
//! Contract:
//! - **Outbound only.** The agent listens on no port. It long-polls
//!   `POST /api/v1/agent/claim`, heartbeats on `POST /api/v1/agent/heartbeat` (with cluster
//!   metadata read from the cluster's Kubernetes API, see [`cluster`]), and reports
//!   `progress` and `outcome` for the job it runs (the flow of `hangar-control`'s agent API).
//! - **Metadata only.** Everything sent is a `hangar-wire` message; job summaries are built by
//!   [`job`] from addresses and actions only. Every request is appended to the egress log
//!   ([`egress`]) before it leaves.
//! - **Survives a missing control plane.** Failed calls are retried with exponential backoff
//!   (1 s doubling to [`AgentOptions::max_backoff`]). A job already claimed runs to its end
//!   whether or not the control plane answers; its outcome is written to the outbox in the data
//!   directory first and sent (again after a restart, too) until the control plane takes it.
//! - One job at a time (the workspace's state lock would serialise them anyway).
//! - A job whose workspace is not the agent's is refused (reported failed) without running.
//! - Workload jobs run on the agent's own cluster ([`workload`]) with the workspace's bucket
//!   injected.
//!
//! Left out: TLS client certificates (the agent authenticates with its bearer token over the
//! control plane's TLS), WebSockets.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cluster;
pub mod egress;
pub mod job;
pub mod workload;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hangar_remote::control::{Control, ControlError};
use hangar_remote::kube::{Kube, KubeConfig};
use hangar_remote::Secret;
use hangar_wire::{
    AssignedJob, ClaimReply, ClaimRequest, Heartbeat, HeartbeatReply, JobOutcome, JobProgress,
    ReportReply, PROTOCOL_VERSION,
};
use serde::{Deserialize, Serialize};

use crate::egress::EgressLog;
use crate::job::{EngineSettings, Finished};

/// The agent's software version, as heartbeats report it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How the agent runs.
#[derive(Clone, Debug)]
pub struct AgentOptions {
    /// The control plane's base URL (`https://hangar.example.com`, `http://127.0.0.1:8080`).
    pub control_url: String,
    /// The agent's token (from registration).
    pub token: Secret,
    /// A CA bundle to trust for the control plane (PEM), instead of the system's roots.
    pub control_ca: Option<Vec<u8>>,
    /// Where and how jobs run.
    pub engine: EngineSettings,
    /// The agent's own directory: outbox of unsent outcomes.
    pub data_dir: PathBuf,
    /// The egress log file.
    pub egress_log: PathBuf,
    /// The cluster to read heartbeat metadata from; heartbeats carry none without it.
    pub kube: Option<KubeConfig>,
    /// How long one claim waits for a job (at most 30 s).
    pub claim_wait: Duration,
    /// Longest wait between retries.
    pub max_backoff: Duration,
    /// How often a running job reports progress (which renews its lease).
    pub progress_interval: Duration,
    /// Stop after this many jobs (tests and one-shot runs); run forever when `None`.
    pub max_jobs: Option<u32>,
    /// How workload jobs run.
    pub workloads: workload::WorkloadSettings,
}

impl AgentOptions {
    /// Options with the usual timings: 20 s claims, backoff up to 30 s, progress every 10 s.
    pub fn new(control_url: &str, token: Secret, engine: EngineSettings, data_dir: &Path) -> Self {
        AgentOptions {
            control_url: control_url.to_string(),
            token,
            control_ca: None,
            engine,
            data_dir: data_dir.to_path_buf(),
            egress_log: data_dir.join("egress.log"),
            kube: None,
            claim_wait: Duration::from_secs(20),
            max_backoff: Duration::from_secs(30),
            progress_interval: Duration::from_secs(10),
            max_jobs: None,
            workloads: workload::WorkloadSettings::default(),
        }
    }
}

/// Why the agent stopped.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The settings are unusable.
    #[error("agent settings: {0}")]
    Config(String),
    /// The control plane refused the agent's token (revoked, or never valid): retrying cannot
    /// help.
    #[error("the control plane refused this agent: {0}")]
    Refused(ControlError),
    /// The agent's own files (egress log, outbox) cannot be written.
    #[error("{0}")]
    Io(String),
}

/// Unix time in milliseconds.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Exponential backoff: 1 s doubling up to a cap.
struct Backoff {
    next: Duration,
    cap: Duration,
}

impl Backoff {
    fn new(cap: Duration) -> Backoff {
        Backoff {
            next: Duration::from_secs(1).min(cap),
            cap,
        }
    }

    fn reset(&mut self) {
        self.next = Duration::from_secs(1).min(self.cap);
    }

    fn step(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.cap);
        d
    }
}

/// An outcome waiting to be delivered, kept in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// The job.
    pub job: i64,
    /// The outcome to send.
    pub outcome: JobOutcome,
}

/// Outcomes not yet taken by the control plane, one file per job in `DATA_DIR/outbox/`.
struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    fn path(&self, job: i64) -> PathBuf {
        self.dir.join(format!("job-{job}.json"))
    }

    fn put(&self, p: &Pending) -> Result<(), AgentError> {
        let io = |e: std::io::Error| AgentError::Io(format!("outbox {}: {e}", self.dir.display()));
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let body = serde_json::to_vec(p).map_err(|e| io(std::io::Error::other(e)))?;
        let tmp = self.dir.join(format!(".job-{}.tmp", p.job));
        std::fs::write(&tmp, body).map_err(io)?;
        std::fs::rename(&tmp, self.path(p.job)).map_err(io)
    }

    fn remove(&self, job: i64) {
        let _ = std::fs::remove_file(self.path(job));
    }

    fn all(&self) -> Vec<Pending> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut v: Vec<Pending> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|b| serde_json::from_slice(&b).ok())
            .collect();
        v.sort_by_key(|p: &Pending| p.job);
        v
    }
}

/// A running agent's connections.
struct Agent {
    opts: AgentOptions,
    control: Control,
    kube: Option<Kube>,
    outbox: Outbox,
}

fn say(msg: &str) {
    eprintln!("hangar-agent: {msg}");
}

/// Runs the agent until `stop` turns true, `max_jobs` jobs are done, or the control plane
/// refuses the agent's token. A stop request lets the job in hand finish and its outcome be
/// delivered (or kept in the outbox) first.
pub async fn run(
    opts: AgentOptions,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), AgentError> {
    let agent = Arc::new(connect(opts)?);
    let heartbeats = tokio::spawn(heartbeat_loop(agent.clone(), stop.clone()));
    let r = work_loop(&agent, &mut stop).await;
    heartbeats.abort();
    r
}

fn connect(opts: AgentOptions) -> Result<Agent, AgentError> {
    let log = EgressLog::open(&opts.egress_log).map_err(|e| {
        AgentError::Io(format!(
            "cannot open the egress log {}: {e}",
            opts.egress_log.display()
        ))
    })?;
    let control = Control::new(
        &opts.control_url,
        opts.token.clone(),
        opts.control_ca.as_deref(),
    )
    .map_err(|e| AgentError::Config(e.to_string()))?
    .with_egress(Arc::new(log));
    let kube = match &opts.kube {
        Some(k) => Some(Kube::new(k).map_err(|e| AgentError::Config(e.to_string()))?),
        None => None,
    };
    Ok(Agent {
        outbox: Outbox {
            dir: opts.data_dir.join("outbox"),
        },
        opts,
        control,
        kube,
    })
}

fn refused_for_good(e: &ControlError) -> bool {
    e.status() == Some(401)
}

async fn heartbeat_loop(agent: Arc<Agent>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut backoff = Backoff::new(agent.opts.max_backoff);
    loop {
        let cluster = match &agent.kube {
            Some(k) => match cluster::read(k).await {
                Ok(m) => Some(m),
                Err(e) => {
                    say(&format!("cannot read cluster metadata: {e}"));
                    None
                }
            },
            None => None,
        };
        let hb = Heartbeat {
            protocol: PROTOCOL_VERSION,
            agent_version: VERSION.to_string(),
            cluster,
        };
        let wait = match agent
            .control
            .post::<_, HeartbeatReply>("/api/v1/agent/heartbeat", &hb)
            .await
        {
            Ok(r) => {
                backoff.reset();
                Duration::from_secs(u64::from(r.interval_seconds.max(1)))
            }
            Err(e) => {
                say(&format!("heartbeat failed: {e}"));
                backoff.step()
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Sends every outcome in the outbox. `Ok(true)` when the outbox is empty afterwards.
async fn drain_outbox(agent: &Agent) -> Result<bool, AgentError> {
    for p in agent.outbox.all() {
        let path = format!("/api/v1/agent/jobs/{}/outcome", p.job);
        match agent
            .control
            .post::<_, ReportReply>(&path, &p.outcome)
            .await
        {
            Ok(_) => {
                say(&format!(
                    "job {} reported {}",
                    p.job,
                    p.outcome.status.as_str()
                ));
                agent.outbox.remove(p.job);
            }
            Err(e) if refused_for_good(&e) => return Err(AgentError::Refused(e)),
            Err(e) if e.is_transient() => {
                say(&format!("job {} outcome not delivered yet: {e}", p.job));
                return Ok(false);
            }
            Err(e) => {
                // 403/404/409: the control plane will never take it (the lease expired and
                // the job was failed, or the job is gone). Keep no zombie.
                say(&format!("job {} outcome refused, dropped: {e}", p.job));
                agent.outbox.remove(p.job);
            }
        }
    }
    Ok(true)
}

async fn sleep_or_stop(d: Duration, stop: &mut tokio::sync::watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stop.wait_for(|s| *s) => true,
    }
}

async fn work_loop(
    agent: &Agent,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> Result<(), AgentError> {
    let mut backoff = Backoff::new(agent.opts.max_backoff);
    let mut done = 0u32;
    let wait_seconds = u32::try_from(agent.opts.claim_wait.as_secs())
        .unwrap_or(hangar_wire::limits::MAX_WAIT_SECONDS);
    loop {
        if !drain_outbox(agent).await? {
            if sleep_or_stop(backoff.step(), stop).await {
                return Ok(());
            }
            continue;
        }
        if *stop.borrow() || agent.opts.max_jobs.is_some_and(|m| done >= m) {
            return Ok(());
        }
        let req = ClaimRequest {
            protocol: PROTOCOL_VERSION,
            wait_seconds: wait_seconds.min(hangar_wire::limits::MAX_WAIT_SECONDS),
        };
        let claimed = tokio::select! {
            r = agent.control.post::<_, ClaimReply>("/api/v1/agent/claim", &req) => r,
            _ = stop.wait_for(|s| *s) => return Ok(()),
        };
        match claimed {
            Ok(ClaimReply { job: Some(job) }) => {
                backoff.reset();
                run_job(agent, job).await?;
                done += 1;
            }
            Ok(ClaimReply { job: None }) => backoff.reset(),
            Err(e) if refused_for_good(&e) => return Err(AgentError::Refused(e)),
            Err(e) => {
                say(&format!("claim failed: {e}"));
                if sleep_or_stop(backoff.step(), stop).await {
                    return Ok(());
                }
            }
        }
    }
}

/// Runs one claimed job to its end, reporting progress while it runs, then puts its outcome
/// in the outbox (the work loop delivers it).
async fn run_job(agent: &Agent, job: AssignedJob) -> Result<(), AgentError> {
    say(&format!(
        "job {} ({}) claimed",
        job.id,
        job.spec.kind().as_str()
    ));
    let finished = if job.workspace != agent.opts.engine.workspace {
        Finished {
            status: hangar_wire::JobStatus::Failed,
            summary: hangar_wire::JobSummary {
                errors: vec![hangar_wire::ErrorSummary {
                    address: None,
                    code: None,
                    message: format!(
                        "job {} is for workspace {:?}; this agent runs {:?} only",
                        job.id, job.workspace, agent.opts.engine.workspace
                    ),
                }],
                ..Default::default()
            },
        }
    } else {
        let work: std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<Finished, AgentError>> + Send + '_>,
        > = match &job.spec {
            hangar_wire::JobSpec::Workload { workload: w } => Box::pin(async move {
                Ok(workload::run(agent.kube.as_ref(), w, &agent.opts.workloads, job.id).await)
            }),
            spec => {
                // The engine owns a runtime of its own, so it runs on a plain thread.
                let (tx, rx) = tokio::sync::oneshot::channel();
                let settings = agent.opts.engine.clone();
                let (id, spec) = (job.id, spec.clone());
                std::thread::Builder::new()
                    .name(format!("hangar-job-{id}"))
                    .spawn(move || {
                        let _ = tx.send(job::run(&settings, id, &spec));
                    })
                    .map_err(|e| AgentError::Io(format!("cannot start the job thread: {e}")))?;
                Box::pin(async move {
                    rx.await
                        .map_err(|_| AgentError::Io(format!("job {id} thread died")))
                })
            }
        };
        let mut work = work;
        let progress = JobProgress {
            lease: job.lease.clone(),
            summary: None,
        };
        let path = format!("/api/v1/agent/jobs/{}/progress", job.id);
        loop {
            tokio::select! {
                r = &mut work => break r?,
                _ = tokio::time::sleep(agent.opts.progress_interval) => {
                    if let Err(e) = agent.control.post::<_, ReportReply>(&path, &progress).await {
                        say(&format!("job {} progress not delivered: {e}", job.id));
                    }
                }
            }
        }
    };
    say(&format!(
        "job {} finished: {}",
        job.id,
        finished.status.as_str()
    ));
    agent.outbox.put(&Pending {
        job: job.id,
        outcome: JobOutcome {
            lease: job.lease,
            status: finished.status,
            summary: finished.summary,
        },
    })
}
