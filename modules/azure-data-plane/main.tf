# One region's data plane on Azure: a resource group holding an AKS cluster and a storage
# account (versioned blobs, no public containers, TLS 1.2) with a private artifacts container.
# Everything is placed at var.location, the resource group's location, by reference, as Azure
# configurations do; the module declares no provider.

locals {
  # Storage account names are 3-24 lowercase letters and digits, globally unique.
  storage_account_name = coalesce(var.storage_account_name, substr(replace("${var.name}sa", "-", ""), 0, 24))
}

resource "azurerm_resource_group" "main" {
  name     = "rg-${var.name}"
  location = var.location
  tags     = var.tags
}

resource "azurerm_kubernetes_cluster" "main" {
  name                    = "${var.name}-aks"
  location                = azurerm_resource_group.main.location
  resource_group_name     = azurerm_resource_group.main.name
  dns_prefix              = var.name
  kubernetes_version      = var.kubernetes_version
  private_cluster_enabled = var.private_cluster_enabled
  tags                    = var.tags

  default_node_pool {
    name           = "system"
    node_count     = var.node_count
    vm_size        = var.vm_size
    vnet_subnet_id = var.vnet_subnet_id
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_storage_account" "artifacts" {
  name                            = local.storage_account_name
  resource_group_name             = azurerm_resource_group.main.name
  location                        = azurerm_resource_group.main.location
  account_tier                    = "Standard"
  account_replication_type        = var.replication_type
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  tags                            = var.tags

  blob_properties {
    versioning_enabled = true
  }
}

# Managed through the account's blob service (the data plane), so the container is created
# where the blobs live.
resource "azurerm_storage_container" "artifacts" {
  name                  = "artifacts"
  storage_account_name  = azurerm_storage_account.artifacts.name
  container_access_type = "private"
}

# The data-plane agent, installed into the cluster and registered with the control plane (off
# unless agent_enabled: the caller then passes a configured `hangar` provider). It lives where
# the cluster lives, so the workspace's residency gate places it at the cluster's location.
# Host, CA and token come from the cluster user's credentials (kube_config).
resource "hangar_agent" "this" {
  count = var.agent_enabled ? 1 : 0

  name                      = var.agent_name
  workspace                 = var.agent_workspace
  cluster                   = azurerm_kubernetes_cluster.main.id
  cluster_type              = "azurerm_kubernetes_cluster"
  kubernetes_host           = coalesce(var.agent_kubernetes_host, azurerm_kubernetes_cluster.main.kube_config[0].host)
  kubernetes_token          = coalesce(var.agent_kubernetes_token, azurerm_kubernetes_cluster.main.kube_config[0].password)
  kubernetes_ca_certificate = coalesce(var.agent_kubernetes_ca_certificate, base64decode(azurerm_kubernetes_cluster.main.kube_config[0].cluster_ca_certificate))
  write_namespaces          = var.agent_write_namespaces
  artifact_bucket           = azurerm_storage_account.artifacts.name
  artifact_bucket_region    = azurerm_storage_account.artifacts.location
}
