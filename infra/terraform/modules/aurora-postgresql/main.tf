resource "aws_db_subnet_group" "this" {
  name       = var.name_prefix
  subnet_ids = var.subnet_ids
}

resource "aws_security_group" "this" {
  name        = "${var.name_prefix}-aurora"
  description = "Aurora PostgreSQL: PostgreSQL from the listed security groups only"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name_prefix}-aurora"
  }
}

resource "aws_vpc_security_group_ingress_rule" "postgresql" {
  for_each = var.allowed_security_group_ids

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = each.value
}

# RDS creates this group itself when logs are exported, without retention or encryption; creating it first
# lets Terraform set both.
resource "aws_cloudwatch_log_group" "postgresql" {
  name              = "/aws/rds/cluster/${var.name_prefix}-content/postgresql"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# Slow statements and schema changes are logged (exported to CloudWatch Logs below).
resource "aws_rds_cluster_parameter_group" "this" {
  name        = "${var.name_prefix}-content"
  family      = "aurora-postgresql${split(".", var.engine_version)[0]}"
  description = "Señas content database: log DDL and statements slower than ${var.slow_statement_ms} ms"

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.slow_statement_ms)
  }
}

resource "aws_rds_cluster" "this" {
  #checkov:skip=CKV2_AWS_8:Aurora's automated backups with point-in-time restore (backup_retention_days per environment) are the backups of record; an AWS Backup plan would duplicate them.
  #checkov:skip=CKV_AWS_139:Deletion protection is switched per environment by deletion_protection (on in prod; dev is torn down freely).
  #checkov:skip=CKV_AWS_162:The services authenticate with the Secrets Manager credentials (SENAS_DATABASE_SECRET_ID); IAM database tokens are not used.
  cluster_identifier = "${var.name_prefix}-content"
  engine             = "aurora-postgresql"
  engine_mode        = "provisioned"
  engine_version     = var.engine_version
  database_name      = var.database_name
  port               = 5432

  master_username               = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  serverlessv2_scaling_configuration {
    min_capacity = var.min_capacity
    max_capacity = var.max_capacity
  }

  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.this.name
  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = [aws_security_group.this.id]

  storage_encrypted = true
  kms_key_id        = var.kms_key_arn

  backup_retention_period      = var.backup_retention_days
  preferred_backup_window      = "03:00-04:00"
  preferred_maintenance_window = "sun:04:30-sun:05:30"
  copy_tags_to_snapshot        = true
  deletion_protection          = var.deletion_protection
  skip_final_snapshot          = !var.deletion_protection
  final_snapshot_identifier    = "${var.name_prefix}-content-final"

  enabled_cloudwatch_logs_exports = ["postgresql"]

  depends_on = [aws_cloudwatch_log_group.postgresql]
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name               = "${var.name_prefix}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# Version policy: the major version is pinned (a major upgrade changes the parameter-group family and is a
# planned step: raise engine_version with allow_major_version_upgrade), minor versions are applied by RDS in the
# maintenance window. AWS retires old minors (15.4 is past its end of support), so a pinned minor would be
# force-upgraded anyway, and Terraform would then try to "downgrade" to it on the next apply.
resource "aws_rds_cluster_instance" "this" {
  count = var.instance_count

  identifier          = "${var.name_prefix}-content-${count.index}"
  cluster_identifier  = aws_rds_cluster.this.id
  instance_class      = "db.serverless"
  engine              = aws_rds_cluster.this.engine
  publicly_accessible = false

  auto_minor_version_upgrade = true

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7

  monitoring_interval = 60
  monitoring_role_arn = aws_iam_role.monitoring.arn
}
