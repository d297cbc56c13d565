# Production. Apply with:
#   terraform init -backend-config=environments/prod.s3.tfbackend
#   terraform apply -var-file=environments/prod.tfvars
# or let scripts/deploy --env prod do both.

environment = "prod"
aws_region  = "eu-west-1"

# Replace with the ACM certificate of the public host name (in the same region).
certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

# The host name players open; point its DNS at the Global Accelerator addresses (outputs).
public_url = "https://play.example.com"

# Private API endpoint only: deploys run from a runner inside the VPC or over the VPN.
eks_public_access_cidrs = []

cluster_admin_principal_arns = [
  "arn:aws:iam::123456789012:role/whoosh-deploy",
  "arn:aws:iam::123456789012:role/whoosh-oncall-breakglass",
]

game_node_instance_type = "c7g.xlarge"
game_node_scaling       = { min_size = 3, desired_size = 3, max_size = 30 }

aurora_capacity              = { min_acu = 0.5, max_acu = 128 }
aurora_reader_count          = 1
aurora_backup_retention_days = 14

redis_node_type          = "cache.r7g.large"
redis_shards             = 3
redis_replicas_per_shard = 1

deletion_protection = true

log_retention_days        = 90
access_log_retention_days = 365

alarm_email_addresses = ["oncall@example.com"]

tags = {
  CostCentre = "whoosh-prod"
}
