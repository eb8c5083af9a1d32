output "table_names" {
  description = "Physical table name per logical name (SENAS_TABLE_USER_DATA, SENAS_TABLE_USER_PROGRESS, SENAS_TABLE_AI_SESSIONS)."
  value       = { for name, table in aws_dynamodb_table.this : name => table.name }
}

output "table_arns" {
  description = "Table ARN per logical name."
  value       = { for name, table in aws_dynamodb_table.this : name => table.arn }
}
