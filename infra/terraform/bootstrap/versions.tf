terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.90"
    }
  }

  # The state of the state bucket itself stays local: this folder is applied once per AWS account by an operator
  # (docs/deploy.md, "Bootstrap the state"), and keeping its state beside the code avoids a chicken-and-egg.
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project   = "aplicacion-senas"
      ManagedBy = "terraform"
      Component = "terraform-state"
    }
  }
}
