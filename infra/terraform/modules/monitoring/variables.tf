variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting the log groups."
}

variable "log_retention_days" {
  type        = number
  description = "Days the services' log groups keep their records."
}

variable "alarm_topic_arn" {
  type        = string
  description = "Topic every alarm notifies (system-alerts)."
}

variable "load_balancer_arn_suffix" {
  type        = string
  description = "ARN suffix of the load balancer, the dimension of its metrics."
}

variable "cluster_name" {
  type        = string
  description = "ECS cluster running the services."
}

variable "services" {
  type        = set(string)
  description = "Señas services that get a log group /ecs/<prefix>/<service> (known before the ECS services exist)."
}

variable "service_names" {
  type        = map(string)
  description = "ECS service name per Señas service (content, users, ml)."
}

variable "dead_letter_queue_names" {
  type        = map(string)
  description = "Dead-letter-queue name per work queue."
}

variable "database_cluster_identifier" {
  type        = string
  description = "Aurora cluster whose capacity is watched."
}

variable "error_rate_threshold_percent" {
  type        = number
  description = "Share of requests answered with a 5xx (by the targets or the load balancer) that raises the alarm."
  default     = 5
}

variable "cpu_high_threshold_percent" {
  type        = number
  description = "Average CPU utilisation of a service that raises the alarm (above the autoscaling target, so it means scaling is not keeping up)."
  default     = 85
}

variable "memory_high_threshold_percent" {
  type        = number
  description = "Average memory utilisation of a service that raises the alarm."
  default     = 90
}

variable "database_capacity_threshold_percent" {
  type        = number
  description = "Share of the cluster's maximum ACU in use that raises the alarm."
  default     = 90
}

variable "target_group_arn_suffixes" {
  type        = map(string)
  description = "Target group ARN suffix per Señas service (dimension of the load balancer's host-count metrics)."
}

variable "minimum_task_counts" {
  type        = map(number)
  description = "Fewest tasks each service runs (its autoscaling minimum): fewer healthy targets raise an alarm where Container Insights is off."
}

variable "container_insights" {
  type        = bool
  description = "Whether the cluster publishes Container Insights (running and desired task counts per service)."
}

variable "queue_names" {
  type        = map(string)
  description = "Physical work-queue name per logical name, each watched for the age of its oldest message."
}

variable "oldest_message_age_threshold_seconds" {
  type        = number
  description = "Age of a queue's oldest message (seconds) that raises the alarm."
  default     = 900
}
