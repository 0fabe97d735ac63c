//! A Kubernetes API test server: the documented REST API for the kinds Hangar uses, on
//! 127.0.0.1 over HTTP or HTTPS (a test CA), for testing Hangar's Kubernetes calls at the HTTP
//! boundary — no API server can be installed on the CI machines.
//!
//! What it follows:
//! - paths `/api/v1/...` and `/apis/GROUP/VERSION/...`, namespaced and cluster-scoped, for
//!   namespaces, serviceaccounts (and their `token` subresource, the TokenRequest API),
//!   secrets, pods, nodes, roles, rolebindings, clusterroles, clusterrolebindings, deployments,
//!   jobs, and `metrics.k8s.io/v1beta1` nodes; `GET /version`;
//! - verbs: get, list (`labelSelector` with `k=v`), create (`POST`, 409 `AlreadyExists`),
//!   update (`PUT`, 409 `Conflict` on a stale `resourceVersion`), server-side apply (`PATCH`
//!   with `application/apply-patch+yaml`, `fieldManager` required, `force`; see [`store`]) and
//!   delete (404 `NotFound`; a namespace takes its objects with it, an owner its pods unless
//!   `propagationPolicy: Orphan`);
//! - `resourceVersion` (one counter, bumped on every change), `uid`, `generation`;
//! - every error as a `Status` object with `reason` and `code`;
//! - bearer-token authentication (401) and RBAC authorization of service-account tokens
//!   ([`rbac`], 403 with the server's message); the admin token may do everything;
//! - validation of what Hangar writes (422 `Invalid`): object names, a Deployment's selector
//!   matching its template, a Job's restart policy, containers with images, a binding's
//!   immutable `roleRef`;
//! - controllers ([`sim`]): nodes, Deployments' and Jobs' pods with phases over time, node
//!   metrics.
//!
//! Left out: watches, YAML bodies (JSON only — JSON is YAML, and Hangar sends JSON), strategic
//! merge and JSON patches, list merge keys in server-side apply (lists are atomic), pagination,
//! finalizers (deletes take effect at once), admission webhooks.

mod api;
mod cluster;
mod rbac;
mod sim;
pub mod store;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use api::*;
use rbac::{Attributes, User};
use store::{meta_mut, ApplyError, Key, Store};

/// How to run the server.
#[derive(Clone, Debug)]
pub struct KubeOptions {
    /// Serve HTTPS with the test CA (`testkit/fixtures/kube-tls`) instead of plain HTTP.
    pub tls: bool,
    /// Nodes in the simulated cluster.
    pub nodes: u32,
    /// How long a Job's pod takes to finish.
    pub job_duration: Duration,
    /// The admin token (a fixed one for demos); a random-looking default otherwise.
    pub admin_token: Option<String>,
}

impl Default for KubeOptions {
    fn default() -> Self {
        KubeOptions {
            tls: false,
            nodes: 3,
            job_duration: Duration::from_millis(600),
            admin_token: None,
        }
    }
}

/// One request the server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logged {
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Status answered.
    pub status: u16,
    /// Who called (`kubernetes-admin`, `system:serviceaccount:NS:NAME`, `anonymous`).
    pub user: String,
}

struct Cluster {
    store: Store,
    tokens: BTreeMap<String, (String, String)>,
    admin_token: String,
    requests: Vec<Logged>,
    started: Instant,
    job_ms: u64,
    token_seq: u64,
}

/// A running Kubernetes test server (clones share it).
#[derive(Clone)]
pub struct KubeServer {
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The admin bearer token.
    pub admin_token: String,
    /// The CA certificate (PEM) clients must trust, when serving HTTPS.
    pub ca_pem: Option<String>,
    state: Arc<Mutex<Cluster>>,
}

/// The test CA's certificate (PEM).
pub const TEST_CA_PEM: &str = include_str!("../../fixtures/kube-tls/ca.pem");
const SERVER_CERT_PEM: &str = include_str!("../../fixtures/kube-tls/server.pem");
const SERVER_KEY_PEM: &str = include_str!("../../fixtures/kube-tls/server-key.pem");

/// The server's `GET /version`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionInfo {
    major: &'static str,
    minor: &'static str,
    git_version: &'static str,
    platform: &'static str,
}

/// A `Status` object.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    kind: &'static str,
    api_version: &'static str,
    metadata: Map<String, Value>,
    status: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    message: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'static str,
    code: u16,
}

/// A list answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct List {
    kind: String,
    api_version: &'static str,
    metadata: ListMeta,
    items: Vec<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListMeta {
    resource_version: String,
}

/// The TokenRequest answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    api_version: &'static str,
    kind: &'static str,
    status: TokenRequestStatus,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequestStatus {
    token: String,
    expiration_timestamp: String,
}

type Answer = (u16, Value);

fn to_value<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

fn failure(code: u16, reason: &'static str, message: impl Into<String>) -> Answer {
    (
        code,
        to_value(&Status {
            kind: "Status",
            api_version: "v1",
            metadata: Map::new(),
            status: "Failure",
            message: message.into(),
            reason,
            code,
        }),
    )
}

fn success() -> Answer {
    (
        200,
        to_value(&Status {
            kind: "Status",
            api_version: "v1",
            metadata: Map::new(),
            status: "Success",
            message: String::new(),
            reason: "",
            code: 200,
        }),
    )
}

impl KubeServer {
    /// Starts a server on a free 127.0.0.1 port, on its own thread and runtime, for the rest of
    /// the process; panics when it cannot bind.
    pub fn start(opts: KubeOptions) -> KubeServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("address");
        let admin_token = opts
            .admin_token
            .clone()
            .unwrap_or_else(|| format!("kube-admin-{}-{}", std::process::id(), addr.port()));
        let mut store = Store::default();
        let stamp = rfc3339(SystemTime::now());
        sim::seed_nodes(&mut store, opts.nodes, &stamp);
        let mut defaults = Map::new();
        for ns in ["default", "kube-system"] {
            defaults.insert("apiVersion".into(), "v1".into());
            defaults.insert("kind".into(), "Namespace".into());
            let mut meta = Map::new();
            meta.insert("name".into(), ns.into());
            defaults.insert("metadata".into(), Value::Object(meta));
            store.create(
                ("v1".into(), "namespaces".into(), String::new(), ns.into()),
                Value::Object(defaults.clone()),
                sim::CONTROLLER,
                0,
                &stamp,
            );
        }
        let state = Arc::new(Mutex::new(Cluster {
            store,
            tokens: BTreeMap::new(),
            admin_token: admin_token.clone(),
            requests: Vec::new(),
            started: Instant::now(),
            job_ms: opts.job_duration.as_millis() as u64,
            token_seq: 0,
        }));
        let scheme = if opts.tls { "https" } else { "http" };
        let server = KubeServer {
            endpoint: format!("{scheme}://{addr}"),
            admin_token,
            ca_pem: opts.tls.then(|| TEST_CA_PEM.to_string()),
            state: state.clone(),
        };
        let tls = opts.tls.then(tls_acceptor);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(serve(listener, state, tls));
        });
        server
    }

    fn lock(&self) -> MutexGuard<'_, Cluster> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A token for service account `ns/name` (as the TokenRequest API issues one), valid while
    /// the service account exists.
    pub fn service_account_token(&self, ns: &str, name: &str) -> String {
        self.lock().issue_token(ns, name)
    }

    /// The object as the server would answer a get (`api_version` `apps/v1`, `plural`
    /// `deployments`, `ns` empty for cluster-scoped kinds).
    pub fn object(&self, api_version: &str, plural: &str, ns: &str, name: &str) -> Option<Value> {
        let mut c = self.lock();
        let now = c.now_ms();
        let job_ms = c.job_ms;
        sim::reconcile(&mut c.store, now, job_ms, &rfc3339(SystemTime::now()));
        c.store
            .shown(&(api_version.into(), plural.into(), ns.into(), name.into()))
    }

    /// Every object of a kind (all namespaces).
    pub fn objects(&self, api_version: &str, plural: &str) -> Vec<Value> {
        let c = self.lock();
        c.store
            .objects
            .iter()
            .filter(|(k, _)| k.0 == api_version && k.1 == plural)
            .filter_map(|(k, _)| c.store.shown(k))
            .collect()
    }

    /// Changes an object out of band, as `kubectl edit` (manager `kubectl-edit`) would: the
    /// fields `f` changes move to that manager. False when the object does not exist.
    pub fn edit(
        &self,
        api_version: &str,
        plural: &str,
        ns: &str,
        name: &str,
        f: impl FnOnce(&mut Value),
    ) -> bool {
        let mut c = self.lock();
        let key: Key = (api_version.into(), plural.into(), ns.into(), name.into());
        let Some(mut obj) = c.store.objects.get(&key).map(|s| s.obj.clone()) else {
            return false;
        };
        f(&mut obj);
        c.store.update(&key, obj, "kubectl-edit").is_ok()
    }

    /// Deletes an object out of band (as `kubectl delete` would). False when it did not exist.
    pub fn remove(&self, api_version: &str, plural: &str, ns: &str, name: &str) -> bool {
        let mut c = self.lock();
        let key: Key = (api_version.into(), plural.into(), ns.into(), name.into());
        let existed = c.store.objects.contains_key(&key);
        if existed {
            c.delete(&key, false);
        }
        existed
    }

    /// Every request answered so far.
    pub fn requests(&self) -> Vec<Logged> {
        self.lock().requests.clone()
    }
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls;
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(SERVER_CERT_PEM.as_bytes())
            .collect::<Result<_, _>>()
            .expect("test server certificate");
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY_PEM.as_bytes()).expect("test server key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server certificate and key");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

async fn serve(
    listener: std::net::TcpListener,
    state: Arc<Mutex<Cluster>>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(state.clone(), req));
            let builder = hyper::server::conn::http1::Builder::new();
            match tls {
                Some(acceptor) => {
                    if let Ok(s) = acceptor.accept(stream).await {
                        let _ = builder
                            .serve_connection(hyper_util::rt::TokioIo::new(s), svc)
                            .await;
                    }
                }
                None => {
                    let _ = builder
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                }
            }
        });
    }
}

async fn handle(
    state: Arc<Mutex<Cluster>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let header = |name: hyper::header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let auth = header(hyper::header::AUTHORIZATION);
    let content_type = header(hyper::header::CONTENT_TYPE).unwrap_or_default();
    let body = match Limited::new(req.into_body(), 3 * 1024 * 1024)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let (status, body) = failure(413, "RequestEntityTooLarge", "request entity too large");
            return Ok(respond(status, &body));
        }
    };
    let ((status, value), user) = {
        let mut c = state.lock().unwrap_or_else(|e| e.into_inner());
        let r = c.handle(
            &method,
            &path,
            &query,
            auth.as_deref(),
            &content_type,
            &body,
        );
        let full = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{query}")
        };
        c.requests.push(Logged {
            method: method.to_string(),
            path: full,
            status: r.0 .0,
            user: r.1.clone(),
        });
        r
    };
    let _ = user;
    Ok(respond(status, &value))
}

fn respond(status: u16, body: &Value) -> Response<Full<Bytes>> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut r = Response::new(Full::new(Bytes::from(bytes)));
    *r.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}
