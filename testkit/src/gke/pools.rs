//! The GKE test server's node pools: `nodePools` create/get/list/delete, `update`,
//! `setSize`, `setAutoscaling` and `setManagement`, each answered with an operation.

use hangar_google_client::container::{
    Cluster, CreateNodePoolRequest, NodeConfig, NodePool, NodePoolList, SetAutoscalingRequest,
    SetManagementRequest, SetSizeRequest, UpdateNodePoolRequest,
};
use hyper::{Method, StatusCode};

use super::{bad, error, node_defaults, not_found, reply, Effect, GkeServer, Reply};

impl GkeServer {
    pub(super) fn list_pools(&self, p: &str, l: &str, c: &str) -> Reply {
        let st = self.lock();
        match st.clusters.get(&(p.into(), l.into(), c.into())) {
            Some(r) => reply(
                StatusCode::OK,
                &NodePoolList {
                    node_pools: r.pools.values().cloned().collect(),
                },
            ),
            None => not_found(&format!("projects/{p}/locations/{l}/clusters/{c}")),
        }
    }

    pub(super) fn create_pool(&self, p: &str, l: &str, c: &str, body: &[u8]) -> Reply {
        let Ok(req) = serde_json::from_slice::<CreateNodePoolRequest>(body) else {
            return bad("Invalid JSON payload: expected {\"nodePool\": {...}}");
        };
        let np = req.node_pool;
        if np.name.is_empty() {
            return bad("NodePool.name must be set.");
        }
        let mut st = self.lock();
        let id = format!("projects/{p}/locations/{l}/clusters/{c}");
        let Some(rec) = st.clusters.get(&(p.into(), l.into(), c.into())).cloned() else {
            return not_found(&id);
        };
        if rec.pools.contains_key(&np.name) {
            return error(
                StatusCode::CONFLICT,
                "ALREADY_EXISTS",
                format!("Already exists: {id}/nodePools/{}.", np.name),
            );
        }
        let mut made = self.pool(
            &id,
            &np.name,
            np.config.clone(),
            np.initial_node_count.unwrap_or(1),
            &rec.cluster,
        );
        if np.management.is_some() {
            made.management = np.management;
        }
        made.autoscaling = np.autoscaling;
        if np.version.is_some() {
            made.version = np.version;
        }
        let op = self.new_op(
            &mut st,
            p,
            l,
            "CREATE_NODE_POOL",
            format!("{id}/nodePools/{}", np.name),
            Effect::PoolUp(c.into(), np.name.clone()),
        );
        if let Some(r) = st.clusters.get_mut(&(p.into(), l.into(), c.into())) {
            r.pools.insert(np.name, made);
        }
        reply(StatusCode::OK, &op)
    }

    pub(super) fn pool(
        &self,
        cluster_id: &str,
        name: &str,
        config: Option<NodeConfig>,
        count: i64,
        c: &Cluster,
    ) -> NodePool {
        NodePool {
            name: name.into(),
            config: Some(node_defaults(config)),
            initial_node_count: Some(count),
            node_count: Some(count),
            management: Some(hangar_google_client::container::Management {
                auto_repair: true,
                auto_upgrade: true,
            }),
            version: c.current_master_version.clone(),
            self_link: Some(format!("{}{cluster_id}/nodePools/{name}", self.endpoint)),
            status: Some("PROVISIONING".into()),
            ..NodePool::default()
        }
    }

    pub(super) fn get_pool(&self, p: &str, l: &str, c: &str, np: &str) -> Reply {
        let st = self.lock();
        match st
            .clusters
            .get(&(p.into(), l.into(), c.into()))
            .and_then(|r| r.pools.get(np))
        {
            Some(pool) => reply(StatusCode::OK, pool),
            None => not_found(&format!(
                "projects/{p}/locations/{l}/clusters/{c}/nodePools/{np}"
            )),
        }
    }

    pub(super) fn delete_pool(&self, p: &str, l: &str, c: &str, np: &str) -> Reply {
        let mut st = self.lock();
        let id = format!("projects/{p}/locations/{l}/clusters/{c}/nodePools/{np}");
        let Some(pool) = st
            .clusters
            .get_mut(&(p.into(), l.into(), c.into()))
            .and_then(|r| r.pools.get_mut(np))
        else {
            return not_found(&id);
        };
        pool.status = Some("STOPPING".into());
        let op = self.new_op(
            &mut st,
            p,
            l,
            "DELETE_NODE_POOL",
            id,
            Effect::PoolGone(c.into(), np.into()),
        );
        reply(StatusCode::OK, &op)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn change_pool(
        &self,
        p: &str,
        l: &str,
        c: &str,
        np: &str,
        m: &Method,
        verb: &str,
        body: &[u8],
    ) -> Reply {
        let mut st = self.lock();
        let id = format!("projects/{p}/locations/{l}/clusters/{c}/nodePools/{np}");
        let Some(pool) = st
            .clusters
            .get_mut(&(p.into(), l.into(), c.into()))
            .and_then(|r| r.pools.get_mut(np))
        else {
            return not_found(&id);
        };
        let kind = match (m, verb) {
            (&Method::PUT, "") => {
                let Ok(u) = serde_json::from_slice::<UpdateNodePoolRequest>(body) else {
                    return bad("Invalid JSON payload for nodePools.update");
                };
                if u.node_version.is_empty() || u.image_type.is_empty() {
                    return bad("nodeVersion and imageType are required.");
                }
                if u.node_version != "-" {
                    pool.version = Some(u.node_version);
                }
                let cfg = pool.config.get_or_insert_with(NodeConfig::default);
                cfg.image_type = Some(u.image_type);
                if let Some(w) = u.labels {
                    cfg.labels = (!w.labels.is_empty()).then_some(w.labels);
                }
                if let Some(w) = u.resource_labels {
                    cfg.resource_labels = (!w.labels.is_empty()).then_some(w.labels);
                }
                "UPDATE_NODE_POOL"
            }
            (&Method::POST, "setSize") => {
                let Ok(s) = serde_json::from_slice::<SetSizeRequest>(body) else {
                    return bad("Invalid JSON payload for setSize");
                };
                pool.node_count = Some(s.node_count);
                "SET_NODE_POOL_SIZE"
            }
            (&Method::POST, "setAutoscaling") => {
                let Ok(s) = serde_json::from_slice::<SetAutoscalingRequest>(body) else {
                    return bad("Invalid JSON payload for setAutoscaling");
                };
                pool.autoscaling = Some(s.autoscaling);
                "SET_NODE_POOL_AUTOSCALING"
            }
            (&Method::POST, "setManagement") => {
                let Ok(s) = serde_json::from_slice::<SetManagementRequest>(body) else {
                    return bad("Invalid JSON payload for setManagement");
                };
                pool.management = Some(s.management);
                "SET_NODE_POOL_MANAGEMENT"
            }
            _ => return bad(format!("unsupported: {m} {verb}")),
        };
        pool.status = Some("RECONCILING".into());
        let op = self.new_op(&mut st, p, l, kind, id, Effect::PoolUp(c.into(), np.into()));
        reply(StatusCode::OK, &op)
    }
}
