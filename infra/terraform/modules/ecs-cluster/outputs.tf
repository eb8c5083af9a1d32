output "arn" {
  description = "ARN of the cluster."
  value       = aws_ecs_cluster.this.arn
}

output "name" {
  description = "Name of the cluster."
  value       = aws_ecs_cluster.this.name
}

output "container_insights" {
  description = "Whether Container Insights publishes the cluster's task counts (the monitoring module's running-below-desired alarm needs them)."
  value       = var.container_insights
}
