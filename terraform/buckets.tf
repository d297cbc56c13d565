# The hardening every bucket of the environment gets, stated once: no public access, the bucket
# owner owns every object (no ACLs), versioning and TLS-only access; then encryption at rest. Each
# bucket itself (with its own checkov reasons), its lifecycle and its other policy statements stay
# beside what uses it: alb.tf (access logs), analytics.tf (the analytics export), deploy_runner.tf
# (deploy bundles).

locals {
  private_buckets = {
    logs      = { id = aws_s3_bucket.logs.id, arn = aws_s3_bucket.logs.arn }
    analytics = { id = aws_s3_bucket.analytics.id, arn = aws_s3_bucket.analytics.arn }
    deploy    = { id = aws_s3_bucket.deploy.id, arn = aws_s3_bucket.deploy.arn }
  }
}

resource "aws_s3_bucket_public_access_block" "private" {
  for_each = local.private_buckets

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "private" {
  for_each = local.private_buckets

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "private" {
  for_each = local.private_buckets

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

# Encryption at rest is written out per bucket: checkov reads it only from a resource that names
# its bucket directly.
resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      # ALB access log delivery supports only SSE-S3, not customer-managed KMS keys.
      sse_algorithm = "AES256"
    }
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

resource "aws_s3_bucket_server_side_encryption_configuration" "deploy" {
  bucket = aws_s3_bucket.deploy.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
    bucket_key_enabled = true
  }
}

# Merged into each bucket's policy (source_policy_documents), or its whole policy.
data "aws_iam_policy_document" "tls_only" {
  for_each = local.private_buckets

  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]
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

# The buckets whose policy is only TLS-only; the access-log bucket adds its writers (alb.tf).
resource "aws_s3_bucket_policy" "tls_only" {
  for_each = { for k, v in local.private_buckets : k => v if k != "logs" }

  bucket = each.value.id
  policy = data.aws_iam_policy_document.tls_only[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.private]
}

# moved: the hardening of the two older buckets was written out per bucket.
moved {
  from = aws_s3_bucket_public_access_block.logs
  to   = aws_s3_bucket_public_access_block.private["logs"]
}
moved {
  from = aws_s3_bucket_ownership_controls.logs
  to   = aws_s3_bucket_ownership_controls.private["logs"]
}
moved {
  from = aws_s3_bucket_versioning.logs
  to   = aws_s3_bucket_versioning.private["logs"]
}
moved {
  from = aws_s3_bucket_public_access_block.analytics
  to   = aws_s3_bucket_public_access_block.private["analytics"]
}
moved {
  from = aws_s3_bucket_ownership_controls.analytics
  to   = aws_s3_bucket_ownership_controls.private["analytics"]
}
moved {
  from = aws_s3_bucket_versioning.analytics
  to   = aws_s3_bucket_versioning.private["analytics"]
}
moved {
  from = aws_s3_bucket_policy.analytics
  to   = aws_s3_bucket_policy.tls_only["analytics"]
}
