variable "cluster_name" {
  type = string
}

variable "public" {
  type    = bool
  default = true
}

variable "admin_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}
