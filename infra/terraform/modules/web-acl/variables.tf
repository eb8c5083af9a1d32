variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "auth_path_prefix" {
  type        = string
  description = "Path prefix of the authentication routes the rate rule counts (lower-cased before matching)."
  default     = "/users/auth/"
}

variable "auth_requests_per_window" {
  type        = number
  description = "Requests one address may send to the auth routes per window before WAF blocks it (until its rate falls)."
  default     = 300

  validation {
    condition     = var.auth_requests_per_window >= 10
    error_message = "WAF rate-based rules need a limit of at least 10."
  }
}

variable "auth_rate_window_seconds" {
  type        = number
  description = "Window over which the auth rate rule counts requests (60, 120, 300 or 600 seconds)."
  default     = 300

  validation {
    condition     = contains([60, 120, 300, 600], var.auth_rate_window_seconds)
    error_message = "WAF evaluates rate rules over 60, 120, 300 or 600 seconds."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting the WAF log group."
}

variable "log_retention_days" {
  type        = number
  description = "Days the WAF log group keeps its records."
}
