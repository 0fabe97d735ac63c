//! `hangar serve`: runs the control plane (`hangar-control`) in the foreground until Ctrl-C or
//! SIGTERM.
//!
//! The admin bootstrap token comes from `HANGAR_ADMIN_TOKEN`; without it, the first start on an
//! empty database prints a generated one once. Everything else (the API, the store, the web
//! page) is the control crate's; this module only turns flags into [`ServeOptions`].

use std::time::Duration;

use clap::Args;
use hangar_control::{ServeOptions, ADMIN_TOKEN_ENV};

use crate::CliError;

/// Flags of `hangar serve`.
#[derive(Args, Debug, Clone)]
pub struct ServeFlags {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: String,
    /// `sqlite:PATH` (embedded, the default) or `postgres://...` (for several replicas).
    #[arg(
        long,
        env = "HANGAR_DATABASE",
        default_value = "sqlite:hangar-control.db",
        value_name = "URL"
    )]
    pub database: String,
    /// How long a claimed job's lease lasts without a report from its agent (e.g. 60s, 5m).
    #[arg(long, default_value = "60s", value_parser = crate::parse_wait)]
    pub lease: Duration,
    /// How often agents are asked to heartbeat (e.g. 15s).
    #[arg(long = "heartbeat-interval", default_value = "15s", value_parser = crate::parse_wait)]
    pub heartbeat_interval: Duration,
}

/// `hangar serve`: runs until stopped; exit 0 after a clean stop.
pub fn serve(flags: ServeFlags) -> Result<u8, CliError> {
    let opts = ServeOptions {
        listen: flags.listen,
        database: flags.database,
        admin_token: std::env::var(ADMIN_TOKEN_ENV)
            .ok()
            .filter(|t| !t.is_empty()),
        lease: flags.lease,
        heartbeat_interval: flags.heartbeat_interval,
        stale_after: flags.heartbeat_interval * 3,
        ..ServeOptions::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Message(format!("cannot start the runtime: {e}")))?;
    rt.block_on(hangar_control::serve(opts))
        .map_err(|e| CliError::Message(format!("hangar serve: {e}")))?;
    Ok(0)
}
