locals {
  topics = toset(["achievement-notifs", "level-completion", "system-alerts", "account-events"])
}

resource "aws_sns_topic" "this" {
  for_each = local.topics

  name              = "${var.name_prefix}-${each.key}"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "queue" {
  for_each = { for subscription in var.queue_subscriptions : "${subscription.topic}->${subscription.queue}" => subscription }

  topic_arn            = aws_sns_topic.this[each.value.topic].arn
  protocol             = "sqs"
  endpoint             = each.value.queue_arn
  raw_message_delivery = true
}

resource "aws_sns_topic_subscription" "alert_email" {
  count = var.alert_email != null && var.alert_email != "" ? 1 : 0

  topic_arn = aws_sns_topic.this["system-alerts"].arn
  protocol  = "email"
  endpoint  = var.alert_email
}
