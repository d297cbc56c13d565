# --- Where and what ---

variable "environment" {
  type        = string
  description = "Name of this deployment (dev, staging, prod, ...). Prefixes every resource name as whoosh-<environment>, so two environments can share an account."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,11}$", var.environment))
    error_message = "environment must be 2-12 characters of lowercase letters, digits and '-', starting with a letter (it ends up in names with tight length limits, such as target groups)."
  }
}

variable "aws_region" {
  type        = string
  description = "AWS region of everything except Global Accelerator, which is global."

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like eu-west-1 or us-east-1."
  }
}

variable "aws_endpoint_url" {
  type        = string
  default     = ""
  description = "Leave empty in real use. A URL here sends every AWS API call to an emulator instead (CI plans against moto_server on loopback)."

  validation {
    condition     = var.aws_endpoint_url == "" || can(regex("^https?://", var.aws_endpoint_url))
    error_message = "aws_endpoint_url must be empty or an http(s) URL."
  }
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Extra tags put on every resource (cost centre, owner, ...), on top of Project, Environment and ManagedBy."
}

# --- Network ---

variable "vpc_cidr" {
  type        = string
  default     = "10.40.0.0/16"
  description = "IPv4 range of the VPC. Split into 3 public /20s and 3 private /18s; the private ones are large because every edge pod takes a VPC address (Amazon VPC CNI)."

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 16
    error_message = "vpc_cidr must be a valid IPv4 CIDR of /16 or larger."
  }
}

variable "availability_zones" {
  type        = list(string)
  default     = []
  description = "The three availability zones to use. Empty: the first three zones of the region that need no opt-in."

  validation {
    condition     = length(var.availability_zones) == 0 || length(var.availability_zones) == 3
    error_message = "availability_zones must be empty or name exactly three zones."
  }
}

variable "single_nat_gateway" {
  type        = bool
  default     = false
  description = "true: one NAT gateway for the whole VPC (cheaper, for dev). false: one per zone, so losing a zone does not cut the other zones off from AWS APIs."
}

# --- EKS ---

variable "eks_version" {
  type        = string
  default     = "1.35"
  description = "Kubernetes version of the EKS cluster. edge/k8s is validated against this version in CI (scripts/test-infra reads it from here)."

  validation {
    condition     = can(regex("^1\\.(3[2-9])$", var.eks_version))
    error_message = "eks_version must be a Kubernetes minor version from 1.32 on, like 1.35."
  }
}

variable "eks_public_access_cidrs" {
  type        = list(string)
  default     = []
  description = "Networks allowed to reach the Kubernetes API endpoint from the internet (the deployers' egress addresses). Empty: the endpoint is private and kubectl must run from inside the VPC (VPN, bastion or a CI runner in the VPC)."

  validation {
    condition     = alltrue([for c in var.eks_public_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "eks_public_access_cidrs must be valid CIDRs, and not 0.0.0.0/0."
  }
}

variable "cluster_admin_principal_arns" {
  type        = list(string)
  default     = []
  description = "IAM roles or users given cluster-admin on the EKS cluster (deploy roles, on-call break-glass role), besides the principal that runs terraform apply."

  validation {
    condition     = alltrue([for a in var.cluster_admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])
    error_message = "cluster_admin_principal_arns must hold IAM role or user ARNs."
  }
}

variable "system_node_instance_types" {
  type        = list(string)
  default     = ["m7g.large"]
  description = "Instance types of the system node group (CoreDNS, controllers, the CloudWatch agents). ARM64 (Graviton) only: the node group uses the AL2023 ARM64 AMI."

  validation {
    condition     = length(var.system_node_instance_types) > 0 && alltrue([for t in var.system_node_instance_types : can(regex("^[a-z]+[0-9]+g[a-z]*\\.[a-z0-9]+$", t))])
    error_message = "system_node_instance_types must list Graviton (ARM64) types such as m7g.large."
  }
}

variable "system_node_scaling" {
  type = object({
    min_size     = number
    desired_size = number
    max_size     = number
  })
  default     = { min_size = 2, desired_size = 2, max_size = 4 }
  description = "Size of the system node group. At least two nodes so that CoreDNS and the controllers survive a node loss."

  validation {
    condition     = var.system_node_scaling.min_size >= 2 && var.system_node_scaling.min_size <= var.system_node_scaling.desired_size && var.system_node_scaling.desired_size <= var.system_node_scaling.max_size
    error_message = "system_node_scaling needs 2 <= min_size <= desired_size <= max_size."
  }
}

variable "game_node_instance_type" {
  type        = string
  default     = "c7g.xlarge"
  description = "Instance type of the game node group, which runs only edge pods (tainted workload=game-engine:NoSchedule). ARM64 (Graviton) only."

  validation {
    condition     = can(regex("^[a-z]+[0-9]+g[a-z]*\\.[a-z0-9]+$", var.game_node_instance_type))
    error_message = "game_node_instance_type must be a Graviton (ARM64) type such as c7g.xlarge."
  }
}

variable "game_node_scaling" {
  type = object({
    min_size     = number
    desired_size = number
    max_size     = number
  })
  default     = { min_size = 3, desired_size = 3, max_size = 30 }
  description = "Size of the game node group. The cluster autoscaler moves desired_size between min_size and max_size; terraform sets it only at creation."

  validation {
    condition     = var.game_node_scaling.min_size >= 1 && var.game_node_scaling.min_size <= var.game_node_scaling.desired_size && var.game_node_scaling.desired_size <= var.game_node_scaling.max_size
    error_message = "game_node_scaling needs 1 <= min_size <= desired_size <= max_size."
  }
}

variable "edge_namespace" {
  type        = string
  default     = "whoosh"
  description = "Kubernetes namespace of the edge (must match edge/k8s/kustomization.yaml). The IRSA role trusts only the edge service account in this namespace."
}

variable "edge_port" {
  type        = number
  default     = 8080
  description = "Container port the edge listens on (WHOOSH_BIND); the ALB target group sends to it."

  validation {
    condition     = var.edge_port >= 1024 && var.edge_port <= 65535
    error_message = "edge_port must be an unprivileged port (1024-65535): the edge runs as a non-root user."
  }
}

# --- Aurora PostgreSQL ---

variable "aurora_engine_version" {
  type        = string
  default     = "16.6"
  description = "Aurora PostgreSQL engine version a new cluster starts on. Minor upgrades are applied automatically in the maintenance window and terraform ignores the version from then on (no plan to downgrade); a major upgrade is deliberate (docs/OPERATIONS.md, Aurora upgrades)."

  validation {
    condition     = can(regex("^16\\.[0-9]+$", var.aurora_engine_version))
    error_message = "aurora_engine_version must be a 16.x version, such as 16.6."
  }
}

variable "aurora_capacity" {
  type = object({
    min_acu = number
    max_acu = number
  })
  default     = { min_acu = 0.5, max_acu = 128 }
  description = "Aurora Serverless v2 capacity range in ACUs (1 ACU is about 2 GiB of memory). Every warm Lambda environment holds DATABASE_MAX_CONNECTIONS connections: size max_acu for the peak connection count, not only for queries."

  validation {
    condition     = var.aurora_capacity.min_acu >= 0.5 && var.aurora_capacity.min_acu <= var.aurora_capacity.max_acu && var.aurora_capacity.max_acu <= 256 && floor(var.aurora_capacity.min_acu * 2) == var.aurora_capacity.min_acu * 2 && floor(var.aurora_capacity.max_acu * 2) == var.aurora_capacity.max_acu * 2
    error_message = "aurora_capacity needs 0.5 <= min_acu <= max_acu <= 256, in steps of 0.5."
  }
}

variable "aurora_reader_count" {
  type        = number
  default     = 1
  description = "Reader instances next to the writer. At least one, in another zone: it is the failover target."

  validation {
    condition     = var.aurora_reader_count >= 1 && var.aurora_reader_count <= 15 && floor(var.aurora_reader_count) == var.aurora_reader_count
    error_message = "aurora_reader_count must be a whole number from 1 to 15."
  }
}

variable "aurora_backup_retention_days" {
  type        = number
  default     = 14
  description = "Days of continuous backup (point-in-time restore window)."

  validation {
    condition     = var.aurora_backup_retention_days >= 1 && var.aurora_backup_retention_days <= 35
    error_message = "aurora_backup_retention_days must be 1-35."
  }
}

variable "database_name" {
  type        = string
  default     = "whoosh"
  description = "Database created in the Aurora cluster; scripts/deploy puts it into DATABASE_URL."

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lowercase PostgreSQL identifier."
  }
}

variable "database_password_rotation_schedule" {
  type        = string
  default     = "rate(90 days)"
  description = "When RDS rotates the master password it keeps in Secrets Manager. Only the migration Job uses it (to create the roles), reading it at each run; the services log in with IAM tokens, so nothing follows a rotation."

  validation {
    condition     = can(regex("^(rate\\([0-9]+ days?\\)|cron\\(.+\\))$", var.database_password_rotation_schedule))
    error_message = "database_password_rotation_schedule must be a Secrets Manager schedule such as rate(90 days) or cron(0 4 ? * SUN#1 *)."
  }
}

variable "deletion_protection" {
  type        = bool
  default     = true
  description = "Protects the Aurora cluster and the ALB from deletion, and keeps a final snapshot. Turn off only for throwaway environments."
}

# --- ElastiCache Redis ---

variable "redis_node_type" {
  type        = string
  default     = "cache.r7g.large"
  description = "ElastiCache node type of every shard's primary and replica."

  validation {
    condition     = can(regex("^cache\\.[a-z0-9]+\\.[a-z0-9]+$", var.redis_node_type))
    error_message = "redis_node_type must be an ElastiCache node type such as cache.r7g.large."
  }
}

variable "redis_shards" {
  type        = number
  default     = 3
  description = "Shards (node groups) of the cluster-mode replication group. Keys spread by hash slot; Whoosh's multi-key operations use hash tags so they stay on one shard."

  validation {
    condition     = var.redis_shards >= 1 && var.redis_shards <= 500 && floor(var.redis_shards) == var.redis_shards
    error_message = "redis_shards must be a whole number from 1 to 500."
  }
}

variable "redis_replicas_per_shard" {
  type        = number
  default     = 1
  description = "Replicas per shard, in other zones than the primary. At least one: automatic failover needs it."

  validation {
    condition     = var.redis_replicas_per_shard >= 1 && var.redis_replicas_per_shard <= 5 && floor(var.redis_replicas_per_shard) == var.redis_replicas_per_shard
    error_message = "redis_replicas_per_shard must be a whole number from 1 to 5."
  }
}

variable "redis_engine_version" {
  type        = string
  default     = "7.1"
  description = "Redis engine version (major.minor)."

  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.redis_engine_version))
    error_message = "redis_engine_version must be a 7.x version, such as 7.1."
  }
}

variable "redis_snapshot_retention_days" {
  type        = number
  default     = 3
  description = "Days of daily Redis snapshots. Redis holds indexes and queues that PostgreSQL can rebuild, so a short retention suffices."

  validation {
    condition     = var.redis_snapshot_retention_days >= 1 && var.redis_snapshot_retention_days <= 35
    error_message = "redis_snapshot_retention_days must be 1-35."
  }
}

# --- Entry: ALB, WAF, Global Accelerator ---

variable "certificate_arn" {
  type        = string
  description = "ACM certificate (in aws_region) for the HTTPS listener, covering the public host name players use."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "waf_rate_limit_per_ip" {
  type        = number
  default     = 3000
  description = "Requests one client address may send in 5 minutes before WAF blocks it (all paths). A coarse flood guard in front of the services' own per-client limits (RATE_LIMIT_PER_CLIENT)."

  validation {
    condition     = var.waf_rate_limit_per_ip >= 100 && var.waf_rate_limit_per_ip <= 2000000000
    error_message = "waf_rate_limit_per_ip must be between 100 and 2,000,000,000."
  }
}

variable "waf_auth_rate_limit_per_ip" {
  type        = number
  default     = 300
  description = "Requests one client address may send to /api/auth/* in 5 minutes before WAF blocks it (credential stuffing), in front of the auth service's own login throttles."

  validation {
    condition     = var.waf_auth_rate_limit_per_ip >= 100 && var.waf_auth_rate_limit_per_ip <= 2000000000
    error_message = "waf_auth_rate_limit_per_ip must be between 100 and 2,000,000,000."
  }
}

# --- Observability ---

variable "log_retention_days" {
  type        = number
  default     = 30
  description = "Retention of every CloudWatch log group (Lambdas, edge, EKS control plane, WAF, VPC flow logs, Aurora, Redis)."

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "analytics_retention_days" {
  type        = number
  default     = 730
  description = "Days exported product-analytics objects (events/YYYY-MM-DD/HH.ndjson) are kept in S3; PostgreSQL keeps the events themselves."

  validation {
    condition     = var.analytics_retention_days >= 31
    error_message = "analytics_retention_days must be at least 31 (objects move to STANDARD_IA after 30 days)."
  }
}

variable "access_log_retention_days" {
  type        = number
  default     = 90
  description = "Days ALB access logs and Global Accelerator flow logs are kept in S3."

  validation {
    condition     = var.access_log_retention_days >= 1
    error_message = "access_log_retention_days must be at least 1."
  }
}

variable "alarm_email_addresses" {
  type        = list(string)
  default     = []
  description = "Addresses subscribed to the alarm topic (each must confirm by email). Pager integrations subscribe to the topic the same way, outside terraform."

  validation {
    condition     = alltrue([for a in var.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "alarm_email_addresses must hold email addresses."
  }
}

# --- Settings of the services that differ per environment ---
# Kept here so that one tfvars file describes an environment; scripts/deploy hands them to the
# Lambda functions (cdk/) and the edge's ConfigMap through the outputs.

variable "public_url" {
  type        = string
  description = "The URL players open (WHOOSH_PUBLIC_URL), e.g. https://play.example.com: a DNS name pointing at the Global Accelerator addresses, covered by certificate_arn."

  validation {
    condition     = can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", var.public_url))
    error_message = "public_url must be an https:// origin without a path, such as https://play.example.com."
  }
}

variable "allowed_origins" {
  type        = list(string)
  default     = []
  description = "Browser origins allowed to open edge WebSockets (ALLOWED_ORIGINS). Empty: public_url only."

  validation {
    condition     = alltrue([for o in var.allowed_origins : can(regex("^https?://[^/,]+$", o))])
    error_message = "allowed_origins must hold origins such as https://play.example.com (scheme and host, no path, no commas)."
  }
}
