variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name in the environment, e.g. aplicacion-senas-dev."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the load balancer and its target groups."
}

variable "vpc_cidr_block" {
  type        = string
  description = "Address range of the VPC: the load balancer may only send traffic inside it, to the service ports."
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "Public subnets the internet-facing load balancer lives in (one per zone)."
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate served by the HTTPS listener."
}

variable "ssl_policy" {
  type        = string
  description = "TLS negotiation policy of the HTTPS listener."
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "routes" {
  type = map(object({
    port         = number
    path_pattern = string
    priority     = number
  }))
  description = "One entry per service: its container port, the path pattern routed to it (paths are forwarded unchanged) and the listener-rule priority."
}

variable "access_logs_bucket" {
  type        = string
  description = "S3 bucket that receives the load balancer's access logs; null turns access logging off."
  default     = null
}

variable "deletion_protection" {
  type        = bool
  description = "Whether the load balancer refuses to be deleted."
}

variable "internal_paths_hidden" {
  type        = bool
  description = "Whether the load balancer answers 404 itself for internal_path_patterns (the services' metrics and API docs)."
}

variable "internal_path_patterns" {
  type        = list(string)
  description = "Path patterns of the services' operational routes hidden from outside (at most 5: one listener-rule condition)."
  default     = ["/*/metrics", "/*/docs", "/*/docs/*", "/*/openapi.json"]

  validation {
    condition     = length(var.internal_path_patterns) >= 1 && length(var.internal_path_patterns) <= 5
    error_message = "A path-pattern condition takes 1 to 5 patterns."
  }
}

variable "internal_paths_rule_priority" {
  type        = number
  description = "Priority of the 404 rule for internal paths; lower than every route's priority so it is evaluated first."
  default     = 10
}

variable "web_acl_arn" {
  type        = string
  description = "WAF web ACL associated with the load balancer."
}

variable "default_route" {
  type        = string
  description = "The route (a key of `routes`) that receives every path no rule claims: the service that serves the learner web app at /. Null answers those paths with a 404."
  default     = null
}
