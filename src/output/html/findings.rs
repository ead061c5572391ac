//! The findings list of the posture page: grouped by file, each finding with its location, rule,
//! severity, message, source lines (the span marked) and fix; waived findings marked with their
//! waiver.

use std::collections::HashMap;
use std::io::{self, Write};

use super::{Esc, finding_id, severity_badge};
use crate::output::shown_path;
use crate::waiver::{Suppressed, SuppressionKind};
use crate::{Finding, Scan, Source, Span};

/// Lines of context shown before and after a finding's span.
const CONTEXT: u32 = 2;
/// Lines of a span shown at most; the rest are counted.
const SPAN_LINES: u32 = 6;
/// Characters of one source line shown at most (a window around the mark).
const LINE_CHARS: usize = 400;
/// Characters shown before the mark when a line is cut.
const LEAD_CHARS: usize = 80;

/// The `Findings` section: every standing and waived finding, in file order.
pub(super) fn section(w: &mut dyn Write, scan: &Scan) -> io::Result<()> {
    let all = crate::output::all_findings(scan);
    // Ids follow the scan's own lists, so the posture table can link to a finding.
    let standing = index_of(&scan.report.findings, |f| f);
    let waived = index_of(&scan.suppressed, |s| &s.finding);
    writeln!(
        w,
        "<section class=\"card\" id=\"findings\" aria-labelledby=\"findings-h\">\n\
         <h2 id=\"findings-h\">Findings</h2>"
    )?;
    if all.is_empty() {
        writeln!(w, "<p class=\"empty\">No findings.</p>")?;
    }
    let mut file_no = 0;
    let mut rest = all.as_slice();
    while let Some((first, _)) = rest.first() {
        let name = first.source().name();
        let key = first.source().key();
        let len = rest
            .iter()
            .position(|(f, _)| f.source().key() != key)
            .unwrap_or(rest.len());
        let (group, tail) = rest.split_at(len);
        rest = tail;
        file_no += 1;
        let n_waived = group.iter().filter(|(_, s)| s.is_some()).count();
        writeln!(
            w,
            "<section class=\"file\" id=\"file-{file_no}\" aria-labelledby=\"file-{file_no}-h\">\n\
             <h3 id=\"file-{file_no}-h\"><code>{}</code> <span class=\"count\">{}{}</span></h3>",
            Esc(name),
            plural(group.len() - n_waived, "finding"),
            if n_waived > 0 {
                format!(", {n_waived} waived")
            } else {
                String::new()
            }
        )?;
        for (f, sup) in group {
            let id = match sup {
                None => finding_id(standing(f)),
                Some(s) => format!("waived-{}", waived(&s.finding) + 1),
            };
            finding(w, f, *sup, &id)?;
        }
        writeln!(w, "</section>")?;
    }
    writeln!(w, "</section>")
}

/// The position of each finding in `items`, by address (`all_findings` borrows from the list).
fn index_of<T>(items: &[T], get: fn(&T) -> &Finding) -> impl Fn(&Finding) -> usize {
    let at: HashMap<*const Finding, usize> = items
        .iter()
        .enumerate()
        .map(|(i, x)| (std::ptr::from_ref(get(x)), i))
        .collect();
    move |f: &Finding| at.get(&std::ptr::from_ref(f)).copied().unwrap_or(0)
}

pub(super) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn finding(w: &mut dyn Write, f: &Finding, sup: Option<&Suppressed>, id: &str) -> io::Result<()> {
    let rule = f.rule();
    let sev = rule.severity.as_str();
    let class = if sup.is_some() { " waived" } else { "" };
    writeln!(
        w,
        "<article class=\"finding sev-{sev}{class}\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n\
         <h4 id=\"{id}-h\">{}{} <code class=\"rule\">{}</code> <span class=\"msg\">{}</span></h4>",
        severity_badge(rule.severity),
        if sup.is_some() {
            " <span class=\"badge waived-badge\">waived</span>"
        } else {
            ""
        },
        Esc(&rule.id),
        Esc(f.message())
    )?;
    writeln!(
        w,
        "<p class=\"meta\"><a class=\"loc\" href=\"#{id}\">{}:{}:{}</a> \
         <span>resource <code>{}</code></span> <span>field <code>{}</code></span> \
         <span>{}</span></p>",
        Esc(f.source().name()),
        f.line(),
        f.col(),
        Esc(&f.resource().to_string()),
        Esc(shown_path(f)),
        Esc(&rule.title)
    )?;
    if let Some(s) = sup {
        waiver(w, s)?;
    }
    if let Some(n) = f.note() {
        writeln!(w, "<p class=\"note\">{}</p>", Esc(n))?;
    }
    for r in f.related() {
        writeln!(
            w,
            "<p class=\"note\">related <code>{}</code> {}</p>",
            Esc(&r.describe()),
            Esc(&r.label())
        )?;
    }
    snippet(w, f.source(), f.span())?;
    if let Some(r) = &rule.remediation {
        let text: Vec<&str> = r.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        writeln!(
            w,
            "<p class=\"fix\"><span class=\"label\">Fix</span> {}</p>",
            Esc(&text.join("\n"))
        )?;
    }
    writeln!(w, "</article>")
}

fn waiver(w: &mut dyn Write, s: &Suppressed) -> io::Result<()> {
    let sup = &s.suppression;
    let mut details = vec![match (&sup.kind, &sup.location) {
        (SuppressionKind::Inline, _) => "inline annotation".to_string(),
        (SuppressionKind::Config, Some(l)) => format!("waiver at {l}"),
        (SuppressionKind::Config, None) => "configured waiver".to_string(),
    }];
    if let Some(o) = &sup.owner {
        details.push(format!("owner {o}"));
    }
    if let Some(d) = sup.expires {
        details.push(format!("until {d}"));
    }
    writeln!(
        w,
        "<p class=\"waiver\"><span class=\"label\">Waived</span> {} <span class=\"detail\">({})</span></p>",
        Esc(&sup.reason),
        Esc(&details.join("; "))
    )
}

/// The source lines around `span`, numbered, with the span's lines highlighted and its text
/// marked.
pub(super) fn snippet(w: &mut dyn Write, source: &Source, span: Span) -> io::Result<()> {
    let at = source.lines_of(span);
    if at.line == 0 {
        return Ok(());
    }
    let end_line = at.end_line.max(at.line);
    let last_hit = end_line.min(at.line.saturating_add(SPAN_LINES - 1));
    // Context follows the span only when all of it is shown.
    let last = if end_line > last_hit {
        last_hit
    } else {
        last_hit.saturating_add(CONTEXT)
    };
    write!(w, "<pre class=\"snippet\"><code>")?;
    for n in at.line.saturating_sub(CONTEXT).max(1)..=last {
        let Some(text) = source.line_text(n) else {
            break;
        };
        let hit = (at.line..=last_hit).contains(&n);
        let len = text.chars().count();
        // The marked characters of this line: from the span's column on its first line, to its
        // end column on its last.
        let mark = hit.then(|| {
            // Continuation lines are marked from their first non-blank character.
            let from = if n == at.line {
                col_index(at.col)
            } else {
                text.chars().take_while(|c| c.is_whitespace()).count()
            };
            let to = if n == end_line {
                col_index(at.end_col).max(from + 1)
            } else {
                len
            };
            (from.min(len), to.min(len))
        });
        write!(
            w,
            "<span class=\"line{}\"><span class=\"ln\">{n}</span>",
            if hit { " hit" } else { "" }
        )?;
        line(w, text, len, mark)?;
        write!(w, "\n</span>")?;
        if n == last_hit && end_line > last_hit {
            let k = end_line - last_hit;
            write!(
                w,
                "<span class=\"line more\"><span class=\"ln\">\u{22ee}</span>{k} more line{} of the span\n</span>",
                if k == 1 { "" } else { "s" }
            )?;
        }
    }
    writeln!(w, "</code></pre>")
}

fn col_index(col: u32) -> usize {
    usize::try_from(col).unwrap_or(1).saturating_sub(1)
}

/// One source line, cut to a window around the mark when it is long.
pub(super) fn line(
    w: &mut dyn Write,
    text: &str,
    len: usize,
    mark: Option<(usize, usize)>,
) -> io::Result<()> {
    let (from, to) = mark.unwrap_or((0, 0));
    let start = if len > LINE_CHARS {
        from.saturating_sub(LEAD_CHARS)
    } else {
        0
    };
    let end = len.min(start + LINE_CHARS);
    if start > 0 {
        write!(w, "\u{2026}")?;
    }
    let part = |a: usize, b: usize| chars(text, a, b);
    match mark {
        Some(_) if from < to => {
            let (a, b) = (from.clamp(start, end), to.clamp(start, end));
            write!(
                w,
                "{}<mark>{}</mark>{}",
                Esc(part(start, a)),
                Esc(part(a, b)),
                Esc(part(b, end))
            )?;
        }
        _ => write!(w, "{}", Esc(part(start, end)))?,
    }
    if end < len {
        write!(w, "\u{2026}")?;
    }
    Ok(())
}

/// Characters `from..to` of `s`.
fn chars(s: &str, from: usize, to: usize) -> &str {
    let byte = |n: usize| s.char_indices().nth(n).map_or(s.len(), |(b, _)| b);
    s.get(byte(from)..byte(to)).unwrap_or("")
}
