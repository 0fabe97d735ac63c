//! Errors of calls to Google: Google's own error envelope (`{"error": {"code", "message",
//! "status"}}`), or why no answer came (transport, credentials, an unreadable body).
//!
//! The error names the call (`storage.buckets.insert`); callers add the resource address.
//! Bodies are never dumped whole: only Google's message, or a short excerpt of a body that
//! is not Google's envelope.

use serde::Deserialize;

/// A failed call to a Google API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoogleError {
    /// Google answered with an error.
    #[error("{call}: {message} (HTTP {http}, {code})")]
    Api {
        /// The API method (`container.projects.locations.clusters.create`).
        call: String,
        /// The HTTP status.
        http: u16,
        /// Google's canonical status (`NOT_FOUND`), or the first error's reason when the
        /// answer carries no status, or the HTTP status as text.
        code: String,
        /// Google's message.
        message: String,
    },
    /// No answer: the connection failed or timed out.
    #[error("{call}: {message}")]
    Transport {
        /// The API method.
        call: String,
        /// What went wrong.
        message: String,
    },
    /// No access token could be had from the configured credentials.
    #[error("{call}: credentials: {message}")]
    Auth {
        /// The step (`oauth2.token`, `credentials`).
        call: String,
        /// What went wrong.
        message: String,
    },
    /// Google answered with a body this client cannot read.
    #[error("{call}: unreadable answer: {message}")]
    Decode {
        /// The API method.
        call: String,
        /// What could not be read.
        message: String,
    },
}

impl GoogleError {
    /// The HTTP status of an API error.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            GoogleError::Api { http, .. } => Some(*http),
            _ => None,
        }
    }

    /// Whether Google said the object does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        self.http_status() == Some(404)
    }

    /// Whether Google refused because the object already exists (HTTP 409).
    pub fn is_conflict(&self) -> bool {
        self.http_status() == Some(409)
    }

    /// Whether a precondition (`ifGenerationMatch`, ...) did not hold (HTTP 412).
    pub fn is_precondition_failed(&self) -> bool {
        self.http_status() == Some(412)
    }

    /// The call that failed.
    pub fn call(&self) -> &str {
        match self {
            GoogleError::Api { call, .. }
            | GoogleError::Transport { call, .. }
            | GoogleError::Auth { call, .. }
            | GoogleError::Decode { call, .. } => call,
        }
    }

    /// Google's code (`NOT_FOUND`), for API errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            GoogleError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The message alone, without the call.
    pub fn message(&self) -> String {
        match self {
            GoogleError::Api { message, http, .. } => format!("{message} (HTTP {http})"),
            GoogleError::Transport { message, .. } | GoogleError::Decode { message, .. } => {
                message.clone()
            }
            GoogleError::Auth { message, .. } => format!("credentials: {message}"),
        }
    }
}

/// Google's error envelope.
#[derive(Debug, Deserialize)]
struct Envelope {
    error: EnvelopeError,
}

#[derive(Debug, Deserialize)]
struct EnvelopeError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Debug, Deserialize)]
struct ErrorItem {
    #[serde(default)]
    reason: Option<String>,
}

/// Google's OAuth2 token endpoint's error (`{"error": "invalid_grant", ...}`).
#[derive(Debug, Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// The error an answer with HTTP status `http` and `body` means for `call`.
pub fn from_answer(call: &str, http: u16, body: &[u8]) -> GoogleError {
    if let Ok(e) = serde_json::from_slice::<Envelope>(body) {
        let code = e
            .error
            .status
            .filter(|s| !s.is_empty())
            .or_else(|| e.error.errors.into_iter().find_map(|i| i.reason))
            .unwrap_or_else(|| http.to_string());
        let message = if e.error.message.is_empty() {
            format!("HTTP {http}")
        } else {
            e.error.message
        };
        return GoogleError::Api {
            call: call.to_string(),
            http,
            code,
            message,
        };
    }
    if let Ok(e) = serde_json::from_slice::<OAuthError>(body) {
        return GoogleError::Api {
            call: call.to_string(),
            http,
            message: e.error_description.unwrap_or_else(|| e.error.clone()),
            code: e.error,
        };
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let excerpt: String = text.chars().take(200).collect();
    GoogleError::Api {
        call: call.to_string(),
        http,
        code: http.to_string(),
        message: if excerpt.is_empty() {
            format!("HTTP {http} with an empty body")
        } else {
            excerpt
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn googles_envelope_gives_status_and_message() {
        let body =
            br#"{"error":{"code":404,"message":"Not found: cluster c","status":"NOT_FOUND"}}"#;
        let e = from_answer("container.get", 404, body);
        assert_eq!(e.code(), Some("NOT_FOUND"));
        assert!(e.is_not_found());
        assert_eq!(e.message(), "Not found: cluster c (HTTP 404)");
        // Cloud Storage's JSON API (and fake-gcs-server) give a reason instead of a status.
        let body = br#"{"error":{"code":409,"message":"exists","errors":[{"reason":"conflict"}]}}"#;
        let e = from_answer("storage.buckets.insert", 409, body);
        assert_eq!(e.code(), Some("conflict"));
        assert!(e.is_conflict());
    }

    #[test]
    fn other_bodies_are_excerpted() {
        let e = from_answer("x", 502, b"<html>bad gateway</html>");
        assert_eq!(e.code(), Some("502"));
        assert_eq!(e.message(), "<html>bad gateway</html> (HTTP 502)");
        let e = from_answer(
            "oauth2.token",
            400,
            br#"{"error":"invalid_grant","error_description":"Bad JWT"}"#,
        );
        assert_eq!(e.code(), Some("invalid_grant"));
        assert!(e.to_string().contains("Bad JWT"));
    }
}
