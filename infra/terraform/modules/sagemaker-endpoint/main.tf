# The sign-recognition model on SageMaker Serverless Inference: the image of the Dockerfile's `sagemaker` target
# (`senas ml serve-sagemaker`: GET /ping and POST /invocations on port 8080), a serverless endpoint
# configuration (memory and concurrency per environment) and the endpoint the ML service invokes. The model's
# role reads the ml-models bucket only (templates and model files), pulls its image and writes its logs.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  endpoint_name = "${var.name_prefix}-sign-recognition"
  # SageMaker writes the endpoint's container logs here; creating the group first sets retention and encryption.
  log_group_name = "/aws/sagemaker/Endpoints/${local.endpoint_name}"
}

data "aws_iam_policy_document" "sagemaker_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name_prefix}-sagemaker-model"
  assume_role_policy = data.aws_iam_policy_document.sagemaker_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "ReadModelsAndTemplates"
    actions   = ["s3:GetObject"]
    resources = ["${var.models_bucket_arn}/*"]
  }

  statement {
    sid       = "ListModelsAndTemplates"
    actions   = ["s3:ListBucket"]
    resources = [var.models_bucket_arn]
  }

  statement {
    sid = "RegistryLogin"
    # GetAuthorizationToken has no resource to scope to.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullTheModelImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [var.repository_arn]
  }

  statement {
    sid       = "WriteEndpointLogs"
    actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = [aws_cloudwatch_log_group.endpoint.arn, "${aws_cloudwatch_log_group.endpoint.arn}:log-stream:*"]
  }

  # The bucket and the image are encrypted with the environment's key.
  statement {
    sid       = "DecryptModelsAndImage"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "read-ml-models-pull-image-write-logs"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_cloudwatch_log_group" "endpoint" {
  #checkov:skip=CKV_AWS_338:Retention is the environment's log_retention_days like every other log group: 365 days in prod, 30 in dev.
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# A new image tag or setting makes a new model and a new endpoint configuration (both immutable); the endpoint
# then moves to them in place, and the old ones are deleted only after it has.
resource "aws_sagemaker_model" "this" {
  #checkov:skip=CKV_AWS_370:Network isolation would cut the container off from S3, and it loads its templates and model files from the ml-models bucket at start-up (its role may read that bucket only).
  execution_role_arn       = aws_iam_role.execution.arn
  enable_network_isolation = false

  primary_container {
    image       = "${var.repository_url}:${var.image_tag}"
    mode        = "SingleModel"
    environment = var.environment
  }

  tags = {
    Name = local.endpoint_name
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_iam_role_policy.execution]
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  #checkov:skip=CKV_AWS_98:Serverless endpoints take no KmsKeyId (SageMaker accepts it only for instance-backed variants); the container keeps nothing on disk, and its inputs (landmarks) and outputs (scores) travel over TLS.
  # At most 37 characters (Terraform adds a 26-character suffix to make the name unique).
  name_prefix = "${var.name_prefix}-sign-"

  production_variants {
    variant_name = "serverless"
    model_name   = aws_sagemaker_model.this.name

    serverless_config {
      memory_size_in_mb = var.memory_size_in_mb
      max_concurrency   = var.max_concurrency
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = local.endpoint_name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name

  depends_on = [aws_cloudwatch_log_group.endpoint]
}
