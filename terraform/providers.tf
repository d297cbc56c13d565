locals {
  # Set only when var.aws_endpoint_url points the provider at an AWS API emulator (CI plans
  # against moto_server on loopback). Real deployments leave it empty and talk to AWS.
  emulated = var.aws_endpoint_url != ""
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }

  # Against an emulator there is no real account, instance metadata or region list to check.
  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_region_validation      = local.emulated
  skip_requesting_account_id  = local.emulated
  s3_use_path_style           = local.emulated

  dynamic "endpoints" {
    for_each = local.emulated ? [var.aws_endpoint_url] : []
    content {
      acm               = endpoints.value
      autoscaling       = endpoints.value
      cloudwatch        = endpoints.value
      cloudwatchlogs    = endpoints.value
      ec2               = endpoints.value
      ecr               = endpoints.value
      eks               = endpoints.value
      elasticache       = endpoints.value
      elbv2             = endpoints.value
      globalaccelerator = endpoints.value
      iam               = endpoints.value
      kms               = endpoints.value
      rds               = endpoints.value
      s3                = endpoints.value
      secretsmanager    = endpoints.value
      sns               = endpoints.value
      sts               = endpoints.value
      wafv2             = endpoints.value
    }
  }
}
