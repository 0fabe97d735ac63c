# One region's data plane on AWS, bound to the EU: the shipped modules/aws-data-plane (an EKS
# cluster with a node group and an artifacts bucket that is versioned, encrypted and closed to
# the public) in the workspace's region.
#
# The demo (bash .ci/demo) points the provider at a local AWS emulator through var.aws_endpoint;
# leave it null to use real AWS with your usual credentials. With var.control_url set, the same
# apply also installs Hangar's data-plane agent into the cluster and registers it with that
# control plane (operator token in HANGAR_CONTROL_TOKEN).

workspace "eu-prod" {
  geography = "eu"
  region    = "eu-central-1"
}

variable "aws_endpoint" {
  type        = string
  default     = null
  description = "Endpoint override for S3, EKS and STS (a local emulator); null for real AWS."
}

variable "name" {
  type    = string
  default = "data-plane"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "The name must be 3-31 lowercase letters, digits or dashes."
  }
}

variable "subnet_ids" {
  type    = list(string)
  default = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
}

variable "control_url" {
  type        = string
  default     = null
  description = "The control plane to register the data-plane agent with; null installs no agent."
}

variable "kube_host" {
  type        = string
  default     = null
  description = "Kubernetes API to install the agent through; the cluster's endpoint when null."
}

variable "kube_token" {
  type        = string
  default     = null
  sensitive   = true
  description = "Bearer token for installing the agent."
}

provider "hangar" {
  control_url = var.control_url
}

provider "aws" {
  region            = workspace.region
  s3_use_path_style = var.aws_endpoint != null

  endpoints {
    s3  = var.aws_endpoint
    eks = var.aws_endpoint
    sts = var.aws_endpoint
  }

  default_tags {
    tags = {
      "managed-by" = "hangar"
      "workspace"  = workspace.name
    }
  }
}

module "data_plane" {
  source = "../../modules/aws-data-plane"

  name             = var.name
  subnet_ids       = var.subnet_ids
  cluster_role_arn = "arn:aws:iam::123456789012:role/${var.name}-cluster"
  node_role_arn    = "arn:aws:iam::123456789012:role/${var.name}-node"
  force_destroy    = true

  agent_enabled          = var.control_url != null
  agent_workspace        = workspace.name
  agent_kubernetes_host  = var.kube_host
  agent_kubernetes_token = var.kube_token
  agent_write_namespaces = ["ml"]
}

output "cluster_endpoint" {
  value = module.data_plane.cluster_endpoint
}

output "bucket" {
  value = module.data_plane.bucket_name
}

output "bucket_region" {
  value = module.data_plane.bucket_region
}

output "agent_id" {
  value = module.data_plane.agent_id
}
