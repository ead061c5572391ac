//! `fourc test`: the rules' `test` blocks and `gator verify` suites, selected by path, rule id
//! and name, reported as text, JSON or JUnit XML.

use std::path::{Path, PathBuf};

use fourc::Config;

use super::test_report::{Kind, Outcome, Status};
use crate::{Compat, EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, RuleArgs};

pub(crate) struct Options<'a> {
    pub(crate) paths: &'a [PathBuf],
    pub(crate) rules: &'a RuleArgs,
    pub(crate) only_rules: &'a [String],
    pub(crate) patterns: &'a [String],
    pub(crate) formats: &'a [String],
    pub(crate) output: Option<&'a Path>,
}

/// `--rule` and `--run`: which tests run.
struct Filter {
    rules: Vec<String>,
    patterns: Vec<Pattern>,
}

enum Pattern {
    Substring(String),
    Glob(globset::GlobMatcher),
}

impl Filter {
    fn new(rules: &[String], patterns: &[String]) -> Result<Filter, String> {
        let patterns = patterns
            .iter()
            .map(|p| {
                if p.contains(['*', '?', '[']) {
                    globset::Glob::new(p)
                        .map(|g| Pattern::Glob(g.compile_matcher()))
                        .map_err(|e| format!("`--run {p}` is not a valid glob: {e}"))
                } else {
                    Ok(Pattern::Substring(p.clone()))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Filter {
            rules: rules.to_vec(),
            patterns,
        })
    }

    fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.patterns.is_empty()
    }

    /// Whether a test of `rule` called `name` runs.
    fn keeps(&self, rule: Option<&str>, name: &str) -> bool {
        let by_rule =
            self.rules.is_empty() || rule.is_some_and(|r| self.rules.iter().any(|i| i == r));
        let full = match rule {
            Some(r) => format!("{r} {name}"),
            None => name.to_string(),
        };
        let by_name = self.patterns.is_empty()
            || self.patterns.iter().any(|p| match p {
                Pattern::Substring(s) => full.contains(s.as_str()),
                Pattern::Glob(g) => g.is_match(&full),
            });
        by_rule && by_name
    }
}

pub(crate) fn run(o: &Options<'_>) -> u8 {
    let targets = match super::test_report::targets(o.formats, o.output) {
        Ok(t) => t,
        Err(msg) => {
            eprintln!("error: {msg}");
            return EXIT_USAGE;
        }
    };
    let filter = match Filter::new(o.only_rules, o.patterns) {
        Ok(f) => f,
        Err(msg) => {
            eprintln!("error: {msg}");
            return EXIT_USAGE;
        }
    };
    let (suites, rule_paths) = split_suites(o.paths);
    let mut outcomes = Vec::new();
    gator_suites(&suites, &filter, &mut outcomes);
    // Rule tests run unless the paths name only suites.
    let mut known_rules: Vec<String> = Vec::new();
    if !rule_paths.is_empty() || suites.is_empty() {
        match rule_tests(o, &rule_paths, &filter, &mut outcomes) {
            Ok(ids) => known_rules = ids,
            Err(code) => return code,
        }
    }
    if let Err(msg) = check_matches(&filter, o, &outcomes, &known_rules) {
        eprintln!("error: {msg}");
        return EXIT_USAGE;
    }
    if let Err(code) = super::test_report::write(&targets, &outcomes) {
        return code;
    }
    if outcomes.iter().any(|c| c.status == Status::Fail) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// The paths that are (or hold) `gator verify` suites, and the others.
fn split_suites(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    #[cfg(feature = "rego")]
    {
        let mut suites = Vec::new();
        let mut rest = Vec::new();
        for p in paths {
            let found = fourc::rego::suite::find(p);
            if found.is_empty() {
                rest.push(p.clone());
            } else {
                suites.extend(found);
            }
        }
        (suites, rest)
    }
    #[cfg(not(feature = "rego"))]
    (Vec::new(), paths.to_vec())
}

#[cfg(feature = "rego")]
fn gator_suites(suites: &[PathBuf], filter: &Filter, out: &mut Vec<Outcome>) {
    for s in suites {
        for c in fourc::rego::suite::run(s) {
            if !filter.keeps(c.rule.as_deref(), &c.name) {
                continue;
            }
            out.push(Outcome {
                kind: Kind::Gatekeeper,
                location: format!("{}:{}", c.file, c.line),
                rule: c.rule,
                name: c.name,
                file: c.file,
                line: c.line,
                status: if c.passed { Status::Pass } else { Status::Fail },
                expected: None,
                findings: c.violations,
                detail: c.detail,
            });
        }
    }
}

#[cfg(not(feature = "rego"))]
fn gator_suites(_: &[PathBuf], _: &Filter, _: &mut Vec<Outcome>) {}

/// Compiles the rules as `check` does, plus the rule files under `paths`, and runs the tests
/// the paths and the filter select. Returns the ids of the rules that have tests.
fn rule_tests(
    o: &Options<'_>,
    paths: &[PathBuf],
    filter: &Filter,
    out: &mut Vec<Outcome>,
) -> Result<Vec<String>, u8> {
    let mut b = super::builder(o.rules, paths, Config::default(), Compat::K8s)?;
    for p in paths {
        b = if p.is_dir() {
            b.rules_dir(p)
        } else {
            b.rule_file(p)
        };
    }
    let engine = super::build(b)?;
    let prog = engine.rules().program();
    let stdlib = format!("{}/", fourc::STDLIB_PREFIX);
    let own_rules = prog.sources.iter().any(|s| !s.name.starts_with(&stdlib));
    let roots: Vec<PathBuf> = paths
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    // With paths: the tests of their files. Without: those of every rule file but the standard
    // library's, or the standard library's when there is no other.
    let selected = |file: &str| -> bool {
        if !roots.is_empty() {
            std::fs::canonicalize(file).is_ok_and(|f| roots.iter().any(|r| f.starts_with(r)))
        } else {
            !own_rules || !file.starts_with(&stdlib)
        }
    };
    let mut with_tests: Vec<String> = Vec::new();
    for t in &prog.tests {
        let file = prog.source(t.span).map_or("", |s| &*s.name);
        if selected(file) && !with_tests.iter().any(|r| *r == *t.rule) {
            with_tests.push(t.rule.to_string());
        }
    }
    let report =
        engine.run_tests_where(&|c| selected(&c.file) && filter.keeps(Some(&c.rule), &c.name));
    out.extend(report.cases.into_iter().map(|c| Outcome {
        kind: Kind::Rule,
        status: if c.skipped {
            Status::Skip
        } else if c.passed {
            Status::Pass
        } else {
            Status::Fail
        },
        rule: Some(c.rule.to_string()),
        name: c.name,
        file: c.file,
        line: c.line,
        location: c.location,
        expected: Some(c.expected),
        findings: c.findings,
        detail: c.detail,
    }));
    Ok(with_tests)
}

/// A filter that selects nothing is an error: a `--rule` whose rule has no test among the
/// paths, or a `--run` that no test's name matches.
fn check_matches(
    filter: &Filter,
    o: &Options<'_>,
    outcomes: &[Outcome],
    with_tests: &[String],
) -> Result<(), String> {
    if filter.is_empty() {
        return Ok(());
    }
    for id in &filter.rules {
        if outcomes.iter().any(|c| c.rule.as_deref() == Some(id)) {
            continue;
        }
        let close: Vec<&str> = with_tests
            .iter()
            .map(String::as_str)
            .filter(|r| r.contains(id.as_str()) || id.contains(*r))
            .take(5)
            .collect();
        let help = if !with_tests.iter().any(|r| r == id) && !close.is_empty() {
            format!("rules with tests of similar ids: {}", close.join(", "))
        } else if with_tests.iter().any(|r| r == id) {
            "its tests do not match the `--run` patterns".to_string()
        } else {
            "`fourc rules` lists the rule ids; `--rule` selects the rules whose tests run"
                .to_string()
        };
        return Err(format!("no test of rule `{id}` to run\n  help: {help}"));
    }
    if outcomes.is_empty() {
        let runs: Vec<String> = o.patterns.iter().map(|p| format!("`--run {p}`")).collect();
        return Err(format!(
            "no test matches {}\n  help: a pattern matches `RULE-ID NAME` (`pss-baseline-privileged deny inline (line 12)`): a glob with `*`, `?` or `[`, else a substring",
            runs.join(" or ")
        ));
    }
    Ok(())
}
