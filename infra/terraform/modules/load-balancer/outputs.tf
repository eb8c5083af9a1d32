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

output "target_group_arns" {
  description = "Target group ARN per service."
  value       = { for name, group in aws_lb_target_group.service : name => group.arn }
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix per service, the dimension of its CloudWatch metrics."
  value       = { for name, group in aws_lb_target_group.service : name => group.arn_suffix }
}
