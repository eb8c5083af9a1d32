# Every work queue of the platform (src/senas/platform/catalog.py) with its dead-letter queue "<name>-dlq",
# redrive after max_receive_count receives, and the catalog's visibility timeouts.

locals {
  visibility_timeout_seconds = {
    "video-processing"       = 120
    "ml-inference"           = 60
    "practice-results"       = 30
    "media-status"           = 30
    "user-notifications"     = 30
    "content-account-events" = 30
    "ml-account-events"      = 30
  }
}

resource "aws_sqs_queue" "dead_letter" {
  for_each = local.visibility_timeout_seconds

  name                              = "${var.name_prefix}-${each.key}-dlq"
  message_retention_seconds         = var.dead_letter_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "work" {
  for_each = local.visibility_timeout_seconds

  name                              = "${var.name_prefix}-${each.key}"
  visibility_timeout_seconds        = each.value
  message_retention_seconds         = var.message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  for_each = local.visibility_timeout_seconds

  queue_url = aws_sqs_queue.dead_letter[each.key].id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.work[each.key].arn]
  })
}

data "aws_iam_policy_document" "topic_delivery" {
  for_each = var.topic_subscriptions

  statement {
    sid       = "TopicsDeliverHere"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.work[each.key].arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = each.value
    }
  }
}

resource "aws_sqs_queue_policy" "topic_delivery" {
  for_each = var.topic_subscriptions

  queue_url = aws_sqs_queue.work[each.key].id
  policy    = data.aws_iam_policy_document.topic_delivery[each.key].json
}
