//! How long each phase of an operation took, logged at debug level (`HANGAR_LOG=debug`): the
//! figures the scale benchmarks break down.

use std::time::Instant;

/// Logs the time since `started` as the duration of `phase`.
pub fn phase(phase: &str, started: Instant) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::debug!(phase, ms = format_args!("{ms:.1}"), "phase");
}
