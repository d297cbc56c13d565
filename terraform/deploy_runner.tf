# The deploy's way into a private cluster. With eks_public_access_cidrs empty (prod) the Kubernetes
# API has no public endpoint, so scripts/deploy runs its cluster steps (cluster, migrate, edge,
# rollout) on this CodeBuild project, inside the VPC's private subnets: it uploads the commit being
# deployed (git archive) with the terraform outputs to the bundle bucket, starts a build that runs
# `scripts/deploy --only <those steps>` there, and follows its log. Nobody needs a VPN, a bastion
# or an open API endpoint; the runner exists only while a build runs.
#
# The runner's role may describe this cluster, read the edge image's digests and the bundles, and
# write its own log group; inside the cluster it is an admin (EKS access entry), because the
# cluster step installs controllers into kube-system.

locals {
  deploy_runner_name = "${local.name}-deploy-runner"
  # What the runner installs before it runs scripts/deploy (pinned; change them together with the
  # versions the deploy documents).
  deploy_runner_tools = {
    KUBECTL_VERSION = "v1.35.0"
    HELM_VERSION    = "v3.19.0"
  }
}

resource "aws_security_group" "deploy_runner" {
  name        = local.deploy_runner_name
  description = "Whoosh deploy runner (CodeBuild in the VPC): out to the EKS API and AWS APIs over HTTPS"
  vpc_id      = aws_vpc.main.id
  tags        = { Name = local.deploy_runner_name }
}

resource "aws_vpc_security_group_egress_rule" "deploy_runner_https" {
  security_group_id = aws_security_group.deploy_runner.id
  description       = "EKS API (private endpoint), AWS APIs, ECR, helm charts through the NAT gateways"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# The private API endpoint's network interfaces carry the cluster security group.
resource "aws_vpc_security_group_ingress_rule" "cluster_api_from_deploy_runner" {
  security_group_id            = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
  description                  = "Kubernetes API from the deploy runner"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.deploy_runner.id
}

resource "aws_codebuild_project" "deploy_runner" {
  name           = local.deploy_runner_name
  description    = "Runs the cluster steps of scripts/deploy (cluster, migrate, edge, rollout) inside the VPC"
  service_role   = aws_iam_role.deploy_runner.arn
  build_timeout  = 60
  encryption_key = aws_kms_key.main.arn

  # scripts/deploy names the bundle of each run (--source-location-override); this is a default.
  source {
    type     = "S3"
    location = "${aws_s3_bucket.deploy.id}/bundles/latest.zip"
    buildspec = yamlencode({
      version = "0.2"
      env     = { shell = "bash" }
      phases = {
        install = {
          commands = [
            "curl -fsSLo /usr/local/bin/kubectl https://dl.k8s.io/release/$KUBECTL_VERSION/bin/linux/arm64/kubectl && chmod +x /usr/local/bin/kubectl",
            "curl -fsSL https://get.helm.sh/helm-$HELM_VERSION-linux-arm64.tar.gz | tar -xz -C /usr/local/bin --strip-components=1 linux-arm64/helm",
          ]
        }
        build = {
          commands = [
            "WHOOSH_DEPLOY_DIR=\"$CODEBUILD_SRC_DIR/.deploy\" WHOOSH_DEPLOY_RUNNER=1 scripts/deploy --env \"$WHOOSH_ENV\" --only \"$WHOOSH_STEPS\" --image-tag \"$WHOOSH_IMAGE_TAG\" --yes $WHOOSH_EXTRA_FLAGS",
          ]
        }
      }
    })
  }

  artifacts {
    type = "NO_ARTIFACTS"
  }

  environment {
    type            = "ARM_CONTAINER"
    compute_type    = "BUILD_GENERAL1_SMALL"
    image           = "aws/codebuild/amazonlinux-aarch64-standard:3.0"
    privileged_mode = false

    dynamic "environment_variable" {
      for_each = local.deploy_runner_tools
      content {
        name  = environment_variable.key
        value = environment_variable.value
      }
    }
  }

  vpc_config {
    vpc_id             = aws_vpc.main.id
    subnets            = aws_subnet.private[*].id
    security_group_ids = [aws_security_group.deploy_runner.id]
  }

  logs_config {
    cloudwatch_logs {
      group_name = aws_cloudwatch_log_group.main["deploy_runner"].name
    }
    s3_logs {
      status = "DISABLED"
    }
  }
}

resource "aws_iam_role" "deploy_runner" {
  name               = local.deploy_runner_name
  description        = "Role of the CodeBuild deploy runner of ${local.name}"
  assume_role_policy = data.aws_iam_policy_document.deploy_runner_assume.json
}

data "aws_iam_policy_document" "deploy_runner_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["codebuild.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "deploy_runner" {
  #checkov:skip=CKV_AWS_111:Only the network-interface calls CodeBuild makes for a build in a VPC are unscoped; they support no resource-level permissions (the attaching call is limited to the private subnets below).
  #checkov:skip=CKV_AWS_356:As for CKV_AWS_111: the EC2 network-interface and describe calls of a VPC build take no resource ARNs.
  statement {
    sid       = "FindCluster"
    actions   = ["eks:DescribeCluster"]
    resources = [aws_eks_cluster.main.arn]
  }

  statement {
    sid       = "FindEdgeImage"
    actions   = ["ecr:DescribeImages"]
    resources = [aws_ecr_repository.edge.arn]
  }

  statement {
    sid       = "ReadBundles"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${aws_s3_bucket.deploy.arn}/bundles/*"]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.main["deploy_runner"].arn}:*"]
  }

  statement {
    sid       = "DecryptBundlesAndLogs"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }

  # CodeBuild in a VPC: the network interface calls support no resource-level permissions,
  # except the one that attaches an interface, which is limited to the private subnets.
  statement {
    sid = "VpcNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeDhcpOptions",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DeleteNetworkInterface",
      "ec2:DescribeSubnets",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeVpcs",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "AttachToPrivateSubnets"
    actions   = ["ec2:CreateNetworkInterfacePermission"]
    resources = ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:network-interface/*"]
    condition {
      test     = "ArnEquals"
      variable = "ec2:Subnet"
      values   = [for s in aws_subnet.private : s.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "ec2:AuthorizedService"
      values   = ["codebuild.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "deploy_runner" {
  name   = "deploy-runner"
  role   = aws_iam_role.deploy_runner.id
  policy = data.aws_iam_policy_document.deploy_runner.json
}

resource "aws_eks_access_entry" "deploy_runner" {
  cluster_name  = aws_eks_cluster.main.name
  principal_arn = aws_iam_role.deploy_runner.arn
  type          = "STANDARD"
}

resource "aws_eks_access_policy_association" "deploy_runner" {
  cluster_name  = aws_eks_cluster.main.name
  principal_arn = aws_eks_access_entry.deploy_runner.principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# --- Deploy bundles: the commit and the terraform outputs of each run that used the runner ---

resource "aws_s3_bucket" "deploy" {
  #checkov:skip=CKV_AWS_18:Only scripts/deploy writes here and only the runner reads; both are in CloudTrail, and server access logs would repeat them.
  #checkov:skip=CKV_AWS_144:A bundle is made again from git by the next deploy; replication buys no recovery.
  #checkov:skip=CKV2_AWS_62:The runner is started by scripts/deploy, not by object events.
  bucket_prefix = "${local.name}-deploy-"
  force_destroy = false
}

resource "aws_s3_bucket_lifecycle_configuration" "deploy" {
  bucket = aws_s3_bucket.deploy.id

  rule {
    id     = "expire-bundles"
    status = "Enabled"
    filter {}
    expiration {
      days = 30
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}
