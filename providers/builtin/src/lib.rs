//! Providers built into Hangar, needing no cloud: `terraform` and `time`.
//!
//! `terraform_data` follows Terraform's built-in resource exactly (`input` mirrored to `output`,
//! `triggers_replace` forcing replacement, a random UUID `id`), so existing configurations and
//! side-by-side benchmarks work unchanged. `time_sleep` waits on create and destroy, letting
//! tests and benchmarks simulate cloud latency.
//!
//! Like every provider it depends on `hangar-core` and `hangar-provider` only, never on the
//! engine or state.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod terraform_data;
mod time_sleep;

pub use terraform_data::TerraformProvider;
pub use time_sleep::TimeProvider;
