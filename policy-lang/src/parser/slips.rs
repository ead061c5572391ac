//! Slips that other languages teach (`=` or `===` for `==`, `&&` for `and`, `!` for `not`, a
//! `{` in a string meant literally), recognised from the source at a syntax error so that the
//! error can point at the slip and name the fix.

use std::ops::Range;

/// A slip found at a syntax error.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Slip {
    /// The bytes of the slip.
    pub(super) span: Range<usize>,
    /// The message to show instead of the parser's; `None` keeps the parser's.
    pub(super) message: Option<String>,
    /// The label under the slip.
    pub(super) label: &'static str,
    /// The fix.
    pub(super) help: &'static str,
    /// Whether the parser's own label (at the error) is kept after the slip's: the error is
    /// elsewhere than the slip.
    pub(super) keep_error_label: bool,
}

/// What surrounds a byte of rule text.
#[derive(Debug, PartialEq, Eq)]
enum Context {
    /// Code outside every string.
    Code,
    /// Code inside the interpolation a string opened with the `{` at this offset.
    Interp(usize),
    /// Text of a string, a raw or triple-quoted string, or a comment.
    Text,
}

/// One open string or interpolation while scanning.
enum Open {
    Str,
    /// An interpolation opened at `at`, with `depth` braces of map literals open inside it.
    Interp {
        at: usize,
        depth: usize,
    },
}

/// The context of byte `pos` of `text`, scanning from `from` (the start of a top-level item,
/// where no string is open). Every delimiter is ASCII, so scanning bytes is exact in UTF-8.
fn context_at(text: &str, from: usize, pos: usize) -> Context {
    let b = text.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut i = from;
    while i < pos {
        let c = b.get(i).copied().unwrap_or(0);
        if let Some(Open::Str) = stack.last() {
            match c {
                b'\\' => {
                    // `\u{41}`: the brace belongs to the escape.
                    let rest = text.get(i + 1..).unwrap_or("");
                    i += if rest.starts_with("u{") {
                        rest.find('}').map_or(rest.len(), |e| e + 1)
                    } else {
                        1
                    };
                }
                b'"' => {
                    stack.pop();
                }
                b'{' => stack.push(Open::Interp { at: i, depth: 0 }),
                _ => {}
            }
            i += 1;
            continue;
        }
        let rest = text.get(i..).unwrap_or("");
        let skip_to = |open: usize, close: &str| {
            rest.get(open..)
                .and_then(|r| r.find(close))
                .map(|e| i + open + e + close.len())
        };
        let after_ident = i > 0
            && b.get(i - 1)
                .is_some_and(|p| p.is_ascii_alphanumeric() || *p == b'_');
        let skipped = match c {
            b'#' => Some(skip_to(0, "\n").unwrap_or(text.len())),
            b'"' if rest.starts_with("\"\"\"") => Some(skip_to(3, "\"\"\"").unwrap_or(text.len())),
            b'r' if rest.starts_with("r\"") && !after_ident => {
                Some(skip_to(2, "\"").unwrap_or(text.len()))
            }
            _ => None,
        };
        if let Some(end) = skipped {
            if end > pos {
                return Context::Text;
            }
            i = end;
            continue;
        }
        match (c, stack.last_mut()) {
            (b'"', _) => stack.push(Open::Str),
            (b'{', Some(Open::Interp { depth, .. })) => *depth += 1,
            (b'}', Some(Open::Interp { depth, .. })) => {
                if *depth == 0 {
                    stack.pop();
                } else {
                    *depth -= 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    match stack.last() {
        None => Context::Code,
        Some(Open::Interp { at, .. }) => Context::Interp(*at),
        Some(Open::Str) => Context::Text,
    }
}

/// The slip at a syntax error at byte `pos` of `text`, in the item that starts at `from`;
/// `expected_operator` tells that the parser would have taken an operator there (an
/// expression had just ended).
pub(super) fn find(text: &str, from: usize, pos: usize, expected_operator: bool) -> Option<Slip> {
    let open = match context_at(text, from, pos) {
        Context::Text => return None,
        Context::Code => None,
        Context::Interp(at) => Some(at),
    };
    if let Some(s) = operator(text, pos, expected_operator) {
        return Some(s);
    }
    open.map(|at| Slip {
        span: at..at + 1,
        message: None,
        label: "this `{` opens an interpolation",
        help: "`{` opens an interpolation; close it with `}` or write `\\{` for a literal brace",
        keep_error_label: true,
    })
}

/// An operator of another language at `pos`: the whole run of operator characters around it.
fn operator(text: &str, pos: usize, expected_operator: bool) -> Option<Slip> {
    const OP: &[u8] = b"=!<>&|";
    let b = text.as_bytes();
    if !b.get(pos).is_some_and(|c| OP.contains(c)) {
        return None;
    }
    let mut start = pos;
    while start > 0 && b.get(start - 1).is_some_and(|c| OP.contains(c)) {
        start -= 1;
    }
    let mut end = pos;
    while b.get(end).is_some_and(|c| OP.contains(c)) {
        end += 1;
    }
    let run = text.get(start..end)?;
    let compare = format!("invalid comparison operator `{run}`");
    let logic = format!("`{run}` is not a logical operator");
    let (message, label, help) = match run {
        "=" if expected_operator => (compare, "not a comparison", "use `==` to compare"),
        "===" => (
            compare,
            "not an operator",
            "use `==` to compare; it never converts types (`\"1\" == 1` is false)",
        ),
        "!==" => (
            compare,
            "not an operator",
            "use `!=` to compare; it never converts types (`\"1\" != 1` is true)",
        ),
        "&&" | "&" => (logic, "not an operator", "the rule language writes `and`"),
        "||" | "|" => (logic, "not an operator", "the rule language writes `or`"),
        "!" => (
            logic,
            "not an operator",
            "the rule language writes `not` (and `!=` for not equal)",
        ),
        _ => return None,
    };
    Some(Slip {
        span: start..end,
        message: Some(message),
        label,
        help,
        keep_error_label: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(text: &str, marker: &str) -> Context {
        let pos = text.find(marker).unwrap_or(text.len());
        context_at(text, 0, pos)
    }

    #[test]
    fn contexts_follow_strings_interpolations_and_comments() {
        assert_eq!(ctx("deny a @", "@"), Context::Code);
        assert_eq!(ctx("message \"x {a @", "@"), Context::Interp(11));
        assert_eq!(ctx("message \"x {a} @", "@"), Context::Text);
        assert_eq!(ctx("message \"x {a} y\" @", "@"), Context::Code);
        assert_eq!(ctx("message \"\\{ @", "@"), Context::Text);
        assert_eq!(ctx("message \"\\u{41} @", "@"), Context::Text);
        assert_eq!(ctx("message \"{ {k: 1} @", "@"), Context::Interp(9));
        assert_eq!(ctx("message \"{ \"inner\" @", "@"), Context::Interp(9));
        assert_eq!(ctx("# \"{ @\n", "@"), Context::Text);
        assert_eq!(ctx("# \"{\n @", "@"), Context::Code);
        assert_eq!(ctx("x r\"{\" @", "@"), Context::Code);
        assert_eq!(ctx("x r\"{ @", "@"), Context::Text);
        assert_eq!(ctx("x \"\"\"{\"\"\" @", "@"), Context::Code);
        assert_eq!(ctx("x \"\"\"{ @", "@"), Context::Text);
        assert_eq!(ctx("for\"{ @", "@"), Context::Interp(4));
    }

    #[test]
    fn operator_runs_are_read_whole() {
        let at = |text: &str, expected_operator: bool| {
            let pos = text.find(['=', '!', '&', '|']).unwrap_or(0);
            find(text, 0, pos, expected_operator).map(|s| (s.span, s.help))
        };
        assert_eq!(at("a = b", true), Some((2..3, "use `==` to compare")));
        assert_eq!(at("a = b", false), None);
        assert_eq!(at("a == b", true), None);
        assert_eq!(at("a => b", true), None);
        assert_eq!(
            at("a && b", true).map(|(s, _)| s),
            Some(2..4),
            "the caret covers both characters"
        );
        assert_eq!(
            at("a | b", true).map(|(_, h)| h),
            Some("the rule language writes `or`")
        );
        assert_eq!(at("\"a && b\"", true), None, "inside a string");
    }
}
