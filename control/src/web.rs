//! The one pane of glass: a single page served at `/` that lists every workspace the viewer's
//! token may see — geography, region, agent health, last apply, drift status — and the job
//! list, refreshed from `GET /api/v1/overview` every two seconds without reloading.
//!
//! Plain HTML, CSS and JavaScript compiled into the binary (no build step). The page is public;
//! the data is not: the page asks for a token (or reads it once from the URL fragment
//! `#token=...`, which never reaches the server) and keeps it in the tab's session storage.
//! Everything shown is inserted as text, never as HTML.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::api::App;

const INDEX: &str = include_str!("web/index.html");
const SCRIPT: &str = include_str!("web/app.js");
const STYLE: &str = include_str!("web/app.css");

fn asset(body: &'static str, kind: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
             img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    r
}

/// Adds the page's routes.
pub(crate) fn routes(router: Router<App>) -> Router<App> {
    router
        .route(
            "/",
            get(|| async { asset(INDEX, "text/html; charset=utf-8") }),
        )
        .route(
            "/app.js",
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/app.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
}
