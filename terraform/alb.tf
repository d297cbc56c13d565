# The one entry point: Global Accelerator (two anycast IPs) -> ALB (TLS, WAF) -> path rules. The
# ALB is internal: it has no public address, so nothing reaches it except through the accelerator
# (which WAF's rate rules and the services' client addresses rely on).
# Terraform owns the ALB, its listeners and the edge's target group and rule; the CDK app adds
# the Lambda target groups and their rules (DESIGN.md §3) to the HTTPS listener.

resource "aws_lb" "main" {
  #checkov:skip=CKV2_AWS_76:The web ACL carries AWSManagedRulesKnownBadInputsRuleSet, which is the Log4j protection; this check also demands AWSManagedRulesAnonymousIpList, which would block players on VPNs and trusted game services calling from hosting providers.
  name               = local.name
  load_balancer_type = "application"
  internal           = true
  subnets            = aws_subnet.private[*].id
  security_groups    = [aws_security_group.alb.id]
  ip_address_type    = "ipv4"

  # WebSockets and SSE streams stay open between messages; the edge pings well inside this.
  idle_timeout               = 300
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "defensive"
  enable_deletion_protection = var.deletion_protection
  # The edge trusts one proxy hop (CLIENT_IP_SOURCE=x-forwarded-for:1) and the Lambdas read the
  # entry the ALB appends: the ALB must append, never replace or drop.
  xff_header_processing_mode = "append"

  access_logs {
    bucket  = aws_s3_bucket.logs.id
    prefix  = "alb"
    enabled = true
  }

  depends_on = [aws_s3_bucket_policy.logs]
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  # Anything no rule matches gets the API's JSON error shape.
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      status_code  = "404"
      message_body = jsonencode({ error = { code = "not_found", message = "no such route" } })
    }
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

# Edge pods are registered by IP by the AWS Load Balancer Controller (TargetGroupBinding in
# edge/k8s), so stickiness and health are per pod, not per node.
resource "aws_lb_target_group" "edge" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB; edge pods listen in clear text on private subnets, reachable only from the ALB's security group.
  name        = "${local.name}-edge"
  target_type = "ip"
  protocol    = "HTTP"
  port        = var.edge_port
  vpc_id      = aws_vpc.main.id

  # A terminating pod gets SIGTERM after its preStop pause, then has 60 s to finish or hand over
  # its games (edge/k8s/deployment.yaml: grace period 90 s). Deregistration waits as long, so
  # open sockets are not cut before the edge closes them with 1001 and a reconnect hint.
  deregistration_delay = 90

  # A player's SSE reconnects and WebSocket resumes land on the pod holding their lobby.
  stickiness {
    type            = "lb_cookie"
    cookie_duration = 900
    enabled         = true
  }

  # /readyz says whether this pod takes new players: 503 the moment it starts draining or while it
  # is at capacity. It does not follow PostgreSQL or Redis: a blip there must not deregister every
  # pod at once (the outbox keeps results; the edge-*-unreachable alarms report it).
  health_check {
    path                = "/readyz"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

resource "aws_lb_listener_rule" "edge" {
  listener_arn = aws_lb_listener.https.arn
  # Below the CDK app's Lambda rules (100+), which never overlap these paths.
  priority = 10

  condition {
    path_pattern {
      values = ["/ws/*", "/sse/*"]
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.edge.arn
  }
}

# --- Access logs: ALB requests and Global Accelerator flows ---

# Public access block, ownership, versioning, encryption and TLS-only: buckets.tf.
resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This bucket is the access-log destination; logging it to another bucket would only log log deliveries.
  #checkov:skip=CKV_AWS_144:Access logs are operational data of one region; cross-region replication doubles the cost for no recovery need.
  #checkov:skip=CKV_AWS_145:ALB access log delivery supports only SSE-S3 (AES256), not customer-managed KMS keys.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object-created events of access logs.
  bucket_prefix = "${local.name}-access-logs-"
  force_destroy = false
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.access_log_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_elb_service_account" "current" {}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = data.aws_iam_policy_document.logs_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.private]
}

data "aws_iam_policy_document" "logs_bucket" {
  source_policy_documents = [data.aws_iam_policy_document.tls_only["logs"].json]

  statement {
    sid       = "AlbAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/alb/AWSLogs/${local.account_id}/*"]
    principals {
      type = "AWS"
      # The regional ELB account writes access logs in the regions that predate the
      # log-delivery service principal; the service principal in the others.
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }

  statement {
    sid       = "AlbAccessLogsServicePrincipal"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/alb/AWSLogs/${local.account_id}/*"]
    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid       = "GlobalAcceleratorFlowLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/global-accelerator/AWSLogs/${local.account_id}/*"]
    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "GlobalAcceleratorFlowLogsAcl"
    actions   = ["s3:GetBucketAcl"]
    resources = [aws_s3_bucket.logs.arn]
    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# --- Global Accelerator: two static anycast IPs, client addresses preserved ---

resource "aws_globalaccelerator_accelerator" "main" {
  name            = local.name
  ip_address_type = "IPV4"
  enabled         = true

  attributes {
    flow_logs_enabled   = true
    flow_logs_s3_bucket = aws_s3_bucket.logs.id
    flow_logs_s3_prefix = "global-accelerator/"
  }

  depends_on = [aws_s3_bucket_policy.logs]
}

resource "aws_globalaccelerator_listener" "main" {
  accelerator_arn = aws_globalaccelerator_accelerator.main.id
  protocol        = "TCP"
  # A client's connections go to the same endpoint, which keeps WebSocket resumes local.
  client_affinity = "SOURCE_IP"

  port_range {
    from_port = 443
    to_port   = 443
  }

  port_range {
    from_port = 80
    to_port   = 80
  }
}

resource "aws_globalaccelerator_endpoint_group" "main" {
  listener_arn          = aws_globalaccelerator_listener.main.id
  endpoint_group_region = local.region

  # For an ALB endpoint, Global Accelerator goes by the ALB's own target health: it stops sending
  # to the region when no target behind the ALB is healthy.
  endpoint_configuration {
    endpoint_id = aws_lb.main.arn
    weight      = 100
    # WAF rate rules and the services' rate limits key on the player's address.
    client_ip_preservation_enabled = true
  }
}
