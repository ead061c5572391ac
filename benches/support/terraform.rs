//! Generated Terraform inputs for the benches and the memory check: a folder of resources
//! across providers (with variables, locals, `jsonencode` policies and a `terraform.tfvars`),
//! and a `terraform show -json` plan of a given size. Deterministic: resource `i` is always the
//! same text, with misconfigurations at fixed rates.

use std::fmt::Write as _;
use std::path::Path;

/// How many resources each generated `.tf` file holds.
pub const PER_FILE: usize = 100;

/// Resource `i` of the generated folder: one of eight kinds in turn, one in three of each kind
/// misconfigured.
pub fn resource(i: usize) -> String {
    let bad = i.is_multiple_of(3);
    let cidr = if bad {
        "var.open_cidr"
    } else {
        "var.admin_cidr"
    };
    match i % 8 {
        0 => format!(
            "resource \"aws_eks_cluster\" \"c{i}\" {{\n  name     = \"${{local.prefix}}-{i}\"\n  role_arn = \"arn:aws:iam::123456789012:role/eks\"\n  version  = var.k8s_version\n  vpc_config {{\n    subnet_ids              = [\"subnet-a\", \"subnet-b\"]\n    endpoint_private_access = true\n    endpoint_public_access  = {pub_}\n    public_access_cidrs     = [{cidr}]\n  }}\n{enc}  tags = local.tags\n}}\n\n",
            pub_ = if bad { "true" } else { "false" },
            enc = if bad {
                String::new()
            } else {
                "  encryption_config {\n    resources = [\"secrets\"]\n    provider {\n      key_arn = aws_kms_key.eks.arn\n    }\n  }\n".to_string()
            },
        ),
        1 => format!(
            "resource \"aws_security_group_rule\" \"r{i}\" {{\n  type              = \"ingress\"\n  from_port         = {p}\n  to_port           = {p}\n  protocol          = \"tcp\"\n  cidr_blocks       = [{cidr}]\n  security_group_id = aws_security_group.nodes.id\n}}\n\n",
            p = if bad { 22 } else { 443 },
        ),
        2 => format!(
            "resource \"aws_iam_policy\" \"p{i}\" {{\n  name = \"policy-{i}\"\n  policy = jsonencode({{\n    Version = \"2012-10-17\"\n    Statement = [\n      {{\n        Effect   = \"Allow\"\n        Action   = [{act}]\n        Resource = \"{res}\"\n      }},\n    ]\n  }})\n}}\n\n",
            act = if bad {
                "\"*\""
            } else {
                "\"s3:GetObject\", \"s3:ListBucket\""
            },
            res = if bad {
                "*"
            } else {
                "arn:aws:s3:::bucket-{i}/*"
            },
        ),
        3 => format!(
            "resource \"google_container_cluster\" \"g{i}\" {{\n  name     = \"gke-{i}\"\n  location = var.region\n  master_authorized_networks_config {{\n    cidr_blocks {{\n      cidr_block   = {c}\n      display_name = \"admins\"\n    }}\n  }}\n  private_cluster_config {{\n    enable_private_nodes    = {priv_}\n    enable_private_endpoint = false\n  }}\n  database_encryption {{\n    state    = \"{st}\"\n    key_name = \"projects/p/locations/l/keyRings/r/cryptoKeys/k\"\n  }}\n}}\n\n",
            c = cidr,
            priv_ = if bad { "false" } else { "true" },
            st = if bad { "DECRYPTED" } else { "ENCRYPTED" },
        ),
        4 => format!(
            "resource \"azurerm_kubernetes_cluster\" \"a{i}\" {{\n  name                = \"aks-{i}\"\n  location            = var.region\n  resource_group_name = \"rg\"\n  dns_prefix          = \"aks{i}\"\n  private_cluster_enabled = {priv_}\n  api_server_access_profile {{\n    authorized_ip_ranges = [{cidr}]\n  }}\n  default_node_pool {{\n    name       = \"default\"\n    node_count = 3\n    vm_size    = \"Standard_D2_v2\"\n  }}\n  role_based_access_control_enabled = true\n}}\n\n",
            priv_ = if bad { "false" } else { "true" },
        ),
        5 => format!(
            "resource \"aws_security_group\" \"s{i}\" {{\n  name   = \"sg-{i}\"\n  vpc_id = \"vpc-1\"\n  ingress {{\n    from_port   = {p}\n    to_port     = {p}\n    protocol    = \"tcp\"\n    cidr_blocks = [{cidr}]\n  }}\n  egress {{\n    from_port   = 0\n    to_port     = 0\n    protocol    = \"-1\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }}\n}}\n\n",
            p = if bad { 10250 } else { 443 },
        ),
        6 => format!(
            "data \"aws_iam_policy_document\" \"d{i}\" {{\n  statement {{\n    effect    = \"Allow\"\n    actions   = [{act}]\n    resources = [\"arn:aws:ec2:*:*:instance/{i}\"]\n  }}\n}}\n\n",
            act = if bad {
                "\"ec2:*\""
            } else {
                "\"ec2:DescribeInstances\""
            },
        ),
        _ => format!(
            "resource \"aws_eks_node_group\" \"n{i}\" {{\n  cluster_name    = \"{p}-{i}\"\n  node_group_name = \"ng-{i}\"\n  node_role_arn   = \"arn:aws:iam::123456789012:role/node\"\n  subnet_ids      = [\"subnet-a\"]\n  scaling_config {{\n    desired_size = 2\n    max_size     = 4\n    min_size     = 1\n  }}\n{ra}}}\n\n",
            p = "prod",
            ra = if bad {
                "  remote_access {\n    ec2_ssh_key = \"ops\"\n  }\n".to_string()
            } else {
                String::new()
            },
        ),
    }
}

/// The folder's shared definitions: variables, locals and their values.
pub const VARIABLES_TF: &str = "variable \"admin_cidr\" {\n  type    = string\n  default = \"10.0.0.0/8\"\n}\n\nvariable \"open_cidr\" {\n  type    = string\n  default = \"10.1.0.0/16\"\n}\n\nvariable \"region\" {\n  default = \"eu-west-1\"\n}\n\nvariable \"k8s_version\" {\n  default = \"1.29\"\n}\n\nlocals {\n  prefix = \"prod\"\n  tags = {\n    team = \"platform\"\n    env  = local.prefix\n  }\n}\n";

/// Writes a folder of `n` resources into `dir` (files of [`PER_FILE`] resources, plus
/// `variables.tf` and a `terraform.tfvars` that opens `open_cidr` to the internet); returns
/// the bytes of `.tf` text written.
pub fn write_folder(dir: &Path, n: usize) -> usize {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("variables.tf"), VARIABLES_TF).unwrap();
    std::fs::write(dir.join("terraform.tfvars"), "open_cidr = \"0.0.0.0/0\"\n").unwrap();
    let mut bytes = VARIABLES_TF.len();
    for part in 0..n.div_ceil(PER_FILE) {
        let mut text = String::new();
        for i in part * PER_FILE..((part + 1) * PER_FILE).min(n) {
            text.push_str(&resource(i));
        }
        bytes += text.len();
        std::fs::write(dir.join(format!("part-{part:03}.tf")), text).unwrap();
    }
    bytes
}

/// A `terraform show -json` plan of about `target_bytes`: EKS clusters, security group rules
/// and IAM policies in the root module and one child module, each with `resource_changes` and
/// `after_unknown`.
pub fn plan_json(target_bytes: usize) -> String {
    let mut root = String::new();
    let mut child = String::new();
    let mut changes = String::new();
    let mut i = 0usize;
    while root.len() + child.len() + changes.len() < target_bytes {
        let bad = i.is_multiple_of(3);
        let (module, list) = if i.is_multiple_of(2) {
            ("", &mut root)
        } else {
            ("module.eks.", &mut child)
        };
        let (ty, name, values) = match i % 3 {
            0 => (
                "aws_eks_cluster",
                format!("c{i}"),
                format!(
                    "{{\"name\": \"c{i}\", \"role_arn\": \"arn:aws:iam::123456789012:role/eks\", \"version\": \"1.29\", \"tags\": {{\"team\": \"platform\", \"index\": \"{i}\"}}, \"vpc_config\": [{{\"endpoint_private_access\": true, \"endpoint_public_access\": {bad}, \"public_access_cidrs\": [\"{c}\"], \"subnet_ids\": [\"subnet-a\", \"subnet-b\", \"subnet-c\"]}}], \"encryption_config\": [{{\"resources\": [\"secrets\"], \"provider\": [{{\"key_arn\": \"arn:aws:kms:eu-west-1:123456789012:key/{i}\"}}]}}]}}",
                    c = if bad { "0.0.0.0/0" } else { "10.0.0.0/8" },
                ),
            ),
            1 => (
                "aws_security_group_rule",
                format!("r{i}"),
                format!(
                    "{{\"type\": \"ingress\", \"from_port\": {p}, \"to_port\": {p}, \"protocol\": \"tcp\", \"cidr_blocks\": [\"0.0.0.0/0\"], \"description\": \"rule {i}\"}}",
                    p = if bad { 22 } else { 443 },
                ),
            ),
            _ => (
                "aws_iam_policy",
                format!("p{i}"),
                format!(
                    "{{\"name\": \"p{i}\", \"policy\": \"{{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{{\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":\\\"{a}\\\",\\\"Resource\\\":\\\"*\\\"}}]}}\"}}",
                    a = if bad { "*" } else { "s3:GetObject" },
                ),
            ),
        };
        let address = format!("{module}{ty}.{name}");
        if !list.is_empty() {
            list.push_str(",\n");
        }
        let _ = write!(
            list,
            "        {{\"address\": \"{address}\", \"mode\": \"managed\", \"type\": \"{ty}\", \"name\": \"{name}\", \"provider_name\": \"registry.terraform.io/hashicorp/aws\", \"schema_version\": 0, \"values\": {values}, \"sensitive_values\": {{}}}}"
        );
        if !changes.is_empty() {
            changes.push_str(",\n");
        }
        let _ = write!(
            changes,
            "    {{\"address\": \"{address}\", \"type\": \"{ty}\", \"name\": \"{name}\", \"change\": {{\"actions\": [\"create\"], \"before\": null, \"after\": {values}, \"after_unknown\": {{\"arn\": true, \"id\": true}}}}}}"
        );
        i += 1;
    }
    format!(
        "{{\n  \"format_version\": \"1.2\",\n  \"terraform_version\": \"1.9.5\",\n  \"planned_values\": {{\n    \"root_module\": {{\n      \"resources\": [\n{root}\n      ],\n      \"child_modules\": [{{\"address\": \"module.eks\", \"resources\": [\n{child}\n      ]}}]\n    }}\n  }},\n  \"resource_changes\": [\n{changes}\n  ]\n}}\n"
    )
}
