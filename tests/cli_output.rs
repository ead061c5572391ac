//! The reports fourc writes for CI systems and people: text, JSON, SARIF and JUnit renderings,
//! `fourc.yaml` settings and their errors, waivers (config and inline, expired and stale),
//! `--fail-on`, `fourc rules` and `fourc explain`.
//!
//! Snapshots use the small rule set of `tests/data/cli_output/rules`, not the standard library,
//! which grows; a few tests assert over the standard library instead.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

mod common;

const RULES: [&str; 4] = [
    "--no-stdlib",
    "--rules",
    "tests/data/cli_output/rules",
    "--no-config",
];
const DATA: &str = "tests/data/cli_output";
/// A fixed "today" for waiver expiry.
const TODAY: &str = "2026-01-15";

fn run(args: &[&str], today: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("FOURC_TODAY", today)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn fourc(args: &[&str]) -> Output {
    run(args, TODAY)
}

/// `fourc check` over the test rules, without any `fourc.yaml`.
fn check(extra: &[&str]) -> Output {
    let mut args = vec!["check"];
    args.extend(RULES);
    args.extend(extra);
    fourc(&args)
}

/// `fourc check` over the test rules with a config of `tests/data/cli_output/configs`.
fn check_with(config: &str, extra: &[&str]) -> Output {
    let path = format!("{DATA}/configs/{config}.yaml");
    let mut args = vec![
        "check",
        "--no-stdlib",
        "--rules",
        "tests/data/cli_output/rules",
        "--config",
        &path,
    ];
    args.extend(extra);
    fourc(&args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("cli_output", name)
}

// ---- renderings of examples/manifests ---------------------------------------------------------

#[test]
fn text_report_of_the_examples() {
    let o = check(&["examples/manifests"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!("text", stdout(&o));
}

/// The README's main command: every bundled example under the standard library. The report is
/// grouped by file and resource, shows each place once with its findings, says which fields are
/// missing, folds the two Pod Security levels' findings at one place into one line, lists
/// namespace-wide findings under their namespace, and ends with the summary.
#[test]
fn text_report_of_all_bundled_examples_with_the_standard_library() {
    let o = fourc(&["check", "--no-config", "examples"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("also fails pod-security restricted (pss-restricted-volume-types)"),
        "{out}"
    );
    assert!(
        out.contains("  namespace ops (reported at CronJob/ops/backup): "),
        "{out}"
    );
    assert!(
        out.contains("missing: securityContext.runAsNonRoot"),
        "{out}"
    );
    insta::assert_snapshot!("text_stdlib", out);
}

/// `--compact`: one grep-able line per finding, errors first, the same summary.
#[test]
fn compact_text_report() {
    let o = check(&["--compact", "examples/manifests"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("examples/manifests/cronjob.yaml:16:15: medium [out-trusted-registry] container \"prepare\""),
        "{out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("examples/")).count(),
        5,
        "{out}"
    );
    assert!(out.contains("\nsummary\n"), "{out}");
}

#[test]
fn json_report_of_the_examples() {
    let o = check(&["--format", "json", "examples/manifests"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_json_snapshot!("json", json(&o), {".tool.version" => "[version]"});
}

#[test]
fn sarif_report_of_the_examples() {
    let o = check(&["--format", "sarif", "examples/manifests"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_json_snapshot!("sarif", json(&o), {
        ".runs[].tool.driver.version" => "[version]",
        ".runs[].tool.driver.semanticVersion" => "[version]",
    });
}

#[test]
fn junit_report_of_the_examples() {
    let o = check(&["--format", "junit", "examples/manifests"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!("junit", stdout(&o));
}

#[test]
fn text_report_with_waivers_lists_suppressed_findings_and_warnings() {
    let o = check_with(
        "waivers",
        &["--show-suppressed", &format!("{DATA}/manifests")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!("text_waivers", stdout(&o));
}

#[test]
fn sarif_report_with_waivers() {
    let o = check_with(
        "waivers",
        &["--format", "sarif", &format!("{DATA}/manifests")],
    );
    insta::assert_json_snapshot!("sarif_waivers", json(&o), {
        ".runs[].tool.driver.version" => "[version]",
        ".runs[].tool.driver.semanticVersion" => "[version]",
    });
}

// ---- SARIF schema validation ------------------------------------------------------------------

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json").unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, sarif: &Value) {
    let errors: Vec<String> = v
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let v = sarif_validator();
    // The standard library over the examples, as a CI job would run it.
    let o = fourc(&[
        "check",
        "--no-config",
        "examples/manifests",
        "--format",
        "sarif",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let sarif = json(&o);
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    assert_valid(&v, &sarif);
    // Suppressions, waiver notifications and unreadable inputs too.
    let o = check_with(
        "waivers",
        &[
            "--format",
            "sarif",
            &format!("{DATA}/manifests"),
            "no-such-file.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    let sarif = json(&o);
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    assert_valid(&v, &sarif);
}

// ---- related places ---------------------------------------------------------------------------

/// The supply-chain example with the standard library, in `format`.
fn supply_chain(format: &str) -> Output {
    let o = fourc(&[
        "check",
        "--no-config",
        "examples/supply-chain",
        "--format",
        format,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    o
}

#[test]
fn sarif_results_carry_related_locations_and_stay_valid() {
    let sarif = json(&supply_chain("sarif"));
    assert_valid(&sarif_validator(), &sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let related = |rule: &str| {
        let r = results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("no {rule}"));
        r["relatedLocations"].clone()
    };
    // The vulnerability in the image report names the image line of the Deployment running it,
    // written as the main locations are (a URI reference against %SRCROOT%).
    assert_eq!(
        related("image-vulnerability-fixable"),
        serde_json::json!([{
            "id": 0,
            "physicalLocation": {
                "artifactLocation": {"uri": "examples/supply-chain/deployment.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 23, "startColumn": 9, "endLine": 23, "endColumn": 46}
            },
            "message": {"text": "spec.template.spec.containers[0].image of Deployment shop/web"}
        }])
    );
    // The SARIF result's own source file, as the analyser's log names it.
    let sast = related("sast-result");
    assert_eq!(
        sast[0]["physicalLocation"]["artifactLocation"],
        serde_json::json!({"uri": "src/routes/login.js"})
    );
    assert_eq!(sast[0]["physicalLocation"]["region"]["startLine"], 42);
    // Findings without related places have no `relatedLocations`.
    assert!(results.iter().any(|r| r.get("relatedLocations").is_none()));
}

#[test]
fn json_findings_list_related_places_and_text_shows_them() {
    let report = json(&supply_chain("json"));
    let findings = report["findings"].as_array().unwrap();
    let vuln = findings
        .iter()
        .find(|f| f["rule_id"] == "image-vulnerability-fixable")
        .unwrap();
    let rel = &vuln["related"][0];
    assert_eq!(
        rel["location"]["file"],
        "examples/supply-chain/deployment.yaml"
    );
    assert_eq!(rel["location"]["line"], 23);
    assert_eq!(rel["path"], "spec.template.spec.containers[0].image");
    assert_eq!(rel["resource"]["kind"], "Deployment");
    assert_eq!(rel["resource"]["name"], "web");
    let sast = findings
        .iter()
        .find(|f| f["rule_id"] == "sast-result")
        .unwrap();
    assert_eq!(sast["related"][0]["location"]["uri"], "src/routes/login.js");
    assert_eq!(sast["related"][0]["path"], Value::Null);
    // Left out when a finding has none.
    assert!(findings.iter().any(|f| f.get("related").is_none()));

    let text = stdout(&supply_chain("text"));
    assert!(
        text.contains(
            "related: examples/supply-chain/deployment.yaml:23:9 (spec.template.spec.containers[0].image of Deployment shop/web)"
        ),
        "{text}"
    );
    assert!(text.contains("related: src/routes/login.js:42:"), "{text}");
}

#[test]
fn the_schema_check_rejects_invalid_sarif() {
    let v = sarif_validator();
    let o = check(&["--format", "sarif", "examples/manifests"]);
    let good = json(&o);
    assert_valid(&v, &good);
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(
        !v.is_valid(&bad),
        "a level outside the enumeration must fail"
    );
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert!(!v.is_valid(&bad), "line numbers start at 1");
    let mut bad = good;
    bad["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert!(!v.is_valid(&bad), "a driver needs a name");
}

#[test]
fn sarif_fingerprints_ignore_unrelated_line_moves() {
    let dir = scratch("fingerprints");
    let original = std::fs::read_to_string("examples/manifests/deployment.yaml").unwrap();
    let moved = original.replacen(
        "spec:\n",
        "spec:\n  # a comment that moves every line below\n",
        1,
    );
    assert_ne!(original, moved);
    let print = |text: &str| {
        let f = dir.join("deployment.yaml");
        std::fs::write(&f, text).unwrap();
        let o = check(&["--format", "sarif", f.to_str().unwrap()]);
        let v = json(&o);
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["fourc/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64(),
                )
            })
            .collect::<Vec<_>>()
    };
    let (a, b) = (print(&original), print(&moved));
    assert_eq!(a.len(), b.len());
    for ((fa, la), (fb, lb)) in a.iter().zip(&b) {
        assert_eq!(fa, fb);
        assert_ne!(la, lb, "the finding moved down a line");
    }
}

// ---- formats and destinations -----------------------------------------------------------------

#[test]
fn several_formats_in_one_run() {
    let dir = scratch("formats");
    let sarif = dir.join("out.sarif");
    let junit = dir.join("out.xml");
    let spec = format!("sarif={},junit={}", sarif.display(), junit.display());
    let o = check(&["--format", "text", "--format", &spec, "examples/manifests"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("[out-privileged]"), "{}", stdout(&o));
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let x = std::fs::read_to_string(&junit).unwrap();
    assert!(x.starts_with("<?xml") && x.contains("<testsuites"), "{x}");
    // --output names the file of the format that names none.
    let json_out = dir.join("report.json");
    let o = check(&[
        "--format",
        "json",
        "--output",
        json_out.to_str().unwrap(),
        "examples/manifests",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    let j: Value = serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(j["version"], 1);
}

/// As the README's command table says: `--format sarif=FILE` writes SARIF to the file and the
/// text report to the terminal, the same report as a plain run's.
#[test]
fn formats_all_in_files_still_print_the_text_report() {
    let dir = scratch("files_only");
    let sarif = dir.join("out.sarif");
    let junit = dir.join("out.xml");
    let plain = check(&["examples/manifests"]);
    let o = check(&[
        "--format",
        &format!("sarif={}", sarif.display()),
        "examples/manifests",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("[out-privileged]"), "{}", stdout(&o));
    assert_eq!(stdout(&o), stdout(&plain));
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(s["version"], "2.1.0");
    // Several formats, each in its own file: the text report once.
    let spec = format!("sarif={},junit={}", sarif.display(), junit.display());
    let o = check(&["--format", &spec, "examples/manifests"]);
    assert_eq!(stdout(&o), stdout(&plain));
    // Text written to a file is not repeated on standard output.
    let text = dir.join("out.txt");
    let o = check(&[
        "--format",
        &format!("text={},{spec}", text.display()),
        "examples/manifests",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&text).unwrap(), stdout(&plain));
}

#[test]
fn two_formats_on_standard_output_is_a_usage_error() {
    let o = check(&["--format", "text,json", "examples/manifests"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("would both write to standard output"),
        "{}",
        stderr(&o)
    );
    let o = check(&["--format", "yaml", "examples/manifests"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown format `yaml`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = check(&["examples/manifests"]);
    assert!(
        !stdout(&plain).contains('\x1b'),
        "piped output has no colour"
    );
    let forced = check(&["--color", "always", "examples/manifests"]);
    assert!(
        stdout(&forced).contains("\x1b[31mhigh\x1b[0m"),
        "{}",
        stdout(&forced)
    );
}

// ---- --fail-on --------------------------------------------------------------------------------

#[test]
fn fail_on_sets_the_exit_code_threshold() {
    // The examples hold critical (host namespaces), high, medium and info findings.
    let code = |level: &str| {
        check(&["--fail-on", level, "examples/manifests"])
            .status
            .code()
    };
    assert_eq!(code("info"), Some(1));
    assert_eq!(code("critical"), Some(1));
    assert_eq!(code("never"), Some(0));
    // Only medium findings stand once the waivers apply (out-replicas raised to medium).
    let code = |level: &str| {
        check_with(
            "waivers",
            &["--fail-on", level, &format!("{DATA}/manifests")],
        )
        .status
        .code()
    };
    assert_eq!(code("high"), Some(0));
    assert_eq!(code("medium"), Some(1));
    assert_eq!(code("low"), Some(1));
}

// ---- configuration ----------------------------------------------------------------------------

#[test]
fn severity_overrides_flow_into_findings() {
    let sev = |o: &Output| {
        json(o)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "out-replicas")
            .map(|f| f["severity"].as_str().unwrap().to_string())
    };
    let m = format!("{DATA}/manifests");
    assert_eq!(
        sev(&check(&["--format", "json", &m])).as_deref(),
        Some("low")
    );
    assert_eq!(
        sev(&check_with("waivers", &["--format", "json", &m])).as_deref(),
        Some("medium")
    );
    let o = check_with(
        "waivers",
        &[
            "--format",
            "json",
            "--severity",
            "out-replicas=critical",
            &m,
        ],
    );
    assert_eq!(
        sev(&o).as_deref(),
        Some("critical"),
        "flags win over the file"
    );
    let o = check_with("waivers", &["--format", "sarif", &m]);
    let sarif = json(&o);
    let r = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "out-replicas")
        .unwrap();
    assert_eq!(r["level"], "warning");
}

#[test]
fn selection_parameters_and_exclusions_from_the_config() {
    let o = check_with(
        "selection",
        &["--format", "json", &format!("{DATA}/manifests")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    // container.image-signing is disabled, max_replicas is 10 (8 replicas pass), monitoring is
    // excluded (the agent's waived findings are gone, not suppressed).
    assert_eq!(ids, ["out-privileged"], "{v}");
    assert_eq!(v["summary"]["suppressed"], 0);
}

#[test]
fn flags_select_rules_and_set_parameters() {
    let m = format!("{DATA}/manifests");
    let o = check(&[
        "--format",
        "json",
        "--enable-rule",
        "out-replicas",
        "--param",
        "max_replicas=3",
        &m,
    ]);
    let v = json(&o);
    assert_eq!(v["summary"]["findings"], 1, "{v}");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 3")
    );
    let o = check(&["--disable-rule", "no-such-rule", &m]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown rule `no-such-rule`"),
        "{}",
        stderr(&o)
    );
    let o = check(&["--param", "max_replicas=many", &m]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("parameter `max_replicas` expects int, found string"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn exclude_paths_skip_files_in_scanned_folders() {
    let o = check(&[
        "--format",
        "json",
        "--exclude",
        "app.yaml",
        &format!("{DATA}/manifests"),
    ]);
    let v = json(&o);
    assert_eq!(
        v["summary"]["documents"], 2,
        "only unreasoned.yaml is read: {v}"
    );
    let o = check(&[
        "--format",
        "json",
        "--exclude",
        "*.yaml",
        &format!("{DATA}/manifests/app.yaml"),
    ]);
    assert_eq!(
        json(&o)["summary"]["documents"],
        2,
        "a file named on the command line is read"
    );
}

#[test]
fn the_config_is_found_in_the_scanned_folder() {
    let dir = scratch("discovery");
    std::fs::copy(
        "examples/manifests/deployment.yaml",
        dir.join("deployment.yaml"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::copy(
        "tests/data/cli_output/rules/workloads.fourc",
        dir.join("policies/workloads.fourc"),
    )
    .unwrap();
    std::fs::write(
        dir.join("fourc.yaml"),
        "rules:\n  stdlib: false\n  dirs: [policies]\n  disable: [out-trusted-registry]\n",
    )
    .unwrap();
    let o = fourc(&["check", "--format", "json", dir.to_str().unwrap()]);
    let v = json(&o);
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["out-privileged"], "{v}");
    let o = fourc(&["check", "--no-config", "--no-stdlib", dir.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "no rules without the config: {}",
        stdout(&o)
    );
}

/// Each malformed setting: exit 2, the file and line named, nothing scanned.
#[test]
fn bad_configs_name_the_file_and_line_and_scan_nothing() {
    let cases = [
        (
            "unknown-rule",
            "unknown-rule.yaml:2:27",
            "unknown rule `out-privilegd`",
        ),
        (
            "bad-date",
            "bad-date.yaml:4:14",
            "`expires` must be a date as YYYY-MM-DD, found `2026-02-30`",
        ),
        (
            "bad-param",
            "bad-param.yaml:2:3",
            "parameter `max_replicas` expects int, found string",
        ),
        (
            "bad-param",
            "bad-param.yaml:3:3",
            "parameter `trusted_registries` expects [string], found int at item 1",
        ),
        (
            "unknown-param",
            "unknown-param.yaml:2:3",
            "unknown parameter `max_replica`",
        ),
        ("malformed", "malformed.yaml:3:4", "illegal placement"),
        (
            "unknown-key",
            "unknown-key.yaml:2:3",
            "unknown key `disabled` in `rules`",
        ),
        (
            "unknown-key",
            "unknown-key.yaml:4:5",
            "a waiver needs a `reason`",
        ),
        (
            "waiver-unknown-rule",
            "waiver-unknown-rule.yaml:2:11",
            "unknown rule `out-priviledged`",
        ),
    ];
    for (config, at, message) in cases {
        let o = check_with(config, &["examples/manifests"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{config}: {err}");
        assert!(err.contains(at), "{config}: expected `{at}` in\n{err}");
        assert!(
            err.contains(message),
            "{config}: expected `{message}` in\n{err}"
        );
        assert!(err.contains("nothing was scanned"), "{err}");
        assert!(stdout(&o).is_empty(), "{config}: {}", stdout(&o));
    }
    let o = check_with("unknown-rule", &["examples/manifests"]);
    assert!(
        stderr(&o).contains("did you mean `out-privileged`?"),
        "{}",
        stderr(&o)
    );
    let o = fourc(&[
        "check",
        "--config",
        "no-such-config.yaml",
        "examples/manifests",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read `no-such-config.yaml`"),
        "{}",
        stderr(&o)
    );
}

// ---- waivers ----------------------------------------------------------------------------------

fn rule_ids(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_expired_waiver_is_reported_and_its_findings_count_again() {
    let m = format!("{DATA}/manifests");
    let args = [
        "check",
        "--no-stdlib",
        "--rules",
        "tests/data/cli_output/rules",
        "--config",
        "tests/data/cli_output/configs/waivers.yaml",
        "--format",
        "json",
        &m,
    ];
    // On its last day the waiver still applies.
    let o = run(&args, "2024-01-31");
    let v = json(&o);
    assert!(
        rule_ids(&v, "suppressed").contains(&"out-trusted-registry".to_string()),
        "{v}"
    );
    assert!(!rule_ids(&v, "findings").contains(&"out-trusted-registry".to_string()));
    // The day after, it is reported as expired and the finding stands again.
    let o = run(&args, "2024-02-01");
    let v = json(&o);
    assert!(
        rule_ids(&v, "findings").contains(&"out-trusted-registry".to_string()),
        "{v}"
    );
    let expired: Vec<&Value> = v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "expired")
        .collect();
    assert_eq!(expired.len(), 1, "{v}");
    assert_eq!(expired[0]["location"]["line"], 14);
    assert!(
        expired[0]["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2024-01-31")
    );
    let text = stdout(&check_with("waivers", &[&m]));
    assert!(text.contains("waivers.yaml:14:5: warning: waiver for rule `out-trusted-registry` expired on 2024-01-31; the finding it covered counts again"), "{text}");
}

#[test]
fn a_waiver_that_matches_nothing_is_stale() {
    let o = check_with(
        "waivers",
        &["--format", "json", &format!("{DATA}/manifests")],
    );
    let v = json(&o);
    let stale: Vec<&Value> = v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "stale")
        .collect();
    assert_eq!(stale.len(), 1, "{v}");
    assert_eq!(
        stale[0]["location"]["file"],
        "tests/data/cli_output/configs/waivers.yaml"
    );
    assert_eq!(stale[0]["location"]["line"], 19);
    assert!(
        stale[0]["message"]
            .as_str()
            .unwrap()
            .contains("control `code.ports` matches no finding")
    );
}

#[test]
fn config_waivers_suppress_findings_with_their_reason() {
    let o = check_with(
        "waivers",
        &["--format", "json", &format!("{DATA}/manifests")],
    );
    let v = json(&o);
    let s = v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule_id"] == "out-privileged")
        .unwrap();
    assert_eq!(s["suppression"]["kind"], "config");
    assert_eq!(
        s["suppression"]["reason"],
        "the shipper reads host logs until OPS-812 lands"
    );
    assert_eq!(s["suppression"]["owner"], "platform-team");
    assert_eq!(s["suppression"]["expires"], "2030-06-30");
    assert_eq!(v["summary"]["suppressed"], 3);
    // The path prefix matters: a waiver for containers[0] does not cover containers[1].
    let dir = scratch("path-prefix");
    let cfg = dir.join("fourc.yaml");
    std::fs::write(&cfg, "waivers:\n  - rule: out-privileged\n    path: spec.template.spec.containers[0]\n    reason: r\n").unwrap();
    let o = fourc(&[
        "check",
        "--no-stdlib",
        "--rules",
        "tests/data/cli_output/rules",
        "--config",
        cfg.to_str().unwrap(),
        "--format",
        "json",
        &format!("{DATA}/manifests"),
    ]);
    let v = json(&o);
    assert!(
        rule_ids(&v, "findings").contains(&"out-privileged".to_string()),
        "{v}"
    );
}

/// The notices of a JSON report, by kind.
fn notice_kinds(v: &Value) -> Vec<String> {
    v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn inline_waivers_are_off_unless_the_settings_allow_them() {
    let m = format!("{DATA}/manifests");
    // No settings: the annotations waive nothing, and each is reported.
    let o = check(&["--format", "json", &m]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert!(
        rule_ids(&v, "findings").contains(&"out-host-namespaces".to_string()),
        "{v}"
    );
    assert_eq!(v["suppressed"].as_array().unwrap().len(), 0, "{v}");
    let kinds = notice_kinds(&v);
    assert_eq!(
        kinds.iter().filter(|k| *k == "inline-not-allowed").count(),
        3,
        "the three annotated resources: {v}"
    );
    // Allowed only for out-privileged in namespace dev: the monitoring agent's waiver of
    // out-host-namespaces is refused, so its findings stand.
    let o = check_with("inline-narrow", &["--format", "json", &m]);
    let v = json(&o);
    assert!(
        rule_ids(&v, "findings").contains(&"out-host-namespaces".to_string()),
        "{v}"
    );
    let refused: Vec<&str> = v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "inline-not-allowed")
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert!(
        refused
            .iter()
            .any(|m| m.contains("DaemonSet/monitoring/agent")
                && m.contains("only in namespaces dev")),
        "{refused:?}"
    );
}

#[test]
fn inline_waivers_need_a_reason_and_a_known_rule() {
    let o = check_with(
        "inline",
        &["--format", "json", &format!("{DATA}/manifests")],
    );
    let v = json(&o);
    let inline: Vec<&Value> = v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["suppression"]["kind"] == "inline")
        .collect();
    assert_eq!(inline.len(), 2, "hostNetwork and hostPID of the agent: {v}");
    assert_eq!(
        inline[0]["suppression"]["reason"],
        "the agent reads host metrics"
    );
    assert_eq!(inline[0]["suppression"]["location"]["line"], 25);
    let kinds: Vec<&str> = v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["missing-reason", "unknown-rule"], "{v}");
    // SARIF: inSource for annotations, external for the config file.
    let o = check_with(
        "waivers",
        &["--format", "sarif", &format!("{DATA}/manifests")],
    );
    let sarif = json(&o);
    let kinds: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["external", "inSource", "inSource"]);
}

// ---- rules and explain ------------------------------------------------------------------------

#[test]
fn rules_lists_every_control_with_its_coverage() {
    let o = fourc(&[
        "rules",
        "--no-stdlib",
        "--rules",
        "tests/data/cli_output/rules",
        "--no-config",
    ]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("rules", stdout(&o));
    // Over the standard library, every control of the catalogue has a line.
    let o = fourc(&["rules", "--no-config"]);
    let out = stdout(&o);
    for c in fourc::controls::CONTROLS {
        assert!(
            out.lines().any(|l| l.starts_with(c.key)),
            "{} missing:\n{out}",
            c.key
        );
    }
    assert!(out.contains("pss-baseline-privileged"));
    // The Cloud controls by provider: AWS has a rule for every control but etcd access, which
    // AWS runs itself.
    let aws = out
        .lines()
        .find(|l| l.starts_with("AWS "))
        .expect("a row for AWS");
    let cells: Vec<&str> = aws
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        ["AWS", "1 rule", "1 rule", "2 rules", "no knob", "1 rule"],
        "{out}"
    );
}

#[test]
fn rules_show_prints_metadata_parameters_and_source() {
    let o = fourc(&[
        "rules",
        "show",
        "out-replicas",
        "--no-stdlib",
        "--rules",
        "tests/data/cli_output/rules",
        "--no-config",
        "--param",
        "max_replicas=7",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("rules_show", stdout(&o));
    let o = fourc(&[
        "rules",
        "show",
        "out-replica",
        "--no-stdlib",
        "--rules",
        "tests/data/cli_output/rules",
        "--no-config",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown rule `out-replica`"));
}

#[test]
fn explain_shows_the_values_behind_firing_and_silent_documents() {
    let o = fourc(&[
        "explain",
        "out-replicas",
        "--no-stdlib",
        "--rules",
        "tests/data/cli_output/rules",
        "--no-config",
        "examples/manifests",
        "tests/data/cli_output/manifests/app.yaml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    insta::assert_snapshot!("explain_replicas", out);
    // The silent case: 2 replicas, under the bound.
    assert!(
        out.contains("examples/manifests/deployment.yaml:2:1 Deployment/shop/web: silent"),
        "{out}"
    );
    assert!(out.contains("deny d.spec.replicas > max_replicas: false\n    d.spec.replicas = 2\n    max_replicas = 5"), "{out}");
    // The firing case: 8 replicas, and where the finding points.
    assert!(
        out.contains("deny d.spec.replicas > max_replicas: true\n    d.spec.replicas = 8"),
        "{out}"
    );
    assert!(
        out.contains("finding at tests/data/cli_output/manifests/app.yaml:8:3"),
        "{out}"
    );

    let o = fourc(&[
        "explain",
        "out-privileged",
        "--no-stdlib",
        "--rules",
        "tests/data/cli_output/rules",
        "--no-config",
        "tests/data/cli_output/manifests/app.yaml",
    ]);
    insta::assert_snapshot!("explain_privileged", stdout(&o));
    let o = fourc(&["explain", "nope", "--no-config", "examples/manifests"]);
    assert_eq!(o.status.code(), Some(2));
}

// ---- file names and stable anchors ------------------------------------------------------------

/// `fourc check` over the test rules with `args` (file names as the OS has them), run in `dir`.
fn check_in(dir: &std::path::Path, args: &[&std::ffi::OsStr]) -> Output {
    let rules = format!("{}/{DATA}/rules", env!("CARGO_MANIFEST_DIR"));
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(["check", "--no-stdlib", "--rules", &rules, "--no-config"])
        .args(args)
        .current_dir(dir)
        .env("FOURC_TODAY", TODAY)
        .output()
        .unwrap()
}

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n  - name: c\n    image: registry.example.com/c:1\n    securityContext: {privileged: true}\n";

/// The artifact URIs and fingerprints of a SARIF log's results.
fn uris_and_prints(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["partialFingerprints"]["fourc/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// On Unix a backslash is part of a file name: `a\b.yaml` and `a/b.yaml` are two files, and
/// their SARIF URIs (and fingerprints) say so.
#[cfg(unix)]
#[test]
fn sarif_uris_keep_a_backslash_in_a_file_name() {
    let dir = scratch("backslash");
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::write(dir.join("a\\b.yaml"), PRIVILEGED_POD).unwrap();
    std::fs::write(dir.join("a/b.yaml"), PRIVILEGED_POD).unwrap();
    let o = check_in(
        &dir,
        &[
            "--format".as_ref(),
            "sarif".as_ref(),
            "a\\b.yaml".as_ref(),
            "a/b.yaml".as_ref(),
        ],
    );
    let found = uris_and_prints(&json(&o));
    let uris: Vec<&str> = found.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(uris, ["a%5Cb.yaml", "a/b.yaml"], "{}", stdout(&o));
    assert_ne!(found[0].1, found[1].1, "one fingerprint for two files");
}

/// File names that are not UTF-8 reach every report from the OS bytes: SARIF percent-encodes
/// them, JSON adds `file_bytes`, and two names that both show as `\u{fffd}.yaml` stay two files
/// in the text, JUnit and SARIF reports.
#[cfg(unix)]
#[test]
fn file_names_that_are_not_utf8_stay_distinct() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch("not-utf8");
    let (ff, fe) = (
        OsStr::from_bytes(b"\xff.yaml"),
        OsStr::from_bytes(b"\xfe.yaml"),
    );
    std::fs::write(dir.join(ff), PRIVILEGED_POD).unwrap();
    std::fs::write(dir.join(fe), PRIVILEGED_POD).unwrap();
    let with = |format: &str| check_in(&dir, &["--format".as_ref(), format.as_ref(), ff, fe]);

    let found = uris_and_prints(&json(&with("sarif")));
    let uris: Vec<&str> = found.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(uris, ["%FE.yaml", "%FF.yaml"]);
    assert_ne!(found[0].1, found[1].1, "one fingerprint for two files");

    let v = json(&with("json"));
    let mut files: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            (
                l["file"].as_str().unwrap(),
                l["file_bytes"].as_str().unwrap(),
            )
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        [("\u{fffd}.yaml", "%FE.yaml"), ("\u{fffd}.yaml", "%FF.yaml")]
    );

    let text = stdout(&with("text"));
    assert!(text.contains("2 files"), "{text}");
    assert_eq!(text.matches("Pod/shop/p: 1 finding").count(), 2, "{text}");

    let junit = stdout(&with("junit"));
    assert!(junit.contains("failures=\"2\""), "{junit}");
    assert!(!junit.contains("2 findings"), "{junit}");
}

/// `fourc check` over the standard library in `dir`, in `format`.
fn stdlib_check_in(dir: &std::path::Path, format: &str, files: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(["check", "--no-config", "--format", format])
        .args(files)
        .current_dir(dir)
        .env("FOURC_TODAY", TODAY)
        .output()
        .unwrap()
}

const NAMESPACE_WIDE: [&str; 2] = ["netpol-default-deny-ingress", "resources-namespace-quota"];

/// The findings of the rules that report once per namespace, from a JSON report.
fn namespace_wide(v: &Value) -> Vec<Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| NAMESPACE_WIDE.contains(&f["rule_id"].as_str().unwrap()))
        .cloned()
        .collect()
}

/// A finding about a whole namespace sits at a place that does not depend on the order the
/// files were named in: the first workload of the namespace by file and position, or the
/// Namespace object when it is scanned.
#[test]
fn namespace_wide_findings_do_not_move_with_the_argument_order() {
    let dir = scratch("namespace-anchor");
    let deployment = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: app, image: registry.example.com/{name}:1}}]\n"
        )
    };
    std::fs::write(dir.join("a.yaml"), deployment("web")).unwrap();
    std::fs::write(dir.join("b.yaml"), deployment("api")).unwrap();
    std::fs::write(
        dir.join("ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    )
    .unwrap();

    for format in ["json", "sarif"] {
        let ab = stdout(&stdlib_check_in(&dir, format, &["a.yaml", "b.yaml"]));
        let ba = stdout(&stdlib_check_in(&dir, format, &["b.yaml", "a.yaml"]));
        assert_eq!(ab, ba, "the {format} report depends on the argument order");
    }
    let v = json(&stdlib_check_in(&dir, "json", &["b.yaml", "a.yaml"]));
    let found = namespace_wide(&v);
    assert_eq!(found.len(), 2, "{found:?}");
    for f in &found {
        assert_eq!(f["location"]["file"], "a.yaml", "{f}");
        assert_eq!(f["resource"]["name"], "web", "{f}");
        assert_eq!(f["path"], "metadata.namespace", "{f}");
    }
    let sarif = json(&stdlib_check_in(&dir, "sarif", &["b.yaml", "a.yaml"]));
    let prints = |v: &Value| -> Vec<String> {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| NAMESPACE_WIDE.contains(&r["ruleId"].as_str().unwrap()))
            .map(|r| {
                r["partialFingerprints"]["fourc/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(prints(&sarif).len(), 2);

    // With the Namespace object among the inputs, the findings sit on it, in any order.
    for files in [
        ["b.yaml", "ns.yaml", "a.yaml"],
        ["ns.yaml", "a.yaml", "b.yaml"],
    ] {
        let v = json(&stdlib_check_in(&dir, "json", &files));
        let found = namespace_wide(&v);
        assert_eq!(found.len(), 2, "{found:?}");
        for f in &found {
            assert_eq!(f["resource"]["kind"], "Namespace", "{f}");
            assert_eq!(f["location"]["file"], "ns.yaml", "{f}");
        }
    }
}

// ---- settings files of any length -------------------------------------------------------------

/// The standard library's rule ids and control keys, from `fourc rules --format json`.
fn stdlib_ids_and_controls() -> (Vec<String>, Vec<String>) {
    let v = json(&fourc(&["rules", "--format", "json", "--no-config"]));
    let names = |key: &str, field: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[field].as_str().unwrap().to_string())
            .collect()
    };
    (names("rules", "id"), names("controls", "key"))
}

const MANY: usize = 40_000;

/// Settings with 40,000 entries in every list are read and checked in one pass each: the scan
/// runs, with the waivers applied.
#[test]
fn settings_with_forty_thousand_entries_per_list_are_accepted() {
    let (ids, controls) = stdlib_ids_and_controls();
    let mut y = String::from("version: 1\nrules:\n  enable:\n");
    for i in 0..MANY {
        y += &format!("    - {}\n", ids[i % ids.len()]);
    }
    y += "  disable:\n";
    for i in 0..MANY {
        y += &format!("    - {}\n", ids[(i + 7) % ids.len()]);
    }
    y += "controls:\n  enable:\n";
    for i in 0..MANY {
        y += &format!("    - {}\n", controls[i % controls.len()]);
    }
    y += "  disable:\n";
    for i in 0..MANY {
        y += &format!("    - {}\n", controls[(i + 3) % controls.len()]);
    }
    y += "waivers:\n";
    for i in 0..MANY {
        y += &format!(
            "  - {{rule: {}, name: n{i}, reason: r{i}}}\n",
            ids[i % ids.len()]
        );
    }
    let dir = scratch("many-settings");
    let cfg = dir.join("settings.yaml");
    std::fs::write(&cfg, y).unwrap();
    let o = fourc(&[
        "check",
        "--config",
        cfg.to_str().unwrap(),
        "--format",
        "json",
        "examples/manifests/deployment.yaml",
    ]);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(json(&o)["summary"]["documents"].as_u64().unwrap() > 0);
}

/// 40,000 unknown names are each reported, with a suggestion looked up among prepared names and
/// a snippet read from the error's own line: no error copies or rescans the settings text (which
/// made such a file take minutes and gigabytes).
#[test]
fn forty_thousand_unknown_names_are_each_reported() {
    let quarter = MANY / 4;
    let mut y = String::from("version: 1\nrules:\n  enable:\n");
    for i in 0..quarter {
        y += &format!("    - no-such-rule-{i}\n");
    }
    y += "  disable:\n";
    for i in 0..quarter {
        y += &format!("    - pss-baseline-privileg-{i}\n");
    }
    y += "controls:\n  enable:\n";
    for i in 0..quarter {
        y += &format!("    - cluster.no-such-control-{i}\n");
    }
    y += "waivers:\n";
    for i in 0..quarter {
        y += &format!("  - {{rule: no-such-waived-rule-{i}, reason: r}}\n");
    }
    let dir = scratch("many-unknown");
    let cfg = dir.join("settings.yaml");
    std::fs::write(&cfg, &y).unwrap();
    let o = fourc(&[
        "check",
        "--config",
        cfg.to_str().unwrap(),
        "examples/manifests/deployment.yaml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("the settings are not valid ({MANY} errors)")),
        "{}",
        &err[err.len().saturating_sub(300)..]
    );
    // The last error still names its own line.
    let last_line = y.lines().count();
    assert!(
        err.contains(&format!("settings.yaml:{last_line}:")),
        "{}",
        &err[err.len().saturating_sub(600)..]
    );

    // The library's errors point into the one shared text, and miette reads the same lines from
    // it as from a copy of the whole file.
    let errs = fourc::Config::parse("s.yaml", "version: 1\nrules:\n  enable: [a]\n  bogus: 1\n")
        .unwrap_err();
    let e = &errs.errors()[0];
    let code = miette::Diagnostic::source_code(e).unwrap();
    let label = miette::Diagnostic::labels(e).unwrap().next().unwrap();
    let copy = miette::NamedSource::new(
        "s.yaml",
        "version: 1\nrules:\n  enable: [a]\n  bogus: 1\n".to_string(),
    );
    for context in [0, 1, 2] {
        let (a, b) = (
            code.read_span(label.inner(), context, context).unwrap(),
            miette::SourceCode::read_span(&copy, label.inner(), context, context).unwrap(),
        );
        assert_eq!(a.data(), b.data());
        assert_eq!(
            (a.line(), a.column(), a.line_count()),
            (b.line(), b.column(), b.line_count())
        );
        assert_eq!(a.span(), b.span());
        assert_eq!(a.name(), b.name());
    }
}
