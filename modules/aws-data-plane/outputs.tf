output "cluster_name" {
  value       = aws_eks_cluster.main.name
  description = "Name of the EKS cluster."
}

output "cluster_arn" {
  value       = aws_eks_cluster.main.arn
  description = "ARN of the EKS cluster."
}

output "cluster_endpoint" {
  value       = aws_eks_cluster.main.endpoint
  description = "URL of the cluster's Kubernetes API server."
}

output "bucket_name" {
  value       = aws_s3_bucket.artifacts.bucket
  description = "Name of the artifacts bucket."
}

output "bucket_region" {
  value       = aws_s3_bucket.artifacts.region
  description = "Region the artifacts bucket lives in, as S3 reports it: the workspace's region."
}

output "agent_id" {
  value       = var.agent_enabled ? hangar_agent.this[0].agent_id : null
  description = "The control plane's id of the data-plane agent (null when agent_enabled is false)."
}
