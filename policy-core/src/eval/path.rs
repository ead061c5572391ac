//! Field paths: where a node sits in its document, for findings.
//!
//! A node's path comes from its identity: nodes are numbered in pre-order, so the child whose
//! subtree holds a node is the child with the greatest id not above it. Finding the path is one
//! walk down from the root, a few comparisons a level, never a search of the tree.

use std::fmt::Write as _;

use super::Hit;
use crate::backend::PathStep;
use crate::value::{Node, NodeId, Span, Value};

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg<'a> {
    /// A map key.
    Key(&'a str),
    /// A list position.
    Index(usize),
}

/// The node with identity `id` inside `root`, and the steps that lead to it; `None` when `root`
/// has no such node. `span` (when known) must match too, so that a node of another document
/// that happens to share the number is never taken for this one.
pub fn find_node<'a>(
    root: &'a Node,
    id: NodeId,
    span: Span,
) -> Option<(&'a Node, Vec<PathSeg<'a>>)> {
    if !id.is_document() || !root.id.is_document() || id < root.id {
        return None;
    }
    let mut cur = root;
    let mut steps = Vec::new();
    while cur.id != id {
        let next = match &cur.value {
            Value::Map(m) => m
                .iter()
                .filter(|(_, v)| v.id.is_document() && v.id <= id)
                .max_by_key(|(_, v)| v.id)
                .map(|(k, v)| (PathSeg::Key(k), v)),
            Value::List(l) => l
                .iter()
                .enumerate()
                .filter(|(_, v)| v.id.is_document() && v.id <= id)
                .max_by_key(|(_, v)| v.id)
                .map(|(i, v)| (PathSeg::Index(i), v)),
            _ => None,
        };
        let (seg, child) = next?;
        if child.id <= cur.id {
            // Only an alias's subtree numbers below its parent: the node is not under it.
            return None;
        }
        steps.push(seg);
        cur = child;
    }
    (!span.is_known() || cur.span == span).then_some((cur, steps))
}

/// The path of `target` inside `root`, as `spec.containers[1].image`; `None` when `target` is
/// not a node of that document.
pub fn path_of(root: &Node, target: &Node) -> Option<String> {
    let (_, steps) = find_node(root, target.id, target.span)?;
    Some(render_path(&steps))
}

/// Renders path steps as `spec.containers[1].image`.
pub fn render_path(steps: &[PathSeg<'_>]) -> String {
    let mut p = String::with_capacity(64);
    for s in steps {
        match s {
            PathSeg::Key(k) => push_key(&mut p, k),
            PathSeg::Index(i) => {
                let _ = write!(p, "[{i}]");
            }
        }
    }
    p
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

/// Appends a step (a map key or a list position) to a field path.
pub fn push_step(path: &mut String, step: &PathStep) {
    match step {
        PathStep::Key(k) => push_key(path, k),
        PathStep::Index(i) => {
            let _ = write!(path, "[{i}]");
        }
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
