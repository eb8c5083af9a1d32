# Calls between the services stay inside the VPC: ECS Service Connect gives each service a name in a Cloud Map
# namespace (http://content:8000, http://users:8001, http://ml:8002) served by a proxy beside every task, instead
# of leaving through NAT and coming back through the public load balancer. Every service task also carries this
# security group, which lets the members reach each other on the service ports and nothing else.

resource "aws_service_discovery_http_namespace" "this" {
  name        = var.namespace
  description = "Service Connect names of the ${var.name_prefix} services"
}

resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:Attached to every service task by the ecs-service module (its network_configuration.security_groups, from service_connect_security_group_id); checkov does not follow that module boundary.
  name        = "${var.name_prefix}-service-connect"
  description = "Service-to-service calls over Service Connect: service ports between members only"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name_prefix}-service-connect"
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_members" {
  for_each = var.services

  security_group_id            = aws_security_group.this.id
  description                  = "The ${each.key} service port from the other services"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.this.id
}

resource "aws_vpc_security_group_egress_rule" "to_members" {
  for_each = var.services

  security_group_id            = aws_security_group.this.id
  description                  = "To the ${each.key} service port of the other services"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.this.id
}
