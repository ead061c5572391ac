# Clusters through Tanzu Mission Control: an EKS cluster whose public endpoint has no CIDRs and
# whose node pool allows SSH without source security groups, and an AKS cluster restricted to
# an office range.

resource "tanzu-mission-control_ekscluster" "shop" {
  credential_name = "aws-shop"
  region          = "eu-west-1"
  name            = "shop"

  spec {
    cluster_group = "default"

    config {
      role_arn           = "arn:aws:iam::111122223333:role/control-plane.111122223333.eks.tmc.cloud.vmware.com"
      kubernetes_version = "1.29"

      vpc {
        enable_private_access = true
        enable_public_access  = true
        subnet_ids            = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
      }
    }

    nodepool {
      info {
        name = "default"
      }

      spec {
        role_arn       = "arn:aws:iam::111122223333:role/worker.111122223333.eks.tmc.cloud.vmware.com"
        subnet_ids     = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
        instance_types = ["m5.large"]

        remote_access {
          ssh_key = "ops"
        }

        scaling_config {
          desired_size = 3
          max_size     = 6
          min_size     = 3
        }
      }
    }
  }
}

resource "tanzu-mission-control_akscluster" "shop" {
  credential_name = "azure-shop"
  subscription_id = "00000000-0000-0000-0000-000000000000"
  resource_group  = "shop"
  name            = "shop"

  spec {
    config {
      location           = "westeurope"
      kubernetes_version = "1.29.4"

      network_config {
        dns_prefix = "shop"
      }

      api_server_access_config {
        authorized_ip_ranges = ["198.51.100.0/24"]
      }
    }

    nodepool {
      name = "system"

      spec {
        mode    = "SYSTEM"
        vm_size = "Standard_DS2_v2"
        count   = 3
      }
    }
  }
}
