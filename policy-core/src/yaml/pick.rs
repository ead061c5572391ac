//! A JSON reader that builds only the parts of a value a format reads.
//!
//! Terraform plans and scanner reports are single JSON values of tens of megabytes, of which a
//! format reads a fraction: a plan's `planned_values` but not the `before` and `after` copies in
//! `resource_changes`, nor `prior_state` or `configuration`; a Trivy vulnerability's id,
//! package and severity but not its `Description` and `References`. Loaded whole, every node
//! of such a file is a [`Node`] of 40 bytes or more, some 20 times the file's size.
//!
//! [`read`] reads the text once, left to right, and builds a [`Node`] only where a [`Pick`] asks
//! for one; everything else is checked as JSON and passed over without allocating. What it
//! builds is what the YAML loader builds from the same text: the same values (numbers and
//! literals resolve as the loader resolves plain scalars), the same byte spans (a map value's
//! span starts at its key, a container's runs from its bracket to its closing one, a string's
//! covers its quotes), keys interned per read, duplicate keys an error. Nodes are numbered in
//! pre-order from 1, and again from 1 inside each [`Pick::Doc`], so a picked subtree is a
//! document root as it is. Containers are read with an explicit stack, so deep input cannot
//! overflow the call stack; [`LoadOptions::max_depth`] and [`LoadOptions::max_nodes`] hold
//! (only built nodes count).

use std::borrow::Cow;
use std::sync::Arc;

use super::resolve::{self, Scalar};
use super::strings::Strings;
use crate::document::{LoadError, LoadOptions, Source};
use crate::value::{List, Map, Node, NodeId, Span, Str, Value};

/// Which parts of a JSON value to build.
#[derive(Debug)]
pub(crate) enum Pick {
    /// The whole value.
    All,
    /// Of a map, only these keys, each with what to build of its value; of a list, this for
    /// each item; a scalar whole.
    Keys(&'static [(&'static str, &'static Pick)]),
    /// As the inner pick, numbered from 1: the root of a document.
    Doc(&'static Pick),
    /// Of a list, each item built as the inner pick and handed to the sink of [`read_each`] as
    /// soon as it is read, instead of being kept: the list is left empty (with its span), so a
    /// list of many items is never whole in memory.
    Each(&'static Pick),
}

impl Pick {
    /// What to build of the value at `key` of a map read with this pick; `None` to pass over it.
    pub(crate) fn at(&'static self, key: &str) -> Option<&'static Pick> {
        match self {
            Pick::All => Some(&Pick::All),
            Pick::Keys(keys) => keys.iter().find(|(k, _)| *k == key).map(|(_, p)| *p),
            Pick::Doc(inner) | Pick::Each(inner) => inner.at(key),
        }
    }

    /// The pick without its document mark.
    fn inner(&'static self) -> &'static Pick {
        match self {
            Pick::Doc(inner) | Pick::Each(inner) => inner.inner(),
            other => other,
        }
    }
}

/// Reads the JSON value that is the whole of `source`'s text, building what `pick` asks for.
/// Errors name the line and column.
#[cfg(test)]
pub(crate) fn read(
    source: &Arc<Source>,
    opts: &LoadOptions,
    pick: &'static Pick,
) -> Result<Node, LoadError> {
    read_each(source, opts, pick, &mut |_| {})
}

/// One item of a [`Pick::Each`] list, as [`read_each`] hands it over.
pub(crate) struct Item {
    /// The position of the item of the nearest list that holds its list (a SARIF result's run),
    /// 0 when there is none.
    pub outer: usize,
    /// The position of the item in its list.
    pub index: usize,
    /// The item.
    pub node: Node,
}

/// [`read`], handing each item of a [`Pick::Each`] list to `sink` as soon as it is read.
pub(crate) fn read_each(
    source: &Arc<Source>,
    opts: &LoadOptions,
    pick: &'static Pick,
    sink: &mut dyn FnMut(Item),
) -> Result<Node, LoadError> {
    let mut r = Reader::new(source.text(), opts, sink);
    r.ws();
    let result = r.build(pick).and_then(|root| {
        r.ws();
        if r.pos < r.bytes.len() {
            return Err(r.fail("expected the end of the input after one JSON value"));
        }
        Ok(root)
    });
    result.map_err(|f| {
        let (line, col) = source.line_col(u32::try_from(f.at).unwrap_or(u32::MAX - 1));
        let mut e = LoadError::new(source.name(), line, col, f.message);
        e.path = source.path_arc().cloned();
        e
    })
}

/// Why reading stopped: a byte offset and a message.
#[derive(Debug)]
struct Fail {
    at: usize,
    message: String,
}

enum Kind {
    /// Items are `items[start..]`.
    List(usize),
    /// Entries are `entries[start..]`; `key` waits for its value.
    Map {
        start: usize,
        key: Option<(Str, u32)>,
    },
}

struct Frame {
    kind: Kind,
    /// What to build of each member.
    pick: &'static Pick,
    /// The byte of the opening bracket.
    start: usize,
    id: NodeId,
    /// Members read so far, passed-over ones included.
    members: usize,
    /// The numbering to resume after a [`Pick::Doc`] container.
    resume: Option<u32>,
    /// A [`Pick::Each`] list: items go to the sink.
    each: bool,
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    opts: &'a LoadOptions,
    stack: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<(Str, Node)>,
    /// Closing brackets of the containers being passed over.
    skipping: Vec<u8>,
    /// Interned keys and shared short values.
    strings: Strings,
    nodes: usize,
    next_id: u32,
    /// Where the items of [`Pick::Each`] lists go.
    sink: &'a mut dyn FnMut(Item),
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, opts: &'a LoadOptions, sink: &'a mut dyn FnMut(Item)) -> Self {
        Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            opts,
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            skipping: Vec::new(),
            strings: Strings::new(),
            nodes: 0,
            next_id: 1,
            sink,
        }
    }

    fn fail(&self, message: &str) -> Fail {
        self.fail_at(self.pos, message)
    }

    fn fail_at(&self, at: usize, message: &str) -> Fail {
        let what = match self.bytes.get(at) {
            None => "the end of the input".to_string(),
            Some(_) => {
                let c = self.text.get(at..).and_then(|t| t.chars().next());
                c.map_or_else(|| "a byte".to_string(), |c| format!("{:?}", c))
            }
        };
        Fail {
            at,
            message: format!("invalid JSON: {message}, found {what}"),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8, message: &str) -> Result<(), Fail> {
        self.ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.fail(message))
        }
    }

    fn depth_check(&self, depth: usize) -> Result<(), Fail> {
        if depth >= self.opts.max_depth {
            return Err(Fail {
                at: self.pos,
                message: format!("nesting deeper than {} levels", self.opts.max_depth),
            });
        }
        Ok(())
    }

    fn count(&mut self) -> Result<(), Fail> {
        self.nodes = self.nodes.saturating_add(1);
        if self.nodes > self.opts.max_nodes {
            return Err(Fail {
                at: self.pos,
                message: format!(
                    "input has more than {} nodes (see max_nodes)",
                    self.opts.max_nodes
                ),
            });
        }
        Ok(())
    }

    fn take_id(&mut self) -> NodeId {
        let id = NodeId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    fn intern(&mut self, s: &str) -> Str {
        self.strings.key(s)
    }

    /// A string value; a recent equal short one is shared.
    fn string(&mut self, text: &str) -> Str {
        self.strings.value(text)
    }

    /// Builds the value at the current position (after blanks) as `pick` asks.
    fn build(&mut self, pick: &'static Pick) -> Result<Node, Fail> {
        let mut want = pick;
        loop {
            let mut done = self.start_value(want)?;
            loop {
                if let Some(node) = done.take() {
                    if self.stack.is_empty() {
                        return Ok(node);
                    }
                    self.attach(node);
                }
                match self.next_member()? {
                    Some(p) => {
                        want = p;
                        break;
                    }
                    None => done = Some(self.close()?),
                }
            }
        }
    }

    /// Reads a scalar whole, or opens a container (and returns `None`).
    fn start_value(&mut self, pick: &'static Pick) -> Result<Option<Node>, Fail> {
        self.ws();
        let start = self.pos;
        let resume = matches!(pick, Pick::Doc(_)).then(|| std::mem::replace(&mut self.next_id, 1));
        match self.peek() {
            Some(b @ (b'{' | b'[')) => {
                self.depth_check(self.stack.len())?;
                self.count()?;
                self.pos += 1;
                let id = self.take_id();
                let kind = if b == b'{' {
                    Kind::Map {
                        start: self.entries.len(),
                        key: None,
                    }
                } else {
                    Kind::List(self.items.len())
                };
                self.stack.push(Frame {
                    each: b == b'[' && matches!(pick, Pick::Each(_)),
                    kind,
                    pick: pick.inner(),
                    start,
                    id,
                    members: 0,
                    resume,
                });
                Ok(None)
            }
            _ => {
                let value = self.scalar()?;
                self.count()?;
                let id = self.take_id();
                if let Some(r) = resume {
                    self.next_id = r;
                }
                Ok(Some(Node::with_id(value, self.span(start), id)))
            }
        }
    }

    fn span(&self, start: usize) -> Span {
        Span::of_range(start..self.pos)
    }

    /// Adds a finished node to the innermost container.
    fn attach(&mut self, node: Node) {
        if let Some(frame) = self.stack.last().filter(|f| f.each) {
            let index = frame.members.saturating_sub(1);
            let outer = self
                .stack
                .iter()
                .rev()
                .skip(1)
                .find(|f| matches!(f.kind, Kind::List(_)))
                .map_or(0, |f| f.members.saturating_sub(1));
            (self.sink)(Item { outer, index, node });
            return;
        }
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        match &mut frame.kind {
            Kind::List(_) => self.items.push(node),
            Kind::Map { key, .. } => {
                if let Some((k, at)) = key.take() {
                    let span = Span::new(at, node.span.end());
                    self.entries
                        .push((k, Node::with_id(node.value, span, node.id)));
                }
            }
        }
    }

    /// Moves to the next member of the innermost container to build, passing over the members
    /// its pick leaves out; `None` when the container has ended (its bracket read).
    fn next_member(&mut self) -> Result<Option<&'static Pick>, Fail> {
        loop {
            let Some(frame) = self.stack.last() else {
                return Ok(None);
            };
            let is_map = matches!(frame.kind, Kind::Map { .. });
            let (close, pick, members) =
                (if is_map { b'}' } else { b']' }, frame.pick, frame.members);
            self.ws();
            if members == 0 {
                if self.peek() == Some(close) {
                    self.pos += 1;
                    return Ok(None);
                }
            } else {
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(c) if c == close => {
                        self.pos += 1;
                        return Ok(None);
                    }
                    _ => {
                        return Err(self.fail(if is_map {
                            "expected `,` or `}`"
                        } else {
                            "expected `,` or `]`"
                        }));
                    }
                }
            }
            if let Some(f) = self.stack.last_mut() {
                f.members += 1;
            }
            if !is_map {
                return Ok(Some(pick));
            }
            self.ws();
            let key_start = self.pos;
            if self.peek() != Some(b'"') {
                return Err(self.fail("expected a string key"));
            }
            let key = self.string_text()?;
            self.expect(b':', "expected `:` after a key")?;
            match pick.at(&key) {
                Some(p) => {
                    self.count()?;
                    let k = self.intern(&key);
                    if let Some(Frame {
                        kind: Kind::Map { key, .. },
                        ..
                    }) = self.stack.last_mut()
                    {
                        *key = Some((k, u32::try_from(key_start).unwrap_or(u32::MAX)));
                    }
                    return Ok(Some(p));
                }
                None => self.skip_value()?,
            }
        }
    }

    /// Ends the innermost container (its closing bracket just read).
    fn close(&mut self) -> Result<Node, Fail> {
        let Some(frame) = self.stack.pop() else {
            return Err(self.fail("unbalanced brackets"));
        };
        let value = match frame.kind {
            Kind::List(start) => {
                let start = start.min(self.items.len());
                Value::List(List::from_exact_iter(self.items.drain(start..)))
            }
            Kind::Map { start, .. } => {
                let start = start.min(self.entries.len());
                if let Some(dup) = duplicate(self.entries.get(start..).unwrap_or_default()) {
                    let at = self.entries.get(dup).map_or(frame.start, |(_, n)| {
                        usize::try_from(n.span.start()).unwrap_or(frame.start)
                    });
                    let key = self.entries.get(dup).map(|(k, _)| k.to_string());
                    return Err(Fail {
                        at,
                        message: format!("duplicate key `{}`", key.unwrap_or_default()),
                    });
                }
                Value::Map(Map::from_entries(self.entries.drain(start..)))
            }
        };
        if let Some(r) = frame.resume {
            self.next_id = r;
        }
        Ok(Node::with_id(value, self.span(frame.start), frame.id))
    }

    /// A scalar: a string, a number, `true`, `false` or `null`.
    fn scalar(&mut self) -> Result<Value, Fail> {
        match self.peek() {
            Some(b'"') => {
                let s = self.string_text()?;
                Ok(Value::String(self.string(&s)))
            }
            _ => {
                let start = self.pos;
                self.scalar_token()?;
                let text = self.text.get(start..self.pos).unwrap_or_default();
                Ok(match text {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => match resolve::resolve_plain(text, self.opts.compat) {
                        Scalar::Int(i) => Value::Int(i),
                        Scalar::Float(f) => Value::Float(f),
                        Scalar::Bool(b) => Value::Bool(b),
                        Scalar::Null => Value::Null,
                        Scalar::Str => Value::String(self.string(text)),
                    },
                })
            }
        }
    }

    /// Passes over a number or a literal, checking it is one.
    fn scalar_token(&mut self) -> Result<(), Fail> {
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or_default();
        for lit in [&b"true"[..], b"false", b"null"] {
            if rest.starts_with(lit) {
                self.pos += lit.len();
                return self.after_token(start);
            }
        }
        let mut i = start;
        let at = |i: usize| self.bytes.get(i).copied();
        if at(i) == Some(b'-') {
            i += 1;
        }
        let digits = |mut i: usize| {
            let from = i;
            while at(i).is_some_and(|b| b.is_ascii_digit()) {
                i += 1;
            }
            (i, i > from)
        };
        let ok = match at(i) {
            Some(b'0') => {
                i += 1;
                true
            }
            Some(b'1'..=b'9') => {
                i = digits(i).0;
                true
            }
            _ => false,
        };
        if !ok {
            return Err(self.fail("expected a value"));
        }
        if at(i) == Some(b'.') {
            let (j, any) = digits(i + 1);
            if !any {
                return Err(self.fail_at(j, "expected a digit"));
            }
            i = j;
        }
        if matches!(at(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(at(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let (j, any) = digits(i);
            if !any {
                return Err(self.fail_at(j, "expected a digit"));
            }
            i = j;
        }
        self.pos = i;
        self.after_token(start)
    }

    /// A number or literal must end at a blank or a structural character.
    fn after_token(&self, start: usize) -> Result<(), Fail> {
        match self.peek() {
            None | Some(b',' | b'}' | b']' | b':') => Ok(()),
            Some(b) if is_ws(b) => Ok(()),
            Some(_) => Err(self.fail_at(start, "expected a value")),
        }
    }

    /// Reads the string opening at the current position: borrowed when it has no escape.
    fn string_text(&mut self) -> Result<Cow<'a, str>, Fail> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        self.string_run();
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                Ok(Cow::Borrowed(
                    self.text.get(start..self.pos - 1).unwrap_or_default(),
                ))
            }
            Some(b'\\') => {
                let mut out = String::from(self.text.get(start..self.pos).unwrap_or_default());
                loop {
                    match self.peek() {
                        Some(b'"') => {
                            self.pos += 1;
                            return Ok(Cow::Owned(out));
                        }
                        Some(b'\\') => self.escape(&mut out)?,
                        _ => return Err(self.string_fail(open)),
                    }
                    let from = self.pos;
                    self.string_run();
                    out.push_str(self.text.get(from..self.pos).unwrap_or_default());
                }
            }
            _ => Err(self.string_fail(open)),
        }
    }

    fn string_fail(&self, open: usize) -> Fail {
        if self.peek().is_none() {
            self.fail_at(open, "unterminated string")
        } else {
            self.fail("control character in a string")
        }
    }

    /// Moves past the bytes of a string that are neither a quote, a backslash nor a control
    /// character.
    fn string_run(&mut self) -> usize {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let n = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(rest.len());
        self.pos += n;
        n
    }

    /// Decodes the escape at the current position into `out`. A `\u` escape of a UTF-16
    /// surrogate pair is the character it encodes; a lone surrogate is U+FFFD (as Go's
    /// `encoding/json` reads it).
    fn escape(&mut self, out: &mut String) -> Result<(), Fail> {
        let at = self.pos;
        let c = match self.bytes.get(self.pos + 1).copied() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self
                    .hex4(self.pos + 2)
                    .ok_or_else(|| self.fail_at(at, "bad `\\u` escape"))?;
                self.pos += 6;
                if (0xD800..0xDC00).contains(&high)
                    && self.bytes.get(self.pos) == Some(&b'\\')
                    && self.bytes.get(self.pos + 1) == Some(&b'u')
                    && let Some(low) = self
                        .hex4(self.pos + 2)
                        .filter(|l| (0xDC00..0xE000).contains(l))
                {
                    self.pos += 6;
                    out.push(
                        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                            .unwrap_or('\u{FFFD}'),
                    );
                } else {
                    out.push(char::from_u32(high).unwrap_or('\u{FFFD}'));
                }
                return Ok(());
            }
            _ => return Err(self.fail_at(at, "bad escape in a string")),
        };
        out.push(c);
        self.pos += 2;
        Ok(())
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at.checked_add(4)?)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    }

    /// Passes over a string, checking its escapes.
    fn skip_string(&mut self) -> Result<(), Fail> {
        let open = self.pos;
        self.pos += 1;
        loop {
            self.string_run();
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    let at = self.pos;
                    match self.bytes.get(self.pos + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 2;
                        }
                        Some(b'u') if self.hex4(self.pos + 2).is_some() => self.pos += 6,
                        _ => return Err(self.fail_at(at, "bad escape in a string")),
                    }
                }
                _ => return Err(self.string_fail(open)),
            }
        }
    }

    /// Passes over the value at the current position, checking it is JSON, building nothing.
    fn skip_value(&mut self) -> Result<(), Fail> {
        let base = self.skipping.len();
        loop {
            self.ws();
            match self.peek() {
                Some(b @ (b'{' | b'[')) => {
                    self.depth_check(self.stack.len() + self.skipping.len() - base)?;
                    self.pos += 1;
                    let close = if b == b'{' { b'}' } else { b']' };
                    self.ws();
                    if self.peek() == Some(close) {
                        self.pos += 1;
                    } else {
                        self.skipping.push(close);
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        continue;
                    }
                }
                Some(b'"') => self.skip_string()?,
                _ => self.scalar_token()?,
            }
            // After a value: close containers, or move to the next member.
            loop {
                let Some(&close) = self.skipping.get(base..).and_then(<[u8]>::last) else {
                    self.skipping.truncate(base);
                    return Ok(());
                };
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(c) if c == close => {
                        self.pos += 1;
                        self.skipping.pop();
                    }
                    _ => {
                        return Err(self.fail(if close == b'}' {
                            "expected `,` or `}`"
                        } else {
                            "expected `,` or `]`"
                        }));
                    }
                }
            }
        }
    }

    fn skip_key(&mut self) -> Result<(), Fail> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(self.fail("expected a string key"));
        }
        self.skip_string()?;
        self.expect(b':', "expected `:` after a key")
    }
}

/// The position of an entry whose key an earlier entry has too. Keys are interned, so equal
/// keys are one allocation.
fn duplicate(entries: &[(Str, Node)]) -> Option<usize> {
    if entries.len() <= 16 {
        for (i, (k, _)) in entries.iter().enumerate() {
            if entries
                .get(..i)
                .unwrap_or_default()
                .iter()
                .any(|(j, _)| Arc::ptr_eq(j, k))
            {
                return Some(i);
            }
        }
        return None;
    }
    let mut order: Vec<(*const u8, usize)> = entries
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_ptr(), i))
        .collect();
    order.sort_unstable();
    order
        .windows(2)
        .filter_map(|w| match w {
            [a, b] if a.0 == b.0 => Some(a.1.max(b.1)),
            _ => None,
        })
        .min()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

    use super::*;

    fn load(text: &str, pick: &'static Pick) -> Result<Node, LoadError> {
        read(&Source::new("t.json", text), &LoadOptions::default(), pick)
    }

    /// Every node with its span's text and its id, in pre-order.
    fn walk(n: &Node, text: &str, out: &mut Vec<(u32, String)>) {
        out.push((
            n.id.0,
            text[n.span.start() as usize..n.span.end() as usize].to_string(),
        ));
        match &n.value {
            Value::Map(m) => m.iter().for_each(|(_, v)| walk(v, text, out)),
            Value::List(l) => l.iter().for_each(|v| walk(v, text, out)),
            _ => {}
        }
    }

    #[test]
    fn builds_what_the_yaml_loader_builds() {
        let text = "{\"a\": [1, 2.5, \"x\\ny\", true, null, {}],\n \"b\": {\"c\": \"\\ud83d\\ude80\", \"d\": -3e2}, \"e\": []}";
        let ours = load(text, &Pick::All).unwrap();
        let yaml = super::super::load_str(&Source::new("t.json", text), &LoadOptions::default());
        let theirs = yaml.documents[0].root().clone();
        assert_eq!(ours.value, theirs.value);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        walk(&ours, text, &mut a);
        walk(&theirs, text, &mut b);
        assert_eq!(a, b);
        assert_eq!(ours.get_path(&["b", "c"]).unwrap().as_str(), Some("🚀"));
    }

    static KEEP: Pick = Pick::Keys(&[("keep", &Pick::Doc(&Pick::All)), ("list", &ITEM)]);
    static ITEM: Pick = Pick::Keys(&[("id", &Pick::All)]);

    #[test]
    fn builds_only_what_is_picked_and_numbers_documents_from_one() {
        let text = r#"{"drop": {"x": [1, {"y": "\u0041"}]}, "keep": {"k": [true]}, "list": [{"id": 1, "no": 2}, 3]}"#;
        let root = load(text, &KEEP).unwrap();
        let Value::Map(m) = &root.value else { panic!() };
        assert_eq!(
            m.keys().map(|k| k.to_string()).collect::<Vec<_>>(),
            ["keep", "list"]
        );
        let keep = root.get("keep").unwrap();
        assert_eq!(keep.id, NodeId(1));
        assert_eq!(keep.get("k").unwrap().id, NodeId(2));
        let list = root.get("list").unwrap();
        let Value::List(items) = &list.value else {
            panic!()
        };
        let first = items.get(0).unwrap();
        assert_eq!(first.get("id").unwrap().value, Value::Int(1));
        assert!(first.get("no").is_none());
        assert_eq!(
            &text[first.span.start() as usize..first.span.end() as usize],
            r#"{"id": 1, "no": 2}"#
        );
    }

    #[test]
    fn errors_name_the_place_even_in_what_is_passed_over() {
        for (text, line, col, what) in [
            (
                "{\"drop\": [1,\n 2,, 3], \"keep\": {}}",
                2,
                4,
                "expected a value",
            ),
            ("{\"drop\": \"x\\q\"}", 1, 12, "bad escape"),
            (
                "{\"keep\": {\"a\": 1, \"a\": 2}}",
                1,
                19,
                "duplicate key `a`",
            ),
            ("{\"keep\": {\"a\": 1}", 1, 18, "expected `,` or `}`"),
            ("{\"keep\": {}} {}", 1, 14, "end of the input"),
            ("{\"drop\": tru}", 1, 10, "expected a value"),
        ] {
            let e = load(text, &KEEP).unwrap_err();
            assert_eq!((e.line(), e.col()), (line, col), "{text}: {e}");
            assert!(e.message().contains(what), "{text}: {e}");
        }
    }

    #[test]
    fn depth_and_node_limits_hold_in_what_is_passed_over_too() {
        let deep = format!("{{\"drop\": {}{}}}", "[".repeat(300), "]".repeat(300));
        let e = load(&deep, &KEEP).unwrap_err();
        assert!(e.message().contains("nesting deeper"), "{e}");
        let opts = LoadOptions {
            max_nodes: 10,
            ..LoadOptions::default()
        };
        let many = format!("[{}1]", "1, ".repeat(20));
        let e = read(&Source::new("t", many.as_str()), &opts, &Pick::All).unwrap_err();
        assert!(e.message().contains("max_nodes"), "{e}");
    }

    static EACH: Pick = Pick::Keys(&[("runs", &Pick::Keys(&[("results", &Pick::Each(&ITEM))]))]);

    #[test]
    fn each_hands_items_over_as_read_and_keeps_none() {
        let text = r#"{"runs": [{"results": [{"id": "a", "x": 1}, {"id": "b"}]}, {"results": []},
            {"results": [{"id": "c"}]}]}"#;
        let mut got = Vec::new();
        let root = read_each(
            &Source::new("t.json", text),
            &LoadOptions::default(),
            &EACH,
            &mut |item| {
                let id = item
                    .node
                    .get("id")
                    .and_then(Node::as_str)
                    .map(str::to_string);
                let span = &text[item.node.span.start() as usize..item.node.span.end() as usize];
                got.push((item.outer, item.index, id, span.to_string()));
            },
        )
        .unwrap();
        assert_eq!(
            got,
            [
                (
                    0,
                    0,
                    Some("a".to_string()),
                    r#"{"id": "a", "x": 1}"#.to_string()
                ),
                (0, 1, Some("b".to_string()), r#"{"id": "b"}"#.to_string()),
                (2, 0, Some("c".to_string()), r#"{"id": "c"}"#.to_string()),
            ]
        );
        // The lists are left empty, each at its own bytes.
        let runs = root.get("runs").unwrap();
        let Value::List(runs) = &runs.value else {
            panic!("runs is a list")
        };
        for run in runs.iter() {
            let results = run.get("results").unwrap();
            assert!(matches!(&results.value, Value::List(l) if l.is_empty()));
            assert!(text[results.span.start() as usize..].starts_with("\"results\": ["));
        }
    }
}
