# --- Product analytics: the hourly NDJSON export (`whoosh analytics export`, docs/ANALYTICS.md) ---
#
# The CronJob whoosh-analytics-export (edge/k8s/analytics-export.yaml) writes one object per UTC
# hour under events/ and the watermark object events/_watermark, as the service account
# whoosh-analytics (IRSA role below), which may read and write that prefix and nothing else.
# Readers (Athena, a warehouse load) get their own grants; none are made here.

# Public access block, ownership, versioning, encryption (KMS) and TLS-only: buckets.tf.
resource "aws_s3_bucket" "analytics" {
  #checkov:skip=CKV_AWS_18:The only writer is the export job, whose runs are logged in the cluster; server access logs would record the same puts again.
  #checkov:skip=CKV_AWS_144:Events are exported from Aurora, which keeps them (and is backed up); a lost bucket is re-exported from there (delete the watermark), so replication buys no recovery.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object-created events yet; a warehouse load adds its own notification.
  bucket_prefix = "${local.name}-analytics-"
  force_destroy = false
}

resource "aws_s3_bucket_lifecycle_configuration" "analytics" {
  bucket = aws_s3_bucket.analytics.id

  rule {
    id     = "age-events"
    status = "Enabled"
    filter {
      prefix = "events/"
    }
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
    expiration {
      days = var.analytics_retention_days
    }
    # A re-export rewrites an hour's object identically; older copies are kept a week.
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# The export job: reads and writes objects under events/ (the hours and the watermark), with the
# key only through S3, and reads the events from PostgreSQL as the application role.
data "aws_iam_policy_document" "analytics" {
  statement {
    sid       = "ConnectAsApplicationRole"
    actions   = ["rds-db:connect"]
    resources = [local.database_user_arn["app"]]
  }

  statement {
    sid       = "ExportEvents"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.analytics.arn}/events/*"]
  }

  # Without ListBucket a missing watermark answers 403 instead of 404 (NoSuchKey).
  statement {
    sid       = "FindWatermark"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.analytics.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["events/*"]
    }
  }

  statement {
    sid       = "EncryptThroughS3"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.${local.dns_suffix}"]
    }
  }
}

resource "aws_iam_role_policy" "analytics" {
  name   = "whoosh-analytics"
  role   = aws_iam_role.irsa["analytics"].id
  policy = data.aws_iam_policy_document.analytics.json
}
