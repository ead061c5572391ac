//! Documents: one object read from a source, with its identity and the spans of every node.

use std::fmt;
use std::sync::Arc;

use crate::value::{Node, Span, Str, Value};

/// A source text (a file, standard input, or a string given by an embedder).
///
/// The text is kept so that renderers can show the offending line under a finding.
#[derive(Debug)]
pub struct Source {
    name: Str,
    text: Str,
    line_starts: Vec<usize>,
}

impl Source {
    /// A source called `name` (usually a path as the user wrote it) holding `text`.
    pub fn new(name: impl Into<Str>, text: impl Into<Str>) -> Arc<Self> {
        let text: Str = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Arc::new(Source {
            name: name.into(),
            text,
            line_starts,
        })
    }

    /// The name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The shared name.
    pub fn name_arc(&self) -> &Str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let i = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(i)?;
        let end = self
            .line_starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.text.len());
        let s = self.text.get(start..end)?;
        Some(s.trim_end_matches(['\n', '\r']))
    }

    /// The byte offset of a 1-based line and 1-based character column.
    pub fn byte_offset(&self, line: u32, col: u32) -> Option<usize> {
        let i = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(i)?;
        let rest = self.text.get(start..)?;
        let skip = usize::try_from(col).ok()?.saturating_sub(1);
        let within = rest
            .char_indices()
            .nth(skip)
            .map(|(b, _)| b)
            .unwrap_or(rest.len());
        Some(start + within)
    }
}

/// The identity of a Kubernetes-style object: what a finding names as its resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId {
    /// `apiVersion`, when present.
    pub api_version: Option<Str>,
    /// `kind`, when present.
    pub kind: Option<Str>,
    /// `metadata.namespace`, when present.
    pub namespace: Option<Str>,
    /// `metadata.name`, when present.
    pub name: Option<Str>,
}

impl ResourceId {
    /// Reads the identity fields of an object.
    pub fn of(root: &Node) -> Self {
        let s = |n: Option<&Node>| {
            n.and_then(|n| match &n.value {
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
        };
        ResourceId {
            api_version: s(root.get("apiVersion")),
            kind: s(root.get("kind")),
            namespace: s(root.get_path(&["metadata", "namespace"])),
            name: s(root.get_path(&["metadata", "name"])),
        }
    }
}

impl fmt::Display for ResourceId {
    /// `Kind/namespace/name`, leaving out what is missing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
}

impl Document {
    /// A document read from `source`; `index` is its 0-based position in the source's stream
    /// (items of a `kind: List` count one each).
    pub fn new(source: Arc<Source>, index: u32, root: Node) -> Self {
        let id = ResourceId::of(&root);
        Document {
            source,
            index,
            root,
            id,
        }
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

    /// `kind`, when it is a string.
    pub fn kind(&self) -> Option<&str> {
        self.id.kind.as_deref()
    }

    /// The span of the whole document.
    pub fn span(&self) -> Span {
        self.root.span
    }
}

/// An input that could not be read or parsed: named by file, line and column.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}:{line}:{col}: {message}")]
pub struct LoadError {
    /// The source name (a path, `-` for standard input).
    pub source_name: Str,
    /// 1-based line, 0 when the error is not tied to a position (an unreadable file).
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// What went wrong, lowercase, no final period.
    pub message: String,
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
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            compat: YamlCompat::Kubernetes,
            max_bytes: 64 * 1024 * 1024,
            max_depth: 256,
            max_nodes: 10_000_000,
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
}
