//! A typed client of the control plane's API (`/api/v1/`): every request body is a
//! `hangar-wire` message, checked against its bounds before it is sent; every reply is decoded
//! and checked the same way; a refusal carries the control plane's `ErrorBody`.
//!
//! An [`Egress`] sink, when set, sees every request — method, path and the exact body bytes —
//! before it leaves, so a caller can keep a record of everything it sent (the agent's egress
//! log). The bearer token is sent only in the `Authorization` header and never passed to the
//! sink.
//!
//! Left out: retries and backoff (the caller decides, by [`ControlError::is_transient`]).

use std::sync::Arc;
use std::time::Duration;

use hangar_wire::{ErrorBody, Message, WireError};
use http::Method;

use crate::http::{Http, HttpError};
use crate::Secret;

/// How long one call may take: longer than the longest claim long-poll (30 s).
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Sees every request before it is sent.
pub trait Egress: Send + Sync {
    /// Records one request: method, path (with query) and the body bytes, if any. An error
    /// stops the request from being sent.
    fn sent(&self, method: &str, path: &str, body: Option<&[u8]>) -> std::io::Result<()>;
}

/// Why a control-plane call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The client settings are unusable.
    #[error("control plane settings: {0}")]
    Config(String),
    /// The request was not sent: the egress record could not be written.
    #[error("{call}: not sent, the egress log could not be written: {source}")]
    Egress {
        /// The call.
        call: String,
        /// Why.
        source: std::io::Error,
    },
    /// The message breaks the protocol's bounds (a bug of the sender), so it was not sent.
    #[error("{call}: not sent: {source}")]
    Encode {
        /// The call.
        call: String,
        /// Why.
        source: WireError,
    },
    /// No answer came.
    #[error("{call}: {source}")]
    Transport {
        /// The call.
        call: String,
        /// What failed.
        source: HttpError,
    },
    /// The control plane refused the call.
    #[error("{call}: {status} {error}: {message}")]
    Refused {
        /// The call.
        call: String,
        /// HTTP status.
        status: u16,
        /// Its short word (`unauthorized`, `forbidden`, `conflict`, ...).
        error: String,
        /// Its message.
        message: String,
    },
    /// The reply was not the message the call expects.
    #[error("{call}: unexpected reply: {source}")]
    Reply {
        /// The call.
        call: String,
        /// Why.
        source: WireError,
    },
}

impl ControlError {
    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            ControlError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying again later may succeed: no answer, or a 5xx/429 answer.
    pub fn is_transient(&self) -> bool {
        match self {
            ControlError::Transport { .. } => true,
            ControlError::Refused { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// A client of one control plane, authenticated by one token.
#[derive(Clone)]
pub struct Control {
    http: Http,
    base: String,
    token: Secret,
    egress: Option<Arc<dyn Egress>>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control").field("base", &self.base).finish()
    }
}

impl Control {
    /// A client of the control plane at `base` (`https://hangar.example.com` or
    /// `http://127.0.0.1:8080`), trusting `ca_pem` when given, else the system's roots.
    ///
    /// Fails when `base` is not an `http(s)://` URL or the CA bundle is unusable.
    pub fn new(base: &str, token: Secret, ca_pem: Option<&[u8]>) -> Result<Control, ControlError> {
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(ControlError::Config(format!(
                "the control plane URL {base:?} is not an http(s):// URL"
            )));
        }
        if token.expose().is_empty() {
            return Err(ControlError::Config("the token is empty".into()));
        }
        let http = match ca_pem {
            Some(pem) => {
                Http::with_ca(pem, DEADLINE).map_err(|e| ControlError::Config(e.to_string()))?
            }
            None => Http::new(DEADLINE),
        };
        Ok(Control {
            http,
            base,
            token,
            egress: None,
        })
    }

    /// The same client, recording every request in `egress` before it is sent.
    pub fn with_egress(mut self, egress: Arc<dyn Egress>) -> Control {
        self.egress = Some(egress);
        self
    }

    /// The control plane's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `POST path` with `req`; the decoded reply.
    pub async fn post<Req: Message, Rep: Message>(
        &self,
        path: &str,
        req: &Req,
    ) -> Result<Rep, ControlError> {
        let call = format!("POST {path}");
        let body = hangar_wire::encode(req).map_err(|source| ControlError::Encode {
            call: call.clone(),
            source,
        })?;
        self.send(&call, Method::POST, path, Some(body)).await
    }

    /// `GET path`; the decoded reply.
    pub async fn get<Rep: Message>(&self, path: &str) -> Result<Rep, ControlError> {
        self.send(&format!("GET {path}"), Method::GET, path, None)
            .await
    }

    /// `DELETE path`; the decoded reply.
    pub async fn delete<Rep: Message>(&self, path: &str) -> Result<Rep, ControlError> {
        self.send(&format!("DELETE {path}"), Method::DELETE, path, None)
            .await
    }

    async fn send<Rep: Message>(
        &self,
        call: &str,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Rep, ControlError> {
        if let Some(e) = &self.egress {
            e.sent(method.as_str(), path, body.as_deref())
                .map_err(|source| ControlError::Egress {
                    call: call.to_string(),
                    source,
                })?;
        }
        let auth = format!("Bearer {}", self.token.expose());
        let headers = [
            ("authorization", auth.as_str()),
            ("accept", "application/json"),
        ];
        let url = format!("{}{path}", self.base);
        let answer = self
            .http
            .send(
                method,
                &url,
                &headers,
                body.map(|b| (b, "application/json")),
            )
            .await
            .map_err(|source| ControlError::Transport {
                call: call.to_string(),
                source,
            })?;
        if (200..300).contains(&answer.status) {
            return hangar_wire::decode_reply(&answer.body).map_err(|source| ControlError::Reply {
                call: call.to_string(),
                source,
            });
        }
        let err: Option<ErrorBody> = serde_json::from_slice(&answer.body).ok();
        let (error, message) = match err {
            Some(e) => (e.error, e.message),
            None => (
                "error".to_string(),
                String::from_utf8_lossy(&answer.body)
                    .chars()
                    .take(300)
                    .collect(),
            ),
        };
        Err(ControlError::Refused {
            call: call.to_string(),
            status: answer.status,
            error,
            message,
        })
    }
}
