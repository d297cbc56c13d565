# Least privilege between tiers. Who may open a connection to whom:
#
#   players (via Global Accelerator)   -> ALB            443 (80 only to redirect); the ALB is
#                                                        internal, so only the accelerator gets here
#   deploy runner (CodeBuild, in VPC)  -> EKS API        443
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

# Global Accelerator keeps the players' addresses, so the rules see them, not the accelerator's:
# the ALB being internal is what keeps everyone else out.
resource "aws_vpc_security_group_ingress_rule" "alb" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers with a redirect to HTTPS (aws_lb_listener.http); no request is served in clear text.
  for_each = { https = 443, http = 80 }

  security_group_id = aws_security_group.alb.id
  description       = each.key == "https" ? "HTTPS from players through Global Accelerator" : "HTTP from players, redirected to HTTPS"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
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

# The data stores each tier may open connections to, by port.
locals {
  data_stores = {
    aurora = { port = 5432, what = "PostgreSQL", security_group = aws_security_group.aurora.id }
    redis  = { port = 6379, what = "Redis", security_group = aws_security_group.redis.id }
  }
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_data" {
  for_each = local.data_stores

  security_group_id            = aws_security_group.lambda.id
  description                  = each.value.what
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.security_group
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

# Every data store accepts every data client, on its own port.
resource "aws_vpc_security_group_ingress_rule" "data_from_clients" {
  for_each = {
    for pair in setproduct(keys(local.data_stores), keys(local.data_clients)) : "${pair[0]}-from-${pair[1]}" => {
      store  = local.data_stores[pair[0]]
      client = local.data_clients[pair[1]]
      name   = pair[1]
    }
  }

  security_group_id            = each.value.store.security_group
  description                  = "${each.value.store.what} from ${each.value.name}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.store.port
  to_port                      = each.value.store.port
  referenced_security_group_id = each.value.client
}

# moved: these rules were written out one resource each.
moved {
  from = aws_vpc_security_group_ingress_rule.alb_https
  to   = aws_vpc_security_group_ingress_rule.alb["https"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.alb_http
  to   = aws_vpc_security_group_ingress_rule.alb["http"]
}
moved {
  from = aws_vpc_security_group_egress_rule.lambda_to_aurora
  to   = aws_vpc_security_group_egress_rule.lambda_to_data["aurora"]
}
moved {
  from = aws_vpc_security_group_egress_rule.lambda_to_redis
  to   = aws_vpc_security_group_egress_rule.lambda_to_data["redis"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.aurora["lambda"]
  to   = aws_vpc_security_group_ingress_rule.data_from_clients["aurora-from-lambda"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.aurora["game_nodes"]
  to   = aws_vpc_security_group_ingress_rule.data_from_clients["aurora-from-game_nodes"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.redis["lambda"]
  to   = aws_vpc_security_group_ingress_rule.data_from_clients["redis-from-lambda"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.redis["game_nodes"]
  to   = aws_vpc_security_group_ingress_rule.data_from_clients["redis-from-game_nodes"]
}
