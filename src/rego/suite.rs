//! `gator verify` suites (`kind: Suite`, `test.gatekeeper.sh/v1alpha1`): `fourc test suite.yaml`.
//!
//! Per test, the `template` and `constraint` files (relative to the suite's folder) define the
//! policy; per case, the `object` file is reviewed (every object in it; an AdmissionReview file
//! supplies its `request`), with the `inventory` files' objects as `data.inventory` (the object
//! under review is not in it, as in gator). Each assertion counts the violations whose message
//! matches its `message` regular expression (all of them without one), then compares the count
//! with `violations`: `yes` (at least one, also when `violations` is absent), `no` (none) or a
//! number. The Constraint's `spec.match` applies, as in gator: an object it does not select has
//! no violations. A namespaced object without `metadata.namespace` is not disqualified by
//! `namespaces`, `excludedNamespaces` or `namespaceSelector` (Gatekeeper's matcher only
//! disqualifies by a namespace it knows).

use std::path::{Path, PathBuf};

use policy_core::{Document, LoadOptions, Source};
use serde_json::Value as Json;

use super::RegoBackend;
use crate::Engine;

/// The outcome of one case.
#[derive(Clone, Debug)]
pub struct CaseOutcome {
    /// `suite file / test / case`.
    pub name: String,
    /// The id of the rule the test's Constraint defines (`k8srequiredlabels.must-have-owner`),
    /// when its template and constraint load.
    pub rule: Option<String>,
    /// The suite file.
    pub file: String,
    /// The line of the case in the suite file, from 1 (0 when unknown).
    pub line: u32,
    /// Whether every assertion held.
    pub passed: bool,
    /// How many violations the object had.
    pub violations: usize,
    /// Why it failed (assertions that did not hold, errors).
    pub detail: Vec<String>,
}

/// The suite files under `path`: the file itself when it is one, else every `suite.yaml`
/// (and other `*.yaml` of kind `Suite`) below the folder, in path order.
pub fn find(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if path.is_dir() {
        let mut files = Vec::new();
        // Unreadable entries are not suites; the suites found still run.
        let _ = crate::walk::collect_files(path, &mut files, &|p| {
            p.extension().is_some_and(|e| e == "yaml" || e == "yml")
        });
        out.extend(files.into_iter().filter(|f| is_suite(f)));
    } else if is_suite(path) {
        out.push(path.to_path_buf());
    }
    out
}

fn is_suite(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| {
        t.lines().any(|l| l.trim_end() == "kind: Suite")
            && t.contains("apiVersion: test.gatekeeper.sh/")
    })
}

fn read_yaml(path: &Path) -> Result<Vec<Document>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let loaded = policy_core::yaml::load_str(
        &Source::new(path.display().to_string(), text),
        &LoadOptions::default(),
    );
    if let Some(e) = loaded.errors.first() {
        return Err(format!("{}:{}: {}", path.display(), e.line(), e.message()));
    }
    Ok(loaded.documents)
}

/// The `i`-th item of the list under `key` of `node`.
fn item<'n>(
    node: Option<&'n policy_core::Node>,
    key: &str,
    i: usize,
) -> Option<&'n policy_core::Node> {
    node.and_then(|n| n.get(key)).and_then(|l| match &l.value {
        policy_core::Value::List(items) => items.get(i),
        _ => None,
    })
}

/// The line a node starts on, from 1 (0 for none).
fn line_of(doc: &Document, node: Option<&policy_core::Node>) -> u32 {
    node.map_or(0, |n| doc.source().line_col(n.span.start()).0)
}

fn read_file(path: &Path) -> Result<(String, String), String> {
    std::fs::read_to_string(path)
        .map(|t| (path.display().to_string(), t))
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

fn load_docs(engine: &Engine, path: &Path) -> Result<Vec<Document>, String> {
    let (docs, errors) = engine.load_inputs(&[path]);
    match errors.first() {
        Some(e) => Err(e.to_string()),
        None => Ok(docs),
    }
}

/// Runs every case of the suite at `path`; an unreadable suite is one failed case.
pub fn run(path: &Path) -> Vec<CaseOutcome> {
    let suite_name = path.display().to_string();
    let fail = |name: String, rule: Option<String>, line: u32, detail: String| CaseOutcome {
        name,
        rule,
        file: suite_name.clone(),
        line,
        passed: false,
        violations: 0,
        detail: vec![detail],
    };
    let docs = match read_yaml(path) {
        Ok(s) => s,
        Err(e) => return vec![fail(suite_name.clone(), None, 0, e)],
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let engine = match Engine::builder().stdlib(false).build() {
        Ok(e) => e,
        Err(e) => return vec![fail(suite_name.clone(), None, 0, e.to_string())],
    };
    let mut out = Vec::new();
    for doc in &docs {
        let suite = doc.root().value.to_json();
        for (ti, test) in suite
            .get("tests")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let test_node = item(Some(doc.root()), "tests", ti);
            let test_name = format!(
                "{suite_name} / {}",
                test.get("name").and_then(Json::as_str).unwrap_or("?")
            );
            let file = |k: &str| test.get(k).and_then(Json::as_str).map(|f| dir.join(f));
            let backend = match (file("template"), file("constraint")) {
                (Some(t), Some(c)) => read_file(&t)
                    .and_then(|t| Ok((t, read_file(&c)?)))
                    .and_then(|(t, c)| RegoBackend::load(&[t, c]).map_err(|e| e.to_string())),
                _ => Err("a test without `template` or `constraint`".to_string()),
            };
            let rule = backend.as_ref().ok().and_then(|b| {
                policy_core::backend::RuleBackend::rules(b)
                    .first()
                    .map(|m| m.id.to_string())
            });
            for (ci, case) in test
                .get("cases")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let name = format!(
                    "{test_name} / {}",
                    case.get("name").and_then(Json::as_str).unwrap_or("?")
                );
                let line = line_of(doc, item(test_node, "cases", ci));
                let outcome = match &backend {
                    Ok(b) => {
                        let mut o = run_case(&engine, b, dir, case, name);
                        o.rule.clone_from(&rule);
                        o.file.clone_from(&suite_name);
                        o.line = line;
                        o
                    }
                    Err(e) => fail(name, None, line, e.clone()),
                };
                out.push(outcome);
            }
        }
    }
    out
}

fn run_case(
    engine: &Engine,
    backend: &RegoBackend,
    dir: &Path,
    case: &Json,
    name: String,
) -> CaseOutcome {
    let mut outcome = CaseOutcome {
        name,
        rule: None,
        file: String::new(),
        line: 0,
        passed: false,
        violations: 0,
        detail: Vec::new(),
    };
    let object = match case.get("object").and_then(Json::as_str) {
        Some(o) => load_docs(engine, &dir.join(o)),
        None => Err("a case without `object`".to_string()),
    };
    let mut inventory = Vec::new();
    let mut errors = Vec::new();
    for f in case
        .get("inventory")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
    {
        match load_docs(engine, &dir.join(f)) {
            Ok(d) => inventory.extend(d),
            Err(e) => errors.push(e),
        }
    }
    let objects = match object {
        Ok(o) => o,
        Err(e) => {
            outcome.detail.push(e);
            return outcome;
        }
    };
    outcome.detail.extend(errors);
    let all = vec![true; policy_core::backend::RuleBackend::rules(backend).len()];
    let report = backend.review(&objects, &inventory, &all);
    outcome.detail.extend(
        report
            .errors
            .iter()
            .map(|e| format!("error: {}", e.message())),
    );
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message()).collect();
    outcome.violations = messages.len();
    for a in case
        .get("assertions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Err(e) = check(a, &messages) {
            outcome.detail.push(e);
        }
    }
    if !outcome.detail.is_empty() {
        for m in &messages {
            outcome.detail.push(format!("violation: {m}"));
        }
    }
    outcome.passed = outcome.detail.is_empty();
    outcome
}

/// One assertion against the messages of the violations.
fn check(a: &Json, messages: &[&str]) -> Result<(), String> {
    let pattern = a.get("message").and_then(Json::as_str);
    let count = match pattern {
        Some(p) => {
            let re = regex::Regex::new(p)
                .map_err(|e| format!("invalid `message` regular expression `{p}`: {e}"))?;
            messages.iter().filter(|m| re.is_match(m)).count()
        }
        None => messages.len(),
    };
    let what = pattern.map_or(String::new(), |p| format!(" matching `{p}`"));
    // `yes` and `no` read as booleans under YAML 1.1, as strings under 1.2.
    let ok = match a.get("violations") {
        None | Some(Json::Bool(true)) => count > 0,
        Some(Json::Bool(false)) => count == 0,
        Some(Json::String(s)) if s == "yes" => count > 0,
        Some(Json::String(s)) if s == "no" => count == 0,
        Some(Json::Number(n)) => n.as_u64() == Some(count as u64),
        Some(Json::String(s)) if s.parse::<usize>().is_ok() => s.parse::<usize>() == Ok(count),
        Some(other) => return Err(format!("invalid `violations`: {other}")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected violations: {}{what}, got {count}",
            a.get("violations").map_or("yes".to_string(), |v| match v {
                Json::Bool(true) => "yes".to_string(),
                Json::Bool(false) => "no".to_string(),
                v => v.to_string(),
            })
        ))
    }
}
