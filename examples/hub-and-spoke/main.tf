# One configuration, one data plane per geography: modules/aws-data-plane (EKS cluster, node
# group, versioned and encrypted private bucket) applied once per workspace. Each workspace has
# its own state (hangar.tfstate.d/<workspace>/) and may only place anything in its own region:
#
#   hangar -w eu-prod apply      # cluster, nodes + bucket in eu-central-1
#   hangar -w us-prod apply      # cluster, nodes + bucket in us-east-1
#   hangar -w eu-prod residency  # evidence: where each object really lives

workspace "eu-prod" {
  geography = "eu"
  region    = "eu-central-1"
  variables = { tier = "prod" }
}

workspace "us-prod" {
  geography = "us"
  region    = "us-east-1"
  variables = { tier = "prod" }
}

variable "aws_endpoint" {
  type        = string
  default     = null
  description = "Endpoint override for S3, EKS and STS (a local emulator); null for real AWS."
}

variable "tier" {
  type    = string
  default = "dev"
}

locals {
  name = "dp-${workspace.geography}-${var.tier}"
}

provider "aws" {
  region            = workspace.region
  s3_use_path_style = var.aws_endpoint != null

  endpoints {
    s3  = var.aws_endpoint
    eks = var.aws_endpoint
    sts = var.aws_endpoint
  }
}

module "data_plane" {
  source = "../../modules/aws-data-plane"

  name             = local.name
  subnet_ids       = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
  cluster_role_arn = "arn:aws:iam::123456789012:role/${local.name}-cluster"
  node_role_arn    = "arn:aws:iam::123456789012:role/${local.name}-node"
  force_destroy    = true
  tags             = { tier = var.tier }
}

output "cluster_arn" {
  value       = module.data_plane.cluster_arn
  description = "ARN of this workspace's EKS cluster."
}

output "cluster_endpoint" {
  value       = module.data_plane.cluster_endpoint
  description = "API endpoint of this workspace's EKS cluster."
}

output "bucket" {
  value       = module.data_plane.bucket_name
  description = "Name of this workspace's artifacts bucket."
}

output "bucket_region" {
  value       = module.data_plane.bucket_region
  description = "Where S3 says the artifacts bucket lives: the workspace's region."
}
