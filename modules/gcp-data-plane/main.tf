# One region's data plane on Google Cloud: a regional GKE cluster with private nodes, a node pool,
# and an artifacts bucket that is versioned, closed to the public (public access prevention
# enforced) and uses uniform bucket-level access. The cluster and the bucket are in `location`;
# the node pool lives wherever its cluster does. The module declares no provider: project and
# credentials are the caller's `google` provider's.

resource "google_container_cluster" "main" {
  name                     = var.name
  location                 = var.location
  min_master_version       = var.kubernetes_version
  network                  = var.network
  subnetwork               = var.subnetwork
  resource_labels          = var.labels
  deletion_protection      = var.deletion_protection
  remove_default_node_pool = true
  initial_node_count       = 1

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
    master_ipv4_cidr_block  = var.master_ipv4_cidr_block
  }
}

resource "google_container_node_pool" "workers" {
  name       = "${var.name}-workers"
  cluster    = google_container_cluster.main.id
  location   = google_container_cluster.main.location
  node_count = var.node_count

  autoscaling {
    min_node_count = var.node_min_count
    max_node_count = var.node_max_count
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type    = var.machine_type
    disk_size_gb    = var.disk_size_gb
    labels          = { "hangar-data-plane" = var.name }
    resource_labels = var.labels
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
  }
}

resource "google_storage_bucket" "artifacts" {
  name                        = "${var.name}-artifacts"
  location                    = var.location
  force_destroy               = var.force_destroy
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = var.bucket_labels

  versioning {
    enabled = true
  }
}

# The data-plane agent, installed into the cluster and registered with the control plane (off
# unless agent_enabled: the caller then passes a configured `hangar` provider). It lives where
# the cluster lives, so the workspace's residency gate places it at the cluster's location.
# GKE's API server is reached at https://ENDPOINT and trusts the cluster's CA; it takes Google
# OAuth2 access tokens: the google provider's own, unless agent_kubernetes_token is given.
data "google_client_config" "current" {
  count = var.agent_enabled ? 1 : 0
}

resource "hangar_agent" "this" {
  count = var.agent_enabled ? 1 : 0

  name                      = var.agent_name
  workspace                 = var.agent_workspace
  cluster                   = google_container_cluster.main.id
  cluster_type              = "google_container_cluster"
  kubernetes_host           = coalesce(var.agent_kubernetes_host, "https://${google_container_cluster.main.endpoint}")
  kubernetes_token          = coalesce(var.agent_kubernetes_token, data.google_client_config.current[0].access_token)
  kubernetes_ca_certificate = coalesce(var.agent_kubernetes_ca_certificate, base64decode(google_container_cluster.main.master_auth[0].cluster_ca_certificate))
  write_namespaces          = var.agent_write_namespaces
  artifact_bucket           = google_storage_bucket.artifacts.name
  artifact_bucket_region    = lower(google_storage_bucket.artifacts.location)
}
