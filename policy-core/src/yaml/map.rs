//! Mappings under construction: duplicate keys and `<<` merges.

use std::collections::{HashMap, HashSet};

use super::build::{Fail, Pos, describe};
use crate::value::{Map, MapBuilder, Node, Str, Value};

/// Maps with more entries than this get a hash index for the duplicate-key check.
const DUP_INDEX_THRESHOLD: usize = 24;

/// A key waiting for its value.
pub(super) struct PendingKey {
    pub(super) key: Str,
    pub(super) start: Pos,
    /// A plain `<<`: the value is merged, not stored.
    pub(super) merge: bool,
}

/// Maps pulled in by a `<<` merge key; `at` is how many explicit entries preceded it.
struct MergeSource {
    at: usize,
    map: Map,
}

/// A mapping being built.
#[derive(Default)]
pub(super) struct MapFrame {
    entries: Vec<(Str, Node)>,
    /// Key to entry position, built once the map outgrows a linear scan.
    index: Option<HashMap<Str, usize>>,
    pub(super) key: Option<PendingKey>,
    merges: Vec<MergeSource>,
}

impl MapFrame {
    /// Adds an explicit entry; a key seen before is an error.
    pub(super) fn add_entry(&mut self, key: PendingKey, node: Node) -> Result<(), Fail> {
        let existing = match &self.index {
            Some(index) => index.get(&key.key).copied(),
            // Keys are interned per load, so equal keys are usually the same allocation and the
            // comparison stops at the pointer.
            None => self.entries.iter().position(|(k, _)| *k == key.key),
        };
        if let Some(first) = existing.and_then(|i| self.entries.get(i)) {
            return Err(Fail::doc(
                key.start,
                format!(
                    "duplicate key `{}` (first at line {})",
                    key.key, first.1.span.line
                ),
            ));
        }
        if let Some(index) = &mut self.index {
            index.insert(key.key.clone(), self.entries.len());
        }
        self.entries.push((key.key, node));
        if self.index.is_none() && self.entries.len() > DUP_INDEX_THRESHOLD {
            self.index = Some(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i))
                    .collect(),
            );
        }
        Ok(())
    }

    /// Records the value of a `<<` key: a map, or a list of maps.
    pub(super) fn add_merge(&mut self, node: Node) -> Result<(), Fail> {
        let at = self.entries.len();
        let pos = Pos {
            line: node.span.line,
            col: node.span.col,
        };
        match node.value {
            Value::Map(map) => self.merges.push(MergeSource { at, map }),
            Value::List(list) => {
                for item in list.iter() {
                    match &item.value {
                        Value::Map(map) => self.merges.push(MergeSource {
                            at,
                            map: map.clone(),
                        }),
                        other => {
                            return Err(Fail::doc(
                                Pos {
                                    line: item.span.line,
                                    col: item.span.col,
                                },
                                format!(
                                    "merge key `<<` needs a map or a list of maps; found a list item that is {}",
                                    describe(other)
                                ),
                            ));
                        }
                    }
                }
            }
            other => {
                return Err(Fail::doc(
                    pos,
                    format!(
                        "merge key `<<` needs a map or a list of maps; found {}",
                        describe(&other)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Freezes a mapping, applying `<<` merges: explicit keys win over merged ones, and an earlier
    /// merged map wins over a later one. Merged entries take the place of their `<<`.
    pub(super) fn finish(self) -> Map {
        if self.merges.is_empty() {
            return MapBuilder::from_distinct_entries(self.entries).finish();
        }
        let explicit: HashSet<Str> = self.entries.iter().map(|(k, _)| k.clone()).collect();
        let mut seen: HashSet<Str> = HashSet::new();
        let mut out: Vec<(Str, Node)> = Vec::with_capacity(self.entries.len());
        let mut merges = self.merges.into_iter().peekable();
        let mut merge_into = |out: &mut Vec<(Str, Node)>, src: MergeSource| {
            for (k, v) in src.map.iter() {
                if !explicit.contains(k) && seen.insert(k.clone()) {
                    out.push((k.clone(), v.clone()));
                }
            }
        };
        for (i, entry) in self.entries.into_iter().enumerate() {
            while let Some(src) = merges.next_if(|s| s.at <= i) {
                merge_into(&mut out, src);
            }
            out.push(entry);
        }
        for src in merges {
            merge_into(&mut out, src);
        }
        MapBuilder::from_distinct_entries(out).finish()
    }
}
