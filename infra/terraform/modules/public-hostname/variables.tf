variable "hostname" {
  type        = string
  description = "Host name clients use, e.g. dev.senas.example (validated by the environment)."
}

variable "route53_zone_id" {
  type        = string
  description = "Route 53 hosted zone of the host name; null or empty leaves the DNS records to the operator."
  default     = null
}

variable "load_balancer_dns_name" {
  type        = string
  description = "DNS name of the load balancer the host name points at."
}

variable "load_balancer_zone_id" {
  type        = string
  description = "Hosted zone of the load balancer, for the alias records."
}

variable "validation_timeout" {
  type        = string
  description = "How long an apply waits for ACM to issue the certificate (time for a hand-made validation record to be seen)."
  default     = "45m"
}
