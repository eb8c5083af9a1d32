output "bucket_names" {
  description = "Physical bucket name per logical name (<SENAS_RESOURCE_PREFIX>-<logical name>)."
  value       = { for name, bucket in aws_s3_bucket.this : name => bucket.bucket }
}

output "bucket_arns" {
  description = "Bucket ARN per logical name."
  value       = { for name, bucket in aws_s3_bucket.this : name => bucket.arn }
}
