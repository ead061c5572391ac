//! The per-scan state shared by every document's evaluation: normalized views and the indexes
//! that cross-document queries (`resources(...)`) read.
//!
//! Indexes are built once per scan, before evaluation, for the targets the rule set queries; a
//! query is then a hash lookup, so a rule that looks at other documents stays linear in the scan.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use crate::builtins::{self, BuiltinError, SelectorForm};
use crate::document::Document;
use crate::eval::{Val, selector_matches};
use crate::ir::{Selector, ValueMatch, ValueStep};
use crate::value::{List, Node, NodeId, Str, Value};
use crate::view::{self, Provenance, ViewBuilder, Views};

/// The namespace a document without `metadata.namespace` lands in when applied.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Views and indexes for one scan.
pub struct Scan<'a> {
    docs: &'a [Document],
    views: &'a Views,
    /// The views of each document that some rule uses, and the provenance of what they built.
    built: Vec<DocViews>,
    /// Per queried target: every matching document, and the same per namespace and per name.
    targets: Vec<TargetIndex>,
    selectors: Vec<Vec<Selector>>,
    /// The documents' indexes in query order: by file, then byte position.
    order: Vec<usize>,
}

/// The documents' indexes ordered by source (its path's bytes), then position in it: the order
/// of `resources(...)`, which so does not depend on the order the inputs were given in.
fn query_order(docs: &[Document]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..docs.len()).collect();
    // Stable: documents of one source given twice keep their input order.
    order.sort_by(|&a, &b| match (docs.get(a), docs.get(b)) {
        (Some(x), Some(y)) => (x.source().key(), x.span().start(), x.index()).cmp(&(
            y.source().key(),
            y.span().start(),
            y.index(),
        )),
        _ => a.cmp(&b),
    });
    order
}

/// The views of one document.
#[derive(Default)]
struct DocViews {
    /// (registry index of the view, its value).
    values: Vec<(usize, Node)>,
    /// The provenance of every node the views built, by [`NodeId`] index.
    provenance: Vec<Provenance>,
}

fn build_views(doc: &Document, views: &Views, used: &[usize]) -> DocViews {
    let mut out = DocViews::default();
    for &vi in used {
        let Some(v) = views.get(vi) else {
            continue;
        };
        if !view::applies(v.as_ref(), doc) {
            continue;
        }
        let mut b = ViewBuilder::new(u32::try_from(vi).unwrap_or(u32::MAX), &mut out.provenance);
        if let Some(n) = v.build(doc, &mut b) {
            out.values.push((vi, n));
        }
    }
    out
}

struct TargetIndex {
    all: Node,
    by_ns: HashMap<Str, Node>,
    by_name: HashMap<Str, Vec<(Option<Str>, usize)>>,
    /// Namespace and position in `all` of each document, in order.
    places: Vec<(Str, usize)>,
    /// The documents by what their selectors require, built by the first `selecting` query.
    selecting: OnceLock<SelectorIndex>,
    /// The documents by their values at a path, one index per path, each built by the first
    /// `resources_with` query of that path.
    by_value: Mutex<HashMap<Str, Arc<OnceLock<ValueIndex>>>>,
}

/// Positions in `all` (ascending, each once) of the documents that hold a value at a path.
type ValueIndex = HashMap<Key, Vec<usize>>;

/// A value as a hash key, equal when the language's `==` says so: spans and key order are
/// ignored, and `1` equals `1.0`. (`NaN` equals nothing, as with `==`, so it is never found.)
#[derive(Debug)]
struct Key(Value);

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state);
    }
}

/// A hash that agrees with `Value`'s equality: numbers hash as floats (an int and a float that
/// compare equal hash alike), and a map's entries combine in an order-independent way.
#[expect(
    clippy::cast_precision_loss,
    reason = "ints hash as the float they compare equal to"
)]
fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    let number = |x: f64, state: &mut H| {
        1u8.hash(state);
        // `-0.0 == 0.0`: both hash as zero.
        (if x == 0.0 { 0.0f64 } else { x }).to_bits().hash(state);
    };
    match v {
        Value::Null => 0u8.hash(state),
        Value::Int(i) => number(*i as f64, state),
        Value::Float(x) => number(*x, state),
        Value::Bool(b) => {
            2u8.hash(state);
            b.hash(state);
        }
        Value::String(s) => {
            3u8.hash(state);
            s.hash(state);
        }
        Value::List(l) => {
            4u8.hash(state);
            l.len().hash(state);
            for n in l.iter() {
                hash_value(&n.value, state);
            }
        }
        Value::Map(m) => {
            5u8.hash(state);
            m.len().hash(state);
            let mut sum = 0u64;
            for (k, n) in m.iter() {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut h);
                hash_value(&n.value, &mut h);
                sum = sum.wrapping_add(h.finish());
            }
            sum.hash(state);
        }
    }
}

/// Calls `f` with every value `steps` reach from `node`.
fn values_at<'n>(node: &'n Node, steps: &[ValueStep], f: &mut impl FnMut(&'n Value)) {
    let Some((first, rest)) = steps.split_first() else {
        f(&node.value);
        return;
    };
    match (first, &node.value) {
        (ValueStep::Key(k), Value::Map(m)) => {
            if let Some(n) = m.get(k) {
                values_at(n, rest, f);
            }
        }
        (ValueStep::Each, Value::List(l)) => {
            for n in l.iter() {
                values_at(n, rest, f);
            }
        }
        _ => {}
    }
}

/// Where the label selector of an object of `kind` lives, and how it reads labels: what
/// `selecting(kind, namespace, labels)` matches. A `NetworkPolicy` without a `podSelector`
/// selects every pod of its namespace, as the API server reads it; any other object without a
/// selector selects nothing.
pub fn selector_of(kind: &str) -> Option<(&'static [&'static str], SelectorForm)> {
    const SPEC_SELECTOR: &[&str] = &["spec", "selector"];
    Some(match kind {
        "NetworkPolicy" => (&["spec", "podSelector"], SelectorForm::Label),
        "Service" | "ReplicationController" => (SPEC_SELECTOR, SelectorForm::Map),
        "PodDisruptionBudget"
        | "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job" => (SPEC_SELECTOR, SelectorForm::Label),
        _ => return None,
    })
}

/// Per namespace, the documents whose selector requires a label, under that label, and the rest.
#[derive(Default)]
struct SelectorIndex {
    by_ns: HashMap<Str, NsSelectors>,
}

#[derive(Default)]
struct NsSelectors {
    /// Positions in `all`, by a (key, value) every object the selector selects carries.
    by_label: HashMap<(Str, Str), Vec<usize>>,
    /// Positions whose selector requires no single label (or does not parse): always read.
    always: Vec<usize>,
}

/// The selector of one document and how it reads labels (an empty selector for a
/// `NetworkPolicy` that names none).
fn selector_node(n: &Node, kind: Option<&str>) -> Option<(Option<Node>, SelectorForm)> {
    let (path, form) = selector_of(kind?)?;
    let sel = n.get_path(path).cloned();
    let unset = sel.as_ref().is_none_or(|s| matches!(s.value, Value::Null));
    let sel = if unset && kind == Some("NetworkPolicy") {
        Some(Node::computed(Value::Map(Default::default())))
    } else {
        sel
    };
    Some((sel, form))
}

impl<'a> Scan<'a> {
    /// Builds the views in `used` (registry indexes) and the indexes for `queried` target lists.
    pub fn new(
        docs: &'a [Document],
        queried: &[Vec<Selector>],
        views: &'a Views,
        used: &[usize],
    ) -> Self {
        let build = |d: &Document| build_views(d, views, used);
        #[cfg(feature = "parallel")]
        let built = {
            use rayon::prelude::*;
            docs.par_iter().map(build).collect::<Vec<_>>()
        };
        #[cfg(not(feature = "parallel"))]
        let built = docs.iter().map(build).collect::<Vec<_>>();
        let mut scan = Scan {
            docs,
            views,
            built,
            targets: Vec::new(),
            selectors: Vec::new(),
            order: if queried.is_empty() {
                Vec::new()
            } else {
                query_order(docs)
            },
        };
        for sels in queried {
            let idx = scan.build(sels);
            scan.targets.push(idx);
            scan.selectors.push(sels.clone());
        }
        scan
    }

    /// The documents of the scan.
    pub fn docs(&self) -> &'a [Document] {
        self.docs
    }

    /// The view registry.
    pub fn views(&self) -> &'a Views {
        self.views
    }

    /// The value of view `name` for document `i`, when the document has one.
    pub fn view(&self, i: usize, name: &str) -> Option<&Node> {
        let vi = self.views.index(name)?;
        self.built
            .get(i)?
            .values
            .iter()
            .find(|(v, _)| *v == vi)
            .map(|(_, n)| n)
    }

    /// The provenance of a node a view of document `i` built.
    pub fn provenance(&self, i: usize, id: NodeId) -> Option<&Provenance> {
        self.built.get(i)?.provenance.get(id.built_index()?)
    }

    /// The node a selector binds for document `i`: the view for a view selector, else the root.
    pub fn bound(&self, i: usize, sel: &Selector) -> Option<&Node> {
        match sel {
            Selector::View(v) => self.view(i, v),
            _ => self.docs.get(i).map(Document::root),
        }
    }

    fn build(&self, sels: &[Selector]) -> TargetIndex {
        let mut all = Vec::new();
        let mut by_ns: HashMap<Str, Vec<Node>> = HashMap::new();
        let mut by_name: HashMap<Str, Vec<(Option<Str>, usize)>> = HashMap::new();
        let mut places = Vec::new();
        for &i in &self.order {
            let Some(d) = self.docs.get(i) else {
                continue;
            };
            let Some(sel) = sels.iter().find(|s| selector_matches(s, d, self.views)) else {
                continue;
            };
            let Some(node) = self.bound(i, sel) else {
                continue;
            };
            let ns = d
                .id()
                .namespace
                .clone()
                .unwrap_or_else(|| Arc::from(DEFAULT_NAMESPACE));
            by_ns.entry(ns.clone()).or_default().push(node.clone());
            places.push((ns, all.len()));
            if let Some(name) = &d.id().name {
                let pos = all.len();
                by_name
                    .entry(name.clone())
                    .or_default()
                    .push((d.id().namespace.clone(), pos));
            }
            all.push(node.clone());
        }
        let list = |v: Vec<Node>| Node::computed(Value::List(List::from_vec(v)));
        TargetIndex {
            all: list(all),
            by_ns: by_ns.into_iter().map(|(k, v)| (k, list(v))).collect(),
            by_name,
            places,
            selecting: OnceLock::new(),
            by_value: Mutex::new(HashMap::new()),
        }
    }

    fn selector_index(ix: &TargetIndex) -> SelectorIndex {
        let mut out = SelectorIndex::default();
        let Value::List(all) = &ix.all.value else {
            return out;
        };
        for (ns, pos) in &ix.places {
            let Some(n) = all.get(*pos) else { continue };
            let kind = n.get("kind").and_then(|k| k.as_str());
            let Some((sel, form)) = selector_node(n, kind) else {
                continue;
            };
            let entry = out.by_ns.entry(ns.clone()).or_default();
            match builtins::required_label(form, sel.as_ref().map(|s| &s.value)) {
                Some((k, v)) => entry
                    .by_label
                    .entry((Str::from(k), Str::from(v)))
                    .or_default()
                    .push(*pos),
                None => entry.always.push(*pos),
            }
        }
        out
    }

    fn value_index(ix: &TargetIndex, steps: &[ValueStep]) -> ValueIndex {
        let mut out: ValueIndex = HashMap::new();
        let Value::List(all) = &ix.all.value else {
            return out;
        };
        for (pos, n) in all.iter().enumerate() {
            values_at(n, steps, &mut |v| {
                if matches!(v, Value::Null) {
                    return;
                }
                let at = out.entry(Key(v.clone())).or_default();
                if at.last() != Some(&pos) {
                    at.push(pos);
                }
            });
        }
        out
    }

    fn index(&self, sels: &[Selector]) -> Option<&TargetIndex> {
        let i = self.selectors.iter().position(|s| s == sels)?;
        self.targets.get(i)
    }

    /// `resources(targets)` or `resources(targets, namespace)`: a list of documents (or views),
    /// ordered by file (path bytes), then position in the file.
    pub fn query(&self, sels: &[Selector], namespace: Option<&str>) -> Val<'_> {
        let Some(ix) = self.index(sels) else {
            return Val::Undef;
        };
        match namespace {
            None => Val::Ref(&ix.all),
            Some(ns) => match ix.by_ns.get(ns) {
                Some(n) => Val::Ref(n),
                None => Val::Own(Node::computed(Value::List(List::default()))),
            },
        }
    }

    /// `selecting(targets, namespace, labels)`: the documents of `namespace` (or of every
    /// namespace) whose selector selects an object with `labels`, in the order of [`Scan::query`]; the same
    /// as filtering [`Scan::query`] with `selector_matches` or `labels_match`, but reading only
    /// the documents whose selectors could match. An error is a selector or labels that do not
    /// parse, with the node at fault.
    pub fn selecting(
        &self,
        sels: &[Selector],
        namespace: Option<&str>,
        labels: Option<&Value>,
    ) -> Result<Val<'_>, (BuiltinError, Option<Node>)> {
        let empty = || Val::Own(Node::computed(Value::List(List::default())));
        let Some(ix) = self.index(sels) else {
            return Ok(Val::Undef);
        };
        let Value::List(all) = &ix.all.value else {
            return Ok(empty());
        };
        let index = ix.selecting.get_or_init(|| Self::selector_index(ix));
        let spaces: Vec<&NsSelectors> = match namespace {
            Some(ns) => index.by_ns.get(ns).into_iter().collect(),
            None => index.by_ns.values().collect(),
        };
        if spaces.is_empty() {
            return Ok(empty());
        }
        // Labels that are not a label set are an error whatever the selectors say.
        builtins::selects(SelectorForm::Map, None, labels).map_err(|e| (e, None))?;
        let mut hits: Vec<usize> = Vec::new();
        for space in spaces {
            hits.extend(&space.always);
            if let Some(Value::Map(m)) = labels {
                for (k, v) in m.iter() {
                    let v = match &v.value {
                        Value::String(s) => s.clone(),
                        Value::Null => Str::from(""),
                        _ => continue,
                    };
                    if let Some(found) = space.by_label.get(&(k.clone(), v)) {
                        hits.extend(found);
                    }
                }
            }
        }
        hits.sort_unstable();
        hits.dedup();
        let mut out = Vec::new();
        for pos in hits {
            let Some(n) = all.get(pos) else { continue };
            let kind = n.get("kind").and_then(|k| k.as_str());
            let Some((sel, form)) = selector_node(n, kind) else {
                continue;
            };
            let sel_value = sel.as_ref().map(|s| &s.value);
            match builtins::selects(form, sel_value, labels) {
                Ok(true) => out.push(n.clone()),
                Ok(false) => {}
                Err(e) => return Err((e, sel.filter(|s| s.span.is_known()))),
            }
        }
        Ok(Val::Own(Node::computed(Value::List(List::from_vec(out)))))
    }

    /// `resources_with(targets, namespace, path, value)`: the documents of `namespace` (or of
    /// every namespace) that hold `value` at a place `path` reaches, in the order of
    /// [`Scan::query`]; the same as filtering [`Scan::query`] with `==`, through an index of the
    /// documents by their values at `path`, built on the first query of that path. Undefined
    /// and `null` find nothing.
    pub fn with_value(
        &self,
        sels: &[Selector],
        namespace: Option<&str>,
        m: &ValueMatch,
        value: Option<&Value>,
    ) -> Val<'_> {
        let empty = || Val::Own(Node::computed(Value::List(List::default())));
        let Some(ix) = self.index(sels) else {
            return Val::Undef;
        };
        let Some(value) = value.filter(|v| !matches!(v, Value::Null)) else {
            return empty();
        };
        let Value::List(all) = &ix.all.value else {
            return empty();
        };
        // A worker that panicked while holding the lock left the map whole: use it.
        let cell = ix
            .by_value
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(m.path.clone())
            .or_default()
            .clone();
        let index = cell.get_or_init(|| Self::value_index(ix, &m.steps));
        let Some(hits) = index.get(&Key(value.clone())) else {
            return empty();
        };
        let out: Vec<Node> = hits
            .iter()
            .filter(|&&pos| {
                namespace.is_none_or(|want| {
                    ix.places
                        .get(pos)
                        .is_some_and(|(ns, _)| ns.as_ref() == want)
                })
            })
            .filter_map(|&pos| all.get(pos).cloned())
            .collect();
        Val::Own(Node::computed(Value::List(List::from_vec(out))))
    }

    /// `resource(targets, namespace, name)`: one document, or undefined. A null namespace
    /// matches any namespace; `default` also matches documents that name none.
    pub fn lookup(&self, sels: &[Selector], namespace: Option<&str>, name: &str) -> Val<'_> {
        let Some(ix) = self.index(sels) else {
            return Val::Undef;
        };
        let Some(cands) = ix.by_name.get(name) else {
            return Val::Undef;
        };
        let Value::List(all) = &ix.all.value else {
            return Val::Undef;
        };
        cands
            .iter()
            .find(|(ns, _)| match namespace {
                None => true,
                Some(want) => ns.as_deref().unwrap_or(DEFAULT_NAMESPACE) == want,
            })
            .and_then(|(_, pos)| all.get(*pos))
            .map_or(Val::Undef, Val::Ref)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

    use std::collections::hash_map::DefaultHasher;

    use super::*;
    use crate::ir::parse_value_path;

    fn hash(v: &Value) -> u64 {
        let mut h = DefaultHasher::new();
        Key(v.clone()).hash(&mut h);
        h.finish()
    }

    /// A map with its keys in the order given.
    fn map(entries: &[(&str, Value)]) -> Value {
        let mut b = crate::value::MapBuilder::with_capacity(entries.len());
        for (k, v) in entries {
            b.insert(Arc::from(*k), Node::computed(v.clone()));
        }
        Value::Map(b.finish())
    }

    #[test]
    fn keys_that_compare_equal_hash_alike() {
        let pairs = [
            (Value::Int(80), Value::Float(80.0)),
            (Value::Float(0.0), Value::Float(-0.0)),
            (Value::Int(0), Value::Float(-0.0)),
            (
                map(&[
                    ("app", Value::String("web".into())),
                    ("tier", Value::Int(1)),
                ]),
                map(&[
                    ("tier", Value::Float(1.0)),
                    ("app", Value::String("web".into())),
                ]),
            ),
        ];
        for (a, b) in pairs {
            assert_eq!(a, b);
            assert_eq!(Key(a.clone()), Key(b.clone()));
            assert_eq!(hash(&a), hash(&b), "{a} and {b}");
        }
        assert_ne!(Key(Value::String("80".into())), Key(Value::Int(80)));
        assert_ne!(Key(Value::Null), Key(Value::Bool(false)));
    }

    #[test]
    fn paths_parse_into_steps() {
        let steps = parse_value_path(r#"spec.rules[].host"#).unwrap();
        assert_eq!(
            steps,
            [
                ValueStep::Key("spec".into()),
                ValueStep::Key("rules".into()),
                ValueStep::Each,
                ValueStep::Key("host".into()),
            ]
        );
        let steps = parse_value_path(r#"metadata.labels["app.kubernetes.io/name"]"#).unwrap();
        assert_eq!(
            steps.last(),
            Some(&ValueStep::Key("app.kubernetes.io/name".into()))
        );
        assert_eq!(parse_value_path("items[][]").unwrap().len(), 3);
        for bad in ["", ".a", "a..b", "a.", "a b", "a[0]", r#"a["b"#, "a[]b"] {
            assert!(parse_value_path(bad).is_err(), "{bad}");
        }
    }
}
