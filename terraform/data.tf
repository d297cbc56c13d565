# --- Aurora PostgreSQL Serverless v2: the source of truth ---

resource "aws_db_subnet_group" "aurora" {
  name        = "${local.name}-aurora"
  description = "Private subnets of ${local.name}"
  subnet_ids  = aws_subnet.private[*].id
}

resource "aws_rds_cluster_parameter_group" "aurora" {
  name        = "${local.name}-aurora-pg16"
  family      = "aurora-postgresql16"
  description = "Whoosh: TLS only, slow-query and DDL logging"

  # Connections without TLS are refused; the services' DATABASE_URL carries sslmode=verify-full
  # and the RDS CA bundle.
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Schema changes are always logged (migrations are the only source of them).
  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  # Any statement over 500 ms is logged with its duration, for on-call to find slow queries.
  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }
}

resource "aws_rds_cluster" "main" {
  #checkov:skip=CKV2_AWS_8:Backups are Aurora's continuous backups with point-in-time restore (var.aurora_backup_retention_days); no separate AWS Backup plan is layered on top.
  cluster_identifier = local.name
  engine             = "aurora-postgresql"
  engine_mode        = "provisioned"
  engine_version     = var.aurora_engine_version
  database_name      = var.database_name
  master_username    = "whoosh_admin"

  # RDS generates the master password and keeps it in Secrets Manager, encrypted with our key;
  # it never passes through terraform.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.main.arn

  serverlessv2_scaling_configuration {
    min_capacity = var.aurora_capacity.min_acu
    max_capacity = var.aurora_capacity.max_acu
  }

  db_subnet_group_name            = aws_db_subnet_group.aurora.name
  vpc_security_group_ids          = [aws_security_group.aurora.id]
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.aurora.name

  storage_encrypted = true
  kms_key_id        = aws_kms_key.main.arn
  # The services and the migration Job log in as their own roles (database_app_user,
  # database_migration_user) with IAM authentication tokens, never with the master password,
  # which RDS rotates; `whoosh migrate` creates the roles (docs/OPERATIONS.md, Database roles).
  iam_database_authentication_enabled = true

  backup_retention_period      = var.aurora_backup_retention_days
  preferred_backup_window      = "02:00-03:00"
  preferred_maintenance_window = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot        = true
  deletion_protection          = var.deletion_protection
  skip_final_snapshot          = !var.deletion_protection
  final_snapshot_identifier    = var.deletion_protection ? "${local.name}-final" : null

  enabled_cloudwatch_logs_exports = ["postgresql"]

  # var.aurora_engine_version is the version a new cluster starts on. RDS applies minor upgrades
  # in the maintenance window (auto_minor_version_upgrade on the instances); terraform must not
  # plan them back down. A major upgrade is deliberate: docs/OPERATIONS.md, Aurora upgrades.
  allow_major_version_upgrade = false
  lifecycle {
    ignore_changes = [engine_version]
  }

  depends_on = [aws_cloudwatch_log_group.main]
}

# The writer and the readers; Serverless v2 instances use the class "db.serverless". The first is
# the writer at creation; any of them can take over on failover (promotion tier 0-1 first).
resource "aws_rds_cluster_instance" "main" {
  count = 1 + var.aurora_reader_count

  identifier           = "${local.name}-${count.index}"
  cluster_identifier   = aws_rds_cluster.main.id
  engine               = aws_rds_cluster.main.engine
  engine_version       = aws_rds_cluster.main.engine_version
  instance_class       = "db.serverless"
  db_subnet_group_name = aws_db_subnet_group.aurora.name
  availability_zone    = local.azs[count.index % 3]
  promotion_tier       = min(count.index, 15)

  auto_minor_version_upgrade   = true
  publicly_accessible          = false
  monitoring_interval          = 30
  monitoring_role_arn          = aws_iam_role.rds_monitoring.arn
  performance_insights_enabled = true
  # 7 days of Performance Insights is free.
  performance_insights_retention_period = 7
  performance_insights_kms_key_id       = aws_kms_key.main.arn
  copy_tags_to_snapshot                 = true

  # Follows the cluster's automatic minor upgrades, as the cluster does.
  lifecycle {
    ignore_changes = [engine_version]
  }
}

resource "aws_iam_role" "rds_monitoring" {
  name               = "${local.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.rds_monitoring_assume.json
}

data "aws_iam_policy_document" "rds_monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# --- ElastiCache Redis, cluster mode: indexes, queues, pub/sub ---

resource "aws_elasticache_subnet_group" "redis" {
  name        = "${local.name}-redis"
  description = "Private subnets of ${local.name}"
  subnet_ids  = aws_subnet.private[*].id
}

resource "aws_elasticache_parameter_group" "redis" {
  name        = "${local.name}-redis7-cluster"
  family      = "redis7"
  description = "Whoosh: cluster mode, evict keys with the nearest expiry first"

  parameter {
    name  = "cluster-enabled"
    value = "yes"
  }

  # Under memory pressure Redis evicts only keys with a TTL (snapshots, throttles, heartbeats),
  # nearest expiry first; indexes and queues without TTL are never evicted silently.
  parameter {
    name  = "maxmemory-policy"
    value = "volatile-ttl"
  }
}

# --- ElastiCache RBAC: the default user is switched off; the services log in as their own user,
# whose password is in the secret redis-auth (REDIS_AUTH_SOURCE) ---

resource "aws_elasticache_user" "default" {
  user_id       = "${local.name}-default"
  user_name     = "default"
  engine        = "redis"
  access_string = "off -@all"
  authentication_mode {
    type = "no-password-required"
  }
}

# Every key and channel, every command but the dangerous ones (FLUSHALL, KEYS, CONFIG, DEBUG, ...);
# CLUSTER (slot maps for the cluster client) and INFO are read-only on ElastiCache.
resource "aws_elasticache_user" "services" {
  user_id       = "${local.name}-services"
  user_name     = "whoosh"
  engine        = "redis"
  access_string = "on ~* &* +@all -@dangerous +cluster +info"
  authentication_mode {
    type      = "password"
    passwords = [data.aws_secretsmanager_random_password.redis.random_password]
  }

  # The first password sticks (the data source draws a new one on every plan); rotation is a
  # documented procedure (docs/OPERATIONS.md, Rotating secrets and keys), not a terraform change.
  lifecycle {
    ignore_changes = [authentication_mode]
  }
}

data "aws_secretsmanager_random_password" "redis" {
  password_length     = 64
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret_version" "redis_auth" {
  secret_id = aws_secretsmanager_secret.app["redis-auth"].id
  secret_string = jsonencode({
    username = aws_elasticache_user.services.user_name
    password = data.aws_secretsmanager_random_password.redis.random_password
  })

  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_elasticache_user_group" "services" {
  user_group_id = "${local.name}-services"
  engine        = "redis"
  user_ids      = [aws_elasticache_user.default.user_id, aws_elasticache_user.services.user_id]
}

resource "aws_elasticache_replication_group" "redis" {
  #checkov:skip=CKV_AWS_31:Access control is ElastiCache RBAC (user_group_ids: the default user off, the services' own user with a password from Secrets Manager), which replaces the single AUTH token this check looks for.
  replication_group_id = local.name
  description          = "Whoosh ${var.environment}: leaderboard index, matchmaking queues, lobby directory, pub/sub"
  engine               = "redis"
  engine_version       = var.redis_engine_version
  node_type            = var.redis_node_type
  port                 = 6379
  parameter_group_name = aws_elasticache_parameter_group.redis.name

  cluster_mode            = "enabled"
  num_node_groups         = var.redis_shards
  replicas_per_node_group = var.redis_replicas_per_shard

  automatic_failover_enabled = true
  multi_az_enabled           = true

  subnet_group_name  = aws_elasticache_subnet_group.redis.name
  security_group_ids = [aws_security_group.redis.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.main.arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  user_group_ids             = [aws_elasticache_user_group.services.user_group_id]

  snapshot_retention_limit   = var.redis_snapshot_retention_days
  snapshot_window            = "01:00-02:00"
  maintenance_window         = "sun:04:30-sun:05:30"
  auto_minor_version_upgrade = true

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.main["redis_slowlog"].name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
}
