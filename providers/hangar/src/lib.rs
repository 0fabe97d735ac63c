//! The `hangar` provider and its one resource, `hangar_agent`: registers a data-plane agent
//! with the control plane and installs it into the region's cluster through the Kubernetes API
//! (`hangar-remote`'s client; server-side apply as field manager `hangar`).
//!
//! What `hangar_agent` installs, all labelled `app.kubernetes.io/managed-by=hangar`:
//! - the namespace (`hangar-system` by default) and a service account `hangar-agent`;
//! - **least-privilege RBAC**: a ClusterRole granting only `get`/`list` on nodes, pods,
//!   namespaces, deployments, jobs and node metrics (what heartbeats read), bound to the
//!   service account; and, only in the namespaces `write_namespaces` names, a Role allowing
//!   writes to jobs and deployments (workloads) and reads of pods, bound there;
//! - a Secret holding the agent token (from registration) and the control plane URL;
//! - a Deployment of one replica running `hangar -C /workspace -w WORKSPACE agent run` as a
//!   non-root user with a read-only root filesystem and no capabilities, the token from the
//!   Secret (the image carries the workspace's configuration at `/workspace`).
//!
//! The token is shown once by the control plane: it is kept as the sensitive computed
//! attribute `token` in state (state stays in the region) and in the cluster's Secret.
//!
//! Residency: the agent and everything it installs live in the cluster, so the resource's
//! place is the cluster's (`Target::SameAs` the `cluster_type` resource that `cluster`
//! references: an EKS cluster's region, a GKE cluster's location, an AKS cluster's location);
//! a literal `kubernetes_host` that names no region (a loopback test server) is `Unprovable`,
//! one computed from the cluster is `SameAs` the cluster. The provider has no cloud of its own
//! ([`Provider::cloud`] is `None`): the residency gate judges an agent in the cloud of the
//! cluster its places name, so one agent type serves all three clouds. The control plane's URL
//! is not a place of data: registration sends the agent's name and workspace only.
//!
//! How the data-plane modules reach the cluster: EKS through its `endpoint` (CA and token
//! passed in); GKE through `https://ENDPOINT` and `master_auth[0].cluster_ca_certificate`
//! (base64), with the google provider's access token (`google_client_config`); AKS through
//! `kube_config[0]`'s `host`, `cluster_ca_certificate` (base64) and `password` (the cluster
//! user's token).
//!
//! Read (refresh, drift) reports the object gone when the Deployment or the Secret is missing.
//! Delete removes what was installed (the namespace last), then deregisters the agent with the
//! control plane, which revokes its token (the agent stays listed there as revoked).
//!
//! Left out: credentials that need a plugin to obtain (EKS's `aws eks get-token`, AKS with
//! Entra ID's `kubelogin`, client certificates): pass a bearer token. Refresh and destroy use
//! the token recorded by the last apply (they see no configuration), so a token that expires
//! (a Google access token lives an hour) must be renewed by an apply with `--refresh=false`
//! first, or be one that outlives the data plane (a service-account token). Image pull
//! secrets, resource requests on the agent's pod.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod install;

use std::collections::BTreeMap;

use async_trait::async_trait;
use hangar_core::{Cloud, Diagnostic, Diagnostics, Type, Value};
use hangar_provider::place::{Place, Target};
use hangar_provider::{
    ApplyRequest, AttributeSchema, BlockSchema, ConfigureRequest, ConfiguredProvider, PlanRequest,
    PlanResponse, Provider, ProviderError, ReadRequest, RemoteObject, ResourceSchema, Schema,
};
use hangar_remote::control::Control;
use hangar_remote::Secret;

pub use install::Spec;

/// The resource type.
pub const AGENT: &str = "hangar_agent";
/// Environment variable the provider reads the operator token from when the block sets none.
pub const TOKEN_ENV: &str = "HANGAR_CONTROL_TOKEN";
/// Default namespace.
pub const DEFAULT_NAMESPACE: &str = "hangar-system";
/// Default agent image.
pub const DEFAULT_IMAGE: &str = concat!("hangar/agent:", env!("CARGO_PKG_VERSION"));
/// Cluster resource types `cluster_type` may name.
pub const CLUSTER_TYPES: [&str; 3] = [
    "aws_eks_cluster",
    "google_container_cluster",
    "azurerm_kubernetes_cluster",
];

/// The built-in `hangar` provider.
#[derive(Debug, Default)]
pub struct HangarProvider;

fn provider_schema() -> BlockSchema {
    let mut b = BlockSchema::default();
    b.attributes.insert(
        "control_url".into(),
        AttributeSchema::optional(Type::String)
            .describe("The control plane's base URL (needed to create agents)."),
    );
    b.attributes.insert(
        "token".into(),
        AttributeSchema::optional(Type::String)
            .sensitive()
            .describe("An operator token for the workspaces agents are registered in (else HANGAR_CONTROL_TOKEN)."),
    );
    b
}

fn agent_schema() -> ResourceSchema {
    let mut b = BlockSchema::default();
    let a = &mut b.attributes;
    a.insert("id".into(), AttributeSchema::computed(Type::String));
    a.insert(
        "name".into(),
        AttributeSchema::required(Type::String)
            .force_new()
            .describe("Agent name, unique in the workspace."),
    );
    a.insert(
        "workspace".into(),
        AttributeSchema::required(Type::String)
            .force_new()
            .describe("Control-plane workspace the agent serves."),
    );
    a.insert(
        "cluster".into(),
        AttributeSchema::required(Type::String)
            .force_new()
            .describe(
            "The cluster the agent runs in (reference its name or id): where the resource lives.",
        ),
    );
    a.insert(
        "cluster_type".into(),
        AttributeSchema::optional_computed(Type::String)
            .force_new()
            .describe(
                "Resource type of the cluster `cluster` references (default aws_eks_cluster).",
            ),
    );
    a.insert(
        "kubernetes_host".into(),
        AttributeSchema::required(Type::String)
            .force_new()
            .describe("The cluster's API server URL."),
    );
    a.insert(
        "kubernetes_token".into(),
        AttributeSchema::optional(Type::String)
            .sensitive()
            .describe("Bearer token to install with."),
    );
    a.insert(
        "kubernetes_ca_certificate".into(),
        AttributeSchema::optional(Type::String).describe("The cluster's CA certificate (PEM)."),
    );
    a.insert(
        "namespace".into(),
        AttributeSchema::optional_computed(Type::String)
            .force_new()
            .describe("Namespace the agent runs in (default hangar-system)."),
    );
    a.insert(
        "image".into(),
        AttributeSchema::optional_computed(Type::String).describe("The agent's container image."),
    );
    a.insert(
        "write_namespaces".into(),
        AttributeSchema::optional(Type::List(Box::new(Type::String))).describe(
            "Namespaces where the agent may write (workloads); read-only everywhere else.",
        ),
    );
    a.insert(
        "artifact_bucket".into(),
        AttributeSchema::optional(Type::String)
            .force_new()
            .describe(
                "The workspace's artifact bucket, given to the control plane at registration.",
            ),
    );
    a.insert(
        "artifact_bucket_region".into(),
        AttributeSchema::optional(Type::String).force_new(),
    );
    a.insert(
        "agent_id".into(),
        AttributeSchema::computed(Type::Number).describe("The control plane's id of the agent."),
    );
    a.insert(
        "token".into(),
        AttributeSchema::computed(Type::String)
            .sensitive()
            .describe("The agent's token, shown once by the control plane."),
    );
    ResourceSchema {
        block: b,
        refreshable: true,
        version: 0,
    }
}

#[async_trait]
impl Provider for HangarProvider {
    fn name(&self) -> &'static str {
        "hangar"
    }

    fn schema(&self) -> Schema {
        let mut s = Schema {
            provider: provider_schema(),
            ..Schema::default()
        };
        s.resources.insert(AGENT.into(), agent_schema());
        s
    }

    fn cloud(&self) -> Option<Cloud> {
        // No cloud of its own: an agent lives in its cluster, which may be EKS, GKE or AKS.
        // The residency gate judges it in its cluster's cloud, at its cluster's locations,
        // through the `SameAs` places below.
        None
    }

    fn provider_places(&self, _config: &Value) -> Vec<Place> {
        Vec::new()
    }

    fn places(&self, _type_name: &str, _data: bool, config: &Value) -> Vec<Place> {
        let cluster_type = config
            .get_attr("cluster_type")
            .and_then(Value::as_str)
            .unwrap_or(CLUSTER_TYPES[0])
            .to_string();
        let mut out = vec![Place::new(
            "cluster",
            Some("cluster"),
            Target::SameAs {
                type_name: cluster_type.clone(),
            },
        )];
        let host = match config.get_attr("kubernetes_host").map(Value::peel) {
            Some(Value::String(url)) => Target::Unprovable(url.clone()),
            _ => Target::SameAs {
                type_name: cluster_type,
            },
        };
        out.push(Place::new("Kubernetes API", Some("kubernetes_host"), host));
        out
    }

    async fn configure(
        &self,
        req: ConfigureRequest,
    ) -> Result<Box<dyn ConfiguredProvider>, Diagnostics> {
        // Checked when an agent is created, not here: a configuration whose agents are all
        // switched off (`count = 0`) needs no control plane.
        let Some(url) = string(&req.config, "control_url") else {
            return Ok(Box::new(Configured {
                control: Err("provider \"hangar\" needs control_url to register agents".into()),
                url: String::new(),
            }));
        };
        let token = string(&req.config, "token")
            .or_else(|| std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty()));
        let control = match token {
            None => Err(format!(
                "provider \"hangar\" needs token, or {TOKEN_ENV} set, to register agents"
            )),
            Some(token) => Ok(Control::new(&url, Secret::new(token), None).map_err(|e| {
                Diagnostics::from(Diagnostic::error(
                    "Invalid provider \"hangar\"",
                    e.to_string(),
                ))
            })?),
        };
        Ok(Box::new(Configured { control, url }))
    }
}

/// A known string attribute (marks peeled), `None` when null or unknown.
pub(crate) fn string(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .map(Value::peel)
        .and_then(Value::as_str)
        .map(str::to_string)
}

struct Configured {
    /// The control plane client, or why there is none.
    control: Result<Control, String>,
    url: String,
}

fn with_defaults(config: &Value) -> Value {
    let Some(map) = config.as_map() else {
        return config.clone();
    };
    let mut map: BTreeMap<String, Value> = map.clone();
    for (k, d) in [
        ("namespace", DEFAULT_NAMESPACE),
        ("image", DEFAULT_IMAGE),
        ("cluster_type", CLUSTER_TYPES[0]),
    ] {
        if map.get(k).is_none_or(Value::is_null) {
            map.insert(k.into(), Value::string(d));
        }
    }
    Value::Object(map)
}

#[async_trait]
impl ConfiguredProvider for Configured {
    fn region(&self) -> Option<String> {
        None
    }

    async fn plan(
        &self,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        let config = with_defaults(&req.config);
        if let Some(t) = string(&config, "cluster_type") {
            if !CLUSTER_TYPES.contains(&t.as_str()) {
                return Err(ProviderError::new(
                    "PlanResourceChange",
                    format!(
                        "cluster_type {t:?} is not one of {}",
                        CLUSTER_TYPES.join(", ")
                    ),
                ));
            }
        }
        let req = PlanRequest { config, ..req };
        Ok(hangar_provider::plan::plan_by_schema(schema, &req))
    }

    async fn create(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        let planned = planned(&req)?;
        let control = self
            .control
            .as_ref()
            .map_err(|m| ProviderError::new("RegisterAgent", m.clone()))?;
        let spec = Spec::from_value(planned, &self.url)?;
        let registered = install::register(control, &spec).await?;
        install::apply(&spec, &registered.token).await?;
        Ok(RemoteObject {
            attrs: install::attrs(planned, &spec, registered.id, &registered.token),
            ..RemoteObject::default()
        })
    }

    async fn update(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        let planned = planned(&req)?;
        let spec = Spec::from_value(planned, &self.url)?;
        let prior = req
            .prior
            .as_ref()
            .ok_or_else(|| ProviderError::new("Update", "update without a prior object"))?;
        let token = string(prior, "token")
            .ok_or_else(|| ProviderError::new("Update", "the recorded agent token is missing"))?;
        let id = prior
            .get_attr("agent_id")
            .and_then(Value::as_number)
            .and_then(|n| n.to_string().parse::<i64>().ok())
            .unwrap_or(0);
        if let Ok(old) = Spec::from_value(prior, &self.url) {
            install::remove_write_roles(&spec, &old).await?;
        }
        install::apply(&spec, &token).await?;
        Ok(RemoteObject {
            attrs: install::attrs(planned, &spec, id, &token),
            ..RemoteObject::default()
        })
    }

    async fn delete(&self, req: ApplyRequest) -> Result<(), ProviderError> {
        let prior = req
            .prior
            .as_ref()
            .ok_or_else(|| ProviderError::new("Delete", "delete without a prior object"))?;
        let spec = Spec::from_value(prior, &self.url)?;
        install::uninstall(&spec).await?;
        // Only once nothing runs with it: its token is revoked.
        let control = self
            .control
            .as_ref()
            .map_err(|m| ProviderError::new("DeregisterAgent", m.clone()))?;
        install::deregister(control, &spec).await
    }

    async fn read(&self, req: ReadRequest) -> Result<Option<RemoteObject>, ProviderError> {
        let spec = Spec::from_value(&req.prior, &self.url)?;
        if !install::installed(&spec).await? {
            return Ok(None);
        }
        Ok(Some(RemoteObject {
            attrs: req.prior.clone(),
            ..RemoteObject::default()
        }))
    }
}

fn planned(req: &ApplyRequest) -> Result<&Value, ProviderError> {
    req.planned
        .as_ref()
        .ok_or_else(|| ProviderError::new("Apply", "apply without a planned object"))
}
