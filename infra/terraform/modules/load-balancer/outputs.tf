output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Hosted zone of the load balancer, for an alias record."
  value       = aws_lb.this.zone_id
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer, the dimension of its CloudWatch metrics."
  value       = aws_lb.this.arn_suffix
}

output "security_group_id" {
  description = "Security group of the load balancer, the only source the service tasks accept."
  value       = aws_security_group.this.id
}

output "arn" {
  description = "ARN of the load balancer (the web ACL is associated with it)."
  value       = aws_lb.this.arn
}

output "target_group_arns" {
  description = "Target group ARN per service. Available only once the listener rules forward to them: ECS refuses a target group that no listener uses, so the services wait for the rules."
  value       = { for name, group in aws_lb_target_group.service : name => group.arn }

  depends_on = [aws_lb_listener_rule.service, aws_lb_listener_rule.hide_internal_paths]
}

output "listener_rules" {
  description = "Rules of the HTTPS listener by name: priority, action and path patterns (lowest priority is evaluated first)."
  value = merge(
    { for name, rule in aws_lb_listener_rule.service : name => {
      priority = rule.priority
      action   = one(rule.action).type
      paths    = sort(tolist(one(one(rule.condition).path_pattern).values))
    } },
    { for rule in aws_lb_listener_rule.hide_internal_paths : "internal-paths-404" => {
      priority = rule.priority
      action   = one(rule.action).type
      paths    = sort(tolist(one(one(rule.condition).path_pattern).values))
    } },
  )
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix per service, the dimension of its CloudWatch metrics."
  value       = { for name, group in aws_lb_target_group.service : name => group.arn_suffix }
}

output "web_acl_arn" {
  description = "The WAF web ACL associated with the load balancer."
  value       = aws_wafv2_web_acl_association.this.web_acl_arn
}

output "default_action" {
  description = "What the HTTPS listener does with a path no rule claims: forward (to `default_route`) or fixed-response (404)."
  value = {
    type  = aws_lb_listener.https.default_action[0].type
    route = var.default_route
  }
}
