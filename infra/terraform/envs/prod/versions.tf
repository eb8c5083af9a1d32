terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.90"
    }
  }

  # Created by infra/terraform/bootstrap.
  backend "s3" {
    bucket         = "aplicacion-senas-terraform-state"
    key            = "envs/prod/terraform.tfstate"
    region         = "us-east-1"
    dynamodb_table = "aplicacion-senas-terraform-locks"
    encrypt        = true
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = "aplicacion-senas"
      Environment = "prod"
      ManagedBy   = "terraform"
    }
  }
}

# Only Secrets Manager's password generator (ephemeral, for the signing and database secrets) uses this
# configuration. It is separate so that the Terraform tests can give those modules an offline provider while
# every other resource is mocked: mock providers cannot produce ephemeral values yet.
provider "aws" {
  alias  = "secrets"
  region = var.aws_region
}
