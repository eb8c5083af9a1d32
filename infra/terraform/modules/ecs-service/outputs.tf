output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "Latest task-definition revision, the one the deployment workflow rolls the service onto."
  value       = aws_ecs_task_definition.this.arn
}

output "task_family" {
  description = "Task-definition family (earlier revisions stay registered for rollbacks)."
  value       = aws_ecs_task_definition.this.family
}

output "security_group_id" {
  description = "Security group of the service's tasks."
  value       = aws_security_group.this.id
}

output "container_name" {
  description = "Name of the service's container in the task definition."
  value       = var.service
}
