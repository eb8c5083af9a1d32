output "execution_role_arn" {
  description = "Task execution role shared by the services and the one-off tasks."
  value       = aws_iam_role.execution.arn
}

output "task_role_arns" {
  description = "Task role per service (content, users, ml)."
  value = {
    content = aws_iam_role.content.arn
    users   = aws_iam_role.users.arn
    ml      = aws_iam_role.ml.arn
  }
}
