output "task_definition_arn" {
  description = "Task-definition revision to pass to `aws ecs run-task`."
  value       = aws_ecs_task_definition.this.arn
}

output "container_name" {
  description = "Name of the task's container, whose exit code tells whether the command succeeded."
  value       = var.container_name
}
