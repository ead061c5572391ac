//! The one snippet renderer: a message with the source line it is about and a caret under the
//! part it points at, as rustc draws them. Compile errors, settings errors and findings all
//! render through it, in colour or not.
//!
//! ```text
//! error[fourc::unknown-view]: unknown view `workloads`
//!   --> rules/team.fourc:5:6
//!    |
//!  5 |   on workloads as w
//!    |      ^^^^^^^^^ not a view or a type
//!    |
//!    = help: did you mean `workload`?
//! ```

use std::fmt::Write as _;

/// One label: a byte range of the text and what it says there.
#[derive(Clone, Copy, Debug)]
pub struct Mark<'a> {
    /// Byte offset of the start.
    pub start: usize,
    /// Length in bytes (0 draws one caret).
    pub len: usize,
    /// The label text (may be empty).
    pub text: &'a str,
}

/// What to render.
#[derive(Clone, Copy, Debug)]
pub struct Snippet<'a> {
    /// `error`, `warning`, or a severity.
    pub level: &'a str,
    /// A stable code shown in brackets, if any.
    pub code: Option<&'a str>,
    /// The message.
    pub message: &'a str,
    /// The source's name.
    pub name: &'a str,
    /// The source's text, or the part of it from the start of a line on (mark offsets are then
    /// relative to that part), so that a caller holding line starts need not hand over text
    /// that would be scanned for nothing.
    pub text: &'a str,
    /// The 1-based number of the first line of `text` (1 for a whole source).
    pub first_line: usize,
    /// The labels; the first one gives the `-->` location.
    pub marks: &'a [Mark<'a>],
    /// Advice, if any.
    pub help: Option<&'a str>,
}

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\u{1b}[{code}m{s}\u{1b}[0m")
    } else {
        s.to_string()
    }
}

/// Replaces control characters (other than tab) so that source text can never drive the
/// terminal.
pub fn escape_controls(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                char::from_u32(0x2400 + u32::from(c))
                    .filter(|_| u32::from(c) < 0x20)
                    .unwrap_or('\u{fffd}')
            } else {
                c
            }
        })
        .collect()
}

/// 1-based line, 1-based character column, the line's text and the byte where it starts.
fn line_at(text: &str, first_line: usize, offset: usize) -> (usize, usize, &str, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_no = before.matches('\n').count() + first_line.max(1);
    let col = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
    let rest = text.get(start..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("").trim_end_matches('\r');
    (line_no, col, line, start)
}

/// Renders a snippet.
pub fn render(s: &Snippet<'_>, color: bool) -> String {
    let mut out = String::new();
    let level_color = match s.level {
        "error" | "critical" | "high" => "1;31",
        "warning" | "medium" => "1;33",
        _ => "1;36",
    };
    let head = match s.code {
        Some(c) => format!("{}[{c}]", s.level),
        None => s.level.to_string(),
    };
    let _ = writeln!(
        out,
        "{}: {}",
        paint(color, level_color, &head),
        paint(color, "1", &escape_controls(s.message))
    );
    let lines: Vec<(usize, usize, &str, usize, &Mark<'_>)> = s
        .marks
        .iter()
        .map(|m| {
            let (l, c, text, start) = line_at(s.text, s.first_line, m.start);
            (l, c, text, start, m)
        })
        .collect();
    let width = lines
        .iter()
        .map(|(l, ..)| l.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(width);
    let bar = paint(color, "1;34", "|");
    match lines.first() {
        Some((l, c, ..)) => {
            let _ = writeln!(
                out,
                "{pad}{} {}:{l}:{c}",
                paint(color, "1;34", "-->"),
                escape_controls(s.name)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{pad}{} {}",
                paint(color, "1;34", "-->"),
                escape_controls(s.name)
            );
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "{pad} {bar}");
    }
    for (l, c, text, line_start, m) in &lines {
        let _ = writeln!(
            out,
            "{} {bar} {}",
            paint(color, "1;34", &format!("{l:>width$}")),
            escape_controls(text)
        );
        let lead: String = text
            .chars()
            .take(c.saturating_sub(1))
            .map(|ch| if ch == '\t' { '\t' } else { ' ' })
            .collect();
        // Carets for the part of the label on this line, at least one.
        let line_end = line_start + text.len();
        let end = (m.start + m.len).min(line_end).max(m.start);
        let n = s
            .text
            .get(m.start.min(s.text.len())..end.min(s.text.len()))
            .map_or(0, |t| t.chars().count())
            .clamp(1, 80);
        let carets = "^".repeat(n);
        let label = if m.text.is_empty() {
            String::new()
        } else {
            format!(" {}", escape_controls(m.text))
        };
        let _ = writeln!(
            out,
            "{pad} {bar} {lead}{}",
            paint(color, level_color, &format!("{carets}{label}"))
        );
    }
    if let Some(h) = s.help {
        let _ = writeln!(out, "{pad} {bar}");
        let _ = writeln!(
            out,
            "{pad} = {}: {}",
            paint(color, "1", "help"),
            escape_controls(h)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_caret_label_and_help() {
        let text = "rule x {\n  on workloads as w\n}\n";
        let start = text.find("workloads").unwrap_or(0);
        let marks = [Mark {
            start,
            len: "workloads".len(),
            text: "not a view",
        }];
        let s = Snippet {
            level: "error",
            code: Some("fourc::unknown-view"),
            message: "unknown view `workloads`",
            name: "team.fourc",
            text,
            first_line: 1,
            marks: &marks,
            help: Some("did you mean `workload`?"),
        };
        assert_eq!(
            render(&s, false),
            "error[fourc::unknown-view]: unknown view `workloads`\n \
             --> team.fourc:2:6\n  |\n2 |   on workloads as w\n  |      ^^^^^^^^^ not a view\n  |\n  = help: did you mean `workload`?\n"
        );
        assert!(render(&s, true).contains("\u{1b}["));
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\r\nc\td"),
            "a\u{241b}[2Jb\u{240d}\u{240a}c\td"
        );
    }
}
