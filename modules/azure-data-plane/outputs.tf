output "resource_group_name" {
  value       = azurerm_resource_group.main.name
  description = "Name of the resource group holding the data plane."
}

output "location" {
  value       = azurerm_resource_group.main.location
  description = "Azure region of the data plane, as Azure reports it."
}

output "cluster_id" {
  value       = azurerm_kubernetes_cluster.main.id
  description = "ARM id of the AKS cluster."
}

output "cluster_fqdn" {
  value       = azurerm_kubernetes_cluster.main.fqdn
  description = "FQDN of the cluster's API server."
}

output "node_resource_group" {
  value       = azurerm_kubernetes_cluster.main.node_resource_group
  description = "The resource group AKS keeps the cluster's nodes in."
}

output "kube_config" {
  value       = azurerm_kubernetes_cluster.main.kube_config_raw
  sensitive   = true
  description = "Kubeconfig of the cluster's user credentials."
}

output "storage_account_name" {
  value       = azurerm_storage_account.artifacts.name
  description = "Name of the artifacts storage account."
}

output "storage_account_location" {
  value       = azurerm_storage_account.artifacts.primary_location
  description = "Where Azure says the storage account's primary copy is."
}

output "storage_secondary_location" {
  value       = azurerm_storage_account.artifacts.secondary_location
  description = "Where Azure keeps the geo-redundant copy (empty unless replication is geo-redundant)."
}

output "container_name" {
  value       = azurerm_storage_container.artifacts.name
  description = "Name of the private artifacts container."
}

output "blob_endpoint" {
  value       = azurerm_storage_account.artifacts.primary_blob_endpoint
  description = "Blob endpoint of the storage account."
}

output "agent_id" {
  value       = var.agent_enabled ? hangar_agent.this[0].agent_id : null
  description = "The control plane's id of the data-plane agent (null when agent_enabled is false)."
}
