//! The Gatekeeper library's `gator verify` suites (`tests/data/gatekeeper/library`, twelve
//! policies) run by `fourc test`, and the regorus 0.14.1 difference from OPA that one of their
//! cases hit before fourc rewrote it (negated calls, `src/rego/compat.rs`).

#![cfg(feature = "rego")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::process::Command;

/// Every case of the twelve suites passes, `users-and-groups-together / example-allowed`
/// among them: `not accept_value(rule, provided_value, params.ranges)` with `params.ranges`
/// undefined fails the rule body in OPA (its compiler binds `params.ranges` before the
/// negation), so there is no violation; regorus 0.14.1 alone would make the call undefined and
/// the negation hold (see `undefined_argument_of_a_negated_call` below).
#[test]
fn the_library_suites_pass() {
    let out = Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(["test", "tests/data/gatekeeper/library"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let cases: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("FAIL "))
        .collect();
    let failed: Vec<&str> = cases
        .iter()
        .copied()
        .filter(|l| l.starts_with("FAIL"))
        .collect();
    assert_eq!(cases.len(), 66, "{stdout}");
    assert!(failed.is_empty(), "{stdout}");
    assert!(
        cases
            .iter()
            .any(|c| c.starts_with("ok ")
                && c.contains("users-and-groups-together / example-allowed")),
        "{stdout}"
    );
    assert!(stdout.contains("gatekeeper: 66/66 cases pass"), "{stdout}");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

#[test]
fn a_single_suite_file_runs_and_passes() {
    let out = Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args([
            "test",
            "tests/data/gatekeeper/library/general/uniqueingresshost/suite.yaml",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("gatekeeper: 3/3 cases pass"), "{stdout}");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

/// A template with `rego` as given, and a Constraint of it on Pods.
fn policy(rego: &str) -> String {
    let body: String = rego.lines().map(|l| format!("        {l}\n")).collect();
    format!(
        "apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata:\n  name: k8sgap\nspec:\n  crd:\n    spec:\n      names:\n        kind: K8sGap\n  targets:\n    - target: admission.k8s.gatekeeper.sh\n      rego: |\n{body}---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sGap\nmetadata:\n  name: gap\nspec:\n  match:\n    kinds:\n      - apiGroups: [\"\"]\n        kinds: [\"Pod\"]\n"
    )
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n";

/// The minimal case, through the backend: a call whose argument for a `_` parameter is
/// undefined. Outside a negation the call is undefined in OPA and regorus alike; under `not`,
/// OPA's compiler binds the argument before the negation, so the body fails (no violation),
/// where regorus alone would make the negation hold. A defined argument that the function does
/// not accept still makes the negation hold.
#[test]
fn undefined_argument_of_a_negated_call() {
    let findings = |body: &str| {
        let rego =
            format!("package k8sgap\nf(\"a\", _)\nviolation[{{\"msg\": \"m\"}}] {{\n  {body}\n}}");
        let engine = fourc::Engine::builder()
            .stdlib(false)
            .rego_source("gap.yaml", &policy(&rego))
            .build()
            .unwrap();
        let scan = engine.check_str("pod.yaml", POD);
        assert!(scan.report.errors.is_empty(), "{:?}", scan.report);
        scan.report.findings.len()
    };
    assert_eq!(findings("not f(\"a\", input.parameters.missing)"), 0);
    assert_eq!(findings("f(\"a\", input.parameters.missing)"), 0);
    assert_eq!(findings("not f(\"b\", input.review.object.kind)"), 1);
    assert_eq!(findings("not f(\"a\", input.review.object.kind)"), 0);
    assert_eq!(findings("f(\"a\", input.review.object.kind)"), 1);
}

/// The other known differences: chained bodies are rewritten (exactly), the rest reported with
/// the file and line and what difference it is.
#[test]
fn known_regorus_differences_are_reported_clearly() {
    // Chained bodies: rewritten as OPA reads them, each body a definition of the rule.
    let chained = policy("package k8sgap\nviolation[{\"msg\": m}] { m := \"a\" } { m := \"b\" }");
    let engine = fourc::Engine::builder()
        .stdlib(false)
        .rego_source("gap.yaml", &chained)
        .build()
        .unwrap();
    let scan = engine.check_str("pod.yaml", POD);
    let mut got: Vec<&str> = scan.report.findings.iter().map(|f| f.message()).collect();
    got.sort_unstable();
    assert_eq!(got, ["a", "b"], "{:?}", scan.report);

    // A line starting with `(`: an evaluation error of that rule and document, with the line.
    let paren = policy(
        "package k8sgap\nx := 1\nviolation[{\"msg\": m}] {\n  a := x\n  (a + 1) == 2\n  m := \"two\"\n}",
    );
    let engine = fourc::Engine::builder()
        .stdlib(false)
        .rego_source("gap.yaml", &paren)
        .build()
        .unwrap();
    let scan = engine.check_str("pod.yaml", POD);
    assert_eq!(scan.report.errors.len(), 1, "{:?}", scan.report);
    let e = &scan.report.errors[0];
    assert_eq!(&*e.rule().id, "k8sgap.gap");
    assert!(
        e.message().contains("Rego line 5 starts with `(`"),
        "{}",
        e.message()
    );

    // `sprintf` with a missing argument: an evaluation error that says so.
    let sprintf =
        policy("package k8sgap\nviolation[{\"msg\": m}] {\n  m := sprintf(\"%v and %v\", [1])\n}");
    let engine = fourc::Engine::builder()
        .stdlib(false)
        .rego_source("gap.yaml", &sprintf)
        .build()
        .unwrap();
    let scan = engine.check_str("pod.yaml", POD);
    assert_eq!(scan.report.errors.len(), 1, "{:?}", scan.report);
    assert!(scan.report.errors[0].message().contains("%!v(MISSING)"));
}
