//! Authorised JSON calls: a bearer token from the [`TokenSource`], Google's error envelope
//! turned into [`GoogleError`], typed bodies both ways.

use std::sync::Arc;

use http::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth::TokenSource;
use crate::error::{from_answer, GoogleError};
use crate::http::{Answer, Http};

/// An HTTP client with credentials (cheap to clone).
#[derive(Clone, Debug)]
pub struct Session {
    /// The HTTP client.
    pub http: Http,
    /// Where tokens come from.
    pub tokens: Arc<TokenSource>,
}

impl Session {
    /// A session over `http` with `tokens`.
    pub fn new(http: Http, tokens: Arc<TokenSource>) -> Session {
        Session { http, tokens }
    }

    /// Sends an authorised request; any 2xx answer is returned, anything else fails with
    /// Google's error.
    pub async fn send(
        &self,
        call: &str,
        method: Method,
        url: &str,
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<Answer, GoogleError> {
        let token = self.tokens.token().await?;
        let auth = [("authorization", format!("Bearer {token}"))];
        let a = self.http.send(call, method, url, &auth, body).await?;
        if (200..300).contains(&a.status) {
            Ok(a)
        } else {
            Err(from_answer(call, a.status, &a.body))
        }
    }

    /// Sends `body` (if any) as JSON and reads a JSON answer of type `T`.
    pub async fn json<T: DeserializeOwned, B: Serialize>(
        &self,
        call: &str,
        method: Method,
        url: &str,
        body: Option<&B>,
    ) -> Result<T, GoogleError> {
        let body = match body {
            Some(b) => Some((
                serde_json::to_vec(b).map_err(|e| GoogleError::Decode {
                    call: call.into(),
                    message: format!("encoding the request: {e}"),
                })?,
                "application/json",
            )),
            None => None,
        };
        let a = self.send(call, method, url, body).await?;
        let text: &[u8] = if a.body.is_empty() { b"{}" } else { &a.body };
        serde_json::from_slice(text).map_err(|e| GoogleError::Decode {
            call: call.into(),
            message: e.to_string(),
        })
    }

    /// GETs a JSON object; `Ok(None)` when Google answers 404.
    pub async fn get<T: DeserializeOwned>(
        &self,
        call: &str,
        url: &str,
    ) -> Result<Option<T>, GoogleError> {
        match self.json::<T, ()>(call, Method::GET, url, None).await {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// `s` escaped for one URL path segment or query value.
pub fn esc(s: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(s, KEEP).to_string()
}

/// `base` with exactly one trailing slash.
pub fn base_url(base: &str) -> String {
    format!("{}/", base.trim_end_matches('/'))
}
