//! `fourc test` as rule authors use it: rules that import the standard library's helpers, the
//! language guide's first example, parameters and settings applied to the tested rules, filters,
//! and the JSON and JUnit reports (of rule tests and of `gator verify` suites).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::Path;

mod common;

use common::{fourc, stderr, stdout};

const CAPS: &str = "tests/data/rule-tests/caps";
const FAILING: &str = "tests/data/rule-tests/failing";
const ALLOW_SYS_ADMIN: &str = "tests/data/rule-tests/configs/allow-sys-admin.yaml";

/// The report as JSON, after checking the exit code.
fn json_report(args: &[&str], code: i32) -> serde_json::Value {
    let mut all = vec!["test", "--format", "json"];
    all.extend(args);
    let o = fourc(&all);
    assert_eq!(o.status.code(), Some(code), "{}{}", stdout(&o), stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

/// `(rule, name, status)` of every test of a JSON report.
fn statuses(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["rule"].as_str().unwrap_or_default().to_string(),
                t["name"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_rule_importing_the_standard_library_helpers_is_tested() {
    let o = fourc(&["test", CAPS]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("rule tests: 5 passed, 0 failed"), "{out}");
    assert!(
        out.contains(
            "ok   team-caps deny (1 finding) at tests/data/rule-tests/caps/caps.fourc:35:3"
        ),
        "{out}"
    );
    // Only the tests of the named folder run, not the standard library's.
    assert!(!out.contains("stdlib/"), "{out}");
    assert!(!stderr(&o).contains("unknown module"), "{}", stderr(&o));
    // A single rule file is tested the same way.
    let o = fourc(&["test", &format!("{CAPS}/caps.fourc")]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("rule tests: 5 passed, 0 failed"));
}

/// The first ```` ```fourc ```` block of docs/language.md, with the fixture it names, passes
/// its own tests.
#[test]
fn the_language_guide_first_example_passes_its_tests() {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md"))
            .unwrap();
    let example = guide
        .split("```fourc\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .unwrap();
    assert!(example.contains("import lib.k8s as k8s"), "{example}");
    assert!(example.contains("\ntest "), "the example has tests");
    let dir = common::scratch("rule_tests", "language-guide");
    std::fs::write(dir.join("example.fourc"), example).unwrap();
    std::fs::create_dir_all(dir.join("fixtures")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(CAPS)
            .join("fixtures/plain-pod.yaml"),
        dir.join("fixtures/plain-pod.yaml"),
    )
    .unwrap();
    let o = fourc(&["test", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("rule tests: 2 passed, 0 failed"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_param_changes_a_verdict() {
    let o = fourc(&[
        "test",
        CAPS,
        "--param",
        "team_allowed_caps=[SYS_ADMIN, NET_BIND_SERVICE]",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("FAIL team-caps deny (0 findings)"), "{out}");
    assert!(out.contains("expected deny, found 0 findings"), "{out}");
    assert!(out.contains("rule tests: 4 passed, 1 failed"), "{out}");
    // A parameter the rules do not declare is a usage error.
    let o = fourc(&["test", CAPS, "--param", "team_allowed_capz=[]"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// The settings file's parameters apply, and its `rules.dirs` naming the tested folder does not
/// compile that folder twice.
#[test]
fn the_settings_file_applies_to_the_tested_rules() {
    for args in [
        vec!["test", CAPS, "--config", ALLOW_SYS_ADMIN],
        // Without paths: the tests of the settings' rule folders, not the standard library's.
        vec!["test", "--config", ALLOW_SYS_ADMIN],
    ] {
        let o = fourc(&args);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{args:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        let out = stdout(&o);
        assert!(out.contains("FAIL team-caps deny (0 findings)"), "{out}");
        assert!(out.contains("rule tests: 4 passed, 1 failed"), "{out}");
        assert!(!out.contains("stdlib/"), "{out}");
    }
    // `--rules` folders are tested too when no path is given.
    let o = fourc(&["test", "--rules", CAPS]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("rule tests: 5 passed, 0 failed"));
}

#[test]
fn tests_of_rules_the_settings_leave_out_are_skipped() {
    let report = json_report(&[CAPS, "--disable-rule", "team-caps"], 0);
    let s = statuses(&report);
    assert_eq!(s.len(), 5, "{s:?}");
    for (rule, _, status) in &s {
        let want = if rule == "team-caps" { "skip" } else { "pass" };
        assert_eq!(status, want, "{s:?}");
    }
    assert_eq!(report["summary"]["skipped"], 3);
}

#[test]
fn filters_select_tests_by_rule_and_by_name() {
    let s = statuses(&json_report(&[CAPS, "--rule", "team-no-latest"], 0));
    assert_eq!(
        s,
        vec![
            (
                "team-no-latest".to_string(),
                "deny inline (line 47)".to_string(),
                "pass".to_string()
            ),
            (
                "team-no-latest".to_string(),
                "allow fixtures/plain-pod.yaml".to_string(),
                "pass".to_string()
            ),
        ]
    );
    // A substring of `RULE-ID NAME`.
    let s = statuses(&json_report(&[CAPS, "--run", "bind-pod"], 0));
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].1, "allow fixtures/bind-pod.yaml");
    // A glob over `RULE-ID NAME`.
    let s = statuses(&json_report(&[CAPS, "--run", "team-caps allow *"], 0));
    assert_eq!(s.len(), 2, "{s:?}");
    assert!(
        s.iter()
            .all(|(r, n, _)| r == "team-caps" && n.starts_with("allow "))
    );
    // `--rule` and `--run` together: both must hold.
    let s = statuses(&json_report(
        &[CAPS, "--rule", "team-caps", "--run", "plain-pod"],
        0,
    ));
    assert_eq!(s.len(), 1, "{s:?}");
    // The standard library's tests filter the same way.
    let s = statuses(&json_report(&["--rule", "pss-baseline-privileged"], 0));
    assert!(!s.is_empty());
    assert!(
        s.iter().all(|(r, _, _)| r == "pss-baseline-privileged"),
        "{s:?}"
    );
}

#[test]
fn a_filter_that_selects_nothing_is_an_error() {
    let o = fourc(&["test", CAPS, "--rule", "team-cap"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("no test of rule `team-cap` to run"), "{err}");
    assert!(err.contains("team-caps"), "suggests the close id: {err}");
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let o = fourc(&["test", CAPS, "--run", "no-such-test"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no test matches `--run no-such-test`"),
        "{}",
        stderr(&o)
    );
    let o = fourc(&["test", CAPS, "--run", "[unclosed"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a valid glob"), "{}", stderr(&o));
}

#[test]
fn a_failing_test_exits_1_and_shows_the_failure() {
    let o = fourc(&["test", FAILING]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "FAIL team-replicas deny (0 findings) at tests/data/rule-tests/failing/wrong.fourc:14:3"
        ),
        "{out}"
    );
    assert!(
        out.contains("       expected deny, found 0 findings"),
        "{out}"
    );
    assert!(out.contains("rule tests: 0 passed, 1 failed"), "{out}");
}

#[test]
fn json_report_has_each_test_and_the_totals() {
    let report = json_report(&[CAPS, FAILING], 1);
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "fourc");
    let tests = report["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 6);
    let failed: Vec<&serde_json::Value> = tests.iter().filter(|t| t["status"] == "fail").collect();
    assert_eq!(failed.len(), 1);
    let f = failed[0];
    assert_eq!(f["kind"], "rule");
    assert_eq!(f["rule"], "team-replicas");
    assert_eq!(f["name"], "deny inline (line 14)");
    assert_eq!(f["file"], "tests/data/rule-tests/failing/wrong.fourc");
    assert_eq!(f["line"], 14);
    assert_eq!(
        f["location"],
        "tests/data/rule-tests/failing/wrong.fourc:14:3"
    );
    assert_eq!(f["expected"], "deny");
    assert_eq!(f["findings"], 0);
    assert_eq!(f["detail"][0], "expected deny, found 0 findings");
    let file_case = tests
        .iter()
        .find(|t| t["name"] == "allow fixtures/bind-pod.yaml")
        .unwrap();
    assert_eq!(file_case["status"], "pass");
    assert_eq!(file_case["line"], 43);
    assert_eq!(
        report["summary"],
        serde_json::json!({"total": 6, "passed": 5, "failed": 1, "skipped": 0})
    );
}

#[test]
fn junit_report_is_well_formed_with_a_suite_per_rule_file() {
    let dir = common::scratch("rule_tests", "junit");
    let xml_path = dir.join("tests.xml");
    let o = fourc(&[
        "test",
        CAPS,
        FAILING,
        "--format",
        &format!("text,junit={}", xml_path.display()),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // The text report still goes to standard output.
    assert!(stdout(&o).contains("rule tests: 5 passed, 1 failed"));
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    let elements = xml_elements(&xml);
    let count = |name: &str| elements.iter().filter(|(n, _)| n == name).count();
    assert_eq!(count("testsuites"), 1);
    assert_eq!(count("testsuite"), 2, "{xml}");
    assert_eq!(count("testcase"), 6, "{xml}");
    assert_eq!(count("failure"), 1, "{xml}");
    let root = &elements[0].1;
    assert_eq!(attr(root, "tests"), "6");
    assert_eq!(attr(root, "failures"), "1");
    let suites: Vec<&String> = elements
        .iter()
        .filter(|(n, _)| n == "testsuite")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        attr(suites[0], "name"),
        "tests/data/rule-tests/caps/caps.fourc"
    );
    assert_eq!(
        attr(suites[1], "name"),
        "tests/data/rule-tests/failing/wrong.fourc"
    );
    assert_eq!(attr(suites[1], "failures"), "1");
    let failure = &elements.iter().find(|(n, _)| n == "failure").unwrap().1;
    assert_eq!(attr(failure, "message"), "expected deny, found 0 findings");
    let case = &elements
        .iter()
        .find(|(n, a)| n == "testcase" && attr(a, "name") == "allow fixtures/bind-pod.yaml")
        .unwrap()
        .1;
    assert_eq!(attr(case, "classname"), "team-caps");
    assert_eq!(attr(case, "line"), "43");
}

#[test]
fn report_formats_are_checked_before_anything_runs() {
    let o = fourc(&["test", CAPS, "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown format `sarif`"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
    let o = fourc(&["test", CAPS, "--format", "json,junit"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("standard output"), "{}", stderr(&o));
}

#[cfg(feature = "rego")]
#[test]
fn gator_suites_have_the_same_reports() {
    const SUITE: &str = "tests/data/gatekeeper/library/general/uniqueingresshost/suite.yaml";
    let report = json_report(&[SUITE], 0);
    let tests = report["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 3);
    let t = &tests[1];
    assert_eq!(t["kind"], "gatekeeper");
    assert_eq!(t["rule"], "k8suniqueingresshost.unique-ingress-host");
    assert_eq!(
        t["name"],
        format!("{SUITE} / unique-ingress-host / example-disallowed")
    );
    assert_eq!(t["file"], SUITE);
    assert_eq!(t["line"], 14);
    assert_eq!(t["status"], "pass");
    assert_eq!(t["findings"], 1);
    assert_eq!(report["summary"]["passed"], 3);
    // `--run` selects cases by name; JUnit has one suite per suite file.
    let o = fourc(&["test", SUITE, "--run", "disallowed2", "--format", "junit"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let xml = stdout(&o);
    let elements = xml_elements(&xml);
    let cases: Vec<&String> = elements
        .iter()
        .filter(|(n, _)| n == "testcase")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(cases.len(), 1, "{xml}");
    assert_eq!(
        attr(cases[0], "classname"),
        "k8suniqueingresshost.unique-ingress-host"
    );
    let suite = &elements.iter().find(|(n, _)| n == "testsuite").unwrap().1;
    assert_eq!(attr(suite, "name"), SUITE);
}

/// The elements of an XML document, in document order, as (name, attribute text), after
/// checking that it is well formed: one root, every tag closed in order, attributes quoted,
/// entities known, no markup characters in text.
fn xml_elements(xml: &str) -> Vec<(String, String)> {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("an XML declaration");
    let mut out = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt]);
        let gt = rest[lt..].find('>').expect("an unclosed tag") + lt;
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "mismatched </{name}>");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
            "bad element name {name:?}"
        );
        check_attributes(attrs);
        if open.is_empty() {
            roots += 1;
        }
        out.push((name.to_string(), attrs.to_string()));
        if !self_closing {
            open.push(name.to_string());
        }
    }
    check_text(rest);
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    assert_eq!(roots, 1, "one root element");
    out
}

fn check_text(text: &str) {
    assert!(!text.contains('>'), "a bare `>` in text: {text:?}");
    check_entities(text);
}

fn check_entities(text: &str) {
    for (i, _) in text.match_indices('&') {
        let entity = &text[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| entity.starts_with(e)),
            "an unknown entity at {entity:?}"
        );
    }
}

/// `name="value"` pairs separated by spaces, values without `<` or a bare `"`.
fn check_attributes(attrs: &str) {
    let mut rest = attrs.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once("=\"")
            .expect("an attribute without a value");
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "bad attribute name {name:?}"
        );
        let end = after.find('"').expect("an unterminated attribute value");
        let value = &after[..end];
        assert!(!value.contains('<'), "`<` in an attribute: {value:?}");
        check_entities(value);
        rest = after[end + 1..].trim_start();
    }
}

/// The unescaped value of an attribute of an element's attribute text.
fn attr(attrs: &str, name: &str) -> String {
    let key = format!("{name}=\"");
    let start = attrs
        .match_indices(&key)
        .find(|(i, _)| *i == 0 || attrs.as_bytes()[i - 1] == b' ')
        .map(|(i, _)| i + key.len())
        .unwrap_or_else(|| panic!("no `{name}` in {attrs:?}"));
    let value = &attrs[start..start + attrs[start..].find('"').unwrap()];
    value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
