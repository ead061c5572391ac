//! The text report: findings grouped by file, each with its source line and a caret under the
//! field, then waiver warnings, errors and a one-line summary.
//!
//! ```text
//! examples/manifests/deployment.yaml
//!   examples/manifests/deployment.yaml:27:13: high [pss-baseline-privileged] container "log-shipper" ...
//!       resource: Deployment/shop/web  field: spec.template.spec.containers[1].securityContext.privileged
//!       27 |             privileged: true
//!          |             ^^^^^^^^^^^^^^^^
//!          = help: Remove securityContext.privileged or set it to false.
//!
//! 3 findings in 4 documents (3 high); by layer: 3 cluster; 1 suppressed
//! ```
//!
//! A rule's remediation (`= help:`) is shown under its first finding only.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::{by_layer, by_severity, shown_path};
use crate::waiver::SuppressionKind;
use crate::{Finding, Scan, Severity, Source, Span};

/// How to render text.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// ANSI colours (for a terminal; the command turns them on only when standard output is
    /// one and `NO_COLOR` is unset).
    pub color: bool,
    /// List waived findings one per line, not only count them.
    pub show_suppressed: bool,
}

/// Renders a scan as text without colour.
pub fn text(scan: &Scan) -> String {
    text_with(scan, &TextOptions::default())
}

struct Paint(bool);

impl Paint {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, s.as_str())
    }
}

/// Text written as it is produced, so a large report is never held whole in memory. The first
/// I/O error is kept and reported at the end.
struct Sink<'w> {
    w: &'w mut dyn std::io::Write,
    empty: bool,
    err: Option<std::io::Error>,
}

impl std::fmt::Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if s.is_empty() {
            return Ok(());
        }
        self.empty = false;
        if self.err.is_none()
            && let Err(e) = self.w.write_all(s.as_bytes())
        {
            self.err = Some(e);
        }
        Ok(())
    }
}

impl Sink<'_> {
    fn push(&mut self, c: char) {
        let _ = self.write_char(c);
    }

    fn push_str(&mut self, s: &str) {
        let _ = self.write_str(s);
    }

    fn is_empty(&self) -> bool {
        self.empty
    }
}

/// Renders a scan as text.
pub fn text_with(scan: &Scan, opts: &TextOptions) -> String {
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail; the renderer writes UTF-8.
    let _ = write_text(scan, opts, &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}

/// Writes a scan as text to `w`, finding by finding.
pub fn write_text(
    scan: &Scan,
    opts: &TextOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut out = Sink {
        w,
        empty: true,
        err: None,
    };
    render(&mut out, scan, opts);
    match out.err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn render(out: &mut Sink<'_>, scan: &Scan, opts: &TextOptions) {
    let p = Paint(opts.color);
    let mut current: Option<&str> = None;
    // The remediation is shown under a rule's first finding only: it is the same for all.
    let mut helped: HashSet<&str> = HashSet::new();
    for f in &scan.report.findings {
        let file = f.source().name();
        if current != Some(file) {
            if current.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", p.paint("1", file));
            current = Some(file);
        }
        finding(out, &p, f, helped.insert(&f.rule().id));
    }
    if opts.show_suppressed && !scan.suppressed.is_empty() {
        section(out, "suppressed");
        for s in &scan.suppressed {
            let f = &s.finding;
            let sup = &s.suppression;
            let mut why = format!("waived: {}", sup.reason);
            if sup.kind == SuppressionKind::Inline {
                why.push_str("; inline");
            }
            if let Some(o) = &sup.owner {
                let _ = write!(why, "; owner {o}");
            }
            if let Some(d) = sup.expires {
                let _ = write!(why, "; until {d}");
            }
            let _ = writeln!(
                out,
                "  {}:{}:{}: {} [{}] {} ({})",
                f.source().name(),
                f.line(),
                f.col(),
                p.paint("2", f.rule().severity.as_str()),
                f.rule().id,
                f.message(),
                p.paint("2", &why)
            );
        }
    }
    if !scan.notices.is_empty() {
        section(out, "waivers");
        for n in &scan.notices {
            let at = n
                .location
                .as_ref()
                .map(|l| format!("{l}: "))
                .unwrap_or_default();
            let _ = writeln!(out, "  {at}{}: {}", p.paint("33", "warning"), n.message);
        }
    }
    errors(out, &p, scan);
    skipped(out, &p, scan);
    if !out.is_empty() {
        out.push('\n');
    }
    summary(out, &p, scan);
}

fn section(out: &mut Sink<'_>, title: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(title);
    out.push('\n');
}

fn finding(out: &mut Sink<'_>, p: &Paint, f: &Finding, help: bool) {
    let _ = writeln!(
        out,
        "  {}:{}:{}: {} [{}] {}",
        f.source().name(),
        f.line(),
        f.col(),
        p.severity(f.rule().severity),
        p.paint("1", &f.rule().id),
        f.message()
    );
    let _ = writeln!(
        out,
        "      resource: {}  field: {}",
        f.resource(),
        shown_path(f)
    );
    snippet(out, p, f.source(), f.span(), f.rule().severity);
    if let Some(r) = f.rule().remediation.as_ref().filter(|_| help) {
        let mut lines = r.lines();
        if let Some(first) = lines.next() {
            let _ = writeln!(out, "{:>8} = {}: {first}", "", p.paint("1", "help"));
        }
        for l in lines {
            let _ = writeln!(out, "{:>8}         {}", "", l.trim());
        }
    }
}

/// The source line of a span with a caret under it; tabs are kept so the caret lines up.
fn snippet(out: &mut Sink<'_>, p: &Paint, source: &Source, span: Span, sev: Severity) {
    let span = source.lines_of(span);
    let Some(line) = source.line_text(span.line) else {
        return;
    };
    let caret_col = usize::try_from(span.col).unwrap_or(1).saturating_sub(1);
    let width = if span.end_line == span.line {
        usize::try_from(span.end_col.saturating_sub(span.col))
            .unwrap_or(1)
            .clamp(1, 80)
    } else {
        line.chars().count().saturating_sub(caret_col).clamp(1, 80)
    };
    let pad: String = line
        .chars()
        .take(caret_col)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let gutter = p.paint("34", "|");
    let number = p.paint("34", &format!("{:>8}", span.line));
    let _ = writeln!(out, "{number} {gutter} {line}");
    let caret = "^".repeat(width);
    let code = match sev {
        Severity::Critical | Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low | Severity::Info => "36",
    };
    let _ = writeln!(out, "{:>8} {gutter} {pad}{}", "", p.paint(code, &caret));
}

fn skipped(out: &mut Sink<'_>, p: &Paint, scan: &Scan) {
    if scan.skipped.is_empty() {
        return;
    }
    section(out, "skipped");
    let word = p.paint("33", "skipped");
    for s in &scan.skipped {
        let _ = writeln!(out, "  {}: {word}: {}", s.path, s.reason);
    }
}

fn errors(out: &mut Sink<'_>, p: &Paint, scan: &Scan) {
    if scan.load_errors.is_empty() && scan.report.errors.is_empty() {
        return;
    }
    section(out, "errors");
    let error = p.paint("31", "error");
    for e in &scan.load_errors {
        if e.line() > 0 {
            let _ = writeln!(
                out,
                "  {}:{}:{}: {error}: {}",
                e.source_name(),
                e.line(),
                e.col(),
                e.message()
            );
        } else {
            let _ = writeln!(out, "  {}: {error}: {}", e.source_name(), e.message());
        }
    }
    for e in &scan.report.errors {
        let _ = writeln!(
            out,
            "  {}:{}:{}: {error} [{}] {} (rule at {}, resource {})",
            e.source().name(),
            e.line(),
            e.col(),
            e.rule().id,
            e.message(),
            e.rule_location(),
            e.resource()
        );
    }
}

/// `N findings in M documents (by severity); E errors; by layer: ...; S suppressed`.
fn summary(out: &mut Sink<'_>, p: &Paint, scan: &Scan) {
    let findings = &scan.report.findings;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let n = findings.len();
    let docs = scan.report.documents;
    let mut line = format!(
        "{n} finding{} in {docs} document{}",
        plural(n),
        plural(docs)
    );
    let sev: Vec<String> = by_severity(findings)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", p.severity(s)))
        .collect();
    if !sev.is_empty() {
        let _ = write!(line, " ({})", sev.join(", "));
    }
    let errs = scan.load_errors.len() + scan.report.errors.len();
    if errs > 0 {
        let _ = write!(line, "; {errs} error{}", plural(errs));
    }
    let layers: Vec<String> = by_layer(findings)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| format!("{n} {l}"))
        .collect();
    if !layers.is_empty() {
        let _ = write!(line, "; by layer: {}", layers.join(", "));
    }
    let _ = write!(line, "; {} suppressed", scan.suppressed.len());
    if !scan.skipped.is_empty() {
        let k = scan.skipped.len();
        let _ = write!(line, "; {k} input{} skipped", plural(k));
    }
    if !scan.notices.is_empty() {
        let k = scan.notices.len();
        let _ = write!(line, "; {k} waiver warning{}", plural(k));
    }
    out.push_str(&line);
    out.push('\n');
}
