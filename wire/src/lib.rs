//! Hangar's wire protocol between a region's data-plane agent, the people and CI that drive it,
//! and the control plane: a closed set of typed messages.
//!
//! Contract:
//! - Every message is a serde struct or enum with `deny_unknown_fields`: a field this version
//!   does not know is an error, never silently dropped or stored.
//! - Every message is bounded: [`decode`] refuses a body over [`limits::MAX_BODY`] before
//!   parsing, then checks every string and list against its bound ([`Message::check`]).
//! - Agent messages are **metadata only by construction**: a job summary carries resource
//!   addresses, types, actions, counts, durations, status and error summaries the agent wrote —
//!   there is no field that could hold an attribute value, state contents, plan values or a data
//!   log. The only free text is an error summary, bounded and written by the agent.
//! - Versioned: URLs carry the major version (`/api/v1/`); agent messages carry
//!   [`PROTOCOL_VERSION`], and a control plane refuses a version it does not speak.
//!
//! Left out: transport (HTTP, authentication headers) and the rules that need the location
//! catalogue or the store (geography checks, permissions) — the control plane owns those. This
//! crate depends on serde, serde_json and thiserror only, so the agent and the control plane can
//! both use it cheaply.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod agent;
mod bound;
mod job;

pub use admin::*;
pub use agent::*;
pub use job::*;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The version of the agent protocol this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Size bounds every message is checked against.
pub mod limits {
    /// Largest request or response body, in bytes.
    pub const MAX_BODY: usize = 256 * 1024;
    /// Largest reply body a client accepts (listings can be long), in bytes.
    pub const MAX_REPLY_BODY: usize = 16 * 1024 * 1024;
    /// Longest name (workspace, agent, token, geography, region, resource type), in bytes.
    pub const MAX_NAME: usize = 63;
    /// Longest resource address, image reference, bucket reference or other identifier, in bytes.
    pub const MAX_TEXT: usize = 512;
    /// Longest error summary, in bytes.
    pub const MAX_MESSAGE: usize = 4096;
    /// Most entries in one list (resource changes, drift items, containers, grants, ...).
    pub const MAX_LIST: usize = 1000;
    /// Most containers, environment variables or arguments in one workload.
    pub const MAX_WORKLOAD_LIST: usize = 64;
    /// Longest a claim may wait for a job, in seconds.
    pub const MAX_WAIT_SECONDS: u32 = 30;
}

/// Why a message was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    /// The body is larger than the message allows.
    #[error("message body is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// Size received.
        size: usize,
        /// Largest size allowed.
        limit: usize,
    },
    /// The body is not valid JSON for this message (syntax, unknown field, wrong type).
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A field is over its bound, empty where it must not be, or badly formed.
    #[error("field `{field}`: {reason}")]
    Invalid {
        /// Path of the field (`summary.changes[3].address`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The sender speaks a protocol version this side does not.
    #[error("protocol version {got} is not supported; this side speaks {supported}")]
    Version {
        /// Version received.
        got: u32,
        /// Version spoken here.
        supported: u32,
    },
}

/// A message of the protocol: serialisable, and checked against its bounds after parsing.
pub trait Message: Serialize + DeserializeOwned {
    /// Checks every string and list against its bound; the first violation, with its path.
    fn check(&self) -> Result<(), WireError>;
}

/// Parses and checks one message. Fails when the body is larger than [`limits::MAX_BODY`], is
/// not valid JSON for `T` (including unknown fields), or breaks a bound.
pub fn decode<T: Message>(body: &[u8]) -> Result<T, WireError> {
    decode_with_limit(body, limits::MAX_BODY)
}

/// Parses and checks a reply, which may be as large as [`limits::MAX_REPLY_BODY`] (listings).
pub fn decode_reply<T: Message>(body: &[u8]) -> Result<T, WireError> {
    decode_with_limit(body, limits::MAX_REPLY_BODY)
}

fn decode_with_limit<T: Message>(body: &[u8], limit: usize) -> Result<T, WireError> {
    if body.len() > limit {
        return Err(WireError::TooLarge {
            size: body.len(),
            limit,
        });
    }
    let msg: T = serde_json::from_slice(body).map_err(|e| WireError::Malformed(e.to_string()))?;
    msg.check()?;
    Ok(msg)
}

/// Serialises a message after checking it, so a sender cannot emit what a receiver refuses.
/// Fails when a bound is broken or the encoded body is over [`limits::MAX_BODY`].
pub fn encode<T: Message>(msg: &T) -> Result<Vec<u8>, WireError> {
    msg.check()?;
    let body = serde_json::to_vec(msg).map_err(|e| WireError::Malformed(e.to_string()))?;
    if body.len() > limits::MAX_BODY {
        return Err(WireError::TooLarge {
            size: body.len(),
            limit: limits::MAX_BODY,
        });
    }
    Ok(body)
}

/// Checks that a peer speaks this protocol version.
pub fn check_version(got: u32) -> Result<(), WireError> {
    if got == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(WireError::Version {
            got,
            supported: PROTOCOL_VERSION,
        })
    }
}

#[cfg(test)]
mod tests;
