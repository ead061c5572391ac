//! The `fourc` command: exit codes, file:line:col, nothing lost when one input is broken, and
//! hostile inputs rejected quickly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn fourc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const RULES: [&str; 3] = ["--no-stdlib", "--rules", "tests/data/rules"];

/// `fourc check --compact` (one line per finding) with the test rules only.
fn check(extra: &[&str]) -> Output {
    let mut args = vec!["check", "--compact"];
    args.extend(RULES);
    args.extend(extra);
    fourc(&args)
}

#[test]
fn bundled_examples_report_deployment_and_cronjob_lines() {
    let o = fourc(&["check", "--compact", "examples/manifests"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    // The privileged sidecar of the Deployment, and the SYS_ADMIN capability and hostPath volume
    // of the CronJob, each at the exact line and column of the field.
    assert!(
        out.contains("examples/manifests/deployment.yaml:27:13: high [pss-baseline-privileged]"),
        "{out}"
    );
    assert!(
        out.contains("examples/manifests/cronjob.yaml:19:43: high [pss-baseline-capabilities]"),
        "{out}"
    );
    assert!(
        out.contains("examples/manifests/cronjob.yaml:28:15: high [pss-baseline-host-path]"),
        "{out}"
    );
}

#[test]
fn exit_codes() {
    assert_eq!(
        check(&["tests/data/inputs/clean.yaml"]).status.code(),
        Some(0)
    );
    assert_eq!(
        check(&["tests/data/inputs/privileged.yaml"]).status.code(),
        Some(1)
    );
    let usage = fourc(&["check"]);
    assert_eq!(usage.status.code(), Some(2));
    let bad_rules = fourc(&[
        "check",
        "--no-stdlib",
        "--rules",
        "tests/data/bad-rules",
        "examples/manifests",
    ]);
    assert_eq!(bad_rules.status.code(), Some(2));
    assert!(check(&["tests/data/inputs/broken.yaml"]).status.code() == Some(3));
}

#[test]
fn rules_that_do_not_compile_print_every_error_and_read_nothing() {
    let o = fourc(&[
        "check",
        "--no-stdlib",
        "--rules",
        "tests/data/bad-rules",
        "examples/manifests",
    ]);
    let err = stderr(&o);
    assert!(
        err.contains("unknown control `cluster.pod-securty`"),
        "{err}"
    );
    assert!(err.contains("unknown function `lowr`"), "{err}");
    assert!(err.contains("unknown name `cc`"), "{err}");
    assert!(err.contains("3 errors); no document was read"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_broken_file_does_not_hide_the_findings_of_the_others() {
    let o = check(&[
        "tests/data/inputs/broken.yaml",
        "tests/data/inputs/privileged.yaml",
        "tests/data/inputs/clean.yaml",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let out = stdout(&o);
    assert!(out.contains("tests/data/inputs/privileged.yaml:14:13: high [test-privileged] container \"api\" sets securityContext.privileged=true"), "{out}");
    assert!(
        out.contains("tests/data/inputs/broken.yaml:6:5: error:"),
        "{out}"
    );
    assert!(out.starts_with("errors (1;"), "errors come first: {out}");
    assert!(
        out.contains("inputs     3 files, 2 documents; 1 error"),
        "{out}"
    );
    assert!(
        out.contains("findings   1 on 1 resource in 1 file: 1 high"),
        "{out}"
    );
}

#[test]
fn missing_files_are_named() {
    let o = check(&[
        "tests/data/inputs/nope.yaml",
        "tests/data/inputs/privileged.yaml",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(
        err.contains("error: `tests/data/inputs/nope.yaml`: no such file or folder"),
        "{err}"
    );
    assert!(stdout(&o).contains("[test-privileged]"), "{}", stdout(&o));
    // Nothing to scan at all: a usage error, and nothing on standard output.
    let o = check(&["tests/data/inputs/nope.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no such file or folder"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
}

#[test]
fn standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args([
            "check",
            "--compact",
            "--no-stdlib",
            "--rules",
            "tests/data/rules",
            "-",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let text = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/inputs/privileged.yaml"),
    )
    .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &text).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("-:14:13: high [test-privileged]"));
}

fn timed_check_of(name: &str, text: &str) -> (Output, Duration) {
    let dir = std::env::temp_dir().join(format!("fourc-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    let start = Instant::now();
    let o = check(&[p.to_str().unwrap(), "tests/data/inputs/privileged.yaml"]);
    let t = start.elapsed();
    std::fs::remove_dir_all(&dir).ok();
    (o, t)
}

#[test]
fn an_alias_bomb_is_rejected_quickly() {
    let mut y = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, c) in "bcdefghi".chars().enumerate() {
        let prev = (b'a' + i as u8) as char;
        y.push_str(&format!(
            "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    let (o, t) = timed_check_of("bomb.yaml", &y);
    assert_eq!(o.status.code(), Some(3));
    let out = stdout(&o);
    assert!(out.contains("bomb.yaml:") && out.contains("alias"), "{out}");
    assert!(
        out.contains("[test-privileged]"),
        "the other file is still scanned: {out}"
    );
    assert!(t < Duration::from_secs(5), "took {t:?}");
}

#[test]
fn deep_nesting_is_rejected_quickly() {
    let y = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let (o, t) = timed_check_of("deep.yaml", &y);
    assert_eq!(o.status.code(), Some(3));
    let out = stdout(&o);
    assert!(out.contains("deep.yaml:1:"), "{out}");
    assert!(out.contains("[test-privileged]"), "{out}");
    assert!(t < Duration::from_secs(5), "took {t:?}");
}

#[test]
fn rule_tests_run_from_the_command_line() {
    let o = fourc(&["test", "tests/data/rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("rule tests: 2 passed, 0 failed"),
        "{}",
        stdout(&o)
    );
    let o = fourc(&["test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains(", 0 failed"));
}

#[test]
fn json_output_is_stable() {
    let o = check(&[
        "--format",
        "json",
        "tests/data/inputs/privileged.yaml",
        "tests/data/inputs/clean.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    insta::assert_json_snapshot!(v, {".tool.version" => "[version]"});
}

#[test]
fn bundled_examples_show_every_cluster_control() {
    let o = fourc(&["check", "--format", "json", "examples/manifests"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    for control in fourc::controls::CONTROLS
        .iter()
        .filter(|c| c.key.starts_with("cluster."))
    {
        let hit = findings.iter().find(|f| {
            f["controls"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == control.key)
        });
        let f = hit.unwrap_or_else(|| panic!("no finding of {} in the examples", control.key));
        assert!(f["location"]["line"].as_u64().unwrap() > 1, "{f}");
        assert!(!f["path"].as_str().unwrap().is_empty(), "{f}");
    }
    // The compliant pod, in a namespace with its guard rails, has no finding at all.
    assert!(
        !findings
            .iter()
            .any(|f| f["location"]["file"] == "examples/manifests/compliant-pod.yaml")
    );
}

/// `fourc check examples | head`: a reader that stops early is no error to report. (SARIF, so
/// the report is far larger than a pipe's buffer.)
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(["check", "--no-config", "--format", "sarif", "examples"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe is closed here, with most of the report unwritten.
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("cannot write"), "{err}");
    assert_eq!(o.status.code(), Some(1), "{err}");
}

/// Names from the inputs cannot drive the terminal or forge report lines: ESC, CR and LF in a
/// resource name, a container name and a file name are shown as symbols, in the text report
/// (full and compact) and in `explain`.
#[test]
fn control_characters_from_the_inputs_are_escaped_in_text_and_explain() {
    let dir = std::env::temp_dir().join(format!("fourc-cli-esc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("evil\u{1b}[2J\rname.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"web\\e[31m\\r\\nx.yaml:1:1: high [forged] lie\"\nspec:\n  containers:\n    - name: \"app\\e]0;title\\a\"\n      image: nginx:1.25\n      securityContext: {privileged: true}\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    for extra in [&[][..], &["--compact"][..]] {
        let mut args = vec!["check", "--no-config", "--color", "never"];
        args.extend_from_slice(extra);
        args.push(path);
        let o = fourc(&args);
        let out = stdout(&o);
        assert!(out.contains("[pss-baseline-privileged]"), "{out}");
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(!out.contains('\r'), "{out:?}");
        assert!(!out.contains('\u{7}'), "{out:?}");
        assert!(
            !out.lines()
                .any(|l| l.starts_with("x.yaml:1:1: high [forged]")),
            "{out}"
        );
    }
    let o = fourc(&["explain", "--no-config", "pss-baseline-privileged", path]);
    let out = stdout(&o);
    assert!(out.contains("fired"), "{out}");
    assert!(!out.contains('\u{1b}') && !out.contains('\r'), "{out:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
