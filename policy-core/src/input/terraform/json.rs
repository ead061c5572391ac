//! Terraform's JSON configuration syntax (`*.tf.json`, and `terraform.tfvars.json` /
//! `*.auto.tfvars.json` for the files beside them), normalized to the documents of `.tf`
//! source (<https://developer.hashicorp.com/terraform/language/syntax/json>).
//!
//! - `{"resource": {"T": {"N": {...}}}}` is the document of `resource "T" "N"`, `data` alike;
//!   a level may also be an array of such objects, as the syntax allows;
//! - a string is a template: `"${var.cidrs}"` is the value of `var.cidrs` (a list stays a list),
//!   `"arn:${local.x}"` a string whose parts must be known, anything else unknown, as in `.tf`;
//! - JSON does not say which objects are nested blocks and which are map-valued attributes (the
//!   provider schema does, and fourc has none): an object inside a block body reads as one nested
//!   block (a one-element list of maps, as `.tf` gives), except under the keys of
//!   [`MAP_ATTRIBUTES`]; an array of objects is a list of blocks either way;
//! - `"//"` keys are comments and are left out; variable defaults and `.tfvars.json` values are
//!   literal values, not templates (as in Terraform);
//! - `module` calls written in JSON are listed as skipped, not followed.
//!
//! Values sit at the JSON lines, so findings point there.

use std::path::Path;
use std::sync::Arc;

use hcl_edit::expr::{Array, Expression, Object, ObjectKey, ObjectValue};
use hcl_edit::template::{Element, StringTemplate};

use super::expr::{Def, Defs, Eval, Scope, unknown};
use super::{EVAL_BUDGET, TERRAFORM};
use crate::document::{Document, LoadError, LoadOptions, Loaded, ResourceId, Source};
use crate::input::tfplan::respan;
use crate::value::{List, MapBuilder, Node, Span, Value};

/// Attributes whose object value is a map, not a nested block, in the common providers' schemas.
pub const MAP_ATTRIBUTES: [&str; 9] = [
    "tags",
    "tags_all",
    "labels",
    "resource_labels",
    "node_labels",
    "freeform_tags",
    "defined_tags",
    "triggers",
    "for_each",
];

/// Whether a file name is Terraform JSON configuration.
pub(super) fn is_config(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".tf.json")
}

/// Whether a file name is a JSON variable file Terraform loads itself.
pub(super) fn is_auto_vars(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "terraform.tfvars.json" || n.ends_with(".auto.tfvars.json")
}

/// Whether a file name is any JSON variable file.
pub(super) fn is_vars(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".tfvars.json")
}

/// The documents of a `.tf.json` source.
pub(super) fn load(source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
    let parsed = crate::yaml::load_str(source, opts);
    let mut out = Loaded {
        documents: Vec::new(),
        errors: parsed.errors,
        skipped: Vec::new(),
    };
    let path = source.path().unwrap_or(Path::new(source.name()));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some(top) = parsed.documents.first() else {
        return out;
    };
    if is_vars(name) {
        // Read for the configuration beside it; it holds no resource.
        return out;
    }
    let text = top.source().clone();
    let root = top.root();
    if !matches!(root.value, Value::Map(_)) {
        out.errors.push(LoadError::new(
            source.name(),
            1,
            1,
            "invalid Terraform JSON: the top level is not an object".to_string(),
        ));
        return out;
    }
    let mut own = Defs::default();
    if let Ok(j) = serde_json::from_str::<serde_json::Value>(text.text()) {
        add_defs(&mut own, &j);
    }
    let folder = if path.is_file() {
        super::folder_defs(path, opts)
    } else {
        None
    };
    let scope = Scope {
        own,
        folder,
        budget: std::cell::Cell::new(EVAL_BUDGET),
        bound: std::collections::HashMap::new(),
    };
    let mut conv = Convert {
        scope: &scope,
        max_depth: opts.max_depth,
    };
    for kind in ["resource", "data"] {
        for (ty, names) in entries(root.get(kind)) {
            for (name, body) in entries(Some(names)) {
                for b in bodies(body) {
                    let address = match kind {
                        "data" => format!("data.{ty}.{name}"),
                        _ => format!("{ty}.{name}"),
                    };
                    let doc_root = conv.body(b);
                    let id = ResourceId::new(TERRAFORM, &ty)
                        .with_name(&name)
                        .with_address(&address);
                    let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
                    out.documents
                        .push(Document::with_identity(text.clone(), index, doc_root, id));
                }
            }
        }
    }
    for (call, node) in entries(root.get("module")) {
        let (line, col) = text.line_col(node.span.start());
        out.skipped.push(LoadError::new(
            source.name(),
            line,
            col,
            format!(
                "module \"{call}\": module calls in Terraform JSON (.tf.json) are not followed, so its resources were not checked"
            ),
        ));
    }
    out
}

/// The entries of an object, or of every object of an array of objects.
fn entries(n: Option<&Node>) -> Vec<(String, &Node)> {
    let mut out = Vec::new();
    let Some(n) = n else {
        return out;
    };
    let maps: Vec<&Node> = match &n.value {
        Value::List(l) => l.iter().collect(),
        _ => vec![n],
    };
    for m in maps {
        if let Value::Map(m) = &m.value {
            out.extend(
                m.iter()
                    .filter(|(k, _)| &***k != "//")
                    .map(|(k, v)| (k.to_string(), v)),
            );
        }
    }
    out
}

/// The bodies of a block given as an object or an array of objects.
fn bodies(n: &Node) -> Vec<&Node> {
    match &n.value {
        Value::Map(_) => vec![n],
        Value::List(l) => l
            .iter()
            .filter(|x| matches!(x.value, Value::Map(_)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Converts JSON nodes to the values `.tf` source gives.
struct Convert<'s> {
    scope: &'s Scope,
    max_depth: usize,
}

impl Convert<'_> {
    /// A block body: attributes as entries, objects as one nested block each.
    fn body(&mut self, n: &Node) -> Node {
        let Value::Map(m) = &n.value else {
            return self.value(n);
        };
        // Attributes first, then nested blocks, as `.tf` source gives them.
        let mut b = MapBuilder::with_capacity(m.len());
        let mut blocks = Vec::new();
        for (k, v) in m.iter() {
            if &**k == "//" {
                continue;
            }
            match &v.value {
                Value::Map(_) if MAP_ATTRIBUTES.contains(&&**k) => {
                    b.insert(k.clone(), self.value(v));
                }
                Value::Map(_) => {
                    let block = self.body(v);
                    blocks.push((
                        k,
                        Node::new(Value::List(List::from_vec(vec![block])), v.span),
                    ));
                }
                Value::List(l)
                    if !l.is_empty() && l.iter().all(|x| matches!(x.value, Value::Map(_))) =>
                {
                    let items = l.iter().map(|x| self.body(x)).collect();
                    blocks.push((k, Node::new(Value::List(List::from_vec(items)), v.span)));
                }
                _ => {
                    b.insert(k.clone(), self.value(v));
                }
            }
        }
        for (k, v) in blocks {
            b.insert(k.clone(), v);
        }
        Node::new(Value::Map(b.finish()), n.span)
    }

    /// An attribute value: strings evaluated as templates.
    fn value(&mut self, n: &Node) -> Node {
        match &n.value {
            Value::String(s) => self.template(s, n.span),
            Value::Map(m) => {
                let mut b = MapBuilder::with_capacity(m.len());
                for (k, v) in m.iter() {
                    b.insert(k.clone(), self.value(v));
                }
                Node::new(Value::Map(b.finish()), n.span)
            }
            Value::List(l) => {
                let items = l.iter().map(|x| self.value(x)).collect();
                Node::new(Value::List(List::from_vec(items)), n.span)
            }
            _ => Node::new(n.value.clone(), n.span),
        }
    }

    /// A string read as a template, its value at `span`.
    fn template(&mut self, s: &str, span: Span) -> Node {
        if !s.contains("${") && !s.contains("%{") {
            return Node::new(Value::string(s), span);
        }
        let Some(e) = template_expr(s) else {
            return unknown(s, span);
        };
        let mut ev = Eval {
            scope: self.scope,
            text: s,
            depth: 0,
            max_depth: self.max_depth,
        };
        let v = ev.eval(&e);
        // An unknown template without a text of its own (one of several parts) is named by the
        // whole string.
        let unnamed = v.get(super::UNKNOWN).and_then(Node::as_str) == Some("");
        if unnamed {
            return unknown(s, span);
        }
        respan(&v, span)
    }
}

/// The expression of a template string: the interpolated expression itself when the string is
/// one interpolation (`"${var.x}"` keeps the value's type), else the template.
fn template_expr(s: &str) -> Option<Expression> {
    let t = hcl_edit::parser::parse_template(s).ok()?;
    let els: Vec<&Element> = t.iter().collect();
    if let [Element::Interpolation(i)] = els.as_slice() {
        return Some(i.expr.clone());
    }
    Some(Expression::from(StringTemplate::from(t)))
}

/// A JSON value as an expression: strings as templates when `templates`, else literal.
fn json_expr(v: &serde_json::Value, templates: bool) -> Expression {
    match v {
        serde_json::Value::Null => Expression::null(),
        serde_json::Value::Bool(b) => Expression::from(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Expression::from(i),
            (None, Some(f)) => Expression::from(f),
            (None, None) => Expression::null(),
        },
        serde_json::Value::String(s) if templates && (s.contains("${") || s.contains("%{")) => {
            template_expr(s).unwrap_or_else(|| Expression::from(s.as_str()))
        }
        serde_json::Value::String(s) => Expression::from(s.as_str()),
        serde_json::Value::Array(a) => {
            Expression::from(a.iter().map(|x| json_expr(x, templates)).collect::<Array>())
        }
        serde_json::Value::Object(o) => Expression::from(
            o.iter()
                .filter(|(k, _)| k.as_str() != "//")
                .map(|(k, x)| {
                    (
                        ObjectKey::from(Expression::from(k.as_str())),
                        ObjectValue::from(json_expr(x, templates)),
                    )
                })
                .collect::<Object>(),
        ),
    }
}

/// The text a definition's expression is evaluated against: the string itself, whose template
/// the expression's spans index.
fn def(v: &serde_json::Value, templates: bool) -> Def {
    let text = match v {
        serde_json::Value::String(s) => s.as_str(),
        _ => "",
    };
    Def {
        expr: json_expr(v, templates),
        text: Arc::from(text),
    }
}

/// The objects of a value that is an object or an array of objects.
fn objects(v: Option<&serde_json::Value>) -> Vec<&serde_json::Map<String, serde_json::Value>> {
    match v {
        Some(serde_json::Value::Object(o)) => vec![o],
        Some(serde_json::Value::Array(a)) => a.iter().filter_map(|x| x.as_object()).collect(),
        _ => Vec::new(),
    }
}

/// Adds the locals and variable defaults of a `.tf.json` file (first definition wins).
pub(super) fn add_defs(defs: &mut Defs, top: &serde_json::Value) {
    for o in objects(top.get("locals")) {
        for (k, v) in o.iter().filter(|(k, _)| k.as_str() != "//") {
            defs.locals.entry(k.clone()).or_insert_with(|| def(v, true));
        }
    }
    for o in objects(top.get("variable")) {
        for (name, body) in o.iter().filter(|(k, _)| k.as_str() != "//") {
            for b in objects(Some(body)) {
                if let Some(d) = b.get("default") {
                    defs.defaults
                        .entry(name.clone())
                        .or_insert_with(|| def(d, false));
                }
            }
        }
    }
}

/// The values of a `.tfvars.json` file, in file order.
pub(super) fn var_values(top: &serde_json::Value) -> Vec<(String, Def)> {
    objects(Some(top))
        .into_iter()
        .flat_map(|o| o.iter())
        .filter(|(k, _)| k.as_str() != "//")
        .map(|(k, v)| (k.clone(), def(v, false)))
        .collect()
}
