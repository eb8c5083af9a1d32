output "user_pool_id" {
  description = "Id of the user pool (SENAS_COGNITO_USER_POOL_ID)."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the user pool."
  value       = aws_cognito_user_pool.this.arn
}

output "client_id" {
  description = "Id of the app client (SENAS_COGNITO_CLIENT_ID)."
  value       = aws_cognito_user_pool_client.app.id
}
