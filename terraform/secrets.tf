# Secrets Manager holds what the services must not see in plain configuration. Terraform creates
# the secrets but never their values, so no key or password is in the terraform state:
#
#   auth-keys     the RS256 signing keyring (AUTH_KEYS_SOURCE=aws-secretsmanager:<arn>), written
#                 by `whoosh keys generate|rotate|retire` (scripts/deploy runs `generate`, which
#                 does nothing when a keyring exists).
#   action-hmac   the key that signs action tokens handed to trusted game services
#                 (ACTION_KEY_SOURCE of the profiles service); scripts/deploy fills it with 32
#                 random bytes, base64-encoded (44 characters), when it is empty.
#   redis-auth    {"username", "password"} of the services' ElastiCache RBAC user
#                 (REDIS_AUTH_SOURCE), written once by terraform (data.tf).
#   telegram-bot-token       the Telegram Bot API token the notifier sends with
#                 (TELEGRAM_BOT_TOKEN_SOURCE); put by the operator from @BotFather
#                 (docs/OPERATIONS.md, Notifications and Telegram). Until it has a value the
#                 notifier refuses to start and notifications wait in the queue.
#   telegram-webhook-secret  the secret Telegram sends with each webhook call
#                 (TELEGRAM_WEBHOOK_SECRET_SOURCE of the auth service); scripts/deploy fills it with
#                 random characters when it is empty.
#
# The Aurora master secret itself is created and rotated by RDS (aws_rds_cluster.main). No service
# reads it: they log in as the application role with IAM authentication tokens. Only the
# migration Job reads it, at each run, to create and grant the roles.

locals {
  app_secrets = {
    auth-keys               = "RS256 signing keyring of Whoosh tokens (AUTH_KEYS_SOURCE); managed with `whoosh keys`"
    action-hmac             = "HMAC key of Whoosh action tokens; base64 of 32 random bytes"
    redis-auth              = "ElastiCache RBAC user name and password of the Whoosh services (REDIS_AUTH_SOURCE)"
    telegram-bot-token      = "Telegram Bot API token of the Whoosh notifier (TELEGRAM_BOT_TOKEN_SOURCE); put by the operator"
    telegram-webhook-secret = "Secret token of the Telegram webhook (TELEGRAM_WEBHOOK_SECRET_SOURCE); filled by scripts/deploy"
  }
}

resource "aws_secretsmanager_secret" "app" {
  #checkov:skip=CKV2_AWS_57:No rotation Lambda by design. The keyring rotates in stages with `whoosh keys rotate` and redeploys (docs/OPERATIONS.md, Rotating the signing key); redis-auth is rotated with the documented two-password procedure (docs/OPERATIONS.md); action-hmac is replaced by the documented key-rotation procedure; the Telegram bot token is rotated in @BotFather and the webhook secret with setWebhook (docs/OPERATIONS.md).
  for_each = local.app_secrets

  name                    = "${local.name}/${each.key}"
  description             = each.value
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 30
}

# RDS rotates the master password it manages on this schedule. Nothing needs to follow it: the
# services never use it, and the migration Job reads the current value whenever it runs.
resource "aws_secretsmanager_secret_rotation" "aurora_master" {
  secret_id = aws_rds_cluster.main.master_user_secret[0].secret_arn

  rotation_rules {
    schedule_expression = var.database_password_rotation_schedule
  }
}
