output "topic_arns" {
  description = "Topic ARN per logical name."
  value       = { for name, topic in aws_sns_topic.this : name => topic.arn }
}

output "topic_names" {
  description = "Physical topic name per logical name."
  value       = { for name, topic in aws_sns_topic.this : name => topic.name }
}

output "alert_inbox_queue_url" {
  description = "Queue that keeps every system-alerts message for 14 days (read it with aws sqs receive-message)."
  value       = aws_sqs_queue.alert_inbox.url
}

output "alert_subscriptions" {
  description = "Where system-alerts is delivered: always the inbox queue, and the e-mail address when one is set."
  value = concat(
    ["sqs:${aws_sqs_queue.alert_inbox.name}"],
    [for subscription in aws_sns_topic_subscription.alert_email : "email:${subscription.endpoint}"],
  )
}
