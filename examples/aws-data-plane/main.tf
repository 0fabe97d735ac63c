# One region's data plane on AWS: an EKS cluster with a node group and an artifacts bucket
# (versioned, encrypted, public access blocked), bound to the EU.
#
# The demo (bash .ci/demo) points the provider at a local AWS emulator through var.aws_endpoint;
# leave it null to use real AWS with your usual credentials.

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

resource "aws_eks_cluster" "main" {
  name     = var.name
  role_arn = "arn:aws:iam::123456789012:role/${var.name}-cluster"
  version  = "1.30"

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  enabled_cluster_log_types = ["api", "audit"]
}

resource "aws_eks_node_group" "workers" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "${var.name}-workers"
  node_role_arn   = "arn:aws:iam::123456789012:role/${var.name}-node"
  subnet_ids      = var.subnet_ids
  instance_types  = ["m6i.large"]

  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 1
  }
}

resource "aws_s3_bucket" "artifacts" {
  bucket_prefix = "${var.name}-artifacts-"
  force_destroy = true
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

output "cluster_endpoint" {
  value = aws_eks_cluster.main.endpoint
}

output "bucket" {
  value = aws_s3_bucket.artifacts.bucket
}

output "bucket_region" {
  value = aws_s3_bucket.artifacts.region
}
