variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment; the secret is <prefix>/signing-secret."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting the secret."
}

variable "secret_version" {
  type        = number
  description = "Generation of the signing key: raising it writes a new random value (the rotation step in docs/deploy.md)."
  default     = 1
}
