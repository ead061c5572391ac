//! The value model: small, shared, ordered.
//!
//! Every value read from a document is a [`Node`]: a [`Value`] plus the [`Span`] of the text it
//! came from. Containers are reference counted, so cloning a node (to bind it to a rule variable,
//! or to build a normalized view that points into a document) costs a counter increment, never a
//! copy of the tree.

use std::fmt;
use std::sync::Arc;

/// Shared, immutable text. Object keys are interned per load, so equal keys usually share one
/// allocation and compare by pointer first.
pub type Str = Arc<str>;

/// A byte range in a source text: the one span type of documents.
///
/// Offsets are bytes from the start of the source the node was read from (the document knows
/// which); line and column are computed from the source's line index only when a location is
/// rendered ([`crate::Source::line_col`]). The span of a mapping value starts at its key, so a
/// finding on `securityContext.privileged` points at `privileged:`. Values computed by a rule
/// (not read from a document) carry [`Span::NONE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    start: u32,
    end: u32,
}

impl Default for Span {
    fn default() -> Self {
        Span::NONE
    }
}

impl Span {
    /// The span of a value that was not read from a document.
    pub const NONE: Span = Span {
        start: u32::MAX,
        end: u32::MAX,
    };

    /// The bytes `start..end` of a source; `end` below `start` is taken as `start`.
    pub fn new(start: u32, end: u32) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// The span of `range` (byte offsets), or [`Span::NONE`] when it does not fit in 32 bits.
    pub fn of_range(range: std::ops::Range<usize>) -> Span {
        match (u32::try_from(range.start), u32::try_from(range.end)) {
            (Ok(s), Ok(e)) if s != u32::MAX => Span::new(s, e),
            _ => Span::NONE,
        }
    }

    /// Whether this span points into a source text.
    pub fn is_known(&self) -> bool {
        self.start != u32::MAX
    }

    /// The first byte.
    pub fn start(&self) -> u32 {
        self.start
    }

    /// The byte just past the end.
    pub fn end(&self) -> u32 {
        self.end
    }

    /// Whether `other` lies within this span.
    pub fn contains(&self, other: &Span) -> bool {
        self.is_known() && other.is_known() && self.start <= other.start && other.end <= self.end
    }
}

/// The identity of a node within its document: its position in the document's pre-order, from
/// 1 for the root. [`NodeId::NONE`] marks a value computed by a rule; ids with the top bit set
/// name values a view built (see [`crate::view`]), whose provenance the scan records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    /// No identity: a computed value.
    pub const NONE: NodeId = NodeId(0);
    /// The bit that marks a node built by a view.
    pub(crate) const BUILT: u32 = 1 << 31;

    /// Whether this is a node of a document (read from its source).
    pub fn is_document(self) -> bool {
        self.0 != 0 && self.0 & Self::BUILT == 0
    }

    /// The index of a built node in its document's provenance table.
    pub(crate) fn built_index(self) -> Option<usize> {
        (self.0 & Self::BUILT != 0).then_some((self.0 & !Self::BUILT) as usize)
    }
}

/// A value: the JSON data model plus integers distinct from floats.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Value {
    /// An explicit `null` (`~`, `null`, or an empty value in YAML).
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A string.
    String(Str),
    /// An ordered list.
    List(List),
    /// An insertion-ordered map with string keys.
    Map(Map),
}

// INVARIANT: values stay small; a bigger enum slows every document and every evaluation step.
const _: () = assert!(std::mem::size_of::<Value>() <= 24);
const _: () = assert!(std::mem::size_of::<Node>() <= 40);

/// A value together with where it came from.
#[derive(Clone, Debug)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value was read, or [`Span::NONE`].
    pub span: Span,
    /// Which node of its document this is, or [`NodeId::NONE`].
    pub id: NodeId,
}

impl Node {
    /// A node read from a source, without an identity yet (loaders number a document's nodes
    /// with [`crate::document::number_nodes`] or as they build them).
    pub fn new(value: Value, span: Span) -> Self {
        Node {
            value,
            span,
            id: NodeId::NONE,
        }
    }

    /// A node with its span and identity.
    pub fn with_id(value: Value, span: Span, id: NodeId) -> Self {
        Node { value, span, id }
    }

    /// A node for a computed value.
    pub fn computed(value: Value) -> Self {
        Node {
            value,
            span: Span::NONE,
            id: NodeId::NONE,
        }
    }

    /// The child at `key`, when this node is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.get(key),
            _ => None,
        }
    }

    /// Follows a path of map keys.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        let mut cur = self;
        for k in path {
            cur = cur.get(k)?;
        }
        Some(cur)
    }

    /// The string value, if this node is a string.
    pub fn as_str(&self) -> Option<&str> {
        self.value.as_str()
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::string(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Arc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    /// A list: `Value::from(vec!["registry.example/", "ghcr.io/team/"])`.
    fn from(items: Vec<T>) -> Self {
        Value::List(List::from_vec(
            items
                .into_iter()
                .map(|v| Node::computed(v.into()))
                .collect(),
        ))
    }
}

impl Value {
    /// A map of `entries`, in their order (a later duplicate key replaces an earlier one).
    pub fn map<K: AsRef<str>, V: Into<Value>>(entries: impl IntoIterator<Item = (K, V)>) -> Value {
        let mut b = MapBuilder::new();
        for (k, v) in entries {
            b.insert(Arc::from(k.as_ref()), Node::computed(v.into()));
        }
        Value::Map(b.finish())
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The type name used in messages: `null`, `bool`, `int`, `float`, `string`, `list`, `map`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
        }
    }

    /// A string value.
    pub fn string(s: &str) -> Value {
        Value::String(Arc::from(s))
    }

    /// Converts to `serde_json::Value` (integers stay integers, key order is kept).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(l) => {
                serde_json::Value::Array(l.iter().map(|n| n.value.to_json()).collect())
            }
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// Converts from `serde_json::Value`; every node gets [`Span::NONE`].
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::string(s),
            serde_json::Value::Array(a) => Value::List(List::from_vec(
                a.iter()
                    .map(|x| Node::computed(Value::from_json(x)))
                    .collect(),
            )),
            serde_json::Value::Object(o) => {
                let mut b = MapBuilder::with_capacity(o.len());
                for (k, x) in o {
                    b.insert(Arc::from(k.as_str()), Node::computed(Value::from_json(x)));
                }
                Value::Map(b.finish())
            }
        }
    }
}

/// Structural equality: spans are ignored, `1 == 1.0`, maps compare regardless of key order.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            #[expect(
                clippy::cast_precision_loss,
                reason = "mixed int/float equality compares as floats, like JSON numbers"
            )]
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => {
                (*a as f64) == *b
            }
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.value == y.value)
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.get(k).is_some_and(|w| w.value == v.value))
            }
            _ => false,
        }
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl fmt::Display for Value {
    /// Strings print bare; everything else prints as compact JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => f.write_str(s),
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            other => write!(f, "{}", other.to_json()),
        }
    }
}

/// An immutable, shared list of nodes.
#[derive(Clone, Debug, Default)]
pub struct List(Arc<[Node]>);

impl List {
    /// The address of the shared elements: clones of one list share it.
    pub(crate) fn contents_addr(&self) -> usize {
        self.0.as_ptr() as usize
    }

    /// Builds a list from an iterator of known length with one allocation.
    pub(crate) fn from_exact_iter(items: impl ExactSizeIterator<Item = Node>) -> Self {
        List(items.collect())
    }

    /// Builds a list.
    pub fn from_vec(items: Vec<Node>) -> Self {
        List(Arc::from(items))
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The item at `i`.
    pub fn get(&self, i: usize) -> Option<&Node> {
        self.0.get(i)
    }

    /// Iterates over the items.
    pub fn iter(&self) -> std::slice::Iter<'_, Node> {
        self.0.iter()
    }

    /// The items as a slice.
    pub fn as_slice(&self) -> &[Node] {
        &self.0
    }

    /// Whether both lists share the same storage (one is a clone of the other).
    pub fn ptr_eq(&self, other: &List) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Maps with more entries than this get a hash index; smaller ones are searched linearly, which
/// is faster for the handful of keys a Kubernetes object level has.
const MAP_INDEX_THRESHOLD: usize = 16;

// INVARIANT: a map is one exact-size shared slice of its entries, in insertion order; nothing
// else is allocated for it (a 10k-object scan holds some 200,000 maps, and this keeps it within
// its memory budget). A map of more than `MAP_INDEX_THRESHOLD` entries has one hidden entry
// first, whose value lists the positions of the others sorted by key, for binary search; so a
// slice longer than `MAP_INDEX_THRESHOLD + 1` always starts with that index, and a shorter one
// never does.

/// An immutable, shared, insertion-ordered map with string keys.
#[derive(Clone, Default)]
pub struct Map(Arc<[(Str, Node)]>);

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Map {
    /// The address of the shared entries: clones of one map share it.
    pub(crate) fn contents_addr(&self) -> usize {
        self.0.as_ptr() as usize
    }

    /// A map of `entries`, whose keys the caller has checked are distinct. A small map is built
    /// straight into its shared slice.
    pub(crate) fn from_entries<I>(entries: I) -> Map
    where
        I: IntoIterator<Item = (Str, Node)>,
        I::IntoIter: ExactSizeIterator,
    {
        let entries = entries.into_iter();
        if entries.len() <= MAP_INDEX_THRESHOLD {
            return Map(entries.collect());
        }
        let entries: Vec<(Str, Node)> = entries.collect();
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| entries.get(i).map(|(k, _)| k);
            key(a).cmp(&key(b))
        });
        let positions = order
            .into_iter()
            .map(|i| Node::computed(Value::Int(i64::try_from(i).unwrap_or(i64::MAX))))
            .collect();
        let index = (
            Str::default(),
            Node::computed(Value::List(List::from_vec(positions))),
        );
        Map(std::iter::once(index).chain(entries).collect())
    }

    /// The sorted positions (for a map with an index) and the entries.
    fn parts(&self) -> (Option<&List>, &[(Str, Node)]) {
        if self.0.len() > MAP_INDEX_THRESHOLD + 1
            && let Some(((_, first), rest)) = self.0.split_first()
            && let Value::List(order) = &first.value
        {
            return (Some(order), rest);
        }
        (None, &self.0)
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        let (order, entries) = self.parts();
        if let Some(order) = order {
            let at = |n: &Node| match n.value {
                Value::Int(i) => usize::try_from(i).ok().and_then(|i| entries.get(i)),
                _ => None,
            };
            let found = order
                .as_slice()
                .binary_search_by(|n| at(n).map(|(k, _)| &**k).cmp(&Some(key)))
                .ok()?;
            return order.get(found).and_then(at).map(|(_, v)| v);
        }
        entries
            .iter()
            .find(|(k, _)| std::ptr::eq(k.as_ptr(), key.as_ptr()) || &**k == key)
            .map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.parts().1.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the entries in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Str, &Node)> {
        self.parts().1.iter().map(|(k, v)| (k, v))
    }

    /// Whether both maps share the same storage (one is a clone of the other).
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Iterates over the keys in insertion order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Str> {
        self.parts().1.iter().map(|(k, _)| k)
    }
}

/// Builds a [`Map`]. Inserting a key that is already present replaces its value in place.
#[derive(Debug, Default)]
pub struct MapBuilder {
    entries: Vec<(Str, Node)>,
}

impl MapBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        MapBuilder {
            entries: Vec::with_capacity(n),
        }
    }

    /// A builder holding `entries`, whose keys the caller has already checked are distinct (the
    /// YAML loader rejects duplicate keys itself); skips [`MapBuilder::insert`]'s linear search,
    /// which is quadratic for big maps. With a repeated key, lookups find one of the entries.
    pub fn from_distinct_entries(entries: Vec<(Str, Node)>) -> Self {
        MapBuilder { entries }
    }

    /// Whether `key` was inserted already.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| &**k == key)
    }

    /// Inserts or replaces an entry; returns true when the key was new.
    pub fn insert(&mut self, key: Str, value: Node) -> bool {
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
            false
        } else {
            self.entries.push((key, value));
            true
        }
    }

    /// Inserts only when the key is absent (YAML merge keys never override explicit keys).
    pub fn insert_if_absent(&mut self, key: Str, value: Node) {
        if !self.contains_key(&key) {
            self.entries.push((key, value));
        }
    }

    /// The number of entries so far.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry was inserted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Freezes the map.
    pub fn finish(self) -> Map {
        Map::from_entries(self.entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_ignores_spans_and_key_order() {
        let mut a = MapBuilder::new();
        a.insert(Arc::from("x"), Node::new(Value::Int(1), Span::new(3, 5)));
        a.insert(Arc::from("y"), Node::computed(Value::Bool(true)));
        let mut b = MapBuilder::new();
        b.insert(Arc::from("y"), Node::computed(Value::Bool(true)));
        b.insert(Arc::from("x"), Node::computed(Value::Float(1.0)));
        assert_eq!(Value::Map(a.finish()), Value::Map(b.finish()));
    }

    #[test]
    fn large_maps_are_indexed_and_keep_order() {
        let mut b = MapBuilder::new();
        for i in 0..40 {
            b.insert(
                Arc::from(format!("k{i}").as_str()),
                Node::computed(Value::Int(i)),
            );
        }
        let m = b.finish();
        assert_eq!(m.get("k33").map(|n| n.value.clone()), Some(Value::Int(33)));
        assert!(m.get("k40").is_none());
        assert_eq!(
            m.keys().next().map(|k| k.to_string()),
            Some("k0".to_string())
        );
    }

    #[test]
    fn maps_of_every_size_find_every_key_and_keep_order() {
        for n in [0, 1, 15, 16, 17, 18, 40, 100] {
            let mut b = MapBuilder::new();
            for i in (0..n).rev() {
                b.insert(
                    Arc::from(format!("key-{}", i * 7 % 101).as_str()),
                    Node::computed(Value::Int(i)),
                );
            }
            let m = b.finish();
            assert_eq!(m.len(), usize::try_from(n).unwrap());
            assert_eq!(m.is_empty(), n == 0);
            let keys: Vec<String> = m.keys().map(|k| k.to_string()).collect();
            let want: Vec<String> = (0..n)
                .rev()
                .map(|i| format!("key-{}", i * 7 % 101))
                .collect();
            assert_eq!(keys, want, "{n}");
            assert_eq!(m.iter().len(), usize::try_from(n).unwrap());
            for i in 0..n {
                let k = format!("key-{}", i * 7 % 101);
                assert_eq!(
                    m.get(&k).map(|v| v.value.clone()),
                    Some(Value::Int(i)),
                    "{n} {k}"
                );
            }
            for missing in ["", "key-", "key-1000", "zzz", "\u{0}"] {
                assert!(m.get(missing).is_none(), "{n} {missing:?}");
            }
        }
    }

    #[test]
    fn json_round_trip_keeps_integers() {
        let j = serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {"c": -7}});
        assert_eq!(Value::from_json(&j).to_json(), j);
    }
}
