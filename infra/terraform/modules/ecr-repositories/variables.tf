variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment; repositories are named <prefix>/<service image>."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting the images."
}

variable "untagged_image_expiration_days" {
  type        = number
  description = "Days an untagged image (a failed or superseded push) is kept."
  default     = 7
}

variable "images_kept" {
  type        = number
  description = "Most recent images kept per repository; older ones expire (enough to roll back several releases)."
  default     = 30
}
