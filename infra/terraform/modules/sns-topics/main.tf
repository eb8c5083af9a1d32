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

# Where alerts always go, whoever is subscribed: every message of system-alerts (alarm state changes and the
# services' own alerts) is kept here for 14 days, to read with `aws sqs receive-message` or to forward. Nothing
# consumes it automatically, so it has no dead-letter queue. E-mail (alert_email) or a pager/chat subscription
# is how a person gets told (docs/deploy.md, "Alerts").
resource "aws_sqs_queue" "alert_inbox" {
  name                              = "${var.name_prefix}-system-alerts-inbox"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
}

data "aws_iam_policy_document" "alert_inbox" {
  statement {
    sid       = "SystemAlertsDeliverHere"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.alert_inbox.arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.this["system-alerts"].arn]
    }
  }
}

resource "aws_sqs_queue_policy" "alert_inbox" {
  queue_url = aws_sqs_queue.alert_inbox.id
  policy    = data.aws_iam_policy_document.alert_inbox.json
}

resource "aws_sns_topic_subscription" "alert_inbox" {
  topic_arn = aws_sns_topic.this["system-alerts"].arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.alert_inbox.arn

  depends_on = [aws_sqs_queue_policy.alert_inbox]
}
