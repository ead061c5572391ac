//! The bypass suite: one manifest per trick in `tests/bypass/` that once hid a privileged
//! container or `hostNetwork: true` from fourc while kubectl sent it to the API server. Each
//! must be found (exit 1, the rule in the JSON report) or rejected (exit 3, a load error naming
//! file:line), never pass (exit 0).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::Path;
use std::process::{Command, Output};

const PRIVILEGED: &str = "pss-baseline-privileged";
const HOST_NETWORK: &str = "pss-baseline-host-namespaces";

/// What fourc must do with a manifest.
enum Expect {
    /// Exit 1, these rules among the findings (and, for look-alikes, those not).
    Found {
        rules: &'static [&'static str],
        not: &'static [&'static str],
    },
    /// Exit 3, a load error at this line of the file whose message starts so.
    Rejected { line: u32, message: &'static str },
}

use Expect::{Found, Rejected};

const CASES: &[(&str, Expect)] = &[
    (
        "merge-duplicate-merge-keys.yaml",
        Rejected {
            line: 14,
            message: "duplicate key `<<`",
        },
    ),
    (
        "merge-tagged-merge.yaml",
        Found {
            rules: &[PRIVILEGED],
            not: &[],
        },
    ),
    (
        "merge-after-explicit-key.yaml",
        Rejected {
            line: 14,
            message: "ambiguous merge",
        },
    ),
    (
        "merge-host-network.yaml",
        Found {
            rules: &[HOST_NETWORK],
            not: &[],
        },
    ),
    (
        "nested-list.yaml",
        Found {
            rules: &[PRIVILEGED],
            not: &[],
        },
    ),
    (
        "json-nested-list.json",
        Found {
            rules: &[PRIVILEGED],
            not: &[],
        },
    ),
    (
        "pod-list.yaml",
        Found {
            rules: &[HOST_NETWORK],
            not: &[],
        },
    ),
    (
        "items-on-a-pod.yaml",
        Found {
            rules: &[PRIVILEGED],
            not: &[],
        },
    ),
    (
        "yaml11-booleans.yaml",
        Found {
            rules: &[PRIVILEGED, HOST_NETWORK],
            not: &[],
        },
    ),
    (
        "lookalike-keys.yaml",
        Found {
            rules: &[HOST_NETWORK],
            not: &[PRIVILEGED],
        },
    ),
    (
        "old-api-version.yaml",
        Found {
            rules: &[PRIVILEGED],
            not: &[],
        },
    ),
    (
        "json-surrogate-pair.json",
        Found {
            rules: &[PRIVILEGED],
            not: &[],
        },
    ),
    (
        "json-lines.json",
        Found {
            rules: &[HOST_NETWORK],
            not: &[],
        },
    ),
    (
        "tabs.yaml",
        Found {
            rules: &[PRIVILEGED, HOST_NETWORK],
            not: &[],
        },
    ),
];

fn check(file: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(["check", "--format", "json", file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// The rule ids of the findings in a JSON report.
fn rule_ids(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|f| f["rule_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn run(name: &str, expect: &Expect) -> Result<(), String> {
    let file = format!("tests/bypass/{name}");
    let o = check(&file);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let code = o.status.code();
    let fail = |why: String| {
        Err(format!(
            "{name}: {why}\nexit {code:?}\nstdout: {out}\nstderr: {err}"
        ))
    };
    if code == Some(0) {
        return fail("passed silently".to_string());
    }
    let want = match expect {
        Found { .. } => 1,
        Rejected { .. } => 3,
    };
    if code != Some(want) {
        return fail(format!("expected exit {want}"));
    }
    let report: serde_json::Value = match serde_json::from_str(&out) {
        Ok(v) => v,
        Err(e) => return fail(format!("not JSON: {e}")),
    };
    match expect {
        Found { rules, not } => {
            let ids = rule_ids(&report);
            if let Some(r) = rules.iter().find(|r| !ids.iter().any(|i| i == *r)) {
                return fail(format!("no {r} finding in {ids:?}"));
            }
            if let Some(r) = not.iter().find(|r| ids.iter().any(|i| i == *r)) {
                return fail(format!("an unexpected {r} finding in {ids:?}"));
            }
            Ok(())
        }
        Rejected { line, message } => {
            let named = report["errors"].as_array().is_some_and(|errors| {
                errors.iter().any(|e| {
                    e["kind"] == "load"
                        && e["file"] == file.as_str()
                        && e["line"] == *line
                        && e["message"]
                            .as_str()
                            .is_some_and(|m| m.starts_with(message))
                })
            });
            if named {
                Ok(())
            } else {
                fail(format!("no load error `{file}:{line}: {message}...`"))
            }
        }
    }
}

#[test]
fn every_trick_is_found_or_rejected() {
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|(name, expect)| run(name, expect).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_manifest_is_in_the_suite_and_says_its_trick() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bypass");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut listed: Vec<String> = CASES.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(names, listed, "each manifest in tests/bypass needs a case");
    for n in names {
        let text = std::fs::read_to_string(dir.join(&n)).unwrap();
        assert!(
            text.contains("Trick: "),
            "{n} has no header saying its trick"
        );
    }
}
