//! `hangar agent run`: the data-plane agent (`hangar-agent`) in the foreground, for the
//! workspace `-w` selects in the configuration `-C` names, until Ctrl-C or SIGTERM (it lets the
//! job in hand finish first).
//!
//! Secrets never come from flags (they would show in `ps`): the agent token is read from
//! `HANGAR_AGENT_TOKEN` or `--token-file`, the cluster token from `HANGAR_KUBE_TOKEN` or
//! `--kube-token-file`. Without `--kube-server`, the pod's service account is used when running
//! in a cluster; elsewhere heartbeats carry no cluster metadata.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use hangar_agent::job::EngineSettings;
use hangar_agent::AgentOptions;
use hangar_remote::kube::KubeConfig;
use hangar_remote::Secret;

use crate::{CliError, Env};

/// `hangar agent ...`.
#[derive(Subcommand, Debug)]
pub enum AgentCommand {
    /// Run the data-plane agent: long-poll the control plane and run this workspace's jobs.
    Run(AgentFlags),
}

/// Flags of `hangar agent run`.
#[derive(Args, Debug, Clone)]
pub struct AgentFlags {
    /// The control plane's URL.
    #[arg(long, env = "HANGAR_CONTROL_URL", value_name = "URL")]
    pub control: String,
    /// File holding the agent token (else HANGAR_AGENT_TOKEN).
    #[arg(long = "token-file", value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// CA bundle (PEM) to trust for the control plane.
    #[arg(long = "control-ca", value_name = "FILE")]
    pub control_ca: Option<PathBuf>,
    /// The agent's directory: outbox of unsent outcomes, saved plans.
    #[arg(long = "data-dir", default_value = ".hangar-agent", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// The egress log: every message the agent sends (default DATA_DIR/egress.log).
    #[arg(long = "egress-log", value_name = "FILE")]
    pub egress_log: Option<PathBuf>,
    /// Load input variables from a file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// The cluster's Kubernetes API server, for heartbeat metadata.
    #[arg(long = "kube-server", env = "HANGAR_KUBE_SERVER", value_name = "URL")]
    pub kube_server: Option<String>,
    /// File holding the cluster's bearer token (else HANGAR_KUBE_TOKEN).
    #[arg(long = "kube-token-file", value_name = "FILE")]
    pub kube_token_file: Option<PathBuf>,
    /// The cluster's CA bundle (PEM).
    #[arg(long = "kube-ca", value_name = "FILE")]
    pub kube_ca: Option<PathBuf>,
    /// How long one claim waits for a job (e.g. 20s; at most 30s).
    #[arg(long = "claim-wait", default_value = "20s", value_parser = crate::parse_wait)]
    pub claim_wait: Duration,
    /// Longest wait between retries when the control plane is away.
    #[arg(long = "max-backoff", default_value = "30s", value_parser = crate::parse_wait)]
    pub max_backoff: Duration,
    /// Stop after this many jobs.
    #[arg(long = "max-jobs", value_name = "N")]
    pub max_jobs: Option<u32>,
    /// Namespace of workloads that name none.
    #[arg(
        long = "workload-namespace",
        default_value = "default",
        value_name = "NS"
    )]
    pub workload_namespace: String,
    /// The workspace's artifact bucket (s3://NAME), injected into workloads.
    #[arg(long = "artifact-bucket", value_name = "URL")]
    pub artifact_bucket: Option<String>,
}

fn read(path: &PathBuf, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::Message(format!("cannot read the {what} {}: {e}", path.display())))
}

fn secret(file: &Option<PathBuf>, var: &str, what: &str) -> Result<Option<Secret>, CliError> {
    if let Some(f) = file {
        let text = String::from_utf8_lossy(&read(f, what)?).trim().to_string();
        return Ok(Some(Secret::new(text)));
    }
    Ok(std::env::var(var)
        .ok()
        .filter(|t| !t.is_empty())
        .map(Secret::new))
}

/// `hangar agent ...`.
pub fn run(env: &Env, cmd: AgentCommand) -> Result<u8, CliError> {
    let AgentCommand::Run(f) = cmd;
    let token = secret(&f.token_file, "HANGAR_AGENT_TOKEN", "token file")?.ok_or_else(|| {
        CliError::Message("no agent token: set HANGAR_AGENT_TOKEN or pass --token-file".into())
    })?;
    let kube = match &f.kube_server {
        Some(server) => Some(KubeConfig {
            server: server.clone(),
            ca_pem: f
                .kube_ca
                .as_ref()
                .map(|p| read(p, "cluster CA"))
                .transpose()?,
            token: secret(
                &f.kube_token_file,
                "HANGAR_KUBE_TOKEN",
                "cluster token file",
            )?,
            token_file: None,
        }),
        None => KubeConfig::in_cluster(),
    };
    let data_dir = env.dir.join(&f.data_dir);
    let engine = EngineSettings {
        dir: env.dir.clone(),
        workspace: env.workspace.clone(),
        var_files: f.var_files.clone(),
        environment: std::env::vars().collect(),
        plans_dir: data_dir.join("plans"),
    };
    let mut opts = AgentOptions::new(&f.control, token, engine, &data_dir);
    opts.control_ca = f
        .control_ca
        .as_ref()
        .map(|p| read(p, "CA bundle"))
        .transpose()?;
    if let Some(p) = &f.egress_log {
        opts.egress_log = env.dir.join(p);
    }
    opts.kube = kube;
    opts.claim_wait = f.claim_wait;
    opts.max_backoff = f.max_backoff;
    opts.max_jobs = f.max_jobs;
    opts.workloads.namespace = f.workload_namespace.clone();
    opts.workloads.artifact_bucket = f.artifact_bucket.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Message(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if stop_signal().await.is_ok() {
                let _ = stop.send(true);
            }
        });
        eprintln!(
            "hangar-agent: workspace {} polling {} (egress log {})",
            opts.engine.workspace,
            opts.control_url,
            opts.egress_log.display()
        );
        hangar_agent::run(opts, stopped).await
    })
    .map_err(|e| CliError::Message(format!("hangar agent: {e}")))?;
    Ok(0)
}

async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
