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

const MAIN_TF_JSON: &str = r#"{
  "//": "an EKS cluster and a node security group, in Terraform's JSON syntax",
  "locals": {
    "name": "shop-${var.env}"
  },
  "resource": {
    "aws_eks_cluster": {
      "main": {
        "name": "${local.name}",
        "role_arn": "${aws_iam_role.cluster.arn}",
        "vpc_config": {
          "endpoint_public_access": true,
          "public_access_cidrs": "${var.admin_cidrs}"
        },
        "tags": {"team": "shop"}
      }
    },
    "aws_security_group": {
      "nodes": {
        "ingress": [
          {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]},
          {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}
        ]
      }
    }
  }
}
"#;

/// The same configuration in native syntax.
const SAME_TF: &str = r#"locals {
  name = "shop-${var.env}"
}
resource "aws_eks_cluster" "main" {
  name     = local.name
  role_arn = aws_iam_role.cluster.arn
  vpc_config {
    endpoint_public_access = true
    public_access_cidrs    = var.admin_cidrs
  }
  tags = { team = "shop" }
}
resource "aws_security_group" "nodes" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
"#;

/// `main.tf.json`'s variables, in JSON too; `terraform.tfvars.json` sets one of them.
const VARIABLES_TF_JSON: &str =
    r#"{"variable": {"admin_cidrs": {"default": ["10.0.0.0/8"]}, "env": {}}}"#;

#[test]
fn terraform_json_reads_as_tf_source_at_the_json_lines() {
    let json = folder(
        "tfjson",
        &[
            ("main.tf.json", MAIN_TF_JSON),
            ("variables.tf.json", VARIABLES_TF_JSON),
            (
                "terraform.tfvars.json",
                r#"{"admin_cidrs": ["0.0.0.0/0"], "env": "prod"}"#,
            ),
        ],
    );
    let tf = folder(
        "tfnative",
        &[
            ("main.tf", SAME_TF),
            (
                "variables.tf",
                "variable \"admin_cidrs\" {\n  default = [\"10.0.0.0/8\"]\n}\nvariable \"env\" {}\n",
            ),
            (
                "terraform.tfvars",
                "admin_cidrs = [\"0.0.0.0/0\"]\nenv = \"prod\"\n",
            ),
        ],
    );
    let s = ENGINE.check_paths(&[&json]);
    assert!(s.load_errors.is_empty(), "{:?}", s.load_errors);
    let lines: Vec<(String, String, u32)> = findings(&s)
        .into_iter()
        .map(|(r, a, l, _)| (r, a, l))
        .collect();
    let expect = |v: &[(&str, &str, u32)]| -> Vec<(String, String, u32)> {
        v.iter()
            .map(|(r, a, l)| (r.to_string(), a.to_string(), *l))
            .collect()
    };
    // The variable's value from terraform.tfvars.json, at the JSON line that uses it; the
    // single vpc_config object is a nested block, the ingress array a list of blocks.
    assert_eq!(
        lines,
        expect(&[
            ("cloud-api-endpoint-open", "aws_eks_cluster.main", 13),
            (
                "cloud-node-admin-ports-open",
                "aws_security_group.nodes",
                21
            ),
            ("cloud-secrets-encryption", "aws_eks_cluster.main", 8),
        ])
    );
    // The same documents as the native syntax gives (values, not spans).
    let (jd, je) = ENGINE.load_inputs(&[&json]);
    let (td, te) = ENGINE.load_inputs(&[&tf]);
    assert!(je.is_empty() && te.is_empty(), "{je:?} {te:?}");
    let roots = |d: &[fourc::Document]| -> Vec<(String, serde_json::Value)> {
        d.iter()
            .map(|d| {
                (
                    d.id().address.as_deref().unwrap_or_default().to_string(),
                    d.root().value.to_json(),
                )
            })
            .collect()
    };
    let (j, t) = (roots(&jd), roots(&td));
    assert_eq!(j.len(), 2, "{j:?}");
    assert_eq!(j, t);
    // The unknown role ARN is the unknown marker in both.
    assert!(j[0].1["role_arn"].get("$unknown").is_some(), "{j:?}");
    let _ = std::fs::remove_dir_all(&json);
    let _ = std::fs::remove_dir_all(&tf);
}

#[test]
fn malformed_terraform_json_is_an_error_at_its_line() {
    let dir = folder(
        "tfjson-bad",
        &[
            (
                "bad.tf.json",
                "{\n  \"resource\": {\n    \"aws_eks_cluster\": {,}\n  }\n}\n",
            ),
            (
                "good.tf.json",
                r#"{"resource": {"aws_eks_cluster": {"ok": {}}}}"#,
            ),
            (
                "calls.tf.json",
                r#"{"module": {"eks": {"source": "./eks"}}}"#,
            ),
        ],
    );
    let s = ENGINE.check_paths(&[&dir]);
    assert_eq!(s.load_errors.len(), 1, "{:?}", s.load_errors);
    assert!(s.load_errors[0].source_name().ends_with("bad.tf.json"));
    assert_eq!(s.load_errors[0].line(), 3, "{}", s.load_errors[0]);
    // The other file is still scanned; a JSON module call is said to be not followed.
    assert!(findings(&s).iter().any(|f| f.1 == "aws_eks_cluster.ok"));
    assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
    assert!(
        s.skipped[0].reason.contains("not followed"),
        "{:?}",
        s.skipped
    );
    let _ = std::fs::remove_dir_all(&dir);
}
