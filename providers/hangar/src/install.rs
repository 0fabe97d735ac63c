//! What `hangar_agent` does at the two APIs: registration at the control plane, and the
//! objects it server-side applies into (and deletes from) the cluster.

use std::collections::BTreeMap;

use base64::Engine as _;
use hangar_core::Value;
use hangar_provider::ProviderError;
use hangar_remote::control::{Control, ControlError};
use hangar_remote::kube::objects::{
    Capabilities, Container, Deployment, DeploymentSpec, EnvVar, EnvVarSource, KeyRef,
    LabelSelector, Namespace, ObjectMeta, PodSpec, PodTemplateSpec, PolicyRule, Role, RoleBinding,
    RoleRef, Secret, SecurityContext, ServiceAccount, Subject,
};
use hangar_remote::kube::{kinds, Kube, KubeConfig, KubeError};
use hangar_wire::{AgentDeregistered, AgentRegistered, BucketRef, RegisterAgent};

use crate::string;

/// Field manager of every write.
pub const MANAGER: &str = "hangar";
/// Name of the service account, secret and deployment.
pub const AGENT_NAME: &str = "hangar-agent";
/// Name of the Role (and RoleBinding) in each write namespace.
pub const WRITE_ROLE: &str = "hangar-agent-write";

/// A `hangar_agent`'s settings, read from its (known) attributes.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Agent name.
    pub name: String,
    /// Workspace.
    pub workspace: String,
    /// Namespace it runs in.
    pub namespace: String,
    /// Container image.
    pub image: String,
    /// Namespaces with write rights.
    pub write_namespaces: Vec<String>,
    /// Artifact bucket and its region.
    pub bucket: Option<BucketRef>,
    /// Control plane URL the agent dials.
    pub control_url: String,
    /// How to reach the cluster.
    pub kube: KubeConfig,
}

fn missing(name: &str) -> ProviderError {
    ProviderError::new("hangar_agent", format!("attribute {name} is not known"))
}

impl Spec {
    /// Reads the settings from a planned or recorded object. Fails when a required attribute
    /// is unknown.
    pub fn from_value(v: &Value, control_url: &str) -> Result<Spec, ProviderError> {
        let get = |n: &str| string(v, n).ok_or_else(|| missing(n));
        let write_namespaces = v
            .get_attr("write_namespaces")
            .map(Value::peel)
            .and_then(Value::as_seq)
            .map(|s| {
                s.iter()
                    .filter_map(|x| x.peel().as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let bucket = string(v, "artifact_bucket").map(|name| BucketRef {
            name,
            region: string(v, "artifact_bucket_region").unwrap_or_default(),
        });
        Ok(Spec {
            name: get("name")?,
            workspace: get("workspace")?,
            namespace: get("namespace")?,
            image: get("image")?,
            write_namespaces,
            bucket,
            control_url: control_url.to_string(),
            kube: KubeConfig {
                server: get("kubernetes_host")?,
                ca_pem: string(v, "kubernetes_ca_certificate").map(String::into_bytes),
                token: string(v, "kubernetes_token").map(hangar_remote::Secret::new),
                token_file: None,
            },
        })
    }

    fn client(&self) -> Result<Kube, ProviderError> {
        Kube::new(&self.kube).map_err(kube_error)
    }

    fn read_role(&self) -> String {
        format!("hangar-agent-{}-read", self.namespace)
    }
}

fn kube_error(e: KubeError) -> ProviderError {
    let (call, code) = match &e {
        KubeError::Api { call, reason, .. } => (call.clone(), Some(reason.clone())),
        KubeError::Http { call, .. } | KubeError::Decode { call, .. } => (call.clone(), None),
        KubeError::Config(_) => ("Kubernetes".to_string(), None),
    };
    ProviderError {
        call,
        code,
        message: e.to_string(),
    }
}

/// Registers the agent; the control plane answers its token this once.
pub async fn register(control: &Control, spec: &Spec) -> Result<AgentRegistered, ProviderError> {
    let path = format!("/api/v1/workspaces/{}/agents", spec.workspace);
    control
        .post(
            &path,
            &RegisterAgent {
                name: spec.name.clone(),
                artifact_bucket: spec.bucket.clone(),
            },
        )
        .await
        .map_err(|e| control_error(format!("RegisterAgent {}", spec.name), &e))
}

/// A failed control-plane call as the provider reports it: the call, the HTTP status, the
/// control plane's message.
fn control_error(call: String, e: &ControlError) -> ProviderError {
    ProviderError {
        call,
        code: e.status().map(|s| s.to_string()),
        message: e.to_string(),
    }
}

/// Deregisters the agent with the control plane (its token is revoked); an agent the control
/// plane no longer knows counts as deregistered.
pub async fn deregister(control: &Control, spec: &Spec) -> Result<(), ProviderError> {
    let path = format!("/api/v1/workspaces/{}/agents/{}", spec.workspace, spec.name);
    match control.delete::<AgentDeregistered>(&path).await {
        Ok(_) => Ok(()),
        Err(e) if e.status() == Some(404) => Ok(()),
        Err(e) => Err(control_error(format!("DeregisterAgent {}", spec.name), &e)),
    }
}

fn labels() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/name".into(), AGENT_NAME.into()),
        ("app.kubernetes.io/managed-by".into(), MANAGER.into()),
    ])
}

fn meta(name: &str, ns: Option<&str>) -> ObjectMeta {
    ObjectMeta::named(name, ns, &labels())
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    PolicyRule {
        api_groups: v(groups),
        resources: v(resources),
        verbs: v(verbs),
        ..PolicyRule::default()
    }
}

/// The cluster-wide read-only rules: what heartbeats read.
pub fn read_rules() -> Vec<PolicyRule> {
    let read = ["get", "list", "watch"];
    vec![
        rule(&[""], &["nodes", "pods", "namespaces"], &read),
        rule(&["apps"], &["deployments"], &read),
        rule(&["batch"], &["jobs"], &read),
        rule(&["metrics.k8s.io"], &["nodes", "pods"], &["get", "list"]),
    ]
}

/// The rules in a write namespace: run workloads there.
pub fn write_rules() -> Vec<PolicyRule> {
    let all = [
        "get", "list", "watch", "create", "update", "patch", "delete",
    ];
    vec![
        rule(&["apps"], &["deployments"], &all),
        rule(&["batch"], &["jobs"], &all),
        rule(&[""], &["pods"], &["get", "list", "watch"]),
    ]
}

fn subject(spec: &Spec) -> Vec<Subject> {
    vec![Subject {
        kind: "ServiceAccount".into(),
        name: AGENT_NAME.into(),
        namespace: Some(spec.namespace.clone()),
    }]
}

fn deployment(spec: &Spec) -> Deployment {
    let ns = spec.namespace.as_str();
    let pod_labels = BTreeMap::from([("app.kubernetes.io/name".to_string(), AGENT_NAME.into())]);
    Deployment {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        metadata: meta(AGENT_NAME, Some(ns)),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: pod_labels.clone(),
            },
            template: PodTemplateSpec {
                metadata: ObjectMeta {
                    labels: pod_labels,
                    ..ObjectMeta::default()
                },
                spec: PodSpec {
                    service_account_name: Some(AGENT_NAME.into()),
                    automount_service_account_token: Some(true),
                    restart_policy: None,
                    containers: vec![Container {
                        name: "agent".into(),
                        image: spec.image.clone(),
                        args: [
                            "-C",
                            "/workspace",
                            "-w",
                            spec.workspace.as_str(),
                            "agent",
                            "run",
                            "--control",
                            spec.control_url.as_str(),
                            "--data-dir",
                            "/var/lib/hangar-agent",
                        ]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                        env: vec![EnvVar {
                            name: "HANGAR_AGENT_TOKEN".into(),
                            value: None,
                            value_from: Some(EnvVarSource {
                                secret_key_ref: Some(KeyRef {
                                    name: AGENT_NAME.into(),
                                    key: "token".into(),
                                }),
                            }),
                        }],
                        resources: None,
                        security_context: Some(SecurityContext {
                            run_as_non_root: Some(true),
                            allow_privilege_escalation: Some(false),
                            read_only_root_filesystem: Some(true),
                            capabilities: Some(Capabilities {
                                drop: vec!["ALL".into()],
                            }),
                        }),
                    }],
                },
            },
        }),
        status: None,
    }
}

/// Server-side applies everything the agent needs, in dependency order.
pub async fn apply(spec: &Spec, token: &str) -> Result<(), ProviderError> {
    let k = spec.client()?;
    let ns = spec.namespace.as_str();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let ns_obj = |name: &str| Namespace {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        metadata: meta(name, None),
    };
    let _: serde_json::Value = k
        .apply(kinds::NAMESPACE, None, ns, &ns_obj(ns), MANAGER, true)
        .await
        .map_err(kube_error)?;
    let sa = ServiceAccount {
        api_version: "v1".into(),
        kind: "ServiceAccount".into(),
        metadata: meta(AGENT_NAME, Some(ns)),
        automount_service_account_token: Some(true),
    };
    let _: serde_json::Value = k
        .apply(
            kinds::SERVICE_ACCOUNT,
            Some(ns),
            AGENT_NAME,
            &sa,
            MANAGER,
            true,
        )
        .await
        .map_err(kube_error)?;
    let read = spec.read_role();
    let role = Role {
        api_version: "rbac.authorization.k8s.io/v1".into(),
        kind: "ClusterRole".into(),
        metadata: meta(&read, None),
        rules: read_rules(),
    };
    let _: serde_json::Value = k
        .apply(kinds::CLUSTER_ROLE, None, &read, &role, MANAGER, true)
        .await
        .map_err(kube_error)?;
    let binding = RoleBinding {
        api_version: "rbac.authorization.k8s.io/v1".into(),
        kind: "ClusterRoleBinding".into(),
        metadata: meta(&read, None),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "ClusterRole".into(),
            name: read.clone(),
        },
        subjects: subject(spec),
    };
    let _: serde_json::Value = k
        .apply(
            kinds::CLUSTER_ROLE_BINDING,
            None,
            &read,
            &binding,
            MANAGER,
            true,
        )
        .await
        .map_err(kube_error)?;
    for w in &spec.write_namespaces {
        let _: serde_json::Value = k
            .apply(kinds::NAMESPACE, None, w, &ns_obj(w), MANAGER, true)
            .await
            .map_err(kube_error)?;
        let role = Role {
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: "Role".into(),
            metadata: meta(WRITE_ROLE, Some(w)),
            rules: write_rules(),
        };
        let _: serde_json::Value = k
            .apply(kinds::ROLE, Some(w), WRITE_ROLE, &role, MANAGER, true)
            .await
            .map_err(kube_error)?;
        let binding = RoleBinding {
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: "RoleBinding".into(),
            metadata: meta(WRITE_ROLE, Some(w)),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".into(),
                kind: "Role".into(),
                name: WRITE_ROLE.into(),
            },
            subjects: subject(spec),
        };
        let _: serde_json::Value = k
            .apply(
                kinds::ROLE_BINDING,
                Some(w),
                WRITE_ROLE,
                &binding,
                MANAGER,
                true,
            )
            .await
            .map_err(kube_error)?;
    }
    let secret = Secret {
        api_version: "v1".into(),
        kind: "Secret".into(),
        metadata: meta(AGENT_NAME, Some(ns)),
        type_: Some("Opaque".into()),
        data: BTreeMap::from([
            ("token".to_string(), b64(token)),
            ("control-url".to_string(), b64(&spec.control_url)),
        ]),
    };
    let _: serde_json::Value = k
        .apply(kinds::SECRET, Some(ns), AGENT_NAME, &secret, MANAGER, true)
        .await
        .map_err(kube_error)?;
    let _: serde_json::Value = k
        .apply(
            kinds::DEPLOYMENT,
            Some(ns),
            AGENT_NAME,
            &deployment(spec),
            MANAGER,
            true,
        )
        .await
        .map_err(kube_error)?;
    Ok(())
}

/// Deletes the write Role and RoleBinding from namespaces `old` named and `new` no longer does.
pub async fn remove_write_roles(new: &Spec, old: &Spec) -> Result<(), ProviderError> {
    let k = new.client()?;
    for w in old
        .write_namespaces
        .iter()
        .filter(|w| !new.write_namespaces.contains(w))
    {
        k.delete(kinds::ROLE_BINDING, Some(w), WRITE_ROLE)
            .await
            .map_err(kube_error)?;
        k.delete(kinds::ROLE, Some(w), WRITE_ROLE)
            .await
            .map_err(kube_error)?;
    }
    Ok(())
}

/// Removes everything [`apply`] installed (write namespaces themselves stay: they may hold
/// workloads); objects already gone are fine.
pub async fn uninstall(spec: &Spec) -> Result<(), ProviderError> {
    let k = spec.client()?;
    let ns = spec.namespace.as_str();
    let read = spec.read_role();
    k.delete(kinds::DEPLOYMENT, Some(ns), AGENT_NAME)
        .await
        .map_err(kube_error)?;
    k.delete(kinds::SECRET, Some(ns), AGENT_NAME)
        .await
        .map_err(kube_error)?;
    for w in &spec.write_namespaces {
        k.delete(kinds::ROLE_BINDING, Some(w), WRITE_ROLE)
            .await
            .map_err(kube_error)?;
        k.delete(kinds::ROLE, Some(w), WRITE_ROLE)
            .await
            .map_err(kube_error)?;
    }
    k.delete(kinds::CLUSTER_ROLE_BINDING, None, &read)
        .await
        .map_err(kube_error)?;
    k.delete(kinds::CLUSTER_ROLE, None, &read)
        .await
        .map_err(kube_error)?;
    k.delete(kinds::SERVICE_ACCOUNT, Some(ns), AGENT_NAME)
        .await
        .map_err(kube_error)?;
    k.delete(kinds::NAMESPACE, None, ns)
        .await
        .map_err(kube_error)?;
    Ok(())
}

/// Whether the agent is still installed: its Deployment and Secret exist.
pub async fn installed(spec: &Spec) -> Result<bool, ProviderError> {
    let k = spec.client()?;
    let ns = Some(spec.namespace.as_str());
    let d: Option<serde_json::Value> = k
        .get(kinds::DEPLOYMENT, ns, AGENT_NAME)
        .await
        .map_err(kube_error)?;
    let s: Option<serde_json::Value> = k
        .get(kinds::SECRET, ns, AGENT_NAME)
        .await
        .map_err(kube_error)?;
    Ok(d.is_some() && s.is_some())
}

/// The object's attributes after create or update: the planned ones with the computed
/// `id`, `agent_id` and (sensitive) `token`.
pub fn attrs(planned: &Value, spec: &Spec, agent_id: i64, token: &str) -> Value {
    let mut map = planned.as_map().cloned().unwrap_or_default();
    map.insert(
        "id".into(),
        Value::string(format!("{}/{}", spec.workspace, spec.name)),
    );
    map.insert("agent_id".into(), Value::int(agent_id));
    map.insert("token".into(), Value::string(token).sensitive());
    Value::Object(map)
}
