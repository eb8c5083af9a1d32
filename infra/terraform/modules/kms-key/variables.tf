variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "deletion_window_days" {
  type        = number
  description = "Days between scheduling the key's deletion and the key being deleted."
  default     = 30

  validation {
    condition     = var.deletion_window_days >= 7 && var.deletion_window_days <= 30
    error_message = "KMS accepts a deletion window of 7 to 30 days."
  }
}
