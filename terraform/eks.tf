# EKS: a system node group for cluster services and a tainted ARM64 game node group that runs
# only edge pods. Pods get AWS permissions through IRSA (IAM roles for service accounts), never
# through the node role: instance metadata is out of reach of pods (hop limit 1).

resource "aws_eks_cluster" "main" {
  name     = local.eks_cluster_name
  version  = var.eks_version
  role_arn = aws_iam_role.eks_cluster.arn

  vpc_config {
    subnet_ids              = aws_subnet.private[*].id
    endpoint_private_access = true
    endpoint_public_access  = length(var.eks_public_access_cidrs) > 0
    public_access_cidrs     = length(var.eks_public_access_cidrs) > 0 ? var.eks_public_access_cidrs : null
  }

  access_config {
    authentication_mode = "API"
    # Whoever applies this configuration administers the cluster; more admins come from
    # var.cluster_admin_principal_arns.
    bootstrap_cluster_creator_admin_permissions = true
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.main.arn
    }
  }

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  # Stay on standard support: a cluster left on an old version fails upgrades loudly instead of
  # silently moving to paid extended support.
  upgrade_policy {
    support_type = "STANDARD"
  }

  depends_on = [
    aws_iam_role_policy_attachment.eks_cluster,
    aws_cloudwatch_log_group.main,
  ]
}

resource "aws_iam_role" "eks_cluster" {
  name               = "${local.name}-eks-cluster"
  assume_role_policy = data.aws_iam_policy_document.eks_cluster_assume.json
}

data "aws_iam_policy_document" "eks_cluster_assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "eks_cluster" {
  role       = aws_iam_role.eks_cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_eks_access_entry" "admins" {
  for_each = toset(var.cluster_admin_principal_arns)

  cluster_name  = aws_eks_cluster.main.name
  principal_arn = each.value
  type          = "STANDARD"
}

resource "aws_eks_access_policy_association" "admins" {
  for_each = toset(var.cluster_admin_principal_arns)

  cluster_name  = aws_eks_cluster.main.name
  principal_arn = aws_eks_access_entry.admins[each.value].principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# The cluster's metrics scraper runs on the system nodes (which carry only the cluster security
# group) and reads the edge pods' /metrics.
resource "aws_vpc_security_group_ingress_rule" "game_nodes_from_cluster" {
  security_group_id            = aws_security_group.game_nodes.id
  description                  = "Prometheus scrapes of edge pods from the system nodes"
  ip_protocol                  = "tcp"
  from_port                    = var.edge_port
  to_port                      = var.edge_port
  referenced_security_group_id = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
}

# --- IRSA: the cluster's OIDC issuer as an IAM identity provider ---

resource "aws_iam_openid_connect_provider" "eks" {
  url            = aws_eks_cluster.main.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
  # No thumbprint: IAM verifies the EKS issuer against its own trusted certificate authorities.
}

locals {
  oidc_issuer = replace(aws_eks_cluster.main.identity[0].oidc[0].issuer, "https://", "")

  # Service accounts that get an IAM role, as namespace/name.
  irsa_service_accounts = {
    edge                     = "${var.edge_namespace}/whoosh-edge"
    edge_metrics             = "${var.edge_namespace}/whoosh-edge-metrics"
    analytics                = "${var.edge_namespace}/whoosh-analytics"
    migrate                  = "${var.edge_namespace}/whoosh-migrate"
    vpc_cni                  = "kube-system/aws-node"
    load_balancer_controller = "kube-system/aws-load-balancer-controller"
    cluster_autoscaler       = "kube-system/cluster-autoscaler"
    cloudwatch_observability = "amazon-cloudwatch/cloudwatch-agent"
  }
}

data "aws_iam_policy_document" "irsa_assume" {
  for_each = local.irsa_service_accounts

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${replace(each.value, "/", ":")}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "irsa" {
  for_each = local.irsa_service_accounts

  name               = "${local.name}-${replace(each.key, "_", "-")}"
  description        = "IRSA role of the Kubernetes service account ${each.value}"
  assume_role_policy = data.aws_iam_policy_document.irsa_assume[each.key].json
}

# --- Node groups ---

resource "aws_iam_role" "nodes" {
  name               = "${local.name}-eks-nodes"
  assume_role_policy = data.aws_iam_policy_document.nodes_assume.json
}

data "aws_iam_policy_document" "nodes_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

# The node role only joins the cluster and pulls images; the VPC CNI's permissions are on its own
# IRSA role (aws_eks_addon.vpc_cni).
resource "aws_iam_role_policy_attachment" "nodes" {
  for_each = toset(["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"])

  role       = aws_iam_role.nodes.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

locals {
  node_groups = {
    system = {
      instance_types  = var.system_node_instance_types
      scaling         = var.system_node_scaling
      security_groups = [aws_eks_cluster.main.vpc_config[0].cluster_security_group_id]
      labels          = { "whoosh.dev/node-pool" = "system" }
      taints          = []
      # System pods move quickly; two at a time keeps upgrades short.
      max_unavailable = 2
    }
    game = {
      instance_types  = [var.game_node_instance_type]
      scaling         = var.game_node_scaling
      security_groups = [aws_eks_cluster.main.vpc_config[0].cluster_security_group_id, aws_security_group.game_nodes.id]
      labels          = { "whoosh.dev/node-pool" = "game", workload = "game-engine" }
      taints          = [{ key = "workload", value = "game-engine", effect = "NO_SCHEDULE" }]
      # Draining a game node hands its lobbies over (75 s per pod): one node at a time.
      max_unavailable = 1
    }
  }
}

resource "aws_launch_template" "nodes" {
  for_each = local.node_groups

  name                   = "${local.name}-${each.key}"
  description            = "EKS ${each.key} nodes of ${local.name}"
  vpc_security_group_ids = each.value.security_groups
  update_default_version = true

  # IMDSv2 only, and one hop: containers (one hop further) cannot reach the node's credentials.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 50
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.tags, { Name = "${local.name}-${each.key}" })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(local.tags, { Name = "${local.name}-${each.key}" })
  }
}

resource "aws_eks_node_group" "main" {
  for_each = local.node_groups

  cluster_name    = aws_eks_cluster.main.name
  node_group_name = each.key
  node_role_arn   = aws_iam_role.nodes.arn
  subnet_ids      = aws_subnet.private[*].id
  ami_type        = "AL2023_ARM_64_STANDARD"
  capacity_type   = "ON_DEMAND"
  instance_types  = each.value.instance_types
  labels          = each.value.labels

  launch_template {
    id      = aws_launch_template.nodes[each.key].id
    version = aws_launch_template.nodes[each.key].latest_version
  }

  scaling_config {
    min_size     = each.value.scaling.min_size
    desired_size = each.value.scaling.desired_size
    max_size     = each.value.scaling.max_size
  }

  update_config {
    max_unavailable = each.value.max_unavailable
  }

  dynamic "taint" {
    for_each = each.value.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }

  lifecycle {
    # The cluster autoscaler owns the current size once the group exists.
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [aws_iam_role_policy_attachment.nodes]
}

# --- Managed add-ons ---

resource "aws_eks_addon" "vpc_cni" {
  cluster_name             = aws_eks_cluster.main.name
  addon_name               = "vpc-cni"
  service_account_role_arn = aws_iam_role.irsa["vpc_cni"].arn
  # Enforces the Kubernetes NetworkPolicies of edge/k8s.
  configuration_values        = jsonencode({ enableNetworkPolicy = "true" })
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"
}

resource "aws_iam_role_policy_attachment" "vpc_cni" {
  role       = aws_iam_role.irsa["vpc_cni"].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKS_CNI_Policy"
}

resource "aws_eks_addon" "kube_proxy" {
  cluster_name                = aws_eks_cluster.main.name
  addon_name                  = "kube-proxy"
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"
}

# These run as pods, so they wait for the system nodes (the game nodes' taint keeps them off).
resource "aws_eks_addon" "on_nodes" {
  for_each = toset(["coredns", "metrics-server"])

  cluster_name                = aws_eks_cluster.main.name
  addon_name                  = each.value
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"

  depends_on = [aws_eks_node_group.main]
}

# Container Insights and container log shipping (Fluent Bit) to the log groups in logs.tf. Its
# agents tolerate every taint, so the edge pods' stdout on the game nodes is shipped too.
resource "aws_eks_addon" "cloudwatch_observability" {
  cluster_name                = aws_eks_cluster.main.name
  addon_name                  = "amazon-cloudwatch-observability"
  service_account_role_arn    = aws_iam_role.irsa["cloudwatch_observability"].arn
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"

  depends_on = [aws_eks_node_group.main, aws_cloudwatch_log_group.main]
}

resource "aws_iam_role_policy_attachment" "cloudwatch_observability" {
  role       = aws_iam_role.irsa["cloudwatch_observability"].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/CloudWatchAgentServerPolicy"
}
