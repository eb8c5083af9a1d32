variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment; tables are named <prefix>-<logical name>."
}

variable "point_in_time_recovery" {
  type        = bool
  description = "Whether point-in-time recovery (continuous backups) is on for every table."
}

variable "deletion_protection" {
  type        = bool
  description = "Whether the tables refuse to be deleted."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting the tables."
}
