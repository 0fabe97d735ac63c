variable "name" {
  type        = string
  description = "Name of the data plane: the VPC's Name tag, the prefix of the subnets' Name tags and of the IAM roles (NAME-cluster, NAME-node). 3-53 lowercase letters, digits or hyphens, as for aws-data-plane."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,51}[a-z0-9]$", var.name))
    error_message = "The name must be 3-53 lowercase letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "vpc_cidr" {
  type        = string
  default     = "10.0.0.0/16"
  description = "IPv4 range of the VPC."

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "The VPC range must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zones of the provider's region, one private subnet in each (EKS needs at least two)."

  validation {
    condition     = length(var.availability_zones) >= 2 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "Give at least two different availability zones."
  }
}

variable "subnet_newbits" {
  type        = number
  default     = 8
  description = "Bits added to the VPC's prefix for each subnet (8: a /24 per zone in a /16)."
}

variable "partition" {
  type        = string
  default     = "aws"
  description = "AWS partition of the managed policy ARNs (aws, aws-cn, aws-us-gov)."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags for the VPC, the subnets and the roles."
}
