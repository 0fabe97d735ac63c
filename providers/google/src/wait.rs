//! Waiting for GKE operations: the shared waiter of the provider interface, at GKE's pace.

pub use hangar_provider::wait::{budget, timeouts_block, until, Check, Pace};

use std::time::Duration;

/// Polling fit for GKE operations (minutes), as Terraform's google provider polls.
pub const GKE: Pace = Pace {
    first: Duration::from_millis(500),
    max: Duration::from_secs(10),
};
