module "x" {
  source = "../modules/team"
  count  = 1
  name   = "prod"
}

module "z" {
  source   = "../modules/team"
  for_each = toset(["a.b"])
  name     = "z"
}
