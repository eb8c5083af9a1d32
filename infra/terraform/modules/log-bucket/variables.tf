variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment; the bucket is <prefix>-access-logs."
}

variable "expiration_days" {
  type        = number
  description = "Days access-log objects are kept."
  default     = 365
}

variable "noncurrent_version_expiration_days" {
  type        = number
  description = "Days an overwritten or deleted log object version is kept."
  default     = 30
}
