//! A small Kubernetes API client: get, list, server-side apply and delete of the object kinds in
//! [`kinds`], plus `GET /version`, over the documented REST paths (`/api/v1/...`,
//! `/apis/GROUP/VERSION/...`).
//!
//! Writes are **server-side apply** only: `PATCH .../NAME?fieldManager=M&force=true` with
//! `Content-Type: application/apply-patch+yaml` and the whole object the manager means to own
//! (JSON is YAML). The server creates the object when absent, merges it otherwise, removes the
//! fields the manager stopped applying, and answers the object as stored; so apply is the only
//! write Hangar needs, and it is idempotent. Errors carry the API's `Status` (reason and message)
//! with the call that failed.
//!
//! Why not the `kube` crate: measured with `cargo build --timings` on the 2-core development
//! machine (shared with other builds), `kube` 1.1 (`client`, `rustls-tls`, `ring`) with
//! `k8s-openapi` 0.25 (one API version) built cold in 4 min 37 s; the 40 crates it would add to
//! Hangar's tree cost 187 s of compile time, `k8s-openapi` alone 67 s in a single unit on the
//! critical path — past the ~1.5 minutes a new dependency may cost the CI suite. Hangar uses a
//! dozen kinds and five verbs; their documented shapes are in [`objects`].
//!
//! Left out: watches, field selectors, pagination (`continue`; the lists read here are small),
//! strategic-merge and JSON patches, subresources other than what [`Kube::apply`] needs.

pub mod objects;
pub mod quantity;

use std::path::PathBuf;
use std::time::Duration;

use http::Method;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::http::{Answer, Http, HttpError};
use crate::Secret;
use objects::{DeleteOptions, ObjectList, Status, Version};

/// How long one Kubernetes call may take.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Where a service account's credentials are mounted in a pod.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Why a Kubernetes call failed.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// The connection settings are unusable (bad endpoint, CA or token file).
    #[error("Kubernetes API settings: {0}")]
    Config(String),
    /// No answer came.
    #[error("{call}: {source}")]
    Http {
        /// The call (`apply apps/v1 Deployment hangar-system/agent`).
        call: String,
        /// What failed.
        source: HttpError,
    },
    /// The API server refused the call.
    #[error("{call}: {status} {reason}: {message}")]
    Api {
        /// The call.
        call: String,
        /// HTTP status.
        status: u16,
        /// The `Status` reason (`NotFound`, `Conflict`, `Forbidden`, ...).
        reason: String,
        /// The `Status` message.
        message: String,
    },
    /// The answer was not the JSON the call expects.
    #[error("{call}: unexpected answer: {message}")]
    Decode {
        /// The call.
        call: String,
        /// What was wrong.
        message: String,
    },
}

impl KubeError {
    /// The HTTP status of an API refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            KubeError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The `Status` reason of an API refusal (`NotFound`, `Forbidden`, ...).
    pub fn reason(&self) -> Option<&str> {
        match self {
            KubeError::Api { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// An object kind: its API group and version, kind, plural resource name and scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    /// `v1`, `apps/v1`, `rbac.authorization.k8s.io/v1`.
    pub api_version: &'static str,
    /// `Deployment`.
    pub kind: &'static str,
    /// `deployments`.
    pub plural: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl Kind {
    /// The collection path (`/apis/apps/v1/namespaces/NS/deployments`); `ns` is ignored for
    /// cluster-scoped kinds, and `None` lists a namespaced kind across all namespaces.
    pub fn collection(&self, ns: Option<&str>) -> String {
        let root = if self.api_version.contains('/') {
            format!("/apis/{}", self.api_version)
        } else {
            format!("/api/{}", self.api_version)
        };
        match (self.namespaced, ns) {
            (true, Some(ns)) => format!("{root}/namespaces/{}/{}", seg(ns), self.plural),
            _ => format!("{root}/{}", self.plural),
        }
    }

    /// The object path.
    pub fn object(&self, ns: Option<&str>, name: &str) -> String {
        format!("{}/{}", self.collection(ns), seg(name))
    }

    /// `kind namespace/name` for messages.
    pub fn describe(&self, ns: Option<&str>, name: &str) -> String {
        match (self.namespaced, ns) {
            (true, Some(ns)) => format!("{} {} {ns}/{name}", self.api_version, self.kind),
            _ => format!("{} {} {name}", self.api_version, self.kind),
        }
    }
}

const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');

fn seg(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// The kinds Hangar reads or writes.
pub mod kinds {
    use super::Kind;

    /// `v1` Namespace.
    pub const NAMESPACE: Kind = Kind {
        api_version: "v1",
        kind: "Namespace",
        plural: "namespaces",
        namespaced: false,
    };
    /// `v1` ServiceAccount.
    pub const SERVICE_ACCOUNT: Kind = Kind {
        api_version: "v1",
        kind: "ServiceAccount",
        plural: "serviceaccounts",
        namespaced: true,
    };
    /// `v1` Secret.
    pub const SECRET: Kind = Kind {
        api_version: "v1",
        kind: "Secret",
        plural: "secrets",
        namespaced: true,
    };
    /// `v1` Pod.
    pub const POD: Kind = Kind {
        api_version: "v1",
        kind: "Pod",
        plural: "pods",
        namespaced: true,
    };
    /// `v1` Node.
    pub const NODE: Kind = Kind {
        api_version: "v1",
        kind: "Node",
        plural: "nodes",
        namespaced: false,
    };
    /// RBAC ClusterRole.
    pub const CLUSTER_ROLE: Kind = Kind {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        plural: "clusterroles",
        namespaced: false,
    };
    /// RBAC ClusterRoleBinding.
    pub const CLUSTER_ROLE_BINDING: Kind = Kind {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        plural: "clusterrolebindings",
        namespaced: false,
    };
    /// RBAC Role.
    pub const ROLE: Kind = Kind {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        plural: "roles",
        namespaced: true,
    };
    /// RBAC RoleBinding.
    pub const ROLE_BINDING: Kind = Kind {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        plural: "rolebindings",
        namespaced: true,
    };
    /// `apps/v1` Deployment.
    pub const DEPLOYMENT: Kind = Kind {
        api_version: "apps/v1",
        kind: "Deployment",
        plural: "deployments",
        namespaced: true,
    };
    /// `batch/v1` Job.
    pub const JOB: Kind = Kind {
        api_version: "batch/v1",
        kind: "Job",
        plural: "jobs",
        namespaced: true,
    };
    /// `metrics.k8s.io/v1beta1` NodeMetrics (the metrics server's; absent on many clusters).
    pub const NODE_METRICS: Kind = Kind {
        api_version: "metrics.k8s.io/v1beta1",
        kind: "NodeMetrics",
        plural: "nodes",
        namespaced: false,
    };
}

/// How to reach a cluster's API server.
#[derive(Clone, Debug, Default)]
pub struct KubeConfig {
    /// `https://HOST[:PORT]` (or `http://127.0.0.1:PORT` for a loopback test server).
    pub server: String,
    /// The cluster's CA bundle (PEM); the system's roots when absent.
    pub ca_pem: Option<Vec<u8>>,
    /// A bearer token.
    pub token: Option<Secret>,
    /// A file to read the bearer token from on every call (a projected service-account token,
    /// which the kubelet rotates); wins over `token`.
    pub token_file: Option<PathBuf>,
}

impl KubeConfig {
    /// The pod's own service account, when running in a cluster (`KUBERNETES_SERVICE_HOST` and
    /// the mounted token); `None` elsewhere.
    pub fn in_cluster() -> Option<KubeConfig> {
        let host = std::env::var("KUBERNETES_SERVICE_HOST").ok()?;
        let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_else(|_| "443".into());
        let dir = PathBuf::from(SERVICE_ACCOUNT_DIR);
        let token_file = dir.join("token");
        if !token_file.is_file() {
            return None;
        }
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        Some(KubeConfig {
            server: format!("https://{host}:{port}"),
            ca_pem: std::fs::read(dir.join("ca.crt")).ok(),
            token: None,
            token_file: Some(token_file),
        })
    }
}

/// A client of one cluster's API server.
#[derive(Clone, Debug)]
pub struct Kube {
    http: Http,
    server: String,
    token: Option<Secret>,
    token_file: Option<PathBuf>,
}

/// `application/apply-patch+yaml`: the content type of server-side apply.
pub const APPLY_PATCH: &str = "application/apply-patch+yaml";

impl Kube {
    /// A client for `cfg`. Fails when the server is not an `http(s)://` URL or the CA bundle
    /// holds no usable certificate.
    pub fn new(cfg: &KubeConfig) -> Result<Kube, KubeError> {
        let server = cfg.server.trim_end_matches('/').to_string();
        if !(server.starts_with("https://") || server.starts_with("http://")) {
            return Err(KubeError::Config(format!(
                "the API server {server:?} is not an https:// URL"
            )));
        }
        let http = match &cfg.ca_pem {
            Some(pem) => Http::with_ca(pem, DEADLINE)
                .map_err(|e| KubeError::Config(format!("cluster CA: {e}")))?,
            None => Http::new(DEADLINE),
        };
        Ok(Kube {
            http,
            server,
            token: cfg.token.clone(),
            token_file: cfg.token_file.clone(),
        })
    }

    /// The API server's URL.
    pub fn server(&self) -> &str {
        &self.server
    }

    fn bearer(&self) -> Result<Option<String>, KubeError> {
        if let Some(f) = &self.token_file {
            let t = std::fs::read_to_string(f).map_err(|e| {
                KubeError::Config(format!("reading the token file {}: {e}", f.display()))
            })?;
            return Ok(Some(format!("Bearer {}", t.trim())));
        }
        Ok(self
            .token
            .as_ref()
            .map(|t| format!("Bearer {}", t.expose())))
    }

    async fn call(
        &self,
        call: &str,
        method: Method,
        path_and_query: &str,
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<Answer, KubeError> {
        let url = format!("{}{path_and_query}", self.server);
        let auth = self.bearer()?;
        let mut headers: Vec<(&str, &str)> = vec![("accept", "application/json")];
        if let Some(a) = &auth {
            headers.push(("authorization", a));
        }
        let answer = self
            .http
            .send(method, &url, &headers, body)
            .await
            .map_err(|source| KubeError::Http {
                call: call.to_string(),
                source,
            })?;
        if (200..300).contains(&answer.status) {
            return Ok(answer);
        }
        let st: Status = serde_json::from_slice(&answer.body).unwrap_or_default();
        let message = if st.message.is_empty() {
            String::from_utf8_lossy(&answer.body)
                .chars()
                .take(300)
                .collect()
        } else {
            st.message
        };
        Err(KubeError::Api {
            call: call.to_string(),
            status: answer.status,
            reason: if st.reason.is_empty() {
                "Unknown".into()
            } else {
                st.reason
            },
            message,
        })
    }

    fn decode<T: DeserializeOwned>(call: &str, a: &Answer) -> Result<T, KubeError> {
        serde_json::from_slice(&a.body).map_err(|e| KubeError::Decode {
            call: call.to_string(),
            message: e.to_string(),
        })
    }

    /// `GET /version`.
    pub async fn version(&self) -> Result<Version, KubeError> {
        let call = "get /version";
        let a = self.call(call, Method::GET, "/version", None).await?;
        Self::decode(call, &a)
    }

    /// Reads one object; `Ok(None)` when it does not exist (404).
    pub async fn get<T: DeserializeOwned>(
        &self,
        kind: Kind,
        ns: Option<&str>,
        name: &str,
    ) -> Result<Option<T>, KubeError> {
        let call = format!("get {}", kind.describe(ns, name));
        match self
            .call(&call, Method::GET, &kind.object(ns, name), None)
            .await
        {
            Ok(a) => Self::decode(&call, &a).map(Some),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Lists objects of `kind` in `ns` (every namespace when `None`), optionally only those
    /// matching `label_selector` (`app=x,tier=y`).
    pub async fn list<T: DeserializeOwned>(
        &self,
        kind: Kind,
        ns: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<T>, KubeError> {
        let call = format!(
            "list {} {}{}",
            kind.api_version,
            kind.plural,
            ns.map(|n| format!(" in {n}")).unwrap_or_default()
        );
        let mut path = kind.collection(ns);
        if let Some(sel) = label_selector {
            path.push_str("?labelSelector=");
            path.push_str(&utf8_percent_encode(sel, NON_ALPHANUMERIC).to_string());
        }
        let a = self.call(&call, Method::GET, &path, None).await?;
        let list: ObjectList<T> = Self::decode(&call, &a)?;
        Ok(list.items)
    }

    /// Server-side applies `obj` (which must carry `apiVersion`, `kind` and `metadata.name`,
    /// and `metadata.namespace` for namespaced kinds) as field manager `manager`, taking over
    /// fields other managers own when `force`; returns the object as stored.
    ///
    /// Fails with the API's refusal: `Conflict` (409) when another manager owns a field and
    /// `force` is off, `Forbidden` (403), `Invalid` (422), `NotFound` (404, a missing namespace).
    pub async fn apply<T: Serialize, R: DeserializeOwned>(
        &self,
        kind: Kind,
        ns: Option<&str>,
        name: &str,
        obj: &T,
        manager: &str,
        force: bool,
    ) -> Result<R, KubeError> {
        let call = format!("apply {}", kind.describe(ns, name));
        let body = serde_json::to_vec(obj).map_err(|e| KubeError::Decode {
            call: call.clone(),
            message: format!("encoding the object: {e}"),
        })?;
        let path = format!(
            "{}?fieldManager={}{}",
            kind.object(ns, name),
            utf8_percent_encode(manager, NON_ALPHANUMERIC),
            if force { "&force=true" } else { "" }
        );
        let a = self
            .call(&call, Method::PATCH, &path, Some((body, APPLY_PATCH)))
            .await?;
        Self::decode(&call, &a)
    }

    /// Deletes one object, its dependents in the background; `Ok(false)` when it was already
    /// gone (404).
    pub async fn delete(
        &self,
        kind: Kind,
        ns: Option<&str>,
        name: &str,
    ) -> Result<bool, KubeError> {
        let call = format!("delete {}", kind.describe(ns, name));
        let opts = DeleteOptions {
            kind: "DeleteOptions".into(),
            api_version: "v1".into(),
            propagation_policy: "Background".into(),
        };
        let body = serde_json::to_vec(&opts).map_err(|e| KubeError::Decode {
            call: call.clone(),
            message: e.to_string(),
        })?;
        match self
            .call(
                &call,
                Method::DELETE,
                &kind.object(ns, name),
                Some((body, "application/json")),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.status() == Some(404) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_documented_layout() {
        assert_eq!(
            kinds::DEPLOYMENT.object(Some("hangar-system"), "agent"),
            "/apis/apps/v1/namespaces/hangar-system/deployments/agent"
        );
        assert_eq!(kinds::NAMESPACE.object(None, "ml"), "/api/v1/namespaces/ml");
        assert_eq!(kinds::POD.collection(None), "/api/v1/pods");
        assert_eq!(
            kinds::CLUSTER_ROLE.object(Some("ignored"), "r"),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/r"
        );
        assert_eq!(
            kinds::NODE_METRICS.collection(None),
            "/apis/metrics.k8s.io/v1beta1/nodes"
        );
        assert_eq!(
            kinds::SECRET.object(Some("a b"), "x/y"),
            "/api/v1/namespaces/a%20b/secrets/x%2Fy"
        );
    }

    #[test]
    fn servers_must_be_http_urls() {
        let bad = KubeConfig {
            server: "127.0.0.1:6443".into(),
            ..KubeConfig::default()
        };
        assert!(matches!(Kube::new(&bad), Err(KubeError::Config(_))));
        let bad_ca = KubeConfig {
            server: "https://127.0.0.1:6443".into(),
            ca_pem: Some(b"not a certificate".to_vec()),
            ..KubeConfig::default()
        };
        assert!(matches!(Kube::new(&bad_ca), Err(KubeError::Config(_))));
    }
}
