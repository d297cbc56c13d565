# Permissions of the pods' IRSA roles (eks.tf creates the roles). The Lambda functions' roles are
# made by the CDK app, which grants them the same kind of narrow access from the ARNs in outputs.tf.

# --- The edge's pods (edge, matchmaker, drift check, notifier): the signing keyring, the notifier's
# bot token, the Redis endpoint lookup and login, and PostgreSQL as the application role ---

locals {
  # IAM database authentication grants name the cluster's resource id and the PostgreSQL role.
  database_user_arn = {
    for role, user in { app = local.database_app_user, migration = local.database_migration_user } :
    role => "arn:${local.partition}:rds-db:${local.region}:${local.account_id}:dbuser:${aws_rds_cluster.main.cluster_resource_id}/${user}"
  }
}

# Secrets are encrypted with the environment's key: whoever reads one may decrypt with it, but
# only through Secrets Manager.
data "aws_iam_policy_document" "decrypt_secrets" {
  statement {
    sid       = "DecryptSecretsThroughSecretsManager"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.${local.dns_suffix}"]
    }
  }
}

data "aws_iam_policy_document" "edge" {
  source_policy_documents = [data.aws_iam_policy_document.decrypt_secrets.json]

  statement {
    sid       = "ReadSigningKeyring"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app["auth-keys"].arn]
  }

  statement {
    sid       = "ReadTelegramBotToken"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app["telegram-bot-token"].arn]
  }

  statement {
    sid       = "ReadRedisLogin"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app["redis-auth"].arn]
  }

  # DATABASE_AUTH=iam: a token per new connection, for the application role only.
  statement {
    sid       = "ConnectAsApplicationRole"
    actions   = ["rds-db:connect"]
    resources = [local.database_user_arn["app"]]
  }


  # ELASTICACHE_REPLICATION_GROUP_ID: the endpoint, cluster mode and TLS are looked up at start.
  statement {
    sid       = "DiscoverRedis"
    actions   = ["elasticache:DescribeReplicationGroups"]
    resources = [aws_elasticache_replication_group.redis.arn]
  }
}

resource "aws_iam_role_policy" "edge" {
  name   = "whoosh-edge"
  role   = aws_iam_role.irsa["edge"].id
  policy = data.aws_iam_policy_document.edge.json
}

# --- The migration Job: PostgreSQL as the migration role, and the master secret (read at each run)
# to create and grant the roles ---

data "aws_iam_policy_document" "migrate" {
  source_policy_documents = [data.aws_iam_policy_document.decrypt_secrets.json]

  statement {
    sid       = "ConnectAsMigrationRole"
    actions   = ["rds-db:connect"]
    resources = [local.database_user_arn["migration"]]
  }

  statement {
    sid       = "ReadMasterSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_rds_cluster.main.master_user_secret[0].secret_arn]
  }

}

resource "aws_iam_role_policy" "migrate" {
  name   = "whoosh-migrate"
  role   = aws_iam_role.irsa["migrate"].id
  policy = data.aws_iam_policy_document.migrate.json
}

# --- The edge metrics agent: writes EMF lines to its one log group ---

data "aws_iam_policy_document" "edge_metrics" {
  statement {
    sid       = "WriteEmbeddedMetrics"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.main["edge_metrics"].arn}:*"]
  }

  # The agent checks that its group exists before writing (DescribeLogGroups cannot be scoped).
  statement {
    sid       = "FindLogGroup"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
  }
}

resource "aws_iam_role_policy" "edge_metrics" {
  name   = "whoosh-edge-metrics"
  role   = aws_iam_role.irsa["edge_metrics"].id
  policy = data.aws_iam_policy_document.edge_metrics.json
}

# --- AWS Load Balancer Controller: only registers edge pods in the terraform-made target group ---
#
# The ALB, its listeners and the target group are terraform's; the controller is installed only
# for the TargetGroupBinding in edge/k8s, so it may register and deregister targets of that one
# group and read what it needs to, and cannot create, change or delete load balancers.

data "aws_iam_policy_document" "load_balancer_controller" {
  statement {
    sid = "Describe"
    # Describe calls do not support resource-level permissions.
    actions = [
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
      "elasticloadbalancing:DescribeTargetGroupAttributes",
      "elasticloadbalancing:DescribeLoadBalancerAttributes",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeTags",
      "ec2:DescribeInstances",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSubnets",
      "ec2:DescribeVpcs",
      "ec2:DescribeAvailabilityZones",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "RegisterEdgePods"
    actions   = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
    resources = [aws_lb_target_group.edge.arn]
  }
}

resource "aws_iam_role_policy" "load_balancer_controller" {
  name   = "target-group-binding"
  role   = aws_iam_role.irsa["load_balancer_controller"].id
  policy = data.aws_iam_policy_document.load_balancer_controller.json
}

# --- Cluster autoscaler: resizes only this cluster's node groups ---

data "aws_iam_policy_document" "cluster_autoscaler" {
  statement {
    sid = "Describe"
    # Describe calls do not support resource-level permissions.
    actions = [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "autoscaling:DescribeTags",
      "ec2:DescribeImages",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:GetInstanceTypesFromInstanceRequirements",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "DescribeOwnNodeGroups"
    actions   = ["eks:DescribeNodegroup"]
    resources = ["arn:${local.partition}:eks:${local.region}:${local.account_id}:nodegroup/${aws_eks_cluster.main.name}/*/*"]
  }

  statement {
    sid       = "ResizeOwnNodeGroups"
    actions   = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    resources = ["arn:${local.partition}:autoscaling:${local.region}:${local.account_id}:autoScalingGroup:*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/eks:cluster-name"
      values   = [aws_eks_cluster.main.name]
    }
  }
}

resource "aws_iam_role_policy" "cluster_autoscaler" {
  name   = "resize-node-groups"
  role   = aws_iam_role.irsa["cluster_autoscaler"].id
  policy = data.aws_iam_policy_document.cluster_autoscaler.json
}
