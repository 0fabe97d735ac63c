# One region's data plane on Azure, bound to the EU: the shipped modules/azure-data-plane (a
# resource group with an AKS cluster, and a storage account with a private, versioned artifacts
# container) in Germany West Central, the workspace's region.
#
# Credentials come from Terraform's ARM_* variables (ARM_SUBSCRIPTION_ID, ARM_TENANT_ID,
# ARM_CLIENT_ID, ARM_CLIENT_SECRET) or the Azure CLI's login. The demo (bash .ci/demo) points
# the provider at a local ARM test server and Azurite through var.arm_endpoint and
# var.storage_endpoint; leave them null to use Azure. With var.control_url set, the same apply
# also installs Hangar's data-plane agent into the cluster (with the cluster user's credentials)
# and registers it with that control plane (operator token in HANGAR_CONTROL_TOKEN).

workspace "eu-prod" {
  geography = "eu"
  region    = "germanywestcentral"
}

variable "arm_endpoint" {
  type        = string
  default     = null
  description = "Resource Manager endpoint override (a local test server); null for Azure."
}

variable "storage_endpoint" {
  type        = string
  default     = null
  description = "Blob endpoint override, path-style (a local Azurite); null for Azure."
}

variable "name" {
  type    = string
  default = "dp-eu"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,19}$", var.name))
    error_message = "The name must be 3-20 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "control_url" {
  type        = string
  default     = null
  description = "The control plane to register the data-plane agent with; null installs no agent."
}

provider "hangar" {
  control_url = var.control_url
}

provider "azurerm" {
  features {}

  resource_manager_endpoint = var.arm_endpoint
  storage_endpoint          = var.storage_endpoint
}

module "data_plane" {
  source = "../../modules/azure-data-plane"

  name       = var.name
  location   = workspace.region
  node_count = 2
  tags = {
    "managed-by" = "hangar"
    "workspace"  = workspace.name
  }

  agent_enabled          = var.control_url != null
  agent_workspace        = workspace.name
  agent_write_namespaces = ["ml"]
}

output "resource_group" {
  value = module.data_plane.resource_group_name
}

output "cluster_fqdn" {
  value = module.data_plane.cluster_fqdn
}

output "storage_account" {
  value = module.data_plane.storage_account_name
}

output "storage_account_location" {
  value = module.data_plane.storage_account_location
}

output "container" {
  value = module.data_plane.container_name
}

output "agent_id" {
  value = module.data_plane.agent_id
}
