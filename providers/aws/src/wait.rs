//! Waiting for EKS work: the shared waiter of the provider interface, at EKS's pace.

pub use hangar_provider::wait::{budget, timeouts_block, until, Check, Pace};

use std::time::Duration;

/// Polling fit for EKS control-plane work (minutes).
pub const EKS: Pace = Pace {
    first: Duration::from_secs(2),
    max: Duration::from_secs(30),
};
