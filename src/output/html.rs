//! The 4C posture page: one self-contained HTML document (inline CSS, no script, no network).
//!
//! - A header with the scan summary: files, documents, resources with findings, findings by
//!   severity, waived findings, errors, and how many controls the rules that ran cover.
//! - **4C posture**: the layers Cloud, Cluster, Container and Code as nested boxes, outer to
//!   inner. Each lists its controls of the catalogue ([`crate::controls`]) with a status
//!   (`failing`: standing findings; `passing`: checked, none stand; `not assessed`: rules serve
//!   it but no input has a resource they apply to; `no rule`: a gap in the rule set), the rules
//!   serving it, the documents they checked, the standing and waived findings and the worst
//!   resources (most severe finding, then most findings; three at most), each linked to its
//!   first finding.
//! - **Findings by layer and severity**: a stacked bar chart (inline SVG) and the same numbers
//!   as a table. A finding counts in its rule's layer, as in the JSON `by_layer`; in the posture
//!   table it counts under every control its rule serves.
//! - **Findings**, grouped by file: `file:line:col`, severity, rule id, message, resource, field
//!   path, the source lines around the span with the span marked, and the rule's remediation as
//!   the fix. Waived findings are listed in place, marked `waived` with the waiver's reason,
//!   owner, expiry and where it is written.
//! - **Errors** (inputs that could not be read, rules that could not be evaluated), and when
//!   there are any, warnings (waivers, settings) and skipped inputs.
//!
//! The output is deterministic (no clock, no random ids: ids come from the catalogue and from
//! positions in the sorted lists) and every text from inputs, rules and settings is
//! HTML-escaped, with control characters replaced as in the text report.

mod findings;
mod posture;

use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::io::{self, Write};

use policy_core::controls::CONTROLS;
use policy_core::snippet::escape_controls;

use self::findings::plural;
use self::posture::{ControlRow, Posture, WORST, severity_index};
use crate::{Layer, Scan, Severity};

/// The stylesheet, inlined into the page.
const STYLE: &str = include_str!("html/page.css");

/// Renders a scan as the posture page.
pub fn html(scan: &Scan) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail; the renderer writes UTF-8.
    let _ = write_html(scan, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes a scan as the posture page to `w`, the findings one at a time.
pub fn write_html(scan: &Scan, mut w: impl Write) -> io::Result<()> {
    let w: &mut dyn Write = &mut w;
    let posture = Posture::of(scan);
    let findings = scan.report.findings.len();
    writeln!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"generator\" content=\"fourc {version}\">\n\
         <title>4C posture: {} in {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>",
        plural(findings, "finding"),
        plural(scan.report.documents, "document"),
        version = env!("CARGO_PKG_VERSION"),
    )?;
    header(w, scan, &posture)?;
    writeln!(w, "<main>")?;
    layers(w, &posture)?;
    chart(w, &posture)?;
    findings::section(w, scan)?;
    errors(w, scan)?;
    notices(w, scan)?;
    skipped(w, scan)?;
    writeln!(
        w,
        "</main>\n<footer><p>fourc {}: 4C model of the Kubernetes overview of cloud native \
         security.</p></footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    )?;
    w.flush()
}

/// The posture page as a [`ScanSink`](crate::ScanSink). The page opens with the posture of every layer and
/// control, which links to findings further down, so it holds the scan's findings until the
/// end and writes the page then.
pub struct HtmlSink<W: Write> {
    w: W,
    scan: Scan,
}

impl<W: Write> HtmlSink<W> {
    /// A page written to `w`.
    pub fn new(w: W) -> Self {
        HtmlSink {
            w,
            scan: Scan::default(),
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.w
    }
}

impl<W: Write> crate::ScanSink for HtmlSink<W> {
    fn start(&mut self, start: &crate::ScanStart<'_>) -> io::Result<()> {
        crate::scan::Collect(&mut self.scan).start(start)
    }
    fn part(&mut self, part: &crate::ScanPart<'_>) -> io::Result<()> {
        crate::scan::Collect(&mut self.scan).part(part)
    }
    fn finish(&mut self, notices: &[crate::waiver::Notice]) -> io::Result<()> {
        crate::scan::Collect(&mut self.scan).finish(notices)?;
        write_html(&self.scan, &mut self.w)
    }
}

/// Text escaped for HTML content and attribute values; control characters other than tab and
/// line feed are replaced by visible symbols.
pub(crate) struct Esc<'a>(pub(crate) &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 4];
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                '\t' | '\n' => f.write_char(c)?,
                c if c.is_control() => f.write_str(&escape_controls(c.encode_utf8(&mut buf)))?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// The element id of the `n`th (from 0) standing finding.
pub(crate) fn finding_id(n: usize) -> String {
    format!("finding-{}", n + 1)
}

fn severity_badge(s: Severity) -> String {
    format!("<span class=\"badge sev-{0}\">{0}</span>", s.as_str())
}

fn title_case(s: &str) -> String {
    let mut t = s.to_string();
    if let Some(first) = t.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    t
}

fn header(w: &mut dyn Write, scan: &Scan, posture: &Posture<'_>) -> io::Result<()> {
    let files: HashSet<&[u8]> = scan
        .checked
        .iter()
        .map(|c| c.source.key())
        .chain(scan.load_errors.iter().map(|e| e.key()))
        .collect();
    let resources: HashSet<(&[u8], u32)> = scan
        .report
        .findings
        .iter()
        .map(|f| (f.source().key(), f.doc_index()))
        .collect();
    let errors = scan.load_errors.len() + scan.report.errors.len();
    let covered = posture
        .controls
        .iter()
        .filter(|c| !c.rules.is_empty())
        .count();
    writeln!(
        w,
        "<header class=\"top\">\n<div class=\"wrap\">\n<p class=\"brand\">fourc</p>\n\
         <h1>4C security posture</h1>\n<p class=\"sub\">{} ran; they cover {covered} of {} \
         controls of the 4C catalogue.</p>\n<dl class=\"stats\">",
        plural(scan.rules.len(), "rule"),
        CONTROLS.len()
    )?;
    let stat = |w: &mut dyn Write, key: &str, label: &str, n: usize, class: &str| {
        writeln!(
            w,
            "<div class=\"stat{class}\" id=\"stat-{key}\"><dt>{label}</dt><dd>{n}</dd></div>"
        )
    };
    stat(w, "files", "Files", files.len(), "")?;
    stat(w, "documents", "Documents", scan.report.documents, "")?;
    stat(
        w,
        "resources",
        "Resources with findings",
        resources.len(),
        "",
    )?;
    let hot = |n: usize| if n > 0 { " hot" } else { "" };
    stat(
        w,
        "findings",
        "Findings",
        scan.report.findings.len(),
        hot(scan.report.findings.len()),
    )?;
    stat(w, "waived", "Waived", scan.suppressed.len(), "")?;
    stat(w, "errors", "Errors", errors, hot(errors))?;
    writeln!(
        w,
        "</dl>\n<ul class=\"sevs\" aria-label=\"Findings by severity\">"
    )?;
    for (s, n) in crate::output::by_severity(&scan.report.findings) {
        writeln!(
            w,
            "<li class=\"sev-{0}{1}\" data-severity=\"{0}\"><span class=\"n\">{n}</span> {0}</li>",
            s.as_str(),
            if n == 0 { " zero" } else { "" }
        )?;
    }
    writeln!(
        w,
        "</ul>\n<nav aria-label=\"Sections\"><a href=\"#posture\">4C posture</a> \
         <a href=\"#chart\">By layer and severity</a> <a href=\"#findings\">Findings</a> \
         <a href=\"#errors\">Errors</a></nav>\n</div>\n</header>"
    )
}

fn layer_blurb(l: Layer) -> &'static str {
    match l {
        Layer::Cloud => {
            "The infrastructure the cluster runs on: its API endpoint, nodes, cloud credentials and etcd."
        }
        Layer::Cluster => {
            "The Kubernetes API and the objects it holds: access, secrets, pod security, resources and traffic."
        }
        Layer::Container => {
            "The images and the runtime: vulnerabilities, signatures, users and isolation."
        }
        Layer::Code => {
            "The application: encrypted traffic, exposed ports, dependencies and its own tests."
        }
    }
}

/// The four layers, each nested in the one outside it.
fn layers(w: &mut dyn Write, posture: &Posture<'_>) -> io::Result<()> {
    let count = |s: posture::Status| posture.controls.iter().filter(|c| c.status() == s).count();
    writeln!(
        w,
        "<section class=\"card\" id=\"posture\" aria-labelledby=\"posture-h\">\n\
         <h2 id=\"posture-h\">4C posture</h2>\n<p class=\"lead\">\
         <span class=\"status failing\">{} failing</span> \
         <span class=\"status passing\">{} passing</span> \
         <span class=\"status unassessed\">{} not assessed</span> \
         <span class=\"status gap\">{} without a rule</span> of {} controls. \
         A control is covered when a rule that ran serves it, and assessed when that rule \
         applied to a resource of the inputs.</p>",
        count(posture::Status::Failing),
        count(posture::Status::Passing),
        count(posture::Status::NotAssessed),
        count(posture::Status::Gap),
        posture.controls.len()
    )?;
    for l in Layer::ALL {
        let name = l.as_str();
        let counts = posture.layer_counts(l);
        let total: usize = counts.iter().sum();
        let rows: Vec<&ControlRow<'_>> = posture.layer(l).collect();
        let covered = rows.iter().filter(|c| !c.rules.is_empty()).count();
        writeln!(
            w,
            "<div class=\"layer layer-{name}\" id=\"layer-{name}\" data-findings=\"{total}\">\n\
             <div class=\"layer-head\"><h3 id=\"layer-{name}-h\">{}</h3>\
             <p class=\"layer-stats\"><span class=\"layer-findings\">{}</span> \
             <span>{covered} of {} controls covered</span>{}</p></div>\n\
             <p class=\"blurb\">{}</p>",
            title_case(name),
            plural(total, "finding"),
            rows.len(),
            mini_bar(&counts),
            layer_blurb(l)
        )?;
        controls_table(w, l, &rows)?;
    }
    for _ in Layer::ALL {
        writeln!(w, "</div>")?;
    }
    writeln!(w, "</section>")
}

/// A thin stacked bar of a layer's findings per severity (decorative: the numbers are beside
/// it and in the chart's table).
fn mini_bar(counts: &[usize; 5]) -> String {
    let total: usize = counts.iter().sum();
    if total == 0 {
        return String::new();
    }
    let mut s = String::from(" <span class=\"mini\" aria-hidden=\"true\">");
    for (sev, n) in Severity::ALL.iter().zip(counts) {
        if *n > 0 {
            let _ = write!(
                s,
                "<span class=\"sev-{}\" style=\"flex-grow:{n}\"></span>",
                sev.as_str()
            );
        }
    }
    s.push_str("</span>");
    s
}

fn controls_table(w: &mut dyn Write, l: Layer, rows: &[&ControlRow<'_>]) -> io::Result<()> {
    writeln!(
        w,
        "<table class=\"controls\">\n<caption>{} controls</caption>\n<thead><tr>\
         <th scope=\"col\">Control</th><th scope=\"col\">Status</th>\
         <th scope=\"col\">Rules</th><th scope=\"col\" class=\"num\">Checked</th>\
         <th scope=\"col\" class=\"num\">Failing</th><th scope=\"col\" class=\"num\">Waived</th>\
         <th scope=\"col\">Worst resources (top {WORST})</th></tr></thead>\n<tbody>",
        title_case(l.as_str())
    )?;
    for c in rows {
        let (class, words) = c.status().names();
        let key = c.control.key;
        write!(
            w,
            "<tr class=\"control {class}\" id=\"control-{key}\" data-failing=\"{}\">\
             <th scope=\"row\"><code>{key}</code><span class=\"ctitle\">{}</span></th>\
             <td><span class=\"status {class}\">{words}</span>",
            c.failing,
            Esc(c.control.title)
        )?;
        if c.errors > 0 {
            write!(
                w,
                " <span class=\"status error\">{}</span>",
                plural(c.errors, "error")
            )?;
        }
        write!(w, "</td><td>")?;
        if c.rules.is_empty() {
            write!(w, "<span class=\"none\">none</span>")?;
        } else {
            write!(
                w,
                "<details><summary>{}</summary><ul class=\"rules\">",
                plural(c.rules.len(), "rule")
            )?;
            for r in &c.rules {
                write!(
                    w,
                    "<li><code>{}</code> <span class=\"badge sev-{1}\">{1}</span></li>",
                    Esc(&r.id),
                    r.severity.as_str()
                )?;
            }
            write!(w, "</ul></details>")?;
        }
        write!(
            w,
            "</td><td class=\"num\">{}</td><td class=\"num failing-n\">{}</td>\
             <td class=\"num\">{}</td><td>",
            c.checked, c.failing, c.waived
        )?;
        if c.worst.is_empty() {
            write!(w, "<span class=\"none\">none</span>")?;
        } else {
            write!(w, "<ol class=\"worst\">")?;
            for r in &c.worst {
                write!(
                    w,
                    "<li>{} <a href=\"#{}\">{}</a> <span class=\"times\">\u{d7}{}</span></li>",
                    severity_badge(r.severity),
                    finding_id(r.first),
                    Esc(&r.resource.to_string()),
                    r.count
                )?;
            }
            write!(w, "</ol>")?;
        }
        writeln!(w, "</td></tr>")?;
    }
    writeln!(w, "</tbody>\n</table>")
}

/// Findings per layer and severity: stacked bars in SVG, then the same numbers as a table.
fn chart(w: &mut dyn Write, posture: &Posture<'_>) -> io::Result<()> {
    const LABEL: f64 = 104.0;
    const BAR: f64 = 520.0;
    const ROW: f64 = 40.0;
    let totals: Vec<usize> = posture.matrix.iter().map(|r| r.iter().sum()).collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    let height = ROW * 4.0 + 8.0;
    writeln!(
        w,
        "<section class=\"card\" id=\"chart\" aria-labelledby=\"chart-h\">\n\
         <h2 id=\"chart-h\">Findings by layer and severity</h2>\n<div class=\"chart-row\">\n\
         <svg class=\"bars\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 700 {height}\" \
         role=\"img\" aria-labelledby=\"chart-title\"><title id=\"chart-title\">Standing findings \
         per layer, stacked by severity</title>"
    )?;
    for (i, (l, row)) in Layer::ALL.iter().zip(&posture.matrix).enumerate() {
        let y = ROW * i as f64 + 8.0;
        let total: usize = row.iter().sum();
        writeln!(
            w,
            "<text x=\"0\" y=\"{:.1}\" class=\"axis\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{y:.1}\" width=\"{BAR}\" height=\"24\" rx=\"4\" class=\"track\"/>",
            y + 17.0,
            title_case(l.as_str())
        )?;
        let mut x = LABEL;
        for (s, n) in Severity::ALL.iter().zip(row) {
            if *n == 0 {
                continue;
            }
            let width = BAR * *n as f64 / max as f64;
            writeln!(
                w,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"24\" class=\"seg sev-{0}\">\
                 <title>{1}: {n} {0}</title></rect>",
                s.as_str(),
                l.as_str()
            )?;
            x += width;
        }
        writeln!(
            w,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"total\">{total}</text>",
            x + 8.0,
            y + 17.0
        )?;
    }
    writeln!(w, "</svg>\n<ul class=\"legend\">")?;
    for s in Severity::ALL {
        writeln!(
            w,
            "<li><span class=\"swatch sev-{0}\"></span>{0}</li>",
            s.as_str()
        )?;
    }
    writeln!(
        w,
        "</ul>\n</div>\n<table class=\"matrix\">\n<caption>Standing findings per layer and \
         severity</caption>\n<thead><tr><th scope=\"col\">Layer</th>"
    )?;
    for s in Severity::ALL {
        write!(
            w,
            "<th scope=\"col\" class=\"num\">{}</th>",
            title_case(s.as_str())
        )?;
    }
    writeln!(
        w,
        "<th scope=\"col\" class=\"num\">Total</th></tr></thead>\n<tbody>"
    )?;
    for (l, row) in Layer::ALL.iter().zip(&posture.matrix) {
        write!(w, "<tr><th scope=\"row\">{}</th>", title_case(l.as_str()))?;
        for s in Severity::ALL {
            let n = row.get(severity_index(s)).copied().unwrap_or(0);
            write!(
                w,
                "<td class=\"num\" data-layer=\"{}\" data-severity=\"{}\">{n}</td>",
                l.as_str(),
                s.as_str()
            )?;
        }
        writeln!(
            w,
            "<td class=\"num total\" data-layer=\"{}\">{}</td></tr>",
            l.as_str(),
            row.iter().sum::<usize>()
        )?;
    }
    writeln!(w, "</tbody>\n</table>\n</section>")
}

fn errors(w: &mut dyn Write, scan: &Scan) -> io::Result<()> {
    writeln!(
        w,
        "<section class=\"card\" id=\"errors\" aria-labelledby=\"errors-h\">\n\
         <h2 id=\"errors-h\">Errors</h2>"
    )?;
    if scan.load_errors.is_empty() && scan.report.errors.is_empty() {
        return writeln!(
            w,
            "<p class=\"empty\">Every input was read and every rule evaluated.</p>\n</section>"
        );
    }
    writeln!(
        w,
        "<table class=\"errors\">\n<caption>Inputs that could not be read and rules that could \
         not be evaluated</caption>\n<thead><tr><th scope=\"col\">Kind</th>\
         <th scope=\"col\">Location</th><th scope=\"col\">Rule</th><th scope=\"col\">Message</th>\
         </tr></thead>\n<tbody>"
    )?;
    for e in &scan.load_errors {
        let at = if e.line() > 0 {
            format!("{}:{}:{}", e.source_name(), e.line(), e.col())
        } else {
            e.source_name().to_string()
        };
        writeln!(
            w,
            "<tr><td>load</td><td><code>{}</code></td><td></td><td>{}</td></tr>",
            Esc(&at),
            Esc(e.message())
        )?;
    }
    for e in &scan.report.errors {
        writeln!(
            w,
            "<tr><td>evaluation</td><td><code>{}:{}:{}</code></td><td><code>{}</code></td>\
             <td>{} <span class=\"detail\">(rule at {}, resource {})</span></td></tr>",
            Esc(e.source().name()),
            e.line(),
            e.col(),
            Esc(&e.rule().id),
            Esc(e.message()),
            Esc(e.rule_location()),
            Esc(&e.resource().to_string())
        )?;
    }
    writeln!(w, "</tbody>\n</table>\n</section>")
}

fn notices(w: &mut dyn Write, scan: &Scan) -> io::Result<()> {
    let items = scan.notices.iter().map(|n| {
        let at = n
            .location
            .as_ref()
            .map(|l| format!("<code>{}</code> ", Esc(&l.to_string())))
            .unwrap_or_default();
        format!(
            "{at}<span class=\"status unassessed\">{}</span> {}",
            n.kind.as_str(),
            Esc(&n.message)
        )
    });
    list_section(w, "notices", "Warnings", items)
}

fn skipped(w: &mut dyn Write, scan: &Scan) -> io::Result<()> {
    let items = scan
        .skipped
        .iter()
        .map(|s| format!("<code>{}</code> {}", Esc(&s.path), Esc(&s.reason)));
    list_section(w, "skipped", "Skipped inputs", items)
}

/// A section listing `items` (markup), left out when there are none.
fn list_section(
    w: &mut dyn Write,
    id: &str,
    title: &str,
    items: impl Iterator<Item = String>,
) -> io::Result<()> {
    let mut items = items.peekable();
    if items.peek().is_none() {
        return Ok(());
    }
    writeln!(
        w,
        "<section class=\"card\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n\
         <h2 id=\"{id}-h\">{title}</h2>\n<ul class=\"plain\">"
    )?;
    for i in items {
        writeln!(w, "<li>{i}</li>")?;
    }
    writeln!(w, "</ul>\n</section>")
}

#[cfg(test)]
mod tests;
