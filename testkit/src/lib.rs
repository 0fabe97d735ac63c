//! Hangar's test support, shared by every test binary (as jj has `lib/testutils`).
//!
//! It owns what tests need and production code must never contain: harnesses that run the
//! `hangar` binary in a scratch directory, control of local emulators (started on 127.0.0.1
//! and stopped by PID), and small HTTP servers that follow documented cloud API shapes where no
//! emulator exists. It is a dev-dependency only: no library crate of Hangar depends on it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod kube;
pub mod test_plugin;
