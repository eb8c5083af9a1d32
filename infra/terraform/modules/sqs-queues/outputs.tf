output "queue_names" {
  description = "Physical work-queue name per logical name."
  value       = { for name, queue in aws_sqs_queue.work : name => queue.name }
}

output "queue_arns" {
  description = "Work-queue ARN per logical name."
  value       = { for name, queue in aws_sqs_queue.work : name => queue.arn }
}

output "queue_urls" {
  description = "Work-queue URL per logical name."
  value       = { for name, queue in aws_sqs_queue.work : name => queue.id }
}

output "dead_letter_queue_names" {
  description = "Physical dead-letter-queue name per logical work-queue name."
  value       = { for name, queue in aws_sqs_queue.dead_letter : name => queue.name }
}
