terraform {
  # 1.10 brings S3-native state locking (use_lockfile), used by the environments' backend files.
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Pinned exactly: CI installs this version from a local filesystem mirror (no registry
      # access), and a deployer's `terraform init` resolves the same one.
      version = "5.100.0"
    }
  }

  # Partial configuration: the bucket, key and region come from environments/<env>.s3.tfbackend
  # (`terraform init -backend-config=environments/prod.s3.tfbackend`).
  backend "s3" {}
}
