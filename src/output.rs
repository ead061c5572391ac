//! Renderers for scan results: text and a self-contained HTML posture page for people; JSON,
//! SARIF 2.1.0 and JUnit XML for tools.
//!
//! Every renderer takes a whole [`Scan`] and returns the document as a string, so one scan can
//! be written in several formats. Output is deterministic: findings are sorted by file, line,
//! column and rule id, and nothing depends on the clock, the thread count or the terminal
//! (colour is an explicit [`TextOptions`] switch).
//!
//! The JSON schema is documented in [`json`](mod@json); SARIF follows OASIS SARIF 2.1.0 (see
//! [`sarif`](mod@sarif) for the fields fourc fills); JUnit follows the de facto schema of Ant and
//! Surefire (see [`junit`](mod@junit)); the HTML page is described in [`html`](mod@html).

pub mod html;
pub mod json;
pub mod junit;
pub mod sarif;
mod stream;
pub mod text;

pub use html::{HtmlSink, html, write_html};
pub use json::{JSON_SCHEMA_VERSION, JsonSink, json, write_json};
pub use junit::{JunitSink, junit, write_junit};
pub use sarif::{SarifSink, sarif, write_sarif};
pub use text::{TextOptions, TextSink, text, text_with, write_text};

use crate::waiver::Suppressed;
use crate::{Finding, Layer, Scan, Severity};

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Findings grouped by file, with source lines, for people.
    Text,
    /// fourc's JSON report (schema version [`JSON_SCHEMA_VERSION`]).
    Json,
    /// SARIF 2.1.0, for code scanning services.
    Sarif,
    /// JUnit XML, for CI test report views.
    Junit,
    /// One self-contained HTML page: the 4C posture per layer and control, a chart of findings
    /// per layer and severity, and every finding with its source lines and fix.
    Html,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Html,
    ];

    /// Parses `text`, `json`, `sarif`, `junit` or `html`.
    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Html => "html",
        }
    }

    /// Renders a scan in this format (text without colour).
    pub fn render(self, scan: &Scan) -> String {
        match self {
            Format::Text => text(scan),
            Format::Json => json(scan),
            Format::Sarif => sarif(scan),
            Format::Junit => junit(scan),
            Format::Html => html(scan),
        }
    }
}

/// Bytes percent-encoded as RFC 3986 does: every byte outside the unreserved set
/// (`A-Z a-z 0-9 - . _ ~`) and `/` as `%XX` (uppercase hex).
pub(crate) fn percent_encoded(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Counts of standing findings per severity, most severe first.
pub fn by_severity(findings: &[Finding]) -> Vec<(Severity, usize)> {
    Severity::ALL
        .iter()
        .map(|s| {
            (
                *s,
                findings.iter().filter(|f| f.rule().severity == *s).count(),
            )
        })
        .collect()
}

/// Counts of standing findings per layer, outermost first.
pub fn by_layer(findings: &[Finding]) -> Vec<(Layer, usize)> {
    Layer::ALL
        .iter()
        .map(|l| (*l, findings.iter().filter(|f| f.rule().layer == *l).count()))
        .collect()
}

/// The field path of a finding as shown to people: `<document>` for the whole document.
pub(crate) fn shown_path(f: &Finding) -> &str {
    if f.path().is_empty() {
        "<document>"
    } else {
        f.path()
    }
}

/// Standing findings (without a waiver) and waived ones (with theirs) together, sorted by file,
/// line, column, rule id and field path: the order of the reports that list both.
pub(crate) fn all_findings(scan: &Scan) -> Vec<(&Finding, Option<&Suppressed>)> {
    merged(&scan.report.findings, &scan.suppressed)
}

/// [`all_findings`] of one part.
pub(crate) fn merged<'a>(
    findings: &'a [Finding],
    suppressed: &'a [Suppressed],
) -> Vec<(&'a Finding, Option<&'a Suppressed>)> {
    let mut all: Vec<(&Finding, Option<&Suppressed>)> = findings
        .iter()
        .map(|f| (f, None))
        .chain(suppressed.iter().map(|s| (&s.finding, Some(s))))
        .collect();
    all.sort_by(|(a, _), (b, _)| {
        (a.source().key(), a.line(), a.col(), &a.rule().id, &a.path()).cmp(&(
            b.source().key(),
            b.line(),
            b.col(),
            &b.rule().id,
            &b.path(),
        ))
    });
    all
}
