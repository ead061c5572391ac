//! Dockerfiles (`Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*`).
//!
//! A small parser of fourc's own: the maintained Dockerfile parsers for Rust either drop
//! positions (so a finding could not sit on the `USER` line) or pull in a whole BuildKit
//! front end. This one follows the Dockerfile reference: parser directives at the top
//! (`# escape=` with `\` or `` ` ``, `# syntax=`), line continuations (comment and empty lines
//! inside a continuation are dropped, as BuildKit does), heredocs (`RUN <<EOF ... EOF`, `<<-`,
//! quoted delimiters), instructions in any case, multi-stage builds (`FROM ... AS name`,
//! `FROM <stage>`), and `ARG`/`ENV` substitution (`$x`, `${x}`, `${x:-word}`, `${x:+word}`).
//!
//! Each file is one document of type `dockerfile_image`:
//!
//! | field | what it is |
//! | --- | --- |
//! | `stages[]` | one entry per `FROM`: `index`, `name` (its `AS` name), `from`, `user`, `expose`, `healthcheck`, `copy_from` (the stages or images of `COPY --from`), `instructions` |
//! | `stages[].from` | `image` (after substitution of the global `ARG`s), `written` (as written), `stage` (the earlier stage it builds on), `digest` (whether pinned by `@sha256:`), `resolved`, `platform` |
//! | `stages[].user` | the effective `USER` of the stage, inherited through `FROM <stage>`: `name`, `resolved` (false when it depends on a build argument without a default), `inherited`; absent when no `USER` applies |
//! | `stages[].expose[]` | `port` (a number, when it resolves), `value`, `protocol`, `resolved` |
//! | `final` | the last stage (what the image runs) |
//! | `args` | the `ARG`s declared before the first `FROM` |
//!
//! Every node sits at its instruction's or argument's bytes. An unknown instruction is an error
//! naming the file and line; the rest of the file is still read.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::tree::{boolean, int, list, map, string};
use super::{Confidence, InputFormat};
use crate::document::{Document, LoadError, LoadOptions, Loaded, ResourceId, Source};
use crate::value::{Node, Span};

/// The format's name.
pub const DOCKERFILE: &str = "dockerfile";

/// The type of its documents: the image a Dockerfile builds (rules select `on dockerfile_image`).
pub const DOCKERFILE_IMAGE: &str = "dockerfile_image";

/// Dockerfiles, recognised by file name, or by content when there is no name.
#[derive(Clone, Copy, Debug, Default)]
pub struct Dockerfile;

/// Whether a file name is a Dockerfile's.
pub fn is_dockerfile_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || ((lower.starts_with("dockerfile.") || lower.starts_with("containerfile."))
            && !lower.ends_with(".dockerignore")
            && !lower.ends_with(".yaml")
            && !lower.ends_with(".yml")
            && !lower.ends_with(".json"))
}

impl InputFormat for Dockerfile {
    fn name(&self) -> &str {
        DOCKERFILE
    }

    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence {
        if path.is_some_and(is_dockerfile_name) {
            return Confidence::Name;
        }
        if path.is_none() && looks_like_dockerfile(head) {
            return Confidence::Content;
        }
        Confidence::No
    }

    fn load(&self, source: &Arc<Source>, _opts: &LoadOptions) -> Loaded {
        let mut out = Loaded::default();
        let parsed = parse(source.text());
        for (offset, message) in parsed.errors {
            let (line, col) = source.line_col(u32::try_from(offset).unwrap_or(u32::MAX));
            out.errors.push(LoadError {
                source_name: source.name_arc().clone(),
                path: source.path_arc().cloned(),
                line,
                col,
                message,
            });
        }
        if parsed.instructions.is_empty() {
            return out;
        }
        let root = build(source.text(), &parsed.instructions);
        let name = Path::new(source.name())
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(source.name())
            .to_string();
        let id = ResourceId::new(DOCKERFILE, DOCKERFILE_IMAGE)
            .with_name(&name)
            .with_address(source.name());
        out.documents
            .push(Document::with_identity(source.clone(), 0, root, id));
        out
    }
}

/// Whether text with no file name reads as a Dockerfile: its first instruction is `FROM` or
/// `ARG`, or it opens with a parser directive.
fn looks_like_dockerfile(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = t.strip_prefix('#') {
            let c = c.trim_start().to_ascii_lowercase();
            if c.starts_with("escape=") || c.starts_with("syntax=") {
                return true;
            }
            continue;
        }
        let word = t
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        return (word == "FROM" || word == "ARG") && t.split_whitespace().nth(1).is_some();
    }
    false
}

/// The instructions fourc knows (the Dockerfile reference's list).
const KNOWN: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Text joined from physical lines, with the source offset of each of its bytes.
#[derive(Clone, Debug, Default)]
struct Mapped {
    text: String,
    offsets: Vec<usize>,
}

impl Mapped {
    fn push_str(&mut self, s: &str, at: usize) {
        for (i, _) in s.bytes().enumerate() {
            self.offsets.push(at + i);
        }
        self.text.push_str(s);
    }

    /// The source span of bytes `start..end` of the joined text.
    fn span(&self, start: usize, end: usize) -> Span {
        let s = self.offsets.get(start).copied();
        let e = end
            .checked_sub(1)
            .and_then(|i| self.offsets.get(i))
            .map(|o| o + 1);
        match (s, e) {
            (Some(s), Some(e)) if e >= s => Span::of_range(s..e),
            (Some(s), _) => Span::of_range(s..s),
            _ => Span::NONE,
        }
    }
}

/// One instruction: its keyword (upper case), its arguments, and where it is.
#[derive(Clone, Debug)]
struct Instruction {
    keyword: String,
    args: Mapped,
    /// The bytes of the whole instruction, continuation lines included.
    span: Span,
    heredocs: Vec<String>,
}

impl Instruction {
    fn args_span(&self) -> Span {
        self.args.span(0, self.args.text.len())
    }
}

#[derive(Debug, Default)]
struct Parsed {
    instructions: Vec<Instruction>,
    errors: Vec<(usize, String)>,
}

/// Splits a text into physical lines with their start offsets (line breaks removed).
fn physical_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for raw in text.split_inclusive('\n') {
        out.push((at, raw.trim_end_matches(['\n', '\r'])));
        at += raw.len();
    }
    out
}

/// Reads the directive of a comment line at the top (`# escape=``), if it is one.
fn directive(line: &str) -> Option<(String, String)> {
    let body = line.trim().strip_prefix('#')?;
    let (k, v) = body.split_once('=')?;
    let k = k.trim().to_ascii_lowercase();
    if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((k, v.trim().to_string()))
}

fn parse(text: &str) -> Parsed {
    let lines = physical_lines(text);
    let mut out = Parsed::default();
    let mut escape = '\\';
    let mut i = 0;
    // Parser directives: only before any comment, blank line or instruction.
    while let Some((at, line)) = lines.get(i) {
        let Some((k, v)) = directive(line) else {
            break;
        };
        if k == "escape" {
            match v.as_str() {
                "\\" => escape = '\\',
                "`" => escape = '`',
                _ => out.errors.push((
                    *at,
                    format!("invalid escape directive `{v}`: expected \\ or `"),
                )),
            }
        }
        i += 1;
    }
    while let Some(&(at, line)) = lines.get(i) {
        i += 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let lead = line.len() - trimmed.len();
        let start = at + lead;
        let mut joined = Mapped::default();
        let mut end;
        let mut cur = (start, trimmed);
        loop {
            let (cat, ctext) = cur;
            let body = ctext.trim_end();
            match body.strip_suffix(escape) {
                Some(rest) => {
                    joined.push_str(rest, cat);
                    end = cat + body.len();
                    // The next line that is neither a comment nor empty continues it.
                    let mut next = None;
                    while let Some(&(nat, nline)) = lines.get(i) {
                        i += 1;
                        let t = nline.trim_start();
                        if t.is_empty() || t.starts_with('#') {
                            continue;
                        }
                        next = Some((nat, nline));
                        break;
                    }
                    match next {
                        Some(n) => cur = n,
                        None => break,
                    }
                }
                None => {
                    joined.push_str(body, cat);
                    end = cat + body.len();
                    break;
                }
            }
        }
        let text = joined.text.clone();
        let kw_len = text.find(|c: char| c.is_whitespace()).unwrap_or(text.len());
        let keyword = text.get(..kw_len).unwrap_or("").to_ascii_uppercase();
        let rest = text.get(kw_len..).unwrap_or("");
        let skip = kw_len + (rest.len() - rest.trim_start().len());
        let args = Mapped {
            text: text.get(skip..).unwrap_or("").trim_end().to_string(),
            offsets: joined.offsets.get(skip..).unwrap_or(&[]).to_vec(),
        };
        let mut heredocs = Vec::new();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (word, strip_tabs) in heredoc_words(&args.text) {
                let mut body = String::new();
                let mut closed = false;
                while let Some(&(hat, hline)) = lines.get(i) {
                    i += 1;
                    end = hat + hline.len();
                    let cmp = if strip_tabs {
                        hline.trim_start_matches('\t')
                    } else {
                        hline
                    };
                    if cmp == word {
                        closed = true;
                        break;
                    }
                    body.push_str(cmp);
                    body.push('\n');
                }
                if !closed {
                    out.errors
                        .push((start, format!("heredoc `{word}` is not closed")));
                }
                heredocs.push(body);
            }
        }
        if !KNOWN.contains(&keyword.as_str()) {
            out.errors.push((
                start,
                format!(
                    "unknown instruction `{}`",
                    text.get(..kw_len).unwrap_or(&keyword)
                ),
            ));
            continue;
        }
        out.instructions.push(Instruction {
            keyword,
            args,
            span: Span::of_range(start..end.max(start)),
            heredocs,
        });
    }
    out
}

/// The heredoc delimiters an instruction opens (`<<EOF`, `<<-EOF`, `<<"EOF"`), in order, and
/// whether leading tabs are stripped.
fn heredoc_words(args: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(p) = rest.find("<<") {
        let mut after = rest.get(p + 2..).unwrap_or("");
        let strip = after.starts_with('-');
        if strip {
            after = after.get(1..).unwrap_or("");
        }
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'');
        if let Some(q) = quote {
            after = after.get(q.len_utf8()..).unwrap_or("");
        }
        let n = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let word = after.get(..n).unwrap_or("");
        if !word.is_empty() && !word.chars().all(|c| c.is_ascii_digit()) {
            out.push((word.to_string(), strip));
        }
        rest = after.get(n..).unwrap_or("");
    }
    out
}

/// Variables in scope: `None` is a build argument with no value (set only at build time).
type Vars = HashMap<String, Option<String>>;

/// Substitutes `$x`, `${x}`, `${x:-word}` and `${x:+word}`; the bool is false when a variable
/// has no known value.
fn substitute(s: &str, vars: &Vars, escape: char) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut ok = true;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == escape && chars.peek() == Some(&'$') {
            out.push('$');
            chars.next();
            continue;
        }
        if c != '$' {
            out.push(c);
            continue;
        }
        let braced = chars.peek() == Some(&'{');
        if braced {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphanumeric() || n == '_' {
                name.push(n);
                chars.next();
            } else {
                break;
            }
        }
        if name.is_empty() {
            out.push('$');
            if braced {
                out.push('{');
            }
            continue;
        }
        let value = vars.get(&name).cloned();
        let mut modifier: Option<(String, String)> = None;
        if braced {
            let mut rest = String::new();
            let mut depth = 0;
            for n in chars.by_ref() {
                match n {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    _ => {}
                }
                rest.push(n);
            }
            for op in [":-", ":+", "-", "+"] {
                if let Some(w) = rest.strip_prefix(op) {
                    modifier = Some((op.to_string(), w.to_string()));
                    break;
                }
            }
        }
        match (modifier, value) {
            (Some((op, word)), v) => {
                let set = match &v {
                    Some(Some(x)) => !(op.starts_with(':') && x.is_empty()),
                    Some(None) | None => false,
                };
                let unknown = matches!(v, Some(None));
                if op.ends_with('-') {
                    if set {
                        out.push_str(v.flatten().as_deref().unwrap_or(""));
                    } else {
                        let (w, wok) = substitute(&word, vars, escape);
                        ok &= wok && !unknown;
                        out.push_str(&w);
                    }
                } else if set {
                    let (w, wok) = substitute(&word, vars, escape);
                    ok &= wok;
                    out.push_str(&w);
                } else {
                    ok &= !unknown;
                }
            }
            (None, Some(Some(v))) => out.push_str(&v),
            (None, _) => ok = false,
        }
    }
    (out, ok)
}

/// Removes shell quotes from a word (`alpine:"${TAG}"` reads `alpine:${TAG}`).
fn unquote(s: &str) -> String {
    s.chars().filter(|c| *c != '"' && *c != '\'').collect()
}

/// The whitespace-separated words of an instruction's arguments, with their byte ranges.
fn words(s: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(st)) => {
                out.push((st, i, s.get(st..i).unwrap_or("")));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push((st, s.len(), s.get(st..).unwrap_or("")));
    }
    out
}

/// `key=value` pairs of `ENV`/`ARG`/`LABEL`, or the legacy `ENV key value` form.
fn pairs(args: &str, legacy: bool) -> Vec<(String, Option<String>)> {
    let ws = words(args);
    let first_has_eq = ws.first().is_some_and(|(_, _, w)| w.contains('='));
    if legacy && !first_has_eq {
        let Some((_, e, k)) = ws.first() else {
            return Vec::new();
        };
        let v = args.get(*e..).unwrap_or("").trim();
        return vec![(k.to_string(), Some(unquote(v)))];
    }
    let mut out = Vec::new();
    // Values may be quoted with spaces inside: split on unquoted whitespace.
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut items = Vec::new();
    let mut chars = args.chars();
    while let Some(c) = chars.next() {
        // `\ ` keeps a space in a value (`MY_DOG=Rex\ The\ Dog`), outside single quotes.
        if c == '\\' && quote != Some('\'') {
            if let Some(n) = chars.next() {
                // `\$` stays escaped for the substitution that follows.
                if n == '$' {
                    cur.push('\\');
                }
                cur.push(n);
            }
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    items.push(std::mem::take(&mut cur));
                }
            }
            None => cur.push(c),
        }
    }
    if !cur.is_empty() {
        items.push(cur);
    }
    for it in items {
        match it.split_once('=') {
            Some((k, v)) => out.push((k.to_string(), Some(v.to_string()))),
            None => out.push((it, None)),
        }
    }
    out
}

/// What a stage carries into a stage built `FROM` it.
#[derive(Clone, Debug, Default)]
struct StageState {
    name: Option<String>,
    env: Vars,
    user: Option<Node>,
}

/// Builds the `dockerfile_image` document from the instructions.
fn build(text: &str, instructions: &[Instruction]) -> Node {
    let escape = if text.trim_start().starts_with('#')
        && text
            .lines()
            .take_while(|l| directive(l).is_some())
            .any(|l| directive(l).is_some_and(|(k, v)| k == "escape" && v == "`"))
    {
        '`'
    } else {
        '\\'
    };
    let whole = Span::of_range(0..text.len());
    let mut global: Vars = HashMap::new();
    let mut global_nodes = Vec::new();
    let mut states: Vec<StageState> = Vec::new();
    let mut stages: Vec<Node> = Vec::new();
    // The stage being read: its state, its args, and its nodes so far.
    struct Current {
        state: StageState,
        args: Vars,
        index: usize,
        from: Node,
        span_start: u32,
        span_end: u32,
        user_set_here: bool,
        expose: Vec<Node>,
        healthcheck: Option<Node>,
        copy_from: Vec<Node>,
        instructions: Vec<Node>,
    }
    let mut cur: Option<Current> = None;
    let finish = |c: Current, states: &mut Vec<StageState>, stages: &mut Vec<Node>| {
        let span = Span::new(c.span_start, c.span_end);
        let user = c.state.user.clone().map(|u| {
            if c.user_set_here {
                u
            } else {
                mark_inherited(&u)
            }
        });
        let node = map(
            span,
            vec![
                (
                    "index",
                    Some(int(i64::try_from(c.index).unwrap_or(0), span)),
                ),
                (
                    "name",
                    c.state.name.as_deref().map(|n| string(n, c.from.span)),
                ),
                ("from", Some(c.from.clone())),
                ("user", user),
                ("expose", Some(list(span, c.expose))),
                ("healthcheck", c.healthcheck),
                ("copy_from", Some(list(span, c.copy_from))),
                ("instructions", Some(list(span, c.instructions))),
            ],
        );
        states.push(c.state);
        stages.push(node);
    };
    for ins in instructions {
        let args = ins.args.text.as_str();
        let args_span = ins.args_span();
        let record = map(
            ins.span,
            vec![
                ("instruction", Some(string(&ins.keyword, ins.span))),
                ("arguments", Some(string(args, args_span))),
                (
                    "heredocs",
                    (!ins.heredocs.is_empty()).then(|| {
                        list(
                            ins.span,
                            ins.heredocs.iter().map(|h| string(h, ins.span)).collect(),
                        )
                    }),
                ),
            ],
        );
        if ins.keyword == "FROM" {
            if let Some(c) = cur.take() {
                finish(c, &mut states, &mut stages);
            }
            let ws = words(args);
            let mut platform = None;
            let mut rest: Vec<&(usize, usize, &str)> = Vec::new();
            for w in &ws {
                if let Some(p) = w.2.strip_prefix("--platform=") {
                    platform = Some(string(p, ins.args.span(w.0, w.1)));
                } else if !w.2.starts_with("--") {
                    rest.push(w);
                }
            }
            let image_word = rest.first();
            let alias = match (rest.get(1), rest.get(2)) {
                (Some(a), Some(n)) if a.2.eq_ignore_ascii_case("as") => Some(n.2.to_string()),
                _ => None,
            };
            let written = image_word.map(|w| w.2).unwrap_or("");
            let image_span = image_word.map_or(args_span, |w| ins.args.span(w.0, w.1));
            let (image, resolved) = substitute(&unquote(written), &global, escape);
            let base = states
                .iter()
                .rposition(|s| {
                    s.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&image))
                })
                .and_then(|i| states.get(i));
            let from = map(
                image_span,
                vec![
                    ("image", Some(string(&image, image_span))),
                    ("written", Some(string(written, image_span))),
                    (
                        "stage",
                        base.and_then(|b| b.name.as_deref())
                            .map(|n| string(n, image_span)),
                    ),
                    (
                        "digest",
                        Some(boolean(image.contains("@sha256:"), image_span)),
                    ),
                    ("resolved", Some(boolean(resolved, image_span))),
                    ("platform", platform),
                    ("scratch", Some(boolean(image == "scratch", image_span))),
                ],
            );
            let state = StageState {
                name: alias,
                env: base.map(|b| b.env.clone()).unwrap_or_default(),
                user: base.and_then(|b| b.user.clone()),
            };
            cur = Some(Current {
                state,
                args: HashMap::new(),
                index: stages.len(),
                from,
                span_start: ins.span.start(),
                span_end: ins.span.end(),
                user_set_here: false,
                expose: Vec::new(),
                healthcheck: None,
                copy_from: Vec::new(),
                instructions: vec![record],
            });
            continue;
        }
        let Some(c) = cur.as_mut() else {
            if ins.keyword == "ARG" {
                for (k, v) in pairs(args, false) {
                    let v = v.map(|v| substitute(&v, &global, escape).0);
                    global_nodes.push(map(
                        args_span,
                        vec![
                            ("name", Some(string(&k, args_span))),
                            ("default", v.as_deref().map(|v| string(v, args_span))),
                        ],
                    ));
                    global.insert(k, v);
                }
            }
            continue;
        };
        c.span_end = ins.span.end();
        c.instructions.push(record);
        let mut vars = c.args.clone();
        for (k, v) in &c.state.env {
            vars.insert(k.clone(), v.clone());
        }
        match ins.keyword.as_str() {
            "ARG" => {
                for (k, v) in pairs(args, false) {
                    let value = match v {
                        Some(v) => {
                            let (s, ok) = substitute(&v, &vars, escape);
                            ok.then_some(s)
                        }
                        None => global.get(&k).cloned().flatten(),
                    };
                    c.args.insert(k, value);
                }
            }
            "ENV" => {
                for (k, v) in pairs(args, true) {
                    let value = v.and_then(|v| {
                        let (s, ok) = substitute(&v, &vars, escape);
                        ok.then_some(s)
                    });
                    vars.insert(k.clone(), value.clone());
                    c.state.env.insert(k, value);
                }
            }
            "USER" => {
                let (name, ok) = substitute(&unquote(args.trim()), &vars, escape);
                let ok = ok && !name.trim().is_empty();
                c.state.user = Some(map(
                    args_span,
                    vec![
                        ("name", Some(string(name.trim(), args_span))),
                        ("written", Some(string(args.trim(), args_span))),
                        ("resolved", Some(boolean(ok, args_span))),
                        ("inherited", Some(boolean(false, args_span))),
                    ],
                ));
                c.user_set_here = true;
            }
            "EXPOSE" => {
                for (s, e, w) in words(args) {
                    let span = ins.args.span(s, e);
                    let (value, ok) = substitute(&unquote(w), &vars, escape);
                    let (port, proto) = match value.split_once('/') {
                        Some((p, proto)) => (p.to_string(), proto.to_ascii_lowercase()),
                        None => (value.clone(), "tcp".to_string()),
                    };
                    let (lo, hi) = match port.split_once('-') {
                        Some((a, b)) => (a.parse::<i64>().ok(), b.parse::<i64>().ok()),
                        None => (port.parse::<i64>().ok(), None),
                    };
                    c.expose.push(map(
                        span,
                        vec![
                            ("port", lo.map(|p| int(p, span))),
                            ("end_port", hi.map(|p| int(p, span))),
                            ("value", Some(string(&value, span))),
                            ("protocol", Some(string(&proto, span))),
                            ("resolved", Some(boolean(ok && lo.is_some(), span))),
                        ],
                    ));
                }
            }
            "COPY" | "ADD" => {
                for (st, e, w) in words(args) {
                    if let Some(from) = w.strip_prefix("--from=") {
                        let (from, _) = substitute(&unquote(from), &vars, escape);
                        c.copy_from.push(string(&from, ins.args.span(st, e)));
                    }
                }
            }
            "HEALTHCHECK" => {
                let none = args.trim().eq_ignore_ascii_case("none");
                c.healthcheck = Some(map(
                    ins.span,
                    vec![
                        ("none", Some(boolean(none, ins.span))),
                        ("arguments", Some(string(args, args_span))),
                    ],
                ));
            }
            _ => {}
        }
    }
    if let Some(c) = cur.take() {
        finish(c, &mut states, &mut stages);
    }
    let final_stage = stages.last().cloned();
    map(
        whole,
        vec![
            ("stages", Some(list(whole, stages))),
            ("final", final_stage),
            ("args", Some(list(whole, global_nodes))),
        ],
    )
}

/// The same `user` node, marked as inherited from the stage built upon.
fn mark_inherited(user: &Node) -> Node {
    let mut m = crate::value::MapBuilder::new();
    if let crate::value::Value::Map(entries) = &user.value {
        for (k, v) in entries.iter() {
            if &**k == "inherited" {
                m.insert(k.clone(), boolean(true, v.span));
            } else {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    Node::new(crate::value::Value::Map(m.finish()), user.span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Loaded {
        Dockerfile.load(&Source::new("Dockerfile", text), &LoadOptions::default())
    }

    fn final_user(l: &Loaded) -> Option<(String, bool, bool)> {
        let u = l.documents.first()?.root().get_path(&["final", "user"])?;
        Some((
            u.get("name")?.as_str()?.to_string(),
            matches!(u.get("resolved")?.value, crate::value::Value::Bool(true)),
            matches!(u.get("inherited")?.value, crate::value::Value::Bool(true)),
        ))
    }

    #[test]
    fn continuations_comments_and_heredocs() {
        let text = "FROM alpine:3.20\nRUN apk add \\\n  # a comment\n  curl\nRUN <<EOF\necho hi\nEOF\nUSER app\n";
        let l = load(text);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        let ins = l.documents[0]
            .root()
            .get_path(&["final", "instructions"])
            .unwrap();
        let crate::value::Value::List(items) = &ins.value else {
            panic!()
        };
        let items = items.as_slice();
        assert_eq!(items.len(), 4);
        let run = items[1].get("arguments").unwrap();
        assert_eq!(run.as_str(), Some("apk add   curl"));
        let src = l.documents[0].source();
        assert_eq!(src.line_col(items[3].span.start()).0, 8);
        assert_eq!(
            items[2].get("heredocs").unwrap().value.to_string(),
            "[\"echo hi\\n\"]"
        );
        assert_eq!(final_user(&l), Some(("app".to_string(), true, false)));
    }

    #[test]
    fn escape_directive_and_lowercase_instructions() {
        let l = load("# escape=`\nFROM x\nuser ContainerUser\nRUN echo `\n  two\n");
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert_eq!(
            final_user(&l),
            Some(("ContainerUser".to_string(), true, false))
        );
    }

    #[test]
    fn substitution_and_stage_inheritance() {
        let l = load(
            "ARG BASE=python:3\nFROM ${BASE} AS base\nARG u=app\nENV HOME_USER=${u}\nUSER ${HOME_USER}:${u}\nFROM base\nRUN x\n",
        );
        assert_eq!(final_user(&l), Some(("app:app".to_string(), true, true)));
        let from = l.documents[0].root().get_path(&["stages"]).unwrap();
        assert!(from.value.to_string().contains("python:3"));
        let l = load("FROM node\nARG RUN_AS\nENV U=${RUN_AS}\nUSER ${U}\n");
        assert_eq!(final_user(&l).map(|u| u.1), Some(false));
        let l = load("FROM a AS b\nUSER app\nFROM debian\n");
        assert_eq!(final_user(&l), None);
    }

    #[test]
    fn unknown_instructions_are_errors_with_lines() {
        let l = load("FROM a\nFROBNICATE x\nUSER app\n");
        assert_eq!(l.errors.len(), 1);
        assert_eq!(l.errors[0].line, 2);
        assert!(l.errors[0].message.contains("FROBNICATE"));
        assert_eq!(final_user(&l).map(|u| u.0), Some("app".to_string()));
    }

    #[test]
    fn expose_ports_resolve() {
        let l = load("FROM a\nARG p=8080\nEXPOSE ${p} 22/tcp 53/UDP\n");
        let e = l.documents[0]
            .root()
            .get_path(&["final", "expose"])
            .unwrap()
            .value
            .to_string();
        assert!(
            e.contains("8080") && e.contains("22") && e.contains("udp"),
            "{e}"
        );
    }

    /// Examples of the Dockerfile reference (environment replacement, ENV forms, heredocs).
    #[test]
    fn the_references_examples() {
        let vars: Vars = [
            ("word".to_string(), Some("hello".to_string())),
            ("empty".to_string(), Some(String::new())),
            ("unset_arg".to_string(), None),
        ]
        .into_iter()
        .collect();
        let sub = |s: &str| substitute(s, &vars, '\\');
        assert_eq!(sub("${word}/x $word"), ("hello/x hello".to_string(), true));
        assert_eq!(sub("${missing:-dflt}"), ("dflt".to_string(), true));
        assert_eq!(sub("${empty:-dflt}"), ("dflt".to_string(), true));
        assert_eq!(sub("${word:+alt}"), ("alt".to_string(), true));
        assert_eq!(sub("${missing:+alt}"), (String::new(), true));
        assert_eq!(sub("\\$word"), ("$word".to_string(), true));
        assert!(!sub("${unset_arg}").1);
        assert!(!sub("$missing").1);
        assert_eq!(
            pairs("MY_NAME=\"John Doe\" MY_DOG=Rex\\ The\\ Dog", true).len(),
            2
        );
        assert_eq!(
            pairs("MY_VAR my-value with spaces", true),
            vec![(
                "MY_VAR".to_string(),
                Some("my-value with spaces".to_string())
            )]
        );
        let l = load(
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN <<-\"EOT\" bash\n\techo a\n\tEOT\nFROM scratch\nCOPY --from=build /out /out\nUSER 65532:65532\n",
        );
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        let root = l.documents[0].root();
        assert_eq!(
            root.get_path(&["final", "copy_from"])
                .unwrap()
                .value
                .to_string(),
            "[\"build\"]"
        );
        assert_eq!(final_user(&l).map(|u| u.0), Some("65532:65532".to_string()));
        let l = load("FROM a\nRUN <<EOF\nnever closed\n");
        assert!(l.errors[0].message.contains("heredoc"), "{:?}", l.errors);
    }

    #[test]
    fn names_are_recognised() {
        for n in [
            "Dockerfile",
            "x/Containerfile",
            "web.Dockerfile",
            "Dockerfile.prod",
        ] {
            assert!(is_dockerfile_name(Path::new(n)), "{n}");
        }
        assert!(!is_dockerfile_name(Path::new("Dockerfile.yaml")));
        assert!(looks_like_dockerfile(
            b"# syntax=docker/dockerfile:1\nFROM a\n"
        ));
        assert!(!looks_like_dockerfile(b"apiVersion: v1\n"));
    }
}
