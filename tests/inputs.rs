//! Input formats through the command: recognition by name and content, AdmissionReview
//! unwrapping, inputs no format recognises reported as skipped, and `--input-format`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::process::{Command, Output};

fn fourc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check", "--no-config", "--format", "json"];
    all.extend(args);
    let o = fourc(&all);
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn admission_review_is_judged_as_the_object_it_asks_about() {
    let out = json(&[
        "--enable-rule",
        "pss-baseline-privileged",
        "tests/data/formats/admission-review.json",
    ]);
    let findings = out["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{out:#}");
    let f = &findings[0];
    assert_eq!(f["rule_id"], "pss-baseline-privileged");
    // `"privileged": true` of `request.object`, at its own line of the review.
    assert_eq!(f["location"]["line"], 17);
    assert_eq!(f["location"]["column"], 33);
    assert_eq!(f["path"], "spec.containers[0].securityContext.privileged");
    // The object names no namespace: it takes the request's, as the API server does.
    assert_eq!(f["resource"]["kind"], "Pod");
    assert_eq!(f["resource"]["namespace"], "shop");
    assert_eq!(f["resource"]["format"], "kubernetes");
}

#[test]
fn files_no_format_recognises_are_reported_as_skipped() {
    let out = json(&[
        "--enable-rule",
        "pss-baseline-privileged",
        "tests/data/formats",
        "tests/data/formats/NOTES.txt",
    ]);
    let skipped: Vec<&str> = out["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    // The plan is read by the Terraform plan format (it plans nothing); the notes were named on
    // the command line. Files of a folder that no format claims by name (`NOTES.txt` found in
    // the folder) are not candidates at all.
    assert_eq!(skipped, ["tests/data/formats/NOTES.txt"]);
    assert_eq!(out["summary"]["skipped"], 1);
    assert!(
        out["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("no input format recognises")
    );
    // The review in the same folder is still scanned.
    assert_eq!(out["findings"].as_array().unwrap().len(), 1);

    let text = fourc(&[
        "check",
        "--no-config",
        "--enable-rule",
        "pss-baseline-privileged",
        "tests/data/formats",
        "tests/data/formats/NOTES.txt",
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("tests/data/formats/NOTES.txt: skipped: no input format recognises"),
        "{text}"
    );
    assert!(
        text.contains("inputs     1 file, 1 document; 1 skipped"),
        "{text}"
    );
}

#[test]
fn input_format_forces_a_format_and_an_unknown_one_is_a_usage_error() {
    // Read as Kubernetes, the plan is a document of no kind: no rule applies, nothing skipped.
    let out = json(&[
        "--input-format",
        "kubernetes",
        "tests/data/formats/terraform-plan.json",
    ]);
    assert_eq!(out["summary"]["skipped"], 0);
    assert_eq!(out["summary"]["documents"], 1);

    let o = fourc(&[
        "check",
        "--input-format",
        "hcl",
        "tests/data/formats/terraform-plan.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unknown input format `hcl`"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn an_unrendered_helm_template_is_reported_as_one() {
    let out = json(&["tests/data/templates"]);
    let errors = out["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{out:#}");
    let e = &errors[0];
    assert_eq!(e["file"], "tests/data/templates/deployment.yaml", "{e:#}");
    assert_eq!(e["line"], 1, "{e:#}");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "this looks like a Helm/Go template (`{{ ... }}` at line 1); render it first, e.g. \
             `helm template`"
        ),
        "{message}"
    );
    // The rendered file whose strings hold other tools' templates loads and is evaluated.
    assert_eq!(out["summary"]["documents"], 1, "{out:#}");
}
