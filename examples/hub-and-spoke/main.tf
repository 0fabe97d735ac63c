# One configuration, one data plane per geography: modules/aws-data-plane (EKS cluster, node
# group, versioned and encrypted private bucket) applied once per AWS workspace, and
# modules/azure-data-plane (AKS cluster and a storage account with a private container) in the
# Azure one. Each workspace has its own state (hangar.tfstate.d/<workspace>/) and may only place
# anything in its own region:
#
#   hangar -w eu-prod apply      # cluster, nodes + bucket in eu-central-1
#   hangar -w us-prod apply      # cluster, nodes + bucket in us-east-1
#   hangar -w eu-azure apply     # AKS + storage account in germanywestcentral
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

workspace "eu-azure" {
  geography       = "eu"
  region          = "germanywestcentral"
  allowed_regions = ["eu-central-1"] # where its (unused) aws provider points
  variables       = { tier = "prod" }
}

variable "aws_endpoint" {
  type        = string
  default     = null
  description = "Endpoint override for S3, EKS and STS (a local emulator); null for real AWS."
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

variable "tier" {
  type    = string
  default = "dev"
}

locals {
  name  = "dp-${workspace.geography}-${var.tier}"
  azure = workspace.name == "eu-azure"
}

# Every provider block is configured in every workspace: the Azure workspace, which uses no
# AWS resource, points its aws provider at an allowed EU region; the AWS workspaces configure
# azurerm from ARM_SUBSCRIPTION_ID and friends (or the Azure CLI) without using it.
provider "aws" {
  region            = local.azure ? "eu-central-1" : workspace.region
  s3_use_path_style = var.aws_endpoint != null

  endpoints {
    s3  = var.aws_endpoint
    eks = var.aws_endpoint
    sts = var.aws_endpoint
  }
}

provider "azurerm" {
  features {}

  resource_manager_endpoint = var.arm_endpoint
  storage_endpoint          = var.storage_endpoint
}

module "data_plane" {
  source = "../../modules/aws-data-plane"
  count  = local.azure ? 0 : 1

  name             = local.name
  subnet_ids       = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
  cluster_role_arn = "arn:aws:iam::123456789012:role/${local.name}-cluster"
  node_role_arn    = "arn:aws:iam::123456789012:role/${local.name}-node"
  force_destroy    = true
  tags             = { tier = var.tier }
}

module "azure_data_plane" {
  source = "../../modules/azure-data-plane"
  count  = local.azure ? 1 : 0

  name     = "${local.name}-az"
  location = local.azure ? workspace.region : null
  tags     = { tier = var.tier }
}

output "cluster_arn" {
  value       = one(module.data_plane[*].cluster_arn)
  description = "ARN of this workspace's EKS cluster (AWS workspaces)."
}

output "cluster_endpoint" {
  value       = one(module.data_plane[*].cluster_endpoint)
  description = "API endpoint of this workspace's EKS cluster (AWS workspaces)."
}

output "bucket" {
  value       = one(module.data_plane[*].bucket_name)
  description = "Name of this workspace's artifacts bucket (AWS workspaces)."
}

output "bucket_region" {
  value       = one(module.data_plane[*].bucket_region)
  description = "Where S3 says the artifacts bucket lives: the workspace's region."
}

output "storage_account" {
  value       = one(module.azure_data_plane[*].storage_account_name)
  description = "Name of this workspace's storage account (the Azure workspace)."
}

output "storage_account_location" {
  value       = one(module.azure_data_plane[*].storage_account_location)
  description = "Where Azure says the storage account lives: the workspace's region."
}
