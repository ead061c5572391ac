//! Documents: one object read from a source, with its identity and the spans of every node.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::value::{List, MapBuilder, Node, NodeId, Span, Str, Value};

/// A source text (a file, standard input, or a string given by an embedder).
///
/// The text is kept so that renderers can show the offending line under a finding.
#[derive(Debug)]
pub struct Source {
    name: Str,
    /// The file it was read from, exactly as the operating system names it: `name` is its
    /// display form, which loses bytes that are not UTF-8.
    path: Option<Arc<Path>>,
    text: Str,
    /// The text's length in bytes (kept when the text is released).
    len: usize,
    line_starts: LineStarts,
    /// Whether the text is all ASCII, so that a column is a byte count.
    ascii: bool,
}

/// The byte offset where each line starts: 4 bytes a line while the text is under 4 GiB (a
/// 10k-object stream has a million lines).
#[derive(Clone, Debug)]
enum LineStarts {
    Narrow(Vec<u32>),
    Wide(Vec<usize>),
}

impl LineStarts {
    fn of(text: &str) -> Self {
        let bytes = text.as_bytes();
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        if u32::try_from(text.len()).is_ok() {
            let mut v = Vec::with_capacity(lines);
            v.push(0);
            for_each_newline(bytes, |i| v.push(u32::try_from(i + 1).unwrap_or(u32::MAX)));
            LineStarts::Narrow(v)
        } else {
            let mut v = Vec::with_capacity(lines);
            v.push(0);
            for_each_newline(bytes, |i| v.push(i + 1));
            LineStarts::Wide(v)
        }
    }

    fn get(&self, i: usize) -> Option<usize> {
        match self {
            LineStarts::Narrow(v) => v.get(i).map(|&x| x as usize),
            LineStarts::Wide(v) => v.get(i).copied(),
        }
    }

    /// The 0-based index of the line that holds byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self {
            LineStarts::Narrow(v) => {
                let o = u32::try_from(offset).unwrap_or(u32::MAX);
                v.partition_point(|&s| s <= o).saturating_sub(1)
            }
            LineStarts::Wide(v) => v.partition_point(|&s| s <= offset).saturating_sub(1),
        }
    }

    /// The index of the line that starts at `offset`.
    #[cfg_attr(
        not(feature = "parallel"),
        allow(dead_code, reason = "used by the parallel loader")
    )]
    fn find(&self, offset: usize) -> Option<usize> {
        match self {
            LineStarts::Narrow(v) => v.binary_search(&u32::try_from(offset).ok()?).ok(),
            LineStarts::Wide(v) => v.binary_search(&offset).ok(),
        }
    }
}

/// Calls `f` with the offset of every `\n`, eight bytes at a time where there is none.
fn for_each_newline(bytes: &[u8], mut f: impl FnMut(usize)) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let Ok(word) = <[u8; 8]>::try_from(c) else {
            continue;
        };
        let x = u64::from_le_bytes(word) ^ NL;
        // Non-zero when some byte of `x` is zero, that is, some byte is a line break.
        if x.wrapping_sub(LO) & !x & HI != 0 {
            for (j, &b) in c.iter().enumerate() {
                if b == b'\n' {
                    f(base + j);
                }
            }
        }
        base += 8;
    }
    for (j, &b) in chunks.remainder().iter().enumerate() {
        if b == b'\n' {
            f(base + j);
        }
    }
}

impl Source {
    /// A source called `name` (usually a path as the user wrote it) holding `text`.
    pub fn new(name: impl Into<Str>, text: impl Into<Str>) -> Arc<Self> {
        let text: Str = text.into();
        let line_starts = LineStarts::of(&text);
        let ascii = text.is_ascii();
        Arc::new(Source {
            name: name.into(),
            path: None,
            len: text.len(),
            text,
            line_starts,
            ascii,
        })
    }

    /// A source read from the file at `path`, named by the path's display form.
    pub fn from_path(path: &Path, text: impl Into<Str>) -> Arc<Self> {
        Source::named_at(path.display().to_string(), Some(path), text)
    }

    /// A source called `name`, read from `path` when there is one.
    pub(crate) fn named_at(
        name: impl Into<Str>,
        path: Option<&Path>,
        text: impl Into<Str>,
    ) -> Arc<Self> {
        let mut s = Source::new(name, text);
        if let Some(s) = Arc::get_mut(&mut s) {
            s.path = path.map(Arc::from);
        }
        s
    }

    /// The name, as given (for a file, its path's display form: bytes of the path that are not
    /// UTF-8 show as U+FFFD, so two such files can share a name; see [`Source::key`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file the source was read from, as the operating system names it.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The shared path.
    pub fn path_arc(&self) -> Option<&Arc<Path>> {
        self.path.as_ref()
    }

    /// What tells sources apart and orders them: the path's bytes as the operating system holds
    /// them (on Unix, exactly its bytes), or the name's for a source not read from a file. For a
    /// path that is valid UTF-8 they are the name's bytes.
    pub fn key(&self) -> &[u8] {
        source_key(&self.name, self.path.as_deref())
    }

    /// Whether the name loses something of the path (bytes that are not UTF-8).
    pub fn name_is_lossy(&self) -> bool {
        self.path.as_deref().is_some_and(|p| p.to_str().is_none())
    }

    /// The shared name.
    pub fn name_arc(&self) -> &Str {
        &self.name
    }

    /// The whole text (empty once released: [`Source::without_text`]).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the text was released ([`Source::without_text`]): lines and columns are still
    /// known, the lines' text is not.
    pub fn text_released(&self) -> bool {
        self.text.len() != self.len
    }

    /// The same source without its text, for reports that show no source lines: names, lines and
    /// columns stay exact. A text that is not all ASCII is kept, as its columns count
    /// characters.
    pub fn without_text(self: &Arc<Self>) -> Arc<Self> {
        if !self.ascii || self.text.is_empty() {
            return self.clone();
        }
        Arc::new(Source {
            name: self.name.clone(),
            path: self.path.clone(),
            text: Str::from(""),
            len: self.len,
            line_starts: self.line_starts.clone(),
            ascii: self.ascii,
        })
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let i = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = self.line_starts.get(i)?;
        let end = self.line_starts.get(i + 1).unwrap_or(self.len);
        let s = self.text.get(start..end)?;
        Some(s.trim_end_matches(['\n', '\r']))
    }

    /// How many lines precede the line that starts at byte `offset`; `None` when no line starts
    /// there.
    #[cfg_attr(
        not(feature = "parallel"),
        allow(dead_code, reason = "used by the parallel loader")
    )]
    pub(crate) fn line_index(&self, offset: usize) -> Option<u32> {
        u32::try_from(self.line_starts.find(offset)?).ok()
    }

    /// The 1-based line and 1-based character column of byte `offset` (the end of the text for
    /// an offset past it; `(0, 0)` for [`Span::NONE`]'s offset).
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        if offset == u32::MAX {
            return (0, 0);
        }
        let offset = (offset as usize).min(self.len);
        let line = self.line_starts.line_of(offset);
        let start = self.line_starts.get(line).unwrap_or(0);
        let col = if self.ascii {
            offset.saturating_sub(start)
        } else {
            self.text
                .get(start..offset)
                .map_or(0, |s| s.chars().count())
        };
        (
            u32::try_from(line.saturating_add(1)).unwrap_or(u32::MAX),
            u32::try_from(col.saturating_add(1)).unwrap_or(u32::MAX),
        )
    }

    /// Where a span starts and ends, as 1-based lines and character columns.
    pub fn lines_of(&self, span: Span) -> LineCols {
        let (line, col) = self.line_col(span.start());
        let (end_line, end_col) = self.line_col(span.end());
        LineCols {
            line,
            col,
            end_line,
            end_col,
        }
    }

    /// The byte offset of a 1-based line and 1-based character column.
    pub fn byte_offset(&self, line: u32, col: u32) -> Option<usize> {
        let i = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = self.line_starts.get(i)?;
        let skip = usize::try_from(col).ok()?.saturating_sub(1);
        if self.ascii {
            return Some(start.saturating_add(skip).min(self.len));
        }
        let rest = self.text.get(start..)?;
        let within = rest
            .char_indices()
            .nth(skip)
            .map(|(b, _)| b)
            .unwrap_or(rest.len());
        Some(start + within)
    }
}

/// A span rendered for people: 1-based lines and columns counted in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCols {
    /// First line; 0 for an unknown span.
    pub line: u32,
    /// First column.
    pub col: u32,
    /// Last line.
    pub end_line: u32,
    /// Column just past the end.
    pub end_col: u32,
}

/// The format name of Kubernetes objects (YAML or JSON manifests, AdmissionReviews).
pub const KUBERNETES: &str = "kubernetes";

/// What a finding names as its resource: a format-neutral identity that each input format fills.
///
/// Kubernetes fills it from `apiVersion`, `kind`, `metadata.namespace` and `metadata.name`; a
/// Terraform resource would give its type (`aws_eks_cluster`), its name, its module as the scope
/// and its address (`module.eks.aws_eks_cluster.main`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct ResourceId {
    /// The input format that read it (`kubernetes`, ...).
    pub format: Str,
    /// `apiVersion`, or the format's version of the type, when there is one.
    pub api_version: Option<Str>,
    /// The type: a Kubernetes `kind`, a Terraform resource type. Rules select on it.
    pub kind: Option<Str>,
    /// The scope: a Kubernetes namespace, a Terraform module.
    pub namespace: Option<Str>,
    /// The name.
    pub name: Option<Str>,
    /// A full address, when the format has one (`module.eks.aws_eks_cluster.main`).
    pub address: Option<Str>,
}

impl ResourceId {
    /// An identity of format `format` and type `kind`; fill the rest with the `with_*` methods.
    pub fn new(format: &str, kind: &str) -> Self {
        ResourceId {
            format: Str::from(format),
            kind: Some(Str::from(kind)),
            ..ResourceId::default()
        }
    }

    /// Sets the name.
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = Some(Str::from(name));
        self
    }

    /// Sets the scope (namespace, module).
    pub fn with_scope(mut self, scope: &str) -> Self {
        self.namespace = Some(Str::from(scope));
        self
    }

    /// Sets the address.
    pub fn with_address(mut self, address: &str) -> Self {
        self.address = Some(Str::from(address));
        self
    }

    /// Sets the type's version.
    pub fn with_api_version(mut self, v: &str) -> Self {
        self.api_version = Some(Str::from(v));
        self
    }

    /// Reads the identity of a Kubernetes object.
    pub fn of(root: &Node) -> Self {
        static FORMAT: std::sync::LazyLock<Str> =
            std::sync::LazyLock::new(|| Str::from(KUBERNETES));
        let s = |n: Option<&Node>| {
            n.and_then(|n| match &n.value {
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
        };
        ResourceId {
            format: FORMAT.clone(),
            api_version: s(root.get("apiVersion")),
            kind: s(root.get("kind")),
            namespace: s(root.get_path(&["metadata", "namespace"])),
            name: s(root.get_path(&["metadata", "name"])),
            address: None,
        }
    }
}

impl fmt::Display for ResourceId {
    /// The address when there is one, else `Kind/namespace/name` leaving out what is missing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(a) = &self.address {
            return f.write_str(a);
        }
        f.write_str(self.kind.as_deref().unwrap_or("<no kind>"))?;
        if let Some(ns) = &self.namespace {
            write!(f, "/{ns}")?;
        }
        write!(f, "/{}", self.name.as_deref().unwrap_or("<no name>"))
    }
}

/// One object read from a source.
#[derive(Clone, Debug)]
pub struct Document {
    source: Arc<Source>,
    index: u32,
    root: Node,
    id: ResourceId,
    /// What the object came wrapped in, kept for rules that ask (an AdmissionReview's
    /// `request`).
    context: Option<Node>,
}

impl Document {
    /// A Kubernetes object read from `source`; `index` is its 0-based position in the source's
    /// stream (items of a `kind: List` count one each).
    pub fn new(source: Arc<Source>, index: u32, root: Node) -> Self {
        let id = ResourceId::of(&root);
        Document::with_identity(source, index, root, id)
    }

    /// A document of any format with the identity its format gave it. A root whose nodes have
    /// no identity yet (built by hand with [`Node::new`]) is numbered here.
    pub fn with_identity(source: Arc<Source>, index: u32, root: Node, id: ResourceId) -> Self {
        let root = if root.id.is_document() {
            root
        } else {
            number_nodes(root)
        };
        Document {
            source,
            index,
            root,
            id,
            context: None,
        }
    }

    /// The same document with what it came wrapped in.
    pub fn with_context(mut self, context: Node) -> Self {
        self.context = Some(context);
        self
    }

    /// What the object came wrapped in (an AdmissionReview's `request`), if anything.
    pub fn context(&self) -> Option<&Node> {
        self.context.as_ref()
    }

    /// The same document at another position in its source.
    pub fn with_index(mut self, index: u32) -> Self {
        self.index = index;
        self
    }

    /// Where the document was read.
    pub fn source(&self) -> &Arc<Source> {
        &self.source
    }

    /// The 0-based position in the source.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The root node.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The resource identity.
    pub fn id(&self) -> &ResourceId {
        &self.id
    }

    /// The input format that read the document.
    pub fn format(&self) -> &str {
        &self.id.format
    }

    /// The type (`kind`), when it is known.
    pub fn kind(&self) -> Option<&str> {
        self.id.kind.as_deref()
    }

    /// The span of the whole document.
    pub fn span(&self) -> Span {
        self.root.span
    }
}

/// Numbers the nodes of a tree in pre-order from 1, so that findings can find their paths (see
/// [`crate::eval::find_node`]). Loaders that build trees themselves number as they go.
pub fn number_nodes(root: Node) -> Node {
    fn walk(n: &Node, next: &mut u32) -> Node {
        let id = NodeId(*next);
        *next = next.saturating_add(1);
        let value = match &n.value {
            Value::Map(m) => {
                let entries = m.iter().map(|(k, v)| (k.clone(), walk(v, next))).collect();
                Value::Map(MapBuilder::from_distinct_entries(entries).finish())
            }
            Value::List(l) => {
                Value::List(List::from_vec(l.iter().map(|v| walk(v, next)).collect()))
            }
            other => other.clone(),
        };
        Node::with_id(value, n.span, id)
    }
    let mut next = 1;
    walk(&root, &mut next)
}

/// An input that could not be read or parsed: named by file, line and column.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}:{line}:{col}: {message}")]
pub struct LoadError {
    pub(crate) source_name: Str,
    /// The file, exactly as the operating system names it, when the error is about one.
    pub(crate) path: Option<Arc<Path>>,
    pub(crate) line: u32,
    pub(crate) col: u32,
    pub(crate) message: String,
}

/// [`Source::key`] of a name and an optional path.
fn source_key<'a>(name: &'a str, path: Option<&'a Path>) -> &'a [u8] {
    path.map_or(name.as_bytes(), |p| p.as_os_str().as_encoded_bytes())
}

impl LoadError {
    /// An error in source `source_name` at 1-based `line` and `col` (0 and 0 when it is not
    /// tied to a position, as for an unreadable file). `message` is lowercase, with no final
    /// period.
    pub fn new(source_name: &str, line: u32, col: u32, message: impl Into<String>) -> Self {
        LoadError {
            source_name: Str::from(source_name),
            path: None,
            line,
            col,
            message: message.into(),
        }
    }

    /// The same error, about the file at `path` (as the operating system names it).
    #[must_use]
    pub fn with_path(mut self, path: &Path) -> Self {
        self.path = Some(Arc::from(path));
        self
    }

    /// The source name (a path, `-` for standard input).
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The file, as the operating system names it, when the error is about one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// What tells the erring sources apart, as [`Source::key`].
    pub fn key(&self) -> &[u8] {
        source_key(&self.source_name, self.path.as_deref())
    }

    /// The 1-based line, 0 when the error is not tied to a position.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The 1-based column.
    pub fn col(&self) -> u32 {
        self.col
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// How scalars are resolved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum YamlCompat {
    /// As the Kubernetes API server receives them through kubectl (YAML 1.1 via go-yaml v2):
    /// `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `0644` is octal (420), `0x1F` is hex.
    #[default]
    Kubernetes,
    /// The YAML 1.2 core schema: only `true`/`false` are booleans, `0o644` is octal, `0644` is
    /// decimal 644.
    Yaml12,
}

/// Options and limits for loading.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Scalar resolution.
    pub compat: YamlCompat,
    /// The largest input accepted, in bytes.
    pub max_bytes: u64,
    /// The deepest nesting accepted.
    pub max_depth: usize,
    /// The most nodes one source may expand to, aliases counted at their expanded size.
    pub max_nodes: usize,
    /// Terraform variable files named by the caller (as `terraform plan -var-file`), applied to
    /// every Terraform root folder read, after `terraform.tfvars` and `*.auto.tfvars`, later
    /// files winning. Relative paths are relative to the working directory.
    pub tf_var_files: Vec<std::path::PathBuf>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            compat: YamlCompat::Kubernetes,
            max_bytes: 64 * 1024 * 1024,
            max_depth: 256,
            max_nodes: 10_000_000,
            tf_var_files: Vec::new(),
        }
    }
}

/// What loading one source produced: every document that could be read, and every error.
///
/// A syntax error ends the stream at that point; a semantic error (a duplicate key, say) loses
/// only the document that has it.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The documents, in source order.
    pub documents: Vec<Document>,
    /// The errors, in source order.
    pub errors: Vec<LoadError>,
    /// Parts of the input deliberately not read (a Terraform registry module, which fourc does
    /// not fetch), each at the place that names it: said so, not an error.
    pub skipped: Vec<LoadError>,
}

impl Loaded {
    /// The documents with their sources' text released ([`Source::without_text`]), for a scan
    /// whose reports show no source lines: the text is then freed as soon as the loader lets it
    /// go, instead of living as long as the documents.
    pub fn without_text(mut self) -> Self {
        let mut done: Vec<(*const Source, Arc<Source>)> = Vec::new();
        for d in &mut self.documents {
            let at = Arc::as_ptr(&d.source);
            let stripped = match done.iter().find(|(p, _)| *p == at) {
                Some((_, s)) => s.clone(),
                None => {
                    let s = d.source.without_text();
                    done.push((at, s.clone()));
                    s
                }
            };
            d.source = stripped;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_starts_find_every_line_break_at_any_alignment() {
        for n in 0..40 {
            let text: String = (0..n)
                .map(|i| if i % 3 == 0 || i % 7 == 0 { '\n' } else { 'x' })
                .collect();
            let src = Source::new("t", text.as_str());
            let naive: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            for (i, start) in naive.iter().enumerate() {
                assert_eq!(src.line_starts.get(i), Some(*start), "{n} {i}");
                assert_eq!(src.line_index(*start), u32::try_from(i).ok());
            }
            assert_eq!(src.line_starts.get(naive.len()), None);
        }
    }
}
