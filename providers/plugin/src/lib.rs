#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod adapter;
pub mod cache;
pub mod cty;
pub mod handshake;
pub mod host;
pub mod install;
pub mod objchange;
pub mod proto;
mod rpc;
pub mod schema;
pub mod tls;
pub mod wire;

#[cfg(test)]
mod wire_props;

pub use adapter::{ConfiguredPlugin, PluginHost, PluginProvider};
pub use host::{PluginError, PluginOptions};
