output "topic_arns" {
  description = "Topic ARN per logical name."
  value       = { for name, topic in aws_sns_topic.this : name => topic.arn }
}

output "topic_names" {
  description = "Physical topic name per logical name."
  value       = { for name, topic in aws_sns_topic.this : name => topic.name }
}
