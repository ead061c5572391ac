//! The text report, for people: load errors first, then the findings grouped by file and by
//! resource, each place in the source shown once with every finding there under it, then
//! evaluation errors, waived findings, warnings (waivers, settings), skipped inputs and a
//! summary. It is written while the scan runs ([`TextSink`]).
//!
//! ```text
//! examples/manifests/deployment.yaml
//!   Deployment/shop/web: 2 findings (1 high, 1 medium)
//!
//!     examples/manifests/deployment.yaml:20:11 spec.template.spec.containers[0]
//!           20 |         - name: app
//!              |           ^^^^^^^^^
//!       medium [pss-restricted-run-as-non-root] container "app" does not set securityContext.runAsNonRoot=true
//!              missing: securityContext.runAsNonRoot
//!              fix: Set securityContext.runAsNonRoot to true ...
//!
//!     examples/manifests/deployment.yaml:27:13 spec.template.spec.containers[1].securityContext.privileged
//!           27 |             privileged: true
//!              |             ^^^^^^^^^^^^^^^^
//!       high [pss-baseline-privileged] container "log-shipper" sets securityContext.privileged=true
//!              fix: Remove securityContext.privileged or set it to false.
//!
//! summary
//!   inputs     1 file, 1 document
//!   findings   2 on 1 resource in 1 file: 1 high, 1 medium
//!   by layer   2 cluster
//!   top rules  pss-baseline-privileged 1, pss-restricted-run-as-non-root 1
//!   waived     0
//! ```
//!
//! A finding about a field the document lacks points at the object that lacks it and names the
//! missing part. Findings of two levels of one profile at one place (a hostPath volume fails both
//! Pod Security baseline and restricted) are shown once, with both rule ids and the more severe
//! severity. A finding that a rule reports once per namespace at the namespace's first workload
//! is listed under the namespace, not the workload. `compact` prints one line per finding
//! instead (`file:line:col: severity [rule] message`), as grep and editors read them.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use policy_core::snippet::escape_controls;

use super::stream::Tally;
use crate::waiver::{Notice, Suppressed, SuppressionKind};
use crate::{Finding, Scan, ScanPart, ScanSink, ScanStart, Severity, Source, Span};
use policy_core::profile::Profile;

/// How to render text.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct TextOptions {
    /// ANSI colours (for a terminal; the command turns them on only when standard output is
    /// one and `NO_COLOR` is unset).
    pub color: bool,
    /// List waived findings one per line, not only count them.
    pub show_suppressed: bool,
    /// One line per finding (`file:line:col: severity [rule] message`), no snippets.
    pub compact: bool,
}

impl TextOptions {
    /// With or without ANSI colours.
    pub fn color(mut self, on: bool) -> Self {
        self.color = on;
        self
    }

    /// Lists waived findings one per line.
    pub fn show_suppressed(mut self, on: bool) -> Self {
        self.show_suppressed = on;
        self
    }

    /// One line per finding.
    pub fn compact(mut self, on: bool) -> Self {
        self.compact = on;
        self
    }
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
    scan.replay(&mut TextSink::new(w, *opts))
}

/// The text report written while a scan runs ([`ScanSink`]): load errors first, then each
/// part's findings as they come (a file's findings stay under one heading when the file spans
/// parts), then evaluation errors, waived findings, warnings, skipped inputs and the summary.
/// Evaluation errors and (with `show_suppressed`) waived findings are held, as lines, until the
/// findings are written; the summary keeps counts and one entry per file and per resource with
/// findings.
pub struct TextSink<W: std::io::Write> {
    w: W,
    empty: bool,
    st: State,
}

/// What the text report knows between parts.
#[derive(Default)]
struct State {
    opts: TextOptions,
    profiles: Vec<Profile>,
    documents: usize,
    load_errors: usize,
    skipped: Vec<crate::Skipped>,
    /// The last file whose findings were written.
    last_file: Option<Vec<u8>>,
    /// Files with findings.
    files_with: usize,
    /// (file number among those with findings, document) of every resource with findings.
    resources: HashSet<(usize, u32)>,
    /// Files that were checked or failed to load.
    files: HashSet<Vec<u8>>,
    folded: usize,
    tally: Tally,
    eval_errors: Vec<String>,
    waived: Vec<String>,
}

impl<W: std::io::Write> TextSink<W> {
    /// A report written to `w`.
    pub fn new(w: W, opts: TextOptions) -> Self {
        TextSink {
            w,
            empty: true,
            st: State {
                opts,
                ..State::default()
            },
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.w
    }

    /// Runs `f` on a [`Sink`] over the writer; the first write error is returned.
    fn with(&mut self, f: impl FnOnce(&mut Sink<'_>, &Paint, &mut State)) -> std::io::Result<()> {
        let mut out = Sink {
            w: &mut self.w,
            empty: self.empty,
            err: None,
        };
        let p = Paint(self.st.opts.color);
        f(&mut out, &p, &mut self.st);
        self.empty = out.empty;
        out.err.map_or(Ok(()), Err)
    }
}

impl<W: std::io::Write> ScanSink for TextSink<W> {
    fn start(&mut self, start: &ScanStart<'_>) -> std::io::Result<()> {
        self.st.profiles = start.profiles.to_vec();
        self.st.documents = start.documents;
        self.st.load_errors = start.load_errors.len();
        self.st.skipped = start.skipped.to_vec();
        self.st
            .files
            .extend(start.load_errors.iter().map(|e| e.key().to_vec()));
        self.with(|out, p, _| load_errors(out, p, start.load_errors))
    }

    fn part(&mut self, part: &ScanPart<'_>) -> std::io::Result<()> {
        self.with(|out, p, st| {
            for c in part.checked {
                if !st.files.contains(c.source.key()) {
                    st.files.insert(c.source.key().to_vec());
                }
            }
            st.tally.add(part.findings);
            st.tally.suppressed += part.suppressed.len();
            let mut last = st.last_file.clone();
            for f in part.findings {
                if st.last_file.as_deref() != Some(f.source().key()) {
                    st.files_with += 1;
                    st.last_file = Some(f.source().key().to_vec());
                }
                st.resources.insert((st.files_with, f.doc_index()));
            }
            if st.opts.compact {
                for f in part.findings {
                    compact(out, p, f);
                }
            } else {
                for file in group_files(part.findings, &st.profiles) {
                    st.folded += file
                        .resources
                        .iter()
                        .flat_map(|g| &g.places)
                        .flat_map(|pl| &pl.entries)
                        .map(|e| e.len().saturating_sub(1))
                        .sum::<usize>();
                    let continued = last.as_deref() == Some(file.key);
                    render_file(out, p, &file, &st.profiles, continued);
                    last = Some(file.key.to_vec());
                }
            }
            for e in part.errors {
                st.eval_errors.push(eval_error_line(p, e));
            }
            if st.opts.show_suppressed {
                st.waived
                    .extend(part.suppressed.iter().map(|s| waived_line(p, s)));
            }
        })
    }

    fn finish(&mut self, notices: &[Notice]) -> std::io::Result<()> {
        self.with(|out, p, st| {
            if !st.eval_errors.is_empty() {
                section(
                    out,
                    &format!(
                        "{} ({}; the other rules and documents were still evaluated)",
                        p.paint("1;31", "evaluation errors"),
                        st.eval_errors.len()
                    ),
                );
                for l in &st.eval_errors {
                    out.push_str(l);
                }
            }
            if !st.waived.is_empty() {
                section(out, "waived");
                for l in &st.waived {
                    out.push_str(l);
                }
            }
            if !notices.is_empty() {
                section(out, "warnings");
                for n in notices {
                    let at = n
                        .location
                        .as_ref()
                        .map(|l| escape_controls(&format!("{l}: ")))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "  {at}{}: {}",
                        p.paint("33", "warning"),
                        escape_controls(&n.message)
                    );
                }
            }
            skipped(out, p, &st.skipped);
            summary(out, p, st, notices.len());
        })?;
        self.w.flush()
    }
}

/// A waived finding on one line (with its waiver).
fn waived_line(p: &Paint, s: &Suppressed) -> String {
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
    format!(
        "  {}:{}:{}: {} [{}] {} ({})\n",
        escape_controls(f.source().name()),
        f.line(),
        f.col(),
        p.paint("2", f.rule().severity.as_str()),
        f.rule().id,
        escape_controls(f.message()),
        p.paint("2", &escape_controls(&why))
    )
}

fn section(out: &mut Sink<'_>, title: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(title);
    out.push('\n');
}

/// One finding on one line.
fn compact(out: &mut Sink<'_>, p: &Paint, f: &Finding) {
    let _ = write!(
        out,
        "{}:{}:{}: {} [{}] {}",
        escape_controls(f.source().name()),
        f.line(),
        f.col(),
        p.severity(f.rule().severity),
        p.paint("1", &f.rule().id),
        escape_controls(f.message())
    );
    if let Some(m) = f.missing() {
        let _ = write!(out, " (missing {m})");
    }
    out.push('\n');
}

/// The findings of one file, by resource.
struct FileGroup<'s> {
    name: &'s str,
    /// What tells the file apart ([`crate::Source::key`]).
    key: &'s [u8],
    resources: Vec<ResourceGroup<'s>>,
}

/// The findings of one resource (or of one namespace, for the findings a rule reports once per
/// namespace at its first workload), by place.
struct ResourceGroup<'s> {
    title: String,
    findings: usize,
    by_severity: [usize; 5],
    places: Vec<Place<'s>>,
}

/// One place in the source and the findings there; `entries` are the lines shown, each one
/// finding or the findings of several levels of one profile.
struct Place<'s> {
    first: &'s Finding,
    span: Span,
    entries: Vec<Vec<&'s Finding>>,
}

fn severity_index(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// The order of findings at one place: most severe first, then by rule id.
fn key<'f>(e: &[&'f Finding]) -> (Severity, &'f str) {
    e.first()
        .map_or((Severity::Info, ""), |f| (f.rule().severity, &*f.rule().id))
}

fn group_files<'s>(findings: &'s [Finding], profiles: &[Profile]) -> Vec<FileGroup<'s>> {
    let mut files: Vec<FileGroup<'_>> = Vec::new();
    // Per file: (document, namespace-wide) to its group.
    let mut index: HashMap<(u32, bool), usize> = HashMap::new();
    for f in findings {
        let name = f.source().name();
        // Files are told apart by their exact paths: two names that are not UTF-8 can look alike.
        if files.last().is_none_or(|g| g.key != f.source().key()) {
            files.push(FileGroup {
                key: f.source().key(),
                name,
                resources: Vec::new(),
            });
            index.clear();
        }
        let Some(file) = files.last_mut() else {
            continue;
        };
        let ns = crate::scan::namespace_wide(f);
        let key = (f.doc_index(), ns.is_some());
        let at = *index.entry(key).or_insert_with(|| {
            let title = match ns {
                Some(ns) => format!("namespace {ns} (reported at {})", f.resource()),
                None => f.resource().to_string(),
            };
            file.resources.push(ResourceGroup {
                title,
                findings: 0,
                by_severity: [0; 5],
                places: Vec::new(),
            });
            file.resources.len() - 1
        });
        let Some(group) = file.resources.get_mut(at) else {
            continue;
        };
        group.findings += 1;
        if let Some(n) = group.by_severity.get_mut(severity_index(f.rule().severity)) {
            *n += 1;
        }
        match group.places.iter_mut().find(|pl| pl.span == f.span()) {
            Some(place) => place.entries.push(vec![f]),
            None => group.places.push(Place {
                first: f,
                span: f.span(),
                entries: vec![vec![f]],
            }),
        }
    }
    for file in &mut files {
        for group in &mut file.resources {
            for place in &mut group.places {
                place.entries.sort_by(|a, b| key(a).cmp(&key(b)));
                merge_levels(&mut place.entries, profiles);
            }
        }
    }
    files
}

/// Folds the finding of a stricter level of a profile into that of a weaker level at the same
/// place: one line, both rule ids.
fn merge_levels(entries: &mut Vec<Vec<&Finding>>, profiles: &[Profile]) {
    // The profile and level of an entry's (single) finding.
    let level = |e: &[&Finding]| {
        let f = e.first()?;
        profiles
            .iter()
            .enumerate()
            .find_map(|(i, p)| Some((i, p.level_of(f.rule())?)))
    };
    let mut i = 0;
    while i < entries.len() {
        let here = entries.get(i).map(Vec::as_slice);
        if let (Some(lead), Some((profile, lvl))) =
            (here.and_then(|e| e.first()), here.and_then(level))
        {
            let controls = &lead.rule().controls;
            let partner = entries.iter().enumerate().skip(i + 1).find_map(|(j, e)| {
                let (p, l) = level(e)?;
                let shared = e
                    .first()
                    .is_some_and(|f| f.rule().controls.iter().any(|k| controls.contains(k)));
                (p == profile && l != lvl && shared).then_some(j)
            });
            if let Some(j) = partner {
                let moved = entries.remove(j);
                if let Some(e) = entries.get_mut(i) {
                    e.extend(moved);
                    // The weaker level's finding leads: its message is the more specific one.
                    e.sort_by_key(|f| {
                        profiles
                            .get(profile)
                            .and_then(|p| p.level_of(f.rule()))
                            .unwrap_or(0)
                    });
                }
            }
        }
        i += 1;
    }
}

fn counts(by_severity: &[usize; 5], p: &Paint) -> String {
    Severity::ALL
        .iter()
        .zip(by_severity)
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {}", p.severity(*s)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The findings of one file; `continued` when the file's heading and first resources were
/// written with the previous part.
fn render_file(
    out: &mut Sink<'_>,
    p: &Paint,
    file: &FileGroup<'_>,
    profiles: &[Profile],
    continued: bool,
) {
    if !out.is_empty() {
        out.push('\n');
    }
    if !continued {
        let _ = writeln!(out, "{}", p.paint("1", &escape_controls(file.name)));
    }
    for (i, group) in file.resources.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "  {}: {} finding{} ({})",
            p.paint("1", &escape_controls(&group.title)),
            group.findings,
            plural(group.findings),
            counts(&group.by_severity, p)
        );
        for (j, place) in group.places.iter().enumerate() {
            if j > 0 {
                out.push('\n');
            }
            render_place(out, p, place, profiles);
        }
    }
}

fn render_place(out: &mut Sink<'_>, p: &Paint, place: &Place<'_>, profiles: &[Profile]) {
    let f = place.first;
    let shown = f.present_path();
    let _ = writeln!(
        out,
        "    {} {}",
        p.paint(
            "1",
            &format!(
                "{}:{}:{}",
                escape_controls(f.source().name()),
                f.line(),
                f.col()
            )
        ),
        p.paint(
            "2",
            &escape_controls(if shown.is_empty() {
                "<document>"
            } else {
                shown
            })
        )
    );
    let worst = place
        .entries
        .iter()
        .flatten()
        .map(|f| f.rule().severity)
        .min()
        .unwrap_or(Severity::Info);
    snippet(out, p, f.source(), place.span, worst);
    for entry in &place.entries {
        render_entry(out, p, entry, profiles);
    }
}

/// The widest severity name (`critical`): messages line up after it.
const SEVERITY_WIDTH: usize = 8;

/// One line of findings: a finding, or the findings of several levels of one profile.
fn render_entry(out: &mut Sink<'_>, p: &Paint, entry: &[&Finding], profiles: &[Profile]) {
    let Some(lead) = entry.first() else {
        return;
    };
    let severity = entry
        .iter()
        .map(|f| f.rule().severity)
        .min()
        .unwrap_or(lead.rule().severity);
    let pad = " ".repeat(SEVERITY_WIDTH.saturating_sub(severity.as_str().len()));
    let _ = writeln!(
        out,
        "      {}{pad} [{}] {}",
        p.severity(severity),
        p.paint("1", &lead.rule().id),
        escape_controls(lead.message())
    );
    let indent = " ".repeat(6 + SEVERITY_WIDTH + 1);
    for f in entry.iter().skip(1) {
        let level = profiles.iter().find_map(|pr| {
            let l = pr.levels.get(pr.level_of(f.rule())?)?;
            Some(format!("{} {}", pr.name, l.name))
        });
        let _ = writeln!(
            out,
            "{indent}{} {} ({})",
            p.paint("2", "also fails"),
            level.unwrap_or_else(|| f.rule().title.to_string()),
            f.rule().id
        );
    }
    if let Some(m) = lead.missing().filter(|_| lead.note().is_none()) {
        let _ = writeln!(
            out,
            "{indent}{} {}",
            p.paint("33", "missing:"),
            escape_controls(m)
        );
    }
    if let Some(n) = lead.note() {
        let _ = writeln!(
            out,
            "{indent}{} {}",
            p.paint("2", "note:"),
            escape_controls(n)
        );
    }
    for r in lead.related() {
        let _ = writeln!(
            out,
            "{indent}{} {}",
            p.paint("36", "related:"),
            escape_controls(&r.summary())
        );
    }
    // One fix: the lead's, or the first finding's that has one.
    if let Some(r) = entry.iter().find_map(|f| f.rule().remediation.as_ref()) {
        let mut lines = r.lines();
        if let Some(first) = lines.next() {
            let _ = writeln!(
                out,
                "{indent}{} {}",
                p.paint("32", "fix:"),
                escape_controls(first)
            );
        }
        for l in lines {
            let _ = writeln!(out, "{indent}     {}", escape_controls(l.trim()));
        }
    }
}

/// The source line of a span with a caret under it; tabs are kept so the caret lines up.
fn snippet(out: &mut Sink<'_>, p: &Paint, source: &Source, span: Span, sev: Severity) {
    let span = source.lines_of(span);
    let Some(line) = source.line_text(span.line) else {
        return;
    };
    let line = escape_controls(line);
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

fn skipped(out: &mut Sink<'_>, p: &Paint, list: &[crate::Skipped]) {
    if list.is_empty() {
        return;
    }
    section(out, "skipped");
    let word = p.paint("33", "skipped");
    for s in list {
        let _ = writeln!(
            out,
            "  {}: {word}: {}",
            escape_controls(&s.path),
            escape_controls(&s.reason)
        );
    }
}

/// Load errors, first: a report with errors is incomplete.
fn load_errors(out: &mut Sink<'_>, p: &Paint, errors: &[crate::LoadError]) {
    let n = errors.len();
    if n == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "{} ({n}; the other inputs were still scanned)",
        p.paint("1;31", "errors")
    );
    let error = p.paint("31", "error");
    for e in errors {
        if e.line() > 0 {
            let _ = writeln!(
                out,
                "  {}:{}:{}: {error}: {}",
                escape_controls(e.source_name()),
                e.line(),
                e.col(),
                escape_controls(e.message())
            );
        } else {
            let _ = writeln!(
                out,
                "  {}: {error}: {}",
                escape_controls(e.source_name()),
                escape_controls(e.message())
            );
        }
    }
}

/// An evaluation error on one line.
fn eval_error_line(p: &Paint, e: &crate::EvalError) -> String {
    format!(
        "  {}:{}:{}: {} [{}] {} (rule at {}, resource {})\n",
        escape_controls(e.source().name()),
        e.line(),
        e.col(),
        p.paint("31", "error"),
        e.rule().id,
        escape_controls(e.message()),
        e.rule_location(),
        escape_controls(&e.resource().to_string())
    )
}

/// The summary: inputs, findings by severity and layer, the rules that fired most, waivers.
/// `folded` findings were shown on the line of another level's finding.
fn summary(out: &mut Sink<'_>, p: &Paint, st: &State, notices: usize) {
    let t = &st.tally;
    section(out, "summary");
    let docs = st.documents;
    let files = st.files.len();
    let mut inputs = format!(
        "{files} file{}, {docs} document{}",
        plural(files),
        plural(docs)
    );
    if !st.skipped.is_empty() {
        let _ = write!(inputs, "; {} skipped", st.skipped.len());
    }
    let errs = st.load_errors + t.eval_errors;
    if errs > 0 {
        let _ = write!(
            inputs,
            "; {}",
            p.paint("31", &format!("{errs} error{}", plural(errs)))
        );
    }
    row(out, "inputs", &inputs);
    let n = t.findings;
    let resources = st.resources.len();
    let mut line = format!(
        "{n} on {resources} resource{} in {} file{}",
        plural(resources),
        st.files_with,
        plural(st.files_with)
    );
    let sev: Vec<String> = t
        .severities()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", p.severity(s)))
        .collect();
    if !sev.is_empty() {
        let _ = write!(line, ": {}", sev.join(", "));
    }
    if st.folded > 0 {
        let _ = write!(
            line,
            " ({} shown on the line of another profile level's finding)",
            st.folded
        );
    }
    row(out, "findings", &line);
    let layers: Vec<String> = t
        .layers()
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| format!("{n} {l}"))
        .collect();
    if !layers.is_empty() {
        row(out, "by layer", &layers.join(", "));
    }
    let mut top: Vec<(&str, usize)> = t.per_rule.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if !top.is_empty() {
        let shown: Vec<String> = top
            .iter()
            .take(5)
            .map(|(id, n)| format!("{id} {n}"))
            .collect();
        let more = top.len().saturating_sub(5);
        let tail = if more > 0 {
            format!(", and {more} more rule{}", plural(more))
        } else {
            String::new()
        };
        row(out, "top rules", &format!("{}{tail}", shown.join(", ")));
    }
    row(out, "waived", &t.suppressed.to_string());
    if notices > 0 {
        row(
            out,
            "warnings",
            &p.paint("33", &format!("{notices} (listed above under warnings)")),
        );
    }
}

fn row(out: &mut Sink<'_>, label: &str, text: &str) {
    let _ = writeln!(out, "  {label:<10} {text}");
}
