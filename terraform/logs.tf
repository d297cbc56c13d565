# Every log group is created here, before whatever writes to it, so that retention and encryption
# hold from the first line (a group created implicitly by a service keeps its logs forever).

locals {
  log_groups = merge(
    { for s in local.lambda_services : "lambda-${s}" => "/aws/lambda/${local.name}-${s}" },
    {
      eks_control_plane = "/aws/eks/${local.eks_cluster_name}/cluster"
      # Container logs of every pod (the edge's JSON lines), shipped by the CloudWatch
      # Observability add-on's Fluent Bit; the other groups are the add-on's node and cluster data.
      containers        = "/aws/containerinsights/${local.eks_cluster_name}/application"
      container_host    = "/aws/containerinsights/${local.eks_cluster_name}/host"
      container_data    = "/aws/containerinsights/${local.eks_cluster_name}/dataplane"
      container_metrics = "/aws/containerinsights/${local.eks_cluster_name}/performance"
      # Edge Prometheus metrics as Embedded Metric Format, written by the agent in edge/k8s.
      edge_metrics  = "/aws/containerinsights/${local.eks_cluster_name}/prometheus"
      aurora        = "/aws/rds/cluster/${local.name}/postgresql"
      redis_slowlog = "/aws/elasticache/${local.name}/slow-log"
      # Builds of the deploy runner (deploy_runner.tf): the cluster steps of each deploy.
      deploy_runner = "/aws/codebuild/${local.name}-deploy-runner"
    },
  )
}

resource "aws_cloudwatch_log_group" "main" {
  #checkov:skip=CKV_AWS_338:Retention is an operator choice per environment (var.log_retention_days, 90 days in the prod example); request logs are high-volume, and the durable record of traffic is the ALB access logs in S3.
  for_each = local.log_groups

  name              = each.value
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudwatch_log_group" "vpc_flow_logs" {
  #checkov:skip=CKV_AWS_338:Retention follows var.log_retention_days, as for every group (see aws_cloudwatch_log_group.main).
  name              = "/aws/vpc/${local.name}/flow-logs"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

# WAF requires this name prefix for a log group destination.
resource "aws_cloudwatch_log_group" "waf" {
  #checkov:skip=CKV_AWS_338:Retention follows var.log_retention_days, as for every group (see aws_cloudwatch_log_group.main).
  name              = "aws-waf-logs-${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

# --- Alarm notifications: the CDK app's alarms publish here ---

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.main.id
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarm_topic.json
}

data "aws_iam_policy_document" "alarm_topic" {
  statement {
    sid       = "CloudWatchAlarmsOfThisAccount"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
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
