//! The cloud inputs end to end: a Terraform folder read as one unit (variables, `*.tfvars`,
//! locals of sibling files), unknown values that are never guessed, findings that carry the
//! provider resource address and land on the user's line (or on the block that omitted a
//! defaulted field, saying so), a malformed file reported at file:line:col while the others are
//! still scanned, and CloudFormation intrinsic functions read as unknown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::PathBuf;
use std::sync::LazyLock;

use fourc::{Engine, Scan};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::builder().build().unwrap());

/// A fresh folder holding `files`.
fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fourc-cloud-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

/// `(rule, resource, line, note)` of every finding of the cloud rules.
fn findings(s: &Scan) -> Vec<(String, String, u32, Option<String>)> {
    let mut v: Vec<_> = s
        .report
        .findings
        .iter()
        .filter(|f| f.rule().id.starts_with("cloud-"))
        .map(|f| {
            (
                f.rule().id.to_string(),
                f.resource().to_string(),
                f.line(),
                f.note().map(str::to_string),
            )
        })
        .collect();
    v.sort();
    v
}

const MAIN_TF: &str = r#"resource "aws_eks_cluster" "main" {
  name = local.name
  vpc_config {
    endpoint_public_access = local.public
    public_access_cidrs    = var.admin_cidrs
  }
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.eks.arn
    }
  }
}

resource "aws_eks_cluster" "unknown" {
  vpc_config {
    endpoint_public_access = var.not_declared
  }
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.eks.arn
    }
  }
}
"#;

const VARIABLES_TF: &str = r#"variable "admin_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}

locals {
  name   = "prod"
  public = true
}
"#;

#[test]
fn a_terraform_folder_is_one_unit() {
    // The default allowlist is private; terraform.tfvars opens it to the internet.
    let dir = folder(
        "unit",
        &[
            ("main.tf", MAIN_TF),
            ("variables.tf", VARIABLES_TF),
            ("terraform.tfvars", "admin_cidrs = [\"0.0.0.0/0\"]\n"),
        ],
    );
    let s = ENGINE.check_paths(&[&dir]);
    assert!(s.load_errors.is_empty(), "{:?}", s.load_errors);
    assert!(s.skipped.is_empty(), "{:?}", s.skipped);
    // The finding sits on the line that uses the variable, and names the resource address; the
    // cluster whose switch is unknown is not judged.
    assert_eq!(
        findings(&s),
        [(
            "cloud-api-endpoint-open".to_string(),
            "aws_eks_cluster.main".to_string(),
            5,
            None
        )]
    );
    // Without the tfvars the variable's default applies: private ranges only.
    std::fs::remove_file(dir.join("terraform.tfvars")).unwrap();
    let s = ENGINE.check_paths(&[&dir]);
    assert!(findings(&s).is_empty(), "{:?}", findings(&s));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_defaulted_finding_points_at_the_block_that_omitted_the_field() {
    let s = ENGINE.check_str(
        "eks.tf",
        "resource \"aws_eks_cluster\" \"main\" {\n  name = \"main\"\n  vpc_config {\n    subnet_ids = [\"subnet-1\"]\n  }\n}\n",
    );
    let f = findings(&s);
    let api = f.iter().find(|x| x.0 == "cloud-api-endpoint-open").unwrap();
    assert_eq!(api.1, "aws_eks_cluster.main");
    assert_eq!(
        api.2, 3,
        "the vpc_config block that omits public_access_cidrs"
    );
    let note = api.3.as_deref().unwrap();
    assert!(
        note.starts_with("defaulted:") && note.contains("public_access_cidrs"),
        "{note}"
    );
    let enc = f
        .iter()
        .find(|x| x.0 == "cloud-secrets-encryption")
        .unwrap();
    assert_eq!(enc.2, 1, "the resource that omits encryption_config");
}

#[test]
fn a_malformed_file_is_an_error_at_its_line_and_the_others_are_scanned() {
    let dir = folder(
        "bad",
        &[
            (
                "broken.tf",
                "resource \"aws_eks_cluster\" \"x\" {\n  name = \n}\n",
            ),
            (
                "ok.tf",
                "resource \"aws_security_group_rule\" \"ssh\" {\n  type        = \"ingress\"\n  from_port   = 22\n  to_port     = 22\n  protocol    = \"tcp\"\n  cidr_blocks = [\"0.0.0.0/0\"]\n}\n",
            ),
        ],
    );
    let s = ENGINE.check_paths(&[&dir]);
    assert_eq!(s.load_errors.len(), 1, "{:?}", s.load_errors);
    let e = &s.load_errors[0];
    assert!(e.source_name().ends_with("broken.tf"), "{e}");
    assert_eq!((e.line(), e.col() > 0), (2, true), "{e}");
    assert_eq!(
        findings(&s),
        [(
            "cloud-node-admin-ports-open".to_string(),
            "aws_security_group_rule.ssh".to_string(),
            6,
            None
        )]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cloudformation_intrinsics_are_unknown_not_their_argument() {
    // `!Ref AdminCidr` would read as the string "AdminCidr" if the tag were ignored.
    let s = ENGINE.check_str(
        "stack.yaml",
        "Resources:\n  Nodes:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      SecurityGroupIngress:\n        - CidrIp: !Ref AdminCidr\n          IpProtocol: tcp\n          FromPort: 22\n          ToPort: 22\n        - CidrIp: 0.0.0.0/0\n          IpProtocol: tcp\n          FromPort: 22\n          ToPort: 22\n",
    );
    assert!(s.load_errors.is_empty(), "{:?}", s.load_errors);
    assert_eq!(
        findings(&s),
        [(
            "cloud-node-admin-ports-open".to_string(),
            "Nodes".to_string(),
            10,
            None
        )]
    );
    assert_eq!(
        s.report.findings[0].resource().format.as_ref(),
        "cloudformation"
    );
}

#[test]
fn deep_terraform_nesting_is_an_error_not_a_crash() {
    let deep = format!(
        "resource \"aws_eks_cluster\" \"x\" {{\n  v = {}{}\n}}\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let s = ENGINE.check_str("deep.tf", &deep);
    assert_eq!(s.load_errors.len(), 1, "{:?}", s.load_errors);
    assert_eq!(s.load_errors[0].line(), 2);
    assert!(
        s.load_errors[0].message().contains("nesting"),
        "{}",
        s.load_errors[0]
    );
}
