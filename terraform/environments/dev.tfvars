# A small, cheap environment for trying changes. Apply with:
#   terraform init -backend-config=environments/dev.s3.tfbackend
#   terraform apply -var-file=environments/dev.tfvars
# or let scripts/deploy --env dev do both.

environment = "dev"
aws_region  = "eu-west-1"

# Replace with the ACM certificate of the dev host name (in the same region).
certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

# The host name players open; point its DNS at the Global Accelerator addresses (outputs).
public_url = "https://play-dev.example.com"

single_nat_gateway = true

# The deployers' office or VPN egress, so kubectl works from their machines.
eks_public_access_cidrs = ["203.0.113.0/24"]

system_node_scaling = { min_size = 2, desired_size = 2, max_size = 3 }
game_node_scaling   = { min_size = 1, desired_size = 2, max_size = 4 }

aurora_capacity     = { min_acu = 0.5, max_acu = 8 }
aurora_reader_count = 1

redis_node_type          = "cache.t4g.medium"
redis_shards             = 3
redis_replicas_per_shard = 1

# Throwaway: no final snapshot, the ALB and the database can be destroyed.
deletion_protection = false

log_retention_days        = 14
access_log_retention_days = 14

tags = {
  CostCentre = "whoosh-dev"
}
