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
    /// `file:line:col` of the case in the rule source.
    pub location: String,
    /// What was expected, in words (`deny`, `deny 2`, `allow`).
    pub expected: String,
    /// Findings of the rule on the fixture.
    pub findings: usize,
    /// Whether the case passed.
    pub passed: bool,
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
        self.cases.len() - self.passed()
    }
}

/// Loads a fixture in the standard format that recognises it (by name and content), YAML when
/// none does.
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
    let prog = rules.program().clone();
    let mut report = TestReport::default();
    for block in &prog.tests {
        for case in &block.cases {
            let location = prog.describe(case.span);
            let src_name = prog
                .source(case.span)
                .map(|s| s.name.to_string())
                .unwrap_or_default();
            let loaded = match &case.fixture {
                Fixture::Inline(text) => {
                    let source = Source::new(format!("{location} (inline)"), text.clone());
                    load_fixture(&source, None, load)
                }
                Fixture::File(rel) => {
                    let dir = Path::new(&src_name).parent().unwrap_or(Path::new(""));
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
                        },
                    }
                }
            };
            let mut detail: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
            let rid = block.rule.clone();
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
            report.cases.push(CaseResult {
                rule: block.rule.clone(),
                location,
                expected: match case.expect {
                    Expect::Allow => "allow".to_string(),
                    Expect::Deny(None) => "deny".to_string(),
                    Expect::Deny(Some(k)) => format!("deny {k}"),
                },
                findings: n,
                passed,
                detail,
            });
        }
    }
    report
}
