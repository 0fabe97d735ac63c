//! The plugin protocol's messages and gRPC stubs, generated from `proto/` by
//! `providers/plugin/codegen` and committed (see its README for why and how to regenerate).
//!
//! Protocol 5 reuses protocol 6's Rust types for every message that is identical on the wire;
//! only its schema messages are its own.
#![allow(missing_docs, clippy::all, clippy::pedantic, unreachable_pub)]

/// `tfplugin6`: messages, client and server.
pub mod tfplugin6 {
    include!("tfplugin6.rs");
}

/// `tfplugin5`: its schema messages, client and server.
pub mod tfplugin5 {
    include!("tfplugin5.rs");
}
