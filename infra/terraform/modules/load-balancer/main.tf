# What the load balancer answers itself for a path no service takes (and, in prod, for internal paths): the
# {error, detail} body every service answers with.
locals {
  not_found = {
    content_type = "application/json"
    message_body = jsonencode({ error = "not_found", detail = "No service is routed at this path." })
    status_code  = "404"
  }
}

resource "aws_security_group" "this" {
  name        = "${var.name_prefix}-load-balancer"
  description = "Internet-facing load balancer: HTTPS in (HTTP only to redirect), service ports out"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name_prefix}-load-balancer"
  }
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS from clients"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers with a permanent redirect to HTTPS (aws_lb_listener.http_redirect).
  security_group_id = aws_security_group.this.id
  description       = "HTTP from clients, redirected to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "services" {
  for_each = var.routes

  security_group_id = aws_security_group.this.id
  description       = "To the ${each.key} service tasks"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:Access logs are switched per environment by access_logs_bucket (on in prod, off in dev).
  #checkov:skip=CKV_AWS_150:Deletion protection is switched per environment by deletion_protection (on in prod; dev is torn down freely).
  #checkov:skip=CKV2_AWS_76:The associated web ACL (web-acl module, through web_acl_arn) runs AWSManagedRulesKnownBadInputsRuleSet with its Log4JRCE rules blocking; checkov does not follow the ACL across the module boundary.
  name                       = "${var.name_prefix}-alb"
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.this.id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]

    content {
      bucket  = access_logs.value
      prefix  = "load-balancer"
      enabled = true
    }
  }
}

# WAF in front of everything the load balancer serves (web-acl module: managed rule groups, auth rate limit).
resource "aws_wafv2_web_acl_association" "this" {
  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.web_acl_arn
}

resource "aws_lb_target_group" "service" {
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; targets sit in private subnets and accept traffic from its security group only.
  for_each = var.routes

  name                 = substr("${var.name_prefix}-${each.key}", 0, 32)
  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    enabled             = true
    path                = "/health"
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  # Paths no rule claims: to the service that serves the learner web app (its page, static files and service worker
  # live at the root), or a 404 when there is none.
  dynamic "default_action" {
    for_each = var.default_route == null ? [] : [var.default_route]

    content {
      type             = "forward"
      target_group_arn = aws_lb_target_group.service[default_action.value].arn
    }
  }

  dynamic "default_action" {
    for_each = var.default_route == null ? ["not-found"] : []

    content {
      type = "fixed-response"

      fixed_response {
        content_type = local.not_found.content_type
        message_body = local.not_found.message_body
        status_code  = local.not_found.status_code
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.default_route == null || contains(keys(var.routes), coalesce(var.default_route, "-"))
      error_message = "default_route must name one of the routes."
    }
  }
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }
}

# Operational routes of every service (Prometheus metrics, the OpenAPI document and its UI) answer 404 from
# outside where internal_paths_hidden is set (prod); inside the VPC they stay reachable over Service Connect. The
# rule's priority is below every forward rule's, so it is evaluated first.
resource "aws_lb_listener_rule" "hide_internal_paths" {
  count = var.internal_paths_hidden ? 1 : 0

  listener_arn = aws_lb_listener.https.arn
  priority     = var.internal_paths_rule_priority

  action {
    type = "fixed-response"

    fixed_response {
      content_type = local.not_found.content_type
      message_body = local.not_found.message_body
      status_code  = local.not_found.status_code
    }
  }

  condition {
    path_pattern {
      values = var.internal_path_patterns
    }
  }

  lifecycle {
    precondition {
      condition     = alltrue([for route in var.routes : route.priority > var.internal_paths_rule_priority])
      error_message = "The 404 rule for internal paths must come before (have a lower priority than) every forward rule."
    }
  }
}

resource "aws_lb_listener_rule" "service" {
  for_each = var.routes

  listener_arn = aws_lb_listener.https.arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service[each.key].arn
  }

  condition {
    path_pattern {
      values = [each.value.path_pattern]
    }
  }
}
