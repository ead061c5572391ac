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
//! The document types are the Terraform ones: views and rules written for Terraform source read
//! plans too (the views list both formats).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::{Confidence, InputFormat};
use crate::document::{Document, LoadOptions, Loaded, ResourceId, Source, number_nodes};
use crate::value::{List, MapBuilder, Node, Span, Str, Value};
use crate::yaml;

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
        let plan = yaml::load_str(source, opts);
        let mut out = Loaded {
            documents: Vec::new(),
            errors: plan.errors,
            skipped: Vec::new(),
        };
        for p in &plan.documents {
            let root = p.root();
            let mut unknown: HashMap<&str, &Node> = HashMap::new();
            if let Some(Value::List(changes)) = root.get("resource_changes").map(|c| &c.value) {
                for c in changes.iter() {
                    if let (Some(a), Some(u)) = (
                        c.get("address").and_then(Node::as_str),
                        c.get_path(&["change", "after_unknown"]),
                    ) {
                        unknown.insert(a, u);
                    }
                }
            }
            let values = root.get("planned_values").or_else(|| root.get("values"));
            if let Some(m) = values.and_then(|v| v.get("root_module")) {
                module(source, m, &unknown, opts.max_depth, &mut out);
            }
        }
        out
    }
}

/// The resources of a module and its child modules.
fn module(
    source: &Arc<Source>,
    m: &Node,
    unknown: &HashMap<&str, &Node>,
    depth: usize,
    out: &mut Loaded,
) {
    if depth == 0 {
        return;
    }
    let scope = m.get("address").and_then(Node::as_str);
    if let Some(Value::List(rs)) = m.get("resources").map(|r| &r.value) {
        for r in rs.iter() {
            let (Some(ty), Some(address)) = (
                r.get("type").and_then(Node::as_str),
                r.get("address").and_then(Node::as_str),
            ) else {
                continue;
            };
            let empty = Node::new(Value::Map(MapBuilder::new().finish()), r.span);
            let values = r.get("values").unwrap_or(&empty);
            let values = match unknown.get(address) {
                Some(u) => merge_unknown(values, u, depth),
                None => values.clone(),
            };
            let mut id = ResourceId::new(TERRAFORM_PLAN, ty).with_address(address);
            if let Some(n) = r.get("name").and_then(Node::as_str) {
                id = id.with_name(n);
            }
            if let Some(s) = scope {
                id = id.with_scope(s);
            }
            let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
            out.documents.push(Document::with_identity(
                source.clone(),
                index,
                number_nodes(values),
                id,
            ));
        }
    }
    if let Some(Value::List(children)) = m.get("child_modules").map(|c| &c.value) {
        for c in children.iter() {
            module(source, c, unknown, depth - 1, out);
        }
    }
}

fn marker(span: Span) -> Node {
    let mut m = MapBuilder::with_capacity(1);
    m.insert(
        Str::from(super::cloudformation::UNKNOWN),
        Node::new(Value::string(AFTER_APPLY), span),
    );
    Node::new(Value::Map(m.finish()), span)
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
