variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key that encrypts the buckets, tables, queues, topics and secrets the services use."
}

variable "repository_arns" {
  type        = list(string)
  description = "ECR repositories the tasks pull their images from."
}

variable "log_group_arns" {
  type        = list(string)
  description = "CloudWatch log groups the tasks write to."
}

variable "signing_secret_arn" {
  type        = string
  description = "Secret injected into every service as SENAS_SIGNING_SECRET."
}

variable "database_secret_arn" {
  type        = string
  description = "Secrets Manager secret with the Aurora master credentials (read by the migration task only)."
}

variable "database_app_secret_arn" {
  type        = string
  description = "Secret with the credentials of the services' database role (read by the content service and the migration task)."
}

variable "bucket_arns" {
  type        = map(string)
  description = "Bucket ARN per logical bucket name (content-assets, user-uploads, ml-models, video-processing)."
}

variable "queue_arns" {
  type        = map(string)
  description = "Work-queue ARN per logical queue name."
}

variable "topic_arns" {
  type        = map(string)
  description = "Topic ARN per logical topic name."
}

variable "table_arns" {
  type        = map(string)
  description = "DynamoDB table ARN per logical table name (UserData, UserProgress, AiSessions)."
}

variable "user_pool_arn" {
  type        = string
  description = "Cognito user pool the user service administers."
}

variable "sagemaker_enabled" {
  type        = bool
  description = "Whether the environment runs the SageMaker endpoint; without it the ML role may invoke no endpoint."
}

variable "sagemaker_endpoint_arn" {
  type        = string
  description = "ARN of the SageMaker endpoint the ML service invokes (null when sagemaker_enabled is false)."
  default     = null
}
