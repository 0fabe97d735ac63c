//! The AWS provider through the `Provider` trait, against moto: one conformance lifecycle
//! (create, no-op re-plan, update in place, replace, import, out-of-band delete, destroy) run
//! for every resource type, plus data sources and error reporting.

// Each test holds the moto guard for its whole run on its own runtime: serialising tests is
// the point, so holding it across awaits is intended.
#![allow(clippy::await_holding_lock)]

#[path = "../moto/mod.rs"]
mod moto;

mod data;
mod driver;
mod eks;
mod errors;
mod s3;
