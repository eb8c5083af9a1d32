variable "aws_region" {
  type        = string
  description = "Region of the state bucket and the lock table; the environments' backend blocks name the same region."
  default     = "us-east-1"
}

variable "state_bucket_name" {
  type        = string
  description = "Name of the S3 bucket that holds every environment's Terraform state."
  default     = "aplicacion-senas-terraform-state"
}

variable "lock_table_name" {
  type        = string
  description = "Name of the DynamoDB table Terraform uses to lock a state while a plan or apply runs."
  default     = "aplicacion-senas-terraform-locks"
}

variable "noncurrent_state_retention_days" {
  type        = number
  description = "Days an overwritten state version is kept before it expires (the window for recovering a bad apply)."
  default     = 365
}

variable "access_log_retention_days" {
  type        = number
  description = "Days the state bucket's server access logs are kept."
  default     = 365
}
