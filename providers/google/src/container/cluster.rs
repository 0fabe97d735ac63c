//! `google_container_cluster`: a GKE cluster.
//!
//! Create (`clusters.create`) carries every setting and the ownership labels, then waits for
//! the operation (`timeouts.create`, default 40m) and, with `remove_default_node_pool`,
//! deletes the default pool. In place: `min_master_version` (`clusters.update`) and
//! `resource_labels` (`clusters.setResourceLabels`), each waiting for its operation
//! (`timeouts.update`, default 60m). Name, location, project, network, subnetwork, the
//! default pool's `node_config` and `private_cluster_config` replace the cluster. Like
//! Terraform, `deletion_protection` defaults to true and refuses to destroy until set false
//! and applied. `location` defaults to the provider's zone, else region. Import id:
//! `projects/P/locations/L/clusters/C`, `P/L/C` or `L/C`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use hangar_core::{Type, Value};
use hangar_google_client::container::{
    Cluster as ApiCluster, ClusterUpdate, PrivateClusterConfig, SetLabelsRequest,
};
use hangar_provider::{
    AttributeSchema, BlockSchema, NestedBlock, Nesting, OperationContext, ProviderError,
    RemoteObject, ResourceSchema,
};

use super::{
    cluster_id, node_config_block, parse_cluster_id, read_node_config, wait_operation,
    write_node_config,
};
use crate::attrs;
use crate::error::{missing, on, refuse};
use crate::labels;
use crate::resource::{keep, one_block, Google, PlanRules, Resource};
use crate::wait;

/// `google_container_cluster`.
pub struct Cluster;

const CREATE: Duration = Duration::from_secs(40 * 60);
const UPDATE: Duration = Duration::from_secs(60 * 60);
const DELETE: Duration = Duration::from_secs(40 * 60);

const CONFIG_ONLY: &[&str] = &[
    "remove_default_node_pool",
    "deletion_protection",
    "min_master_version",
    "timeouts",
];

/// `(project, location, name)` of a recorded or planned cluster.
pub fn coordinates(
    g: &Google,
    v: &Value,
    call: &str,
) -> Result<(String, String, String), ProviderError> {
    if let Some((p, l, n)) = attrs::string(v, "id").as_deref().and_then(parse_cluster_id) {
        if let Some(p) = p {
            return Ok((p, l, n));
        }
        return Ok((g.clients.project_of(v, call)?, l, n));
    }
    let project = g.clients.project_of(v, call)?;
    let location = attrs::string(v, "location")
        .or_else(|| g.clients.default_location())
        .ok_or_else(|| missing(call, "location"))?;
    let name = attrs::string(v, "name").ok_or_else(|| missing(call, "name"))?;
    Ok((project, location, name))
}

impl Cluster {
    /// Reads the cluster, shaping config-only and optional attributes like `shape`.
    pub(crate) async fn read_at(
        &self,
        g: &Google,
        (project, location, name): (&str, &str, &str),
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let id = cluster_id(project, location, name);
        let Some(c) = g
            .clients
            .container
            .get_cluster(project, location, name)
            .await
            .map_err(|e| on(&format!("cluster {id}"), e))?
        else {
            return Ok(None);
        };
        Ok(Some(self.shape(g, project, location, &c, shape)))
    }

    fn shape(
        &self,
        g: &Google,
        project: &str,
        location: &str,
        c: &ApiCluster,
        shape: &Value,
    ) -> RemoteObject {
        let location = c.location.clone().unwrap_or_else(|| location.to_string());
        let mut m = BTreeMap::new();
        keep(&mut m, shape, CONFIG_ONLY);
        if attrs::get(shape, "deletion_protection").is_null() {
            m.insert("deletion_protection".into(), Value::Bool(true));
        }
        if attrs::get(shape, "remove_default_node_pool").is_null() {
            m.insert("remove_default_node_pool".into(), Value::Null(Type::Bool));
        }
        m.insert(
            "id".into(),
            Value::string(cluster_id(project, &location, &c.name)),
        );
        m.insert("name".into(), Value::string(c.name.clone()));
        m.insert("location".into(), Value::string(location.clone()));
        m.insert("project".into(), Value::string(project));
        m.insert(
            "initial_node_count".into(),
            match c.initial_node_count {
                Some(n) => Value::int(n),
                None => attrs::get(shape, "initial_node_count").clone(),
            },
        );
        m.insert("network".into(), attrs::opt_string(c.network.clone()));
        m.insert("subnetwork".into(), attrs::opt_string(c.subnetwork.clone()));
        m.insert(
            "master_version".into(),
            attrs::opt_string(c.current_master_version.clone()),
        );
        m.insert("endpoint".into(), attrs::opt_string(c.endpoint.clone()));
        m.insert("self_link".into(), attrs::opt_string(c.self_link.clone()));
        m.insert(
            "label_fingerprint".into(),
            attrs::opt_string(c.label_fingerprint.clone()),
        );
        m.insert(
            "master_auth".into(),
            Value::List(vec![attrs::object([(
                "cluster_ca_certificate",
                attrs::opt_string(
                    c.master_auth
                        .as_ref()
                        .and_then(|a| a.cluster_ca_certificate.clone()),
                ),
            )])]),
        );
        let (user, terraform, all) = labels::split(
            &c.resource_labels.clone().unwrap_or_default(),
            &g.default_labels,
            attrs::get(shape, "resource_labels"),
        );
        m.insert("resource_labels".into(), user);
        m.insert("terraform_labels".into(), terraform);
        m.insert("effective_labels".into(), all);
        let nc_shape = attrs::get(shape, "node_config");
        let want_nc = nc_shape.is_null() || !attrs::blocks(shape, "node_config").is_empty();
        m.insert(
            "node_config".into(),
            one_block(c.node_config.as_ref().filter(|_| want_nc).map(|nc| {
                read_node_config(
                    nc,
                    attrs::block(shape, "node_config").unwrap_or(&Value::NULL),
                )
            })),
        );
        let pcc = c.private_cluster_config.as_ref();
        let want_pcc = pcc.is_some_and(|p| p.enable_private_nodes == Some(true))
            || !attrs::blocks(shape, "private_cluster_config").is_empty();
        m.insert(
            "private_cluster_config".into(),
            one_block(pcc.filter(|_| want_pcc).map(|p| {
                attrs::object([
                    (
                        "enable_private_nodes",
                        Value::Bool(p.enable_private_nodes.unwrap_or(false)),
                    ),
                    (
                        "enable_private_endpoint",
                        Value::Bool(p.enable_private_endpoint.unwrap_or(false)),
                    ),
                    (
                        "master_ipv4_cidr_block",
                        attrs::opt_string(p.master_ipv4_cidr_block.clone()),
                    ),
                    (
                        "private_endpoint",
                        attrs::opt_string(p.private_endpoint.clone()),
                    ),
                    (
                        "public_endpoint",
                        attrs::opt_string(p.public_endpoint.clone()),
                    ),
                ])
            })),
        );
        RemoteObject {
            deferred: None,
            private: Vec::new(),
            attrs: Value::Object(m),
            region: Some(location),
        }
    }
}

#[async_trait]
impl Resource for Cluster {
    fn type_name(&self) -> &'static str {
        "google_container_cluster"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        let map = || Type::Map(Box::new(Type::String));
        let computed = |d: &'static str| AttributeSchema::computed(Type::String).describe(d);
        a.insert(
            "id".into(),
            computed("projects/P/locations/L/clusters/NAME"),
        );
        a.insert(
            "name".into(),
            AttributeSchema::required(Type::String).force_new(),
        );
        a.insert(
            "location".into(),
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("Region or zone; the provider's zone, else region, when unset."),
        );
        a.insert(
            "project".into(),
            AttributeSchema::optional_computed(Type::String).force_new(),
        );
        a.insert(
            "initial_node_count".into(),
            AttributeSchema::optional_computed(Type::Number)
                .force_new()
                .describe("Nodes of the default pool (per zone)."),
        );
        a.insert(
            "remove_default_node_pool".into(),
            AttributeSchema::optional(Type::Bool)
                .describe("Delete the default node pool right after creating the cluster."),
        );
        a.insert(
            "min_master_version".into(),
            AttributeSchema::optional(Type::String)
                .describe("Lowest master version; upgraded in place."),
        );
        a.insert(
            "master_version".into(),
            computed("The master's current version."),
        );
        a.insert(
            "network".into(),
            AttributeSchema::optional_computed(Type::String).force_new(),
        );
        a.insert(
            "subnetwork".into(),
            AttributeSchema::optional_computed(Type::String).force_new(),
        );
        a.insert("resource_labels".into(), AttributeSchema::optional(map()));
        a.insert("terraform_labels".into(), AttributeSchema::computed(map()));
        a.insert(
            "effective_labels".into(),
            AttributeSchema::computed(map())
                .describe("Every label on the cluster, Hangar's ownership labels included."),
        );
        a.insert(
            "label_fingerprint".into(),
            computed("Fingerprint of the labels."),
        );
        a.insert(
            "deletion_protection".into(),
            AttributeSchema::optional(Type::Bool)
                .describe("Refuse to destroy the cluster (default true)."),
        );
        a.insert("endpoint".into(), computed("The master's IP address."));
        a.insert(
            "self_link".into(),
            computed("The API's link to the cluster."),
        );
        a.insert(
            "master_auth".into(),
            AttributeSchema::computed(Type::List(Box::new(Type::object([(
                "cluster_ca_certificate".to_string(),
                Type::String,
            )]))))
            .describe("master_auth[0].cluster_ca_certificate: base64 PEM of the cluster CA."),
        );
        b.blocks
            .insert("node_config".into(), node_config_block(true));
        let mut pcc = BlockSchema::default();
        pcc.attributes.insert(
            "enable_private_nodes".into(),
            AttributeSchema::optional(Type::Bool),
        );
        pcc.attributes.insert(
            "enable_private_endpoint".into(),
            AttributeSchema::optional(Type::Bool),
        );
        pcc.attributes.insert(
            "master_ipv4_cidr_block".into(),
            AttributeSchema::optional_computed(Type::String),
        );
        for n in ["private_endpoint", "public_endpoint"] {
            pcc.attributes
                .insert(n.into(), AttributeSchema::computed(Type::String));
        }
        b.blocks.insert(
            "private_cluster_config".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: pcc,
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
            defaults: &[("deletion_protection", true)],
            single: &["node_config", "private_cluster_config"],
            nested_force_new: &[
                ("private_cluster_config", "enable_private_nodes"),
                ("private_cluster_config", "enable_private_endpoint"),
                ("private_cluster_config", "master_ipv4_cidr_block"),
            ],
            nested_computed: &[
                ("node_config", "machine_type"),
                ("node_config", "disk_size_gb"),
                ("node_config", "disk_type"),
                ("node_config", "image_type"),
                ("node_config", "oauth_scopes"),
                ("node_config", "service_account"),
                ("private_cluster_config", "master_ipv4_cidr_block"),
                ("private_cluster_config", "private_endpoint"),
                ("private_cluster_config", "public_endpoint"),
            ],
            computed_blocks: &["node_config", "private_cluster_config"],
            labels: Some("resource_labels"),
            project: true,
            location: true,
            ..PlanRules::default()
        }
    }

    async fn create(
        &self,
        g: &Google,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let call = "container.projects.locations.clusters.create";
        let (project, location, name) = coordinates(g, planned, call)?;
        let id = cluster_id(&project, &location, &name);
        let what = format!("cluster {id}");
        let budget = wait::budget(planned, "create", CREATE)?;
        let pcc = attrs::block(planned, "private_cluster_config").map(|p| PrivateClusterConfig {
            enable_private_nodes: attrs::boolean(p, "enable_private_nodes"),
            enable_private_endpoint: attrs::boolean(p, "enable_private_endpoint"),
            master_ipv4_cidr_block: attrs::string(p, "master_ipv4_cidr_block"),
            ..PrivateClusterConfig::default()
        });
        let body = ApiCluster {
            name: name.clone(),
            initial_node_count: Some(attrs::int(planned, "initial_node_count").unwrap_or(1)),
            node_config: attrs::block(planned, "node_config")
                .map(|b| write_node_config(b, &BTreeMap::new())),
            network: attrs::string(planned, "network"),
            subnetwork: attrs::string(planned, "subnetwork"),
            resource_labels: Some(labels::to_write(
                planned,
                "resource_labels",
                &g.default_labels,
                ctx,
            )),
            private_cluster_config: pcc,
            initial_cluster_version: attrs::string(planned, "min_master_version"),
            ..ApiCluster::default()
        };
        let op = g
            .clients
            .container
            .create_cluster(&project, &location, body)
            .await
            .map_err(|e| on(&what, e))?;
        wait_operation(g, &project, &location, op, &what, "create", budget).await?;
        if attrs::boolean(planned, "remove_default_node_pool") == Some(true) {
            match g
                .clients
                .container
                .delete_node_pool(&project, &location, &name, "default-pool")
                .await
            {
                Ok(op) => {
                    wait_operation(g, &project, &location, op, &what, "create", budget).await?
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(on(&format!("{what} default node pool"), e)),
            }
        }
        self.read_at(g, (&project, &location, &name), planned)
            .await?
            .ok_or_else(|| refuse(call, format!("{what} vanished after create")))
    }

    async fn read(&self, g: &Google, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let (p, l, n) = coordinates(g, prior, "container.projects.locations.clusters.get")?;
        self.read_at(g, (&p, &l, &n), prior).await
    }

    async fn update(
        &self,
        g: &Google,
        prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let call = "container.projects.locations.clusters.update";
        let (project, location, name) = coordinates(g, prior, call)?;
        let what = format!("cluster {}", cluster_id(&project, &location, &name));
        let budget = wait::budget(planned, "update", UPDATE)?;
        let c = &g.clients.container;
        let want = attrs::string(planned, "min_master_version");
        if want.is_some() && want != attrs::string(prior, "min_master_version") {
            let op = c
                .update_cluster(
                    &project,
                    &location,
                    &name,
                    ClusterUpdate {
                        desired_master_version: want,
                    },
                )
                .await
                .map_err(|e| on(&what, e))?;
            wait_operation(g, &project, &location, op, &what, "update", budget).await?;
        }
        if labels::user_changed(prior, planned) {
            let current = c
                .get_cluster(&project, &location, &name)
                .await
                .map_err(|e| on(&what, e))?
                .ok_or_else(|| refuse(call, format!("{what} does not exist")))?;
            let body = SetLabelsRequest {
                resource_labels: labels::to_write(
                    planned,
                    "resource_labels",
                    &g.default_labels,
                    ctx,
                ),
                label_fingerprint: current.label_fingerprint.unwrap_or_default(),
            };
            let op = c
                .set_resource_labels(&project, &location, &name, body)
                .await
                .map_err(|e| on(&what, e))?;
            wait_operation(g, &project, &location, op, &what, "update", budget).await?;
        }
        self.read_at(g, (&project, &location, &name), planned)
            .await?
            .ok_or_else(|| refuse(call, format!("{what} vanished during update")))
    }

    async fn delete(&self, g: &Google, prior: &Value) -> Result<(), ProviderError> {
        let call = "container.projects.locations.clusters.delete";
        if attrs::boolean(prior, "deletion_protection") != Some(false) {
            return Err(refuse(
                call,
                "Cannot destroy cluster because deletion_protection is set to true. Set it to \
                 false to proceed with cluster deletion.",
            ));
        }
        let (project, location, name) = coordinates(g, prior, call)?;
        let what = format!("cluster {}", cluster_id(&project, &location, &name));
        let budget = wait::budget(prior, "delete", DELETE)?;
        match g
            .clients
            .container
            .delete_cluster(&project, &location, &name)
            .await
        {
            Ok(op) => wait_operation(g, &project, &location, op, &what, "delete", budget).await,
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(on(&what, e)),
        }
    }

    async fn import(&self, g: &Google, id: &str) -> Result<RemoteObject, ProviderError> {
        let (p, l, n) = parse_cluster_id(id).ok_or_else(|| {
            refuse(
                "Import",
                format!(
                    "\"{id}\" is not a cluster id (projects/P/locations/L/clusters/NAME, P/L/NAME \
                     or L/NAME)"
                ),
            )
        })?;
        let p = match p {
            Some(p) => p,
            None => g.clients.project_of(&Value::NULL, "Import")?,
        };
        let shape = attrs::object([
            ("deletion_protection", Value::Bool(true)),
            ("node_config", Value::NULL),
        ]);
        self.read_at(g, (&p, &l, &n), &shape)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some("NOT_FOUND".into()),
                message: format!("cluster {} does not exist", cluster_id(&p, &l, &n)),
            })
    }

    async fn find_created(
        &self,
        g: &Google,
        token: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let (p, l, n) = coordinates(g, planned, "container.projects.locations.clusters.get")?;
        let c = g
            .clients
            .container
            .get_cluster(&p, &l, &n)
            .await
            .map_err(|e| on(&format!("cluster {}", cluster_id(&p, &l, &n)), e))?;
        Ok(c.filter(|c| {
            labels::get(&c.resource_labels.clone().unwrap_or_default(), "token").as_deref()
                == Some(token)
        })
        .map(|_| cluster_id(&p, &l, &n)))
    }
}
