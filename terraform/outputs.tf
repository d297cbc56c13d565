# Read by scripts/deploy (`terraform output -json`) and handed to the CDK app and the edge
# manifests. Names are part of that contract: change them together with cdk/ and scripts/deploy.

output "environment" {
  description = "Environment name; resources are named whoosh-<environment>."
  value       = var.environment
}

output "region" {
  description = "AWS region of the deployment."
  value       = local.region
}

output "account_id" {
  description = "AWS account of the deployment."
  value       = local.account_id
}

output "name_prefix" {
  description = "Prefix of resource names (whoosh-<environment>)."
  value       = local.name
}

# --- Network ---

output "vpc_id" {
  description = "VPC of every tier."
  value       = aws_vpc.main.id
}

output "private_subnet_ids" {
  description = "Private subnets (one per zone): Lambdas, EKS nodes, Aurora, Redis."
  value       = aws_subnet.private[*].id
}

output "private_route_table_ids" {
  description = "Route tables of the private subnets, in the same order."
  value       = aws_route_table.private[*].id
}

output "public_subnet_ids" {
  description = "Public subnets (one per zone): ALB and NAT gateways."
  value       = aws_subnet.public[*].id
}

output "lambda_security_group_id" {
  description = "Security group the Lambda functions run in (out to Aurora, Redis and AWS APIs)."
  value       = aws_security_group.lambda.id
}

# --- Entry ---

output "alb_arn" {
  description = "The ALB."
  value       = aws_lb.main.arn
}

output "alb_arn_suffix" {
  description = "The ALB's CloudWatch dimension value (LoadBalancer)."
  value       = aws_lb.main.arn_suffix
}

output "alb_dns_name" {
  description = "The ALB's DNS name (players use the Global Accelerator addresses or a name pointing at them)."
  value       = aws_lb.main.dns_name
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "https_listener_arn" {
  description = "HTTPS listener the CDK app adds the Lambda rules to (priorities 100 and up)."
  value       = aws_lb_listener.https.arn
}

output "edge_target_group_arn" {
  description = "Target group of the edge pods (TargetGroupBinding in edge/k8s)."
  value       = aws_lb_target_group.edge.arn
}

output "edge_target_group_arn_suffix" {
  description = "The edge target group's CloudWatch dimension value (TargetGroup)."
  value       = aws_lb_target_group.edge.arn_suffix
}

output "global_accelerator_ips" {
  description = "The two static anycast IPv4 addresses players connect to; point the public DNS name at them."
  value       = flatten([for s in aws_globalaccelerator_accelerator.main.ip_sets : s.ip_addresses])
}

output "global_accelerator_dns_name" {
  description = "DNS name of the accelerator."
  value       = aws_globalaccelerator_accelerator.main.dns_name
}

# --- EKS ---

output "eks_cluster_name" {
  description = "EKS cluster name (aws eks update-kubeconfig --name ...)."
  value       = aws_eks_cluster.main.name
}

output "eks_version" {
  description = "Kubernetes version of the cluster (the cluster autoscaler's image follows it)."
  value       = aws_eks_cluster.main.version
}

output "eks_endpoint_public" {
  description = "Whether the Kubernetes API has a public endpoint (eks_public_access_cidrs set). When false, scripts/deploy runs the cluster steps on the deploy runner."
  value       = length(var.eks_public_access_cidrs) > 0
}

output "deploy_runner_project" {
  description = "CodeBuild project that runs the cluster steps of scripts/deploy inside the VPC."
  value       = aws_codebuild_project.deploy_runner.name
}

output "deploy_bundle_bucket" {
  description = "Bucket scripts/deploy uploads each deploy runner bundle to (bundles/)."
  value       = aws_s3_bucket.deploy.id
}

output "eks_cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = aws_eks_cluster.main.endpoint
}

output "eks_oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster (IRSA)."
  value       = aws_iam_openid_connect_provider.eks.arn
}

output "edge_namespace" {
  description = "Namespace of the edge."
  value       = var.edge_namespace
}

output "edge_role_arn" {
  description = "IRSA role of the whoosh-edge service account."
  value       = aws_iam_role.irsa["edge"].arn
}

output "edge_metrics_role_arn" {
  description = "IRSA role of the whoosh-edge-metrics service account (Prometheus to CloudWatch agent)."
  value       = aws_iam_role.irsa["edge_metrics"].arn
}

output "analytics_role_arn" {
  description = "IRSA role of the whoosh-analytics service account (the hourly analytics export)."
  value       = aws_iam_role.irsa["analytics"].arn
}

output "analytics_bucket_name" {
  description = "Bucket the analytics export writes to, under events/ (ANALYTICS_OUT=s3://<bucket>/events/)."
  value       = aws_s3_bucket.analytics.id
}

output "load_balancer_controller_role_arn" {
  description = "IRSA role of the AWS Load Balancer Controller (kube-system/aws-load-balancer-controller)."
  value       = aws_iam_role.irsa["load_balancer_controller"].arn
}

output "cluster_autoscaler_role_arn" {
  description = "IRSA role of the cluster autoscaler (kube-system/cluster-autoscaler)."
  value       = aws_iam_role.irsa["cluster_autoscaler"].arn
}

output "ecr_repository_url" {
  description = "ECR repository of the edge image."
  value       = aws_ecr_repository.edge.repository_url
}

# --- Data ---

output "aurora_cluster_id" {
  description = "Aurora cluster identifier (CloudWatch dimension DBClusterIdentifier)."
  value       = aws_rds_cluster.main.cluster_identifier
}

output "aurora_cluster_resource_id" {
  description = "Aurora cluster resource id (cluster-...): IAM database authentication grants (rds-db:connect) name it."
  value       = aws_rds_cluster.main.cluster_resource_id
}

output "aurora_max_acu" {
  description = "Maximum Aurora Serverless v2 capacity (ACU); the connections alarm follows max_connections at it."
  value       = var.aurora_capacity.max_acu
}

output "database_app_user" {
  description = "PostgreSQL role of the services (DML only), logged in with IAM tokens (DATABASE_AUTH=iam)."
  value       = local.database_app_user
}

output "database_migration_user" {
  description = "PostgreSQL role of the migration Job; owns the schema."
  value       = local.database_migration_user
}

output "migrate_role_arn" {
  description = "IRSA role of the whoosh-migrate service account (the migration Job)."
  value       = aws_iam_role.irsa["migrate"].arn
}

output "aurora_writer_endpoint" {
  description = "Aurora writer endpoint; DATABASE_URL points here."
  value       = aws_rds_cluster.main.endpoint
}

output "aurora_reader_endpoint" {
  description = "Aurora reader endpoint (load-balanced across readers)."
  value       = aws_rds_cluster.main.reader_endpoint
}

output "aurora_port" {
  description = "Aurora port."
  value       = aws_rds_cluster.main.port
}

output "database_name" {
  description = "Database the services use."
  value       = var.database_name
}

output "aurora_master_secret_arn" {
  description = "Secrets Manager secret (managed and rotated by RDS) with the master username and password; only the migration Job reads it (DATABASE_ADMIN_SOURCE), to create the roles."
  value       = aws_rds_cluster.main.master_user_secret[0].secret_arn
}

output "redis_replication_group_id" {
  description = "ElastiCache replication group; the services find its endpoint through ELASTICACHE_REPLICATION_GROUP_ID."
  value       = aws_elasticache_replication_group.redis.id
}

output "redis_replication_group_arn" {
  description = "ARN of the replication group (for elasticache:DescribeReplicationGroups grants)."
  value       = aws_elasticache_replication_group.redis.arn
}

output "redis_member_clusters" {
  description = "Nodes (cache cluster ids) of the replication group, for the per-node alarms."
  value       = sort(tolist(aws_elasticache_replication_group.redis.member_clusters))
}

output "redis_auth_secret_arn" {
  description = "Secret with the services' ElastiCache RBAC user name and password (REDIS_AUTH_SOURCE=aws-secretsmanager:<this>)."
  value       = aws_secretsmanager_secret.app["redis-auth"].arn
}

output "redis_configuration_endpoint" {
  description = "Cluster-mode configuration endpoint (TLS, port 6379)."
  value       = aws_elasticache_replication_group.redis.configuration_endpoint_address
}

# --- Secrets, keys, logs, alarms ---

output "auth_keys_secret_arn" {
  description = "Signing keyring secret (AUTH_KEYS_SOURCE=aws-secretsmanager:<this>)."
  value       = aws_secretsmanager_secret.app["auth-keys"].arn
}

output "telegram_bot_token_secret_arn" {
  description = "Telegram Bot API token secret of the notifier (TELEGRAM_BOT_TOKEN_SOURCE=aws-secretsmanager:<this>)."
  value       = aws_secretsmanager_secret.app["telegram-bot-token"].arn
}

output "telegram_webhook_secret_arn" {
  description = "Telegram webhook secret of the auth service (TELEGRAM_WEBHOOK_SECRET_SOURCE=aws-secretsmanager:<this>)."
  value       = aws_secretsmanager_secret.app["telegram-webhook-secret"].arn
}

output "action_hmac_secret_arn" {
  description = "Action-token HMAC key secret."
  value       = aws_secretsmanager_secret.app["action-hmac"].arn
}

output "kms_key_arn" {
  description = "Customer-managed key encrypting the secrets, log groups and data stores."
  value       = aws_kms_key.main.arn
}

output "lambda_log_group_names" {
  description = "Log group of each Lambda service, by service name."
  value       = { for s in local.lambda_services : s => aws_cloudwatch_log_group.main["lambda-${s}"].name }
}

output "edge_log_group_name" {
  description = "Log group of the edge pods' JSON lines (container logs of the cluster)."
  value       = aws_cloudwatch_log_group.main["containers"].name
}

output "edge_metrics_log_group_name" {
  description = "Log group the edge metrics agent writes Embedded Metric Format lines to."
  value       = aws_cloudwatch_log_group.main["edge_metrics"].name
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "availability_zones" {
  description = "The three zones, in the order of the subnet lists."
  value       = local.azs
}

output "public_url" {
  description = "WHOOSH_PUBLIC_URL of the services."
  value       = var.public_url
}

output "allowed_origins" {
  description = "ALLOWED_ORIGINS of the edge, comma-separated."
  value       = join(",", length(var.allowed_origins) > 0 ? var.allowed_origins : [var.public_url])
}
