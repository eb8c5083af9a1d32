variable "family" {
  type        = string
  description = "Task-definition family, e.g. aplicacion-senas-dev-content-migrate."
}

variable "container_name" {
  type        = string
  description = "Name of the task's only container."
}

variable "command" {
  type        = list(string)
  description = "Command the task runs to completion, e.g. [\"senas\", \"content\", \"migrate\"]."
}

variable "cpu" {
  type        = number
  description = "Fargate task CPU units (1024 = 1 vCPU)."
}

variable "memory" {
  type        = number
  description = "Fargate task memory in MiB."
}

variable "image_repository_url" {
  type        = string
  description = "ECR repository URL of the image the command runs in."
}

variable "image_tag" {
  type        = string
  description = "Image tag to run: the commit SHA the deployment workflow pushed."
}

variable "execution_role_arn" {
  type        = string
  description = "Role ECS uses to pull the image, write logs and read the injected secrets."
}

variable "task_role_arn" {
  type        = string
  description = "Role the command runs with."
}

variable "log_group_name" {
  type        = string
  description = "CloudWatch log group the container writes to."
}

variable "log_stream_prefix" {
  type        = string
  description = "Prefix of the task's log streams inside the log group."
}

variable "environment" {
  type        = map(string)
  description = "Plain environment variables of the container."
}

variable "secrets" {
  type        = map(string)
  description = "Environment variables filled by ECS from Secrets Manager: variable name to secret ARN."
  default     = {}
}
