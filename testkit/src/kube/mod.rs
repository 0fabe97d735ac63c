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

use rbac::{Attributes, User};
use store::{get_path, meta_mut, ApplyError, Key, Store};

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

/// One resource the server serves.
#[derive(Clone, Copy, Debug)]
struct Res {
    api_version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
}

impl Res {
    fn group(&self) -> &'static str {
        self.api_version
            .split_once('/')
            .map(|(g, _)| g)
            .unwrap_or("")
    }
}

const RESOURCES: &[Res] = &[
    Res {
        api_version: "v1",
        plural: "namespaces",
        kind: "Namespace",
        namespaced: false,
    },
    Res {
        api_version: "v1",
        plural: "nodes",
        kind: "Node",
        namespaced: false,
    },
    Res {
        api_version: "v1",
        plural: "serviceaccounts",
        kind: "ServiceAccount",
        namespaced: true,
    },
    Res {
        api_version: "v1",
        plural: "secrets",
        kind: "Secret",
        namespaced: true,
    },
    Res {
        api_version: "v1",
        plural: "pods",
        kind: "Pod",
        namespaced: true,
    },
    Res {
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "clusterroles",
        kind: "ClusterRole",
        namespaced: false,
    },
    Res {
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "clusterrolebindings",
        kind: "ClusterRoleBinding",
        namespaced: false,
    },
    Res {
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "roles",
        kind: "Role",
        namespaced: true,
    },
    Res {
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "rolebindings",
        kind: "RoleBinding",
        namespaced: true,
    },
    Res {
        api_version: "apps/v1",
        plural: "deployments",
        kind: "Deployment",
        namespaced: true,
    },
    Res {
        api_version: "batch/v1",
        plural: "jobs",
        kind: "Job",
        namespaced: true,
    },
    Res {
        api_version: "metrics.k8s.io/v1beta1",
        plural: "nodes",
        kind: "NodeMetrics",
        namespaced: false,
    },
];

/// A parsed request path.
struct Target {
    res: Res,
    ns: Option<String>,
    name: Option<String>,
    sub: Option<String>,
}

fn parse_path(path: &str) -> Option<Target> {
    let segs: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let (api_version, rest) = match segs.first().map(String::as_str) {
        Some("api") => (segs.get(1)?.clone(), &segs[2..]),
        Some("apis") => (format!("{}/{}", segs.get(1)?, segs.get(2)?), segs.get(3..)?),
        _ => return None,
    };
    let find = |plural: &str| {
        RESOURCES
            .iter()
            .find(|r| r.api_version == api_version && r.plural == plural)
            .copied()
    };
    match rest {
        [ns_word, ns, plural, tail @ ..] if ns_word == "namespaces" => {
            let res = find(plural).filter(|r| r.namespaced)?;
            match tail {
                [] => Some(Target {
                    res,
                    ns: Some(ns.clone()),
                    name: None,
                    sub: None,
                }),
                [name] => Some(Target {
                    res,
                    ns: Some(ns.clone()),
                    name: Some(name.clone()),
                    sub: None,
                }),
                [name, sub] => Some(Target {
                    res,
                    ns: Some(ns.clone()),
                    name: Some(name.clone()),
                    sub: Some(sub.clone()),
                }),
                _ => None,
            }
        }
        [plural] => Some(Target {
            res: find(plural)?,
            ns: None,
            name: None,
            sub: None,
        }),
        [plural, name] => {
            let res = find(plural).filter(|r| !r.namespaced)?;
            Some(Target {
                res,
                ns: None,
                name: Some(name.clone()),
                sub: None,
            })
        }
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
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

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name).then(|| percent_decode(&v.replace('+', " ")))
    })
}

/// RFC 3339 UTC time of the wall clock.
fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(dns_label)
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    let p: Vec<String> = path.iter().map(|x| x.to_string()).collect();
    get_path(v, &p).and_then(Value::as_str)
}

/// Checks what the real API server's validation would refuse of the kinds Hangar writes.
fn validate(res: &Res, obj: &Value) -> Result<(), String> {
    let name = str_at(obj, &["metadata", "name"]).unwrap_or("");
    let ok_name = if res.plural == "namespaces" {
        dns_label(name)
    } else {
        dns_subdomain(name)
    };
    if !ok_name {
        return Err(format!(
            "metadata.name: Invalid value: {name:?}: a lowercase RFC 1123 name must consist of lower case alphanumeric characters, '-' or '.'"
        ));
    }
    let template_containers = |path: &[&str]| -> Result<(), String> {
        let p: Vec<String> = path.iter().map(|x| x.to_string()).collect();
        let cs = get_path(obj, &p).and_then(Value::as_array);
        let Some(cs) = cs.filter(|c| !c.is_empty()) else {
            return Err(format!("{}: Required value", path.join(".")));
        };
        for (i, c) in cs.iter().enumerate() {
            if c.get("name")
                .and_then(Value::as_str)
                .is_none_or(|n| !dns_label(n))
            {
                return Err(format!("{}[{i}].name: Invalid value", path.join(".")));
            }
            if c.get("image")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(format!("{}[{i}].image: Required value", path.join(".")));
            }
        }
        Ok(())
    };
    match res.kind {
        "Deployment" => {
            let selector = get_path(
                obj,
                &["spec".into(), "selector".into(), "matchLabels".into()],
            )
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
            .ok_or("spec.selector: Required value")?;
            let labels = get_path(
                obj,
                &[
                    "spec".into(),
                    "template".into(),
                    "metadata".into(),
                    "labels".into(),
                ],
            )
            .and_then(Value::as_object);
            let matches = selector
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
            if !matches {
                return Err("spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`".into());
            }
            template_containers(&["spec", "template", "spec", "containers"])
        }
        "Job" => {
            let policy =
                str_at(obj, &["spec", "template", "spec", "restartPolicy"]).unwrap_or("Always");
            if !matches!(policy, "Never" | "OnFailure") {
                return Err(format!(
                    "spec.template.spec.restartPolicy: Unsupported value: {policy:?}: supported values: \"OnFailure\", \"Never\""
                ));
            }
            template_containers(&["spec", "template", "spec", "containers"])
        }
        "Secret" => {
            use base64::Engine as _;
            if let Some(data) = obj.get("data").and_then(Value::as_object) {
                for (k, v) in data {
                    let ok = v.as_str().is_some_and(|s| {
                        base64::engine::general_purpose::STANDARD.decode(s).is_ok()
                    });
                    if !ok {
                        return Err(format!("data[{k}]: Invalid value: not base64"));
                    }
                }
            }
            Ok(())
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            let kind = str_at(obj, &["roleRef", "kind"]).unwrap_or("");
            let rname = str_at(obj, &["roleRef", "name"]).unwrap_or("");
            if rname.is_empty() || !matches!(kind, "Role" | "ClusterRole") {
                return Err("roleRef: Required value".into());
            }
            if res.kind == "ClusterRoleBinding" && kind != "ClusterRole" {
                return Err("roleRef.kind: Unsupported value: \"Role\"".into());
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

impl Cluster {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn authenticate(&self, auth: Option<&str>) -> Option<User> {
        let token = auth?.strip_prefix("Bearer ")?.trim();
        if token == self.admin_token {
            return Some(User::Admin);
        }
        let (ns, name) = self.tokens.get(token)?;
        let sa: Key = (
            "v1".into(),
            "serviceaccounts".into(),
            ns.clone(),
            name.clone(),
        );
        self.store
            .objects
            .contains_key(&sa)
            .then(|| User::ServiceAccount {
                namespace: ns.clone(),
                name: name.clone(),
            })
    }

    fn issue_token(&mut self, ns: &str, name: &str) -> String {
        self.token_seq += 1;
        let token = format!(
            "kube-sa-{ns}-{name}-{:06}-{}",
            self.token_seq,
            self.now_ms()
        );
        self.tokens.insert(token.clone(), (ns.into(), name.into()));
        token
    }

    fn namespace_exists(&self, ns: &str) -> bool {
        self.store.objects.contains_key(&(
            "v1".into(),
            "namespaces".into(),
            String::new(),
            ns.into(),
        ))
    }

    fn handle(
        &mut self,
        method: &Method,
        path: &str,
        query: &str,
        auth: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> (Answer, String) {
        let stamp = rfc3339(SystemTime::now());
        let now = self.now_ms();
        sim::reconcile(&mut self.store, now, self.job_ms, &stamp);
        let Some(user) = self.authenticate(auth) else {
            return (
                failure(401, "Unauthorized", "Unauthorized"),
                "anonymous".into(),
            );
        };
        let who = user.name();
        if path == "/version" {
            let v = VersionInfo {
                major: "1",
                minor: "31",
                git_version: "v1.31.2",
                platform: "linux/amd64",
            };
            return ((200, to_value(&v)), who);
        }
        let Some(t) = parse_path(path) else {
            return (
                failure(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
                who,
            );
        };
        let answer = self.dispatch(&user, method, &t, query, content_type, body, now, &stamp);
        (answer, who)
    }

    #[allow(clippy::too_many_arguments)]
    fn dispatch(
        &mut self,
        user: &User,
        method: &Method,
        t: &Target,
        query: &str,
        content_type: &str,
        body: &[u8],
        now: u64,
        stamp: &str,
    ) -> Answer {
        let res = t.res;
        let ns_key = if res.namespaced {
            t.ns.clone().unwrap_or_default()
        } else {
            String::new()
        };
        let resource = match &t.sub {
            Some(sub) => format!("{}/{sub}", res.plural),
            None => res.plural.to_string(),
        };
        let verb = match (method, &t.name, &t.sub) {
            (&Method::GET, Some(_), _) => "get",
            (&Method::GET, None, _) => "list",
            (&Method::POST, _, _) => "create",
            (&Method::PUT, _, _) => "update",
            (&Method::PATCH, _, _) => "patch",
            (&Method::DELETE, _, _) => "delete",
            _ => {
                return failure(
                    405,
                    "MethodNotAllowed",
                    "the server does not allow this method on the requested resource",
                )
            }
        };
        let attrs = Attributes {
            verb,
            group: res.group(),
            resource: &resource,
            namespace: t.ns.as_deref().filter(|_| res.namespaced),
            name: t.name.as_deref(),
        };
        if !rbac::allowed(&self.store, user, &attrs) {
            return failure(403, "Forbidden", rbac::forbidden_message(user, &attrs));
        }
        if res.kind == "NodeMetrics" {
            let items = sim::node_metrics(&self.store, stamp);
            return match (&t.name, verb) {
                (None, "list") => (
                    200,
                    to_value(&List {
                        kind: "NodeMetricsList".into(),
                        api_version: res.api_version,
                        metadata: ListMeta {
                            resource_version: self.store.rv(),
                        },
                        items,
                    }),
                ),
                (Some(n), "get") => items
                    .into_iter()
                    .find(|m| str_at(m, &["metadata", "name"]) == Some(n.as_str()))
                    .map(|m| (200, m))
                    .unwrap_or_else(|| {
                        failure(
                            404,
                            "NotFound",
                            format!("nodemetrics.metrics.k8s.io \"{n}\" not found"),
                        )
                    }),
                _ => failure(405, "MethodNotAllowed", "the metrics API is read-only"),
            };
        }
        let Some(name) = t.name.clone() else {
            return match verb {
                "list" => self.list(res, t.ns.as_deref(), query),
                "create" => self.create(user, res, &ns_key, query, body, now, stamp),
                _ => failure(
                    405,
                    "MethodNotAllowed",
                    "the server does not allow this method on a collection",
                ),
            };
        };
        let key: Key = (
            res.api_version.into(),
            res.plural.into(),
            ns_key.clone(),
            name.clone(),
        );
        let not_found = || {
            failure(
                404,
                "NotFound",
                format!("{} \"{name}\" not found", qualified(&res)),
            )
        };
        if let Some(sub) = &t.sub {
            if res.plural == "serviceaccounts" && sub == "token" && verb == "create" {
                if !self.store.objects.contains_key(&key) {
                    return not_found();
                }
                let token = self.issue_token(&ns_key, &name);
                return (
                    201,
                    to_value(&TokenRequest {
                        api_version: "authentication.k8s.io/v1",
                        kind: "TokenRequest",
                        status: TokenRequestStatus {
                            token,
                            expiration_timestamp: rfc3339(
                                SystemTime::now() + Duration::from_secs(3600),
                            ),
                        },
                    }),
                );
            }
            return failure(
                404,
                "NotFound",
                "the server could not find the requested resource",
            );
        }
        match verb {
            "get" => self
                .store
                .shown(&key)
                .map(|v| (200, v))
                .unwrap_or_else(not_found),
            "delete" => {
                if !self.store.objects.contains_key(&key) {
                    return not_found();
                }
                let orphan = serde_json::from_slice::<Value>(body)
                    .ok()
                    .and_then(|v| {
                        v.get("propagationPolicy")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .is_some_and(|p| p == "Orphan");
                self.delete(&key, orphan);
                success()
            }
            "update" => {
                let Ok(obj) = serde_json::from_slice::<Value>(body) else {
                    return failure(400, "BadRequest", "the body is not a JSON object");
                };
                if !self.store.objects.contains_key(&key) {
                    return not_found();
                }
                let manager =
                    query_param(query, "fieldManager").unwrap_or_else(|| "unknown".into());
                let before = self.store.objects.get(&key).cloned();
                match self.store.update(&key, obj, &manager) {
                    Ok(v) => match validate(&res, &v) {
                        Ok(()) => (200, self.store.shown(&key).unwrap_or(v)),
                        Err(msg) => {
                            if let Some(b) = before {
                                self.store.objects.insert(key, b);
                            }
                            failure(422, "Invalid", format!("{} \"{name}\" is invalid: {msg}", res.kind))
                        }
                    },
                    Err(_) => failure(409, "Conflict", format!(
                        "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                        qualified(&res)
                    )),
                }
            }
            "patch" => self.apply(user, res, &key, query, content_type, body, now, stamp),
            _ => failure(405, "MethodNotAllowed", "not allowed"),
        }
    }

    fn list(&self, res: Res, ns: Option<&str>, query: &str) -> Answer {
        let selector: Vec<(String, String)> = query_param(query, "labelSelector")
            .map(|s| {
                s.split(',')
                    .filter_map(|kv| {
                        let (k, v) = kv.split_once("==").or_else(|| kv.split_once('='))?;
                        Some((k.trim().to_string(), v.trim().to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let items: Vec<Value> = self
            .store
            .objects
            .iter()
            .filter(|(k, _)| {
                k.0 == res.api_version
                    && k.1 == res.plural
                    && ns.is_none_or(|n| !res.namespaced || k.2 == n)
            })
            .filter(|(_, v)| {
                selector.iter().all(|(k, want)| {
                    str_at(&v.obj, &["metadata", "labels", k]) == Some(want.as_str())
                })
            })
            .filter_map(|(k, _)| self.store.shown(k))
            .collect();
        (
            200,
            to_value(&List {
                kind: format!("{}List", res.kind),
                api_version: res.api_version,
                metadata: ListMeta {
                    resource_version: self.store.rv(),
                },
                items,
            }),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        _user: &User,
        res: Res,
        ns: &str,
        query: &str,
        body: &[u8],
        now: u64,
        stamp: &str,
    ) -> Answer {
        let Ok(mut obj) = serde_json::from_slice::<Value>(body) else {
            return failure(400, "BadRequest", "the body is not a JSON object");
        };
        if !obj.is_object() {
            return failure(400, "BadRequest", "the body is not a JSON object");
        }
        let name = str_at(&obj, &["metadata", "name"])
            .unwrap_or("")
            .to_string();
        if name.is_empty() {
            return failure(422, "Invalid", format!("{} \"\" is invalid: metadata.name: Required value: name or generateName is required", res.kind));
        }
        if let Some(e) = self.check_identity(&res, &obj, ns, &name) {
            return e;
        }
        if res.namespaced && !self.namespace_exists(ns) {
            return failure(404, "NotFound", format!("namespaces \"{ns}\" not found"));
        }
        let key: Key = (
            res.api_version.into(),
            res.plural.into(),
            ns.into(),
            name.clone(),
        );
        if self.store.objects.contains_key(&key) {
            return failure(
                409,
                "AlreadyExists",
                format!("{} \"{name}\" already exists", qualified(&res)),
            );
        }
        if let Err(msg) = validate(&res, &obj) {
            return failure(
                422,
                "Invalid",
                format!("{} \"{name}\" is invalid: {msg}", res.kind),
            );
        }
        if res.namespaced {
            if let Some(m) = meta_mut(&mut obj) {
                m.insert("namespace".into(), ns.into());
            }
        }
        let manager = query_param(query, "fieldManager").unwrap_or_else(|| "unknown".into());
        self.store.create(key.clone(), obj, &manager, now, stamp);
        sim::reconcile(&mut self.store, now, self.job_ms, stamp);
        (201, self.store.shown(&key).unwrap_or(Value::Null))
    }

    /// 400 when the body's apiVersion, kind, name or namespace disagree with the URL.
    fn check_identity(&self, res: &Res, obj: &Value, ns: &str, name: &str) -> Option<Answer> {
        let api = str_at(obj, &["apiVersion"]).unwrap_or("");
        let kind = str_at(obj, &["kind"]).unwrap_or("");
        if api != res.api_version || kind != res.kind {
            return Some(failure(
                400,
                "BadRequest",
                format!(
                    "the body's apiVersion/kind {api:?}/{kind:?} does not match the resource {}/{}",
                    res.api_version, res.kind
                ),
            ));
        }
        if str_at(obj, &["metadata", "name"]).is_some_and(|n| n != name) {
            return Some(failure(
                400,
                "BadRequest",
                "the name of the object does not match the name on the URL",
            ));
        }
        if res.namespaced && str_at(obj, &["metadata", "namespace"]).is_some_and(|n| n != ns) {
            return Some(failure(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"));
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        user: &User,
        res: Res,
        key: &Key,
        query: &str,
        content_type: &str,
        body: &[u8],
        now: u64,
        stamp: &str,
    ) -> Answer {
        let name = key.3.clone();
        let ns = key.2.clone();
        if !content_type.starts_with("application/apply-patch+yaml") {
            return failure(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml (got {content_type:?})"));
        }
        let Some(manager) = query_param(query, "fieldManager").filter(|m| !m.is_empty()) else {
            return failure(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        };
        let force = query_param(query, "force").as_deref() == Some("true");
        let Ok(mut obj) = serde_json::from_slice::<Value>(body) else {
            return failure(
                400,
                "BadRequest",
                "error decoding YAML: this test server accepts JSON apply bodies only",
            );
        };
        if !obj.is_object() {
            return failure(400, "BadRequest", "the apply body is not an object");
        }
        if let Some(e) = self.check_identity(&res, &obj, &ns, &name) {
            return e;
        }
        if res.namespaced && !self.namespace_exists(&ns) {
            return failure(404, "NotFound", format!("namespaces \"{ns}\" not found"));
        }
        if let Some(m) = meta_mut(&mut obj) {
            m.insert("name".into(), name.clone().into());
            if res.namespaced {
                m.insert("namespace".into(), ns.clone().into());
            }
        }
        if !self.store.objects.contains_key(key) {
            // Applying to an object that does not exist creates it: that needs `create` too.
            let attrs = Attributes {
                verb: "create",
                group: res.group(),
                resource: res.plural,
                namespace: res.namespaced.then_some(ns.as_str()),
                name: Some(&name),
            };
            if !rbac::allowed(&self.store, user, &attrs) {
                return failure(403, "Forbidden", rbac::forbidden_message(user, &attrs));
            }
            if let Err(msg) = validate(&res, &obj) {
                return failure(
                    422,
                    "Invalid",
                    format!("{} \"{name}\" is invalid: {msg}", res.kind),
                );
            }
            self.store.create(key.clone(), obj, &manager, now, stamp);
            sim::reconcile(&mut self.store, now, self.job_ms, stamp);
            return (201, self.store.shown(key).unwrap_or(Value::Null));
        }
        let before = self.store.objects.get(key).cloned();
        let old_ref = before.as_ref().and_then(|b| b.obj.get("roleRef").cloned());
        match self.store.apply(key, obj, &manager, force) {
            Ok(v) => {
                let ref_changed = old_ref.is_some() && v.get("roleRef") != old_ref.as_ref();
                let invalid = if ref_changed {
                    Err("roleRef: Invalid value: cannot change roleRef".to_string())
                } else {
                    validate(&res, &v)
                };
                match invalid {
                    Ok(()) => {
                        sim::reconcile(&mut self.store, now, self.job_ms, stamp);
                        (200, self.store.shown(key).unwrap_or(v))
                    }
                    Err(msg) => {
                        if let Some(b) = before {
                            self.store.objects.insert(key.clone(), b);
                        }
                        failure(422, "Invalid", format!("{} \"{name}\" is invalid: {msg}", res.kind))
                    }
                }
            }
            Err(ApplyError::Conflict(list)) => {
                let fields: Vec<String> = list
                    .iter()
                    .map(|(m, p)| format!("conflict with \"{m}\": .{}", p.join(".")))
                    .collect();
                failure(409, "Conflict", format!(
                    "Apply failed with {} conflict{}: {}",
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    fields.join(", ")
                ))
            }
            Err(ApplyError::Stale { .. }) => failure(409, "Conflict", format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                qualified(&res)
            )),
        }
    }

    fn delete(&mut self, key: &Key, orphan: bool) {
        let uid = self
            .store
            .objects
            .get(key)
            .and_then(|s| str_at(&s.obj, &["metadata", "uid"]).map(str::to_string));
        self.store.objects.remove(key);
        if key.0 == "v1" && key.1 == "namespaces" {
            let ns = key.3.clone();
            self.store.objects.retain(|k, _| k.2 != ns);
        } else if let (Some(uid), false) = (uid, orphan) {
            self.store.objects.retain(|k, v| {
                !(k.1 == "pods"
                    && v.obj
                        .get("metadata")
                        .and_then(|m| m.get("ownerReferences"))
                        .and_then(Value::as_array)
                        .is_some_and(|r| {
                            r.iter()
                                .any(|o| o.get("uid").and_then(Value::as_str) == Some(uid.as_str()))
                        }))
            });
        }
        self.store.next_rv();
    }
}

fn qualified(res: &Res) -> String {
    if res.group().is_empty() {
        res.plural.to_string()
    } else {
        format!("{}.{}", res.plural, res.group())
    }
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
