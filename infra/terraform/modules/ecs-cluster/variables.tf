variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "container_insights" {
  type        = bool
  description = "Whether CloudWatch Container Insights collects per-task metrics for the cluster."
}
