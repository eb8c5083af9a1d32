# An operator's way into the VPC for interactive work (psql against Aurora, inspecting a queue): reachable only
# through SSM Session Manager, with no SSH key, no inbound rule and no public IP. Sessions are authorised and
# recorded by IAM and CloudTrail.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

data "aws_ssm_parameter" "al2023_ami" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

resource "aws_security_group" "this" {
  name        = "${var.name_prefix}-bastion"
  description = "Session Manager bastion: no inbound rules; HTTPS to the SSM endpoints and PostgreSQL out"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name_prefix}-bastion"
  }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to Session Manager and package repositories (through the NAT gateway)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "postgresql" {
  for_each = toset(var.database_cidr_blocks)

  security_group_id = aws_security_group.this.id
  description       = "PostgreSQL in the database subnets"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = each.value
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name_prefix}-bastion"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "session_manager" {
  statement {
    sid       = "RegisterWithSystemsManager"
    actions   = ["ssm:UpdateInstanceInformation"]
    resources = ["arn:${data.aws_partition.current.partition}:ec2:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:instance/*"]
  }

  statement {
    #checkov:skip=CKV_AWS_111:The Session Manager channel APIs (ssmmessages) have no resource type to scope to.
    sid = "SessionManagerChannels"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "session_manager" {
  name   = "session-manager-agent"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.session_manager.json
}

resource "aws_iam_instance_profile" "this" {
  name = "${var.name_prefix}-bastion"
  role = aws_iam_role.this.name
}

resource "aws_instance" "this" {
  ami                         = data.aws_ssm_parameter.al2023_ami.insecure_value
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = [aws_security_group.this.id]
  iam_instance_profile        = aws_iam_instance_profile.this.name
  associate_public_ip_address = false
  monitoring                  = true
  ebs_optimized               = true

  # PostgreSQL's client for operators; Amazon Linux 2023 ships the SSM agent.
  user_data = <<-EOT
    #!/bin/bash
    dnf install -y postgresql15
  EOT

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  root_block_device {
    encrypted   = true
    kms_key_id  = var.kms_key_arn
    volume_size = 8
    volume_type = "gp3"
  }

  tags = {
    Name = "${var.name_prefix}-bastion"
  }

  lifecycle {
    ignore_changes = [ami]
  }
}
