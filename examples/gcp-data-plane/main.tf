# One region's data plane on Google Cloud, bound to the EU: the shipped modules/gcp-data-plane (a
# GKE cluster with a node pool, and an artifacts bucket that is versioned and closed to the
# public) in the workspace's region, europe-west3 (Frankfurt).
#
# The demo (bash .ci/demo) points the provider at local emulators through var.gcs_endpoint and
# var.gke_endpoint with a dummy access token; leave them null to use Google Cloud with your
# usual credentials (gcloud auth application-default login, or GOOGLE_APPLICATION_CREDENTIALS).
# With var.control_url set, the same apply also installs Hangar's data-plane agent into the
# cluster (through its endpoint and CA, with the google provider's access token) and registers
# it with that control plane (operator token in HANGAR_CONTROL_TOKEN).

workspace "eu-prod" {
  geography = "eu"
  region    = "europe-west3"
}

variable "project" {
  type        = string
  default     = "hangar-demo"
  description = "Google Cloud project to create the data plane in."
}

variable "access_token" {
  type        = string
  default     = null
  sensitive   = true
  description = "An OAuth2 access token; null to use Application Default Credentials."
}

variable "gcs_endpoint" {
  type        = string
  default     = null
  description = "Cloud Storage JSON API base URL (a local emulator); null for Google's."
}

variable "gke_endpoint" {
  type        = string
  default     = null
  description = "GKE API base URL (a local test server); null for Google's."
}

variable "name" {
  type    = string
  default = "data-plane"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,29}$", var.name))
    error_message = "The name must be 3-30 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "control_url" {
  type        = string
  default     = null
  description = "The control plane to register the data-plane agent with; null installs no agent."
}

provider "hangar" {
  control_url = var.control_url
}

provider "google" {
  project                   = var.project
  region                    = workspace.region
  access_token              = var.access_token
  storage_custom_endpoint   = var.gcs_endpoint
  container_custom_endpoint = var.gke_endpoint
}

module "data_plane" {
  source = "../../modules/gcp-data-plane"

  name                = var.name
  location            = workspace.region
  labels              = { "managed-by" = "hangar", "workspace" = workspace.name }
  deletion_protection = false
  force_destroy       = true

  agent_enabled          = var.control_url != null
  agent_workspace        = workspace.name
  agent_write_namespaces = ["ml"]
}

output "cluster_id" {
  value = module.data_plane.cluster_id
}

output "cluster_endpoint" {
  value = module.data_plane.cluster_endpoint
}

output "bucket" {
  value = module.data_plane.bucket_url
}

output "bucket_location" {
  value = module.data_plane.bucket_location
}

output "agent_id" {
  value = module.data_plane.agent_id
}
