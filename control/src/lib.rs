//! Hangar's control plane as a library: `hangar serve` calls [`serve`]; tests call [`start`],
//! which binds (port 0 for a free one) and hands back the address and a shutdown handle.
//!
//! The control plane holds metadata only — workspaces (name, cloud, geography, region),
//! agents (identity, workspace, version, last heartbeat, cluster metadata), jobs (plan / apply
//! / drift / workload, queued → running → succeeded/failed, with the summary the agent
//! reported) and an append-only audit log of every API call. It never holds cloud credentials,
//! state contents or customer data: the wire format ([`hangar_wire`]) has no field for them.
//!
//! Data lives in SQLite (`sqlite:PATH`, embedded, the default) or PostgreSQL
//! (`postgres://...`, for several replicas behind a load balancer), same schema, versioned
//! migrations. Every reply that reports a change is sent after the change and its audit record
//! committed durably, so a killed control plane loses neither.
//!
//! The admin bootstrap token comes from [`ServeOptions::admin_token`] (the CLI reads
//! `HANGAR_ADMIN_TOKEN`); without one, the first start on an empty database generates one,
//! returns it in [`Running::initial_admin_token`], and [`serve`] prints it once.
//!
//! Left out: the CLI (the `hangar serve` subcommand lives in the binary), TLS (terminate it in
//! front, or run on a private network), and the agent itself.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod api;
mod auth;
mod error;
mod openapi;
mod store;
mod web;
mod workload;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use hangar_wire::{AuditEntry, TokenKind};

pub use error::ControlError;
pub use store::{Database, Durability, StoreError};

use crate::api::{App, Settings};
use crate::store::{now_ms, records, Store};

/// Environment variable the CLI reads the admin bootstrap token from.
pub const ADMIN_TOKEN_ENV: &str = "HANGAR_ADMIN_TOKEN";

/// How to run the control plane.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: String,
    /// `sqlite:PATH` or `postgres://...`.
    pub database: String,
    /// Admin bootstrap token (from `HANGAR_ADMIN_TOKEN`); at least 32 characters.
    pub admin_token: Option<String>,
    /// How long a claimed job's lease lasts without a heartbeat or progress report; a job
    /// whose lease runs out is marked failed with the reason.
    pub lease: Duration,
    /// An agent without a heartbeat for this long shows as stale.
    pub stale_after: Duration,
    /// Heartbeat interval asked of agents.
    pub heartbeat_interval: Duration,
    /// How often expired leases are looked for.
    pub sweep_interval: Duration,
    /// How durable a write is before its reply (SQLite; PostgreSQL follows its own settings).
    pub durability: Durability,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            listen: "127.0.0.1:8080".into(),
            database: "sqlite:hangar-control.db".into(),
            admin_token: None,
            lease: Duration::from_secs(60),
            stale_after: Duration::from_secs(45),
            heartbeat_interval: Duration::from_secs(15),
            sweep_interval: Duration::from_secs(1),
            durability: Durability::PowerLoss,
        }
    }
}

/// A running control plane.
pub struct Running {
    addr: SocketAddr,
    initial_admin_token: Option<String>,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<Result<(), ControlError>>,
    sweeper: tokio::task::JoinHandle<()>,
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin token generated at this start, when the database had no admin and none was
    /// given. It is stored hashed: this is the only time it can be read.
    pub fn initial_admin_token(&self) -> Option<&str> {
        self.initial_admin_token.as_deref()
    }

    /// Stops accepting connections, lets requests in flight finish (up to 5 s: long-polls are
    /// cut short), and returns. Fails when the server had failed.
    pub async fn shutdown(self) -> Result<(), ControlError> {
        let _ = self.stop.send(true);
        self.sweeper.abort();
        let mut server = self.server;
        match tokio::time::timeout(Duration::from_secs(5), &mut server).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Ok(()),
            Err(_) => {
                server.abort();
                Ok(())
            }
        }
    }

    /// Waits until the server stops (it runs until [`Running::shutdown`] or an error).
    pub async fn wait(self) -> Result<(), ControlError> {
        let r = self.server.await;
        self.sweeper.abort();
        r.unwrap_or(Ok(()))
    }
}

/// Opens the database (migrating it), ensures an admin token exists, binds `opts.listen` and
/// starts serving. Fails when the database URL is not understood, the database cannot be
/// opened or is newer than this build, the admin token is too short, or the address cannot be
/// bound.
pub async fn start(opts: ServeOptions) -> Result<Running, ControlError> {
    let db = Database::parse(&opts.database)?;
    let shown = db.redacted();
    let store = {
        let db = db.clone();
        let durability = opts.durability;
        tokio::task::spawn_blocking(move || Store::open(&db, durability))
            .await
            .map_err(|e| ControlError::Store {
                database: shown.clone(),
                source: StoreError::Corrupt(format!("opening task failed: {e}")),
            })?
            .map_err(|source| ControlError::Store {
                database: shown.clone(),
                source,
            })?
    };
    let initial_admin_token = bootstrap(&store, opts.admin_token.as_deref(), opts.lease)
        .await
        .map_err(|e| match e {
            Bootstrap::Token(m) => ControlError::AdminToken(m),
            Bootstrap::Store(source) => ControlError::Store {
                database: shown.clone(),
                source,
            },
        })?;
    let listener = tokio::net::TcpListener::bind(&opts.listen)
        .await
        .map_err(|source| ControlError::Bind {
            addr: opts.listen.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ControlError::Bind {
        addr: opts.listen.clone(),
        source,
    })?;
    let (jobs_queued, _) = tokio::sync::watch::channel(0u64);
    let app = App {
        store: store.clone(),
        settings: Arc::new(Settings {
            lease: opts.lease,
            stale_after: opts.stale_after,
            heartbeat_interval: opts.heartbeat_interval,
        }),
        jobs_queued: Arc::new(jobs_queued),
    };
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let sweeper = tokio::spawn(sweep(store, opts.sweep_interval, stop.subscribe()));
    let router = api::router(app);
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await
            .map_err(ControlError::Serve)
    });
    Ok(Running {
        addr,
        initial_admin_token,
        stop,
        server,
        sweeper,
    })
}

/// Runs the control plane until Ctrl-C (or SIGTERM), printing where it listens and, on a first
/// start without `HANGAR_ADMIN_TOKEN`, the generated admin token (once). Fails as [`start`]
/// does, or when the server fails.
pub async fn serve(opts: ServeOptions) -> Result<(), ControlError> {
    let shown = Database::parse(&opts.database)?.redacted();
    let running = start(opts).await?;
    eprintln!(
        "hangar control plane listening on http://{} (database {shown})",
        running.addr()
    );
    if let Some(token) = running.initial_admin_token() {
        eprintln!(
            "admin token (shown once, stored only hashed; set {ADMIN_TOKEN_ENV} to choose \
             your own): {token}"
        );
    }
    let mut running = running;
    let ended = tokio::select! {
        r = stop_signal() => Ended::Signal(r),
        r = &mut running.server => Ended::Server(r.unwrap_or(Ok(()))),
    };
    match ended {
        Ended::Signal(r) => {
            r.map_err(ControlError::Serve)?;
            running.shutdown().await
        }
        Ended::Server(r) => {
            running.sweeper.abort();
            r
        }
    }
}

enum Ended {
    Signal(std::io::Result<()>),
    Server(Result<(), ControlError>),
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

enum Bootstrap {
    Token(String),
    Store(StoreError),
}

impl From<StoreError> for Bootstrap {
    fn from(e: StoreError) -> Self {
        Bootstrap::Store(e)
    }
}

fn system_audit(action: &str, target: Option<String>, detail: Option<String>) -> AuditEntry {
    AuditEntry {
        id: 0,
        at: now_ms(),
        actor: "control-plane".into(),
        token_id: None,
        action: action.into(),
        request: String::new(),
        workspace: None,
        target,
        status: StatusCode::OK.as_u16(),
        detail,
    }
}

/// Ensures an admin token, and renews running jobs' leases (their agents could not reach a
/// control plane that was down). The generated token, if one was.
async fn bootstrap(
    store: &Store,
    given: Option<&str>,
    lease: Duration,
) -> Result<Option<String>, Bootstrap> {
    if let Some(t) = given {
        if t.len() < 32 || t.len() > 200 || !t.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Bootstrap::Token(format!(
                "{ADMIN_TOKEN_ENV} must be 32 to 200 printable ASCII characters"
            )));
        }
    }
    let given = given.map(str::to_string);
    let lease_ms = lease.as_millis() as i64;
    store
        .write(move |c| {
            let renewed = records::renew_all_leases(c, now_ms() + lease_ms)?;
            if renewed > 0 {
                records::append_audit(
                    c,
                    &system_audit(
                        "start.renew_leases",
                        None,
                        Some(format!("{renewed} running job lease(s) renewed at start")),
                    ),
                )?;
            }
            let (token, generated) = match given {
                Some(t) => {
                    if records::token_by_hash(c, &auth::hash(&t))?.is_some() {
                        return Ok(None);
                    }
                    (t, false)
                }
                None => {
                    if records::has_admin(c)? {
                        return Ok(None);
                    }
                    let t = auth::generate(TokenKind::Admin)
                        .map_err(|e| Bootstrap::Token(e.message))?;
                    (t, true)
                }
            };
            let name = if generated {
                "bootstrap"
            } else {
                "bootstrap-env"
            };
            let id = records::insert_token(
                c,
                &auth::hash(&token),
                TokenKind::Admin,
                name,
                None,
                "control-plane",
                now_ms(),
            )?;
            records::append_audit(
                c,
                &system_audit("admin.bootstrap", Some(format!("token:{id}")), None),
            )?;
            Ok(generated.then_some(token))
        })
        .await
}

/// Fails running jobs whose lease expired, each with an audit record, until `stop`.
async fn sweep(store: Store, every: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let r = store
            .write(|c| {
                let expired = records::expire_leases(c, now_ms())?;
                for row in &expired {
                    let mut e = system_audit(
                        "job.lease_expired",
                        Some(format!("job:{}", row.job.id)),
                        Some(format!(
                            "agent {} stopped reporting; job failed",
                            row.job.agent.as_deref().unwrap_or("unknown")
                        )),
                    );
                    e.workspace = Some(row.job.workspace.clone());
                    records::append_audit(c, &e)?;
                }
                Ok::<_, StoreError>(())
            })
            .await;
        if let Err(e) = r {
            eprintln!("hangar control plane: lease sweep failed: {e}");
        }
    }
}
