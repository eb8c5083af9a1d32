output "state_bucket_name" {
  description = "Bucket named in every environment's backend block."
  value       = aws_s3_bucket.state.bucket
}

output "lock_table_name" {
  description = "Lock table named in every environment's backend block."
  value       = aws_dynamodb_table.locks.name
}
