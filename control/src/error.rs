//! Errors: [`ControlError`] for starting and running the control plane, [`ApiError`] for one
//! HTTP call (a status, a machine word and a message for a person, sent as
//! [`hangar_wire::ErrorBody`]).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// Why the control plane could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// `--database` is not a URL the control plane understands.
    #[error("database URL {url:?}: {reason}")]
    DatabaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The database could not be opened or migrated.
    #[error("database {database}: {source}")]
    Store {
        /// The database (without password).
        database: String,
        /// The store's error.
        source: StoreError,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address asked for.
        addr: String,
        /// The system's error.
        source: std::io::Error,
    },
    /// The admin token given is unusable.
    #[error("admin token: {0}")]
    AdminToken(String),
    /// The HTTP server failed.
    #[error("HTTP server: {0}")]
    Serve(std::io::Error),
}

/// A refused or failed API call.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine word.
    pub word: &'static str,
    /// Message for a person.
    pub message: String,
    /// Whether the audit record of the call was already written (with the failure).
    pub audited: bool,
    /// What the audit record says instead of `message`, when the message may quote what the
    /// caller sent (a refused body is never stored, not even in the audit log).
    pub audit_detail: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, word: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            word,
            message: message.into(),
            audited: false,
            audit_detail: None,
        }
    }

    /// The detail the audit record keeps.
    pub(crate) fn detail(&self) -> String {
        self.audit_detail
            .clone()
            .unwrap_or_else(|| self.message.clone())
    }

    /// 400: the request is malformed, oversized or breaks a rule.
    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: no usable token.
    pub(crate) fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: the token may not do this.
    pub(crate) fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404: no such object (only said to callers allowed to know).
    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409: the object is not in a state that allows this.
    pub(crate) fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 500: the control plane failed.
    pub(crate) fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::internal(format!("store: {e}"))
    }
}

impl From<hangar_wire::WireError> for ApiError {
    fn from(e: hangar_wire::WireError) -> ApiError {
        use hangar_wire::WireError;
        // The parser's message can quote the body (`invalid type: string "..."`): the caller
        // sees it, the audit log keeps only the kind of refusal and the field's path.
        let kept = match &e {
            WireError::TooLarge { size, limit } => {
                format!("body of {size} bytes over the limit of {limit}; not stored")
            }
            WireError::Malformed(_) => "malformed message; not stored".to_string(),
            WireError::Invalid { field, .. } => {
                format!("field `{field}` out of bounds; not stored")
            }
            WireError::Version { got, .. } => format!("protocol version {got} refused"),
        };
        let mut err = ApiError::bad_request(e.to_string());
        err.audit_detail = Some(kept);
        err
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = hangar_wire::ErrorBody {
            status: self.status.as_u16(),
            error: self.word.to_string(),
            message: self.message,
        };
        crate::api::json_response(self.status, &body)
    }
}
