//! Azure Resource Manager: resources by id, with pinned api-versions, and the documented
//! long-running operation protocol.
//!
//! A PUT, PATCH or DELETE that ARM accepts asynchronously (201 or 202) is followed to its end:
//! through the `Azure-AsyncOperation` header (an operation status resource whose `status` ends
//! `Succeeded`, `Failed` or `Canceled`), else through the `Location` header (202 while running,
//! 200 or 204 once done), else by reading the resource until its `provisioningState` is
//! terminal. Polls honour `Retry-After`. A PUT or PATCH then reads the resource back. Errors
//! carry ARM's `{"error": {"code", "message"}}`. Left out: retries of throttled or failed calls
//! (ARM's 429 is reported as is), `x-ms-client-request-id` correlation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::auth::TokenSource;
use crate::error::Error;
use crate::http::{request, without_query, Http, Reply};

/// ARM's error envelope: `{"error": {"code", "message"}}` (some answers put the two at the
/// top level).
#[derive(Debug, Deserialize)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: Option<ErrorBody>,
    /// Top-level code, in answers without the envelope.
    pub code: Option<String>,
    /// Top-level message, in answers without the envelope.
    pub message: Option<String>,
}

/// The inside of ARM's error envelope.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    /// Azure's error code.
    pub code: String,
    /// Azure's message.
    pub message: String,
}

/// An operation status resource (the `Azure-AsyncOperation` URL's answer).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OperationStatus {
    /// `InProgress`, `Succeeded`, `Failed`, `Canceled` (or a resource-specific state).
    pub status: String,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// A resource's `properties.provisioningState`, for polling.
#[derive(Deserialize)]
struct Provisioned {
    #[serde(default)]
    properties: Option<ProvisioningProperties>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProvisioningProperties {
    provisioning_state: Option<String>,
}

/// One page of a list answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    value: Vec<T>,
    next_link: Option<String>,
}

/// How long a long-running operation may take, and what to call it in messages.
#[derive(Debug, Clone)]
pub struct Wait {
    /// The operation, e.g. `creation of resource group rg`.
    pub what: String,
    /// Time budget.
    pub budget: Duration,
}

/// A client for one ARM endpoint.
#[derive(Debug, Clone)]
pub struct Arm {
    http: Http,
    endpoint: String,
    tokens: Arc<TokenSource>,
    scope: String,
    /// The shortest pause between polls (ARM's `Retry-After` may ask for longer).
    pub min_poll: Duration,
    /// The longest pause between polls when ARM gives no `Retry-After`.
    pub max_poll: Duration,
}

fn is_terminal(state: &str) -> bool {
    matches!(
        state.to_ascii_lowercase().as_str(),
        "succeeded" | "failed" | "canceled" | "cancelled"
    )
}

fn succeeded(state: &str) -> bool {
    state.eq_ignore_ascii_case("succeeded")
}

impl Arm {
    /// A client for `endpoint` (`https://management.azure.com`) with tokens for `scope`.
    pub fn new(http: Http, endpoint: &str, tokens: Arc<TokenSource>, scope: &str) -> Arm {
        Arm {
            http,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            tokens,
            scope: scope.to_string(),
            min_poll: Duration::from_millis(50),
            max_poll: Duration::from_secs(15),
        }
    }

    /// The endpoint, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn url(&self, id: &str, api: &str) -> String {
        let sep = if id.contains('?') { '&' } else { '?' };
        format!("{}{id}{sep}api-version={api}", self.endpoint)
    }

    /// One authorised call to an absolute `url`.
    async fn call(&self, method: Method, url: &str, body: Option<Bytes>) -> Result<Reply, Error> {
        let token = self.tokens.token(&self.scope).await?;
        let mut headers = vec![
            ("authorization", format!("Bearer {token}")),
            ("accept", "application/json".to_string()),
            (
                "user-agent",
                concat!("hangar/", env!("CARGO_PKG_VERSION")).to_string(),
            ),
        ];
        if body.is_some() {
            headers.push(("content-type", "application/json".to_string()));
        }
        let req = request(method, url, &headers, body.unwrap_or_default())?;
        self.http.send(req).await
    }

    /// Reads resource `id`; `None` when ARM answers 404.
    pub async fn get<T: DeserializeOwned>(&self, id: &str, api: &str) -> Result<Option<T>, Error> {
        let url = self.url(id, api);
        let reply = self.call(Method::GET, &url, None).await?;
        if reply.status == 404 {
            return Ok(None);
        }
        check(&reply)?;
        decode(&reply, &url).map(Some)
    }

    /// Creates or replaces resource `id` with `body` and waits for ARM to finish, then reads it
    /// back. Fails with ARM's error, [`Error::OperationFailed`] or [`Error::Timeout`].
    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        id: &str,
        api: &str,
        body: &B,
        wait: &Wait,
    ) -> Result<T, Error> {
        self.write(Method::PUT, id, api, body, wait).await
    }

    /// Updates resource `id` with `body` (a PATCH) and waits, then reads it back.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        id: &str,
        api: &str,
        body: &B,
        wait: &Wait,
    ) -> Result<T, Error> {
        self.write(Method::PATCH, id, api, body, wait).await
    }

    async fn write<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        id: &str,
        api: &str,
        body: &B,
        wait: &Wait,
    ) -> Result<T, Error> {
        let url = self.url(id, api);
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::Invalid(format!("cannot encode the body for {id}: {e}")))?;
        let start = Instant::now();
        let reply = self.call(method, &url, Some(Bytes::from(bytes))).await?;
        check(&reply)?;
        self.follow(&reply, id, api, wait, start).await?;
        let final_reply = self.call(Method::GET, &url, None).await?;
        check(&final_reply)?;
        decode(&final_reply, &url)
    }

    /// Deletes resource `id` and waits until ARM has; succeeds when it is already gone.
    pub async fn delete(&self, id: &str, api: &str, wait: &Wait) -> Result<(), Error> {
        let url = self.url(id, api);
        let start = Instant::now();
        let reply = self.call(Method::DELETE, &url, None).await?;
        if reply.status == 404 {
            return Ok(());
        }
        check(&reply)?;
        if reply.status == 200 || reply.status == 204 {
            return Ok(());
        }
        self.follow(&reply, id, api, wait, start).await
    }

    /// A POST action on `path` (`.../listKeys`) answered at once.
    pub async fn post<T: DeserializeOwned>(&self, path: &str, api: &str) -> Result<T, Error> {
        let url = self.url(path, api);
        let reply = self.call(Method::POST, &url, Some(Bytes::new())).await?;
        check(&reply)?;
        decode(&reply, &url)
    }

    /// Every item of the collection at `path`, following `nextLink`.
    pub async fn list<T: DeserializeOwned>(&self, path: &str, api: &str) -> Result<Vec<T>, Error> {
        let mut url = self.url(path, api);
        let mut out = Vec::new();
        loop {
            let reply = self.call(Method::GET, &url, None).await?;
            check(&reply)?;
            let page: Page<T> = decode(&reply, &url)?;
            out.extend(page.value);
            match page.next_link {
                Some(next) if !next.is_empty() => url = next,
                _ => return Ok(out),
            }
        }
    }

    /// Follows the long-running operation `first` started, until it ends or `wait` runs out.
    async fn follow(
        &self,
        first: &Reply,
        id: &str,
        api: &str,
        wait: &Wait,
        start: Instant,
    ) -> Result<(), Error> {
        let async_op = first.header("azure-asyncoperation").map(str::to_string);
        let location = first.header("location").map(str::to_string);
        let mut pause = pause_of(first, self.min_poll, Duration::from_secs(1));
        let mut backoff = Duration::from_secs(1);
        let mut state = String::from("Accepted");
        if async_op.is_none() && location.is_none() {
            // Synchronous answer, or a resource whose provisioningState tells.
            match provisioning_state(first) {
                None => return Ok(()),
                Some(s) if is_terminal(&s) => return finish(&s, wait, None),
                Some(s) => state = s,
            }
        }
        loop {
            if start.elapsed() >= wait.budget {
                return Err(Error::Timeout {
                    what: wait.what.clone(),
                    state,
                    budget: wait.budget,
                });
            }
            tokio::time::sleep(pause.min(wait.budget.saturating_sub(start.elapsed()))).await;
            let reply = if let Some(u) = &async_op {
                let r = self.call(Method::GET, u, None).await?;
                check(&r)?;
                let s: OperationStatus = decode(&r, u)?;
                if is_terminal(&s.status) {
                    return finish(&s.status, wait, s.error);
                }
                state = s.status;
                r
            } else if let Some(u) = &location {
                let r = self.call(Method::GET, u, None).await?;
                check(&r)?;
                if r.status != 202 {
                    return Ok(());
                }
                state = "InProgress".into();
                r
            } else {
                let url = self.url(id, api);
                let r = self.call(Method::GET, &url, None).await?;
                if r.status == 404 {
                    return Ok(());
                }
                check(&r)?;
                match provisioning_state(&r) {
                    None => return Ok(()),
                    Some(s) if is_terminal(&s) => return finish(&s, wait, None),
                    Some(s) => state = s,
                }
                r
            };
            pause = match reply.header("retry-after") {
                Some(_) => pause_of(&reply, self.min_poll, backoff),
                None => {
                    backoff = (backoff * 2).min(self.max_poll);
                    backoff
                }
            };
        }
    }
}

/// The pause `reply`'s `Retry-After` asks for (at least `min`), else `default`.
fn pause_of(reply: &Reply, min: Duration, default: Duration) -> Duration {
    match reply
        .header("retry-after")
        .and_then(|s| s.trim().parse::<u64>().ok())
    {
        Some(s) => Duration::from_secs(s.min(60)).max(min),
        None => default.max(min),
    }
}

fn provisioning_state(reply: &Reply) -> Option<String> {
    serde_json::from_slice::<Provisioned>(&reply.body)
        .ok()?
        .properties?
        .provisioning_state
}

/// The end of an operation in `state`.
fn finish(state: &str, wait: &Wait, error: Option<ErrorBody>) -> Result<(), Error> {
    if succeeded(state) {
        return Ok(());
    }
    let (code, message) = match error {
        Some(e) => (Some(e.code), e.message),
        None => (None, format!("ARM reports provisioningState {state}")),
    };
    Err(Error::OperationFailed {
        what: wait.what.clone(),
        state: state.to_string(),
        code,
        message,
    })
}

/// Fails with ARM's error when `reply` is not a success.
pub fn check(reply: &Reply) -> Result<(), Error> {
    if reply.ok() {
        return Ok(());
    }
    let (code, message) = match serde_json::from_slice::<ErrorEnvelope>(&reply.body) {
        Ok(ErrorEnvelope { error: Some(e), .. }) => (Some(e.code), e.message),
        Ok(ErrorEnvelope {
            code: Some(c),
            message,
            ..
        }) => (Some(c), message.unwrap_or_default()),
        _ => (
            None,
            String::from_utf8_lossy(&reply.body)
                .chars()
                .take(300)
                .collect::<String>(),
        ),
    };
    Err(Error::Service {
        status: reply.status,
        code,
        message,
    })
}

fn decode<T: DeserializeOwned>(reply: &Reply, url: &str) -> Result<T, Error> {
    serde_json::from_slice(&reply.body).map_err(|e| Error::Decode {
        url: without_query(url),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn errors_carry_arms_code_and_message() {
        let e = check(&reply(
            404,
            r#"{"error":{"code":"ResourceGroupNotFound","message":"Resource group 'x' could not be found."}}"#,
        ))
        .expect_err("an error");
        assert_eq!(e.code(), Some("ResourceGroupNotFound"));
        assert!(e.is_not_found());
        assert!(e.to_string().contains("could not be found"), "{e}");
        let e = check(&reply(
            400,
            r#"{"code":"InvalidParameter","message":"bad"}"#,
        ))
        .expect_err("an error");
        assert_eq!(e.code(), Some("InvalidParameter"));
        let e = check(&reply(502, "Bad Gateway")).expect_err("an error");
        assert_eq!(e.code(), None);
        assert!(e.to_string().contains("Bad Gateway"), "{e}");
        assert!(check(&reply(200, "{}")).is_ok());
    }

    #[test]
    fn provisioning_states_end_operations() {
        let w = Wait {
            what: "creation of x".into(),
            budget: Duration::from_secs(1),
        };
        assert!(finish("Succeeded", &w, None).is_ok());
        let e = finish(
            "Failed",
            &w,
            Some(ErrorBody {
                code: "QuotaExceeded".into(),
                message: "no cores".into(),
            }),
        )
        .expect_err("failed");
        assert_eq!(e.code(), Some("QuotaExceeded"));
        assert!(e.to_string().contains("creation of x ended Failed"), "{e}");
        assert_eq!(
            provisioning_state(&reply(
                201,
                r#"{"properties":{"provisioningState":"Creating"}}"#
            ))
            .as_deref(),
            Some("Creating")
        );
        assert!(!is_terminal("Creating") && is_terminal("Canceled"));
    }
}
