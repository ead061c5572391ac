//! Small helpers to build document trees by hand, for formats that reshape what they read.

use crate::value::{List, MapBuilder, Node, Span, Str, Value};

/// A map node at `span` from `(key, node)` entries; `None` entries are left out.
pub(crate) fn map(span: Span, entries: Vec<(&str, Option<Node>)>) -> Node {
    let mut m = MapBuilder::with_capacity(entries.len());
    for (k, v) in entries {
        if let Some(v) = v {
            m.insert(Str::from(k), v);
        }
    }
    Node::new(Value::Map(m.finish()), span)
}

/// A list node at `span`.
pub(crate) fn list(span: Span, items: Vec<Node>) -> Node {
    Node::new(Value::List(List::from_vec(items)), span)
}

/// A string node at `span`.
pub(crate) fn string(s: &str, span: Span) -> Node {
    Node::new(Value::string(s), span)
}

/// A boolean node at `span`.
pub(crate) fn boolean(b: bool, span: Span) -> Node {
    Node::new(Value::Bool(b), span)
}

/// An integer node at `span`.
pub(crate) fn int(i: i64, span: Span) -> Node {
    Node::new(Value::Int(i), span)
}
