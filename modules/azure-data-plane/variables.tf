variable "name" {
  type        = string
  description = "Name of the data plane: the resource group is rg-NAME, the cluster NAME-aks with DNS prefix NAME, and the storage account NAME without hyphens followed by \"sa\" (unless storage_account_name is set). 3-20 lowercase letters, digits or hyphens, starting with a letter."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "The name must be 3-20 lowercase letters, digits or hyphens, start with a letter and end with a letter or digit."
  }
}

variable "location" {
  type        = string
  description = "Azure region of everything the module creates (for example \"germanywestcentral\"); in Hangar, the workspace's region."

  validation {
    condition     = can(regex("^[a-z0-9]+$", lower(replace(var.location, " ", ""))))
    error_message = "The location must be an Azure region name such as \"germanywestcentral\"."
  }
}

variable "kubernetes_version" {
  type        = string
  default     = "1.30.5"
  description = "Kubernetes version of the AKS cluster, as MAJOR.MINOR or MAJOR.MINOR.PATCH."

  validation {
    condition     = can(regex("^1\\.[0-9]{2}(\\.[0-9]+)?$", var.kubernetes_version))
    error_message = "The Kubernetes version must be written 1.NN or 1.NN.P, for example \"1.30.5\"."
  }
}

variable "node_count" {
  type        = number
  default     = 2
  description = "Nodes in the cluster's system node pool."

  validation {
    condition     = var.node_count >= 1 && var.node_count <= 100 && floor(var.node_count) == var.node_count
    error_message = "The node count must be a whole number from 1 to 100."
  }
}

variable "vm_size" {
  type        = string
  default     = "Standard_D2s_v3"
  description = "VM size of the system node pool's nodes."

  validation {
    condition     = startswith(var.vm_size, "Standard_")
    error_message = "The VM size must be an Azure size name such as \"Standard_D2s_v3\"."
  }
}

variable "vnet_subnet_id" {
  type        = string
  default     = null
  description = "ARM id of the subnet for the nodes; null for the network AKS creates."

  validation {
    condition     = var.vnet_subnet_id == null || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.Network/virtualNetworks/[^/]+/subnets/[^/]+$", var.vnet_subnet_id))
    error_message = "The subnet must be an ARM subnet id: /subscriptions/S/resourceGroups/G/providers/Microsoft.Network/virtualNetworks/V/subnets/N."
  }
}

variable "private_cluster_enabled" {
  type        = bool
  default     = false
  description = "Whether the cluster's API server has only a private endpoint."
}

variable "replication_type" {
  type        = string
  default     = "ZRS"
  description = "Replication of the storage account: LRS or ZRS keep data in the location; GRS, RAGRS, GZRS and RAGZRS also copy it to the location's paired region, which a bound workspace must allow (and refuses when the pair leaves its geography)."

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.replication_type)
    error_message = "The replication type must be one of LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS."
  }
}

variable "storage_account_name" {
  type        = string
  default     = null
  description = "Storage account name (3-24 lowercase letters and digits, globally unique); null to derive it from name."

  validation {
    condition     = var.storage_account_name == null || can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "The storage account name must be 3-24 lowercase letters and digits."
  }
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags for every resource that takes tags."
}

variable "agent_enabled" {
  type        = bool
  default     = false
  description = "Install Hangar's data-plane agent into the cluster and register it with the control plane (needs a configured `hangar` provider)."
}

variable "agent_name" {
  type        = string
  default     = "agent"
  description = "Name the agent is registered under in its control-plane workspace."
}

variable "agent_workspace" {
  type        = string
  default     = null
  description = "Control-plane workspace the agent serves (required when agent_enabled)."
}

variable "agent_kubernetes_host" {
  type        = string
  default     = null
  description = "Kubernetes API URL to install the agent through; the cluster's own (kube_config host) when null."
}

variable "agent_kubernetes_token" {
  type        = string
  default     = null
  sensitive   = true
  description = "Bearer token to install the agent with; the cluster user's token from the cluster's kube_config when null (clusters with local accounts; with Entra ID integration, pass one)."
}

variable "agent_kubernetes_ca_certificate" {
  type        = string
  default     = null
  description = "The cluster's CA certificate (PEM) for the install; the cluster's own (kube_config) when null."
}

variable "agent_write_namespaces" {
  type        = list(string)
  default     = []
  description = "Namespaces where the agent may run workloads; it is read-only everywhere else."
}
