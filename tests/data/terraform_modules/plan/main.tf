resource "aws_security_group_rule" "ssh" {
  count       = 1
  type        = "ingress"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = var.ssh_cidrs
}

module "eks" {
  source       = "../modules/eks"
  cluster_name = "prod"
}
