//! `fourc check --rules` with a Gatekeeper template and constraint: Rego findings beside the
//! standard library's, at their lines, in text, JSON and SARIF; bad policies exit 2.

#![cfg(feature = "rego")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

const LIB: &str = "tests/data/gatekeeper/library/pod-security-policy/privileged-containers";
const RULE: &str = "k8spspprivilegedcontainer.psp-privileged-container";

/// A fresh folder holding `files` (name, text).
fn rules_dir(name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fourc-rego-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

fn policy() -> PathBuf {
    let read = |p: &str| std::fs::read_to_string(format!("{LIB}/{p}")).unwrap();
    rules_dir(
        "policy",
        &[
            ("template.yaml", read("template.yaml")),
            (
                "constraint.yaml",
                read("samples/psp-privileged-container/constraint.yaml"),
            ),
        ],
    )
}

fn check(rules: &PathBuf, format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(["check", "--no-config", "--compact", "--rules"])
        .arg(rules)
        .args([
            &format!("{LIB}/samples/psp-privileged-container/example_disallowed.yaml"),
            "--format",
            format,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn gatekeeper_findings_sit_beside_the_standard_librarys() {
    let rules = policy();
    // One line per finding: `file:line:col: severity [rule] message`.
    let text = check(&rules, "text");
    let out = String::from_utf8_lossy(&text.stdout);
    assert_eq!(text.status.code(), Some(1), "{out}");
    // The init container's violation names it (found once in the object), and `privileged`
    // is found once within it: line 17.
    assert!(
        out.contains(&format!(
            "example_disallowed.yaml:17:7: high [{RULE}] Privileged container is not allowed: nginx-init"
        )),
        "{out}"
    );
    // The container `nginx` is named three times: the object's first line, not a guess.
    assert!(
        out.contains(&format!("example_disallowed.yaml:1:1: high [{RULE}]")),
        "{out}"
    );
    // The standard library's privileged-container finding is there too.
    assert!(out.contains("privileged"), "{out}");
    let stdlib_findings = out
        .lines()
        .filter(|l| l.contains("example_disallowed.yaml:") && !l.contains(RULE))
        .count();
    assert!(stdlib_findings > 0, "{out}");

    let json = check(&rules, "json");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let ours: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == RULE)
        .collect();
    assert_eq!(ours.len(), 2);
    assert_eq!(ours[0]["severity"], "high");
    assert_eq!(ours[0]["title"], "Privileged Container");
    assert!(v["findings"].as_array().unwrap().len() > 2);

    let sarif = check(&rules, "sarif");
    let s: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = s["runs"][0]["results"].as_array().unwrap();
    let lines: Vec<u64> = results
        .iter()
        .filter(|r| r["ruleId"] == RULE)
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(lines, [1, 17]);
    let _ = std::fs::remove_dir_all(rules);
}

#[test]
fn a_template_that_does_not_compile_exits_2_naming_the_file_and_line() {
    let template = std::fs::read_to_string(format!("{LIB}/template.yaml"))
        .unwrap()
        .replace("violation[{\"msg\": msg", "violation[{\"msg\": msg ((");
    let rules = rules_dir("bad", &[("template.yaml", template)]);
    let out = check(&rules, "text");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("template.yaml:"), "{err}");
    assert!(
        err.contains("the Rego of template K8sPSPPrivilegedContainer does not compile"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(rules);

    let constraint =
        "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNothing\nmetadata:\n  name: x\n";
    let rules = rules_dir("orphan", &[("c.yaml", constraint.to_string())]);
    let out = check(&rules, "text");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("c.yaml:1:"), "{err}");
    assert!(err.contains("no ConstraintTemplate defines"), "{err}");
    let _ = std::fs::remove_dir_all(rules);
}

const CONFTEST_V0: &str = r#"package main

deny[msg] {
  input.kind == "Deployment"
  input.spec.replicas < 2
  msg := sprintf("replicas is %v", [input.spec.replicas])
}
"#;

const CONFTEST_V1: &str = r#"package labels
import rego.v1

warn contains {"msg": "no app label", "details": {"path": "metadata.labels"}} if {
  not input.metadata.labels.app
}
"#;

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    team: a\nspec:\n  replicas: 1\n";

#[test]
fn a_conftest_policy_folder_reports_beside_the_rest() {
    let rules = rules_dir(
        "conftest",
        &[
            ("main.rego", CONFTEST_V0.to_string()),
            ("labels.rego", CONFTEST_V1.to_string()),
            ("deploy.yaml", DEPLOYMENT.to_string()),
        ],
    );
    let findings = |extra: &[&str], config: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fourc"));
        cmd.args(["check", "--no-stdlib", "--rules"]).arg(&rules);
        match config {
            Some(c) => {
                let file = rules.join("fourc.yaml");
                std::fs::write(&file, c).unwrap();
                cmd.arg("--config").arg(file);
            }
            None => {
                cmd.arg("--no-config");
            }
        }
        let out = cmd
            .arg(rules.join("deploy.yaml"))
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                    f["location"]["line"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<(String, String, u64)>>()
    };
    let labels = ("conftest.labels.warn".to_string(), "medium".to_string(), 5);
    let main = ("conftest.main.deny".to_string(), "high".to_string(), 8);
    // conftest's default: package `main` only.
    assert_eq!(findings(&[], None), std::slice::from_ref(&main));
    // `details.path` gives the line; the message's `replicas` the other.
    assert_eq!(
        findings(&["--conftest-all-namespaces"], None),
        [labels.clone(), main.clone()]
    );
    assert_eq!(
        findings(&["--conftest-namespace", "labels"], None),
        std::slice::from_ref(&labels)
    );
    let all = "rego:\n  conftest:\n    all_namespaces: true\n";
    assert_eq!(findings(&[], Some(all)), [labels.clone(), main.clone()]);
    let both = "rego:\n  conftest:\n    namespaces: [main, labels]\n";
    assert_eq!(findings(&[], Some(both)), [labels.clone(), main.clone()]);
    // A flag replaces the file's list.
    assert_eq!(
        findings(&["--conftest-namespace", "main"], Some(both)),
        [main]
    );
    let _ = std::fs::remove_dir_all(&rules);

    let rules = rules_dir(
        "conftest-bad",
        &[("bad.rego", "package x\ndeny[msg] {".to_string())],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(["check", "--no-config", "--rules"])
        .arg(&rules)
        .arg(&rules)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.rego"), "{err}");
    let _ = std::fs::remove_dir_all(&rules);
}

#[test]
fn parameters_that_do_not_fit_the_schema_exit_2_at_their_line() {
    let template = std::fs::read_to_string(
        "tests/data/gatekeeper/library/general/requiredlabels/template.yaml",
    )
    .unwrap();
    let constraint = "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sRequiredLabels\nmetadata:\n  name: owner\nspec:\n  parameters:\n    labels:\n      - key: owner\n      - key: 7\n";
    let rules = rules_dir(
        "schema",
        &[
            ("template.yaml", template),
            ("constraint.yaml", constraint.to_string()),
        ],
    );
    let out = check(&rules, "text");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("constraint.yaml:9:"), "{err}");
    assert!(
        err.contains("`spec.parameters.labels[1].key` must be string, found an integer"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(rules);
}

/// In a scan, every document is in `data.inventory`: two Ingresses of one host conflict.
#[test]
fn scanned_documents_form_the_inventory() {
    let dir = "tests/data/gatekeeper/library/general/uniqueingresshost";
    let read = |p: &str| std::fs::read_to_string(format!("{dir}/{p}")).unwrap();
    let rules = rules_dir(
        "inventory",
        &[
            ("template.yaml", read("template.yaml")),
            (
                "constraint.yaml",
                read("samples/unique-ingress-host/constraint.yaml"),
            ),
        ],
    );
    let ingress = |name: &str, ns: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  rules:\n  - host: shop.example.com\n"
        )
    };
    let engine = fourc::Engine::builder()
        .stdlib(false)
        .rules_dir(&rules)
        .build()
        .unwrap();
    let two = format!("{}---\n{}", ingress("a", "one"), ingress("b", "two"));
    let scan = engine.check_str("ingresses.yaml", &two);
    let got: Vec<(u32, &str)> = scan
        .report
        .findings
        .iter()
        .map(|f| (f.line(), f.message()))
        .collect();
    assert_eq!(
        got,
        [
            (
                8,
                "ingress host conflicts with an existing ingress <shop.example.com>"
            ),
            (
                17,
                "ingress host conflicts with an existing ingress <shop.example.com>"
            ),
        ]
    );
    // Alone, an Ingress conflicts with nothing (it is not compared with itself).
    let scan = engine.check_str("one.yaml", &ingress("a", "one"));
    assert!(scan.report.findings.is_empty(), "{:?}", scan.report);
    let _ = std::fs::remove_dir_all(rules);
}

#[test]
fn two_constraints_of_one_kind_and_name_are_refused() {
    let dir = "tests/data/gatekeeper/library/general/containerlimits";
    let read = |p: &str| std::fs::read_to_string(format!("{dir}/{p}")).unwrap();
    let constraint = read("samples/container-must-have-limits/constraint.yaml");
    let rules = rules_dir(
        "twice",
        &[
            ("template.yaml", read("template.yaml")),
            ("a.yaml", constraint.clone()),
            ("b.yaml", constraint),
        ],
    );
    let out = check(&rules, "text");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "b.yaml:1: a second Constraint `k8scontainerlimits.container-must-have-limits`"
        ),
        "{err}"
    );
    assert!(err.contains("a.yaml:1"), "{err}");
    let _ = std::fs::remove_dir_all(rules);
}
