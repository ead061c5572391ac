//! Terraform source: `*.tf` files (and the `*.tfvars` that feed them), one document per
//! `resource` and `data` block.
//!
//! Parsed with [`hcl_edit`], chosen because it is the maintained HCL crate that keeps the byte
//! span of every attribute, block and expression (findings land on the user's line and column),
//! parses the whole HCL2 syntax (templates, heredocs, `for` expressions) without evaluating it,
//! and is pure Rust with a small dependency tree (`winnow`, `hcl-primitives`, `vecmap-rs`). It is
//! behind the `terraform` feature of policy-core, on by default.
//!
//! Normalization steps of this format:
//! - a `resource "T" "N"` block is a document of type `T`, name `N`, address `T.N`; a
//!   `data "T" "N"` block is a document of type `T` with address `data.T.N`;
//! - attributes are map entries, nested blocks are lists of maps under the block's name (a
//!   `dynamic "x"` block contributes its `content` under `x`);
//! - a Terraform folder is one unit: `var.*` resolves against `terraform.tfvars`,
//!   `*.auto.tfvars` and variable defaults, `local.*` against every `locals` block of the `.tf`
//!   files in the same folder (read from disk beside the source); what a static reader cannot
//!   know is an unknown marker (see [`expr`]), never a guess;
//! - `jsonencode(x)` reads as `x` itself, so policy documents are structures.
//!
//! Module calls are not followed: resources of a `module` block are not read.

mod expr;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::structure::{Block, Body, Structure};

use expr::{Def, Eval, Scope, span_of};
pub use expr::{UNKNOWN, is_unknown};

use super::{Confidence, InputFormat};
use crate::document::{Document, LoadError, LoadOptions, Loaded, ResourceId, Source};
use crate::value::{List, MapBuilder, Node, Str, Value};

/// The format name of Terraform source.
pub const TERRAFORM: &str = "terraform";

/// Terraform source files (`*.tf`, `*.tfvars`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Terraform;

/// How many expressions one source may evaluate, references followed included.
const EVAL_BUDGET: usize = 1_000_000;

impl InputFormat for Terraform {
    fn name(&self) -> &str {
        TERRAFORM
    }

    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence {
        let ext = path
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("tf" | "tfvars") => Confidence::Name,
            _ if looks_like_hcl(head) => Confidence::Content,
            _ => Confidence::No,
        }
    }

    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
        let mut out = Loaded::default();
        let body = match hcl_edit::parser::parse_body(source.text()) {
            Ok(b) => b,
            Err(e) => {
                let loc = e.location();
                out.errors.push(LoadError {
                    source_name: source.name_arc().clone(),
                    line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
                    col: u32::try_from(loc.column()).unwrap_or(u32::MAX),
                    message: format!("invalid Terraform: {}", e.message()),
                });
                return out;
            }
        };
        let path = Path::new(source.name());
        if path.extension().is_some_and(|e| e == "tfvars") {
            // Read for the `.tf` files beside it; it holds no resource.
            return out;
        }
        let scope = folder_scope(path, source.text(), &body, opts);
        let mut ev = Eval {
            scope: &scope,
            text: source.text(),
            depth: 0,
            max_depth: opts.max_depth,
        };
        for block in body.blocks() {
            let kind = block.ident.value().as_str();
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            let (ty, name, address) = match (kind, labels.as_slice()) {
                ("resource", [ty, name]) => (*ty, *name, format!("{ty}.{name}")),
                ("data", [ty, name]) => (*ty, *name, format!("data.{ty}.{name}")),
                _ => continue,
            };
            let root = block_node(&mut ev, block);
            let id = ResourceId::new(TERRAFORM, ty)
                .with_name(name)
                .with_address(&address);
            let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
            out.documents
                .push(Document::with_identity(source.clone(), index, root, id));
        }
        out
    }
}

/// Whether the first bytes read as Terraform: a line opening a `resource`, `data`, `variable`,
/// `locals`, `provider`, `module` or `terraform` block.
fn looks_like_hcl(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.lines().any(|l| {
        let l = l.trim_start();
        [
            "resource \"",
            "data \"",
            "variable \"",
            "provider \"",
            "module \"",
        ]
        .iter()
        .any(|p| l.starts_with(p))
            || l.starts_with("locals {")
            || l.starts_with("terraform {")
    })
}

/// A block's body as a map: attributes as entries, nested blocks as lists of maps.
fn block_node(ev: &mut Eval<'_>, block: &Block) -> Node {
    body_node(ev, &block.body, span_of(block.span()))
}

fn body_node(ev: &mut Eval<'_>, body: &Body, span: crate::value::Span) -> Node {
    let mut m = MapBuilder::with_capacity(body.len());
    let mut nested: Vec<(Str, Vec<Node>)> = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let mut v = ev.eval(&a.value);
                // A scalar's span starts at its key, as in the YAML loader.
                if !matches!(v.value, Value::Map(_) | Value::List(_)) {
                    v.span = span_of(a.span());
                }
                m.insert(Str::from(a.key.value().as_str()), v);
            }
            Structure::Block(b) => {
                let ident = b.ident.value().as_str();
                let (name, node) = if ident == "dynamic" {
                    let Some(label) = b.labels.first() else {
                        continue;
                    };
                    let content = b.body.get_blocks("content").next();
                    let node = match content {
                        Some(c) => body_node(ev, &c.body, span_of(b.span())),
                        None => continue,
                    };
                    (label.as_str().to_string(), node)
                } else {
                    (ident.to_string(), block_node(ev, b))
                };
                match nested.iter_mut().find(|(k, _)| **k == *name) {
                    Some((_, v)) => v.push(node),
                    None => nested.push((Str::from(name), vec![node])),
                }
            }
        }
    }
    for (k, items) in nested {
        let span = items.first().map_or(crate::value::Span::NONE, |n| n.span);
        m.insert(k, Node::new(Value::List(List::from_vec(items)), span));
    }
    Node::new(Value::Map(m.finish()), span)
}

/// Variables and locals of the folder of `path`: this source's own, then the other `.tf` files
/// beside it, with values from `terraform.tfvars` and `*.auto.tfvars` overriding defaults.
fn folder_scope(path: &Path, text: &str, body: &Body, opts: &LoadOptions) -> Scope {
    let mut scope = Scope {
        vars: HashMap::new(),
        locals: HashMap::new(),
        budget: std::cell::Cell::new(EVAL_BUDGET),
    };
    let own: Arc<str> = Arc::from(text);
    add_defs(&mut scope, body, &own);
    let mut tfvars: Vec<(String, Body, Arc<str>)> = Vec::new();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    if path.is_file()
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            if f.file_name() == path.file_name() || !f.is_file() {
                continue;
            }
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let is_tf = name.ends_with(".tf");
            let is_vars = name == "terraform.tfvars" || name.ends_with(".auto.tfvars");
            if !is_tf && !is_vars {
                continue;
            }
            let small = std::fs::metadata(&f).is_ok_and(|m| m.len() <= opts.max_bytes);
            let Some(t) = small.then(|| std::fs::read_to_string(&f).ok()).flatten() else {
                continue;
            };
            // A file that does not parse is reported when it is read itself.
            let Ok(b) = hcl_edit::parser::parse_body(&t) else {
                continue;
            };
            let t: Arc<str> = Arc::from(t);
            if is_tf {
                add_defs(&mut scope, &b, &t);
            } else {
                tfvars.push((name, b, t));
            }
        }
    }
    // `terraform.tfvars` first, then `*.auto.tfvars` in name order, later ones winning.
    tfvars.sort_by_key(|(n, _, _)| (n != "terraform.tfvars", n.clone()));
    for (_, b, t) in tfvars {
        for a in b.attributes() {
            scope.vars.insert(
                a.key.value().as_str().to_string(),
                Def {
                    expr: a.value.clone(),
                    text: t.clone(),
                },
            );
        }
    }
    scope
}

/// Adds the locals and variable defaults of a body (first definition wins).
fn add_defs(scope: &mut Scope, body: &Body, text: &Arc<str>) {
    for b in body.blocks() {
        match b.ident.value().as_str() {
            "locals" => {
                for a in b.body.attributes() {
                    scope
                        .locals
                        .entry(a.key.value().as_str().to_string())
                        .or_insert_with(|| Def {
                            expr: a.value.clone(),
                            text: text.clone(),
                        });
                }
            }
            "variable" => {
                let (Some(name), Some(default)) =
                    (b.labels.first(), b.body.get_attribute("default"))
                else {
                    continue;
                };
                scope
                    .vars
                    .entry(name.as_str().to_string())
                    .or_insert_with(|| Def {
                        expr: default.value.clone(),
                        text: text.clone(),
                    });
            }
            _ => {}
        }
    }
}
