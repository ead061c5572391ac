variable "admin_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}
