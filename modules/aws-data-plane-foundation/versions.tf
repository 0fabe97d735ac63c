# The foundation is created through Terraform's own AWS provider, run as a provider plugin:
# Hangar's native `aws` provider does not cover VPCs or IAM. The plugin has its own local name
# because built-in names always win (`aws` is the native provider); the caller declares the same
# name in its required_providers and configures it in the workspace's region.
terraform {
  required_providers {
    awsplugin = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
