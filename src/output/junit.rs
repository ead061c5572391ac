//! JUnit XML, as CI systems read it (the Ant/Surefire schema): one `<testsuite>` per rule, one
//! `<testcase>` per resource the rule checked.
//!
//! A testcase passes when the rule found nothing on the resource; it has a `<failure>` listing
//! the findings when it did (`type` is the severity), `<skipped>` when every finding was waived,
//! and `<error>` when the rule could not be evaluated. Inputs that could not be read form a last
//! suite named `fourc`, with one erroring testcase per input. No timing is written, so the
//! output is reproducible.
//!
//! [`write_junit`] streams: the counts of every suite are taken first, then each testcase is
//! written as it is reached, so only the text of the current one is ever held.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::io::Write;

use crate::{EvalError, Finding, Scan};

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
pub fn write_junit<'s>(scan: &'s Scan, mut w: impl Write) -> std::io::Result<()> {
    let mut cases: HashMap<Key<'s>, Case<'s>> = HashMap::new();
    for f in &scan.report.findings {
        let k = (&*f.rule().id, f.source().key(), f.doc_index());
        cases.entry(k).or_default().findings.push(f);
    }
    for s in &scan.suppressed {
        let f = &s.finding;
        let k = (&*f.rule().id, f.source().key(), f.doc_index());
        cases
            .entry(k)
            .or_default()
            .waived
            .push((f, &s.suppression.reason));
    }
    for e in &scan.report.errors {
        let k = (&*e.rule().id, e.source().key(), e.doc_index());
        cases.entry(k).or_default().errors.push(e);
    }
    // The documents each rule checked, in input order: one lookup per rule instead of a pass
    // over every document's rules per rule.
    let mut checked_by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in scan.checked.iter().enumerate() {
        for r in c.rules.iter() {
            let v = checked_by.entry(&*r.id).or_default();
            if v.last() != Some(&i) {
                v.push(i);
            }
        }
    }
    let docs_of = |id: &str| checked_by.get(id).map_or(&[][..], Vec::as_slice);
    let case_of = |rule: &'s str, i: usize| {
        let c = scan.checked.get(i)?;
        cases.get(&(rule, c.source.key(), c.doc_index))
    };
    // Every count is written before the testcases it counts: take them all first.
    let mut total = Counts::default();
    let suites: Vec<Counts> = scan
        .rules
        .iter()
        .map(|rule| {
            let mut n = Counts::default();
            for &i in docs_of(&rule.id) {
                n.add(case_of(&rule.id, i).map(Case::outcome));
            }
            n
        })
        .collect();
    for n in &suites {
        total.tests += n.tests;
        total.failures += n.failures;
        total.errors += n.errors;
        total.skipped += n.skipped;
    }
    let loads = scan.load_errors.len();
    total.tests += loads;
    total.errors += loads;
    w.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    writeln!(
        w,
        "<testsuites name=\"fourc\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        total.tests, total.failures, total.errors, total.skipped
    )?;
    let mut text = String::new();
    for (rule, n) in scan.rules.iter().zip(&suites) {
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
        for &i in docs_of(&rule.id) {
            let Some(c) = scan.checked.get(i) else {
                continue;
            };
            write!(
                w,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                Esc(&c.resource.to_string()),
                Esc(&rule.id),
                Esc(c.source.name()),
                c.source.line_col(c.span.start()).0
            )?;
            let Some(case) = case_of(&rule.id, i) else {
                w.write_all(b"/>\n")?;
                continue;
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
                Outcome::Failed => failure(&mut w, &mut text, &case.findings)?,
                Outcome::Skipped => {
                    if let Some((_, reason)) = case.waived.first() {
                        writeln!(w, "      <skipped message=\"waived: {}\"/>", Esc(reason))?;
                    }
                }
                Outcome::Empty => {}
            }
            w.write_all(b"    </testcase>\n")?;
        }
        w.write_all(b"  </testsuite>\n")?;
    }
    if loads > 0 {
        writeln!(
            w,
            "  <testsuite name=\"fourc\" tests=\"{loads}\" failures=\"0\" errors=\"{loads}\" skipped=\"0\">"
        )?;
        for e in &scan.load_errors {
            writeln!(
                w,
                "    <testcase name=\"load\" classname=\"fourc\" file=\"{}\">\n      <error message=\"{}\" type=\"load\">{}</error>\n    </testcase>",
                Esc(e.source_name()),
                Esc(e.message()),
                Esc(&e.to_string())
            )?;
        }
        w.write_all(b"  </testsuite>\n")?;
    }
    w.write_all(b"</testsuites>\n")
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
