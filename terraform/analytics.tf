# --- Product analytics: the hourly NDJSON export (`whoosh analytics export`, docs/ANALYTICS.md) ---
#
# The CronJob whoosh-analytics-export (edge/k8s/analytics-export.yaml) writes one object per UTC
# hour under events/ and the watermark object events/_watermark, as the service account
# whoosh-analytics (IRSA role below), which may read and write that prefix and nothing else.
# Readers (Athena, a warehouse load) get their own grants; none are made here.

resource "aws_s3_bucket" "analytics" {
  #checkov:skip=CKV_AWS_18:The only writer is the export job, whose runs are logged in the cluster; server access logs would record the same puts again.
  #checkov:skip=CKV_AWS_144:Events are exported from Aurora, which keeps them (and is backed up); a lost bucket is re-exported from there (delete the watermark), so replication buys no recovery.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object-created events yet; a warehouse load adds its own notification.
  bucket_prefix = "${local.name}-analytics-"
  force_destroy = false
}

resource "aws_s3_bucket_public_access_block" "analytics" {
  bucket                  = aws_s3_bucket.analytics.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "analytics" {
  bucket = aws_s3_bucket.analytics.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "analytics" {
  bucket = aws_s3_bucket.analytics.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "analytics" {
  bucket = aws_s3_bucket.analytics.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
    bucket_key_enabled = true
  }
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

resource "aws_s3_bucket_policy" "analytics" {
  bucket = aws_s3_bucket.analytics.id
  policy = data.aws_iam_policy_document.analytics_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.analytics]
}

data "aws_iam_policy_document" "analytics_bucket" {
  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.analytics.arn, "${aws_s3_bucket.analytics.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# The export job: reads and writes objects under events/ (the hours and the watermark), with the
# key only through S3.
data "aws_iam_policy_document" "analytics" {
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
