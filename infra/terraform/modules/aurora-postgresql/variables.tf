variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "engine_version" {
  type        = string
  description = "Aurora PostgreSQL major version (major only: RDS picks the minor version and upgrades it in the maintenance window)."
  default     = "15"

  validation {
    condition     = can(regex("^[0-9]+$", var.engine_version))
    error_message = "engine_version is a major version only (e.g. \"15\"): minor versions are upgraded by RDS, and a pinned minor would make Terraform try to downgrade after each upgrade."
  }
}

variable "database_name" {
  type        = string
  description = "Database created in the cluster for the content service."
  default     = "content_db"
}

variable "master_username" {
  type        = string
  description = "Master user; its password is generated and kept in Secrets Manager by RDS."
  default     = "senas_admin"
}

variable "min_capacity" {
  type        = number
  description = "Fewest Aurora capacity units (ACU) Serverless v2 scales down to."
}

variable "max_capacity" {
  type        = number
  description = "Most Aurora capacity units (ACU) Serverless v2 scales up to."
}

variable "instance_count" {
  type        = number
  description = "Serverless v2 instances: 1 is a writer only, 2 adds a reader in another zone to fail over to."
}

variable "backup_retention_days" {
  type        = number
  description = "Days automated backups (point-in-time restore) are kept."
}

variable "deletion_protection" {
  type        = bool
  description = "Whether the cluster refuses to be deleted (and a final snapshot is taken when it is)."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the cluster's security group."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Database subnets of the cluster's subnet group."
}

variable "allowed_security_group_ids" {
  type        = map(string)
  description = "Security groups allowed to connect on PostgreSQL's port, keyed by a name that explains why (e.g. content-service, bastion)."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting storage, Performance Insights, logs and the master secret."
}

variable "log_retention_days" {
  type        = number
  description = "Days the exported PostgreSQL log group keeps its records."
}

variable "slow_statement_ms" {
  type        = number
  description = "Statements running longer than this many milliseconds are logged."
  default     = 1000
}
