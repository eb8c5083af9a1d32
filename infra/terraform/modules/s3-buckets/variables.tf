variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment; buckets are named <prefix>-<logical name>."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting every object."
}

variable "expiration_days" {
  type        = number
  description = "Days after which objects in the buckets holding transient data (raw uploads, processed artefacts) expire; null keeps them."
  default     = null
}

variable "noncurrent_version_expiration_days" {
  type        = number
  description = "Days an overwritten or deleted object version is kept in the versioned buckets."
  default     = 30
}

variable "access_log_bucket" {
  type        = string
  description = "Bucket receiving the S3 server access logs of these buckets."
}

variable "upload_allowed_origins" {
  type        = list(string)
  description = "Web origins allowed to PUT to presigned upload URLs and GET presigned media URLs from a browser."
}
