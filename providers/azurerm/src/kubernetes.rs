//! AKS: `azurerm_kubernetes_cluster` (api-version 2024-05-01), and the shapes its node pools
//! share with `azurerm_kubernetes_cluster_node_pool` (`node_pool`).
//!
//! A cluster is one long-running PUT of the managed cluster with its default node pool
//! (`Azure-AsyncOperation` polling, `timeouts.create`, default 90m); `kubernetes_version`,
//! the default pool's `node_count`, `identity` and tags change in place with another PUT;
//! name, group, location, `dns_prefix`, `private_cluster_enabled` and the default pool's
//! name, size and subnet replace it. `kube_config` (`host`, `cluster_ca_certificate`, the
//! user's `username` and bearer token as `password`) comes from `listClusterUserCredential`. A
//! node pool is an agent pool of a cluster, created and changed the same way; its region is its
//! cluster's. Import ids: the ARM ids. A provisioning that ends `Failed` fails the apply with
//! ARM's error code and message. Left out: network profiles, add-ons, autoscaling, Azure AD
//! integration, node labels and taints.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use hangar_core::{Type, Value};
use hangar_provider::{
    AttributeSchema, BlockSchema, NestedBlock, Nesting, OperationContext, PlanRequest,
    PlanResponse, ProviderError, RemoteObject, ResourceSchema,
};
use serde::{Deserialize, Serialize};

use crate::attrs;
use crate::resource::{one_block, ArmId, Azure, Default, PlanRules, Resource};
use crate::tags;
use crate::wait::{self, fail};

/// Api-version of managed clusters and agent pools.
pub const API: &str = "2024-05-01";
const CLUSTER_TIMEOUT: Duration = Duration::from_secs(90 * 60);

/// A managed cluster as ARM shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cluster {
    /// ARM id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Location.
    pub location: String,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Managed identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// Properties.
    #[serde(default)]
    pub properties: ClusterProperties,
}

/// A cluster's managed identity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    /// `SystemAssigned` or `UserAssigned`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A managed cluster's properties.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterProperties {
    /// Provisioning state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
    /// DNS prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_prefix: Option<String>,
    /// Kubernetes version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    /// API server FQDN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    /// The group AKS keeps the nodes in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_resource_group: Option<String>,
    /// Agent pools.
    #[serde(default)]
    pub agent_pool_profiles: Vec<PoolProperties>,
    /// API server access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server_access_profile: Option<ApiServerAccess>,
}

/// API server access.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiServerAccess {
    /// Private cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_private_cluster: Option<bool>,
}

/// An agent pool's properties (also an entry of `agentPoolProfiles`, with its `name`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolProperties {
    /// Name (in `agentPoolProfiles` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Node count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// VM size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    /// Subnet.
    #[serde(
        default,
        rename = "vnetSubnetID",
        skip_serializing_if = "Option::is_none"
    )]
    pub vnet_subnet_id: Option<String>,
    /// `System` or `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `VirtualMachineScaleSets`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub pool_type: Option<String>,
    /// Provisioning state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
    /// Tags (node pools).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// An agent pool as ARM shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pool {
    /// ARM id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: PoolProperties,
}

#[derive(Deserialize)]
struct Credentials {
    kubeconfigs: Vec<KubeconfigEntry>,
}

#[derive(Deserialize)]
struct KubeconfigEntry {
    value: String,
}

/// The id of cluster `name` in group `group`.
pub fn cluster_id(az: &Azure, group: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.ContainerService/managedClusters/{name}",
        az.group_id(group)
    )
}

/// `azurerm_kubernetes_cluster`.
pub struct KubernetesCluster;

fn cluster_body(planned: &Value, ctx: &OperationContext) -> Cluster {
    let pool = attrs::block(planned, "default_node_pool")
        .cloned()
        .unwrap_or(Value::NULL);
    Cluster {
        id: None,
        location: attrs::string(planned, "location").unwrap_or_default(),
        tags: tags::to_write(planned, ctx),
        identity: attrs::block(planned, "identity")
            .and_then(|i| attrs::string(i, "type").map(|kind| Identity { kind })),
        properties: ClusterProperties {
            dns_prefix: attrs::string(planned, "dns_prefix"),
            kubernetes_version: attrs::string(planned, "kubernetes_version"),
            agent_pool_profiles: vec![PoolProperties {
                name: attrs::string(&pool, "name"),
                count: attrs::int(&pool, "node_count"),
                vm_size: attrs::string(&pool, "vm_size"),
                vnet_subnet_id: attrs::string(&pool, "vnet_subnet_id"),
                mode: Some("System".into()),
                pool_type: Some("VirtualMachineScaleSets".into()),
                ..PoolProperties::default()
            }],
            api_server_access_profile: Some(ApiServerAccess {
                enable_private_cluster: attrs::boolean(planned, "private_cluster_enabled"),
            }),
            ..ClusterProperties::default()
        },
    }
}

/// What `kube_config` reports of a kubeconfig: its cluster's `server` and
/// `certificate-authority-data`, its user's name and bearer `token` (Terraform's `username` and
/// `password`; empty when the user authenticates otherwise, as with Entra ID).
struct KubeFields {
    host: String,
    ca: String,
    username: String,
    password: String,
}

fn kube_fields(kubeconfig: &str) -> KubeFields {
    let field = |key: &str| {
        kubeconfig
            .lines()
            .find_map(|l| l.trim().strip_prefix(key).map(|v| v.trim().to_string()))
            .unwrap_or_default()
    };
    // The user's name is the `- name:` entry of the `users:` list.
    let username = kubeconfig
        .split_once("\nusers:")
        .and_then(|(_, users)| {
            users.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("- name:")
                    .map(|v| v.trim().to_string())
            })
        })
        .unwrap_or_default();
    KubeFields {
        host: field("server:"),
        ca: field("certificate-authority-data:"),
        username,
        password: field("token:"),
    }
}

impl KubernetesCluster {
    fn id_of(az: &Azure, v: &Value) -> Option<String> {
        attrs::string(v, "id").or_else(|| {
            Some(cluster_id(
                az,
                &attrs::string(v, "resource_group_name")?,
                &attrs::string(v, "name")?,
            ))
        })
    }

    async fn read_id(
        &self,
        az: &Azure,
        id: &str,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(c): Option<Cluster> = az
            .arm
            .get(id, API)
            .await
            .map_err(|e| fail("ManagedClusters.Get", id, "read", e))?
        else {
            return Ok(None);
        };
        let parsed = ArmId::parse(id);
        let creds: Credentials = az
            .arm
            .post(&format!("{id}/listClusterUserCredential"), API)
            .await
            .map_err(|e| fail("ManagedClusters.ListClusterUserCredentials", id, "read", e))?;
        let raw = creds
            .kubeconfigs
            .first()
            .and_then(|k| {
                base64::engine::general_purpose::STANDARD
                    .decode(&k.value)
                    .ok()
            })
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let kube = kube_fields(&raw);
        let p = &c.properties;
        let wanted_pool =
            attrs::block(shape, "default_node_pool").and_then(|b| attrs::string(b, "name"));
        let pool = p
            .agent_pool_profiles
            .iter()
            .find(|x| wanted_pool.is_some() && x.name == wanted_pool)
            .or_else(|| {
                p.agent_pool_profiles
                    .iter()
                    .find(|x| x.mode.as_deref() == Some("System"))
            });
        let default_pool = pool.map(|x| {
            attrs::object([
                ("name", attrs::opt_string(x.name.clone())),
                ("node_count", attrs::opt_int(x.count)),
                ("vm_size", attrs::opt_string(x.vm_size.clone())),
                (
                    "vnet_subnet_id",
                    attrs::opt_string(x.vnet_subnet_id.clone()),
                ),
            ])
        });
        let identity = c
            .identity
            .as_ref()
            .map(|i| attrs::object([("type", Value::string(&i.kind))]));
        let name = parsed
            .as_ref()
            .and_then(|p| p.name("managedClusters").map(str::to_string))
            .unwrap_or_default();
        let mut m = BTreeMap::new();
        m.insert(
            "id".into(),
            Value::string(c.id.clone().unwrap_or_else(|| id.to_string())),
        );
        m.insert("name".into(), Value::string(name));
        m.insert(
            "resource_group_name".into(),
            attrs::opt_string(parsed.map(|p| p.group)),
        );
        m.insert("location".into(), Value::string(&c.location));
        m.insert("dns_prefix".into(), attrs::opt_string(p.dns_prefix.clone()));
        m.insert(
            "kubernetes_version".into(),
            attrs::opt_string(p.kubernetes_version.clone()),
        );
        m.insert(
            "private_cluster_enabled".into(),
            Value::Bool(
                p.api_server_access_profile
                    .as_ref()
                    .and_then(|a| a.enable_private_cluster)
                    .unwrap_or(false),
            ),
        );
        m.insert(
            "fqdn".into(),
            Value::string(p.fqdn.clone().unwrap_or_default()),
        );
        m.insert(
            "node_resource_group".into(),
            Value::string(p.node_resource_group.clone().unwrap_or_default()),
        );
        m.insert("kube_config_raw".into(), Value::string(raw).sensitive());
        m.insert(
            "kube_config".into(),
            Value::List(vec![attrs::object([
                ("host", Value::string(kube.host)),
                ("cluster_ca_certificate", Value::string(kube.ca)),
                ("username", Value::string(kube.username)),
                ("password", Value::string(kube.password)),
            ])])
            .sensitive(),
        );
        m.insert("default_node_pool".into(), one_block(default_pool));
        m.insert("identity".into(), one_block(identity));
        m.insert(
            "tags".into(),
            tags::user(&c.tags, attrs::get(shape, "tags")),
        );
        m.insert("timeouts".into(), attrs::get(shape, "timeouts").clone());
        Ok(Some(RemoteObject {
            deferred: None,
            private: Vec::new(),
            attrs: Value::Object(m),
            region: Some(c.location),
        }))
    }

    async fn put(
        &self,
        az: &Azure,
        planned: &Value,
        ctx: &OperationContext,
        knob: &str,
    ) -> Result<RemoteObject, ProviderError> {
        let id = Self::id_of(az, planned).ok_or_else(|| {
            wait::refuse(
                "ManagedClusters.CreateOrUpdate",
                "name and resource_group_name must be set",
            )
        })?;
        let verb = if knob == "create" {
            "creation"
        } else {
            "update"
        };
        let w = wait::wait(
            planned,
            knob,
            CLUSTER_TIMEOUT,
            format!("{verb} of AKS cluster {id}"),
        )?;
        let _: Cluster = az
            .arm
            .put(&id, API, &cluster_body(planned, ctx), &w)
            .await
            .map_err(|e| fail("ManagedClusters.CreateOrUpdate", &id, knob, e))?;
        self.read_id(az, &id, planned).await?.ok_or_else(|| {
            wait::refuse("ManagedClusters.Get", format!("{id} vanished after {verb}"))
        })
    }
}

#[async_trait]
impl Resource for KubernetesCluster {
    fn type_name(&self) -> &'static str {
        "azurerm_kubernetes_cluster"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        let s = Type::String;
        a.insert("id".into(), AttributeSchema::computed(s.clone()));
        for n in ["name", "location", "resource_group_name", "dns_prefix"] {
            a.insert(n.into(), AttributeSchema::required(s.clone()).force_new());
        }
        a.insert(
            "kubernetes_version".into(),
            AttributeSchema::optional_computed(s.clone())
                .describe("Kubernetes version; AKS's default when unset."),
        );
        a.insert(
            "private_cluster_enabled".into(),
            AttributeSchema::optional(Type::Bool)
                .force_new()
                .describe("Default false."),
        );
        a.insert(
            "tags".into(),
            AttributeSchema::optional(Type::Map(Box::new(Type::String))),
        );
        a.insert("fqdn".into(), AttributeSchema::computed(s.clone()));
        a.insert(
            "node_resource_group".into(),
            AttributeSchema::computed(s.clone()),
        );
        a.insert(
            "kube_config_raw".into(),
            AttributeSchema::computed(s.clone()).sensitive(),
        );
        a.insert(
            "kube_config".into(),
            AttributeSchema::computed(Type::List(Box::new(Type::object([
                ("host".to_string(), Type::String),
                ("cluster_ca_certificate".to_string(), Type::String),
                ("username".to_string(), Type::String),
                ("password".to_string(), Type::String),
            ]))))
            .sensitive(),
        );
        let mut pool = BlockSchema::default();
        pool.attributes
            .insert("name".into(), AttributeSchema::required(s.clone()));
        pool.attributes
            .insert("node_count".into(), AttributeSchema::required(Type::Number));
        pool.attributes
            .insert("vm_size".into(), AttributeSchema::required(s.clone()));
        pool.attributes.insert(
            "vnet_subnet_id".into(),
            AttributeSchema::optional(s.clone()),
        );
        b.blocks.insert(
            "default_node_pool".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: pool,
                force_new: false,
            },
        );
        let mut identity = BlockSchema::default();
        identity.attributes.insert(
            "type".into(),
            AttributeSchema::required(s).describe("SystemAssigned or UserAssigned."),
        );
        b.blocks.insert(
            "identity".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: identity,
                force_new: false,
            },
        );
        b.blocks.insert("timeouts".into(), wait::timeouts_block());
        ResourceSchema {
            version: 0,
            block: b,
            refreshable: true,
        }
    }

    fn rules(&self) -> PlanRules {
        PlanRules {
            defaults: &[("private_cluster_enabled", Default::Bool(false))],
            block_defaults: &[],
            single: &["default_node_pool", "identity"],
            nested_force_new: &[
                ("default_node_pool", "name"),
                ("default_node_pool", "vm_size"),
                ("default_node_pool", "vnet_subnet_id"),
            ],
        }
    }

    fn plan(
        &self,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        if attrs::blocks(&req.config, "default_node_pool").is_empty() {
            return Err(wait::refuse(
                "Plan",
                "azurerm_kubernetes_cluster needs a default_node_pool block",
            ));
        }
        let prior = req.prior.clone().filter(|p| !p.is_null());
        let mut resp = self.rules().plan(schema, req)?;
        if let Some(p) = prior.filter(|_| resp.requires_replace.is_empty()) {
            // The credentials AKS hands out are read back after every change.
            if hangar_provider::plan::differs(&p, &resp.planned) {
                for n in ["kube_config_raw", "kube_config"] {
                    let ty = schema.block.attributes[n].ty.clone();
                    resp.planned = attrs::with(resp.planned, n, Value::Unknown(ty).sensitive());
                }
            }
        }
        Ok(resp)
    }

    async fn create(
        &self,
        az: &Azure,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        if let Some(id) = Self::id_of(az, planned) {
            if self.read_id(az, &id, planned).await?.is_some() {
                return Err(ProviderError {
                    call: "ManagedClusters.CreateOrUpdate".into(),
                    code: Some("ResourceAlreadyExists".into()),
                    message: format!("{id}: the cluster already exists; import it to manage it"),
                });
            }
        }
        self.put(az, planned, ctx, "create").await
    }

    async fn read(&self, az: &Azure, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(id) = Self::id_of(az, prior) else {
            return Ok(None);
        };
        self.read_id(az, &id, prior).await
    }

    async fn update(
        &self,
        az: &Azure,
        _prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        self.put(az, planned, ctx, "update").await
    }

    async fn delete(&self, az: &Azure, prior: &Value) -> Result<(), ProviderError> {
        let Some(id) = Self::id_of(az, prior) else {
            return Ok(());
        };
        let w = wait::wait(
            prior,
            "delete",
            CLUSTER_TIMEOUT,
            format!("deletion of AKS cluster {id}"),
        )?;
        match az.arm.delete(&id, API, &w).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(fail("ManagedClusters.Delete", &id, "delete", e)),
        }
    }

    async fn import(&self, az: &Azure, id: &str) -> Result<RemoteObject, ProviderError> {
        let ok = ArmId::parse(id)
            .is_some_and(|p| p.names.len() == 1 && p.name("managedClusters").is_some());
        if !ok {
            return Err(wait::refuse(
                "Import",
                format!("\"{id}\" is not a managed cluster id (.../providers/Microsoft.ContainerService/managedClusters/NAME)"),
            ));
        }
        self.read_id(az, id, &Value::NULL)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some("ResourceNotFound".into()),
                message: format!("AKS cluster {id} does not exist"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_fields_are_read() {
        let k = kube_fields(
            "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0E=\n    server: https://x.hcp.westeurope.azmk8s.io:443\n  name: x\ncontexts:\n- context:\n    cluster: x\n    user: clusterUser_rg_x\n  name: x\nusers:\n- name: clusterUser_rg_x\n  user:\n    token: abc123\n",
        );
        assert_eq!(k.host, "https://x.hcp.westeurope.azmk8s.io:443");
        assert_eq!(k.ca, "Q0E=");
        assert_eq!(k.username, "clusterUser_rg_x");
        assert_eq!(k.password, "abc123");
        // A user without a token (Entra ID's exec plugin): no password.
        let k = kube_fields("users:\n- name: u\n  user:\n    exec:\n      command: kubelogin\n");
        assert_eq!(k.password, "");
    }
}
