//! Mappings under construction: duplicate keys and `<<` merges.
//!
//! The entries of every open mapping live on one shared stack ([`Entries`]): a mapping's entries
//! are the tail of the stack from its `start`, since a nested mapping is always finished before
//! its parent gets another entry. A finished mapping moves its tail into one exact-size
//! allocation, so building a tree costs no reallocation and leaves no spare capacity behind.
//!
//! # Merge keys, read as the API server receives them
//!
//! kubectl turns YAML into JSON with sigs.k8s.io/yaml, whose YAML decoder is a fork of
//! go-yaml v2.4.0 (`sigs.k8s.io/yaml/goyaml.v2`); kustomize and other tools use go-yaml v3.
//! The source followed here is go-yaml's `decode.go`: in v2, `(*decoder).mapping` walks the
//! entries in document order and `(*decoder).merge` writes each merged map into the mapping
//! being built, overriding what is there, a `<<` list applied last to first ("earlier nodes
//! take precedence"); explicit keys later in the mapping override again. In v3 (3.0.1, as
//! vendored in `sigs.k8s.io/yaml/goyaml.v3`), `mapping` applies explicit keys first and the
//! merge afterwards, skipping keys already set (`mergedFields`), so an explicit key wins
//! wherever it is, and only the last `<<` counts; its `uniqueKeys` check rejects a second `<<`
//! outright.
//!
//! fourc follows the two where they agree and rejects the file where they do not:
//! - a `<<` merges its map (or each map of its list, earlier maps winning) at its place;
//!   an explicit key after the `<<` overrides a merged one (v2 and v3 agree);
//! - an explicit key *before* the `<<` that the merge would set is an error, "ambiguous merge"
//!   (v2 keeps the merged value, v3 the explicit one);
//! - a second `<<` in one mapping, or a `<<` beside a quoted `"<<"` key, is a duplicate key
//!   (v2 merges both in order, v3 rejects or keeps only the last);
//! - `<<` merges when plain and untagged, tagged `!!merge` (plain or quoted), or plain under
//!   the non-specific tag `!` (both libraries); a quoted `"<<"` is an ordinary key; a quoted
//!   `! "<<"` is an error (v2 merges it, v3 does not).

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

/// The maps pulled in by the mapping's `<<` key.
struct Merge {
    /// How many explicit entries precede the `<<`.
    at: usize,
    /// Where the `<<` key is (for errors).
    pos: Pos,
    /// The merged maps, earliest (winning) first.
    maps: Vec<Map>,
}

/// The key a merge is written with.
const MERGE_KEY: &str = "<<";

/// A mapping being built; its entries are `entries[start..]` of the shared stack.
pub(super) struct MapFrame {
    start: usize,
    /// Key to entry position (relative to `start`), built once the map outgrows a linear scan.
    index: Option<HashMap<Str, usize>>,
    pub(super) key: Option<PendingKey>,
    merge: Option<Merge>,
}

impl MapFrame {
    /// A mapping whose entries will start at the current top of `entries`.
    pub(super) fn new(entries: &Entries) -> Self {
        MapFrame {
            start: entries.len(),
            index: None,
            key: None,
            merge: None,
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
            return Err(duplicate(&key.key, key.start, line_of(source, &first.1)));
        }
        if let Some(merge) = self.merge.as_ref().filter(|_| &*key.key == MERGE_KEY) {
            return Err(duplicate(&key.key, key.start, merge.pos.line));
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

    /// Records the value of a `<<` key: a map, or a list of maps. A second `<<` in the mapping,
    /// or one beside a quoted `"<<"` key, is a duplicate key.
    pub(super) fn add_merge(
        &mut self,
        source: &Source,
        entries: &Entries,
        key: &PendingKey,
        node: Node,
    ) -> Result<(), Fail> {
        let mine = entries.get(self.start..).unwrap_or_default();
        if let Some(merge) = &self.merge {
            return Err(duplicate(MERGE_KEY, key.start, merge.pos.line));
        }
        if let Some((_, first)) = mine.iter().find(|(k, _)| &**k == MERGE_KEY) {
            return Err(duplicate(MERGE_KEY, key.start, line_of(source, first)));
        }
        let at = mine.len();
        let pos = pos_of(source, &node.span);
        let maps = match node.value {
            Value::Map(map) => vec![map],
            Value::List(list) => {
                let mut maps = Vec::with_capacity(list.len());
                for item in list.iter() {
                    match &item.value {
                        Value::Map(map) => maps.push(map.clone()),
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
                maps
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
        };
        self.merge = Some(Merge {
            at,
            pos: key.start,
            maps,
        });
        Ok(())
    }

    /// Freezes a mapping, taking its entries off the shared stack and applying its `<<` merge
    /// (see the module docs): merged entries take the place of the `<<`, an earlier merged map
    /// wins over a later one, an explicit key after the `<<` wins over a merged one, and a
    /// merged key that an explicit key before the `<<` already set is an error.
    pub(super) fn finish(self, source: &Source, entries: &mut Entries) -> Result<Map, Fail> {
        let start = self.start.min(entries.len());
        let Some(merge) = self.merge else {
            return Ok(Map::from_entries(entries.drain(start..)));
        };
        let mine: Vec<(Str, Node)> = entries.drain(start..).collect();
        let at = merge.at.min(mine.len());
        let (before, after) = mine.split_at(at);
        let earlier: HashMap<&Str, u32> = before
            .iter()
            .map(|(k, v)| (k, line_of(source, v)))
            .collect();
        let later: HashSet<&Str> = after.iter().map(|(k, _)| k).collect();
        let mut seen: HashSet<Str> = HashSet::new();
        let mut merged: Vec<(Str, Node)> = Vec::new();
        for map in &merge.maps {
            for (k, v) in map.iter() {
                if let Some(line) = earlier.get(k) {
                    return Err(Fail::doc(
                        merge.pos,
                        format!(
                            "ambiguous merge: `<<` sets `{k}`, which line {line} already set \
                             (go-yaml v2, as kubectl reads it, keeps the merged value; go-yaml v3 \
                             keeps the explicit one); move the `<<` before the key or drop one"
                        ),
                    ));
                }
                if !later.contains(k) && seen.insert(k.clone()) {
                    merged.push((k.clone(), v.clone()));
                }
            }
        }
        let mut out: Vec<(Str, Node)> = Vec::with_capacity(mine.len() + merged.len());
        out.extend(before.iter().cloned());
        out.extend(merged);
        out.extend(after.iter().cloned());
        Ok(Map::from_entries(out))
    }
}

/// The line a node starts on.
fn line_of(source: &Source, n: &Node) -> u32 {
    source.line_col(n.span.start()).0
}

fn duplicate(key: &str, pos: Pos, first_line: u32) -> Fail {
    Fail::doc(
        pos,
        format!("duplicate key `{key}` (first at line {first_line})"),
    )
}
