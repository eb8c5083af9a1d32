output "secret_arn" {
  description = "ARN of the signing secret (the valueFrom of SENAS_SIGNING_SECRET)."
  value       = aws_secretsmanager_secret.this.arn
}
