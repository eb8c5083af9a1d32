variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "namespace" {
  type        = string
  description = "Name of the Cloud Map HTTP namespace the services register in (e.g. aplicacion-senas-dev.internal)."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the members' security group."
}

variable "services" {
  type        = map(number)
  description = "Service name to port: each name is the host clients in the namespace call (http://<name>:<port>)."
}
