//! `google_container_node_pool`: a node pool of a GKE cluster.
//!
//! `cluster` names the cluster (its name, or its id `projects/P/locations/L/clusters/C`);
//! `location` defaults to the cluster id's location, else the provider's zone or region. An
//! unset `name` is derived from the create's operation token (`np-` and 26 hex digits), so an
//! interrupted create finds its pool again. The ownership labels ride in the nodes'
//! `resource_labels`, hidden from `node_config.resource_labels`. In place: `node_count`
//! (`setSize`), `autoscaling` (`setAutoscaling`), `management` (`setManagement`), `version`,
//! `node_config.image_type`, `node_config.labels` and `node_config.resource_labels`
//! (`nodePools.update`); each waits for its operation (`timeouts.update`, default 60m). The
//! rest of `node_config` replaces the pool. Import id:
//! `projects/P/locations/L/clusters/C/nodePools/N`, `P/L/C/N` or `L/C/N`.
//!
//! Left out: reading the live node count from the managed instance groups (real GKE's
//! node pool resource has no such field; `node_count` then keeps its recorded value).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use hangar_core::{Type, Value};
use hangar_google_client::container::{
    Autoscaling, LabelsWrapper, Management, NodePool as ApiPool, UpdateNodePoolRequest,
};
use hangar_provider::{
    AttributeSchema, BlockSchema, OperationContext, PlanRequest, PlanResponse, ProviderError,
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
use crate::storage::single;
use crate::wait;

/// `google_container_node_pool`.
pub struct NodePool;

const CREATE: Duration = Duration::from_secs(30 * 60);
const UPDATE: Duration = Duration::from_secs(60 * 60);
const DELETE: Duration = Duration::from_secs(30 * 60);

/// Where a pool is: project, location, cluster name, pool name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolAt {
    /// Project.
    pub project: String,
    /// Region or zone.
    pub location: String,
    /// Cluster name.
    pub cluster: String,
    /// Pool name.
    pub name: String,
}

impl PoolAt {
    /// `projects/P/locations/L/clusters/C/nodePools/N`.
    pub fn id(&self) -> String {
        format!(
            "{}/nodePools/{}",
            cluster_id(&self.project, &self.location, &self.cluster),
            self.name
        )
    }
}

/// The pool name an unnamed pool gets in the create with `token`.
pub fn token_name(token: &str) -> String {
    let hex: String = token
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(26)
        .collect::<String>()
        .to_ascii_lowercase();
    format!("np-{hex}")
}

/// `(project, location, cluster, pool)` of an import id.
fn parse_pool_id(id: &str) -> Option<(Option<String>, String, String, String)> {
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        ["projects", p, "locations", l, "clusters", c, "nodePools", n] => Some((
            Some(p.to_string()),
            l.to_string(),
            c.to_string(),
            n.to_string(),
        )),
        [p, l, c, n] => Some((
            Some(p.to_string()),
            l.to_string(),
            c.to_string(),
            n.to_string(),
        )),
        [l, c, n] => Some((None, l.to_string(), c.to_string(), n.to_string())),
        _ => None,
    }
}

/// Where the pool `v` records or plans is; `name` overrides its name (creates).
fn locate(
    g: &Google,
    v: &Value,
    name: Option<String>,
    call: &str,
) -> Result<PoolAt, ProviderError> {
    if let Some((p, l, c, n)) = attrs::string(v, "id").as_deref().and_then(parse_pool_id) {
        let project = match p {
            Some(p) => p,
            None => g.clients.project_of(v, call)?,
        };
        return Ok(PoolAt {
            project,
            location: l,
            cluster: c,
            name: n,
        });
    }
    let cluster = attrs::string(v, "cluster").ok_or_else(|| missing(call, "cluster"))?;
    let (cp, cl, cname) = match parse_cluster_id(&cluster) {
        Some((p, l, c)) if cluster.starts_with("projects/") => (p, Some(l), c),
        _ => (None, None, cluster),
    };
    let project = match attrs::string(v, "project").or(cp) {
        Some(p) => p,
        None => g.clients.project_of(v, call)?,
    };
    let location = attrs::string(v, "location")
        .or(cl)
        .or_else(|| g.clients.default_location())
        .ok_or_else(|| missing(call, "location"))?;
    let name = name
        .or_else(|| attrs::string(v, "name"))
        .ok_or_else(|| missing(call, "name"))?;
    Ok(PoolAt {
        project,
        location,
        cluster: cname,
        name,
    })
}

impl NodePool {
    /// Reads the pool at `at`, shaping optional attributes like `shape`.
    async fn read_at(
        &self,
        g: &Google,
        at: &PoolAt,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(p) = g
            .clients
            .container
            .get_node_pool(&at.project, &at.location, &at.cluster, &at.name)
            .await
            .map_err(|e| on(&format!("node pool {}", at.id()), e))?
        else {
            return Ok(None);
        };
        Ok(Some(self.shape(at, &p, shape)))
    }

    fn shape(&self, at: &PoolAt, p: &ApiPool, shape: &Value) -> RemoteObject {
        let mut m = BTreeMap::new();
        keep(&mut m, shape, &["timeouts"]);
        m.insert("id".into(), Value::string(at.id()));
        m.insert("name".into(), Value::string(p.name.clone()));
        m.insert(
            "cluster".into(),
            match attrs::string(shape, "cluster") {
                Some(c) => Value::string(c),
                None => Value::string(at.cluster.clone()),
            },
        );
        m.insert("location".into(), Value::string(at.location.clone()));
        m.insert("project".into(), Value::string(at.project.clone()));
        m.insert(
            "initial_node_count".into(),
            match p.initial_node_count {
                Some(n) => Value::int(n),
                None => attrs::get(shape, "initial_node_count").clone(),
            },
        );
        let count = p
            .node_count
            .or_else(|| attrs::int(shape, "node_count"))
            .or(p.initial_node_count);
        m.insert("node_count".into(), attrs::opt_int(count));
        m.insert("version".into(), attrs::opt_string(p.version.clone()));
        m.insert(
            "autoscaling".into(),
            one_block(p.autoscaling.as_ref().filter(|a| a.enabled).map(|a| {
                attrs::object([
                    ("min_node_count", attrs::opt_int(a.min_node_count)),
                    ("max_node_count", attrs::opt_int(a.max_node_count)),
                ])
            })),
        );
        m.insert(
            "management".into(),
            one_block(p.management.as_ref().map(|mg| {
                attrs::object([
                    ("auto_repair", Value::Bool(mg.auto_repair)),
                    ("auto_upgrade", Value::Bool(mg.auto_upgrade)),
                ])
            })),
        );
        m.insert(
            "node_config".into(),
            one_block(p.config.as_ref().map(|c| {
                read_node_config(
                    c,
                    attrs::block(shape, "node_config").unwrap_or(&Value::NULL),
                )
            })),
        );
        RemoteObject {
            deferred: None,
            private: Vec::new(),
            attrs: Value::Object(m),
            region: Some(at.location.clone()),
        }
    }
}

fn system_labels(ctx: &OperationContext) -> BTreeMap<String, String> {
    labels::system(ctx)
}

#[async_trait]
impl Resource for NodePool {
    fn type_name(&self) -> &'static str {
        "google_container_node_pool"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        a.insert(
            "id".into(),
            AttributeSchema::computed(Type::String)
                .describe("projects/P/locations/L/clusters/C/nodePools/NAME"),
        );
        a.insert(
            "name".into(),
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("Pool name; generated when unset."),
        );
        a.insert(
            "cluster".into(),
            AttributeSchema::required(Type::String)
                .force_new()
                .describe("The cluster's name or id."),
        );
        a.insert(
            "location".into(),
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("The cluster's region or zone."),
        );
        a.insert(
            "project".into(),
            AttributeSchema::optional_computed(Type::String).force_new(),
        );
        a.insert(
            "initial_node_count".into(),
            AttributeSchema::optional_computed(Type::Number).force_new(),
        );
        a.insert(
            "node_count".into(),
            AttributeSchema::optional_computed(Type::Number)
                .describe("Nodes per zone; resized in place."),
        );
        a.insert(
            "version".into(),
            AttributeSchema::optional_computed(Type::String)
                .describe("Kubernetes version of the nodes; upgraded in place."),
        );
        let mut auto = BlockSchema::default();
        for n in ["min_node_count", "max_node_count"] {
            auto.attributes
                .insert(n.into(), AttributeSchema::optional(Type::Number));
        }
        b.blocks.insert("autoscaling".into(), single(auto));
        let mut mgmt = BlockSchema::default();
        for n in ["auto_repair", "auto_upgrade"] {
            mgmt.attributes
                .insert(n.into(), AttributeSchema::optional_computed(Type::Bool));
        }
        b.blocks.insert("management".into(), single(mgmt));
        b.blocks
            .insert("node_config".into(), node_config_block(false));
        b.blocks.insert("timeouts".into(), wait::timeouts_block());
        ResourceSchema {
            version: 0,
            block: b,
            refreshable: true,
        }
    }

    fn rules(&self) -> PlanRules {
        PlanRules {
            single: &["autoscaling", "management", "node_config"],
            nested_force_new: &[
                ("node_config", "machine_type"),
                ("node_config", "disk_size_gb"),
                ("node_config", "disk_type"),
                ("node_config", "oauth_scopes"),
                ("node_config", "service_account"),
                ("node_config", "tags"),
                ("node_config", "spot"),
            ],
            nested_computed: &[
                ("node_config", "machine_type"),
                ("node_config", "disk_size_gb"),
                ("node_config", "disk_type"),
                ("node_config", "image_type"),
                ("node_config", "oauth_scopes"),
                ("node_config", "service_account"),
                ("management", "auto_repair"),
                ("management", "auto_upgrade"),
            ],
            computed_blocks: &["management", "node_config"],
            project: true,
            location: true,
            ..PlanRules::default()
        }
    }

    fn plan(
        &self,
        g: &Google,
        schema: &ResourceSchema,
        mut req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        for knob in ["create", "update", "delete"] {
            wait::budget(&req.config, knob, CREATE)?;
        }
        // The cluster's id names its location (and project): a pool lives with its cluster.
        if let Some(c) =
            attrs::string(&req.config, "cluster").filter(|c| c.starts_with("projects/"))
        {
            if let Some((p, l, _)) = parse_cluster_id(&c) {
                if attrs::get(&req.config, "location").is_null() {
                    req.config = attrs::with(req.config, "location", Value::string(l));
                }
                if let (Some(p), true) = (p, attrs::get(&req.config, "project").is_null()) {
                    req.config = attrs::with(req.config, "project", Value::string(p));
                }
            }
        }
        // A cluster not known yet (its id, before it exists) decides the location at apply.
        let cluster = attrs::get(&req.config, "cluster");
        if !cluster.is_null()
            && !cluster.is_wholly_known()
            && attrs::get(&req.config, "location").is_null()
        {
            let prior_loc = req
                .prior
                .as_ref()
                .map(|p| attrs::get(p, "location").clone())
                .filter(|l| !l.is_null());
            let loc = prior_loc.unwrap_or(Value::Unknown(Type::String));
            req.config = attrs::with(req.config, "location", loc);
        }
        // `cluster` may name the same cluster by name or by id: keep the recorded form.
        if let (Some(p), Some(c)) = (
            req.prior.as_ref().and_then(|p| attrs::string(p, "cluster")),
            attrs::string(&req.config, "cluster"),
        ) {
            let last = |s: &str| s.rsplit('/').next().map(str::to_string);
            if p != c && last(&p) == last(&c) {
                req.config = attrs::with(req.config, "cluster", Value::string(p));
            }
        }
        let mut resp = self.rules().plan(g, schema, req)?;
        if attrs::get(&resp.planned, "node_count").is_unknown() {
            if let Some(n) = attrs::int(&resp.planned, "initial_node_count") {
                resp.planned = attrs::with(resp.planned, "node_count", Value::int(n));
            }
        }
        Ok(resp)
    }

    async fn create(
        &self,
        g: &Google,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let call = "container.projects.locations.clusters.nodePools.create";
        let name = attrs::string(planned, "name").unwrap_or_else(|| token_name(&ctx.token));
        let at = locate(g, planned, Some(name.clone()), call)?;
        let what = format!("node pool {}", at.id());
        let budget = wait::budget(planned, "create", CREATE)?;
        let nc = attrs::block(planned, "node_config")
            .cloned()
            .unwrap_or(Value::NULL);
        let body = ApiPool {
            name,
            config: Some(write_node_config(&nc, &system_labels(ctx))),
            initial_node_count: Some(
                attrs::int(planned, "initial_node_count")
                    .or_else(|| attrs::int(planned, "node_count"))
                    .unwrap_or(1),
            ),
            autoscaling: attrs::block(planned, "autoscaling").map(|a| Autoscaling {
                enabled: true,
                min_node_count: attrs::int(a, "min_node_count"),
                max_node_count: attrs::int(a, "max_node_count"),
            }),
            management: attrs::block(planned, "management").map(|m| Management {
                auto_repair: attrs::boolean(m, "auto_repair").unwrap_or(true),
                auto_upgrade: attrs::boolean(m, "auto_upgrade").unwrap_or(true),
            }),
            version: attrs::string(planned, "version"),
            ..ApiPool::default()
        };
        let op = g
            .clients
            .container
            .create_node_pool(&at.project, &at.location, &at.cluster, body)
            .await
            .map_err(|e| on(&what, e))?;
        wait_operation(g, &at.project, &at.location, op, &what, "create", budget).await?;
        self.read_at(g, &at, planned)
            .await?
            .ok_or_else(|| refuse(call, format!("{what} vanished after create")))
    }

    async fn read(&self, g: &Google, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let at = locate(
            g,
            prior,
            None,
            "container.projects.locations.clusters.nodePools.get",
        )?;
        self.read_at(g, &at, prior).await
    }

    async fn update(
        &self,
        g: &Google,
        prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let call = "container.projects.locations.clusters.nodePools.update";
        let at = locate(g, prior, None, call)?;
        let what = format!("node pool {}", at.id());
        let budget = wait::budget(planned, "update", UPDATE)?;
        let c = &g.clients.container;
        let (pr, lo, cl, np) = (&at.project, &at.location, &at.cluster, &at.name);
        let old_nc = attrs::block(prior, "node_config")
            .cloned()
            .unwrap_or(Value::NULL);
        let new_nc = attrs::block(planned, "node_config")
            .cloned()
            .unwrap_or(Value::NULL);
        let nc_changed = |k: &str| attrs::get(&old_nc, k) != attrs::get(&new_nc, k);
        let version_changed = attrs::string(planned, "version").is_some()
            && attrs::get(prior, "version") != attrs::get(planned, "version");
        if version_changed
            || nc_changed("image_type")
            || nc_changed("labels")
            || nc_changed("resource_labels")
        {
            let current = c
                .get_node_pool(pr, lo, cl, np)
                .await
                .map_err(|e| on(&what, e))?
                .ok_or_else(|| refuse(call, format!("{what} does not exist")))?;
            let cur_cfg = current.config.clone().unwrap_or_default();
            let mut resource_labels = attrs::string_map(&new_nc, "resource_labels");
            resource_labels.extend(system_labels(ctx));
            let body = UpdateNodePoolRequest {
                node_version: attrs::string(planned, "version")
                    .or(current.version)
                    .unwrap_or_else(|| "-".into()),
                image_type: attrs::string(&new_nc, "image_type")
                    .or(cur_cfg.image_type)
                    .unwrap_or_default(),
                labels: Some(LabelsWrapper {
                    labels: attrs::string_map(&new_nc, "labels"),
                }),
                resource_labels: Some(LabelsWrapper {
                    labels: resource_labels,
                }),
            };
            let op = c
                .update_node_pool(pr, lo, cl, np, body)
                .await
                .map_err(|e| on(&what, e))?;
            wait_operation(g, pr, lo, op, &what, "update", budget).await?;
        }
        if attrs::get(prior, "autoscaling") != attrs::get(planned, "autoscaling") {
            let a = attrs::block(planned, "autoscaling");
            let body = Autoscaling {
                enabled: a.is_some(),
                min_node_count: a.and_then(|a| attrs::int(a, "min_node_count")),
                max_node_count: a.and_then(|a| attrs::int(a, "max_node_count")),
            };
            let op = c
                .set_node_pool_autoscaling(pr, lo, cl, np, body)
                .await
                .map_err(|e| on(&what, e))?;
            wait_operation(g, pr, lo, op, &what, "update", budget).await?;
        }
        if attrs::get(prior, "management") != attrs::get(planned, "management") {
            let m = attrs::block(planned, "management");
            let body = Management {
                auto_repair: m
                    .and_then(|m| attrs::boolean(m, "auto_repair"))
                    .unwrap_or(true),
                auto_upgrade: m
                    .and_then(|m| attrs::boolean(m, "auto_upgrade"))
                    .unwrap_or(true),
            };
            let op = c
                .set_node_pool_management(pr, lo, cl, np, body)
                .await
                .map_err(|e| on(&what, e))?;
            wait_operation(g, pr, lo, op, &what, "update", budget).await?;
        }
        let count = attrs::int(planned, "node_count");
        if count.is_some()
            && count != attrs::int(prior, "node_count")
            && attrs::block(planned, "autoscaling").is_none()
        {
            let op = c
                .set_node_pool_size(pr, lo, cl, np, count.unwrap_or(1))
                .await
                .map_err(|e| on(&what, e))?;
            wait_operation(g, pr, lo, op, &what, "update", budget).await?;
        }
        self.read_at(g, &at, planned)
            .await?
            .ok_or_else(|| refuse(call, format!("{what} vanished during update")))
    }

    async fn delete(&self, g: &Google, prior: &Value) -> Result<(), ProviderError> {
        let call = "container.projects.locations.clusters.nodePools.delete";
        let at = locate(g, prior, None, call)?;
        let what = format!("node pool {}", at.id());
        let budget = wait::budget(prior, "delete", DELETE)?;
        match g
            .clients
            .container
            .delete_node_pool(&at.project, &at.location, &at.cluster, &at.name)
            .await
        {
            Ok(op) => {
                wait_operation(g, &at.project, &at.location, op, &what, "delete", budget).await
            }
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(on(&what, e)),
        }
    }

    async fn import(&self, g: &Google, id: &str) -> Result<RemoteObject, ProviderError> {
        let (p, l, c, n) = parse_pool_id(id).ok_or_else(|| {
            refuse(
                "Import",
                format!(
                    "\"{id}\" is not a node pool id (projects/P/locations/L/clusters/C/nodePools/N, \
                     P/L/C/N or L/C/N)"
                ),
            )
        })?;
        let project = match p {
            Some(p) => p,
            None => g.clients.project_of(&Value::NULL, "Import")?,
        };
        let at = PoolAt {
            project,
            location: l,
            cluster: c,
            name: n,
        };
        self.read_at(g, &at, &Value::NULL)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some("NOT_FOUND".into()),
                message: format!("node pool {} does not exist", at.id()),
            })
    }

    async fn find_created(
        &self,
        g: &Google,
        token: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let name = attrs::string(planned, "name").unwrap_or_else(|| token_name(token));
        let at = locate(
            g,
            planned,
            Some(name),
            "container.projects.locations.clusters.nodePools.get",
        )?;
        let p = g
            .clients
            .container
            .get_node_pool(&at.project, &at.location, &at.cluster, &at.name)
            .await
            .map_err(|e| on(&format!("node pool {}", at.id()), e))?;
        Ok(p.filter(|p| {
            let rl = p
                .config
                .as_ref()
                .and_then(|c| c.resource_labels.clone())
                .unwrap_or_default();
            labels::get(&rl, "token").as_deref() == Some(token)
        })
        .map(|_| at.id()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_ids_and_token_names() {
        assert_eq!(
            parse_pool_id("projects/p/locations/l/clusters/c/nodePools/n"),
            Some((Some("p".into()), "l".into(), "c".into(), "n".into()))
        );
        assert_eq!(
            parse_pool_id("l/c/n"),
            Some((None, "l".into(), "c".into(), "n".into()))
        );
        let n = token_name("0192F0C4-7a1e-7c3d-9b1a-2f4e5d6c7b8a");
        assert_eq!(n, "np-0192f0c47a1e7c3d9b1a2f4e5d");
        assert!(n.len() <= 40);
    }
}
