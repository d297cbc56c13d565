# Least privilege between tiers. Who may open a connection to whom:
#
#   internet (via Global Accelerator) -> ALB            443 (80 only to redirect)
#   ALB                                -> game nodes     edge_port (edge pods)
#   system nodes (metrics scraper)     -> game nodes     edge_port (/metrics)
#   Lambdas, game nodes                -> Aurora         5432
#   Lambdas, game nodes                -> Redis          6379
#   Lambdas                            -> AWS APIs       443 (Secrets Manager, ElastiCache)
#
# Lambdas invoked by the ALB need no inbound rule: the ALB calls the Lambda API, not the ENI.
# Edge pods use their node's security groups (Amazon VPC CNI default), so the game nodes' group
# stands for the pods.

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "Whoosh ALB: HTTPS from players (through Global Accelerator, which keeps client addresses)"
  vpc_id      = aws_vpc.main.id
  tags        = { Name = "${local.name}-alb" }
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from players"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers with a redirect to HTTPS (aws_lb_listener.http); no request is served in clear text.
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from players, redirected to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_edge" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To edge pods on the game nodes"
  ip_protocol                  = "tcp"
  from_port                    = var.edge_port
  to_port                      = var.edge_port
  referenced_security_group_id = aws_security_group.game_nodes.id
}

resource "aws_security_group" "game_nodes" {
  name        = "${local.name}-game-nodes"
  description = "Whoosh game nodes and their edge pods; added to the EKS cluster security group"
  vpc_id      = aws_vpc.main.id
  # No egress rules here: the EKS cluster security group, also on these nodes, allows egress.
  tags = { Name = "${local.name}-game-nodes" }
}

resource "aws_vpc_security_group_ingress_rule" "game_nodes_from_alb" {
  security_group_id            = aws_security_group.game_nodes.id
  description                  = "Player traffic (/ws/*, /sse/*) and health checks from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = var.edge_port
  to_port                      = var.edge_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_security_group" "lambda" {
  #checkov:skip=CKV2_AWS_5:Attached to the Lambda functions by the CDK app (cdk/), which reads its id from the lambda_security_group_id output.
  name        = "${local.name}-lambda"
  description = "Whoosh Lambda functions: out to Aurora, Redis and AWS APIs; nothing in"
  vpc_id      = aws_vpc.main.id
  tags        = { Name = "${local.name}-lambda" }
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_aurora" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.aurora.id
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_redis" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "Redis"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.redis.id
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_aws_apis" {
  security_group_id = aws_security_group.lambda.id
  description       = "AWS APIs over HTTPS through the NAT gateways (Secrets Manager, ElastiCache)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "aurora" {
  name        = "${local.name}-aurora"
  description = "Whoosh Aurora PostgreSQL: from Lambdas and edge pods only"
  vpc_id      = aws_vpc.main.id
  tags        = { Name = "${local.name}-aurora" }
}

resource "aws_security_group" "redis" {
  name        = "${local.name}-redis"
  description = "Whoosh ElastiCache Redis: from Lambdas and edge pods only"
  vpc_id      = aws_vpc.main.id
  tags        = { Name = "${local.name}-redis" }
}

locals {
  data_clients = {
    lambda     = aws_security_group.lambda.id
    game_nodes = aws_security_group.game_nodes.id
  }
}

resource "aws_vpc_security_group_ingress_rule" "aurora" {
  for_each = local.data_clients

  security_group_id            = aws_security_group.aurora.id
  description                  = "PostgreSQL from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_ingress_rule" "redis" {
  for_each = local.data_clients

  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = each.value
}
