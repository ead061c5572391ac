//! AWS CloudFormation templates (YAML or JSON): one document per entry of `Resources`.
//!
//! Normalization steps of this format:
//! - each resource is a document of its `Type` (`AWS::EKS::Cluster`), named and addressed by
//!   its logical id; its root is the resource entry (`Type`, `Properties`, ...) at its own lines;
//! - intrinsic functions are values known only at deploy time: the short-form tags (`!Ref`,
//!   `!GetAtt`, `!Sub`, `!If`, ...) that the YAML reader would otherwise drop, keeping the bare
//!   scalar (a guess), and the long forms (`{"Ref": ...}`, `{"Fn::GetAtt": ...}`) become the
//!   unknown marker `{"$unknown": "<the text as written>"}`, as in Terraform.

use std::path::Path;
use std::sync::Arc;

use super::{Confidence, InputFormat};
use crate::document::{Document, LoadOptions, Loaded, ResourceId, Source, number_nodes};
use crate::value::{List, MapBuilder, Node, Str, Value};
use crate::yaml;

/// The format name of CloudFormation templates.
pub const CLOUDFORMATION: &str = "cloudformation";

/// CloudFormation templates, recognised by content: `AWSTemplateFormatVersion`, or `Resources`
/// holding a `Type: AWS::...`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CloudFormation;

impl InputFormat for CloudFormation {
    fn name(&self) -> &str {
        CLOUDFORMATION
    }

    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence {
        let ext = crate::input::extension(path);
        let text_like = matches!(
            ext.as_deref(),
            None | Some("yaml" | "yml" | "json" | "template")
        );
        if text_like && looks_like_template(head) {
            Confidence::Content
        } else {
            Confidence::No
        }
    }

    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
        let template = yaml::load_str(source, opts);
        let mut out = Loaded {
            documents: Vec::new(),
            errors: template.errors,
            skipped: Vec::new(),
        };
        for t in &template.documents {
            let Some(Value::Map(resources)) = t.root().get("Resources").map(|r| &r.value) else {
                continue;
            };
            for (name, r) in resources.iter() {
                let Some(ty) = r.get("Type").and_then(Node::as_str) else {
                    continue;
                };
                let root = number_nodes(intrinsics(source.text(), r, 0, opts.max_depth));
                let id = ResourceId::new(CLOUDFORMATION, ty)
                    .with_name(name)
                    .with_address(name);
                let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
                out.documents
                    .push(Document::with_identity(source.clone(), index, root, id));
            }
        }
        out
    }
}

/// Whether the first bytes read as a CloudFormation template.
fn looks_like_template(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.contains("AWSTemplateFormatVersion")
        || ((text.contains("Resources:") || text.contains("\"Resources\""))
            && (text.contains("Type: AWS::")
                || text.contains("Type: \"AWS::")
                || text.contains("Type: 'AWS::")
                || text.contains("\"Type\": \"AWS::")
                || text.contains("\"Type\":\"AWS::")))
}

/// The key of the unknown marker (the same as Terraform's).
pub const UNKNOWN: &str = "$unknown";

/// The short-form intrinsic tags.
const TAGS: &[&str] = &[
    "!Ref",
    "!GetAtt",
    "!Sub",
    "!If",
    "!Join",
    "!Select",
    "!Split",
    "!FindInMap",
    "!ImportValue",
    "!GetAZs",
    "!Base64",
    "!Cidr",
    "!Equals",
    "!Not",
    "!And",
    "!Or",
    "!Condition",
    "!Transform",
    "!ToJsonString",
    "!Length",
];

/// The text of a node's span, after its key when the span starts at one (`Key: !Ref X`).
fn value_text<'t>(text: &'t str, n: &Node, key: Option<&str>) -> &'t str {
    if !n.span.is_known() {
        return "";
    }
    let s = text
        .get(n.span.start() as usize..n.span.end() as usize)
        .unwrap_or("");
    let s = match key {
        Some(k) => {
            let rest = s
                .strip_prefix(k)
                .or_else(|| s.strip_prefix(&format!("\"{k}\"")))
                .or_else(|| s.strip_prefix(&format!("'{k}'")))
                .unwrap_or(s);
            rest.trim_start().strip_prefix(':').unwrap_or(rest)
        }
        None => s,
    };
    s.trim_start()
}

/// Whether a node is written with an intrinsic function: a short-form tag before it, or a map
/// whose only key is `Ref` or `Fn::...`.
fn is_intrinsic(text: &str, n: &Node, key: Option<&str>) -> bool {
    let t = value_text(text, n, key);
    let tagged = TAGS.iter().any(|tag| {
        t.strip_prefix(tag)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
    });
    if tagged {
        return true;
    }
    match &n.value {
        Value::Map(m) => {
            m.len() == 1
                && m.keys()
                    .all(|k| &**k == "Ref" || k.starts_with("Fn::") || &**k == "Condition")
        }
        _ => false,
    }
}

/// The tree with intrinsic functions replaced by unknown markers.
fn intrinsics(text: &str, n: &Node, depth: usize, max: usize) -> Node {
    if depth > max {
        return n.clone();
    }
    let rebuilt = |v: Value| Node::new(v, n.span);
    match &n.value {
        Value::Map(m) => {
            let mut b = MapBuilder::with_capacity(m.len());
            for (k, v) in m.iter() {
                let child = if is_intrinsic(text, v, Some(k)) {
                    unknown(text, v, Some(k))
                } else {
                    intrinsics(text, v, depth + 1, max)
                };
                b.insert(Str::clone(k), child);
            }
            rebuilt(Value::Map(b.finish()))
        }
        Value::List(l) => rebuilt(Value::List(List::from_vec(
            l.iter()
                .map(|v| {
                    if is_intrinsic(text, v, None) {
                        unknown(text, v, None)
                    } else {
                        intrinsics(text, v, depth + 1, max)
                    }
                })
                .collect(),
        ))),
        other => rebuilt(other.clone()),
    }
}

fn unknown(text: &str, n: &Node, key: Option<&str>) -> Node {
    let written = value_text(text, n, key)
        .lines()
        .next()
        .unwrap_or_default()
        .trim();
    let mut m = MapBuilder::with_capacity(1);
    m.insert(
        Str::from(UNKNOWN),
        Node::new(Value::string(written), n.span),
    );
    Node::new(Value::Map(m.finish()), n.span)
}
