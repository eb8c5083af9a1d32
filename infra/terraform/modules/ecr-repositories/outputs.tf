output "repository_urls" {
  description = "Repository URL per image (content-service, user-service, ml-service, ml-sagemaker)."
  value       = { for name, repository in aws_ecr_repository.this : name => repository.repository_url }
}

output "repository_arns" {
  description = "Repository ARN per image."
  value       = { for name, repository in aws_ecr_repository.this : name => repository.arn }
}
