#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backend;
pub mod conformance;
pub mod document;
pub mod error;
pub mod journal;
pub mod local;
pub mod lock_info;

pub use backend::{Backend, Journal, LockGuard};
pub use document::{InstanceRecord, Intent, OutputRecord, StateDoc, FORMAT_VERSION};
pub use error::StateError;
pub use journal::JournalEntry;
pub use local::LocalBackend;
pub use lock_info::LockInfo;
