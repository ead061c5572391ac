//! Mappings under construction: duplicate keys and `<<` merges.
//!
//! The entries of every open mapping live on one shared stack ([`Entries`]): a mapping's entries
//! are the tail of the stack from its `start`, since a nested mapping is always finished before
//! its parent gets another entry. A finished mapping moves its tail into one exact-size
//! allocation, so building a tree costs no reallocation and leaves no spare capacity behind.

use std::collections::{HashMap, HashSet};

use super::build::{Fail, Pos, describe, pos_of};
use crate::document::Source;
use crate::value::{Map, Node, Str, Value};

/// Maps with more entries than this get a hash index for the duplicate-key check.
const DUP_INDEX_THRESHOLD: usize = 24;

/// The shared stack of the entries of every open mapping.
pub(super) type Entries = Vec<(Str, Node)>;

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

/// A mapping being built; its entries are `entries[start..]` of the shared stack.
pub(super) struct MapFrame {
    start: usize,
    /// Key to entry position (relative to `start`), built once the map outgrows a linear scan.
    index: Option<HashMap<Str, usize>>,
    pub(super) key: Option<PendingKey>,
    merges: Vec<MergeSource>,
}

impl MapFrame {
    /// A mapping whose entries will start at the current top of `entries`.
    pub(super) fn new(entries: &Entries) -> Self {
        MapFrame {
            start: entries.len(),
            index: None,
            key: None,
            merges: Vec::new(),
        }
    }

    /// Adds an explicit entry; a key seen before is an error.
    pub(super) fn add_entry(
        &mut self,
        source: &Source,
        entries: &mut Entries,
        key: PendingKey,
        node: Node,
    ) -> Result<(), Fail> {
        let mine = entries.get(self.start..).unwrap_or_default();
        let existing = match &self.index {
            Some(index) => index.get(&key.key).copied(),
            // Keys are interned per load, so equal keys are usually the same allocation and the
            // comparison stops at the pointer.
            None => mine.iter().position(|(k, _)| *k == key.key),
        };
        if let Some(first) = existing.and_then(|i| mine.get(i)) {
            return Err(Fail::doc(
                key.start,
                format!(
                    "duplicate key `{}` (first at line {})",
                    key.key,
                    source.line_col(first.1.span.start()).0
                ),
            ));
        }
        let len = mine.len();
        if let Some(index) = &mut self.index {
            index.insert(key.key.clone(), len);
        }
        entries.push((key.key, node));
        if self.index.is_none() && len + 1 > DUP_INDEX_THRESHOLD {
            self.index = Some(
                entries
                    .get(self.start..)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i))
                    .collect(),
            );
        }
        Ok(())
    }

    /// Records the value of a `<<` key: a map, or a list of maps.
    pub(super) fn add_merge(
        &mut self,
        source: &Source,
        entries: &Entries,
        node: Node,
    ) -> Result<(), Fail> {
        let at = entries.len().saturating_sub(self.start);
        let pos = pos_of(source, &node.span);
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
                                pos_of(source, &item.span),
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

    /// Freezes a mapping, taking its entries off the shared stack and applying `<<` merges:
    /// explicit keys win over merged ones, and an earlier merged map wins over a later one.
    /// Merged entries take the place of their `<<`.
    pub(super) fn finish(self, entries: &mut Entries) -> Map {
        let start = self.start.min(entries.len());
        if self.merges.is_empty() {
            return Map::from_entries(entries.drain(start..));
        }
        let mine: Vec<(Str, Node)> = entries.drain(start..).collect();
        let explicit: HashSet<Str> = mine.iter().map(|(k, _)| k.clone()).collect();
        let mut seen: HashSet<Str> = HashSet::new();
        let mut out: Vec<(Str, Node)> = Vec::with_capacity(mine.len());
        let mut merges = self.merges.into_iter().peekable();
        let mut merge_into = |out: &mut Vec<(Str, Node)>, src: MergeSource| {
            for (k, v) in src.map.iter() {
                if !explicit.contains(k) && seen.insert(k.clone()) {
                    out.push((k.clone(), v.clone()));
                }
            }
        };
        for (i, entry) in mine.into_iter().enumerate() {
            while let Some(src) = merges.next_if(|s| s.at <= i) {
                merge_into(&mut out, src);
            }
            out.push(entry);
        }
        for src in merges {
            merge_into(&mut out, src);
        }
        Map::from_entries(out)
    }
}
