//! Field paths: where a node sits in its document, for findings.

use std::fmt::Write as _;

use super::Hit;
use crate::value::{Node, Span, Value};

/// Whether two nodes are the same node of a document (a clone shares its storage).
pub fn same_node(a: &Node, b: &Node) -> bool {
    if std::ptr::eq(a, b) {
        return true;
    }
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => x.ptr_eq(y) && a.span == b.span,
        (Value::List(x), Value::List(y)) => x.ptr_eq(y) && a.span == b.span,
        (Value::Map(_) | Value::List(_), _) | (_, Value::Map(_) | Value::List(_)) => false,
        _ => a.span.is_known() && a.span == b.span && a.value == b.value,
    }
}

/// The path of `target` inside `root`, as `spec.containers[1].image`; `None` when not found.
pub fn path_of(root: &Node, target: &Node) -> Option<String> {
    // Whether `n` cannot be or contain `target`, judging by lines (checked before a child's
    // key is written to the path).
    fn outside(n: &Node, target: &Node) -> bool {
        target.span.is_known()
            && n.span.is_known()
            && (target.span.line < n.span.line
                || target.span.line > n.span.end_line.max(n.span.line))
            && !same_node(n, target)
    }
    fn walk(n: &Node, target: &Node, path: &mut String) -> bool {
        if same_node(n, target) {
            return true;
        }
        if outside(n, target) {
            return false;
        }
        let len = path.len();
        match &n.value {
            Value::Map(m) => {
                for (k, v) in m.iter() {
                    if outside(v, target) {
                        continue;
                    }
                    push_key(path, k);
                    if walk(v, target, path) {
                        return true;
                    }
                    path.truncate(len);
                }
            }
            Value::List(l) => {
                for (i, v) in l.iter().enumerate() {
                    if outside(v, target) {
                        continue;
                    }
                    let _ = write!(path, "[{i}]");
                    if walk(v, target, path) {
                        return true;
                    }
                    path.truncate(len);
                }
            }
            _ => {}
        }
        false
    }
    let mut p = String::with_capacity(64);
    walk(root, target, &mut p).then_some(p)
}

/// Appends a map key to a field path, quoting keys that are not plain identifiers.
pub fn push_key(path: &mut String, k: &str) {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(k);
    } else {
        let _ = write!(path, "[{k:?}]");
    }
}

/// The span a hit points at, falling back to `fallback` (the matched document).
pub fn hit_span(hit: &Hit, fallback: Span) -> Span {
    hit.node
        .as_ref()
        .map(|n| n.span)
        .filter(Span::is_known)
        .unwrap_or(fallback)
}
