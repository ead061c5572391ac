//! The report of `fourc test`: text, JSON (schema in `docs/cli.md`) or JUnit XML, each to
//! standard output or a file.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use fourc::output::junit::escape;
use serde_json::json;

use crate::EXIT_USAGE;

/// The version of the JSON report's schema; fields are only ever added.
const SCHEMA_VERSION: u32 = 1;

/// What kind of test a case is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A case of a rule file's `test` block.
    Rule,
    /// A case of a `gator verify` suite.
    Gatekeeper,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Pass,
    Fail,
    /// Not run: the settings leave its rule out.
    Skip,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// One test case and how it went, whatever its kind.
pub(crate) struct Outcome {
    pub(crate) kind: Kind,
    /// The rule under test (a gator case's Constraint, when it loads).
    pub(crate) rule: Option<String>,
    pub(crate) name: String,
    /// The rule file or suite file that holds the case, and its line there.
    pub(crate) file: String,
    pub(crate) line: u32,
    /// `file:line[:col]`.
    pub(crate) location: String,
    pub(crate) status: Status,
    /// What a rule test expects (`deny 2`).
    pub(crate) expected: Option<String>,
    /// Findings of the rule (violations, for a gator case).
    pub(crate) findings: usize,
    /// Why it failed.
    pub(crate) detail: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Junit,
}

/// Where one format goes: a file, or standard output (`None`).
pub(crate) struct Target {
    format: Format,
    file: Option<PathBuf>,
}

/// `--format text,junit=tests.xml` and repeated flags to targets; at most one goes to standard
/// output (or to `--output`).
pub(crate) fn targets(specs: &[String], output: Option<&Path>) -> Result<Vec<Target>, String> {
    let mut out: Vec<Target> = Vec::new();
    for spec in specs.iter().flat_map(|s| s.split(',')).map(str::trim) {
        let (name, file) = match spec.split_once('=') {
            Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
            Some((n, _)) => return Err(format!("`--format {n}=` names no file")),
            None => (spec, output.map(Path::to_path_buf)),
        };
        let format = match name {
            "text" => Format::Text,
            "json" => Format::Json,
            "junit" => Format::Junit,
            _ => {
                return Err(format!(
                    "unknown format `{name}` for `fourc test`\n  help: expected `text`, `json` or `junit`, optionally with `=FILE`"
                ));
            }
        };
        if out.iter().any(|t| t.file == file) {
            let dest = file.as_ref().map_or("standard output".to_string(), |f| {
                format!("`{}`", f.display())
            });
            return Err(format!(
                "two formats would write to {dest}\n  help: give each its own file, as in `--format {name}={name}.out`"
            ));
        }
        out.push(Target { format, file });
    }
    Ok(out)
}

/// Writes every target; an unwritable file is an error (exit 2).
pub(crate) fn write(targets: &[Target], outcomes: &[Outcome]) -> Result<(), u8> {
    for t in targets {
        let text = match t.format {
            Format::Text => text(outcomes),
            Format::Json => format!("{:#}\n", json(outcomes)),
            Format::Junit => junit(outcomes),
        };
        let res = match &t.file {
            Some(p) => std::fs::write(p, text),
            None => std::io::stdout().lock().write_all(text.as_bytes()),
        };
        if let Err(e) = res {
            let dest = t.file.as_ref().map_or("standard output".to_string(), |f| {
                format!("`{}`", f.display())
            });
            eprintln!("error: cannot write {dest}: {e}");
            return Err(EXIT_USAGE);
        }
    }
    Ok(())
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn count(outcomes: &[&Outcome], status: Status) -> usize {
    outcomes.iter().filter(|c| c.status == status).count()
}

/// A line per case (`ok  `, `FAIL`, `skip`) with its detail below, then a summary per kind.
fn text(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let gator: Vec<&Outcome> = outcomes
        .iter()
        .filter(|c| c.kind == Kind::Gatekeeper)
        .collect();
    let rules: Vec<&Outcome> = outcomes.iter().filter(|c| c.kind == Kind::Rule).collect();
    let status = |c: &Outcome| match c.status {
        Status::Pass => "ok  ",
        Status::Fail => "FAIL",
        Status::Skip => "skip",
    };
    for c in &gator {
        let _ = writeln!(
            out,
            "{} {} ({})",
            status(c),
            c.name,
            plural(c.findings, "violation")
        );
        for d in &c.detail {
            let _ = writeln!(out, "       {d}");
        }
    }
    if !gator.is_empty() {
        let passed = count(&gator, Status::Pass);
        let _ = writeln!(out, "\ngatekeeper: {passed}/{} cases pass", gator.len());
    }
    if gator.is_empty() || !rules.is_empty() {
        for c in &rules {
            let rule = c.rule.as_deref().unwrap_or_default();
            let expected = c.expected.as_deref().unwrap_or_default();
            if c.status == Status::Skip {
                let _ = writeln!(
                    out,
                    "skip {rule} {expected} at {} (the settings leave the rule out)",
                    c.location
                );
                continue;
            }
            let _ = writeln!(
                out,
                "{} {rule} {expected} ({}) at {}",
                status(c),
                plural(c.findings, "finding"),
                c.location
            );
            for d in &c.detail {
                let _ = writeln!(out, "       {d}");
            }
        }
        let skipped = count(&rules, Status::Skip);
        let _ = writeln!(
            out,
            "\nrule tests: {} passed, {} failed{}",
            count(&rules, Status::Pass),
            count(&rules, Status::Fail),
            if skipped > 0 {
                format!(", {skipped} skipped")
            } else {
                String::new()
            }
        );
    }
    out
}

fn json(outcomes: &[Outcome]) -> serde_json::Value {
    let all: Vec<&Outcome> = outcomes.iter().collect();
    let tests: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|c| {
            json!({
                "kind": match c.kind {
                    Kind::Rule => "rule",
                    Kind::Gatekeeper => "gatekeeper",
                },
                "rule": c.rule,
                "name": c.name,
                "file": c.file,
                "line": c.line,
                "location": c.location,
                "status": c.status.as_str(),
                "expected": c.expected,
                "findings": c.findings,
                "detail": c.detail,
            })
        })
        .collect();
    json!({
        "version": SCHEMA_VERSION,
        "tool": {"name": "fourc", "version": env!("CARGO_PKG_VERSION")},
        "tests": tests,
        "summary": {
            "total": all.len(),
            "passed": count(&all, Status::Pass),
            "failed": count(&all, Status::Fail),
            "skipped": count(&all, Status::Skip),
        },
    })
}

/// One `<testsuite>` per rule file or suite file (in the order first seen), one `<testcase>` per
/// case: `classname` is the rule id, a `<failure>` carries the detail, `<skipped>` a case not
/// run. No timing, so the output is reproducible.
fn junit(outcomes: &[Outcome]) -> String {
    let mut files: Vec<&str> = Vec::new();
    for c in outcomes {
        if !files.contains(&c.file.as_str()) {
            files.push(&c.file);
        }
    }
    let all: Vec<&Outcome> = outcomes.iter().collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"fourc test\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" errors=\"0\">",
        all.len(),
        count(&all, Status::Fail),
        count(&all, Status::Skip)
    );
    for file in files {
        let cases: Vec<&Outcome> = outcomes.iter().filter(|c| c.file == file).collect();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" errors=\"0\">",
            escape(file),
            cases.len(),
            count(&cases, Status::Fail),
            count(&cases, Status::Skip)
        );
        for c in cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                escape(&c.name),
                escape(c.rule.as_deref().unwrap_or(file)),
                escape(&c.file),
                c.line
            );
            match c.status {
                Status::Pass => out.push_str("/>\n"),
                Status::Skip => out.push_str(
                    ">\n      <skipped message=\"the settings leave the rule out\"/>\n    </testcase>\n",
                ),
                Status::Fail => {
                    let first = c.detail.first().map_or("failed", String::as_str);
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                        escape(first),
                        match c.kind {
                            Kind::Rule => "rule-test",
                            Kind::Gatekeeper => "gator-case",
                        },
                        escape(&c.detail.join("\n"))
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
