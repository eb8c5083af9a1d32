output "endpoint_name" {
  description = "Name of the endpoint (SENAS_SAGEMAKER_ENDPOINT of the ML service)."
  value       = aws_sagemaker_endpoint.this.name
}

output "endpoint_arn" {
  description = "ARN of the endpoint: the only resource the ML task role may invoke."
  value       = aws_sagemaker_endpoint.this.arn
}

output "serverless_config" {
  description = "Memory (MB) and concurrency of the serverless endpoint configuration."
  value       = one(one(aws_sagemaker_endpoint_configuration.this.production_variants).serverless_config)
}

output "execution_role_arn" {
  description = "Role the model's container runs with (reads ml-models, pulls its image, writes its logs)."
  value       = aws_iam_role.execution.arn
}

output "execution_policy_statements" {
  description = "Statements of the model role's policy (what it may do, for review and the Terraform tests)."
  value       = data.aws_iam_policy_document.execution.statement
}

output "log_group_name" {
  description = "Log group of the endpoint's container."
  value       = aws_cloudwatch_log_group.endpoint.name
}
