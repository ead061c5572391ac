//! Terraform modules end to end: a local module is read with its variables bound from the
//! call, its resources are addressed under the module and its findings land on the module's own
//! file and line; a registry module is reported as not followed, once, without failing the scan;
//! a module calling itself is followed once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

mod common;

use std::path::Path;
use std::sync::LazyLock;

use fourc::{Engine, Scan};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::builder().build().unwrap());

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/terraform_modules");

/// `(rule, resource, file name, line)` of every finding of the cloud rules.
fn findings(s: &Scan) -> Vec<(String, String, String, u32)> {
    let mut v: Vec<_> = s
        .report
        .findings
        .iter()
        .filter(|f| f.rule().id.starts_with("cloud-"))
        .map(|f| {
            let file = f.source().name().to_string();
            let rel = file.strip_prefix(DATA).unwrap_or(&file).to_string();
            (
                f.rule().id.to_string(),
                f.resource().to_string(),
                rel,
                f.line(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_local_module_is_read_with_the_calls_arguments() {
    let s = ENGINE.check_paths(&[Path::new(DATA).join("live")]);
    assert!(s.load_errors.is_empty(), "{:?}", s.load_errors);
    // terraform.tfvars opens the caller's variable to the internet; the call passes it to the
    // module, whose own default is private. The finding is at the module's line that uses it.
    assert_eq!(
        findings(&s),
        [
            (
                "cloud-api-endpoint-open".to_string(),
                "module.eks.aws_eks_cluster.main".to_string(),
                "/modules/eks/main.tf".to_string(),
                7
            ),
            (
                "cloud-node-admin-ports-open".to_string(),
                "module.loop.aws_security_group_rule.ssh".to_string(),
                "/modules/loop/main.tf".to_string(),
                10
            ),
        ]
    );
    let doc = s
        .checked
        .iter()
        .find(|c| c.resource.address.as_deref() == Some("module.eks.aws_eks_cluster.main"))
        .unwrap();
    assert_eq!(doc.resource.namespace.as_deref(), Some("module.eks"));
}

#[test]
fn a_registry_module_and_a_cycle_are_skipped_once_and_said_so() {
    let s = ENGINE.check_paths(&[Path::new(DATA).join("live")]);
    let vpc: Vec<_> = s
        .skipped
        .iter()
        .filter(|k| k.reason.contains("module \"vpc\""))
        .collect();
    assert_eq!(vpc.len(), 1, "{:?}", s.skipped);
    assert!(vpc[0].path.ends_with("live/main.tf:7"), "{:?}", vpc[0]);
    assert!(
        vpc[0].reason.contains("terraform-aws-modules/vpc/aws")
            && vpc[0].reason.contains("not checked"),
        "{}",
        vpc[0].reason
    );
    let cycle: Vec<_> = s
        .skipped
        .iter()
        .filter(|k| k.reason.contains("cycle"))
        .collect();
    assert_eq!(cycle.len(), 1, "{:?}", s.skipped);
    assert!(
        cycle[0].path.ends_with("modules/loop/main.tf:1"),
        "{:?}",
        cycle[0]
    );
    assert_eq!(s.skipped.len(), 2, "{:?}", s.skipped);
}

#[test]
fn without_the_callers_value_the_modules_default_applies() {
    // A variable the call does not pass takes the module's own default (private ranges).
    let dir = std::env::temp_dir().join(format!("fourc-tfmod-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("live")).unwrap();
    let modules = Path::new(DATA).join("modules");
    std::fs::write(
        dir.join("live/main.tf"),
        "module \"eks\" {\n  source       = \"../eks\"\n  cluster_name = \"dev\"\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("eks")).unwrap();
    for f in ["main.tf", "variables.tf"] {
        std::fs::copy(modules.join("eks").join(f), dir.join("eks").join(f)).unwrap();
    }
    let s = ENGINE.check_paths(&[dir.join("live")]);
    assert!(findings(&s).is_empty(), "{:?}", findings(&s));
    assert!(s.skipped.is_empty(), "{:?}", s.skipped);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plan_findings_point_at_the_tf_line_beside_the_plan() {
    let s = ENGINE.check_paths(&[Path::new(DATA).join("plan/plan.json")]);
    assert!(s.load_errors.is_empty(), "{:?}", s.load_errors);
    assert!(
        s.report
            .findings
            .iter()
            .all(|f| f.resource().format.as_ref() == "terraform-plan")
    );
    assert_eq!(
        findings(&s),
        [
            // No block for it in the configuration: at the plan's JSON line, as before.
            (
                "cloud-api-endpoint-open".to_string(),
                "aws_eks_cluster.orphan".to_string(),
                "/plan/plan.json".to_string(),
                31
            ),
            // In a local module the configuration calls: at the module's line.
            (
                "cloud-api-endpoint-open".to_string(),
                "module.eks.aws_eks_cluster.main".to_string(),
                "/modules/eks/main.tf".to_string(),
                7
            ),
            // A `count` instance matches its block; the value the source leaves unknown is at
            // the attribute that writes it.
            (
                "cloud-node-admin-ports-open".to_string(),
                "aws_security_group_rule.ssh[0]".to_string(),
                "/plan/main.tf".to_string(),
                7
            ),
        ]
    );
}

#[test]
fn plan_instances_of_modules_with_count_and_for_each_point_at_the_module_lines() {
    let s = ENGINE.check_paths(&[Path::new(DATA).join("plan_instances/plan.json")]);
    assert!(s.load_errors.is_empty(), "{:?}", s.load_errors);
    let got = findings(&s);
    let at = |rule: &str, resource: &str, file: &str, line: u32| {
        (
            rule.to_string(),
            resource.to_string(),
            file.to_string(),
            line,
        )
    };
    // Each instance, at any depth of `count` and `for_each` calls, is read at the block of its
    // module's file: the omitted allowlist at `vpc_config`, the open CIDR at `cidr_blocks`.
    assert_eq!(
        got,
        [
            at(
                "cloud-api-endpoint-open",
                "module.x[0].aws_eks_cluster.this",
                "/modules/team/main.tf",
                6
            ),
            at(
                "cloud-api-endpoint-open",
                "module.z[\"a.b\"].aws_eks_cluster.this",
                "/modules/team/main.tf",
                6
            ),
            at(
                "cloud-node-admin-ports-open",
                "module.x[0].module.y[\"a\"].aws_security_group_rule.ssh[1]",
                "/modules/ports/main.tf",
                7
            ),
            at(
                "cloud-node-admin-ports-open",
                "module.z[\"a.b\"].module.y[\"b\"].aws_security_group_rule.ssh[0]",
                "/modules/ports/main.tf",
                7
            ),
        ]
    );
}

#[test]
fn a_named_var_file_applies_after_the_folders_own() {
    let dir = Path::new(DATA).join("varfile");
    let vars = Path::new(DATA).join("vars");
    // The variable's default is private: nothing to report.
    assert!(findings(&ENGINE.check_paths(&[&dir])).is_empty());
    let engine = Engine::builder()
        .terraform_var_file(vars.join("prod.tfvars"))
        .build()
        .unwrap();
    let s = engine.check_paths(&[&dir]);
    assert!(s.load_errors.is_empty(), "{:?}", s.load_errors);
    assert_eq!(
        findings(&s),
        [(
            "cloud-api-endpoint-open".to_string(),
            "aws_eks_cluster.main".to_string(),
            "/varfile/main.tf".to_string(),
            12
        )]
    );
}

#[test]
fn the_tf_var_file_flag_and_a_broken_var_file() {
    let dir = "tests/data/terraform_modules/varfile";
    let o = common::fourc(&[
        "check",
        dir,
        "--tf-var-file",
        "tests/data/terraform_modules/vars/prod.tfvars",
    ]);
    let out = common::stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("main.tf:12:30") && out.contains("cloud-api-endpoint-open"),
        "{out}"
    );
    // Named inside the scanned folder, it is read once, as the var file.
    let o = common::fourc(&[
        "check",
        "tests/data/terraform_modules",
        "--enable-rule",
        "cloud-api-endpoint-open",
        "--tf-var-file",
        "tests/data/terraform_modules/vars/broken.tfvars",
    ]);
    let out = common::stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert_eq!(out.matches("broken.tfvars:1:17").count(), 1, "{out}");
}

#[test]
fn fourc_yaml_names_var_files_relative_to_itself() {
    let dir = common::scratch("terraform_modules", "config");
    std::fs::create_dir_all(dir.join("tf")).unwrap();
    std::fs::copy(
        Path::new(DATA).join("varfile/main.tf"),
        dir.join("tf/main.tf"),
    )
    .unwrap();
    std::fs::copy(
        Path::new(DATA).join("vars/prod.tfvars"),
        dir.join("prod.tfvars"),
    )
    .unwrap();
    let config = dir.join("fourc.yaml");
    std::fs::write(&config, "terraform:\n  var_files: [prod.tfvars]\n").unwrap();
    let args = |c: &Path| {
        let o = common::fourc(&[
            "check",
            "--config",
            c.to_str().unwrap(),
            dir.join("tf").to_str().unwrap(),
        ]);
        (
            o.status.code(),
            common::stdout(&o),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, out, _) = args(&config);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("cloud-api-endpoint-open"), "{out}");
    std::fs::write(&config, "terraform:\n  var_file: [prod.tfvars]\n").unwrap();
    let (code, _, err) = args(&config);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("fourc.yaml:2:3") && err.contains("var_file"),
        "{err}"
    );
}

#[test]
fn a_module_folder_inside_the_scanned_folder_gives_each_finding_once() {
    let dir = std::env::temp_dir().join(format!("fourc-tfmod-once-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("modules/eks")).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "module \"eks\" {\n  source = \"./modules/eks\"\n  public = true\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("modules/eks/main.tf"),
        "variable \"public\" {\n  default = false\n}\nresource \"aws_eks_cluster\" \"this\" {\n  vpc_config {\n    endpoint_public_access = var.public\n  }\n  encryption_config {\n    resources = [\"secrets\"]\n    provider {\n      key_arn = \"arn:aws:kms:eu-west-1:1:key/k\"\n    }\n  }\n}\n",
    )
    .unwrap();
    let s = ENGINE.check_paths(&[&dir]);
    assert!(s.load_errors.is_empty(), "{:?}", s.load_errors);
    let found: Vec<(String, String, u32)> = findings(&s)
        .into_iter()
        .map(|(r, a, _, l)| (r, a, l))
        .collect();
    // Once, from the call (public = true), at the module's vpc_config block (which omits the
    // allowlist); not a second time unprefixed with the module's default.
    assert_eq!(
        found,
        [(
            "cloud-api-endpoint-open".to_string(),
            "module.eks.aws_eks_cluster.this".to_string(),
            5
        )]
    );
    assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
    assert!(
        s.skipped[0].path.ends_with("modules/eks/main.tf:1"),
        "{:?}",
        s.skipped
    );
    assert!(s.skipped[0].reason.contains("main.tf:1"), "{:?}", s.skipped);
    let _ = std::fs::remove_dir_all(&dir);
}
