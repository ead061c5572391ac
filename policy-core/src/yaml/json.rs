//! JSON streams, read as kubectl reads them.
//!
//! kubectl (apimachinery's `YAMLOrJSONDecoder`) takes a stream whose first non-blank character
//! is `{` as JSON and decodes one JSON value after another from it with Go's `encoding/json`:
//! concatenated objects and JSON Lines (`{...}\n{...}`, no `---`) are several documents, and a
//! string escape `\ud83d\ude80` (a UTF-16 surrogate pair, Python's `json.dumps` default) is one
//! character, a lone surrogate U+FFFD. saphyr-parser, reading the same text as YAML, would
//! see one malformed document and reject the escape (as go-yaml does in YAML).
//!
//! So a stream that is, lexically, JSON objects separated by blanks is cut at the objects'
//! boundaries, surrogate escapes in its strings are decoded, and each object is parsed alone
//! (as YAML, of which JSON is a subset) at its own line and column. Anything else about the
//! stream (a comment, `---`, a quote that is not `"`, text between objects) leaves it to the
//! YAML path unchanged, as does a single object without surrogate escapes.

use std::sync::Arc;

use super::build::{self, ColFix};
use crate::document::{LoadOptions, Loaded, Source};

/// One top-level object: bytes `start..end` of the text; `surrogates` when a string in it has
/// a `\u` escape of a UTF-16 surrogate.
struct Object {
    start: usize,
    end: usize,
    surrogates: bool,
}

/// Loads `source` object by object when it is a JSON stream that needs it; `None` otherwise.
pub(super) fn load(source: &Arc<Source>, opts: &LoadOptions) -> Option<Loaded> {
    let text = source.text();
    if !text
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .starts_with('{')
    {
        return None;
    }
    let objects = split(text)?;
    if objects.len() < 2 && !objects.iter().any(|o| o.surrogates) {
        return None;
    }
    let mut out = Loaded::default();
    let mut nodes: usize = 0;
    for o in objects {
        let line_start = text
            .get(..o.start)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i.saturating_add(1));
        let line = text
            .get(..line_start)
            .map_or(0, |t| t.matches('\n').count());
        let col = text
            .get(line_start..o.start)
            .map_or(0, |t| t.chars().count());
        let mut part = " ".repeat(col);
        part.push_str(text.get(o.start..o.end).unwrap_or_default());
        let (part, fixes) = if o.surrogates {
            decode_surrogates(&part)
        } else {
            (part, Vec::new())
        };
        let part_opts = LoadOptions {
            max_nodes: opts.max_nodes.saturating_sub(nodes),
            ..opts.clone()
        };
        let line_offset = u32::try_from(line).unwrap_or(u32::MAX);
        let (loaded, n) = build::load_text(source, &part, line_offset, &fixes, &part_opts);
        nodes = nodes.saturating_add(n);
        for d in loaded.documents {
            let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
            out.documents.push(d.with_index(index));
        }
        out.errors.extend(loaded.errors);
        if nodes > opts.max_nodes {
            break;
        }
    }
    Some(out)
}

/// The top-level objects of `text`, when it is nothing but objects and blanks and, outside
/// `"` strings, only JSON's structural characters, numbers and bare words; `None` otherwise.
fn split(text: &str) -> Option<Vec<Object>> {
    let bytes = text.as_bytes();
    let mut objects = Vec::new();
    let mut depth: usize = 0;
    let mut start = 0;
    let mut surrogates = false;
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'"' if depth > 0 => {
                let (end, sur) = string_end(bytes, i)?;
                surrogates |= sur;
                i = end;
                continue;
            }
            b'{' | b'[' => {
                if depth == 0 {
                    if c != b'{' {
                        return None;
                    }
                    start = i;
                    surrogates = false;
                }
                depth = depth.saturating_add(1);
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    objects.push(Object {
                        start,
                        end: i.saturating_add(1),
                        surrogates,
                    });
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ if depth == 0 => return None,
            b':' | b',' | b'+' | b'-' | b'.' => {}
            _ if c.is_ascii_alphanumeric() => {}
            _ => return None,
        }
        i = i.saturating_add(1);
    }
    (depth == 0).then_some(objects)
}

/// The byte after the `"` string opening at `open`, and whether it has a surrogate escape;
/// `None` when it does not end.
fn string_end(bytes: &[u8], open: usize) -> Option<(usize, bool)> {
    let mut sur = false;
    let mut i = open.saturating_add(1);
    loop {
        match *bytes.get(i)? {
            b'"' => return Some((i.saturating_add(1), sur)),
            b'\\' => {
                if bytes.get(i.saturating_add(1)) == Some(&b'u')
                    && hex4(bytes, i.saturating_add(2)).is_some_and(is_surrogate)
                {
                    sur = true;
                }
                i = i.saturating_add(2);
            }
            _ => i = i.saturating_add(1),
        }
    }
}

fn is_surrogate(u: u32) -> bool {
    (0xD800..=0xDFFF).contains(&u)
}

/// The value of four hex digits at `at`.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at.checked_add(4)?)?;
    let text = std::str::from_utf8(digits).ok()?;
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

/// `text` (whole objects) with each surrogate escape in its strings decoded as Go's
/// `encoding/json` decodes it: a high surrogate escape followed by a low one is the character
/// they encode; any other surrogate escape is `\uFFFD`. Also says where columns shrank.
fn decode_surrogates(text: &str) -> (String, Vec<ColFix>) {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut fixes = Vec::new();
    let mut line: u32 = 1;
    // The 1-based column in `out` of the next character written.
    let mut col: u32 = 1;
    let mut in_string = false;
    let mut copied = 0;
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        let escape = in_string && c == b'\\';
        if escape
            && bytes.get(i.saturating_add(1)) == Some(&b'u')
            && let Some(high) = hex4(bytes, i.saturating_add(2)).filter(|u| is_surrogate(*u))
        {
            out.push_str(text.get(copied..i).unwrap_or_default());
            let low = (bytes.get(i.saturating_add(6)) == Some(&b'\\')
                && bytes.get(i.saturating_add(7)) == Some(&b'u'))
            .then(|| hex4(bytes, i.saturating_add(8)))
            .flatten();
            let pair = match low {
                Some(low)
                    if (0xD800..0xDC00).contains(&high) && (0xDC00..0xE000).contains(&low) =>
                {
                    char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                }
                _ => None,
            };
            match pair {
                Some(ch) => {
                    out.push(ch);
                    col = col.saturating_add(1);
                    fixes.push(ColFix {
                        line,
                        from: col,
                        delta: 11,
                    });
                    i = i.saturating_add(12);
                }
                None => {
                    out.push_str("\\uFFFD");
                    col = col.saturating_add(6);
                    i = i.saturating_add(6);
                }
            }
            copied = i;
            continue;
        }
        let step = if escape { 2 } else { 1 };
        match c {
            b'"' if !escape => in_string = !in_string,
            b'\n' => {
                line = line.saturating_add(1);
                col = 1;
            }
            _ => {}
        }
        // Columns count characters: only the first byte of a UTF-8 sequence starts one.
        let chars = bytes
            .get(i..i.saturating_add(step))
            .map_or(0, |b| b.iter().filter(|&&b| (b & 0xC0) != 0x80).count());
        if c != b'\n' {
            col = col.saturating_add(u32::try_from(chars).unwrap_or(0));
        }
        i = i.saturating_add(step);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    (out, fixes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn splits_only_pure_object_streams() {
        let t = "{\"a\": 1}\n{\"b\": [1, {\"c\": \"}\"}]}  {}\n";
        let parts: Vec<&str> = split(t)
            .unwrap()
            .iter()
            .map(|o| &t[o.start..o.end])
            .collect();
        assert_eq!(parts, ["{\"a\": 1}", "{\"b\": [1, {\"c\": \"}\"}]}", "{}"]);
        for not in [
            "{a: 1}\n---\n{b: 2}\n",
            "{a: 1} # }\n",
            "{a: '}'}\n{b: 2}",
            "[1]\n",
            "{\"a\": \"unterminated}\n",
            "{\"a\": 1",
        ] {
            assert!(split(not).is_none(), "{not:?}");
        }
    }

    #[test]
    fn surrogates_decode_like_go_encoding_json() {
        let (out, fixes) =
            decode_surrogates(r#"{"a": "\ud83d\ude80!", "b": "\ud83d", "c": "\\ud83d"}"#);
        assert_eq!(out, r#"{"a": "🚀!", "b": "\uFFFD", "c": "\\ud83d"}"#);
        assert_eq!(
            fixes,
            [ColFix {
                line: 1,
                from: 9,
                delta: 11
            }]
        );
    }
}
