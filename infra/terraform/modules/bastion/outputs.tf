output "instance_id" {
  description = "Instance to pass to `aws ssm start-session --target`."
  value       = aws_instance.this.id
}

output "security_group_id" {
  description = "Security group of the bastion (allowed into Aurora)."
  value       = aws_security_group.this.id
}
