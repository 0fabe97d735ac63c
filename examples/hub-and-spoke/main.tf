# One configuration, one data plane per geography. Each workspace has its own state
# (hangar.tfstate.d/<workspace>/) and may only place anything in its own region:
#
#   hangar -w eu-prod apply      # cluster + bucket in eu-central-1
#   hangar -w us-prod apply      # cluster + bucket in us-east-1
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

resource "aws_eks_cluster" "main" {
  name     = local.name
  role_arn = "arn:aws:iam::123456789012:role/${local.name}-cluster"

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
  }
}

resource "aws_s3_bucket" "artifacts" {
  bucket        = "${local.name}-artifacts"
  force_destroy = true
}

output "cluster_arn" {
  value = aws_eks_cluster.main.arn
}

output "bucket_region" {
  value = aws_s3_bucket.artifacts.region
}
