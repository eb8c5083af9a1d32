variable "aws_region" {
  type        = string
  description = "Region the environment runs in."
  default     = "us-east-1"
}

variable "image_tag" {
  type        = string
  description = "Tag of the three service images to deploy: the commit SHA the deployment workflow pushed to ECR."
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate of the HTTPS listener (for public_hostname when one is set)."
}

variable "public_hostname" {
  type        = string
  description = "Host name clients use (a DNS record pointing at the load balancer); null uses the load balancer's own DNS name."
  default     = null
}

variable "alert_email" {
  type        = string
  description = "E-mail address subscribed to system-alerts; null or empty subscribes nobody."
  default     = null
}

variable "bastion_enabled" {
  type        = bool
  description = "Whether to run the Session Manager bastion for interactive operator access."
  default     = false
}

variable "sagemaker_endpoint_name" {
  type        = string
  description = "SageMaker endpoint of the sign-recognition model the ML service invokes."
  default     = "aplicacion-senas-dev-sign-recognition"
}

variable "signing_secret_version" {
  type        = number
  description = "Generation of the services' signing key; raise it to rotate the key (docs/deploy.md)."
  default     = 1
}
