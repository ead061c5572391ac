//! Builds [`Node`] trees straight from saphyr-parser events, with an explicit stack.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span as YSpan, Tag};

use super::map::{Entries, MapFrame, PendingKey};
use super::resolve::{self, CoreTag, Scalar};
use super::strings::Strings;
use crate::document::{Document, LoadError, LoadOptions, Loaded, Source, YamlCompat};
use crate::value::{List, Node, NodeId, Span, Str, Value};

/// A 1-based line and column, in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Pos {
    pub(super) line: u32,
    pub(super) col: u32,
}

/// The position where a span starts.
pub(super) fn pos_of(source: &Source, s: &Span) -> Pos {
    let (line, col) = source.line_col(s.start());
    Pos { line, col }
}

/// The byte offset of a position of the source. The parser ends a stream whose last line has no
/// line break at the start of the line after it (after an explicit `? key` with no value, say):
/// that position is the end of the text.
fn offset(source: &Source, p: Pos) -> Option<usize> {
    source.byte_offset(p.line, p.col).or_else(|| {
        let after_last = p.col <= 1
            && source.line_text(p.line.saturating_sub(1)).is_some()
            && source.line_text(p.line).is_none();
        after_last.then_some(source.text().len())
    })
}

fn to_u32(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// Why the current document (or the whole stream) stops.
pub(super) struct Fail {
    pos: Pos,
    message: String,
    /// Stops the whole stream, not just the document.
    fatal: bool,
}

impl Fail {
    pub(super) fn doc(pos: Pos, message: String) -> Self {
        Fail {
            pos,
            message,
            fatal: false,
        }
    }
}

/// `a list`, `an int`, ... for messages.
pub(super) fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Int(_) => "an int",
        Value::Float(_) => "a float",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
    }
}

enum Kind {
    /// A sequence; its items are `items[start..]` of the builder's shared stack.
    Seq(usize),
    Map(MapFrame),
}

struct Frame {
    kind: Kind,
    start: Pos,
    /// The end of the last child so far (block collections end there).
    last_end: Pos,
    anchor: usize,
    /// The collection's identity, taken when it opened (pre-order).
    id: NodeId,
    /// Nodes in this subtree, aliases counted at their expanded size.
    size: usize,
}

struct Anchored {
    node: Node,
    size: usize,
}

struct Builder<'a> {
    source: &'a Arc<Source>,
    opts: &'a LoadOptions,
    /// Added to saphyr's line numbers: the line where the parsed part of the source starts.
    line_offset: u32,
    /// Columns the parsed text lost against the source (see [`ColFix`]).
    col_fixes: &'a [ColFix],
    /// Tabs read as spaces (see [`load_text`]): 1-based line and column in the parsed text.
    tabs: &'a [(u32, u32)],
    /// Which of `tabs` fell inside a scalar.
    tabs_inside: Vec<usize>,
    /// Where a quoted scalar starts (1-based line and column of the parsed text) whose
    /// continuation lines saphyr found indented too little.
    bad_quoted: Option<(u32, u32)>,
    /// Interned keys and shared short values.
    strings: Strings,
    /// The items of every open sequence, innermost last (see [`Kind::Seq`]).
    items: Vec<Node>,
    /// The entries of every open mapping, innermost last (see [`MapFrame`]).
    entries: Entries,
    anchors: HashMap<usize, Anchored>,
    stack: Vec<Frame>,
    root: Option<Node>,
    /// The current document failed: ignore events until it ends.
    skipping: bool,
    nodes: usize,
    /// The identity the next node of the current document takes.
    next_id: u32,
    out: Loaded,
}

/// A place where the parsed text's columns differ from the source's: on 1-based line `line` of
/// the parsed text, from 1-based column `from` on, columns are `delta` characters further right
/// in the source (a JSON surrogate pair decoded to one character, say), or `-delta` further left
/// (indentation added to a quoted scalar's continuation line, see [`pad_quoted`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ColFix {
    pub(super) line: u32,
    pub(super) from: u32,
    pub(super) delta: i64,
}

/// How many times one part is parsed with fewer tabs read as spaces before they are given up
/// (see [`load_text`]); each pass drops every tab the last one found inside a scalar, so two
/// passes are the most a real text needs.
const MAX_TAB_PASSES: usize = 8;

/// Parses `source` as a YAML stream into documents.
pub(super) fn load(source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
    if let Some(loaded) = super::json::load(source, opts) {
        return loaded;
    }
    #[cfg(feature = "parallel")]
    if let Some(loaded) = super::chunks::load(source, opts) {
        return loaded;
    }
    load_part(source, source.text(), 0, opts).0
}

/// Parses `text`, a part of `source` that starts at the beginning of line `line_offset + 1`
/// and holds whole documents, into documents numbered from 0. Also returns how many nodes the
/// part counted against [`LoadOptions::max_nodes`].
pub(super) fn load_part(
    source: &Arc<Source>,
    text: &str,
    line_offset: u32,
    opts: &LoadOptions,
) -> (Loaded, usize) {
    load_text(source, text, line_offset, &[], opts)
}

/// [`load_part`] for a text whose columns may differ from the source's as `col_fixes` say.
///
/// A tab between `key:` and its value is separation whitespace to go-yaml (its scanner eats
/// tabs after a simple key's `:`), but saphyr-parser rejects `key:<TAB>value` when the value
/// starts with a letter, digit, `_` or `-`. So each such tab ([`tab_candidates`]) is read as a
/// space, and the parse checks that none of them was inside a scalar (a quoted or block scalar
/// may hold `a:<TAB>b` as text); any that was is kept as a tab and the text parsed again. A tab
/// and a space are one column each, so positions do not move, and a tab outside every scalar
/// separates tokens, so reading it as a space changes no value.
pub(super) fn load_text(
    source: &Arc<Source>,
    text: &str,
    line_offset: u32,
    col_fixes: &[ColFix],
    opts: &LoadOptions,
) -> (Loaded, usize) {
    let (mut out, mut nodes, mut bad) = load_text_once(source, text, line_offset, col_fixes, opts);
    let mut padded: Option<(String, Vec<ColFix>)> = None;
    for _ in 0..MAX_QUOTED_PASSES {
        let Some(at) = bad else {
            break;
        };
        let (cur_text, cur_fixes) = match &padded {
            Some((t, f)) => (t.as_str(), f.as_slice()),
            None => (text, col_fixes),
        };
        let Some((next_text, mut extra)) = pad_quoted(cur_text, at) else {
            break;
        };
        let mut fixes = cur_fixes.to_vec();
        fixes.append(&mut extra);
        let (o, n, b) = load_text_once(source, &next_text, line_offset, &fixes, opts);
        (out, nodes, bad) = (o, n, b);
        padded = Some((next_text, fixes));
    }
    (out, nodes)
}

/// How many quoted scalars with under-indented continuation lines one part may have.
const MAX_QUOTED_PASSES: usize = 64;

/// The text with the continuation lines of the quoted scalar at `at` (1-based line and column
/// of its opening quote) indented to the quote's column, and the column fixes that map the
/// padded lines back to the source.
///
/// go-yaml (so kubectl), libyaml and PyYAML read a multi-line quoted scalar whatever the
/// indentation of its continuation lines, such as a line indented exactly to its key's column;
/// saphyr-parser wants them indented past the enclosing block. Leading white space of a quoted
/// scalar's continuation line is never part of its value (the line folds), so adding some
/// changes no value, and the fixes keep every position where the source has it.
fn pad_quoted(text: &str, at: (u32, u32)) -> Option<(String, Vec<ColFix>)> {
    let (line, col) = at;
    let line_idx = usize::try_from(line.checked_sub(1)?).ok()?;
    let line_start = if line_idx == 0 {
        0
    } else {
        text.match_indices('\n')
            .nth(line_idx - 1)
            .map(|(i, _)| i + 1)?
    };
    let quote_col = usize::try_from(col.checked_sub(1)?).ok()?;
    let (qbyte, quote) = text
        .get(line_start..)?
        .char_indices()
        .nth(quote_col)
        .map(|(b, c)| (line_start + b, c))?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    // The continuation lines up to the closing quote: their byte starts and 1-based numbers.
    let mut lines: Vec<(usize, u32)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = qbyte + 1;
    let mut n = line;
    loop {
        let b = *bytes.get(i)?;
        match b {
            b'\\' if quote == '"' => i += 2,
            b'\'' if quote == '\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote as u8 => break,
            b'\n' => {
                n = n.saturating_add(1);
                lines.push((i + 1, n));
                i += 1;
            }
            _ => i += 1,
        }
    }
    let mut out = String::with_capacity(text.len() + lines.len() * quote_col);
    let mut fixes = Vec::new();
    let mut copied = 0;
    for (start, number) in lines {
        let rest = text.get(start..)?;
        let indent = rest.len() - rest.trim_start_matches(' ').len();
        let blank = rest
            .trim_start_matches([' ', '\t'])
            .starts_with(['\n', '\r']);
        if blank || indent >= quote_col {
            continue;
        }
        let pad = quote_col - indent;
        out.push_str(text.get(copied..start)?);
        out.extend(std::iter::repeat_n(' ', pad));
        copied = start;
        fixes.push(ColFix {
            line: number,
            from: 1,
            delta: -i64::try_from(pad).ok()?,
        });
    }
    if fixes.is_empty() {
        return None;
    }
    out.push_str(text.get(copied..)?);
    Some((out, fixes))
}

/// One pass of [`load_text`] over `text` as it is: tabs after a key read as spaces where they
/// separate tokens, and where a quoted scalar failed on its indentation.
fn load_text_once(
    source: &Arc<Source>,
    text: &str,
    line_offset: u32,
    col_fixes: &[ColFix],
    opts: &LoadOptions,
) -> (Loaded, usize, Option<(u32, u32)>) {
    let mut tabs = tab_candidates(text);
    for _ in 0..MAX_TAB_PASSES {
        if tabs.is_empty() {
            break;
        }
        let mut patched = text.as_bytes().to_vec();
        for t in &tabs {
            if let Some(b) = patched.get_mut(t.byte) {
                *b = b' ';
            }
        }
        // A tab and a space are both one byte of ASCII: the text stays UTF-8.
        let Ok(patched) = String::from_utf8(patched) else {
            break;
        };
        let at: Vec<(u32, u32)> = tabs.iter().map(|t| (t.line, t.col)).collect();
        let (out, nodes, mut inside, bad) =
            parse(source, &patched, line_offset, col_fixes, &at, opts);
        if inside.is_empty() {
            return (out, nodes, bad);
        }
        inside.sort_unstable();
        tabs = tabs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| inside.binary_search(i).is_err())
            .map(|(_, t)| t)
            .collect();
    }
    let (out, nodes, _, bad) = parse(source, text, line_offset, col_fixes, &[], opts);
    (out, nodes, bad)
}

/// A tab right after the `:` of a key, as saphyr-parser rejects it: its byte offset and its
/// 1-based line and column in the parsed text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TabAfterColon {
    byte: usize,
    line: u32,
    col: u32,
}

/// Every `:` followed by tabs only and then a letter, digit, `_` or `-`, where the `:` is not
/// the first thing on its line (that is the value indicator of an explicit `?` key, after which
/// go-yaml rejects a tab too): the first tab of each, in text order.
fn tab_candidates(text: &str) -> Vec<TabAfterColon> {
    let mut found = Vec::new();
    let mut line: u32 = 1;
    let mut counted = 0;
    for (i, _) in text.match_indices(":\t") {
        let before = text.get(counted..i).unwrap_or_default();
        line = line.saturating_add(to_u32(before.matches('\n').count()));
        counted = i;
        let line_start = text
            .get(..i)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |n| n.saturating_add(1));
        let key = text.get(line_start..i).unwrap_or_default();
        let after = text.get(i.saturating_add(1)..).unwrap_or_default();
        let next = after.trim_start_matches('\t').chars().next();
        if key.trim().is_empty()
            || !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            continue;
        }
        found.push(TabAfterColon {
            byte: i.saturating_add(1),
            line,
            col: to_u32(key.chars().count().saturating_add(2)),
        });
    }
    found
}

/// What one parse gives: the documents, how many nodes, which tabs read as spaces fell inside a
/// scalar, and where a quoted scalar with under-indented continuation lines starts.
type Parsed = (Loaded, usize, Vec<usize>, Option<(u32, u32)>);

/// One parse of `text`; also which of `tabs` (1-based line and column in `text`, in text order)
/// fell inside a scalar.
fn parse(
    source: &Arc<Source>,
    text: &str,
    line_offset: u32,
    col_fixes: &[ColFix],
    tabs: &[(u32, u32)],
    opts: &LoadOptions,
) -> Parsed {
    let mut b = Builder {
        source,
        opts,
        line_offset,
        col_fixes,
        tabs,
        tabs_inside: Vec::new(),
        bad_quoted: None,
        strings: Strings::new(),
        items: Vec::new(),
        entries: Vec::new(),
        anchors: HashMap::new(),
        stack: Vec::new(),
        root: None,
        skipping: false,
        nodes: 0,
        next_id: 1,
        out: Loaded::default(),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok((ev, sp)) => {
                if let Err(fail) = b.event(ev, &sp) {
                    let fatal = fail.fatal;
                    b.error(fail.pos, fail.message);
                    if fatal {
                        break;
                    }
                    b.skipping = true;
                    b.clear_stack();
                    b.root = None;
                }
            }
            Err(e) => {
                b.scan_error(&e);
                break;
            }
        }
    }
    (b.out, b.nodes, b.tabs_inside, b.bad_quoted)
}

impl Builder<'_> {
    /// The byte span between two positions of the source.
    fn span(&self, start: Pos, end: Pos) -> Span {
        match (offset(self.source, start), offset(self.source, end)) {
            (Some(a), Some(b)) => Span::of_range(a..b),
            _ => Span::NONE,
        }
    }

    /// The position where a span starts.
    fn start_pos(&self, s: &Span) -> Pos {
        pos_of(self.source, s)
    }

    /// A fresh identity for the next node of the current document.
    fn take_id(&mut self) -> NodeId {
        let id = NodeId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    /// The source position of a saphyr marker.
    fn pos(&self, m: &Marker) -> Pos {
        let line = to_u32(m.line());
        let col = to_u32(m.col().saturating_add(1));
        let shift = self
            .col_fixes
            .iter()
            .filter(|f| f.line == line && f.from <= col)
            .fold(0i64, |n, f| n.saturating_add(f.delta));
        let col = i64::from(col).saturating_add(shift).max(1);
        Pos {
            line: line.saturating_add(self.line_offset),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }

    fn start_of(&self, s: &YSpan) -> Pos {
        self.pos(&s.start)
    }

    fn end_of(&self, s: &YSpan) -> Pos {
        self.pos(&s.end)
    }

    fn clear_stack(&mut self) {
        self.stack.clear();
        self.items.clear();
        self.entries.clear();
    }

    fn error(&mut self, pos: Pos, message: String) {
        self.out.errors.push(LoadError {
            source_name: self.source.name_arc().clone(),
            path: self.source.path_arc().cloned(),
            line: pos.line,
            col: pos.col,
            message,
        });
    }

    fn scan_error(&mut self, e: &ScanError) {
        let pos = self.pos(e.marker());
        let info = e.info().trim().trim_end_matches('.');
        if info == "invalid indentation in quoted scalar" {
            self.bad_quoted = Some((
                to_u32(e.marker().line()),
                to_u32(e.marker().col().saturating_add(1)),
            ));
        }
        let message = if info == "recursion limit exceeded" {
            "nesting deeper than 255 levels of flow collections".to_string()
        } else {
            lowercase_first(info)
        };
        self.error(pos, message);
    }

    fn event(&mut self, ev: Event<'_>, sp: &YSpan) -> Result<(), Fail> {
        match ev {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.clear_stack();
                self.root = None;
                self.next_id = 1;
                self.skipping = false;
                Ok(())
            }
            Event::DocumentEnd => {
                if let Some(root) = self.root.take()
                    && !self.skipping
                {
                    self.emit(root);
                }
                self.skipping = false;
                self.anchors.clear();
                Ok(())
            }
            _ if self.skipping => Ok(()),
            Event::Scalar(text, style, anchor, tag) => self.scalar(text, style, anchor, tag, sp),
            Event::SequenceStart(anchor, _) => self.open(Kind::Seq(self.items.len()), anchor, sp),
            Event::MappingStart(anchor, _) => {
                self.open(Kind::Map(MapFrame::new(&self.entries)), anchor, sp)
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(sp),
            Event::Alias(id) => self.alias(id, sp),
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
        }
    }

    fn in_key_position(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame { kind: Kind::Map(m), .. }) if m.key.is_none()
        )
    }

    /// Counts `n` new nodes against `max_nodes`.
    fn count(&mut self, n: usize, pos: Pos, via_alias: bool) -> Result<(), Fail> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes <= self.opts.max_nodes {
            return Ok(());
        }
        let max = self.opts.max_nodes;
        let message = if via_alias {
            format!(
                "document expands to more than {max} nodes through aliases (possible alias bomb)"
            )
        } else {
            format!("input has more than {max} nodes (see max_nodes)")
        };
        Err(Fail {
            pos,
            message,
            fatal: true,
        })
    }

    fn intern(&mut self, s: &str) -> Str {
        self.strings.key(s)
    }

    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<Cow<'_, Tag>>,
        sp: &YSpan,
    ) -> Result<(), Fail> {
        let start = self.start_of(sp);
        let mut end = self.end_of(sp);
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
            && sp.end.col() == 0
            && sp.end.line() > sp.start.line()
        {
            // A block scalar's span runs to the start of the line after it: end it on its last
            // line instead.
            let line = end.line.saturating_sub(1);
            let width = self.source.line_text(line).map_or(0, |t| t.chars().count());
            end = Pos {
                line,
                col: to_u32(width.saturating_add(1)),
            };
        }
        self.note_tabs_inside(sp);
        let core = tag.as_deref().and_then(resolve::core_tag);
        self.count(1, start, false)?;
        if self.in_key_position() {
            let merge = self.is_merge_key(&text, style, tag.as_deref(), start)?;
            let key = self.key_text(&text, style, core, start)?;
            if anchor != 0 {
                let node = Node::new(Value::String(key.clone()), self.span(start, end));
                self.anchors.insert(anchor, Anchored { node, size: 1 });
            }
            self.set_key(key, start, end, merge);
            return Ok(());
        }
        let value = self.scalar_value(&text, style, core, start)?;
        let id = self.take_id();
        let node = Node::with_id(value, self.span(start, end), id);
        if anchor != 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    size: 1,
                },
            );
        }
        self.attach(node, 1, end)
    }

    /// Records which tabs read as spaces lie inside the scalar spanning `sp`.
    fn note_tabs_inside(&mut self, sp: &YSpan) {
        if self.tabs.is_empty() {
            return;
        }
        let raw = |m: &Marker| (to_u32(m.line()), to_u32(m.col().saturating_add(1)));
        let (from, to) = (raw(&sp.start), raw(&sp.end));
        let first = self.tabs.partition_point(|t| *t < from);
        let last = self.tabs.partition_point(|t| *t < to);
        self.tabs_inside.extend(first..last);
    }

    /// Whether a key scalar is a merge key `<<` (see [`super::map`] for the rules and why).
    fn is_merge_key(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        pos: Pos,
    ) -> Result<bool, Fail> {
        if text != "<<" {
            return Ok(false);
        }
        let plain = style == ScalarStyle::Plain;
        match tag {
            None => Ok(plain),
            Some(t) if resolve::is_merge_tag(t) => Ok(true),
            Some(t) if resolve::is_non_specific(t) && plain => Ok(true),
            Some(t) if resolve::is_non_specific(t) => Err(Fail::doc(
                pos,
                "ambiguous merge: a quoted `<<` under the tag `!` merges in go-yaml v2 (kubectl) \
                 and is a plain key in go-yaml v3"
                    .to_string(),
            )),
            Some(_) => Ok(false),
        }
    }

    fn set_key(&mut self, key: Str, start: Pos, end: Pos, merge: bool) {
        if let Some(frame) = self.stack.last_mut() {
            frame.size = frame.size.saturating_add(1);
            frame.last_end = end;
            if let Kind::Map(m) = &mut frame.kind {
                m.key = Some(PendingKey { key, start, merge });
            }
        }
    }

    fn scalar_value(
        &mut self,
        text: &str,
        style: ScalarStyle,
        core: Option<CoreTag>,
        pos: Pos,
    ) -> Result<Value, Fail> {
        let compat = self.opts.compat;
        let resolved = match core {
            Some(tag) => resolve::resolve_tagged(text, tag, compat).ok_or_else(|| {
                Fail::doc(
                    pos,
                    format!("`{text}` is not a valid `{}` value", tag.name()),
                )
            })?,
            None if style == ScalarStyle::Plain => resolve::resolve_plain(text, compat),
            None => Scalar::Str,
        };
        Ok(match resolved {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Int(i),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Str => Value::String(self.string(text)),
        })
    }

    /// A string value. Short values repeat a lot (`TCP`, `http`, label values): a recent equal
    /// one is shared instead of allocating again.
    fn string(&mut self, text: &str) -> Str {
        self.strings.value(text)
    }

    /// The string a scalar key stands for.
    fn key_text(
        &mut self,
        text: &str,
        style: ScalarStyle,
        core: Option<CoreTag>,
        pos: Pos,
    ) -> Result<Str, Fail> {
        if style != ScalarStyle::Plain
            || self.opts.compat == YamlCompat::Yaml12
            || core == Some(CoreTag::Str)
        {
            return Ok(self.intern(text));
        }
        let resolved = match core {
            Some(tag) => {
                resolve::resolve_tagged(text, tag, YamlCompat::Kubernetes).ok_or_else(|| {
                    Fail::doc(
                        pos,
                        format!("`{text}` is not a valid `{}` value", tag.name()),
                    )
                })?
            }
            None => resolve::resolve_plain(text, YamlCompat::Kubernetes),
        };
        Ok(match resolve::k8s_key_text(resolved) {
            None => self.intern(text),
            Some(converted) => self.intern(&converted),
        })
    }

    fn open(&mut self, kind: Kind, anchor: usize, sp: &YSpan) -> Result<(), Fail> {
        let start = self.start_of(sp);
        if self.in_key_position() {
            return Err(Fail::doc(
                start,
                "complex keys are not supported (a key is a map or a list)".to_string(),
            ));
        }
        if self.stack.len() >= self.opts.max_depth {
            return Err(Fail::doc(
                start,
                format!("nesting deeper than {} levels", self.opts.max_depth),
            ));
        }
        self.count(1, start, false)?;
        let id = self.take_id();
        self.stack.push(Frame {
            kind,
            start,
            last_end: self.end_of(sp),
            anchor,
            size: 1,
            id,
        });
        Ok(())
    }

    fn close(&mut self, sp: &YSpan) -> Result<(), Fail> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        // A flow collection ends at its `]` or `}` (a one-character span); a block collection's
        // end event sits wherever the next token is, maybe lines later, so it ends at its last
        // child instead.
        let end = if sp.end.index() > sp.start.index() {
            self.end_of(sp)
        } else {
            frame.last_end
        };
        let value = match frame.kind {
            Kind::Seq(start) => {
                let start = start.min(self.items.len());
                Value::List(List::from_exact_iter(self.items.drain(start..)))
            }
            Kind::Map(m) => Value::Map(m.finish(self.source, &mut self.entries)?),
        };
        let node = Node::with_id(value, self.span(frame.start, end), frame.id);
        if frame.anchor != 0 {
            self.anchors.insert(
                frame.anchor,
                Anchored {
                    node: node.clone(),
                    size: frame.size,
                },
            );
        }
        self.attach(node, frame.size, end)
    }

    fn alias(&mut self, id: usize, sp: &YSpan) -> Result<(), Fail> {
        let start = self.start_of(sp);
        let end = self.end_of(sp);
        let Some(anchored) = self.anchors.get(&id) else {
            let name = self.text_at(sp);
            let recursive = self.stack.iter().any(|f| f.anchor == id);
            let message = if recursive {
                format!("alias `{name}` is used inside its own anchor")
            } else {
                format!("unknown anchor for alias `{name}` (anchors do not carry across documents)")
            };
            return Err(Fail::doc(start, message));
        };
        // The alias is the anchored value at the alias's own place; the nodes inside keep the
        // spans of the anchored text.
        let (value, size) = (anchored.node.value.clone(), anchored.size);
        let id = self.take_id();
        let node = Node::with_id(value, self.span(start, end), id);
        self.count(size, start, true)?;
        if self.in_key_position() {
            let key = match &node.value {
                Value::String(s) => {
                    let s = s.clone();
                    self.intern(&s)
                }
                Value::Map(_) | Value::List(_) => {
                    return Err(Fail::doc(
                        start,
                        "complex keys are not supported (a key is a map or a list)".to_string(),
                    ));
                }
                other => {
                    let text = match (self.opts.compat, other) {
                        (YamlCompat::Kubernetes, Value::Null) => "null".to_string(),
                        (YamlCompat::Kubernetes, Value::Float(f)) => resolve::go_format_g32(*f),
                        _ => other.to_string(),
                    };
                    self.intern(&text)
                }
            };
            self.set_key(key, start, end, false);
            return Ok(());
        }
        self.attach(node, size, end)
    }

    /// The source text a span covers (for messages).
    fn text_at(&self, sp: &YSpan) -> String {
        let at = |m: &Marker| offset(self.source, self.pos(m));
        match (at(&sp.start), at(&sp.end)) {
            (Some(a), Some(b)) => self.source.text().get(a..b).unwrap_or_default().to_string(),
            _ => String::new(),
        }
    }

    /// Adds a finished node to the collection being built, or makes it the document root.
    fn attach(&mut self, node: Node, size: usize, last_end: Pos) -> Result<(), Fail> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        frame.size = frame.size.saturating_add(size);
        frame.last_end = last_end;
        match &mut frame.kind {
            Kind::Seq(_) => {
                self.items.push(node);
                Ok(())
            }
            Kind::Map(m) => {
                let Some(key) = m.key.take() else {
                    // Unreachable: scalars and aliases in key position become keys, and a
                    // collection there is rejected as a complex key.
                    return Err(Fail::doc(
                        frame.start,
                        "complex keys are not supported (a key is a map or a list)".to_string(),
                    ));
                };
                let key_start = match offset(self.source, key.start) {
                    Some(b) => u32::try_from(b).unwrap_or(u32::MAX),
                    None => node.span.start(),
                };
                let node =
                    Node::with_id(node.value, Span::new(key_start, node.span.end()), node.id);
                if key.merge {
                    m.add_merge(self.source, &self.entries, &key, node)
                } else {
                    m.add_entry(self.source, &mut self.entries, key, node)
                }
            }
        }
    }

    /// A finished document: one [`Document`], one per item for a list object (see
    /// [`super::lists`]), or an error.
    fn emit(&mut self, root: Node) {
        match &root.value {
            // An empty document (only comments, a bare `---`) or an explicit null.
            Value::Null => {}
            Value::Map(_) => {
                let flat = super::lists::flatten(root);
                for e in flat.errors {
                    let pos = self.start_pos(&e.span);
                    self.error(pos, e.message);
                }
                for object in flat.objects {
                    self.push_document(object);
                }
            }
            other => {
                let message = format!("document is not an object; found {}", describe(other));
                let pos = self.start_pos(&root.span);
                self.error(pos, message);
            }
        }
    }

    fn push_document(&mut self, root: Node) {
        let index = to_u32(self.out.documents.len());
        self.out
            .documents
            .push(Document::new(self.source.clone(), index, root));
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
