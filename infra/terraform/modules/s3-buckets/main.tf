# The four buckets of the platform (src/senas/platform/catalog.py).
#  - content-assets: published lesson media; authored, hard to recreate → versioned, never expires.
#  - ml-models: versioned model artefacts and sign templates → versioned, never expires.
#  - user-uploads: learners' raw practice videos, read once by the pipeline → not versioned (a deleted video must
#    really be gone), expires where expiration_days is set.
#  - video-processing: landmarks derived from uploads, reproducible → not versioned, expires likewise.

locals {
  buckets = {
    "content-assets"   = { versioned = true, transient = false }
    "user-uploads"     = { versioned = false, transient = true }
    "ml-models"        = { versioned = true, transient = false }
    "video-processing" = { versioned = false, transient = true }
  }
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_21:Versioning is on where it protects data (content-assets, ml-models); user-uploads and video-processing hold transient or derived objects that must really disappear when deleted.
  #checkov:skip=CKV_AWS_144:The platform runs in one region; versioning and backups cover recovery, cross-region replication is not required.
  #checkov:skip=CKV2_AWS_62:The services announce new objects through SQS themselves (video-processing queue) after validating the upload.
  for_each = local.buckets

  bucket = "${var.name_prefix}-${each.key}"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.buckets

  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = { for name, bucket in local.buckets : name => bucket if bucket.versioned }

  bucket = aws_s3_bucket.this[each.key].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  dynamic "rule" {
    for_each = each.value.versioned ? [var.noncurrent_version_expiration_days] : []

    content {
      id     = "expire-noncurrent-versions"
      status = "Enabled"

      filter {}

      noncurrent_version_expiration {
        noncurrent_days = rule.value
      }
    }
  }

  dynamic "rule" {
    for_each = each.value.transient && var.expiration_days != null ? [var.expiration_days] : []

    content {
      id     = "expire-transient-objects"
      status = "Enabled"

      filter {}

      expiration {
        days = rule.value
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  for_each = local.buckets

  bucket        = aws_s3_bucket.this[each.key].id
  target_bucket = var.access_log_bucket
  target_prefix = "s3/${each.key}/"
}

data "aws_iam_policy_document" "tls_only" {
  for_each = local.buckets

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]
    resources = [aws_s3_bucket.this[each.key].arn, "${aws_s3_bucket.this[each.key].arn}/*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id
  policy = data.aws_iam_policy_document.tls_only[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

# Browsers upload practice videos straight to presigned URLs and play media from presigned URLs.
resource "aws_s3_bucket_cors_configuration" "this" {
  for_each = toset(["user-uploads", "content-assets"])

  bucket = aws_s3_bucket.this[each.key].id

  cors_rule {
    allowed_methods = each.key == "user-uploads" ? ["PUT"] : ["GET", "HEAD"]
    allowed_origins = var.upload_allowed_origins
    allowed_headers = ["content-type", "content-md5", "x-amz-*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}
