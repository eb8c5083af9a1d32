output "execution_role_arn" {
  description = "Task execution role shared by the services and the one-off tasks."
  value       = aws_iam_role.execution.arn
}

output "task_role_arns" {
  description = "Task role per service (content, users, ml) and of the migration task (migration)."
  value = {
    content   = aws_iam_role.content.arn
    users     = aws_iam_role.users.arn
    ml        = aws_iam_role.ml.arn
    migration = aws_iam_role.migration.arn
  }
}

output "policy_statements" {
  description = "Statements of each role's policy (execution, content, users, ml, migration), for review and the Terraform tests."
  value = {
    execution = data.aws_iam_policy_document.execution.statement
    content   = data.aws_iam_policy_document.content.statement
    users     = data.aws_iam_policy_document.users.statement
    ml        = data.aws_iam_policy_document.ml.statement
    migration = data.aws_iam_policy_document.migration.statement
  }
}
