//! The resource-limits suite: hostile inputs and rules, each run by the `fourc` command under a
//! hard ceiling on memory (`ulimit -v`, so going over is a failed allocation, not a slow test)
//! and on time (the run is killed past it). The ceilings are generous, many times what a run
//! takes, so they cannot flake on a loaded machine; what they catch is the unbounded case: a
//! bomb that expands, a rule that doubles a string, a scan that turns quadratic, a stack that
//! overflows. Each run must also end with the exit code and report its case calls for.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one bounded run gave.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `fourc args...` in `dir` with at most `mib` MiB of address space and `secs` seconds.
fn bounded(dir: &Path, args: &[&str], mib: u64, secs: u64) -> Run {
    let script = format!("ulimit -v {}; exec \"$0\" \"$@\"", mib * 1024);
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_fourc"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the pipes on threads, so a large report cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut s).unwrap();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            child.kill().unwrap();
            panic!("fourc {args:?} ran longer than {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

fn check(extra: &[&str], file: &str) -> Vec<String> {
    let mut args = vec!["check", "--no-config", "--format", "json"];
    args.extend(extra);
    args.push(file);
    args.into_iter().map(str::to_string).collect()
}

fn run(dir: &Path, args: &[String], mib: u64, secs: u64) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    bounded(dir, &args, mib, secs)
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}); stderr: {}", r.stderr))
}

/// A billion-laughs alias bomb is refused with a load error, not expanded.
#[test]
fn an_alias_bomb_is_refused_within_bounds() {
    let dir = common::scratch("limits", "alias-bomb");
    let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        y.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    y.push_str("kind: ConfigMap\napiVersion: v1\nmetadata: {name: bomb}\n");
    std::fs::write(dir.join("bomb.yaml"), y).unwrap();
    let r = run(&dir, &check(&[], "bomb.yaml"), 1024, 120);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    let report = json(&r);
    assert_eq!(report["errors"].as_array().unwrap().len(), 1, "{report}");
}

/// 100,000 levels of nesting are a load error, not a stack overflow.
#[test]
fn deep_nesting_in_a_document_is_refused_within_bounds() {
    let dir = common::scratch("limits", "deep-doc");
    let doc = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    std::fs::write(dir.join("deep.yaml"), doc).unwrap();
    let r = run(&dir, &check(&[], "deep.yaml"), 1024, 120);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
}

fn rule_dir(dir: &Path, deny: &str, functions: &str) {
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("hostile.fourc"),
        format!(
            "rule hostile {{\n  title \"hostile\"\n  controls [cluster.pod-security]\n  severity low\n  on Pod as p\n  deny {deny}\n}}\n{functions}\n"
        ),
    )
    .unwrap();
}

fn pods(dir: &Path, n: usize) {
    let docs: Vec<String> = (0..n)
        .map(|i| format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  containers: [{{name: c, image: nginx}}]\n"))
        .collect();
    std::fs::write(dir.join("pods.yaml"), docs.join("---\n")).unwrap();
}

/// A rule that doubles a string 40 times ends with an evaluation error per document, within a
/// memory ceiling far below what the string would take.
#[test]
fn a_doubling_rule_stays_within_its_byte_budget() {
    let dir = common::scratch("limits", "doubling");
    rule_dir(
        &dir,
        "dbl(\"ab\", 40) == \"\"",
        "fn dbl(s, n) = if n <= 0 then s else dbl(s + s, n - 1)",
    );
    pods(&dir, 16);
    let r = run(
        &dir,
        &check(&["--no-stdlib", "--rules", "rules"], "pods.yaml"),
        2048,
        300,
    );
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    let report = json(&r);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 16);
    assert!(
        errors
            .iter()
            .all(|e| e["message"].as_str().unwrap().contains("bytes of values"))
    );
}

/// A rule nested deep enough to overflow a worker's stack is an evaluation error on each of
/// the documents the pool evaluates, and the report is written.
#[test]
fn a_deep_rule_on_the_worker_pool_is_reported_not_aborted() {
    let dir = common::scratch("limits", "deep-rule");
    let mut e = "n".to_string();
    for _ in 0..80 {
        e = format!("({e} + 0)");
    }
    rule_dir(
        &dir,
        "f(64) > 0",
        &format!("fn f(n) = if n <= 0 then 1 else f(n - 1) + {e}"),
    );
    pods(&dir, 32);
    let r = run(
        &dir,
        &check(&["--no-stdlib", "--rules", "rules"], "pods.yaml"),
        2048,
        300,
    );
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    let report = json(&r);
    assert_eq!(report["errors"].as_array().unwrap().len(), 32);
}

/// 2,000 workloads against 2,000 NetworkPolicies in one namespace: the policies are found
/// through the selector index, so the scan is linear, and each workload is judged.
#[test]
fn workloads_times_network_policies_stay_linear() {
    let dir = common::scratch("limits", "netpol");
    let mut docs = Vec::new();
    for i in 0..2000 {
        docs.push(format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np{i}, namespace: shop}}\nspec:\n  podSelector: {{matchLabels: {{app: w{i}}}}}\n  policyTypes: [Ingress]\n"
        ));
        docs.push(format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{i}, namespace: shop}}\nspec:\n  template:\n    metadata:\n      labels: {{app: w{}}}\n    spec:\n      containers: [{{name: c, image: nginx}}]\n",
            if i % 2 == 0 { i } else { 100_000 + i }
        ));
    }
    std::fs::write(dir.join("netpol.yaml"), docs.join("---\n")).unwrap();
    let r = run(
        &dir,
        &check(
            &["--enable-control", "cluster.network-policy"],
            "netpol.yaml",
        ),
        2048,
        300,
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let report = json(&r);
    assert!(
        report["errors"].as_array().unwrap().is_empty(),
        "{}",
        r.stderr
    );
    let unisolated = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "netpol-workload-isolated")
        .count();
    assert_eq!(unisolated, 1000);
}

/// Many tiny documents: memory stays within a ceiling in proportion to the input, and every
/// report format is written.
#[test]
fn many_tiny_documents_stay_within_bounds_in_every_format() {
    let dir = common::scratch("limits", "tiny");
    std::fs::write(dir.join("empty.yaml"), "--- {}\n".repeat(200_000)).unwrap();
    let r = run(&dir, &check(&[], "empty.yaml"), 2048, 300);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(json(&r)["summary"]["documents"], 200_000);
    pods(&dir, 5_000);
    for format in ["json", "sarif", "junit", "text"] {
        let args: Vec<String> = ["check", "--no-config", "--format", format, "pods.yaml"]
            .into_iter()
            .map(str::to_string)
            .collect();
        let r = run(&dir, &args, 2048, 300);
        assert_eq!(r.code, Some(1), "{format}: {}", r.stderr);
        assert!(r.stdout.len() > 100_000, "{format}");
    }
}
