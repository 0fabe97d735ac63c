output "cluster_name" {
  value       = google_container_cluster.main.name
  description = "Name of the GKE cluster."
}

output "cluster_id" {
  value       = google_container_cluster.main.id
  description = "ID of the GKE cluster: projects/P/locations/L/clusters/NAME."
}

output "cluster_location" {
  value       = google_container_cluster.main.location
  description = "Region the GKE cluster lives in."
}

output "cluster_endpoint" {
  value       = google_container_cluster.main.endpoint
  description = "IP address of the cluster's Kubernetes API server."
}

output "cluster_ca_certificate" {
  value       = google_container_cluster.main.master_auth[0].cluster_ca_certificate
  description = "Base64 PEM of the cluster's certificate authority."
}

output "node_pool_name" {
  value       = google_container_node_pool.workers.name
  description = "Name of the worker node pool."
}

output "bucket_name" {
  value       = google_storage_bucket.artifacts.name
  description = "Name of the artifacts bucket."
}

output "bucket_url" {
  value       = google_storage_bucket.artifacts.url
  description = "gs:// URL of the artifacts bucket."
}

output "bucket_location" {
  value       = google_storage_bucket.artifacts.location
  description = "Location of the artifacts bucket, as Cloud Storage reports it (upper case)."
}

output "agent_id" {
  value       = var.agent_enabled ? hangar_agent.this[0].agent_id : null
  description = "The control plane's id of the data-plane agent (null when agent_enabled is false)."
}
