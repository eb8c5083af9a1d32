# The task execution role (ECS itself) and one task role per service. Each task role allows only the actions on
# the resources its service uses; no statement names a wildcard action.

data "aws_caller_identity" "current" {}

locals {
  queue_send_actions = ["sqs:GetQueueUrl", "sqs:SendMessage"]
  queue_consume_actions = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
  ]
  table_actions = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
  ]
  # Encrypted buckets, tables, queues and topics need the caller to use the key.
  key_actions = ["kms:Decrypt", "kms:GenerateDataKey"]
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# --- execution role ------------------------------------------------------------------------------------------

resource "aws_iam_role" "execution" {
  name               = "${var.name_prefix}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid = "RegistryLogin"
    # GetAuthorizationToken has no resource to scope to.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullServiceImages"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = var.repository_arns
  }

  statement {
    sid       = "WriteContainerLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for arn in var.log_group_arns : "${arn}:log-stream:*"]
  }

  statement {
    sid       = "InjectSigningSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.signing_secret_arn]
  }

  statement {
    sid       = "DecryptInjectedSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-images-write-logs-inject-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# --- content-service -----------------------------------------------------------------------------------------

resource "aws_iam_role" "content" {
  name               = "${var.name_prefix}-content-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "content" {
  # Every service's token verifier reads whether a user's tokens were revoked (a role change): GetItem on the
  # revocation items of UserData only (their keys start with REVOKED#), nothing else of that table.
  statement {
    sid       = "ReadTokenRevocations"
    actions   = ["dynamodb:GetItem"]
    resources = [var.table_arns["UserData"]]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["REVOKED#*"]
    }
  }

  statement {
    sid       = "ReadWriteContentAssets"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = ["${var.bucket_arns["content-assets"]}/*"]
  }

  statement {
    sid       = "ListContentAssetsAndUploads"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arns["content-assets"], var.bucket_arns["user-uploads"]]
  }

  # Presigned upload URLs, checking what arrived, and deleting a user's uploads when the account is deleted.
  statement {
    sid       = "PresignCheckAndDeleteUploads"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = ["${var.bucket_arns["user-uploads"]}/*"]
  }

  statement {
    sid       = "SendToVideoProcessing"
    actions   = local.queue_send_actions
    resources = [var.queue_arns["video-processing"]]
  }

  statement {
    sid       = "ConsumeMediaStatusAndAccountEvents"
    actions   = local.queue_consume_actions
    resources = [var.queue_arns["media-status"], var.queue_arns["content-account-events"]]
  }

  # The app role's credentials (DML only); the master secret is the migration task's alone.
  statement {
    sid       = "ReadDatabaseAppCredentials"
    actions   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    resources = [var.database_app_secret_arn]
  }

  statement {
    sid       = "PublishSystemAlerts"
    actions   = ["sns:Publish"]
    resources = [var.topic_arns["system-alerts"]]
  }

  statement {
    sid       = "UseTheDataKey"
    actions   = local.key_actions
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "content" {
  name   = "content-service"
  role   = aws_iam_role.content.id
  policy = data.aws_iam_policy_document.content.json
}

# --- user-service --------------------------------------------------------------------------------------------

resource "aws_iam_role" "users" {
  name               = "${var.name_prefix}-users-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "users" {
  statement {
    sid     = "UserDataAndProgressTables"
    actions = local.table_actions
    resources = [
      var.table_arns["UserData"],
      "${var.table_arns["UserData"]}/index/*",
      var.table_arns["UserProgress"],
      "${var.table_arns["UserProgress"]}/index/*",
    ]
  }

  statement {
    sid = "AdministerUserPool"
    actions = [
      "cognito-idp:AdminAddUserToGroup",
      "cognito-idp:AdminConfirmSignUp",
      "cognito-idp:AdminCreateUser",
      "cognito-idp:AdminDeleteUser",
      "cognito-idp:AdminDisableUser",
      "cognito-idp:AdminEnableUser",
      "cognito-idp:AdminGetUser",
      "cognito-idp:AdminInitiateAuth",
      "cognito-idp:AdminListGroupsForUser",
      "cognito-idp:AdminRemoveUserFromGroup",
      "cognito-idp:AdminRespondToAuthChallenge",
      "cognito-idp:AdminSetUserMFAPreference",
      "cognito-idp:AdminSetUserPassword",
      "cognito-idp:AdminUpdateUserAttributes",
      "cognito-idp:AdminUserGlobalSignOut",
      "cognito-idp:ListUsers",
    ]
    resources = [var.user_pool_arn]
  }

  statement {
    sid     = "PublishProgressAndAccountEvents"
    actions = ["sns:Publish"]
    resources = [
      var.topic_arns["achievement-notifs"],
      var.topic_arns["level-completion"],
      var.topic_arns["account-events"],
      var.topic_arns["system-alerts"],
    ]
  }

  statement {
    sid       = "ConsumePracticeResultsAndNotifications"
    actions   = local.queue_consume_actions
    resources = [var.queue_arns["practice-results"], var.queue_arns["user-notifications"]]
  }

  statement {
    sid       = "UseTheDataKey"
    actions   = local.key_actions
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "users" {
  name   = "user-service"
  role   = aws_iam_role.users.id
  policy = data.aws_iam_policy_document.users.json
}

# --- ml-service ----------------------------------------------------------------------------------------------

resource "aws_iam_role" "ml" {
  name               = "${var.name_prefix}-ml-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "ml" {
  # Every service's token verifier reads whether a user's tokens were revoked (a role change): GetItem on the
  # revocation items of UserData only (their keys start with REVOKED#), nothing else of that table.
  statement {
    sid       = "ReadTokenRevocations"
    actions   = ["dynamodb:GetItem"]
    resources = [var.table_arns["UserData"]]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["REVOKED#*"]
    }
  }

  statement {
    sid       = "AiSessionsTable"
    actions   = local.table_actions
    resources = [var.table_arns["AiSessions"], "${var.table_arns["AiSessions"]}/index/*"]
  }

  statement {
    sid       = "ReadModelsWriteTemplates"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${var.bucket_arns["ml-models"]}/*"]
  }

  statement {
    sid       = "ReadWriteProcessedVideo"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = ["${var.bucket_arns["video-processing"]}/*"]
  }

  statement {
    sid       = "ListModelsAndProcessedVideo"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arns["ml-models"], var.bucket_arns["video-processing"]]
  }

  statement {
    sid       = "ReadUploads"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arns["user-uploads"]}/*"]
  }

  statement {
    sid       = "ConsumeVideoProcessingInferenceAndAccountEvents"
    actions   = local.queue_consume_actions
    resources = [var.queue_arns["video-processing"], var.queue_arns["ml-inference"], var.queue_arns["ml-account-events"]]
  }

  statement {
    sid       = "SendInferenceResultsAndMediaStatus"
    actions   = local.queue_send_actions
    resources = [var.queue_arns["ml-inference"], var.queue_arns["practice-results"], var.queue_arns["media-status"]]
  }

  # Only where the environment runs the SageMaker endpoint, and only that endpoint.
  dynamic "statement" {
    for_each = var.sagemaker_enabled ? [var.sagemaker_endpoint_arn] : []

    content {
      sid       = "InvokeRecognitionEndpoint"
      actions   = ["sagemaker:InvokeEndpoint"]
      resources = [statement.value]
    }
  }

  statement {
    sid       = "PublishSystemAlerts"
    actions   = ["sns:Publish"]
    resources = [var.topic_arns["system-alerts"]]
  }

  statement {
    sid       = "UseTheDataKey"
    actions   = local.key_actions
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "ml" {
  name   = "ml-service"
  role   = aws_iam_role.ml.id
  policy = data.aws_iam_policy_document.ml.json
}

# --- migration task ------------------------------------------------------------------------------------------

# `senas content migrate --grant-app-role`: upgrades the schema as the master user and creates (or re-passwords)
# the services' role from the app secret. Nothing else reads the master secret.
resource "aws_iam_role" "migration" {
  name               = "${var.name_prefix}-migration-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "migration" {
  statement {
    sid       = "ReadMasterAndAppCredentials"
    actions   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    resources = [var.database_secret_arn, var.database_app_secret_arn]
  }

  statement {
    sid       = "DecryptTheSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "migration" {
  name   = "content-migration"
  role   = aws_iam_role.migration.id
  policy = data.aws_iam_policy_document.migration.json
}
