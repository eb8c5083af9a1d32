variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "mfa_configuration" {
  type        = string
  description = "Cognito MFA setting: OPTIONAL lets each user opt in to TOTP, ON requires it of everyone."

  validation {
    condition     = contains(["OPTIONAL", "ON"], var.mfa_configuration)
    error_message = "mfa_configuration must be OPTIONAL or ON."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Whether the user pool refuses to be deleted."
}

variable "access_token_validity_minutes" {
  type        = number
  description = "Lifetime of access and ID tokens (short-lived, per the security design)."
  default     = 15
}

variable "refresh_token_validity_days" {
  type        = number
  description = "Lifetime of refresh tokens."
  default     = 30
}
