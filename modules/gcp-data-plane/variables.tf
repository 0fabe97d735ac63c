variable "name" {
  type        = string
  description = "Name of the data plane: the GKE cluster's name, and the prefix of the node pool (NAME-workers) and the artifacts bucket (NAME-artifacts). 3-30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen (GKE's cluster-name rules, with room for the pool's suffix)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", var.name))
    error_message = "The name must start with a lowercase letter, consist of lowercase letters, digits and hyphens, and not end with a hyphen."
  }

  validation {
    condition     = length(var.name) >= 3 && length(var.name) <= 30
    error_message = "The name must be 3 to 30 characters long: the node pool NAME-workers may have at most 40."
  }
}

variable "location" {
  type        = string
  description = "Region of the data plane (for example \"europe-west3\"): the cluster's and the bucket's location. In Hangar, pass workspace.region."

  validation {
    condition     = var.location == null || can(regex("^[a-z]+-[a-z]+[0-9]+$", var.location))
    error_message = "The location must be a GCP region such as \"europe-west3\" (not a zone or a multi-region: the cluster and the bucket share it)."
  }
}

variable "kubernetes_version" {
  type        = string
  default     = null
  description = "Lowest GKE master version (for example \"1.30\"); GKE's default when null. Raising it upgrades the master in place."

  validation {
    condition     = var.kubernetes_version == null || can(regex("^1\\.[0-9]{2}", var.kubernetes_version))
    error_message = "The Kubernetes version must start 1.NN, for example \"1.30\" or \"1.30.5-gke.1014001\"."
  }
}

variable "network" {
  type        = string
  default     = "default"
  description = "VPC network of the cluster."
}

variable "subnetwork" {
  type        = string
  default     = "default"
  description = "Subnetwork of the cluster's nodes."
}

variable "master_ipv4_cidr_block" {
  type        = string
  default     = "172.16.0.0/28"
  description = "The /28 range of the private control plane."

  validation {
    condition     = can(cidrhost(var.master_ipv4_cidr_block, 0)) && endswith(var.master_ipv4_cidr_block, "/28")
    error_message = "The control plane range must be an IPv4 /28 CIDR block, for example \"172.16.0.0/28\"."
  }
}

variable "machine_type" {
  type        = string
  default     = "e2-standard-4"
  description = "Machine type of the worker nodes."
}

variable "disk_size_gb" {
  type        = number
  default     = 100
  description = "Boot disk size of each worker node, in GB (at least 10)."

  validation {
    condition     = var.disk_size_gb >= 10
    error_message = "GKE nodes need a boot disk of at least 10 GB."
  }
}

variable "node_count" {
  type        = number
  default     = 1
  description = "Worker nodes per zone at first; the autoscaler moves it between node_min_count and node_max_count."

  validation {
    condition     = var.node_count >= 1
    error_message = "The node pool needs at least one node per zone."
  }
}

variable "node_min_count" {
  type        = number
  default     = 1
  description = "Fewest worker nodes per zone the autoscaler keeps."

  validation {
    condition     = var.node_min_count >= 0
    error_message = "The minimum node count cannot be negative."
  }
}

variable "node_max_count" {
  type        = number
  default     = 3
  description = "Most worker nodes per zone the autoscaler adds; at least node_min_count."

  validation {
    condition     = var.node_max_count >= 1
    error_message = "The maximum node count must be at least 1."
  }
}

variable "labels" {
  type        = map(string)
  default     = {}
  description = "Labels of the cluster and of the nodes' VMs (lowercase letters, digits, '-' and '_')."

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "Label keys must start with a lowercase letter; keys and values allow only lowercase letters, digits, '-' and '_', at most 63 characters."
  }
}

variable "bucket_labels" {
  type        = map(string)
  default     = {}
  description = "Labels of the artifacts bucket."

  validation {
    condition     = alltrue([for k, v in var.bucket_labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "Label keys must start with a lowercase letter; keys and values allow only lowercase letters, digits, '-' and '_', at most 63 characters."
  }
}

variable "deletion_protection" {
  type        = bool
  default     = true
  description = "Refuse to destroy the cluster (Terraform's default); set false and apply before destroying."
}

variable "force_destroy" {
  type        = bool
  default     = false
  description = "Delete every object version in the artifacts bucket when destroying it."
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
  description = "Kubernetes API URL to install the agent through; https://ENDPOINT of the cluster when null."
}

variable "agent_kubernetes_token" {
  type        = string
  default     = null
  sensitive   = true
  description = "Bearer token to install the agent with; the google provider's own access token (data google_client_config) when null. Its identity must be allowed to create namespaces, RBAC objects, secrets and deployments in the cluster."
}

variable "agent_kubernetes_ca_certificate" {
  type        = string
  default     = null
  description = "The cluster's CA certificate (PEM) for the install; the cluster's own (master_auth) when null."
}

variable "agent_write_namespaces" {
  type        = list(string)
  default     = []
  description = "Namespaces where the agent may run workloads; it is read-only everywhere else."
}
