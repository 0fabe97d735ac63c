# One configuration, one data plane per workspace: modules/aws-data-plane (EKS cluster, node
# group, versioned and encrypted private bucket) in the AWS workspaces,
# modules/azure-data-plane (AKS cluster and a storage account with a private container) in the
# Azure one and modules/gcp-data-plane (GKE cluster, node pool, versioned private bucket) in the
# Google Cloud one. Each workspace has its own state (hangar.tfstate.d/<workspace>/) and may
# only place anything in its own geography:
#
#   hangar -w eu-prod apply      # cluster, nodes + bucket in eu-central-1 (AWS)
#   hangar -w us-prod apply      # cluster, nodes + bucket in us-east-1 (AWS)
#   hangar -w eu-azure apply     # AKS + storage account in germanywestcentral (Azure)
#   hangar -w eu-gcp apply       # GKE + bucket in europe-west3 (Google Cloud)
#   hangar -w eu-prod residency  # evidence: where each object really lives
#
# Every provider block is configured in every workspace (as Terraform does); a workspace's
# unused providers point at an allowed region of its own geography and are never called.

workspace "eu-prod" {
  geography       = "eu"
  region          = "eu-central-1"
  allowed_regions = ["europe-west3"] # where its (unused) google provider points
  variables       = { tier = "prod", cloud = "aws" }
}

workspace "us-prod" {
  geography       = "us"
  region          = "us-east-1"
  allowed_regions = ["us-east1"]
  variables       = { tier = "prod", cloud = "aws" }
}

workspace "eu-azure" {
  geography       = "eu"
  region          = "germanywestcentral"
  allowed_regions = ["eu-central-1", "europe-west3"]
  variables       = { tier = "prod", cloud = "azure" }
}

workspace "eu-gcp" {
  geography       = "eu"
  region          = "europe-west3"
  allowed_regions = ["eu-central-1"]
  variables       = { tier = "prod", cloud = "gcp" }
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

variable "gcs_endpoint" {
  type        = string
  default     = null
  description = "Cloud Storage JSON API base URL (a local emulator); null for Google's."
}

variable "gke_endpoint" {
  type        = string
  default     = null
  description = "GKE API base URL (a local test server); null for Google's."
}

variable "gcp_access_token" {
  type        = string
  default     = null
  sensitive   = true
  description = "An OAuth2 access token for Google Cloud; null for Application Default Credentials."
}

variable "gcp_project" {
  type        = string
  default     = "hangar-demo"
  description = "Google Cloud project of the GCP workspace's data plane."
}

variable "cloud" {
  type        = string
  default     = "aws"
  description = "The cloud this workspace's data plane runs on: aws, azure or gcp."

  validation {
    condition     = contains(["aws", "azure", "gcp"], var.cloud)
    error_message = "The cloud must be \"aws\", \"azure\" or \"gcp\"."
  }
}

variable "tier" {
  type    = string
  default = "dev"
}

locals {
  name = "dp-${workspace.geography}-${var.tier}"
  # The region each cloud's provider points at: the workspace's own for its cloud, otherwise
  # an allowed region of the same geography (the provider is configured but never called).
  aws_region = var.cloud == "aws" ? workspace.region : (workspace.geography == "us" ? "us-east-1" : "eu-central-1")
  gcp_region = var.cloud == "gcp" ? workspace.region : (workspace.geography == "us" ? "us-east1" : "europe-west3")
}

# The AWS workspaces also configure azurerm from ARM_SUBSCRIPTION_ID and friends (or the Azure
# CLI), and google with the access token or Application Default Credentials, without using them.
provider "aws" {
  region            = local.aws_region
  s3_use_path_style = var.aws_endpoint != null

  endpoints {
    s3  = var.aws_endpoint
    eks = var.aws_endpoint
    sts = var.aws_endpoint
  }
}

provider "google" {
  project                   = var.gcp_project
  region                    = local.gcp_region
  access_token              = var.gcp_access_token
  storage_custom_endpoint   = var.gcs_endpoint
  container_custom_endpoint = var.gke_endpoint
}

provider "azurerm" {
  features {}

  resource_manager_endpoint = var.arm_endpoint
  storage_endpoint          = var.storage_endpoint
}

module "data_plane" {
  source = "../../modules/aws-data-plane"
  count  = var.cloud == "aws" ? 1 : 0

  name             = local.name
  subnet_ids       = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
  cluster_role_arn = "arn:aws:iam::123456789012:role/${local.name}-cluster"
  node_role_arn    = "arn:aws:iam::123456789012:role/${local.name}-node"
  force_destroy    = true
  tags             = { tier = var.tier }
}

module "azure_data_plane" {
  source = "../../modules/azure-data-plane"
  count  = var.cloud == "azure" ? 1 : 0

  name     = "${local.name}-az"
  location = var.cloud == "azure" ? workspace.region : null
  tags     = { tier = var.tier }
}

module "gcp_data_plane" {
  source = "../../modules/gcp-data-plane"
  count  = var.cloud == "gcp" ? 1 : 0

  name                = "${local.name}-gcp"
  location            = local.gcp_region
  labels              = { tier = var.tier }
  deletion_protection = false
  force_destroy       = true
}

output "cluster_arn" {
  value       = one(module.data_plane[*].cluster_arn)
  description = "ARN of this workspace's EKS cluster (AWS workspaces)."
}

output "cluster_endpoint" {
  value       = one(concat(module.data_plane[*].cluster_endpoint, module.gcp_data_plane[*].cluster_endpoint))
  description = "API endpoint of this workspace's EKS or GKE cluster."
}

output "bucket" {
  value       = one(concat(module.data_plane[*].bucket_name, module.gcp_data_plane[*].bucket_name))
  description = "Name of this workspace's artifacts bucket (AWS and GCP workspaces)."
}

output "bucket_region" {
  value       = one(concat(module.data_plane[*].bucket_region, module.gcp_data_plane[*].bucket_location))
  description = "Where S3 or Cloud Storage says the artifacts bucket lives: the workspace's region."
}

output "storage_account" {
  value       = one(module.azure_data_plane[*].storage_account_name)
  description = "Name of this workspace's storage account (the Azure workspace)."
}

output "storage_account_location" {
  value       = one(module.azure_data_plane[*].storage_account_location)
  description = "Where Azure says the storage account lives: the workspace's region."
}
