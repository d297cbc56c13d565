# One customer-managed key for the environment's data at rest: secrets, log groups, Aurora,
# ElastiCache, EKS secrets, ECR and the alarm topic (node volumes use the account's EBS key, which
# needs no key policy for the Auto Scaling service-linked role). One key keeps the
# policy reviewable; the services are still separated by the IAM policies that grant its use.
resource "aws_kms_key" "main" {
  description             = "${local.name}: encryption at rest for secrets, logs, databases, cache, cluster secrets and images"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.main.key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:This is a key policy: its resource "*" means this key only. Administration stays with the account's IAM policies, as in the default key policy.
  #checkov:skip=CKV_AWS_111:This is a key policy: its resource "*" means this key only; services are limited by source-account and encryption-context conditions.
  #checkov:skip=CKV_AWS_356:This is a key policy: its resource "*" means this key only.
  # Key administration and use stay with IAM policies in this account (the default key policy).
  statement {
    sid       = "AccountIamPolicies"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts log groups of this account with the key.
  statement {
    sid = "CloudWatchLogs"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.${local.dns_suffix}"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }

  # CloudWatch alarms publish to the encrypted alarm topic.
  statement {
    sid       = "CloudWatchAlarmsToSns"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}
