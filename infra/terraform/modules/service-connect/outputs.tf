output "namespace_arn" {
  description = "ARN of the Cloud Map namespace the services register in."
  value       = aws_service_discovery_http_namespace.this.arn
}

output "security_group_id" {
  description = "Security group every service task carries for calls to and from the other services."
  value       = aws_security_group.this.id
}

output "base_urls" {
  description = "Private base URL per service (SENAS_CONTENT_URL, SENAS_USERS_URL, SENAS_ML_URL)."
  value       = { for name, port in var.services : name => "http://${name}:${port}" }
}
