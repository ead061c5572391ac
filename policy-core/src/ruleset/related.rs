//! Related places of a finding: other places that bear on it (the `image:` lines of the
//! workloads that run a scanned image, the source file a SARIF result points at).
//!
//! A rule names them with `related`: each value read from a document becomes a place in that
//! document (found by its identity, in whichever document of the scan holds it), and a computed
//! map with a string `uri` and an integer `line` names a place outside the inputs.

use std::collections::HashMap;
use std::sync::Arc;

use crate::document::{Document, ResourceId, Source};
use crate::eval;
use crate::scan::Scan;
use crate::value::{Node, NodeId, Span, Value};
use crate::view::Provenance;

/// The most related places a finding keeps: a rule cannot blow a report up with them.
pub const MAX_RELATED: usize = 32;

/// A place that bears on a finding, with what it is (`message`), when the rule says.
#[derive(Clone, Debug)]
pub struct Related {
    /// Where it is.
    pub place: Place,
    /// What the place is, as the rule words it; reports fall back to naming the place.
    pub message: Option<String>,
}

/// Where a related place is.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Place {
    /// A node of a document among the inputs.
    Document {
        /// The source the document came from.
        source: Arc<Source>,
        /// The node's bytes in the source.
        span: Span,
        /// The node's field path in its document, as `spec.containers[0].image`.
        path: String,
        /// The document's resource.
        resource: ResourceId,
        /// The 0-based position of the document in its source.
        doc_index: u32,
    },
    /// A place outside the inputs: a file a report points at, with a 1-based region.
    External {
        /// The file, as the report names it (a path or a URI).
        uri: String,
        /// The first line.
        line: u32,
        /// The first column, when given.
        column: Option<u32>,
        /// The last line, when given.
        end_line: Option<u32>,
        /// The column just past the end, when given.
        end_column: Option<u32>,
    },
}

impl Related {
    /// Whether two related places are the same place (whatever their messages).
    fn same_place(&self, other: &Related) -> bool {
        match (&self.place, &other.place) {
            (
                Place::Document {
                    source: a, span: x, ..
                },
                Place::Document {
                    source: b, span: y, ..
                },
            ) => x == y && (Arc::ptr_eq(a, b) || a.key() == b.key()),
            (
                Place::External {
                    uri: a,
                    line: l,
                    column: c,
                    end_line: el,
                    end_column: ec,
                },
                Place::External {
                    uri: b,
                    line: m,
                    column: d,
                    end_line: fl,
                    end_column: fc,
                },
            ) => (a, l, c, el, ec) == (b, m, d, fl, fc),
            _ => false,
        }
    }

    /// `file:line:col` (or `uri:line[:col]`) of the place, as the text report prints it.
    pub fn describe(&self) -> String {
        match &self.place {
            Place::Document { source, span, .. } => {
                let (line, col) = source.line_col(span.start());
                format!("{}:{line}:{col}", source.name())
            }
            Place::External {
                uri, line, column, ..
            } => match column {
                Some(c) => format!("{uri}:{line}:{c}"),
                None => format!("{uri}:{line}"),
            },
        }
    }

    /// `place (what it is)`, as the text reports print it; just the place when nothing more
    /// is known of it.
    pub fn summary(&self) -> String {
        let (place, label) = (self.describe(), self.label());
        if label == place {
            place
        } else {
            format!("{place} ({label})")
        }
    }

    /// What the place is: the rule's message, else `path of resource` for a place in a
    /// document (`spec.template.spec.containers[0].image of Deployment shop/web`), else the
    /// place itself.
    pub fn label(&self) -> String {
        if let Some(m) = &self.message {
            return m.clone();
        }
        match &self.place {
            Place::Document { path, resource, .. } => {
                let what = describe_resource(resource);
                if path.is_empty() {
                    what
                } else {
                    format!("{path} of {what}")
                }
            }
            Place::External { .. } => self.describe(),
        }
    }
}

/// `Kind namespace/name` (or the address, or what the identity has) of a resource.
fn describe_resource(r: &ResourceId) -> String {
    if let Some(a) = &r.address {
        return a.to_string();
    }
    let kind = r.kind.as_deref().unwrap_or("document");
    match (&r.namespace, &r.name) {
        (Some(ns), Some(n)) => format!("{kind} {ns}/{n}"),
        (None, Some(n)) => format!("{kind} {n}"),
        _ => kind.to_string(),
    }
}

/// Collects the candidate places of a `related` value into `out`: each element of a list (or
/// the value itself) that was read from a document or is a map naming an outside place, up to
/// [`MAX_RELATED`] in all.
pub(crate) fn collect(v: Option<&Node>, out: &mut Vec<Node>) {
    let Some(n) = v else { return };
    match &n.value {
        Value::List(items) => {
            for it in items.iter() {
                push(it, out);
            }
        }
        _ => push(n, out),
    }
}

fn push(n: &Node, out: &mut Vec<Node>) {
    if out.len() >= MAX_RELATED {
        return;
    }
    if n.span.is_known() || external(n).is_some() {
        out.push(n.clone());
    }
}

/// The outside place a computed map names: a non-empty string `uri` and a positive `line`
/// (optional `column`, `end_line`, `end_column`, `message`); `None` for anything else.
fn external(n: &Node) -> Option<Related> {
    let Value::Map(m) = &n.value else {
        return None;
    };
    let uri = m.get("uri")?.as_str().filter(|u| !u.is_empty())?;
    let int = |k: &str| -> Option<Option<u32>> {
        match m.get(k).map(|v| &v.value) {
            None | Some(Value::Null) => Some(None),
            Some(Value::Int(i)) => u32::try_from(*i).ok().filter(|i| *i > 0).map(Some),
            Some(_) => None,
        }
    };
    let line = int("line")??;
    let column = int("column").flatten();
    let end_line = int("end_line").flatten().filter(|e| *e >= line);
    let end_column = int("end_column").flatten();
    let message = m
        .get("message")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    Some(Related {
        place: Place::External {
            uri: uri.to_string(),
            line,
            column,
            end_line,
            end_column,
        },
        message,
    })
}

/// Resolves related nodes to places, remembering where each node was found: the findings of
/// one document often name the same places (every vulnerability of a report names the
/// workloads that run its image).
#[derive(Default)]
pub(crate) struct Resolver {
    seen: HashMap<NodeKey, Option<Related>>,
}

/// A node's identity for the cache: its number, span and (for strings, lists and maps) the
/// address of its shared contents.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct NodeKey(NodeId, Span, usize);

impl NodeKey {
    fn of(n: &Node) -> Self {
        NodeKey(n.id, n.span, contents(n).unwrap_or(0))
    }
}

/// The address of a node's shared contents, when it has any: clones of one document node
/// share it, nodes of two documents never do.
fn contents(n: &Node) -> Option<usize> {
    match &n.value {
        Value::String(s) => Some(s.as_ptr() as usize),
        Value::List(l) => Some(l.contents_addr()),
        Value::Map(m) => Some(m.contents_addr()),
        _ => None,
    }
}

impl Resolver {
    /// The places of `nodes`, found in the scan's documents (`own` first: the finding's
    /// document), without repeats.
    pub(crate) fn places(&mut self, scan: &Scan<'_>, own: usize, nodes: &[Node]) -> Vec<Related> {
        let mut out: Vec<Related> = Vec::new();
        for n in nodes {
            let place = if n.span.is_known() {
                let key = NodeKey::of(n);
                match self.seen.get(&key) {
                    Some(p) => p.clone(),
                    None => {
                        let p = resolve(scan, own, n);
                        self.seen.insert(key, p.clone());
                        p
                    }
                }
            } else {
                external(n)
            };
            if let Some(p) = place
                && !out.iter().any(|q| q.same_place(&p))
            {
                out.push(p);
            }
        }
        out
    }
}

/// The place of a node read from a document: the document of the scan that holds a node of
/// its identity and span. A document whose node shares the contents' address is certain; else
/// the finding's own document, else the one document that has such a node (two or more and
/// the node is skipped: it could be either).
fn resolve(scan: &Scan<'_>, own: usize, n: &Node) -> Option<Related> {
    let docs = scan.docs();
    let mut own_match = None;
    let mut other = None;
    let mut others = 0usize;
    let order = std::iter::once(own).chain((0..docs.len()).filter(|&j| j != own));
    for j in order {
        let Some(doc) = docs.get(j) else { continue };
        let Some((found, path)) = find(scan, j, doc, n) else {
            continue;
        };
        let place = || place_in(doc, n.span, path.clone());
        // Only a document's own node shares its contents with what a rule read (a view's node
        // may be built afresh).
        if n.id.is_document() {
            match (contents(found), contents(n)) {
                (Some(a), Some(b)) if a == b => return Some(place()),
                (Some(_), Some(_)) => continue,
                _ => {}
            }
        }
        if j == own {
            own_match = Some(place());
        } else {
            others += 1;
            other.get_or_insert_with(place);
        }
    }
    own_match.or(if others == 1 { other } else { None })
}

/// The node of document `j` that `n` is (a node of the document, or one a view of it built
/// from one), with its field path.
fn find<'d>(
    scan: &'d Scan<'_>,
    j: usize,
    doc: &'d Document,
    n: &Node,
) -> Option<(&'d Node, String)> {
    let ds = doc.span();
    if ds.is_known() && (n.span.start() < ds.start() || n.span.end() > ds.end()) {
        return None;
    }
    let (found, steps) = if n.id.is_document() {
        eval::find_node(doc.root(), n.id, n.span)?
    } else {
        let from = match scan.provenance(j, n.id)? {
            Provenance::Derived { from, .. } => *from,
            Provenance::Defaulted { block, .. } => *block,
        };
        let (found, steps) = eval::find_node(doc.root(), from, Span::NONE)?;
        if found.span != n.span {
            return None;
        }
        (found, steps)
    };
    Some((found, eval::render_path(&steps)))
}

fn place_in(doc: &Document, span: Span, path: String) -> Related {
    Related {
        place: Place::Document {
            source: doc.source().clone(),
            span,
            path,
            resource: doc.id().clone(),
            doc_index: doc.index(),
        },
        message: None,
    }
}
