variable "name" {
  type        = string
  description = "Name of the ECS service, task family and security group, e.g. aplicacion-senas-dev-content."
}

variable "service" {
  type        = string
  description = "Which Señas service the container runs (the argument of `senas serve`)."

  validation {
    condition     = contains(["content", "users", "ml"], var.service)
    error_message = "service must be content, users or ml."
  }
}

variable "port" {
  type        = number
  description = "Container port the service listens on; the load balancer's target group forwards to it."
}

variable "cpu" {
  type        = number
  description = "Fargate task CPU units (1024 = 1 vCPU)."
}

variable "memory" {
  type        = number
  description = "Fargate task memory in MiB."
}

variable "desired_count" {
  type        = number
  description = "Tasks the service starts with; also the autoscaling minimum."
}

variable "max_count" {
  type        = number
  description = "Most tasks autoscaling may run."
}

variable "cpu_target_percent" {
  type        = number
  description = "Average CPU utilisation the target-tracking policy keeps the service at."
  default     = 70
}

variable "memory_target_percent" {
  type        = number
  description = "Average memory utilisation the target-tracking policy keeps the service at."
  default     = 80
}

variable "health_check_grace_period_seconds" {
  type        = number
  description = "Seconds a new task may fail load-balancer health checks while it starts (the ML service loads its models first)."
  default     = 60
}

variable "cluster_arn" {
  type        = string
  description = "ECS cluster that runs the service."
}

variable "cluster_name" {
  type        = string
  description = "Name of the ECS cluster, part of the autoscaling resource id."
}

variable "image_repository_url" {
  type        = string
  description = "ECR repository URL of the service's image."
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
  description = "Role the application code runs with (least privilege for this service)."
}

variable "log_group_name" {
  type        = string
  description = "CloudWatch log group the container writes to."
}

variable "environment" {
  type        = map(string)
  description = "Plain environment variables of the container (the SENAS_* settings)."
}

variable "secrets" {
  type        = map(string)
  description = "Environment variables filled by ECS from Secrets Manager: variable name to secret ARN."
  default     = {}
}

variable "vpc_id" {
  type        = string
  description = "VPC of the service's security group."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets the tasks run in."
}

variable "load_balancer_security_group_id" {
  type        = string
  description = "Security group of the load balancer: the only source the tasks accept traffic from."
}

variable "target_group_arn" {
  type        = string
  description = "Load-balancer target group the tasks register in."
}

variable "database_cidr_blocks" {
  type        = list(string)
  description = "Database subnets the tasks may reach on PostgreSQL's port; empty for services without a relational database."
  default     = []
}

variable "service_connect_namespace_arn" {
  type        = string
  description = "Cloud Map namespace the service registers in for calls from the other services (Service Connect)."
}

variable "service_connect_security_group_id" {
  type        = string
  description = "Security group shared by the service tasks that lets them call each other on the service ports."
}

variable "serve_options" {
  type        = list(string)
  description = "Options added to the container's `senas serve <service>` command (e.g. [\"--web-app\"] for the user service, which then also serves the learner web app)."
  default     = []

  validation {
    condition     = alltrue([for option in var.serve_options : contains(["--web-app", "--no-workers"], option)])
    error_message = "serve_options takes only --web-app and --no-workers."
  }
}
