output "certificate_arn" {
  description = "ARN of the issued certificate (available once validation succeeded), for the HTTPS listener."
  value       = aws_acm_certificate_validation.this.certificate_arn
}

output "url" {
  description = "https://<hostname>: SENAS_PUBLIC_URL and the smoke test's base URL."
  value       = "https://${var.hostname}"
}

output "validation_records" {
  description = "DNS records ACM checks before it issues the certificate (add them by hand when no zone is managed)."
  value = [for option in aws_acm_certificate.this.domain_validation_options : {
    name  = option.resource_record_name
    type  = option.resource_record_type
    value = option.resource_record_value
  }]
}

output "managed_records" {
  description = "Records Terraform keeps in the hosted zone (empty without a zone): the alias types and the validation record names."
  value = {
    alias      = sort(keys(aws_route53_record.alias))
    validation = sort(keys(aws_route53_record.validation))
  }
}
