output "vpc_id" {
  value       = aws_vpc.this.id
  description = "ID of the VPC."
}

output "subnet_ids" {
  value       = aws_subnet.private[*].id
  description = "IDs of the private subnets, one per availability zone in the order given: aws-data-plane's subnet_ids."
}

output "cluster_role_arn" {
  value       = aws_iam_role.cluster.arn
  description = "ARN of the role the EKS control plane assumes: aws-data-plane's cluster_role_arn."
  depends_on  = [aws_iam_role_policy_attachment.cluster]
}

output "node_role_arn" {
  value       = aws_iam_role.node.arn
  description = "ARN of the role the worker nodes assume: aws-data-plane's node_role_arn."
  depends_on  = [aws_iam_role_policy_attachment.node]
}
