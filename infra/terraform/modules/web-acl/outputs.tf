output "web_acl_arn" {
  description = "ARN of the web ACL (associated with the load balancer by the load-balancer module)."
  value       = aws_wafv2_web_acl.this.arn
}

output "rules" {
  description = "Rules of the web ACL by name with their priority (lowest first) and what they do."
  value = { for rule in aws_wafv2_web_acl.this.rule : rule.name => {
    priority      = rule.priority
    managed_group = try(one(one(rule.statement).managed_rule_group_statement).name, null)
    rate_limit    = try(one(one(rule.statement).rate_based_statement).limit, null)
    rate_path     = try(one(one(one(one(rule.statement).rate_based_statement).scope_down_statement).byte_match_statement).search_string, null)
    count_only    = try([for override in one(one(rule.statement).managed_rule_group_statement).rule_action_override : override.name], [])
  } }
}
