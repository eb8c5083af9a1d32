variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment; the secret is <prefix>/database-app-user."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting the secret."
}

variable "username" {
  type        = string
  description = "Name of the PostgreSQL role the services log in as (created by the migration task)."
  default     = "senas_app"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.username))
    error_message = "username must be a plain lower-case PostgreSQL identifier."
  }
}

variable "password_version" {
  type        = number
  description = "Generation of the role's password: raising it writes a new random password (the rotation step in docs/deploy.md)."
  default     = 1
}
