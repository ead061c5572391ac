//! Terraform plan JSON (`terraform show -json PLAN`, and state JSON of the same shape): one
//! document per resource of `planned_values` (or `values`), child modules included.
//!
//! Normalization steps of this format:
//! - a resource is a document of its `type` with its `name`, its `address`
//!   (`module.eks.aws_eks_cluster.main`) and its module's address as the scope; its root is the
//!   resource's `values` object, at its own JSON lines, so findings point at the JSON path of the
//!   value. Nested blocks are arrays of objects there, as the Terraform source format reads them;
//! - a value the plan knows only after apply (`true` in `resource_changes[].change.after_unknown`)
//!   is the unknown marker `{"$unknown": "known after apply"}` where `planned_values` leaves it
//!   out, so no view takes a provider default for it.
//!
//! - when the plan file sits in the folder of the configuration it was made from (where
//!   `terraform show -json` runs), the resource blocks of that folder's `.tf` files, local
//!   modules followed, are matched to the planned resources by address (`[index]` keys of
//!   `count` and `for_each` aside): such a document is read at the `.tf` file, each value at the
//!   span of the attribute or block that wrote it (a value the source does not write, at its
//!   nearest enclosing one), so findings point at the `.tf` line. A resource with no matching
//!   block stays at the plan's JSON lines.
//!
//! The plan is read in one pass by the picking JSON reader, which builds only what the documents
//! hold (each resource's address, type, name and `values`, each change's `after_unknown`) and
//! checks the rest as JSON without building it (`prior_state`, `configuration`, the `before` and
//! `after` of each change); a resource's `values` becomes its document without a copy.
//!
//! The document types are the Terraform ones: views and rules written for Terraform source read
//! plans too (the views list both formats).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::{Confidence, InputFormat};
use crate::document::{Document, LoadError, LoadOptions, Loaded, ResourceId, Source};
use crate::value::{List, MapBuilder, Node, NodeId, Span, Str, Value};
use crate::yaml::{self, Pick};

/// The format name of Terraform plans.
pub const TERRAFORM_PLAN: &str = "terraform-plan";

/// The text of the unknown marker of a value known only after apply.
const AFTER_APPLY: &str = "known after apply";

/// Terraform plan (and state) JSON, recognised by content: `format_version` with
/// `terraform_version`, `planned_values` or `resource_changes`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TerraformPlan;

impl InputFormat for TerraformPlan {
    fn name(&self) -> &str {
        TERRAFORM_PLAN
    }

    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence {
        let json = path
            .and_then(|p| p.extension())
            .is_none_or(|e| e.eq_ignore_ascii_case("json"));
        let text = String::from_utf8_lossy(head);
        let plan = text.contains("\"format_version\"")
            && (text.contains("\"terraform_version\"")
                || text.contains("\"planned_values\"")
                || text.contains("\"resource_changes\""));
        if json && plan {
            Confidence::Content
        } else {
            Confidence::No
        }
    }

    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
        let mut out = Loaded::default();
        // Each resource change is read on its own and only its `after_unknown` kept, by the
        // address as read: the changes are never a tree of their own beside the resources.
        let mut unknown: HashMap<Str, Node> = HashMap::new();
        let read = yaml::read_picked_each(source, opts, &PLAN, &mut |change| {
            if let (Some(Value::String(a)), Some(u)) = (
                change.node.get("address").map(|a| &a.value),
                change.node.get_path(&["change", "after_unknown"]),
            ) {
                unknown.insert(a.clone(), u.clone());
            }
        });
        let root = match read {
            Ok(root) => root,
            Err(e) => {
                out.errors.push(e);
                return out;
            }
        };
        if !matches!(root.value, Value::Map(_)) {
            let (line, col) = source.line_col(root.span.start());
            let mut e = LoadError::new(source.name(), line, col, "a plan is a JSON object");
            e.path = source.path_arc().cloned();
            out.errors.push(e);
            return out;
        }
        let values = root.get("planned_values").or_else(|| root.get("values"));
        let Some(module) = values.and_then(|v| v.get("root_module")).cloned() else {
            return out;
        };
        // The picked tree is taken apart as its resources become documents: each resource's
        // `values` is shared with its document (or copied where it changes, then dropped), so
        // the plan's tree and the documents are never both whole in memory.
        drop(root);
        let mut resources = Vec::new();
        collect_resources(&module, opts.max_depth, &mut resources);
        drop(module);
        let blocks = configuration_blocks(source.path().unwrap_or(Path::new(source.name())), opts);
        let plan = Plan {
            source,
            blocks: &blocks,
            format: Str::from(TERRAFORM_PLAN),
        };
        out.documents.reserve_exact(resources.len());
        for (scope, depth, r) in resources {
            plan.resource(scope.as_ref(), depth, r, &mut unknown, &mut out);
        }
        out
    }
}

/// What a plan is read for: the resources of `planned_values` (or a state's `values`), child
/// modules included, with their address, type, name and values; and each resource change's
/// `after_unknown`. `prior_state`, `configuration`, the `before` and `after` of each change
/// and everything else is checked as JSON and passed over.
static PLAN: Pick = Pick::Keys(&[
    ("planned_values", &VALUES),
    ("values", &VALUES),
    ("resource_changes", &Pick::Each(&CHANGE)),
]);
static VALUES: Pick = Pick::Keys(&[("root_module", &MODULE)]);
static MODULE: Pick = Pick::Keys(&[
    ("address", &Pick::All),
    ("resources", &RESOURCE),
    ("child_modules", &MODULE),
]);
static RESOURCE: Pick = Pick::Keys(&[
    ("address", &Pick::All),
    ("type", &Pick::All),
    ("name", &Pick::All),
    ("values", &Pick::Doc(&Pick::All)),
]);
static CHANGE: Pick = Pick::Keys(&[("address", &Pick::All), ("change", &AFTER_UNKNOWN)]);
static AFTER_UNKNOWN: Pick = Pick::Keys(&[("after_unknown", &Pick::All)]);

/// The resources of a module and its child modules, in order, each with its module's address
/// and the depth left for its values.
fn collect_resources(m: &Node, depth: usize, out: &mut Vec<(Option<Str>, usize, Node)>) {
    if depth == 0 {
        return;
    }
    let scope = m.get("address").and_then(Node::as_str).map(Str::from);
    if let Some(Value::List(rs)) = m.get("resources").map(|r| &r.value) {
        for r in rs.iter() {
            out.push((scope.clone(), depth, r.clone()));
        }
    }
    if let Some(Value::List(children)) = m.get("child_modules").map(|c| &c.value) {
        for c in children.iter() {
            collect_resources(c, depth - 1, out);
        }
    }
}

/// The resource blocks of a configuration, by address: each block's source and tree.
type Blocks = HashMap<String, (Arc<Source>, Node)>;

/// What the resources of one plan are read with.
struct Plan<'a> {
    source: &'a Arc<Source>,
    blocks: &'a Blocks,
    /// The format name, shared by every document's identity.
    format: Str,
}

impl Plan<'_> {
    /// One resource of a module as a document.
    fn resource(
        &self,
        scope: Option<&Str>,
        depth: usize,
        r: Node,
        unknown: &mut HashMap<Str, Node>,
        out: &mut Loaded,
    ) {
        let (Some(ty), Some(address)) = (
            r.get("type").and_then(Node::as_str),
            r.get("address").and_then(Node::as_str),
        ) else {
            return;
        };
        let values = match r.get("values") {
            Some(v) => v.clone(),
            None => Node::new(Value::Map(MapBuilder::new().finish()), r.span),
        };
        // Each change is used once: dropped as its resource becomes a document.
        let values = match unknown.remove(address) {
            Some(u) => with_unknown(values, &u, depth),
            None => values,
        };
        // The identity shares the strings the plan was read with (a 50 MB plan has some 50,000
        // resources).
        let text = |n: Option<&Node>| match n.map(|n| &n.value) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let mut id = ResourceId::new(TERRAFORM_PLAN, ty);
        id.format = self.format.clone();
        id.kind = text(r.get("type"));
        id.address = text(r.get("address"));
        id.name = text(r.get("name"));
        id.namespace = scope.cloned();
        let (src, values) = match self.blocks.get(&without_keys(address)) {
            Some((src, block)) => (src.clone(), at_source(&values, block, depth)),
            None => (self.source.clone(), values),
        };
        let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
        // A root numbered as the plan was read is kept as it is; one that changed is numbered
        // again.
        out.documents
            .push(Document::with_identity(src, index, values, id));
    }
}

/// An address without the `[0]` / `["key"]` instance keys of `count` and `for_each`, at every
/// level (`module.x["a"].module.y[0].aws_iam_role.r[1]` is `module.x.module.y.aws_iam_role.r`,
/// the address of the block in its module's configuration). A key is a quoted string in which
/// `\"` and `\\` are escapes, so a key holding `"`, `]` or `.` is dropped whole.
fn without_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in address.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The resource blocks of the `.tf` files beside a plan read from disk, local modules
/// followed; none when the plan has no configuration beside it.
#[cfg(feature = "terraform")]
fn configuration_blocks(plan: &Path, opts: &LoadOptions) -> Blocks {
    let mut blocks = Blocks::new();
    if !plan.is_file() {
        return blocks;
    }
    let dir = plan.parent().filter(|d| !d.as_os_str().is_empty());
    let Ok(entries) = std::fs::read_dir(dir.unwrap_or(Path::new("."))) else {
        return blocks;
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
        .collect();
    paths.sort();
    for p in paths {
        // A configuration file that cannot be read is reported when it is scanned itself.
        let Ok(src) = yaml::read_path(&p, opts) else {
            continue;
        };
        for d in super::InputFormat::load(&super::terraform::Terraform, &src, opts).documents {
            if let Some(a) = d.id().address.as_deref() {
                blocks
                    .entry(a.to_string())
                    .or_insert_with(|| (d.source().clone(), d.root().clone()));
            }
        }
    }
    blocks
}

#[cfg(not(feature = "terraform"))]
fn configuration_blocks(_plan: &Path, _opts: &LoadOptions) -> Blocks {
    Blocks::new()
}

/// `values` with every node at the span of the node of the `.tf` block at the same path, or at
/// its nearest enclosing one.
fn at_source(values: &Node, block: &Node, depth: usize) -> Node {
    let value = if depth == 0 {
        values.value.clone()
    } else {
        match &values.value {
            Value::Map(m) => {
                let mut b = MapBuilder::with_capacity(m.len());
                for (k, v) in m.iter() {
                    let child = match block.get(k) {
                        Some(c) => at_source(v, c, depth - 1),
                        None => respan(v, block.span),
                    };
                    b.insert(k.clone(), child);
                }
                Value::Map(b.finish())
            }
            Value::List(l) => {
                let items = l
                    .iter()
                    .enumerate()
                    .map(|(i, v)| match &block.value {
                        Value::List(bl) => match bl.get(i) {
                            Some(c) => at_source(v, c, depth - 1),
                            None => respan(v, block.span),
                        },
                        _ => respan(v, block.span),
                    })
                    .collect();
                Value::List(List::from_vec(items))
            }
            other => other.clone(),
        }
    };
    Node::new(value, block.span)
}

/// The same tree with every node at `span` (a value read from elsewhere, shown where it is
/// used).
pub(crate) fn respan(n: &Node, span: Span) -> Node {
    let value = match &n.value {
        Value::Map(m) => {
            let mut b = MapBuilder::with_capacity(m.len());
            for (k, v) in m.iter() {
                b.insert(k.clone(), respan(v, span));
            }
            Value::Map(b.finish())
        }
        Value::List(l) => Value::List(List::from_vec(l.iter().map(|v| respan(v, span)).collect())),
        other => other.clone(),
    };
    Node::new(value, span)
}

/// The key and text of the unknown marker, shared by every marker (a plan has one or two a
/// resource).
static MARKER: std::sync::LazyLock<(Str, Str)> = std::sync::LazyLock::new(|| {
    (
        Str::from(super::cloudformation::UNKNOWN),
        Str::from(AFTER_APPLY),
    )
});

fn marker(span: Span) -> Node {
    let mut m = MapBuilder::with_capacity(1);
    m.insert(
        MARKER.0.clone(),
        Node::new(Value::String(MARKER.1.clone()), span),
    );
    Node::new(Value::Map(m.finish()), span)
}

/// `values` with an unknown marker wherever `after_unknown` says `true`. The usual case, where
/// only top-level attributes the plan leaves out are unknown (`id`, `arn`), appends their
/// markers after the last node, so the rest of the tree keeps its numbering and is shared;
/// anything else is merged into a new tree (numbered again as a document).
fn with_unknown(values: Node, unk: &Node, depth: usize) -> Node {
    if !has_unknown(unk, depth) {
        return values;
    }
    if let (Value::Map(vm), Value::Map(um)) = (&values.value, &unk.value)
        && values.id.is_document()
        && depth > 0
    {
        let appended_only = um.iter().all(|(k, u)| match vm.get(k) {
            Some(_) => !has_unknown(u, depth - 1),
            None => true,
        });
        if appended_only {
            let mut next = last_id(&values).saturating_add(1);
            let mut entries: Vec<(Str, Node)> =
                vm.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            for (k, u) in um.iter() {
                if !vm.contains_key(k) && matches!(u.value, Value::Bool(true)) {
                    let mut m = marker(values.span);
                    m.id = NodeId(next);
                    if let Value::Map(inner) = &m.value {
                        let numbered = inner
                            .iter()
                            .map(|(ik, iv)| {
                                (
                                    ik.clone(),
                                    Node::with_id(
                                        iv.value.clone(),
                                        iv.span,
                                        NodeId(next.saturating_add(1)),
                                    ),
                                )
                            })
                            .collect();
                        m.value = Value::Map(MapBuilder::from_distinct_entries(numbered).finish());
                    }
                    next = next.saturating_add(2);
                    entries.push((k.clone(), m));
                }
            }
            return Node::with_id(
                Value::Map(MapBuilder::from_distinct_entries(entries).finish()),
                values.span,
                values.id,
            );
        }
    }
    merge_unknown(&values, unk, depth)
}

/// Whether `after_unknown` says `true` anywhere.
fn has_unknown(unk: &Node, depth: usize) -> bool {
    match &unk.value {
        Value::Bool(true) => true,
        _ if depth == 0 => false,
        Value::Map(m) => m.iter().any(|(_, u)| has_unknown(u, depth - 1)),
        Value::List(l) => l.iter().any(|u| has_unknown(u, depth - 1)),
        _ => false,
    }
}

/// The greatest id of a tree numbered in pre-order: its last node's.
fn last_id(n: &Node) -> u32 {
    let mut cur = n;
    loop {
        let next = match &cur.value {
            Value::Map(m) => m.iter().last().map(|(_, v)| v),
            Value::List(l) => l.as_slice().last(),
            _ => None,
        };
        match next {
            Some(c) => cur = c,
            None => return cur.id.0,
        }
    }
}

/// `values` with an unknown marker wherever `after_unknown` says `true`.
fn merge_unknown(values: &Node, unk: &Node, depth: usize) -> Node {
    if depth == 0 {
        return values.clone();
    }
    match (&values.value, &unk.value) {
        (_, Value::Bool(true)) => marker(values.span),
        (Value::Map(vm), Value::Map(um)) => {
            let mut b = MapBuilder::with_capacity(vm.len() + um.len());
            for (k, v) in vm.iter() {
                let merged = match um.get(k) {
                    Some(u) => merge_unknown(v, u, depth - 1),
                    None => v.clone(),
                };
                b.insert(k.clone(), merged);
            }
            for (k, u) in um.iter() {
                if !vm.contains_key(k) && matches!(u.value, Value::Bool(true)) {
                    b.insert(k.clone(), marker(values.span));
                }
            }
            Node::new(Value::Map(b.finish()), values.span)
        }
        (Value::List(vl), Value::List(ul)) => {
            let items = vl
                .iter()
                .enumerate()
                .map(|(i, v)| match ul.get(i) {
                    Some(u) => merge_unknown(v, u, depth - 1),
                    None => v.clone(),
                })
                .collect();
            Node::new(Value::List(List::from_vec(items)), values.span)
        }
        _ => values.clone(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

    use super::*;

    /// Every node's id, in pre-order.
    fn ids(n: &Node, out: &mut Vec<u32>) {
        out.push(n.id.0);
        match &n.value {
            Value::Map(m) => m.iter().for_each(|(_, v)| ids(v, out)),
            Value::List(l) => l.iter().for_each(|v| ids(v, out)),
            _ => {}
        }
    }

    #[test]
    fn resources_sit_at_their_values_with_unknowns_and_numbered_from_one() {
        let text = r#"{"format_version": "1.2", "terraform_version": "1.9.5",
 "prior_state": {"values": {"root_module": {"resources": [{"address": "aws_x.old", "type": "aws_x", "values": {}}]}}},
 "planned_values": {"root_module": {"resources": [
  {"address": "aws_x.a", "type": "aws_x", "name": "a", "values": {"p": true,
    "q": [1, 2]}},
  {"address": "aws_x.b", "type": "aws_x", "name": "b", "values": {"p": false, "n": {"m": 1}}}]}},
 "resource_changes": [
  {"address": "aws_x.a", "change": {"before": null, "after": {"p": "not this one"}, "after_unknown": {"id": true, "arn": true}}},
  {"address": "aws_x.b", "change": {"after_unknown": {"n": {"k": true}}}}],
 "configuration": {"root_module": {}}}"#;
        let l = TerraformPlan.load(&Source::new("plan.json", text), &LoadOptions::default());
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert_eq!(l.documents.len(), 2, "prior_state is not read");
        let a = &l.documents[0];
        assert_eq!(a.id().address.as_deref(), Some("aws_x.a"));
        assert_eq!(a.source().line_col(a.span().start()).0, 4);
        let q = a.root().get("q").unwrap();
        assert_eq!(
            a.source().line_col(q.span.start()).0,
            5,
            "values at their JSON line"
        );
        assert_eq!(a.root().get("p").unwrap().value, Value::Bool(true));
        for k in ["id", "arn"] {
            assert_eq!(
                a.root().get_path(&[k, "$unknown"]).and_then(Node::as_str),
                Some(AFTER_APPLY)
            );
        }
        let b = &l.documents[1];
        assert_eq!(
            b.root()
                .get_path(&["n", "k", "$unknown"])
                .and_then(Node::as_str),
            Some(AFTER_APPLY),
            "a nested unknown is merged"
        );
        for d in &l.documents {
            let mut got = Vec::new();
            ids(d.root(), &mut got);
            let want: Vec<u32> = (1..=u32::try_from(got.len()).unwrap()).collect();
            assert_eq!(got, want, "{}", d.id());
        }
    }

    #[test]
    fn instance_keys_are_dropped_from_addresses() {
        assert_eq!(without_keys("aws_x.y[0]"), "aws_x.y");
        assert_eq!(
            without_keys("module.m[\"a]b\"].aws_x.y[\"k\"]"),
            "module.m.aws_x.y"
        );
        assert_eq!(without_keys("module.m.aws_x.y"), "module.m.aws_x.y");
        assert_eq!(
            without_keys("module.x[\"a\"].module.y[0].aws_iam_role.r[1]"),
            "module.x.module.y.aws_iam_role.r"
        );
        assert_eq!(
            without_keys(r#"module.q["say \"hi]\" \\"].data.aws_x.y["k.v"]"#),
            "module.q.data.aws_x.y"
        );
    }

    #[test]
    fn values_take_the_span_of_the_block_or_its_nearest_enclosing_node() {
        let at = |a: u32, b: u32| Span::of_range(a as usize..b as usize);
        let leaf = |v: Value, s: Span| Node::new(v, s);
        let mut bm = MapBuilder::new();
        bm.insert(Str::from("a"), leaf(Value::Int(1), at(5, 6)));
        let block = Node::new(Value::Map(bm.finish()), at(0, 10));
        let mut pm = MapBuilder::new();
        pm.insert(Str::from("a"), leaf(Value::Int(1), at(100, 101)));
        pm.insert(Str::from("b"), leaf(Value::Int(2), at(200, 201)));
        let plan = Node::new(Value::Map(pm.finish()), at(90, 300));
        let out = at_source(&plan, &block, 8);
        assert_eq!(out.span, at(0, 10));
        assert_eq!(out.get("a").unwrap().span, at(5, 6));
        assert_eq!(
            out.get("b").unwrap().span,
            at(0, 10),
            "not written: the block"
        );
        assert_eq!(
            out.get("b").unwrap().value,
            Value::Int(2),
            "the plan's value"
        );
    }
}
