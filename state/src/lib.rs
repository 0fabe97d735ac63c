#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "azurerm")]
pub mod azurerm;
pub mod backend;
pub mod config;
pub mod document;
pub mod encryption;
pub mod error;
#[cfg(feature = "gcs")]
pub mod gcs;
pub mod journal;
#[cfg_attr(
    not(any(feature = "s3", feature = "pg", feature = "gcs", feature = "azurerm")),
    allow(dead_code)
)]
mod lease;
pub mod local;
pub mod lock_info;
pub mod migrate;
#[cfg(any(feature = "s3", feature = "gcs"))]
mod object;
#[cfg(feature = "pg")]
pub mod pg;
#[cfg(feature = "s3")]
pub mod s3;

#[cfg(feature = "azurerm")]
pub use azurerm::{AzurermBackend, AzurermConfig};
pub use backend::{Backend, Journal, LockGuard};
pub use config::from_config;
pub use document::{InstanceRecord, Intent, OutputRecord, StateDoc, FORMAT_VERSION};
pub use error::StateError;
#[cfg(feature = "gcs")]
pub use gcs::{GcsBackend, GcsConfig};
pub use journal::JournalEntry;
pub use local::LocalBackend;
pub use lock_info::{LockInfo, DEFAULT_LEASE};
pub use migrate::migrate;
#[cfg(feature = "pg")]
pub use pg::{PgBackend, PgConfig};
#[cfg(feature = "s3")]
pub use s3::{S3Backend, S3Config};
