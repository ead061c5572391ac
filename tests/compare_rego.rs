//! `fourc check --compare-rego DIR`: the reference Rego checks of `benches/` (with pairing
//! metadata, in `tests/data/compare-rego/`) beside their fourc equivalents
//! (`benches/rules/reference.fourc`) on the generated 1k corpus agree on every document and
//! pair; a Rego rule that judges otherwise is reported per document, in text and JSON.

#![cfg(feature = "rego")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

mod common;
#[path = "../benches/support/corpus.rs"]
#[allow(dead_code, reason = "shared with the benches, which use other parts")]
mod corpus;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh folder holding `files` (name, text).
fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = common::scratch("compare-rego", name);
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

fn compare(fourc_rules: &Path, rego: &Path, input: &Path, format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args([
            "check",
            "--no-config",
            "--no-stdlib",
            "--conftest-all-namespaces",
        ])
        .arg("--rules")
        .arg(fourc_rules)
        .arg("--compare-rego")
        .arg(rego)
        .arg(input)
        .args(["--format", format])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn the_reference_checks_agree_with_their_fourc_equivalents_on_the_1k_corpus() {
    let reference = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/rules/reference.fourc"),
    )
    .unwrap();
    let corpus = corpus::yaml(1000, corpus::SEED_1K);
    let dir = folder(
        "reference",
        &[("reference.fourc", &reference), ("k8s-1000.yaml", &corpus)],
    );
    let rego = Path::new("tests/data/compare-rego");
    let out = compare(&dir, rego, &dir.join("k8s-1000.yaml"), "json");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["documents"], 1000);
    let pairs = v["pairs"].as_array().unwrap();
    let got: Vec<(&str, Vec<&str>, &str)> = pairs
        .iter()
        .map(|p| {
            (
                p["rego"].as_str().unwrap(),
                p["fourc"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap())
                    .collect(),
                p["by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got.len(), 10, "{got:?}");
    assert!(got.contains(&(
        "conftest.k8s.privileged.deny",
        vec!["ref-privileged"],
        "rules"
    )));
    // `image_tag.rego` declares a control, not a rule: the fourc rule of that control is paired.
    assert!(got.contains(&(
        "conftest.k8s.image_tag.deny",
        vec!["ref-image-tag"],
        "controls"
    )));
    assert!(v["unpaired"].as_array().unwrap().is_empty());
    // Every verdict agrees: 10 pairs x 1000 documents.
    assert_eq!(v["agreement"]["agree"], 10_000);
    assert_eq!(v["agreement"]["total"], 10_000);
    for p in pairs {
        assert!(p["disagreements"].as_array().unwrap().is_empty(), "{p}");
    }
    // Not vacuous: the checks fire on many documents.
    let fired: u64 = pairs.iter().map(|p| p["both"].as_u64().unwrap()).sum();
    assert!(
        fired > 400,
        "both sides fire on only {fired} (document, pair) verdicts"
    );
}

const PRIVILEGED: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n    securityContext:\n      privileged: true\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n";

/// A Rego rule said to check what `ref-privileged` checks, but that denies every Pod.
const EVERY_POD: &str = r#"# fourc.dev/rules: ref-privileged
package main
import rego.v1

deny contains msg if {
  input.kind == "Pod"
  msg := sprintf("pod %s", [input.metadata.name])
}
"#;

/// A Rego rule with no pairing metadata.
const UNPAIRED: &str = "package main\nimport rego.v1\n\nwarn contains \"x\" if false\n";

#[test]
fn disagreements_are_reported_per_document_and_pair() {
    let reference = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/rules/reference.fourc"),
    )
    .unwrap();
    let fourc = folder("fourc", &[("reference.fourc", &reference)]);
    let rego = folder(
        "rego",
        &[("pods.rego", EVERY_POD), ("other.rego", UNPAIRED)],
    );
    let input = folder("input", &[("pods.yaml", PRIVILEGED)]);
    let pods = input.join("pods.yaml");

    let out = compare(&fourc, &rego, &pods, "json");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pair = &v["pairs"][0];
    assert_eq!(pair["rego"], "conftest.main.deny");
    assert_eq!(pair["fourc"], serde_json::json!(["ref-privileged"]));
    assert_eq!(pair["both"], 1);
    let d = pair["disagreements"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["doc_index"], 1);
    assert_eq!(d[0]["line"], 12);
    assert_eq!(d[0]["resource"], "Pod/b");
    assert_eq!(d[0]["rego"], serde_json::json!(["pod b"]));
    assert_eq!(d[0]["fourc"], serde_json::json!([]));
    assert_eq!(v["unpaired"], serde_json::json!(["conftest.main.warn"]));
    assert_eq!(v["agreement"]["agree"], 1);
    assert_eq!(v["agreement"]["total"], 2);

    let out = compare(&fourc, &rego, &pods, "text");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "{}:12: Pod/b conftest.main.deny vs ref-privileged: rego only: pod b",
            pods.display()
        )),
        "{text}"
    );
    assert!(text.contains("agreement: 1/2 verdicts (50.00%)"), "{text}");
}

#[test]
fn a_constraint_is_paired_through_its_templates_annotations() {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gatekeeper/library/pod-security-policy/privileged-containers");
    let read = |p: &str| std::fs::read_to_string(lib.join(p)).unwrap();
    let template = read("template.yaml").replacen(
        "  annotations:\n",
        "  annotations:\n    fourc.dev/rules: pss-baseline-privileged\n",
        1,
    );
    let constraint = read("samples/psp-privileged-container/constraint.yaml");
    let rego = folder(
        "gatekeeper",
        &[
            ("template.yaml", &template),
            ("constraint.yaml", &constraint),
        ],
    );
    let input = folder(
        "gatekeeper-input",
        &[
            (
                "disallowed.yaml",
                &read("samples/psp-privileged-container/example_disallowed.yaml"),
            ),
            (
                "allowed.yaml",
                &read("samples/psp-privileged-container/example_allowed.yaml"),
            ),
        ],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(["check", "--no-config", "--compare-rego"])
        .arg(&rego)
        .arg(&input)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["documents"], 2);
    let pair = &v["pairs"][0];
    assert_eq!(
        pair["rego"],
        "k8spspprivilegedcontainer.psp-privileged-container"
    );
    assert_eq!(
        pair["fourc"],
        serde_json::json!(["pss-baseline-privileged"])
    );
    assert_eq!(pair["by"], "rules");
    assert_eq!(
        (pair["both"].as_u64(), pair["neither"].as_u64()),
        (Some(1), Some(1))
    );
}
