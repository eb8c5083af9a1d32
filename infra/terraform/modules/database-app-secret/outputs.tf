output "secret_arn" {
  description = "ARN of the app role's secret (SENAS_DATABASE_SECRET_ID of the services; read by the migration task to create the role)."
  value       = aws_secretsmanager_secret.this.arn
}

output "username" {
  description = "PostgreSQL role the services log in as."
  value       = var.username
}
