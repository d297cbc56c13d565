# The edge image (edge/Dockerfile): whoosh-edge and the whoosh operator CLI (migrations).

resource "aws_ecr_repository" "edge" {
  name = "${local.name}/edge"
  # scripts/deploy tags each image with its git commit; a tag never moves to other content.
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.main.arn
  }
}

resource "aws_ecr_lifecycle_policy" "edge" {
  repository = aws_ecr_repository.edge.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Keep the last 50 images: enough to roll back through weeks of deploys"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = 50
        }
        action = { type = "expire" }
      },
    ]
  })
}
