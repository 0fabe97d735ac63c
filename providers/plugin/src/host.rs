//! One running plugin process: started with go-plugin's handshake, connected over gRPC with
//! AutoMTLS, its stderr forwarded into `tracing`, and stopped when done.
//!
//! The process is started with Terraform's magic cookie, the offered protocol versions and a
//! fresh client certificate in its environment (plus the host's own environment, as Terraform
//! does). Its first stdout line is the handshake; later stdout lines and every stderr line are
//! logged under the target `hangar::plugin` (go-plugin's JSON log lines at their own level).
//! The last stderr lines are kept for error messages: a crash names the call that was running,
//! the exit status and what the plugin printed. [`Process::call`] puts every RPC under the
//! configured timeout. Dropping a [`Process`] kills the plugin; [`Process::shutdown`] first asks
//! it to stop (`StopProvider`, then go-plugin's `GRPCController/Shutdown`) and waits briefly.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, BufReader};
use tokio::sync::{oneshot, watch};
use tonic::transport::{Channel, Endpoint, Uri};

use crate::handshake::{self, Address, HandshakeError};
use crate::proto::{tfplugin5, tfplugin6};
use crate::tls::{self, TlsError};

/// How to start and talk to a plugin.
#[derive(Debug, Clone)]
pub struct PluginOptions {
    /// The provider's name for messages and logs (`aws`, `registry.terraform.io/hashicorp/aws`).
    pub name: String,
    /// The plugin's version, when known (part of the schema cache key).
    pub version: Option<String>,
    /// Protocol major versions to offer, preferred first (default 6 and 5).
    pub protocols: Vec<u32>,
    /// How long the plugin may take to print its handshake (default 60 s, as go-plugin).
    pub start_timeout: Duration,
    /// How long one RPC may take before the plugin is considered hung (default: no limit, as
    /// Terraform; resources have their own timeouts inside the plugin).
    pub call_timeout: Option<Duration>,
    /// Directory for cached schemas (`None`: never cache).
    pub schema_cache_dir: Option<PathBuf>,
    /// What identifies this plugin build in the cache: a lock-file hash (`h1:...`) when the
    /// caller has one; else the executable's path, size and modification time are used.
    pub cache_key: Option<String>,
    /// Extra environment variables for the plugin process.
    pub env: Vec<(String, String)>,
    /// The Terraform version reported to the plugin in `ConfigureProvider`.
    pub terraform_version: String,
    /// Tell the plugin that deferred actions are understood.
    pub deferral_allowed: bool,
}

impl Default for PluginOptions {
    fn default() -> Self {
        PluginOptions {
            name: "plugin".into(),
            version: None,
            protocols: vec![6, 5],
            start_timeout: Duration::from_secs(60),
            call_timeout: None,
            schema_cache_dir: None,
            cache_key: None,
            env: Vec::new(),
            terraform_version: "1.11.0".into(),
            deferral_allowed: false,
        }
    }
}

/// Why starting or talking to a plugin failed. Every variant names the provider.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The executable could not be run.
    #[error("provider {provider}: cannot start plugin {path}: {source}")]
    Spawn {
        /// Provider name.
        provider: String,
        /// The executable.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The handshake line was not acceptable.
    #[error("provider {provider}: bad plugin handshake: {source}{}", stderr_note(.stderr))]
    Handshake {
        /// Provider name.
        provider: String,
        /// What was wrong.
        source: HandshakeError,
        /// The plugin's last stderr lines.
        stderr: Vec<String>,
    },
    /// The plugin exited before its handshake.
    #[error("provider {provider}: plugin exited ({status}) before completing the handshake{}", stderr_note(.stderr))]
    ExitedEarly {
        /// Provider name.
        provider: String,
        /// Exit status.
        status: String,
        /// The plugin's last stderr lines.
        stderr: Vec<String>,
    },
    /// No handshake within the start timeout.
    #[error("provider {provider}: plugin printed no handshake within {after:?}{}", stderr_note(.stderr))]
    StartTimeout {
        /// Provider name.
        provider: String,
        /// The timeout.
        after: Duration,
        /// The plugin's last stderr lines.
        stderr: Vec<String>,
    },
    /// The gRPC connection could not be made.
    #[error("provider {provider}: cannot connect to the plugin at {address}: {message}")]
    Connect {
        /// Provider name.
        provider: String,
        /// The address from the handshake.
        address: String,
        /// The transport's message.
        message: String,
    },
    /// AutoMTLS material could not be made.
    #[error("provider {provider}: {source}")]
    Tls {
        /// Provider name.
        provider: String,
        /// The TLS problem.
        source: TlsError,
    },
    /// The plugin died while a call was running.
    #[error("provider {provider}: the plugin crashed during {call} ({status}){}", stderr_note(.stderr))]
    Crashed {
        /// Provider name.
        provider: String,
        /// The RPC.
        call: String,
        /// Exit status.
        status: String,
        /// The plugin's last stderr lines.
        stderr: Vec<String>,
    },
    /// A call did not answer in time.
    #[error(
        "provider {provider}: the plugin did not answer {call} within {after:?} (it may be hung)"
    )]
    Timeout {
        /// Provider name.
        provider: String,
        /// The RPC.
        call: String,
        /// The timeout.
        after: Duration,
    },
    /// The plugin answered with error diagnostics.
    #[error("provider {provider}: {call}{}: {message}", for_type(.type_name))]
    Refused {
        /// Provider name.
        provider: String,
        /// The RPC.
        call: String,
        /// The resource or data source type, when the call is about one.
        type_name: Option<String>,
        /// The diagnostics, one per line.
        message: String,
    },
    /// The plugin sent (or was to be sent) a value that does not match its schema.
    #[error("provider {provider}: {call}{}: {what} does not match the schema: {source}", for_type(.type_name))]
    BadValue {
        /// Provider name.
        provider: String,
        /// The RPC.
        call: String,
        /// The resource or data source type.
        type_name: Option<String>,
        /// Which value (`new state`, `planned state`, `configuration`).
        what: String,
        /// Where and how it does not match.
        source: crate::wire::ValueError,
    },
    /// The plugin's schema could not be read.
    #[error("provider {provider}: {source}")]
    Schema {
        /// Provider name.
        provider: String,
        /// The problem.
        source: crate::schema::SchemaError,
    },
    /// A type the plugin does not offer, or another misuse the plugin cannot be asked about.
    #[error("provider {provider}: {message}")]
    Usage {
        /// Provider name.
        provider: String,
        /// What is wrong.
        message: String,
    },
    /// The call failed at the gRPC level.
    #[error("provider {provider}: {call} failed: {code}: {message}")]
    Rpc {
        /// Provider name.
        provider: String,
        /// The RPC.
        call: String,
        /// The gRPC status code.
        code: String,
        /// Its message.
        message: String,
    },
}

fn for_type(t: &Option<String>) -> String {
    t.as_ref().map(|t| format!(" for {t}")).unwrap_or_default()
}

fn stderr_note(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!("; the plugin's last output:\n  {}", lines.join("\n  "))
    }
}

const TAIL: usize = 30;

/// The gRPC client of whichever protocol the plugin chose.
#[derive(Clone)]
pub(crate) enum Rpc {
    V5(tfplugin5::provider_client::ProviderClient<Channel>),
    V6(tfplugin6::provider_client::ProviderClient<Channel>),
}

/// A running plugin.
pub struct Process {
    pub(crate) provider: String,
    pub(crate) rpc: Rpc,
    pub(crate) protocol: u32,
    channel: Channel,
    call_timeout: Option<Duration>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    exited: watch::Receiver<Option<String>>,
    kill: Mutex<Option<oneshot::Sender<()>>>,
    pid: Option<u32>,
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(k) = self.kill.lock().ok().and_then(|mut k| k.take()) {
            let _ = k.send(());
        }
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

fn tail(buf: &Mutex<VecDeque<String>>) -> Vec<String> {
    buf.lock()
        .map(|b| b.iter().cloned().collect())
        .unwrap_or_default()
}

fn log_line(provider: &str, stream: &str, line: &str) {
    // go-plugin's hclog lines are JSON with "@level" and "@message".
    let parsed: Option<serde_json::Value> = serde_json::from_str(line).ok();
    let level = parsed
        .as_ref()
        .and_then(|j| j.get("@level"))
        .and_then(|l| l.as_str())
        .unwrap_or("debug");
    let msg = parsed
        .as_ref()
        .and_then(|j| j.get("@message"))
        .and_then(|m| m.as_str())
        .unwrap_or(line);
    match level {
        "error" => tracing::error!(target: "hangar::plugin", provider, stream, "{msg}"),
        "warn" => tracing::warn!(target: "hangar::plugin", provider, stream, "{msg}"),
        "info" => tracing::info!(target: "hangar::plugin", provider, stream, "{msg}"),
        "trace" => tracing::trace!(target: "hangar::plugin", provider, stream, "{msg}"),
        _ => tracing::debug!(target: "hangar::plugin", provider, stream, "{msg}"),
    }
}

impl Process {
    /// Starts the plugin at `path` and connects to it; fails with a [`PluginError`] naming the
    /// provider when it cannot run, prints a bad handshake, exits, or stays silent too long.
    pub async fn start(path: &Path, opts: &PluginOptions) -> Result<Process, PluginError> {
        let provider = opts.name.clone();
        let me = tls::generate_identity().map_err(|source| PluginError::Tls {
            provider: provider.clone(),
            source,
        })?;
        let versions = opts
            .protocols
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut cmd = tokio::process::Command::new(path);
        cmd.env(handshake::MAGIC_COOKIE_KEY, handshake::MAGIC_COOKIE_VALUE)
            .env(handshake::PROTOCOL_VERSIONS_KEY, versions)
            .env(handshake::CLIENT_CERT_KEY, &me.cert_pem)
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .envs(opts.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|source| PluginError::Spawn {
            provider: provider.clone(),
            path: path.to_path_buf(),
            source,
        })?;
        let pid = child.id();
        let stderr_buf = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(err) = child.stderr.take() {
            let (buf, name) = (stderr_buf.clone(), provider.clone());
            tokio::spawn(async move {
                let mut lines = BufReader::new(err).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    log_line(&name, "stderr", &line);
                    if let Ok(mut b) = buf.lock() {
                        if b.len() == TAIL {
                            b.pop_front();
                        }
                        b.push_back(line);
                    }
                }
            });
        }
        let stdout = child.stdout.take();
        let (exit_tx, exited) = watch::channel(None::<String>);
        let (kill_tx, kill_rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let status = tokio::select! {
                s = child.wait() => s,
                _ = kill_rx => {
                    let _ = child.kill().await;
                    child.wait().await
                }
            };
            let text = match status {
                Ok(s) => describe(s),
                Err(e) => format!("unknown status: {e}"),
            };
            let _ = exit_tx.send(Some(text));
        });
        let mut proc_guard = KillGuard(Some(kill_tx));

        let Some(stdout) = stdout else {
            return Err(PluginError::ExitedEarly {
                provider,
                status: "no stdout".into(),
                stderr: Vec::new(),
            });
        };
        let mut lines = BufReader::new(stdout).lines();
        let mut exited_rx = exited.clone();
        let first = tokio::select! {
            l = tokio::time::timeout(opts.start_timeout, lines.next_line()) => l,
            _ = exited_rx.wait_for(Option::is_some) => Ok(Ok(None)),
        };
        let line = match first {
            Ok(Ok(Some(line))) => line,
            Ok(_) => {
                let status = wait_exit(&exited, Duration::from_secs(2)).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Err(PluginError::ExitedEarly {
                    provider,
                    status: status.unwrap_or_else(|| "closed its stdout".into()),
                    stderr: tail(&stderr_buf),
                });
            }
            Err(_) => {
                return Err(PluginError::StartTimeout {
                    provider,
                    after: opts.start_timeout,
                    stderr: tail(&stderr_buf),
                })
            }
        };
        let hs =
            handshake::parse(&line, &opts.protocols).map_err(|source| PluginError::Handshake {
                provider: provider.clone(),
                source,
                stderr: tail(&stderr_buf),
            })?;
        {
            let name = provider.clone();
            tokio::spawn(async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    log_line(&name, "stdout", &line);
                }
            });
        }
        let tls_cfg = match &hs.server_cert {
            Some(der) => Some(Arc::new(tls::client_config(&me, der.clone()).map_err(
                |source| PluginError::Tls {
                    provider: provider.clone(),
                    source,
                },
            )?)),
            None => None,
        };
        let address = hs.address.clone();
        let shown = match &address {
            Address::Unix(p) => format!("unix:{p}"),
            Address::Tcp(a) => format!("tcp:{a}"),
        };
        let connector = tower::service_fn(move |_: Uri| {
            let (address, tls_cfg) = (address.clone(), tls_cfg.clone());
            async move { connect_io(&address, tls_cfg).await.map(TokioIo::new) }
        });
        let channel = Endpoint::from_static("http://plugin.invalid")
            .connect_timeout(Duration::from_secs(10))
            .connect_with_connector(connector)
            .await
            .map_err(|e| PluginError::Connect {
                provider: provider.clone(),
                address: shown.clone(),
                message: error_chain(&e),
            })?;
        const MAX: usize = 256 << 20;
        let rpc = match hs.protocol {
            5 => Rpc::V5(
                tfplugin5::provider_client::ProviderClient::new(channel.clone())
                    .max_decoding_message_size(MAX)
                    .max_encoding_message_size(MAX),
            ),
            _ => Rpc::V6(
                tfplugin6::provider_client::ProviderClient::new(channel.clone())
                    .max_decoding_message_size(MAX)
                    .max_encoding_message_size(MAX),
            ),
        };
        tracing::debug!(target: "hangar::plugin", provider, protocol = hs.protocol, address = shown, tls = hs.server_cert.is_some(), "plugin started");
        Ok(Process {
            provider,
            rpc,
            protocol: hs.protocol,
            channel,
            call_timeout: opts.call_timeout,
            stderr: stderr_buf,
            exited,
            kill: Mutex::new(proc_guard.0.take()),
            pid,
        })
    }

    /// The operating system's id of the plugin process.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// The protocol major version in use (5 or 6).
    pub fn protocol(&self) -> u32 {
        self.protocol
    }

    /// Whether the plugin process has exited.
    pub fn has_exited(&self) -> bool {
        self.exited.borrow().is_some()
    }

    /// Runs one RPC under the call timeout, turning transport failures into errors that say
    /// whether the plugin crashed (with its last output) or hung.
    pub(crate) async fn call<T, F>(&self, call: &str, fut: F) -> Result<T, PluginError>
    where
        F: std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        let res = match self.call_timeout {
            Some(t) => match tokio::time::timeout(t, fut).await {
                Ok(r) => r,
                Err(_) => {
                    return Err(PluginError::Timeout {
                        provider: self.provider.clone(),
                        call: call.to_string(),
                        after: t,
                    })
                }
            },
            None => fut.await,
        };
        match res {
            Ok(r) => Ok(r.into_inner()),
            Err(status) => {
                let transport = matches!(
                    status.code(),
                    tonic::Code::Unavailable
                        | tonic::Code::Unknown
                        | tonic::Code::Internal
                        | tonic::Code::Cancelled
                );
                if transport {
                    if let Some(exit) = wait_exit(&self.exited, Duration::from_secs(2)).await {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        return Err(PluginError::Crashed {
                            provider: self.provider.clone(),
                            call: call.to_string(),
                            status: exit,
                            stderr: tail(&self.stderr),
                        });
                    }
                }
                Err(PluginError::Rpc {
                    provider: self.provider.clone(),
                    call: call.to_string(),
                    code: format!("{:?}", status.code()),
                    message: status.message().to_string(),
                })
            }
        }
    }

    /// Asks the plugin to stop (`StopProvider`, then go-plugin's controller `Shutdown`), waits
    /// up to two seconds for it to exit, then kills it.
    pub async fn shutdown(&self) {
        if !self.has_exited() {
            let stop = async {
                let _ = match self.rpc.clone() {
                    Rpc::V5(mut c) => c
                        .stop(tfplugin6::stop_provider::Request {})
                        .await
                        .map(|_| ()),
                    Rpc::V6(mut c) => c
                        .stop_provider(tfplugin6::stop_provider::Request {})
                        .await
                        .map(|_| ()),
                };
                let mut grpc = tonic::client::Grpc::new(self.channel.clone());
                if grpc.ready().await.is_ok() {
                    let _: Result<tonic::Response<()>, _> = grpc
                        .unary(
                            tonic::Request::new(()),
                            tonic::codegen::http::uri::PathAndQuery::from_static(
                                "/plugin.GRPCController/Shutdown",
                            ),
                            tonic_prost::ProstCodec::default(),
                        )
                        .await;
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(2), stop).await;
            let _ = wait_exit(&self.exited, Duration::from_secs(2)).await;
        }
        if let Some(k) = self.kill.lock().ok().and_then(|mut k| k.take()) {
            let _ = k.send(());
        }
        let _ = wait_exit(&self.exited, Duration::from_secs(5)).await;
    }
}

struct KillGuard(Option<oneshot::Sender<()>>);

impl Drop for KillGuard {
    fn drop(&mut self) {
        if let Some(k) = self.0.take() {
            let _ = k.send(());
        }
    }
}

async fn wait_exit(rx: &watch::Receiver<Option<String>>, within: Duration) -> Option<String> {
    let mut rx = rx.clone();
    let found = match tokio::time::timeout(within, rx.wait_for(Option::is_some)).await {
        Ok(Ok(v)) => v.clone(),
        _ => None,
    };
    found.or_else(|| rx.borrow().clone())
}

fn describe(s: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = s.signal() {
            return format!("killed by signal {sig}");
        }
    }
    match s.code() {
        Some(c) => format!("exit status {c}"),
        None => "unknown exit status".into(),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

async fn connect_io(
    address: &Address,
    tls_cfg: Option<Arc<rustls::ClientConfig>>,
) -> Result<Box<dyn Io>, std::io::Error> {
    let raw: Box<dyn Io> = match address {
        #[cfg(unix)]
        Address::Unix(p) => Box::new(tokio::net::UnixStream::connect(p).await?),
        #[cfg(not(unix))]
        Address::Unix(_) => {
            return Err(std::io::Error::other("unix sockets are not supported here"))
        }
        Address::Tcp(a) => Box::new(tokio::net::TcpStream::connect(a).await?),
    };
    match tls_cfg {
        None => Ok(raw),
        Some(cfg) => {
            let name = rustls::pki_types::ServerName::try_from("localhost")
                .map_err(std::io::Error::other)?;
            let s = tokio_rustls::TlsConnector::from(cfg)
                .connect(name, raw)
                .await?;
            Ok(Box::new(s))
        }
    }
}
