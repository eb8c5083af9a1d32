# The HMAC key the services sign tokens and URLs with (SENAS_SIGNING_SECRET, injected by ECS). The value is
# generated ephemerally and written with a write-only argument, so it never lands in the Terraform state.

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Rotation invalidates every outstanding signed URL and token, so it is a deliberate step (raise secret_version, then redeploy) rather than a schedule; see docs/deploy.md.
  name                    = "${var.name_prefix}/signing-secret"
  description             = "HMAC signing key of the Señas services (SENAS_SIGNING_SECRET)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

# Secrets Manager's GetRandomPassword, as an ephemeral value: never in the plan or the state.
ephemeral "aws_secretsmanager_random_password" "this" {
  provider = aws.secrets

  password_length     = 64
  exclude_punctuation = true
  include_space       = false
}

resource "aws_secretsmanager_secret_version" "this" {
  secret_id                = aws_secretsmanager_secret.this.id
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.this.random_password
  secret_string_wo_version = var.secret_version
}
