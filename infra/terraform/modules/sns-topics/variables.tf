variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment; topics are named <prefix>-<logical name>."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting every topic."
}

variable "queue_subscriptions" {
  type = list(object({
    topic     = string
    queue     = string
    queue_arn = string
  }))
  description = "SQS queues subscribed to topics (raw message delivery): the topic's and the queue's logical names and the queue's ARN."
  default     = []
}

variable "alert_email" {
  type        = string
  description = "E-mail address subscribed to system-alerts; null or empty subscribes nobody."
  default     = null
}
