//! The per-scan state shared by every document's evaluation: normalized views and the indexes
//! that cross-document queries (`resources(...)`) read.
//!
//! Indexes are built once per scan, before evaluation, for the targets the rule set queries; a
//! query is then a hash lookup, so a rule that looks at other documents stays linear in the scan.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::builtins::{self, BuiltinError, SelectorForm};
use crate::document::Document;
use crate::eval::{Val, selector_matches};
use crate::ir::Selector;
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
