variable "aws_region" {
  type        = string
  description = "Region the environment runs in."
  default     = "us-east-1"
}

variable "image_tag" {
  type        = string
  description = "Tag of the images to deploy: the commit SHA the deployment workflow pushed to ECR before applying."

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a valid image tag (the commit SHA)."
  }
}

variable "public_hostname" {
  type        = string
  description = "Host name clients use, e.g. dev.senas.example: the certificate is issued for it and SENAS_PUBLIC_URL is https://<it>."

  validation {
    condition = (
      length(var.public_hostname) <= 253 &&
      can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.public_hostname))
    )
    error_message = "public_hostname must be a lower-case DNS name with at least two labels (e.g. dev.senas.example), without scheme, port, path or trailing dot."
  }
}

variable "route53_zone_id" {
  type        = string
  description = "Route 53 hosted zone of public_hostname: given, Terraform writes the certificate's validation record and the alias to the load balancer; null or empty leaves both to the operator (docs/deploy.md)."
  default     = null
}

variable "alert_email" {
  type        = string
  description = "E-mail address subscribed to system-alerts; null or empty subscribes nobody (alerts still reach the system-alerts inbox queue)."
  default     = null
}

variable "bastion_enabled" {
  type        = bool
  description = "Whether to run the Session Manager bastion for interactive operator access."
  default     = false
}

variable "sagemaker_enabled" {
  type        = bool
  description = "Whether the ML service scores on the SageMaker serverless endpoint (true) or with its in-process model (false: no endpoint is created and SENAS_SAGEMAKER_ENDPOINT is not set)."
  default     = true
}

variable "signing_secret_version" {
  type        = number
  description = "Generation of the services' signing key; raise it to rotate the key (docs/deploy.md)."
  default     = 1
}

variable "database_app_password_version" {
  type        = number
  description = "Generation of the services' database password; raise it to rotate it (the next deployment's migration task sets it in PostgreSQL, docs/deploy.md)."
  default     = 1
}
