//! Turning AWS SDK errors into [`ProviderError`]s: the call, AWS's own code and AWS's message.
//!
//! Every SDK call goes through [`call`], so no SDK error type, debug dump or panic ever reaches
//! the engine. Errors with no service answer (a refused connection, a timeout, missing
//! credentials) keep their cause chain in the message and have no code; an answer the SDK
//! cannot read (an endpoint that lacks the call, an HTML error page) also shows how it began.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use hangar_provider::ProviderError;

/// One failed SDK call, kept long enough to ask whether it means "not found".
#[derive(Debug)]
pub struct CallError {
    /// The error as the engine will see it.
    pub error: ProviderError,
    /// The HTTP status of the answer, when the service answered.
    pub status: Option<u16>,
}

impl CallError {
    /// Whether AWS said the object does not exist: one of `codes`, or a bare HTTP 404.
    pub fn is_not_found(&self, codes: &[&str]) -> bool {
        match self.error.code.as_deref() {
            Some(c) => codes.contains(&c) || (c == "NotFound" && self.status == Some(404)),
            None => self.status == Some(404),
        }
    }

    /// Whether the endpoint does not know the operation at all (HTTP 404 without an AWS error
    /// code), as some AWS-compatible endpoints and emulators answer for calls they lack.
    pub fn is_unsupported_operation(&self) -> bool {
        self.status == Some(404) && self.error.code.is_none()
    }

    /// Whether AWS answered with `code`.
    pub fn is(&self, code: &str) -> bool {
        self.error.code.as_deref() == Some(code)
    }
}

impl From<CallError> for ProviderError {
    fn from(e: CallError) -> Self {
        e.error
    }
}

/// Converts the SDK's error of `call` into a [`CallError`].
pub fn sdk<E>(call: &str, err: SdkError<E, HttpResponse>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err.code().map(str::to_string);
    let message = match (err.message(), &code) {
        (Some(m), _) if !m.is_empty() => m.to_string(),
        (_, Some(c)) => match status {
            Some(s) => format!("{c} (HTTP {s})"),
            None => c.clone(),
        },
        // No code: an answer the SDK could not read, or no answer at all; the cause chain
        // says which, and the start of the answer shows what the endpoint said instead.
        (_, None) => match status {
            Some(s) => {
                let body = err
                    .raw_response()
                    .and_then(|r| r.body().bytes())
                    .map(body_start)
                    .unwrap_or_default();
                format!(
                    "HTTP {s}: {}; the endpoint answered in a format this call does not expect \
                     (an emulator or AWS-compatible store without this call?){body}",
                    chain(&err)
                )
            }
            None => chain(&err),
        },
    };
    CallError {
        error: ProviderError {
            call: call.to_string(),
            code,
            message,
        },
        status,
    }
}

/// How much of an unexpected answer a message shows.
const BODY_SHOWN: usize = 200;

/// `; the answer began: "..."` with the first characters of a response body, whitespace
/// collapsed; nothing for an empty body.
fn body_start(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return "; the answer was empty".into();
    }
    let mut shown: String = collapsed.chars().take(BODY_SHOWN).collect();
    if collapsed.chars().count() > BODY_SHOWN {
        shown.push('…');
    }
    format!("; the answer began: {shown:?}")
}

/// The messages of `err` and its causes, joined (Display only: never a debug dump of the
/// request or response).
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if !text.is_empty() && parts.last() != Some(&text) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// Maps an SDK result of `call` to a [`CallError`] result.
pub fn call<T, E>(call_name: &str, r: Result<T, SdkError<E, HttpResponse>>) -> Result<T, CallError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    r.map_err(|e| sdk(call_name, e))
}

/// An error the provider itself raises (no cloud code).
pub fn refuse(call: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::new(call, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpected_answers_show_how_they_began() {
        assert_eq!(
            body_start(b"<html>\n  <body>Not   S3</body>\n</html>"),
            "; the answer began: \"<html> <body>Not S3</body> </html>\""
        );
        assert_eq!(body_start(b" \n"), "; the answer was empty");
        let long = "x".repeat(300);
        assert!(body_start(long.as_bytes()).ends_with("…\""));
    }
}
