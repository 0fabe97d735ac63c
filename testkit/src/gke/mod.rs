//! A GKE API test server: the documented `container/v1` REST shapes over HTTP on 127.0.0.1,
//! for testing the real `google` provider at the HTTP boundary (no GKE emulator exists).
//!
//! It keeps clusters and node pools under `projects/*/locations/*` in memory and answers
//! create/get/list/update/delete of both, `clusters:setResourceLabels`,
//! `nodePools:setSize|setAutoscaling|setManagement` and `operations.get`. Every change returns
//! an operation that moves PENDING → RUNNING → DONE, one step per `operations.get`; a cluster
//! (or pool) is PROVISIONING until its create operation is done, then RUNNING. Errors use
//! Google's envelope `{"error": {"code", "message", "status"}}`: 404 for missing objects, 409
//! for duplicates, 400 for malformed requests, 401 without a bearer token.
//! [`GkeServer::fail_next_operation`] makes the next operation end in error (DONE with
//! `error`, the object in status ERROR), as a failed GKE operation does.
//!
//! [`GkeServer::start_with_kubernetes_api`] makes clusters report a Kubernetes API test server
//! (`crate::kube`) as their `endpoint`, with its test CA as `masterAuth.clusterCaCertificate`,
//! so that what is installed through a cluster's own attributes reaches that server.
//!
//! `POST /token` stands in for Google's OAuth2 token endpoint for service-account tests: it
//! takes a JWT-bearer grant and hands out an access token, recording the assertion.
//!
//! Left out: every other API method and field, IAM, quotas, real timing.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

mod pools;

use bytes::Bytes;
use hangar_google_client::container::{
    Cluster, ClusterList, CreateClusterRequest, MasterAuth, NodeConfig, NodePool, Operation,
    PrivateClusterConfig, RpcStatus, SetLabelsRequest, UpdateClusterRequest,
};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};

/// Google's error envelope.
#[derive(Serialize, Deserialize, Debug)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// The body of Google's error envelope.
#[derive(Serialize, Deserialize, Debug)]
pub struct ErrorBody {
    /// HTTP status.
    pub code: u16,
    /// Message.
    pub message: String,
    /// Canonical status (`NOT_FOUND`).
    pub status: String,
}

/// The OAuth2 token answer.
#[derive(Serialize, Deserialize, Debug)]
pub struct TokenAnswer {
    /// The token.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// `Bearer`.
    pub token_type: String,
}

/// What the server keeps for one cluster.
#[derive(Debug, Clone)]
struct ClusterRec {
    cluster: Cluster,
    pools: BTreeMap<String, NodePool>,
}

/// What an operation does when it finishes.
#[derive(Debug, Clone)]
enum Effect {
    ClusterUp(String),
    ClusterGone(String),
    PoolUp(String, String),
    PoolGone(String, String),
    ClusterSettled(String),
}

#[derive(Debug, Clone)]
struct OpRec {
    op: Operation,
    effect: Effect,
    fail: Option<RpcStatus>,
}

/// In-memory state (one project namespace per `project/location`).
#[derive(Debug, Default)]
struct State {
    clusters: BTreeMap<(String, String, String), ClusterRec>,
    ops: BTreeMap<String, (String, String, OpRec)>,
    next_op: u64,
    fail_next: Vec<(String, RpcStatus)>,
    requests: Vec<String>,
    assertions: Vec<String>,
    /// `HOST:PORT` of the Kubernetes API clusters report, if not the placeholder.
    kube_api: Option<String>,
}

/// A running GKE test server.
#[derive(Clone)]
pub struct GkeServer {
    /// `http://127.0.0.1:PORT/v1/`: what `container_custom_endpoint` takes.
    pub endpoint: String,
    /// `http://127.0.0.1:PORT/token`: a token endpoint for service-account keys.
    pub token_uri: String,
    state: Arc<Mutex<State>>,
}

type Reply = Response<Full<Bytes>>;

fn reply<T: Serialize>(status: StatusCode, body: &T) -> Reply {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut r = Response::new(Full::new(Bytes::from(bytes)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn error(status: StatusCode, canonical: &str, message: impl Into<String>) -> Reply {
    reply(
        status,
        &ErrorEnvelope {
            error: ErrorBody {
                code: status.as_u16(),
                message: message.into(),
                status: canonical.into(),
            },
        },
    )
}

fn not_found(what: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("Not found: {what}."),
    )
}

fn bad(message: impl Into<String>) -> Reply {
    error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
}

fn fingerprint(labels: &Option<BTreeMap<String, String>>) -> String {
    // FNV-1a over the sorted labels: stable, changes when they do.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels.iter().flatten() {
        for b in k.bytes().chain([b'=']).chain(v.bytes()).chain([b';']) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{:016x}", h)
}

fn node_defaults(c: Option<NodeConfig>) -> NodeConfig {
    let mut c = c.unwrap_or_default();
    c.machine_type.get_or_insert_with(|| "e2-medium".into());
    c.disk_size_gb.get_or_insert(100);
    c.disk_type.get_or_insert_with(|| "pd-balanced".into());
    c.image_type.get_or_insert_with(|| "COS_CONTAINERD".into());
    c.service_account.get_or_insert_with(|| "default".into());
    c.oauth_scopes
        .get_or_insert_with(|| vec!["https://www.googleapis.com/auth/cloud-platform".into()]);
    c
}

const DEFAULT_VERSION: &str = "1.30.5-gke.1014001";

impl GkeServer {
    /// Starts a server on a free 127.0.0.1 port, on its own thread and runtime, for the rest
    /// of the process; panics when it cannot bind.
    pub fn start() -> GkeServer {
        Self::start_state(State::default())
    }

    /// Like [`GkeServer::start`], with every cluster reporting the Kubernetes API test server
    /// at `kube` (`https://127.0.0.1:PORT`, serving the test CA) as its endpoint and CA.
    pub fn start_with_kubernetes_api(kube: &str) -> GkeServer {
        Self::start_state(State {
            kube_api: Some(kube.trim_start_matches("https://").to_string()),
            ..State::default()
        })
    }

    fn start_state(state: State) -> GkeServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("address");
        let state = Arc::new(Mutex::new(state));
        let server = GkeServer {
            endpoint: format!("http://{addr}/v1/"),
            token_uri: format!("http://{addr}/token"),
            state: state.clone(),
        };
        let s = server.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(s.serve(listener, addr));
        });
        server
    }

    async fn serve(self, listener: std::net::TcpListener, addr: SocketAddr) {
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        let _ = addr;
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let me = self.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| {
                    let me = me.clone();
                    async move { Ok::<_, Infallible>(me.handle(req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    }

    /// Makes the next operation on an object whose name contains `target` (a cluster or pool
    /// name) end in error with canonical `code` and `message`.
    pub fn fail_next_operation(&self, target: &str, code: i64, message: &str) {
        self.lock().fail_next.push((
            target.to_string(),
            RpcStatus {
                code,
                message: message.into(),
            },
        ));
    }

    /// Every request so far, as `METHOD /path`.
    pub fn requests(&self) -> Vec<String> {
        self.lock().requests.clone()
    }

    /// Every JWT assertion `POST /token` received.
    pub fn assertions(&self) -> Vec<String> {
        self.lock().assertions.clone()
    }

    /// Changes a cluster behind the provider's back (drift tests); false when it does not
    /// exist.
    pub fn edit_cluster(
        &self,
        project: &str,
        location: &str,
        name: &str,
        f: impl FnOnce(&mut Cluster),
    ) -> bool {
        let mut st = self.lock();
        match st
            .clusters
            .get_mut(&(project.into(), location.into(), name.into()))
        {
            Some(rec) => {
                f(&mut rec.cluster);
                rec.cluster.label_fingerprint = Some(fingerprint(&rec.cluster.resource_labels));
                true
            }
            None => false,
        }
    }

    /// Deletes a cluster behind the provider's back; false when it does not exist.
    pub fn remove_cluster(&self, project: &str, location: &str, name: &str) -> bool {
        self.lock()
            .clusters
            .remove(&(project.into(), location.into(), name.into()))
            .is_some()
    }

    /// Deletes a node pool behind the provider's back; false when it does not exist.
    pub fn remove_node_pool(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &str,
    ) -> bool {
        self.lock()
            .clusters
            .get_mut(&(project.into(), location.into(), cluster.into()))
            .and_then(|c| c.pools.remove(pool))
            .is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn handle(&self, req: Request<Incoming>) -> Reply {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let authorized = req
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer ") && v.len() > 7);
        let body = match req.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => return bad(format!("unreadable body: {e}")),
        };
        self.lock().requests.push(format!("{method} {path}"));
        if path == "/token" && method == Method::POST {
            return self.token(&body);
        }
        if !authorized {
            return error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "Request is missing required authentication credential.",
            );
        }
        let Some(rest) = path.strip_prefix("/v1/projects/") else {
            return not_found(&path);
        };
        let segs: Vec<&str> = rest.split('/').collect();
        match segs.as_slice() {
            [p, "locations", l, "operations", op] if method == Method::GET => self.get_op(p, l, op),
            [p, "locations", l, "clusters"] => match method {
                Method::GET => self.list_clusters(p, l),
                Method::POST => self.create_cluster(p, l, &body),
                _ => bad("unsupported method"),
            },
            [p, "locations", l, "clusters", c] => {
                let (c, verb) = c.split_once(':').unwrap_or((c, ""));
                match (method, verb) {
                    (Method::GET, "") => self.get_cluster(p, l, c),
                    (Method::PUT, "") => self.update_cluster(p, l, c, &body),
                    (Method::DELETE, "") => self.delete_cluster(p, l, c),
                    (Method::POST, "setResourceLabels") => self.set_labels(p, l, c, &body),
                    _ => bad(format!("unsupported: {verb}")),
                }
            }
            [p, "locations", l, "clusters", c, "nodePools"] => match method {
                Method::GET => self.list_pools(p, l, c),
                Method::POST => self.create_pool(p, l, c, &body),
                _ => bad("unsupported method"),
            },
            [p, "locations", l, "clusters", c, "nodePools", np] => {
                let (np, verb) = np.split_once(':').unwrap_or((np, ""));
                match (method, verb) {
                    (Method::GET, "") => self.get_pool(p, l, c, np),
                    (Method::DELETE, "") => self.delete_pool(p, l, c, np),
                    (m, v) => self.change_pool(p, l, c, np, &m, v, &body),
                }
            }
            _ => not_found(&path),
        }
    }

    fn token(&self, body: &[u8]) -> Reply {
        let form = String::from_utf8_lossy(body).to_string();
        let field = |k: &str| {
            form.split('&').find_map(|kv| {
                kv.split_once('=')
                    .filter(|(key, _)| *key == k)
                    .map(|(_, v)| percent_decode(v))
            })
        };
        let grant = field("grant_type").unwrap_or_default();
        if !grant.contains("jwt-bearer") {
            return reply(
                StatusCode::BAD_REQUEST,
                &serde_json::from_str::<serde_json::Value>(
                    r#"{"error":"unsupported_grant_type","error_description":"Invalid grant_type"}"#,
                )
                .unwrap_or_default(),
            );
        }
        let assertion = field("assertion").unwrap_or_default();
        if assertion.split('.').count() != 3 {
            return reply(
                StatusCode::BAD_REQUEST,
                &serde_json::from_str::<serde_json::Value>(
                    r#"{"error":"invalid_grant","error_description":"Invalid JWT"}"#,
                )
                .unwrap_or_default(),
            );
        }
        let mut st = self.lock();
        st.assertions.push(assertion);
        let n = st.assertions.len();
        reply(
            StatusCode::OK,
            &TokenAnswer {
                access_token: format!("ya29.test-{n}"),
                expires_in: 3600,
                token_type: "Bearer".into(),
            },
        )
    }

    fn new_op(
        &self,
        st: &mut State,
        p: &str,
        l: &str,
        kind: &str,
        target: String,
        effect: Effect,
    ) -> Operation {
        st.next_op += 1;
        let name = format!(
            "operation-{}-{:08x}",
            st.next_op,
            st.next_op * 2_654_435_761 % 0xffff_ffff
        );
        let op = Operation {
            name: name.clone(),
            operation_type: Some(kind.into()),
            status: "PENDING".into(),
            target_link: Some(format!("{}{target}", self.endpoint)),
            self_link: Some(format!(
                "{}projects/{p}/locations/{l}/operations/{name}",
                self.endpoint
            )),
            location: Some(l.into()),
            ..Operation::default()
        };
        let fail = st
            .fail_next
            .iter()
            .position(|(t, _)| target.contains(t.as_str()))
            .map(|i| st.fail_next.remove(i).1);
        st.ops.insert(
            name,
            (
                p.to_string(),
                l.to_string(),
                OpRec {
                    op: op.clone(),
                    effect,
                    fail,
                },
            ),
        );
        op
    }

    fn get_op(&self, p: &str, l: &str, name: &str) -> Reply {
        let mut st = self.lock();
        let Some((op_p, op_l, rec)) = st.ops.get(name).cloned() else {
            return not_found(&format!(
                "operation \"projects/{p}/locations/{l}/operations/{name}\""
            ));
        };
        if op_p != p || (op_l != l && l != "-") {
            return not_found(&format!(
                "operation \"projects/{p}/locations/{l}/operations/{name}\""
            ));
        }
        let mut rec = rec;
        match rec.op.status.as_str() {
            "PENDING" => rec.op.status = "RUNNING".into(),
            "RUNNING" => {
                rec.op.status = "DONE".into();
                rec.op.error = rec.fail.clone();
                finish(&mut st, p, l, &rec.effect, rec.fail.as_ref());
            }
            _ => {}
        }
        let op = rec.op.clone();
        st.ops.insert(name.to_string(), (op_p, op_l, rec));
        reply(StatusCode::OK, &op)
    }

    fn list_clusters(&self, p: &str, l: &str) -> Reply {
        let st = self.lock();
        let clusters = st
            .clusters
            .iter()
            .filter(|((cp, cl, _), _)| cp == p && (l == "-" || cl == l))
            .map(|(_, r)| with_pools(r))
            .collect();
        reply(StatusCode::OK, &ClusterList { clusters })
    }

    fn create_cluster(&self, p: &str, l: &str, body: &[u8]) -> Reply {
        let Ok(req) = serde_json::from_slice::<CreateClusterRequest>(body) else {
            return bad("Invalid JSON payload: expected {\"cluster\": {...}}");
        };
        let mut c = req.cluster;
        if c.name.is_empty() {
            return bad("Cluster.name must be set.");
        }
        let mut st = self.lock();
        let key = (p.to_string(), l.to_string(), c.name.clone());
        if st.clusters.contains_key(&key) {
            return error(
                StatusCode::CONFLICT,
                "ALREADY_EXISTS",
                format!(
                    "Already exists: projects/{p}/locations/{l}/clusters/{}.",
                    c.name
                ),
            );
        }
        let id = format!("projects/{p}/locations/{l}/clusters/{}", c.name);
        let n = st.clusters.len() as u8 + 10;
        c.location = Some(l.into());
        c.status = Some("PROVISIONING".into());
        c.endpoint = Some(
            st.kube_api
                .clone()
                .unwrap_or_else(|| format!("203.0.113.{n}")),
        );
        c.self_link = Some(format!("{}{id}", self.endpoint));
        c.current_master_version = Some(
            c.initial_cluster_version
                .clone()
                .unwrap_or_else(|| DEFAULT_VERSION.into()),
        );
        let ca = match &st.kube_api {
            Some(_) => crate::kube::TEST_CA_PEM.to_string(),
            None => {
                format!("-----BEGIN CERTIFICATE-----\ntest CA of {id}\n-----END CERTIFICATE-----\n")
            }
        };
        c.master_auth = Some(MasterAuth {
            cluster_ca_certificate: Some(base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                ca,
            )),
        });
        c.network.get_or_insert_with(|| "default".into());
        c.subnetwork.get_or_insert_with(|| "default".into());
        c.label_fingerprint = Some(fingerprint(&c.resource_labels));
        if let Some(pcc) = c.private_cluster_config.as_mut() {
            if pcc.enable_private_nodes == Some(true) {
                pcc.master_ipv4_cidr_block
                    .get_or_insert_with(|| "172.16.0.0/28".into());
                pcc.private_endpoint = Some("172.16.0.2".into());
            }
            pcc.public_endpoint = c.endpoint.clone();
        } else {
            c.private_cluster_config = Some(PrivateClusterConfig {
                public_endpoint: c.endpoint.clone(),
                ..PrivateClusterConfig::default()
            });
        }
        c.node_config = Some(node_defaults(c.node_config.take()));
        let mut pools = BTreeMap::new();
        let explicit = c.node_pools.take().unwrap_or_default();
        if explicit.is_empty() {
            let count = c.initial_node_count.unwrap_or(1);
            pools.insert(
                "default-pool".to_string(),
                self.pool(&id, "default-pool", c.node_config.clone(), count, &c),
            );
        } else {
            for np in explicit {
                let count = np.initial_node_count.unwrap_or(1);
                let made = self.pool(&id, &np.name, np.config.clone(), count, &c);
                pools.insert(np.name.clone(), made);
            }
        }
        let op = self.new_op(
            &mut st,
            p,
            l,
            "CREATE_CLUSTER",
            id,
            Effect::ClusterUp(c.name.clone()),
        );
        st.clusters.insert(key, ClusterRec { cluster: c, pools });
        reply(StatusCode::OK, &op)
    }

    fn get_cluster(&self, p: &str, l: &str, c: &str) -> Reply {
        let st = self.lock();
        match st.clusters.get(&(p.into(), l.into(), c.into())) {
            Some(r) => reply(StatusCode::OK, &with_pools(r)),
            None => not_found(&format!("projects/{p}/locations/{l}/clusters/{c}")),
        }
    }

    fn update_cluster(&self, p: &str, l: &str, c: &str, body: &[u8]) -> Reply {
        let Ok(req) = serde_json::from_slice::<UpdateClusterRequest>(body) else {
            return bad("Invalid JSON payload: expected {\"update\": {...}}");
        };
        let mut st = self.lock();
        let id = format!("projects/{p}/locations/{l}/clusters/{c}");
        let Some(rec) = st.clusters.get_mut(&(p.into(), l.into(), c.into())) else {
            return not_found(&id);
        };
        let Some(v) = req.update.desired_master_version else {
            return bad("Update must specify a change.");
        };
        rec.cluster.current_master_version = Some(v);
        rec.cluster.status = Some("RECONCILING".into());
        let op = self.new_op(
            &mut st,
            p,
            l,
            "UPGRADE_MASTER",
            id,
            Effect::ClusterSettled(c.into()),
        );
        reply(StatusCode::OK, &op)
    }

    fn set_labels(&self, p: &str, l: &str, c: &str, body: &[u8]) -> Reply {
        let Ok(req) = serde_json::from_slice::<SetLabelsRequest>(body) else {
            return bad("Invalid JSON payload for setResourceLabels");
        };
        let mut st = self.lock();
        let id = format!("projects/{p}/locations/{l}/clusters/{c}");
        let Some(rec) = st.clusters.get_mut(&(p.into(), l.into(), c.into())) else {
            return not_found(&id);
        };
        let current = rec.cluster.label_fingerprint.clone().unwrap_or_default();
        if req.label_fingerprint != current {
            return error(
                StatusCode::BAD_REQUEST,
                "FAILED_PRECONDITION",
                format!("Labels could not be set due to fingerprint mismatch; got \"{}\", want \"{current}\".", req.label_fingerprint),
            );
        }
        rec.cluster.resource_labels = Some(req.resource_labels);
        rec.cluster.label_fingerprint = Some(fingerprint(&rec.cluster.resource_labels));
        let op = self.new_op(
            &mut st,
            p,
            l,
            "SET_LABELS",
            id,
            Effect::ClusterSettled(c.into()),
        );
        reply(StatusCode::OK, &op)
    }

    fn delete_cluster(&self, p: &str, l: &str, c: &str) -> Reply {
        let mut st = self.lock();
        let id = format!("projects/{p}/locations/{l}/clusters/{c}");
        let Some(rec) = st.clusters.get_mut(&(p.into(), l.into(), c.into())) else {
            return not_found(&id);
        };
        rec.cluster.status = Some("STOPPING".into());
        let op = self.new_op(
            &mut st,
            p,
            l,
            "DELETE_CLUSTER",
            id,
            Effect::ClusterGone(c.into()),
        );
        reply(StatusCode::OK, &op)
    }
}

/// `application/x-www-form-urlencoded` value decoding (`%XX`, `+`).
fn percent_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match u8::from_str_radix(&v[i + 1..i + 3], 16) {
                Ok(x) => {
                    out.push(x);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A cluster as `clusters.get` answers: with its node pools.
fn with_pools(r: &ClusterRec) -> Cluster {
    let mut c = r.cluster.clone();
    c.node_pools = Some(r.pools.values().cloned().collect());
    c
}

/// Applies the end of an operation.
fn finish(st: &mut State, p: &str, l: &str, effect: &Effect, fail: Option<&RpcStatus>) {
    let key = |c: &str| (p.to_string(), l.to_string(), c.to_string());
    let status = if fail.is_some() { "ERROR" } else { "RUNNING" };
    match effect {
        Effect::ClusterUp(c) | Effect::ClusterSettled(c) => {
            if let Some(r) = st.clusters.get_mut(&key(c)) {
                r.cluster.status = Some(status.into());
                r.cluster.status_message = fail.map(|f| f.message.clone());
                for pool in r.pools.values_mut() {
                    if pool.status.as_deref() == Some("PROVISIONING") {
                        pool.status = Some(status.into());
                    }
                }
            }
        }
        Effect::ClusterGone(c) => {
            if fail.is_none() {
                st.clusters.remove(&key(c));
            } else if let Some(r) = st.clusters.get_mut(&key(c)) {
                r.cluster.status = Some("ERROR".into());
            }
        }
        Effect::PoolUp(c, np) => {
            if let Some(pool) = st
                .clusters
                .get_mut(&key(c))
                .and_then(|r| r.pools.get_mut(np))
            {
                pool.status = Some(status.into());
                pool.status_message = fail.map(|f| f.message.clone());
            }
        }
        Effect::PoolGone(c, np) => {
            if let Some(r) = st.clusters.get_mut(&key(c)) {
                if fail.is_none() {
                    r.pools.remove(np);
                } else if let Some(pool) = r.pools.get_mut(np) {
                    pool.status = Some("ERROR".into());
                }
            }
        }
    }
}
