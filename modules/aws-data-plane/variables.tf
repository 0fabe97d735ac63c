variable "name" {
  type        = string
  description = "Name of the data plane: the EKS cluster's name, and the prefix of the node group (NAME-workers) and the artifacts bucket (NAME-artifacts). 3-53 lowercase letters, digits or hyphens, starting and ending with a letter or digit, so that the bucket name stays valid."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]*[a-z0-9]$", var.name))
    error_message = "The name must consist of lowercase letters, digits and hyphens, and start and end with a letter or digit."
  }

  validation {
    condition     = length(var.name) >= 3 && length(var.name) <= 53
    error_message = "The name must be 3 to 53 characters long: the bucket name NAME-artifacts may have at most 63."
  }
}

variable "kubernetes_version" {
  type        = string
  default     = "1.30"
  description = "Kubernetes version of the EKS control plane, as MAJOR.MINOR (for example \"1.30\")."

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "The Kubernetes version must be written 1.NN, for example \"1.30\"."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets (at least two, in different availability zones) for the cluster and its nodes."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "EKS needs at least two subnets, in different availability zones."
  }

  validation {
    condition     = alltrue([for s in var.subnet_ids : startswith(s, "subnet-")])
    error_message = "Every subnet ID must start with \"subnet-\"."
  }
}

variable "cluster_role_arn" {
  type        = string
  description = "ARN of the IAM role the EKS control plane assumes."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.cluster_role_arn))
    error_message = "The cluster role must be an IAM role ARN: arn:aws:iam::ACCOUNT:role/NAME."
  }
}

variable "node_role_arn" {
  type        = string
  description = "ARN of the IAM role the worker nodes assume."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.node_role_arn))
    error_message = "The node role must be an IAM role ARN: arn:aws:iam::ACCOUNT:role/NAME."
  }
}

variable "endpoint_public_access" {
  type        = bool
  default     = false
  description = "Whether the cluster's API endpoint is reachable from the internet; it is always reachable from inside the VPC."
}

variable "cluster_log_types" {
  type        = list(string)
  default     = ["api", "audit"]
  description = "Control-plane log types sent to CloudWatch: any of api, audit, authenticator, controllerManager, scheduler."

  validation {
    condition     = alltrue([for t in var.cluster_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "Log types must be among api, audit, authenticator, controllerManager and scheduler."
  }
}

variable "node_instance_types" {
  type        = list(string)
  default     = ["m6i.large"]
  description = "EC2 instance types of the worker nodes."

  validation {
    condition     = length(var.node_instance_types) >= 1
    error_message = "Give at least one instance type."
  }
}

variable "node_min_size" {
  type        = number
  default     = 1
  description = "Fewest worker nodes."

  validation {
    condition     = var.node_min_size >= 0 && floor(var.node_min_size) == var.node_min_size
    error_message = "The minimum node count must be a whole number, 0 or more."
  }
}

variable "node_desired_size" {
  type        = number
  default     = 2
  description = "Worker nodes to start with; must lie between node_min_size and node_max_size."

  validation {
    condition     = var.node_desired_size >= 0 && floor(var.node_desired_size) == var.node_desired_size
    error_message = "The desired node count must be a whole number, 0 or more."
  }

  validation {
    condition     = var.node_desired_size >= var.node_min_size && var.node_desired_size <= var.node_max_size
    error_message = "The desired node count must lie between node_min_size (${var.node_min_size}) and node_max_size (${var.node_max_size})."
  }
}

variable "node_max_size" {
  type        = number
  default     = 4
  description = "Most worker nodes."

  validation {
    condition     = var.node_max_size >= 1 && floor(var.node_max_size) == var.node_max_size
    error_message = "The maximum node count must be a whole number, 1 or more."
  }
}

variable "force_destroy" {
  type        = bool
  default     = false
  description = "Whether destroying the data plane also deletes every object (and version) in the artifacts bucket; when false, a non-empty bucket is kept and the destroy fails."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags for the cluster, the node group and the bucket, on top of the provider's default_tags."
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
  description = "Kubernetes API URL to install the agent through; the cluster's endpoint when null."
}

variable "agent_kubernetes_token" {
  type        = string
  default     = null
  sensitive   = true
  description = "Bearer token to install the agent with."
}

variable "agent_kubernetes_ca_certificate" {
  type        = string
  default     = null
  description = "The cluster's CA certificate (PEM) for the install."
}

variable "agent_write_namespaces" {
  type        = list(string)
  default     = []
  description = "Namespaces where the agent may run workloads; it is read-only everywhere else."
}
