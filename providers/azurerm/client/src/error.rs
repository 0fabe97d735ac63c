//! What can go wrong talking to Azure, with the service's own code and message when it
//! answered.
//!
//! Callers decide what an answer means ("not found" is often fine): [`Error::status`] and
//! [`Error::code`] expose the HTTP status and Azure's error code. Messages never contain
//! credentials or tokens.

use std::time::Duration;

/// One failed call to Azure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No answer: the connection failed, or the answer could not be read.
    #[error("{method} {url}: {message}")]
    Transport {
        /// HTTP method.
        method: String,
        /// The URL, without query string.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The service answered with an error status.
    #[error("{}", match code { Some(c) => format!("{c}: {message} (HTTP {status})"), None => format!("{message} (HTTP {status})") })]
    Service {
        /// HTTP status.
        status: u16,
        /// Azure's error code (`ResourceGroupNotFound`, `ContainerAlreadyExists`).
        code: Option<String>,
        /// Azure's message.
        message: String,
    },
    /// A long-running operation ended in `Failed` or `Canceled`.
    #[error("{what} ended {state}: {}", match code { Some(c) => format!("{c}: {message}"), None => message.clone() })]
    OperationFailed {
        /// The operation, for messages ("PUT resource group rg").
        what: String,
        /// `Failed` or `Canceled`.
        state: String,
        /// Azure's error code.
        code: Option<String>,
        /// Azure's message.
        message: String,
    },
    /// A wait ran out of time.
    #[error("timed out after {}s waiting for {what} (still {state})", budget.as_secs())]
    Timeout {
        /// What was awaited.
        what: String,
        /// The last state seen.
        state: String,
        /// The time budget.
        budget: Duration,
    },
    /// A token could not be had.
    #[error("cannot get an Azure access token: {message}")]
    Auth {
        /// Why, with Entra ID's or the CLI's message.
        message: String,
    },
    /// An answer was not what the documented format says.
    #[error("unexpected answer from {url}: {message}")]
    Decode {
        /// Where it came from.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The caller gave something unusable (a malformed URL or header value).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// The HTTP status of a service answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Azure's error code, when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } | Error::OperationFailed { code, .. } => code.as_deref(),
            Error::Timeout { .. } => Some("WaitTimeout"),
            _ => None,
        }
    }

    /// Whether the service said the thing does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}
