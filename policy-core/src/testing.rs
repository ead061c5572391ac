//! Runs the `test` blocks of a rule set: each case names documents that a rule must deny or allow.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::document::{LoadOptions, Source};
use crate::ir::{Expect, Fixture};
use crate::ruleset::RuleSet;
use crate::yaml;

/// The outcome of one test case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The rule under test.
    pub rule: Arc<str>,
    /// The case's name: what it expects and of which fixture (`allow fixtures/plain-pod.yaml`,
    /// `deny 2 inline (line 31)`).
    pub name: String,
    /// The rule source that holds the case (a path, or `stdlib/...` for the standard library).
    pub file: String,
    /// The case's line in that source, from 1.
    pub line: u32,
    /// `file:line:col` of the case in the rule source.
    pub location: String,
    /// What was expected, in words (`deny`, `deny 2`, `allow`).
    pub expected: String,
    /// Findings of the rule on the fixture.
    pub findings: usize,
    /// Whether the case passed.
    pub passed: bool,
    /// Whether the case was left out without running (see [`Selection::Skip`]); a skipped case
    /// has not passed, nor failed.
    pub skipped: bool,
    /// Why it failed, when it did: the findings or errors seen.
    pub detail: Vec<String>,
}

/// The outcome of every test case.
#[derive(Clone, Debug, Default)]
pub struct TestReport {
    /// One entry per case, in source order.
    pub cases: Vec<CaseResult>,
}

impl TestReport {
    /// How many cases passed.
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed).count()
    }

    /// How many cases failed.
    pub fn failed(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| !c.passed && !c.skipped)
            .count()
    }

    /// How many cases were skipped.
    pub fn skipped(&self) -> usize {
        self.cases.iter().filter(|c| c.skipped).count()
    }
}

/// What to do with a test case, decided before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Run it.
    Run,
    /// Report it as skipped, without running it (its rule is left out of the rule set's
    /// selection, say).
    Skip,
    /// Leave it out of the report.
    Omit,
}

/// Loads an inline fixture. When its `---`-separated parts are of different formats (a
/// Deployment and a scan report), each part is read with its own format, so a case can join
/// documents of several formats; otherwise the whole text is read as one source.
fn load_inline(name: String, text: &str, load: &LoadOptions) -> crate::document::Loaded {
    let formats = crate::input::Formats::standard();
    let mut parts: Vec<String> = vec![String::new()];
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push_str(line);
        }
    }
    let names: Vec<Option<String>> = parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            formats
                .detect(None, crate::input::head(p))
                .ok()
                .map(|f| f.name().to_string())
        })
        .collect();
    let mixed = names.windows(2).any(|w| w.first() != w.get(1));
    if !mixed {
        return load_fixture(&Source::new(name, text), None, load);
    }
    let mut out = crate::document::Loaded::default();
    for (i, p) in parts.iter().filter(|p| !p.trim().is_empty()).enumerate() {
        let source = Source::new(format!("{name} part {}", i + 1), p.as_str());
        let l = load_fixture(&source, None, load);
        out.documents.extend(l.documents);
        out.errors.extend(l.errors);
    }
    out
}

/// Loads a fixture with the standard format that recognises it (YAML when none does).
fn load_fixture(
    source: &Arc<Source>,
    path: Option<&Path>,
    load: &LoadOptions,
) -> crate::document::Loaded {
    let formats = crate::input::Formats::standard();
    match formats.detect(path, crate::input::head(source.text())) {
        Ok(f) => f.load(source, load),
        Err(_) => yaml::load_str(source, load),
    }
}

/// Runs every test block. File fixtures are read relative to the folder of the rule source that
/// names them; `base` is prepended when the rule source name is relative.
pub fn run_tests(rules: &RuleSet, base: Option<&Path>, load: &LoadOptions) -> TestReport {
    run_tests_with(rules, base, load, &|_| Selection::Run)
}

/// Runs the test cases that `select` chooses, as [`run_tests`] does. `select` sees each case
/// before it runs, with its rule, name, file, line, location and expectation filled in.
pub fn run_tests_with(
    rules: &RuleSet,
    base: Option<&Path>,
    load: &LoadOptions,
    select: &dyn Fn(&CaseResult) -> Selection,
) -> TestReport {
    let prog = rules.program().clone();
    let mut report = TestReport::default();
    for block in &prog.tests {
        for case in &block.cases {
            let src_name = prog
                .source(case.span)
                .map(|s| s.name.to_string())
                .unwrap_or_default();
            let line = prog
                .source(case.span)
                .map_or(0, |s| s.line_col(case.span.start).0);
            let expected = match case.expect {
                Expect::Allow => "allow".to_string(),
                Expect::Deny(None) => "deny".to_string(),
                Expect::Deny(Some(k)) => format!("deny {k}"),
            };
            let name = match &case.fixture {
                Fixture::File(rel) => format!("{expected} {rel}"),
                Fixture::Inline(_) => format!("{expected} inline (line {line})"),
            };
            let mut result = CaseResult {
                rule: block.rule.clone(),
                name,
                file: src_name,
                line,
                location: prog.describe(case.span),
                expected,
                findings: 0,
                passed: false,
                skipped: false,
                detail: Vec::new(),
            };
            match select(&result) {
                Selection::Run => run_case(rules, base, load, case, &mut result),
                Selection::Skip => result.skipped = true,
                Selection::Omit => continue,
            }
            report.cases.push(result);
        }
    }
    report
}

/// Runs one case, filling in its outcome.
fn run_case(
    rules: &RuleSet,
    base: Option<&Path>,
    load: &LoadOptions,
    case: &crate::ir::TestCase,
    result: &mut CaseResult,
) {
    let loaded = match &case.fixture {
        Fixture::Inline(text) => load_inline(format!("{} (inline)", result.location), text, load),
        Fixture::File(rel) => {
            let dir = Path::new(&result.file).parent().unwrap_or(Path::new(""));
            let mut p = PathBuf::new();
            if let Some(b) = base {
                p.push(b);
            }
            p.push(dir);
            p.push(&**rel);
            match yaml::read_path(&p, load) {
                Ok(source) => load_fixture(&source, Some(&p), load),
                Err(e) => crate::document::Loaded {
                    documents: Vec::new(),
                    errors: vec![e],
                    skipped: Vec::new(),
                },
            }
        }
    };
    let mut detail: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
    let rid = result.rule.clone();
    let r = rules.evaluate_filtered(&loaded.documents, &|m| m.id == rid);
    detail.extend(
        r.errors
            .iter()
            .map(|e| format!("evaluation error at {}: {}", e.rule_location, e.message)),
    );
    let n = r.findings.len();
    let ok_count = match case.expect {
        Expect::Allow => n == 0,
        Expect::Deny(None) => n > 0,
        Expect::Deny(Some(k)) => n == k as usize,
    };
    let passed = ok_count && detail.is_empty() && !loaded.documents.is_empty();
    if loaded.documents.is_empty() && loaded.errors.is_empty() {
        detail.push("the fixture holds no document".to_string());
    }
    if !ok_count && !loaded.documents.is_empty() {
        detail.insert(
            0,
            format!(
                "expected {}, found {n} finding{}",
                result.expected,
                if n == 1 { "" } else { "s" }
            ),
        );
    }
    if !passed {
        detail.extend(r.findings.iter().map(|f| {
            format!(
                "finding at {}:{}:{}: {}",
                f.source.name(),
                f.line(),
                f.col(),
                f.message
            )
        }));
    }
    result.findings = n;
    result.passed = passed;
    result.detail = detail;
}
