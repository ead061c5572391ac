//! The generated objects' value type and its writers: YAML the way PyYAML's block style writes it,
//! and compact JSON.

/// A JSON-like value: what a generated object is made of.
#[derive(Clone, Debug, PartialEq)]
pub enum J {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<J>),
    /// A map, in insertion order.
    Map(Vec<(String, J)>),
}

impl J {
    pub(super) fn map() -> J {
        J::Map(Vec::new())
    }

    /// Adds an entry to a map (no-op on other values).
    pub(super) fn set(&mut self, k: &str, v: impl Into<J>) {
        if let J::Map(m) = self {
            m.push((k.to_string(), v.into()));
        }
    }

    /// The value at `k` of a map.
    pub fn get(&self, k: &str) -> Option<&J> {
        match self {
            J::Map(m) => m.iter().find(|(x, _)| x == k).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(super) fn get_mut(&mut self, k: &str) -> Option<&mut J> {
        match self {
            J::Map(m) => m.iter_mut().find(|(x, _)| x == k).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for J {
    fn from(s: &str) -> J {
        J::Str(s.to_string())
    }
}
impl From<String> for J {
    fn from(s: String) -> J {
        J::Str(s)
    }
}
impl From<i64> for J {
    fn from(i: i64) -> J {
        J::Int(i)
    }
}
impl From<bool> for J {
    fn from(b: bool) -> J {
        J::Bool(b)
    }
}
impl From<Vec<J>> for J {
    fn from(v: Vec<J>) -> J {
        J::List(v)
    }
}

/// One object as a YAML document (no `---`).
pub fn write_yaml(out: &mut String, v: &J) {
    match v {
        J::Map(m) if !m.is_empty() => emit_map(out, m, 0, false),
        J::List(l) if !l.is_empty() => emit_list(out, l, 0, false),
        other => {
            emit_scalar(out, other, 0);
            out.push('\n');
        }
    }
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// Entries of a block map at `ind`; with `inline`, the first key continues the current line.
fn emit_map(out: &mut String, m: &[(String, J)], ind: usize, inline: bool) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline {
            indent(out, ind);
        }
        emit_plain_or_quoted(out, k);
        out.push(':');
        match v {
            J::Map(c) if !c.is_empty() => {
                out.push('\n');
                emit_map(out, c, ind + 2, false);
            }
            // PyYAML does not indent a sequence inside a mapping.
            J::List(c) if !c.is_empty() => {
                out.push('\n');
                emit_list(out, c, ind, false);
            }
            other => {
                out.push(' ');
                emit_scalar(out, other, ind + 2);
                out.push('\n');
            }
        }
    }
}

fn emit_list(out: &mut String, l: &[J], ind: usize, inline: bool) {
    for (i, v) in l.iter().enumerate() {
        if i > 0 || !inline {
            indent(out, ind);
        }
        out.push_str("- ");
        match v {
            J::Map(c) if !c.is_empty() => emit_map(out, c, ind + 2, true),
            J::List(c) if !c.is_empty() => emit_list(out, c, ind + 2, true),
            other => {
                emit_scalar(out, other, ind + 2);
                out.push('\n');
            }
        }
    }
}

fn emit_scalar(out: &mut String, v: &J, ind: usize) {
    match v {
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Int(i) => out.push_str(&i.to_string()),
        J::Str(s) if s.contains('\n') => {
            // A literal block; `|-` when there is no final line break.
            out.push_str(if s.ends_with('\n') { "|" } else { "|-" });
            for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
                out.push('\n');
                if !line.is_empty() {
                    indent(out, ind);
                    out.push_str(line);
                }
            }
        }
        J::Str(s) => emit_plain_or_quoted(out, s),
        J::List(_) => out.push_str("[]"),
        J::Map(_) => out.push_str("{}"),
    }
}

fn emit_plain_or_quoted(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    }
}

/// Whether `s` can be written unquoted and still read back as the same string under both
/// YAML 1.1 (Kubernetes) and YAML 1.2 resolution. Errs on the side of quoting.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`~ .+".contains(first) || first.is_ascii_digit() && numberish(s) {
        return false;
    }
    if s.ends_with(' ') || s.ends_with(':') || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if s.chars().any(|c| c.is_control() || "[]{},".contains(c)) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null"
    )
}

/// Digits, signs, dots, colons, underscores and hex/exponent letters only: could be a number
/// (or a YAML 1.1 sexagesimal or a timestamp) in some schema.
fn numberish(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_hexdigit() || "xXoO._:+-".contains(c))
}

/// A value as compact JSON (for engines that take JSON input).
pub fn to_json(v: &J) -> String {
    let mut out = String::new();
    write_json(&mut out, v);
    out
}

fn write_json(out: &mut String, v: &J) {
    match v {
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Int(i) => out.push_str(&i.to_string()),
        J::Str(s) => write_json_str(out, s),
        J::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, x);
            }
            out.push(']');
        }
        J::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_str(out, k);
                out.push(':');
                write_json(out, x);
            }
            out.push('}');
        }
    }
}

fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
