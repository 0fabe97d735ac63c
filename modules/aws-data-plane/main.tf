# One region's data plane on AWS: an EKS cluster with a node group, and an artifacts bucket that
# is versioned, encrypted and closed to the public. Everything lands in the region of the aws
# provider the caller passes in (in Hangar, the workspace's region): the module has no region
# input and declares no provider.

resource "aws_eks_cluster" "main" {
  name     = var.name
  role_arn = var.cluster_role_arn
  version  = var.kubernetes_version

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
  }

  enabled_cluster_log_types = var.cluster_log_types
  tags                      = var.tags
}

resource "aws_eks_node_group" "workers" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "${var.name}-workers"
  node_role_arn   = var.node_role_arn
  subnet_ids      = var.subnet_ids
  instance_types  = var.node_instance_types
  tags            = var.tags

  scaling_config {
    desired_size = var.node_desired_size
    max_size     = var.node_max_size
    min_size     = var.node_min_size
  }
}

resource "aws_s3_bucket" "artifacts" {
  bucket        = "${var.name}-artifacts"
  force_destroy = var.force_destroy
  tags          = var.tags
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

# The data-plane agent, installed into the cluster and registered with the control plane (off
# unless agent_enabled: the caller then passes a configured `hangar` provider). It lives where
# the cluster lives, so the workspace's residency gate places it in the cluster's region.
resource "hangar_agent" "this" {
  count = var.agent_enabled ? 1 : 0

  name                      = var.agent_name
  workspace                 = var.agent_workspace
  cluster                   = aws_eks_cluster.main.name
  kubernetes_host           = coalesce(var.agent_kubernetes_host, aws_eks_cluster.main.endpoint)
  kubernetes_token          = var.agent_kubernetes_token
  kubernetes_ca_certificate = var.agent_kubernetes_ca_certificate
  write_namespaces          = var.agent_write_namespaces
  artifact_bucket           = aws_s3_bucket.artifacts.bucket
  artifact_bucket_region    = aws_s3_bucket.artifacts.region
}
