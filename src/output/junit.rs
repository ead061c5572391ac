//! JUnit XML, as CI systems read it (the Ant/Surefire schema): one `<testsuite>` per rule, one
//! `<testcase>` per resource the rule checked.
//!
//! A testcase passes when the rule found nothing on the resource; it has a `<failure>` listing
//! the findings when it did (`type` is the severity), `<skipped>` when every finding was waived,
//! and `<error>` when the rule could not be evaluated. Inputs that could not be read form a last
//! suite named `fourc`, with one erroring testcase per input. No timing is written, so the
//! output is reproducible.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::{EvalError, Finding, Scan};

/// What happened to one (rule, resource) pair.
#[derive(Default)]
struct Case<'a> {
    findings: Vec<&'a Finding>,
    waived: Vec<(&'a Finding, &'a str)>,
    errors: Vec<&'a EvalError>,
}

/// Escapes text for XML attributes and content; characters XML 1.0 cannot hold become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

type Key<'a> = (&'a str, &'a [u8], u32);

/// Renders a scan as JUnit XML.
pub fn junit(scan: &Scan) -> String {
    let mut cases: HashMap<Key<'_>, Case<'_>> = HashMap::new();
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
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for rule in &scan.rules {
        let mut body = String::new();
        let (mut t, mut fl, mut er, mut sk) = (0, 0, 0, 0);
        for c in &scan.checked {
            if !c.rules.iter().any(|r| r.id == rule.id) {
                continue;
            }
            t += 1;
            let k = (&*rule.id, c.source.key(), c.doc_index);
            let case = cases.get(&k);
            let _ = write!(
                body,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                escape(&c.resource.to_string()),
                escape(&rule.id),
                escape(c.source.name()),
                c.source.line_col(c.span.start()).0
            );
            match case {
                None => body.push_str("/>\n"),
                Some(case) => {
                    body.push_str(">\n");
                    if !case.errors.is_empty() {
                        er += 1;
                        for e in &case.errors {
                            let _ = writeln!(
                                body,
                                "      <error message=\"{}\" type=\"evaluation\">rule at {}</error>",
                                escape(e.message()),
                                escape(e.rule_location())
                            );
                        }
                    } else if !case.findings.is_empty() {
                        fl += 1;
                        failure(&mut body, &case.findings);
                    } else if let Some((_, reason)) = case.waived.first() {
                        sk += 1;
                        let _ = writeln!(
                            body,
                            "      <skipped message=\"waived: {}\"/>",
                            escape(reason)
                        );
                    }
                    body.push_str("    </testcase>\n");
                }
            }
        }
        if t == 0 {
            continue;
        }
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{t}\" failures=\"{fl}\" errors=\"{er}\" skipped=\"{sk}\">",
            escape(&rule.id)
        );
        let _ = writeln!(
            suites,
            "    <properties>\n      <property name=\"title\" value=\"{}\"/>\n      <property name=\"severity\" value=\"{}\"/>\n      <property name=\"controls\" value=\"{}\"/>\n    </properties>",
            escape(&rule.title),
            rule.severity,
            escape(&rule.controls.join(","))
        );
        suites.push_str(&body);
        suites.push_str("  </testsuite>\n");
        (tests, failures, errors, skipped) = (tests + t, failures + fl, errors + er, skipped + sk);
    }
    if !scan.load_errors.is_empty() {
        let n = scan.load_errors.len();
        let _ = writeln!(
            suites,
            "  <testsuite name=\"fourc\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" skipped=\"0\">"
        );
        for e in &scan.load_errors {
            let _ = writeln!(
                suites,
                "    <testcase name=\"load\" classname=\"fourc\" file=\"{}\">\n      <error message=\"{}\" type=\"load\">{}</error>\n    </testcase>",
                escape(e.source_name()),
                escape(e.message()),
                escape(&e.to_string())
            );
        }
        suites.push_str("  </testsuite>\n");
        tests += n;
        errors += n;
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"fourc\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">"
    );
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

fn failure(body: &mut String, findings: &[&Finding]) {
    let Some(first) = findings.first() else {
        return;
    };
    let message = if findings.len() == 1 {
        first.message().to_string()
    } else {
        format!("{} findings: {}", findings.len(), first.message())
    };
    let mut text = String::new();
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
    let _ = writeln!(
        body,
        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
        escape(&message),
        first.rule().severity,
        escape(text.trim_end())
    );
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
