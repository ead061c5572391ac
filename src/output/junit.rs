//! JUnit XML, as CI systems read it (the Ant/Surefire schema): one `<testsuite>` per rule, one
//! `<testcase>` per resource the rule checked.
//!
//! A testcase passes when the rule found nothing on the resource; it has a `<failure>` listing
//! the findings when it did (`type` is the severity), `<skipped>` when every finding was waived,
//! and `<error>` when the rule could not be evaluated. Inputs that could not be read form a last
//! suite named `fourc`, with one erroring testcase per input. No timing is written, so the
//! output is reproducible.
//!
//! The report is rendered while the scan runs ([`JunitSink`]): each testcase as its part comes,
//! into a spool that moves to a temporary file when it grows past 4 MiB, and the suites, which
//! open with their counts, are written from it at the end.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::io::Write;

use super::stream::Spool;
use crate::waiver::Notice;
use crate::{EvalError, Finding, Scan, ScanPart, ScanSink, ScanStart};

/// What happened to one (rule, resource) pair.
#[derive(Default)]
struct Case<'a> {
    findings: Vec<&'a Finding>,
    waived: Vec<(&'a Finding, &'a str)>,
    errors: Vec<&'a EvalError>,
}

/// What a case counts as in its suite's totals.
enum Outcome {
    Failed,
    Errored,
    Skipped,
    /// A case with nothing to say (no finding, waiver or error kept): written open and closed.
    Empty,
}

impl Case<'_> {
    fn outcome(&self) -> Outcome {
        if !self.errors.is_empty() {
            Outcome::Errored
        } else if !self.findings.is_empty() {
            Outcome::Failed
        } else if !self.waived.is_empty() {
            Outcome::Skipped
        } else {
            Outcome::Empty
        }
    }
}

/// Escapes text for XML attributes and content; characters XML 1.0 cannot hold become U+FFFD.
pub fn escape(s: &str) -> String {
    Esc(s).to_string()
}

/// [`escape`] as a value that writes itself, so streaming output allocates nothing for it.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut plain = 0;
        for (i, c) in s.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&apos;",
                '\t' | '\n' | '\r' => continue,
                c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => "\u{fffd}",
                _ => continue,
            };
            f.write_str(s.get(plain..i).unwrap_or(""))?;
            f.write_str(rep)?;
            plain = i + c.len_utf8();
        }
        f.write_str(s.get(plain..).unwrap_or(""))
    }
}

type Key<'a> = (&'a str, &'a [u8], u32);

/// The totals of one suite (or of all).
#[derive(Clone, Copy, Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn add(&mut self, o: Option<Outcome>) {
        self.tests += 1;
        match o {
            Some(Outcome::Failed) => self.failures += 1,
            Some(Outcome::Errored) => self.errors += 1,
            Some(Outcome::Skipped) => self.skipped += 1,
            Some(Outcome::Empty) | None => {}
        }
    }
}

/// Renders a scan as JUnit XML.
pub fn junit(scan: &Scan) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and only UTF-8 is written.
    let _ = write_junit(scan, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes a scan as JUnit XML to `w`, one testcase at a time.
pub fn write_junit(scan: &Scan, w: impl Write) -> std::io::Result<()> {
    scan.replay(&mut JunitSink::new(w))
}

/// One suite while the scan runs: its totals and where its testcases lie in the spool (one
/// stretch per part).
#[derive(Default)]
struct Suite {
    counts: Counts,
    cases: Vec<(u64, u64)>,
    /// The number of the last document given a testcase, so a rule listed twice for one
    /// document gives it one.
    last: Option<usize>,
}

/// The JUnit report written while a scan runs ([`ScanSink`]). A suite (one per rule) lists every
/// document the rule checked and opens with its counts, which are known only at the end: each
/// testcase is rendered as its part comes, into a spool (in memory while small, then a
/// temporary file), a suite's testcases of one part together, and the suites are written from it
/// at the end. What stays in memory is 16 bytes per suite and part.
pub struct JunitSink<W: Write> {
    w: W,
    rules: Vec<std::sync::Arc<crate::RuleMeta>>,
    index: HashMap<String, usize>,
    suites: Vec<Suite>,
    spool: Spool,
    documents: usize,
    loads: Vec<(String, String, String)>,
    text: String,
}

impl<W: Write> JunitSink<W> {
    /// A report written to `w`.
    pub fn new(w: W) -> Self {
        JunitSink {
            w,
            rules: Vec::new(),
            index: HashMap::new(),
            suites: Vec::new(),
            spool: Spool::new(),
            documents: 0,
            loads: Vec::new(),
            text: String::new(),
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.w
    }
}

impl<W: Write> ScanSink for JunitSink<W> {
    fn start(&mut self, start: &ScanStart<'_>) -> std::io::Result<()> {
        self.rules = start.rules.to_vec();
        self.index = super::stream::rule_positions(start.rules);
        self.suites = start.rules.iter().map(|_| Suite::default()).collect();
        self.loads = start
            .load_errors
            .iter()
            .map(|e| {
                (
                    e.source_name().to_string(),
                    e.message().to_string(),
                    e.to_string(),
                )
            })
            .collect();
        Ok(())
    }

    fn part(&mut self, part: &ScanPart<'_>) -> std::io::Result<()> {
        let mut cases: HashMap<Key<'_>, Case<'_>> = HashMap::new();
        for f in part.findings {
            let k = (&*f.rule().id, f.source().key(), f.doc_index());
            cases.entry(k).or_default().findings.push(f);
        }
        for s in part.suppressed {
            let f = &s.finding;
            let k = (&*f.rule().id, f.source().key(), f.doc_index());
            cases
                .entry(k)
                .or_default()
                .waived
                .push((f, &s.suppression.reason));
        }
        for e in part.errors {
            let k = (&*e.rule().id, e.source().key(), e.doc_index());
            cases.entry(k).or_default().errors.push(e);
        }
        // The part's documents by rule, so that each suite's testcases of the part are
        // written together: one stretch of the spool per suite and part.
        let mut by_rule: Vec<Vec<usize>> = Vec::new();
        for (i, c) in part.checked.iter().enumerate() {
            let doc = self.documents;
            self.documents += 1;
            for r in c.rules.iter() {
                let Some(&ri) = self.index.get(&*r.id) else {
                    continue;
                };
                let Some(suite) = self.suites.get_mut(ri) else {
                    continue;
                };
                if suite.last == Some(doc) {
                    continue;
                }
                suite.last = Some(doc);
                if by_rule.len() <= ri {
                    by_rule.resize_with(ri + 1, Vec::new);
                }
                if let Some(v) = by_rule.get_mut(ri) {
                    v.push(i);
                }
            }
        }
        for (ri, docs) in by_rule.iter().enumerate() {
            let (Some(suite), Some(rule)) = (self.suites.get_mut(ri), self.rules.get(ri)) else {
                continue;
            };
            if docs.is_empty() {
                continue;
            }
            let at = self.spool.len();
            for c in docs.iter().filter_map(|&i| part.checked.get(i)) {
                let case = cases.get(&(&*rule.id, c.source.key(), c.doc_index));
                suite.counts.add(case.map(Case::outcome));
                let line = c.source.line_col(c.span.start()).0;
                testcase(&mut self.spool, &mut self.text, c, &rule.id, line, case)?;
            }
            suite.cases.push((at, self.spool.len()));
        }
        Ok(())
    }

    fn finish(&mut self, _notices: &[Notice]) -> std::io::Result<()> {
        let mut total = Counts::default();
        for s in &self.suites {
            total.tests += s.counts.tests;
            total.failures += s.counts.failures;
            total.errors += s.counts.errors;
            total.skipped += s.counts.skipped;
        }
        let loads = self.loads.len();
        total.tests += loads;
        total.errors += loads;
        let w = &mut self.w;
        w.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
        writeln!(
            w,
            "<testsuites name=\"fourc\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            total.tests, total.failures, total.errors, total.skipped
        )?;
        for (rule, suite) in self.rules.iter().zip(&self.suites) {
            let n = suite.counts;
            if n.tests == 0 {
                continue;
            }
            writeln!(
                w,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
                Esc(&rule.id),
                n.tests,
                n.failures,
                n.errors,
                n.skipped
            )?;
            writeln!(
                w,
                "    <properties>\n      <property name=\"title\" value=\"{}\"/>\n      <property name=\"severity\" value=\"{}\"/>\n      <property name=\"controls\" value=\"{}\"/>\n    </properties>",
                Esc(&rule.title),
                rule.severity,
                Esc(&rule.controls.join(","))
            )?;
            for &(start, end) in &suite.cases {
                self.spool.copy_range(start, end, w)?;
            }
            w.write_all(b"  </testsuite>\n")?;
        }
        if loads > 0 {
            writeln!(
                w,
                "  <testsuite name=\"fourc\" tests=\"{loads}\" failures=\"0\" errors=\"{loads}\" skipped=\"0\">"
            )?;
            for (name, message, whole) in &self.loads {
                writeln!(
                    w,
                    "    <testcase name=\"load\" classname=\"fourc\" file=\"{}\">\n      <error message=\"{}\" type=\"load\">{}</error>\n    </testcase>",
                    Esc(name),
                    Esc(message),
                    Esc(whole)
                )?;
            }
            w.write_all(b"  </testsuite>\n")?;
        }
        w.write_all(b"</testsuites>\n")?;
        w.flush()
    }
}

/// Writes the testcase of one rule on one document.
fn testcase(
    w: &mut impl Write,
    text: &mut String,
    c: &crate::Checked,
    rule: &str,
    line: u32,
    case: Option<&Case<'_>>,
) -> std::io::Result<()> {
    write!(
        w,
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{line}\"",
        Esc(&c.resource.to_string()),
        Esc(rule),
        Esc(c.source.name()),
    )?;
    let Some(case) = case else {
        return w.write_all(b"/>\n");
    };
    w.write_all(b">\n")?;
    match case.outcome() {
        Outcome::Errored => {
            for e in &case.errors {
                writeln!(
                    w,
                    "      <error message=\"{}\" type=\"evaluation\">rule at {}</error>",
                    Esc(e.message()),
                    Esc(e.rule_location())
                )?;
            }
        }
        Outcome::Failed => failure(w, text, &case.findings)?,
        Outcome::Skipped => {
            if let Some((_, reason)) = case.waived.first() {
                writeln!(w, "      <skipped message=\"waived: {}\"/>", Esc(reason))?;
            }
        }
        Outcome::Empty => {}
    }
    w.write_all(b"    </testcase>\n")
}

/// Writes the `<failure>` of a case; `text` is reused from case to case.
fn failure(w: &mut impl Write, text: &mut String, findings: &[&Finding]) -> std::io::Result<()> {
    let Some(first) = findings.first() else {
        return Ok(());
    };
    text.clear();
    for f in findings {
        let _ = writeln!(
            text,
            "{}:{}:{}: {} [{}] {}\n  field: {}",
            f.source().name(),
            f.line(),
            f.col(),
            f.rule().severity,
            f.rule().id,
            f.message(),
            super::shown_path(f)
        );
        for r in f.related() {
            let _ = writeln!(text, "  related: {}", r.summary());
        }
    }
    if let Some(r) = &first.rule().remediation {
        let _ = writeln!(text, "help: {r}");
    }
    let message = Esc(first.message());
    if findings.len() == 1 {
        write!(w, "      <failure message=\"{message}\"")?;
    } else {
        write!(
            w,
            "      <failure message=\"{} findings: {message}\"",
            findings.len()
        )?;
    }
    writeln!(
        w,
        " type=\"{}\">{}</failure>",
        first.rule().severity,
        Esc(text.trim_end())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{fffd}"
        );
    }
}
