//! The HTTP API under `/api/v1/`: routing, authentication of each call, bounded body decoding,
//! JSON replies, and the audit record every call leaves.
//!
//! Contract: every call under `/api/v1/` (except the OpenAPI document) is authenticated with a
//! bearer token and leaves exactly one audit record — who, what, when, result — committed
//! before the reply is sent; a call that changes something writes its change and its audit
//! record in one transaction. Bodies are read up to [`hangar_wire::limits::MAX_BODY`] and go
//! through [`hangar_wire::decode`]: malformed or oversized → 400 before anything is stored.
//! The route table ([`routes`]) is the single source of both the router and the OpenAPI
//! document.
//!
//! Left out: the rules of each operation live in [`people`] and [`agent`].

pub(crate) mod agent;
pub(crate) mod people;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;
use hangar_wire::{AuditEntry, Message};
use serde::Serialize;

use crate::auth::{self, Principal};
use crate::error::ApiError;
use crate::openapi::{self, Op};
use crate::store::{now_ms, records, Conn, Store};

/// Settings every handler reads.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// How long a claim lasts without a heartbeat or progress report.
    pub lease: Duration,
    /// An agent whose last heartbeat is older than this is stale.
    pub stale_after: Duration,
    /// Heartbeat interval the control plane asks agents for.
    pub heartbeat_interval: Duration,
}

/// Shared state of the HTTP server.
#[derive(Clone)]
pub(crate) struct App {
    /// The store.
    pub store: Store,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Bumped whenever a job is queued, to wake long-polling claims.
    pub jobs_queued: Arc<tokio::sync::watch::Sender<u64>>,
}

impl App {
    /// Wakes claims waiting for a job.
    pub(crate) fn wake_claims(&self) {
        self.jobs_queued.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// Serialises a reply body.
pub(crate) fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut r = (status, bytes).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot encode the reply: {e}"),
        )
            .into_response(),
    }
}

/// A successful reply, with what the audit record should name.
pub(crate) struct Reply {
    status: StatusCode,
    response: Response,
    target: Option<String>,
    audited: bool,
}

impl Reply {
    /// A JSON reply.
    pub(crate) fn json<T: Message>(status: StatusCode, body: &T) -> Reply {
        Reply {
            status,
            response: json_response(status, body),
            target: None,
            audited: false,
        }
    }

    /// Names the object the call concerned (`job:12`).
    pub(crate) fn target(mut self, target: impl Into<String>) -> Reply {
        self.target = Some(target.into());
        self
    }

    /// Marks the reply as already audited (in the transaction that made the change).
    pub(crate) fn audited(mut self) -> Reply {
        self.audited = true;
        self
    }
}

/// One API call: the request line and token, before authentication.
#[derive(Clone)]
pub(crate) struct Call {
    /// Server state.
    pub app: App,
    request: String,
    authorization: Option<String>,
}

impl FromRequestParts<App> for Call {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Call, Self::Rejection> {
        let path = parts.uri.path();
        let path = if path.len() > 300 { &path[..300] } else { path };
        Ok(Call {
            app: app.clone(),
            request: format!("{} {path}", parts.method),
            authorization: parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        })
    }
}

/// What an audit record says about a call, apart from its result.
#[derive(Clone, Debug)]
pub(crate) struct Audit {
    actor: String,
    token_id: Option<i64>,
    action: &'static str,
    request: String,
    workspace: Option<String>,
}

impl Audit {
    /// The record for a result.
    pub(crate) fn entry(
        &self,
        status: StatusCode,
        target: Option<String>,
        detail: Option<String>,
    ) -> AuditEntry {
        AuditEntry {
            id: 0,
            at: now_ms(),
            actor: self.actor.clone(),
            token_id: self.token_id,
            action: self.action.to_string(),
            request: self.request.clone(),
            workspace: self.workspace.clone(),
            target,
            status: status.as_u16(),
            detail,
        }
    }
}

/// Runs `f` in a savepoint, then appends the call's audit record with `f`'s result, in the
/// same transaction: the change and its record commit together or not at all.
pub(crate) fn audited<T>(
    c: &mut dyn Conn,
    audit: &Audit,
    ok_status: StatusCode,
    target: impl Fn(&T) -> Option<String>,
    f: impl FnOnce(&mut dyn Conn) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    c.batch("SAVEPOINT action")?;
    let r = f(c);
    let entry = match &r {
        Ok(v) => {
            c.batch("RELEASE SAVEPOINT action")?;
            audit.entry(ok_status, target(v), None)
        }
        Err(e) => {
            c.batch("ROLLBACK TO SAVEPOINT action")?;
            c.batch("RELEASE SAVEPOINT action")?;
            audit.entry(e.status, None, Some(e.detail()))
        }
    };
    records::append_audit(c, &entry)?;
    r.map_err(|mut e| {
        e.audited = true;
        e
    })
}

impl Call {
    /// Authenticates the caller, runs `f`, and records the call in the audit log before
    /// replying (unless `f` already recorded it in its own transaction).
    pub(crate) async fn run<F, Fut>(
        self,
        action: &'static str,
        workspace: Option<&str>,
        f: F,
    ) -> Response
    where
        F: FnOnce(Call, Principal, Audit) -> Fut,
        Fut: std::future::Future<Output = Result<Reply, ApiError>>,
    {
        let mut audit = Audit {
            actor: "anonymous".into(),
            token_id: None,
            action,
            request: self.request.clone(),
            workspace: workspace.map(str::to_string),
        };
        let header = self.authorization.clone();
        let who = self
            .app
            .store
            .read(move |c| auth::authenticate(c, header.as_deref()))
            .await;
        let result = match who {
            Ok(p) => {
                audit.actor = p.actor();
                audit.token_id = Some(p.token_id);
                f(self.clone(), p, audit.clone()).await
            }
            Err(e) => Err(e),
        };
        let (entry, response) = match result {
            Ok(reply) if reply.audited => return reply.response,
            Ok(reply) => (
                audit.entry(reply.status, reply.target, None),
                reply.response,
            ),
            Err(e) if e.audited => return e.into_response(),
            Err(e) => (
                audit.entry(e.status, None, Some(e.detail())),
                e.into_response(),
            ),
        };
        match self
            .app
            .store
            .write(move |c| records::append_audit(c, &entry).map_err(ApiError::from))
            .await
        {
            Ok(()) => response,
            Err(e) => ApiError::internal(format!(
                "cannot record the call in the audit log: {}",
                e.message
            ))
            .into_response(),
        }
    }
}

/// Reads a request body of at most [`hangar_wire::limits::MAX_BODY`] bytes and decodes it;
/// 400 when it is larger, malformed, or breaks a bound.
pub(crate) async fn decode_body<T: Message>(body: Body) -> Result<T, ApiError> {
    let limit = hangar_wire::limits::MAX_BODY;
    let bytes = axum::body::to_bytes(body, limit + 1).await.map_err(|_| {
        let mut e =
            ApiError::bad_request(format!("request body is over the limit of {limit} bytes"));
        e.audit_detail = Some(format!("body over the limit of {limit} bytes; not stored"));
        e
    })?;
    hangar_wire::decode(&bytes).map_err(ApiError::from)
}

/// Every route: its documentation and its handler. The router and the OpenAPI document are
/// both built from this list, so neither can list what the other lacks.
pub(crate) fn routes() -> Vec<(Op, MethodRouter<App>)> {
    let mut r = people::routes();
    r.extend(agent::routes());
    r.push((openapi::OPENAPI_OP, axum::routing::get(openapi_document)));
    r
}

async fn openapi_document() -> Response {
    json_response(StatusCode::OK, &openapi::document())
}

async fn no_route(State(_): State<App>) -> Response {
    let body = hangar_wire::ErrorBody {
        status: 404,
        error: "no_route".into(),
        message: "no such API operation (see /api/v1/openapi.json)".into(),
    };
    json_response(StatusCode::NOT_FOUND, &body)
}

/// The whole HTTP application: the API, the web page, a JSON 404 for everything else.
pub(crate) fn router(app: App) -> Router {
    let mut router = Router::new();
    for (op, handler) in routes() {
        router = router.route(op.path, handler);
    }
    crate::web::routes(router)
        .fallback(no_route)
        .with_state(app)
}
