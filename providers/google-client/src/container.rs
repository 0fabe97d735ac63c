//! GKE's REST API (`container/v1`): clusters and node pools under
//! `projects/*/locations/*`, and the long-running operations every change returns.
//!
//! The endpoint is the API's base (`https://container.googleapis.com/v1/`). Changes answer
//! with an [`Operation`]; callers poll [`Container::get_operation`] until it is `DONE` and
//! then read its `error`. These types are shared with Hangar's GKE test server, which
//! answers in the same shapes.

use std::collections::BTreeMap;

use http::Method;
use serde::{Deserialize, Serialize};

use crate::error::GoogleError;
use crate::session::{base_url, esc, Session};

/// GKE's public endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://container.googleapis.com/v1/";

/// A cluster (the fields Hangar reads or writes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Nodes of the default pool at create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_node_count: Option<i64>,
    /// Node configuration of the default pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_config: Option<NodeConfig>,
    /// Master authentication (the cluster CA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_auth: Option<MasterAuth>,
    /// VPC network name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Subnetwork name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnetwork: Option<String>,
    /// GCE resource labels of the cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_labels: Option<BTreeMap<String, String>>,
    /// Fingerprint for `setResourceLabels`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_fingerprint: Option<String>,
    /// Private cluster settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_cluster_config: Option<PrivateClusterConfig>,
    /// Version asked for at create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_cluster_version: Option<String>,
    /// The master's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_master_version: Option<String>,
    /// The master's IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The API's link to the cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// Region or zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// `PROVISIONING`, `RUNNING`, `RECONCILING`, `STOPPING`, `ERROR`, `DEGRADED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why the status is what it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Node pools (at create: the pools to make instead of the default one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_pools: Option<Vec<NodePool>>,
}

/// `masterAuth`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MasterAuth {
    /// Base64 PEM of the cluster's CA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_ca_certificate: Option<String>,
}

/// `privateClusterConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateClusterConfig {
    /// Nodes have internal addresses only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_private_nodes: Option<bool>,
    /// The master is reachable on its internal address only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_private_endpoint: Option<bool>,
    /// The master's /28 range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_ipv4_cidr_block: Option<String>,
    /// The master's internal address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_endpoint: Option<String>,
    /// The master's public address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_endpoint: Option<String>,
}

/// `nodeConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeConfig {
    /// Machine type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine_type: Option<String>,
    /// Boot disk size (GB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_size_gb: Option<i64>,
    /// Boot disk type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_type: Option<String>,
    /// Node image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_type: Option<String>,
    /// OAuth scopes of the nodes' service account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth_scopes: Option<Vec<String>>,
    /// The nodes' service account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// Kubernetes labels of the nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// GCE resource labels of the nodes' VMs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_labels: Option<BTreeMap<String, String>>,
    /// Network tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Spot VMs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spot: Option<bool>,
}

/// A node pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePool {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Node configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<NodeConfig>,
    /// Nodes per zone at create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_node_count: Option<i64>,
    /// Zones of the nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<String>>,
    /// Autoscaling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// Auto-repair and auto-upgrade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub management: Option<Management>,
    /// Kubernetes version of the nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The API's link to the pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// `PROVISIONING`, `RUNNING`, `RECONCILING`, `STOPPING`, `ERROR`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why the status is what it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Current node count (per zone), as the test server and newer API versions report it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_count: Option<i64>,
}

/// `autoscaling`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Autoscaling {
    /// On or off.
    #[serde(default)]
    pub enabled: bool,
    /// Fewest nodes per zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_node_count: Option<i64>,
    /// Most nodes per zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_node_count: Option<i64>,
}

/// `management`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Management {
    /// Auto-repair.
    #[serde(default)]
    pub auto_repair: bool,
    /// Auto-upgrade.
    #[serde(default)]
    pub auto_upgrade: bool,
}

/// A long-running operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Its name (`operation-...`).
    #[serde(default)]
    pub name: String,
    /// `CREATE_CLUSTER`, `DELETE_NODE_POOL`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_type: Option<String>,
    /// `PENDING`, `RUNNING`, `DONE`, `ABORTING`.
    #[serde(default)]
    pub status: String,
    /// Human-readable detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The link of the object it changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_link: Option<String>,
    /// The link of the operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// Region or zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Why a finished operation failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RpcStatus>,
}

/// `google.rpc.Status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RpcStatus {
    /// Canonical code (5 = NOT_FOUND, 9 = FAILED_PRECONDITION, ...).
    #[serde(default)]
    pub code: i64,
    /// The message.
    #[serde(default)]
    pub message: String,
}

/// `clusters.create`'s body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateClusterRequest {
    /// The cluster.
    pub cluster: Cluster,
}

/// `clusters.update`'s body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateClusterRequest {
    /// The change.
    pub update: ClusterUpdate,
}

/// One change of a cluster (GKE applies one field per update).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterUpdate {
    /// New master version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_master_version: Option<String>,
}

/// `clusters.setResourceLabels`'s body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetLabelsRequest {
    /// All labels.
    pub resource_labels: BTreeMap<String, String>,
    /// The fingerprint read last.
    #[serde(default)]
    pub label_fingerprint: String,
}

/// `nodePools.create`'s body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateNodePoolRequest {
    /// The pool.
    pub node_pool: NodePool,
}

/// `nodePools.update`'s body (the fields Hangar changes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNodePoolRequest {
    /// Kubernetes version (required by the API; `-` for the master's).
    pub node_version: String,
    /// Node image (required by the API).
    pub image_type: String,
    /// Kubernetes labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<LabelsWrapper>,
    /// GCE resource labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_labels: Option<LabelsWrapper>,
}

/// `{ "labels": {...} }` as node pool updates take labels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelsWrapper {
    /// The labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// `nodePools.setSize`'s body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetSizeRequest {
    /// Nodes per zone.
    pub node_count: i64,
}

/// `nodePools.setAutoscaling`'s body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SetAutoscalingRequest {
    /// The settings.
    pub autoscaling: Autoscaling,
}

/// `nodePools.setManagement`'s body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SetManagementRequest {
    /// The settings.
    pub management: Management,
}

/// `clusters.list`'s answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClusterList {
    /// The clusters.
    #[serde(default)]
    pub clusters: Vec<Cluster>,
}

/// `nodePools.list`'s answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePoolList {
    /// The pools.
    #[serde(default)]
    pub node_pools: Vec<NodePool>,
}

/// The GKE client of one endpoint and project.
#[derive(Clone, Debug)]
pub struct Container {
    session: Session,
    base: String,
}

impl Container {
    /// A client for the API at `endpoint` (the `v1/` base URL).
    pub fn new(session: Session, endpoint: &str) -> Container {
        Container {
            session,
            base: base_url(endpoint),
        }
    }

    fn loc(&self, project: &str, location: &str) -> String {
        format!(
            "{}projects/{}/locations/{}",
            self.base,
            esc(project),
            esc(location)
        )
    }

    fn cluster_url(&self, project: &str, location: &str, name: &str) -> String {
        format!("{}/clusters/{}", self.loc(project, location), esc(name))
    }

    fn pool_url(&self, project: &str, location: &str, cluster: &str, pool: &str) -> String {
        format!(
            "{}/nodePools/{}",
            self.cluster_url(project, location, cluster),
            esc(pool)
        )
    }

    /// Starts creating `cluster` in `location`.
    pub async fn create_cluster(
        &self,
        project: &str,
        location: &str,
        cluster: Cluster,
    ) -> Result<Operation, GoogleError> {
        let url = format!("{}/clusters", self.loc(project, location));
        let body = CreateClusterRequest { cluster };
        self.session
            .json(
                "container.projects.locations.clusters.create",
                Method::POST,
                &url,
                Some(&body),
            )
            .await
    }

    /// Cluster `name`; `None` when it does not exist.
    pub async fn get_cluster(
        &self,
        project: &str,
        location: &str,
        name: &str,
    ) -> Result<Option<Cluster>, GoogleError> {
        let url = self.cluster_url(project, location, name);
        self.session
            .get("container.projects.locations.clusters.get", &url)
            .await
    }

    /// Clusters in `location` (`-`: every location).
    pub async fn list_clusters(
        &self,
        project: &str,
        location: &str,
    ) -> Result<Vec<Cluster>, GoogleError> {
        let url = format!("{}/clusters", self.loc(project, location));
        let l: ClusterList = self
            .session
            .json::<_, ()>(
                "container.projects.locations.clusters.list",
                Method::GET,
                &url,
                None,
            )
            .await?;
        Ok(l.clusters)
    }

    /// Starts one change of cluster `name`.
    pub async fn update_cluster(
        &self,
        project: &str,
        location: &str,
        name: &str,
        update: ClusterUpdate,
    ) -> Result<Operation, GoogleError> {
        let url = self.cluster_url(project, location, name);
        let body = UpdateClusterRequest { update };
        self.session
            .json(
                "container.projects.locations.clusters.update",
                Method::PUT,
                &url,
                Some(&body),
            )
            .await
    }

    /// Replaces the resource labels of cluster `name`.
    pub async fn set_resource_labels(
        &self,
        project: &str,
        location: &str,
        name: &str,
        body: SetLabelsRequest,
    ) -> Result<Operation, GoogleError> {
        let url = format!(
            "{}:setResourceLabels",
            self.cluster_url(project, location, name)
        );
        self.session
            .json(
                "container.projects.locations.clusters.setResourceLabels",
                Method::POST,
                &url,
                Some(&body),
            )
            .await
    }

    /// Starts deleting cluster `name`.
    pub async fn delete_cluster(
        &self,
        project: &str,
        location: &str,
        name: &str,
    ) -> Result<Operation, GoogleError> {
        let url = self.cluster_url(project, location, name);
        self.session
            .json::<_, ()>(
                "container.projects.locations.clusters.delete",
                Method::DELETE,
                &url,
                None,
            )
            .await
    }

    /// Starts creating `pool` in cluster `cluster`.
    pub async fn create_node_pool(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: NodePool,
    ) -> Result<Operation, GoogleError> {
        let url = format!("{}/nodePools", self.cluster_url(project, location, cluster));
        let body = CreateNodePoolRequest { node_pool: pool };
        self.session
            .json(
                "container.projects.locations.clusters.nodePools.create",
                Method::POST,
                &url,
                Some(&body),
            )
            .await
    }

    /// Node pool `pool` of `cluster`; `None` when it (or the cluster) does not exist.
    pub async fn get_node_pool(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &str,
    ) -> Result<Option<NodePool>, GoogleError> {
        let url = self.pool_url(project, location, cluster, pool);
        self.session
            .get("container.projects.locations.clusters.nodePools.get", &url)
            .await
    }

    /// Node pools of `cluster`.
    pub async fn list_node_pools(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
    ) -> Result<Vec<NodePool>, GoogleError> {
        let url = format!("{}/nodePools", self.cluster_url(project, location, cluster));
        let l: NodePoolList = self
            .session
            .json::<_, ()>(
                "container.projects.locations.clusters.nodePools.list",
                Method::GET,
                &url,
                None,
            )
            .await?;
        Ok(l.node_pools)
    }

    /// Starts an update of node pool `pool`.
    pub async fn update_node_pool(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &str,
        body: UpdateNodePoolRequest,
    ) -> Result<Operation, GoogleError> {
        let url = self.pool_url(project, location, cluster, pool);
        self.session
            .json(
                "container.projects.locations.clusters.nodePools.update",
                Method::PUT,
                &url,
                Some(&body),
            )
            .await
    }

    /// Starts resizing node pool `pool`.
    pub async fn set_node_pool_size(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &str,
        node_count: i64,
    ) -> Result<Operation, GoogleError> {
        let url = format!(
            "{}:setSize",
            self.pool_url(project, location, cluster, pool)
        );
        self.session
            .json(
                "container.projects.locations.clusters.nodePools.setSize",
                Method::POST,
                &url,
                Some(&SetSizeRequest { node_count }),
            )
            .await
    }

    /// Starts changing the autoscaling of node pool `pool`.
    pub async fn set_node_pool_autoscaling(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &str,
        autoscaling: Autoscaling,
    ) -> Result<Operation, GoogleError> {
        let url = format!(
            "{}:setAutoscaling",
            self.pool_url(project, location, cluster, pool)
        );
        self.session
            .json(
                "container.projects.locations.clusters.nodePools.setAutoscaling",
                Method::POST,
                &url,
                Some(&SetAutoscalingRequest { autoscaling }),
            )
            .await
    }

    /// Starts changing the management settings of node pool `pool`.
    pub async fn set_node_pool_management(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &str,
        management: Management,
    ) -> Result<Operation, GoogleError> {
        let url = format!(
            "{}:setManagement",
            self.pool_url(project, location, cluster, pool)
        );
        self.session
            .json(
                "container.projects.locations.clusters.nodePools.setManagement",
                Method::POST,
                &url,
                Some(&SetManagementRequest { management }),
            )
            .await
    }

    /// Starts deleting node pool `pool`.
    pub async fn delete_node_pool(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &str,
    ) -> Result<Operation, GoogleError> {
        let url = self.pool_url(project, location, cluster, pool);
        self.session
            .json::<_, ()>(
                "container.projects.locations.clusters.nodePools.delete",
                Method::DELETE,
                &url,
                None,
            )
            .await
    }

    /// Operation `name` in `location`.
    pub async fn get_operation(
        &self,
        project: &str,
        location: &str,
        name: &str,
    ) -> Result<Operation, GoogleError> {
        let url = format!("{}/operations/{}", self.loc(project, location), esc(name));
        self.session
            .json::<_, ()>(
                "container.projects.locations.operations.get",
                Method::GET,
                &url,
                None,
            )
            .await
    }
}
