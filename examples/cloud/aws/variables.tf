variable "subnet_ids" {
  type = list(string)
}

variable "vpc_id" {
  type = string
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "ssh_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/16"]
}

locals {
  cluster_name = "shop"
}
