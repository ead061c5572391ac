//! A remediation that interpolates a parameter reads with the value the settings give, in
//! `fourc rules show` and in the reports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::process::{Command, Output};

const RULES: [&str; 4] = [
    "--no-stdlib",
    "--rules",
    "tests/data/remediation",
    "--no-config",
];

fn fourc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn remediation_line(args: &[&str]) -> String {
    let mut all = vec!["rules", "show", "rem-replicas"];
    all.extend(RULES);
    all.extend(args);
    let o = fourc(&all);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    out.lines()
        .find(|l| l.trim_start().starts_with("remediation"))
        .unwrap_or_else(|| panic!("no remediation line:\n{out}"))
        .trim()
        .to_string()
}

#[test]
fn rules_show_interpolates_the_parameter_as_set() {
    assert_eq!(
        remediation_line(&[]),
        "remediation  Lower spec.replicas to 5 or fewer."
    );
    assert_eq!(
        remediation_line(&["--param", "max_replicas=7"]),
        "remediation  Lower spec.replicas to 7 or fewer."
    );
}

#[test]
fn findings_carry_the_interpolated_remediation() {
    let mut args = vec!["check", "--format", "json"];
    args.extend(RULES);
    args.extend([
        "--param",
        "max_replicas=3",
        "tests/data/remediation/deployment.yaml",
    ]);
    let o = fourc(&args);
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let findings = out["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{out:#}");
    assert_eq!(
        findings[0]["remediation"],
        "Lower spec.replicas to 3 or fewer."
    );
}
