variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment; the endpoint is <prefix>-sign-recognition."
}

variable "repository_url" {
  type        = string
  description = "ECR repository of the SageMaker hosting image (the Dockerfile's sagemaker target)."
}

variable "repository_arn" {
  type        = string
  description = "ARN of that repository: the only one the model's role may pull from."
}

variable "image_tag" {
  type        = string
  description = "Image tag to serve: the commit SHA the deployment pushed before applying."
}

variable "models_bucket_arn" {
  type        = string
  description = "ARN of the ml-models bucket, the only bucket the model's role may read."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key of the bucket, the image and the endpoint's log group."
}

variable "memory_size_in_mb" {
  type        = number
  description = "Memory of each serverless instance (1024 to 6144 MB in steps of 1024; vCPUs grow with it)."

  validation {
    condition     = contains([1024, 2048, 3072, 4096, 5120, 6144], var.memory_size_in_mb)
    error_message = "SageMaker Serverless Inference accepts 1024, 2048, 3072, 4096, 5120 or 6144 MB."
  }
}

variable "max_concurrency" {
  type        = number
  description = "Most invocations served at once (concurrent serverless instances); more are throttled."

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 200
    error_message = "max_concurrency must be between 1 and 200."
  }
}

variable "environment" {
  type        = map(string)
  description = "Environment of the container: the same SENAS_* names the ML service uses for its region and the ml-models bucket."
}

variable "log_retention_days" {
  type        = number
  description = "Days the endpoint's log group keeps its records."
}
