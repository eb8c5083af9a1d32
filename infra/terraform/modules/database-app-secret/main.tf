# Credentials of the database role the services run with (DML on their schema only). Terraform makes the secret
# and its password; the role itself is created, and its password set, by the migration task
# (`senas content migrate --grant-app-role`, docs/deploy.md), which alone holds the master secret. The password
# is generated ephemerally and written with a write-only argument, so it never lands in the Terraform state.

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Rotating needs the role's password changed in PostgreSQL too, which only the migration task can do: raise password_version, and the next deployment writes a new password and runs the migration task (ALTER ROLE) before it restarts the services; see docs/deploy.md.
  name                    = "${var.name_prefix}/database-app-user"
  description             = "Aurora role ${var.username}: DML on the content schema, used by the content service (SENAS_DATABASE_SECRET_ID)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

ephemeral "aws_secretsmanager_random_password" "this" {
  provider = aws.secrets

  password_length = 48
  # Characters that need quoting in a connection URL or in SQL are left out.
  exclude_punctuation = true
  include_space       = false
}

resource "aws_secretsmanager_secret_version" "this" {
  secret_id = aws_secretsmanager_secret.this.id
  # The same shape as the RDS-managed master secret, so the services read either the same way.
  secret_string_wo = jsonencode({
    username = var.username
    password = ephemeral.aws_secretsmanager_random_password.this.random_password
  })
  secret_string_wo_version = var.password_version
}
