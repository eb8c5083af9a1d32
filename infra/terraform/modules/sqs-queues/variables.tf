variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment; queues are named <prefix>-<logical name>."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting every queue."
}

variable "max_receive_count" {
  type        = number
  description = "Receives after which a message that keeps failing moves to its queue's dead-letter queue."
  default     = 5
}

variable "message_retention_seconds" {
  type        = number
  description = "How long a work queue keeps an unprocessed message."
  default     = 345600
}

variable "dead_letter_retention_seconds" {
  type        = number
  description = "How long a dead-letter queue keeps a message for inspection and redrive (SQS maximum: 14 days)."
  default     = 1209600
}

variable "topic_subscriptions" {
  type        = map(list(string))
  description = "Topic ARNs allowed to deliver into each queue, keyed by the queue's logical name."
  default     = {}
}
