module "eks" {
  source       = "../modules/eks"
  cluster_name = "prod"
  admin_cidrs  = var.admin_cidrs
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}

module "loop" {
  source = "../modules/loop"
}
