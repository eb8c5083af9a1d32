output "state_bucket_name" {
  description = "Bucket named in every environment's backend block."
  value       = aws_s3_bucket.state.bucket
}

output "lock_table_name" {
  description = "Lock table named in every environment's backend block."
  value       = aws_dynamodb_table.locks.name
}

output "state_access_log_bucket_name" {
  description = "Bucket that receives the state bucket's server access logs (prefix state/)."
  value       = aws_s3_bucket.state_access_logs.bucket
}
