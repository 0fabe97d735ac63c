# A data plane rehearsed with built-in resources only: no cloud account needed.
#
# Each "component" stands for what a region's data plane runs (cluster, artifacts bucket,
# agent). time_sleep simulates provisioning latency, so you can watch apply run components in
# parallel as soon as their own dependencies are ready.

variable "region" {
  type        = string
  default     = "eu-central-1"
  description = "Region this data plane serves."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[0-9]$", var.region))
    error_message = "The region must look like eu-central-1."
  }
}

variable "components" {
  type = map(object({
    size    = number
    version = optional(string, "1.31")
  }))
  default = {
    cluster   = { size = 3 }
    artifacts = { size = 1 }
    agent     = { size = 1, version = "0.4" }
  }
}

locals {
  prefix = "dp-${var.region}"
  labels = {
    region     = var.region
    managed_by = "hangar"
  }
}

resource "time_sleep" "provisioning" {
  for_each        = var.components
  create_duration = "${each.value.size}s"
}

resource "terraform_data" "component" {
  for_each = var.components
  input = merge(local.labels, {
    name    = "${local.prefix}-${each.key}"
    version = each.value.version
    ready   = time_sleep.provisioning[each.key].id
  })
}

resource "terraform_data" "endpoint" {
  input = "https://${terraform_data.component["cluster"].output.name}.example.internal"

  lifecycle {
    precondition {
      condition     = length(var.components) > 0
      error_message = "A data plane needs at least one component."
    }
  }
}

output "names" {
  value = sort([for c in terraform_data.component : c.output.name])
}

output "endpoint" {
  value = terraform_data.endpoint.output
}
