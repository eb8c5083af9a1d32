variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "cidr_block" {
  type        = string
  description = "Address range of the VPC."

  validation {
    condition     = can(cidrhost(var.cidr_block, 0))
    error_message = "cidr_block must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "az_count" {
  type        = number
  description = "Number of availability zones the public, private and database subnets are spread over."

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "Aurora and the load balancer need at least 2 zones; the addressing plan covers at most 3."
  }
}

variable "nat_gateway_count" {
  type        = number
  description = "Number of NAT gateways: 1 shares one gateway between all private subnets, az_count gives each zone its own."

  validation {
    condition     = var.nat_gateway_count >= 1 && var.nat_gateway_count <= 3
    error_message = "Use between 1 NAT gateway and one per availability zone."
  }
}

variable "flow_logs_enabled" {
  type        = bool
  description = "Whether the VPC's flow logs are sent to CloudWatch Logs."
}

variable "flow_logs_retention_days" {
  type        = number
  description = "Days the flow-log group keeps its records."
  default     = 365
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key that encrypts the flow-log group."
}
