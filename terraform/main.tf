data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first three names are used (local.azs), and a zone AWS adds later sorts after them; set var.availability_zones to pin the zones explicitly.
  count = length(var.availability_zones) == 0 ? 1 : 0
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  name       = "whoosh-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  dns_suffix = data.aws_partition.current.dns_suffix

  azs = length(var.availability_zones) == 3 ? var.availability_zones : slice(data.aws_availability_zones.available[0].names, 0, 3)

  # The Lambda services, named as their binaries; the CDK app creates functions with these
  # names, and terraform creates their log groups so that retention and encryption are set before
  # the first invocation.
  lambda_services = ["auth", "matchmaking", "profiles", "economy", "admin"]

  eks_cluster_name = local.name

  # The PostgreSQL roles (created by `whoosh migrate`): the services' (DML only) and the
  # migrations' (owns the schema). Neither has a password: both log in with IAM tokens.
  database_app_user       = "whoosh_app"
  database_migration_user = "whoosh_migrate"

  tags = merge(var.tags, {
    Project     = "whoosh"
    Environment = var.environment
    ManagedBy   = "terraform"
  })
}
