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

output "environment" {
  description = "Plain environment variables of the container (the SENAS_* settings; secrets are injected separately)."
  value       = var.environment
}

output "security_group_ids" {
  description = "Every security group of the service's tasks: its own and the Service Connect members' group."
  value       = [aws_security_group.this.id, var.service_connect_security_group_id]
}

output "minimum_count" {
  description = "Fewest tasks the service runs (its desired count at creation and its autoscaling minimum)."
  value       = var.desired_count
}

output "command" {
  description = "The container's command: `senas serve <service>` on its port, with the serve options."
  value       = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].command
}
