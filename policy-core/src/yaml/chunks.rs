//! Loading one large stream on several threads.
//!
//! A line that starts with `---` followed by a space, a tab or a line break is always a document
//! marker: YAML forbids such a line inside any scalar or collection, and saphyr-parser treats it
//! so (inside a quoted or flow node it is an error). A stream therefore splits at those lines
//! into parts of whole documents that load independently: anchors, the only state a document
//! could share, do not carry across documents. The parts load in parallel and join in order.
//!
//! The result is the sequential result: same documents, same order and numbering, same spans.
//! Whenever that could differ, the stream loads sequentially instead: directives (`%YAML`,
//! `%TAG`, which apply to the document after them), any error in any part (so every message and
//! every rule about which documents survive an error stay those of the sequential loader), and
//! a node count over [`LoadOptions::max_nodes`] in total.

use std::sync::Arc;

use rayon::prelude::*;

use super::build;
use crate::document::{LoadOptions, Loaded, Source};

/// Streams smaller than this load sequentially: splitting would not pay.
const MIN_PARALLEL_BYTES: usize = 256 * 1024;
/// Parts per thread, so that threads stay busy when documents differ in size.
const PARTS_PER_THREAD: usize = 8;
/// The smallest part worth a task.
const MIN_PART_BYTES: usize = 64 * 1024;

/// Loads `source` in parts on the current rayon pool; `None` when it should load sequentially.
pub(super) fn load(source: &Arc<Source>, opts: &LoadOptions) -> Option<Loaded> {
    let text = source.text();
    let threads = rayon::current_num_threads();
    if threads < 2 || text.len() < MIN_PARALLEL_BYTES {
        return None;
    }
    let target = (text.len() / threads.saturating_mul(PARTS_PER_THREAD)).max(MIN_PART_BYTES);
    let parts = split(source, target)?;
    if parts.len() < 2 {
        return None;
    }
    let loaded: Vec<(Loaded, usize)> = parts
        .par_iter()
        .map(|p| {
            let part = text.get(p.start..p.end).unwrap_or_default();
            build::load_part(source, part, p.line, opts)
        })
        .collect();
    let nodes = loaded.iter().fold(0usize, |n, (_, k)| n.saturating_add(*k));
    if nodes > opts.max_nodes || loaded.iter().any(|(l, _)| !l.errors.is_empty()) {
        return None;
    }
    let count = loaded.iter().map(|(l, _)| l.documents.len()).sum();
    let mut documents = Vec::with_capacity(count);
    for (l, _) in loaded {
        for d in l.documents {
            let index = u32::try_from(documents.len()).unwrap_or(u32::MAX);
            documents.push(d.with_index(index));
        }
    }
    Some(Loaded {
        documents,
        errors: Vec::new(),
        skipped: Vec::new(),
    })
}

/// A part of the text: bytes `start..end`, starting at the beginning of 0-based line `line`.
struct Part {
    start: usize,
    end: usize,
    line: u32,
}

/// Cuts the text at document markers into parts of about `target` bytes; `None` when the
/// stream has directives.
fn split(source: &Source, target: usize) -> Option<Vec<Part>> {
    let text = source.text();
    if text.starts_with('%') || text.contains("\n%") {
        return None;
    }
    let mut parts = Vec::new();
    let mut start = 0;
    let mut line = 0;
    let mut from = target;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find("\n---")) {
        let cut = from + found + 1;
        let after = text.as_bytes().get(cut + 3).copied();
        if !matches!(after, None | Some(b'\n' | b'\r' | b' ' | b'\t')) {
            from = cut;
            continue;
        }
        let cut_line = source.line_index(cut)?;
        parts.push(Part {
            start,
            end: cut,
            line,
        });
        start = cut;
        line = cut_line;
        from = cut.saturating_add(target);
    }
    parts.push(Part {
        start,
        end: text.len(),
        line,
    });
    Some(parts)
}
