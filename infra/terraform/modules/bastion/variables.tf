variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the bastion's security group."
}

variable "subnet_id" {
  type        = string
  description = "Private subnet the bastion runs in (it has no public address)."
}

variable "database_cidr_blocks" {
  type        = list(string)
  description = "Database subnets the bastion may reach on PostgreSQL's port."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key encrypting the bastion's volume."
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the bastion."
  default     = "t3.micro"
}
