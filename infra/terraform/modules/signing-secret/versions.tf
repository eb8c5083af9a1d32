terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.90"
      # The ephemeral password generator runs on its own provider configuration (see the environments'
      # versions.tf): Terraform's mock providers cannot produce ephemeral values yet.
      configuration_aliases = [aws.secrets]
    }
  }
}
