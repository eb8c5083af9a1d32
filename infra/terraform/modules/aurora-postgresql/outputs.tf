output "cluster_identifier" {
  description = "Identifier of the Aurora cluster (dimension of its CloudWatch metrics)."
  value       = aws_rds_cluster.this.cluster_identifier
}

output "endpoint" {
  description = "Writer endpoint of the cluster."
  value       = aws_rds_cluster.this.endpoint
}

output "port" {
  description = "PostgreSQL port of the cluster."
  value       = aws_rds_cluster.this.port
}

output "database_name" {
  description = "Database of the content service."
  value       = aws_rds_cluster.this.database_name
}

output "engine_version_actual" {
  description = "The PostgreSQL version the cluster runs now (the minor is chosen and upgraded by RDS)."
  value       = aws_rds_cluster.this.engine_version_actual
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret with the master credentials, read only by the migration task."
  value       = aws_rds_cluster.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "Security group of the cluster."
  value       = aws_security_group.this.id
}

output "max_capacity" {
  description = "Most ACU the cluster scales to (the capacity alarm's reference)."
  value       = var.max_capacity
}
