//! An Azure Resource Manager test server (and the Entra ID token endpoint in front of it),
//! following ARM's documented shapes, for code that has no emulator to talk to.
//!
//! It serves, on 127.0.0.1:
//! - `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant; only the configured
//!   tenant, client id and secret get a token (else Entra ID's `invalid_client` answer), and
//!   every other request needs one of the tokens it handed out (else 401
//!   `AuthenticationFailed`).
//! - Resource groups (`2021-04-01`), AKS managed clusters and agent pools (`2024-05-01`),
//!   storage accounts with `listKeys`, blob service properties and blob containers
//!   (`2023-05-01`): other api-versions are refused with `InvalidApiVersionParameter`, as ARM
//!   does for versions a resource provider lacks.
//! - Long-running operations as ARM documents them: a cluster or agent pool PUT answers 201/200
//!   with `provisioningState` `Creating`/`Updating` and an `Azure-AsyncOperation` status URL
//!   whose `status` turns `Succeeded` (or `Failed` with an error, for a pool whose node count
//!   exceeds the test quota of 100) after [`ArmConfig::polls`] polls; a storage account PUT and
//!   every resource group or cluster DELETE answer 202 with a `Location` URL that answers 202
//!   until done; `Retry-After: 0` keeps tests fast. Deleting a resource group deletes what is in
//!   it. A read after delete is a 404 with ARM's error envelope.
//! - `GET /subscriptions/{s}/resources` and `/resourcegroups` with `$filter=tagName eq 'k' and
//!   tagValue eq 'v'`, as ARM's tag search.
//!
//! It is a model of ARM's protocol, not of Azure: it checks what ARM validates synchronously
//! (parents exist, names are valid and free, locations do not change) and computes the
//! read-only properties clients read (`fqdn`, `nodeResourceGroup`, blob endpoints,
//! `secondaryLocation` from the catalogue's region pairs). [`ArmServer::start_blocking`] runs
//! it on its own thread and runtime; `cargo run -p hangar-testkit --example arm-server` runs it
//! for the demo.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

mod operations;
mod path;
mod put;
mod wire;

use path::*;
use put::*;
use wire::*;

use base64::Engine;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{Map, Value};

/// Api-version of resource groups.
pub const API_RESOURCES: &str = "2021-04-01";
/// Api-version of managed clusters and agent pools.
pub const API_AKS: &str = "2024-05-01";
/// Api-version of storage accounts, blob services and containers.
pub const API_STORAGE: &str = "2023-05-01";
/// The node count above which an agent pool's creation fails (a quota).
pub const QUOTA_NODES: u64 = 100;

/// Who may get tokens, and how the server answers.
#[derive(Debug, Clone)]
pub struct ArmConfig {
    /// The one subscription.
    pub subscription_id: String,
    /// The tenant whose token endpoint is served.
    pub tenant_id: String,
    /// The service principal's client id.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// The blob endpoint storage accounts report (`http://127.0.0.1:PORT`, path-style as
    /// Azurite serves it); `None` for Azure's `https://{name}.blob.core.windows.net/`.
    pub blob_endpoint: Option<String>,
    /// The key `listKeys` returns for every account.
    pub account_key: String,
    /// How many polls a long-running operation stays in progress.
    pub polls: u32,
    /// The Kubernetes API test server (`https://127.0.0.1:PORT`, serving the test CA) that AKS
    /// clusters' credentials name, with that CA; `None` for `https://{fqdn}:443` and a
    /// placeholder CA.
    pub kube_api: Option<String>,
}

impl Default for ArmConfig {
    fn default() -> Self {
        ArmConfig {
            subscription_id: "00000000-0000-0000-0000-000000000001".into(),
            tenant_id: "00000000-0000-0000-0000-0000000000aa".into(),
            client_id: "00000000-0000-0000-0000-0000000000bb".into(),
            client_secret: "test-secret".into(),
            blob_endpoint: None,
            account_key: crate::azurite::DEV_KEY.into(),
            polls: 2,
            kube_api: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Create,
    Update,
    Delete,
}

#[derive(Debug)]
struct Op {
    kind: OpKind,
    /// Lower-cased id of the resource.
    key: String,
    polls_left: u32,
    failure: Option<ErrorBody>,
    done: bool,
}

#[derive(Default)]
struct State {
    /// Resources by lower-cased id.
    resources: BTreeMap<String, Value>,
    ops: HashMap<String, Op>,
    tokens: Vec<String>,
    next: u64,
}

struct Server {
    cfg: ArmConfig,
    endpoint: String,
    state: Mutex<State>,
}

/// A running ARM test server; stops when dropped.
pub struct ArmServer {
    /// `http://127.0.0.1:PORT` (also the Entra ID authority to use).
    pub endpoint: String,
    /// The configuration it serves.
    pub config: ArmConfig,
    server: Arc<Server>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ArmServer {
    /// Starts a server on a free 127.0.0.1 port, on a thread and runtime of its own.
    pub fn start_blocking(config: ArmConfig) -> ArmServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local address");
        let endpoint = format!("http://{addr}");
        let (tx, rx) = tokio::sync::oneshot::channel();
        let server = Arc::new(Server {
            cfg: config.clone(),
            endpoint: endpoint.clone(),
            state: Mutex::new(State::default()),
        });
        let kept = Arc::clone(&server);
        let thread = std::thread::Builder::new()
            .name("arm-test-server".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(serve(server, listener, rx));
            })
            .expect("spawn the ARM test server");
        ArmServer {
            endpoint,
            config,
            server: kept,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// The ids of every resource the server holds, for tests that check nothing was created.
    pub fn resource_ids(&self) -> Vec<String> {
        self.server
            .lock()
            .resources
            .values()
            .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    /// Puts resource `body` at `id` as if someone had created it outside the code under test
    /// (its provisioning done), for tests of adoption and drift.
    pub fn seed(&self, id: &str, mut body: Value) {
        {
            let m = obj(&mut body);
            m.insert("id".into(), Value::String(id.to_string()));
            m.insert("name".into(), Value::String(last_name(id)));
        }
        set_state(&mut body, "Succeeded");
        self.server
            .lock()
            .resources
            .insert(id.to_ascii_lowercase(), body);
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.endpoint
            .trim_start_matches("http://")
            .parse()
            .expect("an address")
    }
}

impl Drop for ArmServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(
    server: Arc<Server>,
    listener: std::net::TcpListener,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let server = Arc::clone(&server);
                tokio::spawn(async move {
                    let svc = service_fn(move |req| {
                        let server = Arc::clone(&server);
                        async move { Ok::<_, Infallible>(server.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        }
    }
}

type Reply = Response<Full<Bytes>>;

fn json<T: Serialize>(status: StatusCode, body: &T) -> Reply {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(Full::new(Bytes::from(bytes)))
        .unwrap_or_default()
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Reply {
    json(
        status,
        &ErrorEnvelope {
            error: ErrorBody {
                code: code.into(),
                message: message.into(),
            },
        },
    )
}

fn with_header(mut r: Reply, name: &'static str, value: &str) -> Reply {
    if let Ok(v) = http::HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
    r
}

fn empty(status: StatusCode) -> Reply {
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}

fn query(uri: &http::Uri) -> HashMap<String, String> {
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Server {
    async fn handle(&self, req: Request<Incoming>) -> Reply {
        let (parts, body) = req.into_parts();
        let body = match body.collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return error(StatusCode::BAD_REQUEST, "InvalidRequest", "unreadable body"),
        };
        let path = parts.uri.path().to_string();
        let q = query(&parts.uri);
        if parts.method == Method::POST && path.ends_with("/oauth2/v2.0/token") {
            return self.token(&path, &body);
        }
        let authorised = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| self.lock().tokens.iter().any(|x| x == t));
        if !authorised {
            return error(
                StatusCode::UNAUTHORIZED,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing or its bearer token \
                 is not valid.",
            );
        }
        if let Some(op) = path.strip_prefix("/hangar-test/operations/") {
            return self.poll(op, false);
        }
        if let Some(op) = path.strip_prefix("/hangar-test/operationresults/") {
            return self.poll(op, true);
        }
        let Some(target) = parse(&path, &self.cfg.subscription_id) else {
            return error(
                StatusCode::NOT_FOUND,
                "InvalidResourceType",
                format!("The resource path '{path}' is not served by this ARM test server."),
            );
        };
        let Some(api) = q.get("api-version") else {
            return error(
                StatusCode::BAD_REQUEST,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            );
        };
        let Some((_, want)) = KINDS
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&target.kind))
        else {
            return error(
                StatusCode::BAD_REQUEST,
                "NoRegisteredProviderFound",
                format!(
                    "No registered resource provider found for type '{}'.",
                    target.kind
                ),
            );
        };
        if api != want {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidApiVersionParameter",
                format!(
                    "The api-version '{api}' is invalid for type '{}'. The supported version is \
                     '{want}'.",
                    target.kind
                ),
            );
        }
        let parsed: Option<Value> = if body.is_empty() {
            None
        } else {
            match serde_json::from_slice(&body) {
                Ok(v) => Some(v),
                Err(e) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "InvalidRequestContent",
                        format!(
                            "The request content was invalid and could not be deserialized: {e}"
                        ),
                    )
                }
            }
        };
        match (&parts.method, &target) {
            (&Method::GET, t) if t.collection => self.list(t, &q),
            (&Method::POST, t) if t.action.is_some() => self.action(t),
            (&Method::GET, t) => self.get(t),
            (&Method::PUT, t) => self.put(t, parsed.unwrap_or(Value::Null)),
            (&Method::PATCH, t) => self.patch(t, parsed.unwrap_or(Value::Null)),
            (&Method::DELETE, t) => self.delete(t),
            _ => error(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                format!("{} is not allowed on {}", parts.method, target.id),
            ),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn token(&self, path: &str, body: &[u8]) -> Reply {
        let form: HashMap<String, String> = String::from_utf8_lossy(body)
            .split('&')
            .filter_map(|p| p.split_once('=').map(|(k, v)| (decode(k), decode(v))))
            .collect();
        let tenant = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let ok = tenant == self.cfg.tenant_id
            && form.get("grant_type").map(String::as_str) == Some("client_credentials")
            && form.get("client_id") == Some(&self.cfg.client_id)
            && form.get("client_secret") == Some(&self.cfg.client_secret)
            && form.get("scope").is_some_and(|s| s.ends_with("/.default"));
        if !ok {
            return json(
                StatusCode::UNAUTHORIZED,
                &TokenError {
                    error: "invalid_client",
                    error_description: format!(
                        "AADSTS7000215: Invalid client secret provided, or unknown client or \
                         tenant '{tenant}'."
                    ),
                    error_codes: vec![7_000_215],
                },
            );
        }
        let mut st = self.lock();
        st.next += 1;
        let token = format!("arm-test-token-{}", st.next);
        st.tokens.push(token.clone());
        json(
            StatusCode::OK,
            &TokenAnswer {
                token_type: "Bearer",
                expires_in: 3599,
                ext_expires_in: 3599,
                access_token: token,
            },
        )
    }

    fn not_found(&self, t: &Target) -> Reply {
        if kind_is(t, "resourceGroups") {
            return error(
                StatusCode::NOT_FOUND,
                "ResourceGroupNotFound",
                format!(
                    "Resource group '{}' could not be found.",
                    t.group.clone().unwrap_or_default()
                ),
            );
        }
        error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!(
                "The Resource '{}/{}' under resource group '{}' was not found.",
                t.kind,
                last_name(&t.id),
                t.group.clone().unwrap_or_default()
            ),
        )
    }

    /// The 404 for a missing parent of `t`, if one is missing.
    fn missing_parent(&self, st: &State, t: &Target) -> Option<Reply> {
        let group = t.group.as_ref()?;
        if kind_is(t, "resourceGroups") {
            return None;
        }
        let rg = format!(
            "/subscriptions/{}/resourcegroups/{}",
            self.cfg.subscription_id, group
        )
        .to_ascii_lowercase();
        if !st.resources.contains_key(&rg) {
            return Some(error(
                StatusCode::NOT_FOUND,
                "ResourceGroupNotFound",
                format!("Resource group '{group}' could not be found."),
            ));
        }
        let depth = t.kind.matches('/').count();
        if depth >= 2 {
            let parent = parent_id(&t.id);
            let exists = st.resources.contains_key(&parent.to_ascii_lowercase())
                || parent
                    .to_ascii_lowercase()
                    .ends_with("/blobservices/default")
                    && st
                        .resources
                        .contains_key(&parent_id(&parent).to_ascii_lowercase());
            if !exists {
                return Some(error(
                    StatusCode::NOT_FOUND,
                    "ParentResourceNotFound",
                    format!(
                        "Failed to perform the operation on '{}' because the parent resource \
                         '{parent}' was not found.",
                        t.id
                    ),
                ));
            }
        }
        None
    }

    fn get(&self, t: &Target) -> Reply {
        let st = self.lock();
        let key = t.id.to_ascii_lowercase();
        if let Some(r) = st.resources.get(&key) {
            let mut r = r.clone();
            if kind_is(t, "Microsoft.ContainerService/managedClusters") {
                r = with_pools(&st, &key, r);
            }
            return json(StatusCode::OK, &r);
        }
        if kind_is(t, "Microsoft.Storage/storageAccounts/blobServices") {
            if let Some(r) = self.missing_parent(&st, t) {
                return r;
            }
            return json(StatusCode::OK, &blob_service(&t.id, None));
        }
        if let Some(r) = self.missing_parent(&st, t) {
            return r;
        }
        self.not_found(t)
    }

    fn list(&self, t: &Target, q: &HashMap<String, String>) -> Reply {
        let st = self.lock();
        let filter = q.get("$filter").map(|f| tag_filter(f));
        let wanted_kind = t.kind.to_ascii_lowercase();
        let mut out = Vec::new();
        for (k, r) in &st.resources {
            let ty = r
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase();
            let keep = match wanted_kind.as_str() {
                "resourcegroups" => ty == "microsoft.resources/resourcegroups",
                "resources" => {
                    ty != "microsoft.resources/resourcegroups"
                        && k.matches("/providers/").count() == 1
                        && k.split("/providers/")
                            .nth(1)
                            .is_some_and(|p| p.matches('/').count() == 2)
                }
                _ if t.group.is_none() => ty == wanted_kind,
                _ => {
                    let prefix = format!("{}/", t.id.to_ascii_lowercase());
                    k.starts_with(&prefix) && !k[prefix.len()..].contains('/')
                }
            };
            if !keep {
                continue;
            }
            if let Some(Some((name, value))) = &filter {
                let tags = r.get("tags").and_then(Value::as_object);
                if tags.and_then(|m| m.get(name)).and_then(Value::as_str) != Some(value.as_str()) {
                    continue;
                }
            }
            out.push(r.clone());
        }
        json(StatusCode::OK, &Page { value: out })
    }

    fn action(&self, t: &Target) -> Reply {
        let st = self.lock();
        let key = t.id.to_ascii_lowercase();
        let Some(r) = st.resources.get(&key) else {
            return self.not_found(t);
        };
        match (t.kind.as_str(), t.action.as_deref()) {
            ("Microsoft.Storage/storageAccounts", Some("listKeys")) => json(
                StatusCode::OK,
                &Keys {
                    keys: ["key1", "key2"]
                        .iter()
                        .map(|n| Key {
                            key_name: n.to_string(),
                            value: self.cfg.account_key.clone(),
                            permissions: "FULL",
                        })
                        .collect(),
                },
            ),
            ("Microsoft.ContainerService/managedClusters", Some("listClusterUserCredential"))
            | ("Microsoft.ContainerService/managedClusters", Some("listClusterAdminCredential")) => {
                let fqdn = r
                    .pointer("/properties/fqdn")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let name = last_name(&t.id);
                let (server, ca) = match &self.cfg.kube_api {
                    Some(api) => (api.clone(), crate::kube::TEST_CA_PEM.to_string()),
                    None => (format!("https://{fqdn}:443"), format!("test-ca-of-{name}")),
                };
                let ca = base64::engine::general_purpose::STANDARD.encode(ca);
                let kubeconfig = format!(
                    "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: {server}\n  name: {name}\ncontexts:\n- context:\n    cluster: {name}\n    user: clusterUser_{name}\n  name: {name}\ncurrent-context: {name}\nkind: Config\nusers:\n- name: clusterUser_{name}\n  user:\n    token: test-token-of-{name}\n"
                );
                json(
                    StatusCode::OK,
                    &Credentials {
                        kubeconfigs: vec![Kubeconfig {
                            name: "clusterUser",
                            value: base64::engine::general_purpose::STANDARD.encode(kubeconfig),
                        }],
                    },
                )
            }
            (k, a) => error(
                StatusCode::BAD_REQUEST,
                "InvalidAction",
                format!("Action {a:?} is not served for {k}."),
            ),
        }
    }

    fn patch(&self, t: &Target, body: Value) -> Reply {
        let mut st = self.lock();
        if let Some(r) = self.missing_parent(&st, t) {
            return r;
        }
        let key = t.id.to_ascii_lowercase();
        let Some(mut r) = st.resources.get(&key).cloned() else {
            drop(st);
            return self.not_found(t);
        };
        // Tags are replaced whole, as ARM's PATCH of tags does.
        if let Some(tags) = body.get("tags") {
            obj(&mut r).insert("tags".into(), tags.clone());
        }
        let mut rest = body.clone();
        if let Some(m) = rest.as_object_mut() {
            m.remove("tags");
        }
        merge(&mut r, &rest);
        if kind_is(t, "Microsoft.Storage/storageAccounts") {
            let loc = r
                .get("location")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let name = last_name(&t.id);
            self.account_computed(&mut r, &name, &loc);
        }
        if kind_is(t, "Microsoft.ContainerService/managedClusters") {
            set_state(&mut r, "Updating");
            st.resources.insert(key.clone(), r.clone());
            let op = self.start(&mut st, OpKind::Update, &key, None);
            let shown = with_pools(&st, &key, r);
            return self.async_reply(StatusCode::OK, Some(&shown), &op, "azure-asyncoperation");
        }
        st.resources.insert(key, r.clone());
        json(StatusCode::OK, &r)
    }

    fn delete(&self, t: &Target) -> Reply {
        let mut st = self.lock();
        let key = t.id.to_ascii_lowercase();
        if !st.resources.contains_key(&key) {
            if let Some(r) = self.missing_parent(&st, t) {
                return r;
            }
            if kind_is(t, "resourceGroups") {
                drop(st);
                return self.not_found(t);
            }
            return empty(StatusCode::NO_CONTENT);
        }
        let kind = t.kind.as_str();
        if kind.eq_ignore_ascii_case("resourceGroups")
            || kind.eq_ignore_ascii_case("Microsoft.ContainerService/managedClusters")
        {
            if let Some(r) = st.resources.get_mut(&key) {
                set_state(r, "Deleting");
            }
            let op = self.start(&mut st, OpKind::Delete, &key, None);
            return self.async_reply(StatusCode::ACCEPTED, None, &op, "location");
        }
        if kind.eq_ignore_ascii_case("Microsoft.ContainerService/managedClusters/agentPools") {
            if let Some(r) = st.resources.get_mut(&key) {
                set_state(r, "Deleting");
            }
            let op = self.start(&mut st, OpKind::Delete, &key, None);
            return self.async_reply(StatusCode::ACCEPTED, None, &op, "azure-asyncoperation");
        }
        let prefix = format!("{key}/");
        st.resources
            .retain(|k, _| k != &key && !k.starts_with(&prefix));
        empty(StatusCode::OK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_resources_collections_and_actions() {
        let s = "s1";
        let t = parse("/subscriptions/s1/resourceGroups/rg", s).expect("rg");
        assert_eq!((t.kind.as_str(), t.collection), ("resourceGroups", false));
        let t = parse(
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa/listKeys",
            s,
        )
        .expect("action");
        assert_eq!(t.action.as_deref(), Some("listKeys"));
        assert_eq!(t.kind, "Microsoft.Storage/storageAccounts");
        assert!(t.id.ends_with("/storageAccounts/sa"));
        let t = parse(
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/agentPools",
            s,
        )
        .expect("collection");
        assert!(t.collection);
        assert_eq!(
            t.kind,
            "Microsoft.ContainerService/managedClusters/agentPools"
        );
        let t = parse(
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa/blobServices/default/containers/c",
            s,
        )
        .expect("container");
        assert!(!t.collection);
        assert_eq!(
            t.kind,
            "Microsoft.Storage/storageAccounts/blobServices/containers"
        );
        assert!(parse("/subscriptions/other/resourceGroups/rg", s).is_none());
        assert_eq!(
            tag_filter("tagName eq 'hangar:workspace' and tagValue eq 'eu'"),
            Some(("hangar:workspace".into(), "eu".into()))
        );
    }
}
