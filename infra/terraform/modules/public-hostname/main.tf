# The host name clients use: its ACM certificate (DNS validation) and, when the environment names its Route 53
# hosted zone, the validation records and the alias to the load balancer. Without a zone the operator adds the
# records shown by the outputs at the DNS provider (docs/deploy.md, "First deployment").

locals {
  managed_dns = var.route53_zone_id != null && var.route53_zone_id != ""
}

resource "aws_acm_certificate" "this" {
  domain_name       = var.hostname
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

# Keyed by the host name (known when planning) rather than by the certificate's validation options (known only
# once the certificate exists).
resource "aws_route53_record" "validation" {
  for_each = local.managed_dns ? toset([var.hostname]) : toset([])

  zone_id         = var.route53_zone_id
  name            = one([for option in aws_acm_certificate.this.domain_validation_options : option.resource_record_name if option.domain_name == each.key])
  type            = one([for option in aws_acm_certificate.this.domain_validation_options : option.resource_record_type if option.domain_name == each.key])
  records         = [one([for option in aws_acm_certificate.this.domain_validation_options : option.resource_record_value if option.domain_name == each.key])]
  ttl             = 300
  allow_overwrite = true
}

# Waits until ACM has issued the certificate: the HTTPS listener cannot use it before. Without a managed zone it
# waits for the record the operator adds by hand (up to the timeout).
resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = local.managed_dns ? [for record in aws_route53_record.validation : record.fqdn] : null

  timeouts {
    create = var.validation_timeout
  }
}

# The load balancer is IPv4 only, so one A alias.
resource "aws_route53_record" "alias" {
  for_each = local.managed_dns ? toset(["A"]) : toset([])

  zone_id = var.route53_zone_id
  name    = var.hostname
  type    = each.key

  alias {
    name                   = var.load_balancer_dns_name
    zone_id                = var.load_balancer_zone_id
    evaluate_target_health = true
  }
}
