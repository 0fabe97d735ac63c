# One configuration, one data plane per workspace: modules/aws-data-plane (EKS cluster, node
# group, versioned and encrypted private bucket) in the AWS workspaces, modules/gcp-data-plane
# (GKE cluster, node pool, versioned private bucket) in the GCP one. Each workspace has its own
# state (hangar.tfstate.d/<workspace>/) and may only place anything in its own regions:
#
#   hangar -w eu-prod apply      # cluster, nodes + bucket in eu-central-1 (AWS)
#   hangar -w us-prod apply      # cluster, nodes + bucket in us-east-1 (AWS)
#   hangar -w eu-gcp apply       # cluster, nodes + bucket in europe-west3 (Google Cloud)
#   hangar -w eu-prod residency  # evidence: where each object really lives
#
# Both providers are declared in every workspace; the one a workspace does not use points at
# that cloud's allowed region of the same geography and is never called.

workspace "eu-prod" {
  geography       = "eu"
  region          = "eu-central-1"
  allowed_regions = ["europe-west3"]
  variables       = { tier = "prod", cloud = "aws" }
}

workspace "us-prod" {
  geography       = "us"
  region          = "us-east-1"
  allowed_regions = ["us-east1"]
  variables       = { tier = "prod", cloud = "aws" }
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
  description = "The cloud this workspace's data plane runs on: aws or gcp."

  validation {
    condition     = contains(["aws", "gcp"], var.cloud)
    error_message = "The cloud must be \"aws\" or \"gcp\"."
  }
}

variable "tier" {
  type    = string
  default = "dev"
}

locals {
  name       = var.cloud == "aws" ? "dp-${workspace.geography}-${var.tier}" : "dp-${workspace.geography}-gcp-${var.tier}"
  aws_region = var.cloud == "aws" ? workspace.region : workspace.allowed_regions[0]
  gcp_region = var.cloud == "gcp" ? workspace.region : workspace.allowed_regions[0]
}

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

module "gcp_data_plane" {
  source = "../../modules/gcp-data-plane"
  count  = var.cloud == "gcp" ? 1 : 0

  name                = local.name
  location            = local.gcp_region
  labels              = { tier = var.tier }
  deletion_protection = false
  force_destroy       = true
}

output "cluster_id" {
  value       = try(module.data_plane[0].cluster_arn, module.gcp_data_plane[0].cluster_id)
  description = "This workspace's cluster: an EKS cluster ARN or a GKE cluster id."
}

output "cluster_endpoint" {
  value       = try(module.data_plane[0].cluster_endpoint, module.gcp_data_plane[0].cluster_endpoint)
  description = "API endpoint of this workspace's cluster."
}

output "bucket" {
  value       = try(module.data_plane[0].bucket_name, module.gcp_data_plane[0].bucket_name)
  description = "Name of this workspace's artifacts bucket."
}

output "bucket_region" {
  value       = try(module.data_plane[0].bucket_region, module.gcp_data_plane[0].bucket_location)
  description = "Where the cloud says the artifacts bucket lives: the workspace's region."
}
