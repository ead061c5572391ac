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
//!   `*.auto.tfvars`, the caller's var files ([`LoadOptions::tf_var_files`]) and variable
//!   defaults, `local.*` against every `locals` block of the `.tf`
//!   files in the same folder (read from disk beside the source); what a static reader cannot
//!   know is an unknown marker (see the `expr` module), never a guess;
//! - `jsonencode(x)` reads as `x` itself, so policy documents are structures.
//!
//! - a `module "x"` block with a local `source` (`./modules/eks`) is followed: the module
//!   folder's `.tf` files are read with its variables bound from the call's arguments (then its
//!   own defaults; a module reads no `.tfvars`), its resources are addressed
//!   `module.x.aws_eks_cluster.main` with scope `module.x`, at their own file and line. A
//!   registry, git or other remote source is not fetched: each such call is a skipped entry at
//!   the block's line, so the user knows its resources were not checked. Calls nest up to
//!   `module::MAX_MODULE_DEPTH` (16) deep, and a module that calls itself (directly or not) is skipped.

mod expr;
mod json;
mod module;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use hcl_edit::Span as _;
use hcl_edit::structure::{Block, Body, Structure};

use expr::{Def, Defs, Eval, Scope, span_of};
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
        let file = path.and_then(Path::file_name).and_then(|n| n.to_str());
        if file.is_some_and(|n| json::is_config(n) || json::is_vars(n)) {
            // The name decides: a `.tf.json` file is Terraform whatever JSON format its
            // content also resembles.
            return Confidence::Content;
        }
        let ext = crate::input::extension(path);
        match ext.as_deref() {
            Some("tf" | "tfvars") => Confidence::Name,
            // By content only when the name says nothing (standard input, an inline fixture): a
            // README quoting a resource block is not Terraform.
            None if looks_like_hcl(head) => Confidence::Content,
            _ => Confidence::No,
        }
    }

    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
        let path = source.path().unwrap_or(Path::new(source.name()));
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if json::is_config(file) || json::is_vars(file) {
            return json::load(source, opts);
        }
        let mut out = Loaded::default();
        if path.extension().is_some_and(|e| e == "tf")
            && path.is_file()
            && let Some((call, caller)) = module::caller_of(path, opts)
        {
            // A module of a configuration above: read by its call, with the call's values, not
            // a second time here with the module's defaults.
            let msg = format!(
                "module folder: read as module \"{}\" of {}:{} with the call's values when that configuration is scanned, not again on its own",
                call.name,
                caller.display(),
                call.line
            );
            out.skipped.push(LoadError::new(source.name(), 1, 1, msg));
            return out;
        }
        let body = match parse(source) {
            Ok(b) => b,
            Err(e) => {
                out.errors.push(e);
                return out;
            }
        };
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
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let mut walk = module::Walk {
            opts,
            out: &mut out,
            stack: Vec::new(),
            can_follow: path.is_file(),
        };
        if let Ok(root) = dir.unwrap_or(Path::new(".")).canonicalize() {
            walk.stack.push(root);
        }
        walk.body(&mut ev, source, &body, dir.unwrap_or(Path::new(".")), "");
        out
    }
}

/// The document of a `resource` or `data` block, its address under the module `prefix` (empty
/// at the root, `module.x.` in module `x`), or `None` for another block.
fn resource_doc(
    ev: &mut Eval<'_>,
    source: &Arc<Source>,
    block: &Block,
    prefix: &str,
    index: u32,
) -> Option<Document> {
    let kind = block.ident.value().as_str();
    let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
    let (ty, name, address) = match (kind, labels.as_slice()) {
        ("resource", [ty, name]) => (*ty, *name, format!("{prefix}{ty}.{name}")),
        ("data", [ty, name]) => (*ty, *name, format!("{prefix}data.{ty}.{name}")),
        _ => return None,
    };
    let root = block_node(ev, block);
    let mut id = ResourceId::new(TERRAFORM, ty)
        .with_name(name)
        .with_address(&address);
    if let Some(scope) = prefix.strip_suffix('.') {
        id = id.with_scope(scope);
    }
    Some(Document::with_identity(source.clone(), index, root, id))
}

/// The body of a source, or its syntax error at file:line:col.
fn parse(source: &Source) -> Result<Body, LoadError> {
    hcl_edit::parser::parse_body(source.text()).map_err(|e| {
        let loc = e.location();
        LoadError::new(
            source.name(),
            u32::try_from(loc.line()).unwrap_or(u32::MAX),
            u32::try_from(loc.column()).unwrap_or(u32::MAX),
            format!("invalid Terraform: {}", e.message()),
        )
    })
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

/// Variables and locals of the folder of `path`: this source's own, then those of the other
/// `.tf` files beside it, with values from `terraform.tfvars` and `*.auto.tfvars` overriding
/// defaults.
fn folder_scope(path: &Path, text: &str, body: &Body, opts: &LoadOptions) -> Scope {
    let mut own = Defs::default();
    add_defs(&mut own, body, &Arc::from(text));
    let folder = if path.is_file() {
        folder_defs(path, opts)
    } else {
        None
    };
    Scope {
        own,
        folder,
        budget: std::cell::Cell::new(EVAL_BUDGET),
        bound: HashMap::new(),
    }
}

/// A folder's `.tf` and auto-loaded `.tfvars` files, as (name, modified, length).
type Listing = Vec<(String, Option<std::time::SystemTime>, u64)>;

/// Folders and the listing their definitions were read from.
type FolderCache = HashMap<PathBuf, (Listing, Arc<Defs>)>;

/// The definitions of a folder, cached while its files are unchanged: every file of a folder
/// resolves against the same definitions, so a folder is parsed once, not once per file.
static FOLDERS: LazyLock<Mutex<FolderCache>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// How many folders the cache keeps.
const CACHED_FOLDERS: usize = 256;

fn folder_defs(path: &Path, opts: &LoadOptions) -> Option<Arc<Defs>> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let mut listing: Listing = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let wanted = name.ends_with(".tf")
                || name == "terraform.tfvars"
                || name.ends_with(".auto.tfvars")
                || json::is_config(&name)
                || json::is_auto_vars(&name);
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            wanted.then(|| (name, meta.modified().ok(), meta.len()))
        })
        .collect();
    listing.sort();
    // The caller's var files are part of what the definitions were read from.
    for f in &opts.tf_var_files {
        let meta = std::fs::metadata(f).ok();
        listing.push((
            format!("\0{}", f.display()),
            meta.as_ref().and_then(|m| m.modified().ok()),
            meta.map_or(0, |m| m.len()),
        ));
    }
    let key = dir.to_path_buf();
    if let Ok(cache) = FOLDERS.lock()
        && let Some((l, defs)) = cache.get(&key)
        && *l == listing
    {
        return Some(defs.clone());
    }
    let mut defs = Defs::default();
    let mut tfvars: Vec<(&str, Vec<(String, Def)>)> = Vec::new();
    for (name, _, len) in &listing {
        if *len > opts.max_bytes || name.starts_with('\0') {
            continue;
        }
        #[cfg(test)]
        module::reads::count(&dir.join(name));
        let Ok(t) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        // A file that does not parse is reported when it is read itself.
        if json::is_config(name) || json::is_auto_vars(name) {
            let Ok(j) = serde_json::from_str::<serde_json::Value>(&t) else {
                continue;
            };
            if json::is_config(name) {
                json::add_defs(&mut defs, &j);
            } else {
                tfvars.push((name, json::var_values(&j)));
            }
            continue;
        }
        let Ok(b) = hcl_edit::parser::parse_body(&t) else {
            continue;
        };
        let t: Arc<str> = Arc::from(t);
        if name.ends_with(".tf") {
            add_defs(&mut defs, &b, &t);
        } else {
            tfvars.push((name, hcl_values(&b, &t)));
        }
    }
    // `terraform.tfvars` and `terraform.tfvars.json` first, then `*.auto.tfvars` and
    // `*.auto.tfvars.json` in name order, later ones winning.
    tfvars.sort_by_key(|(n, _)| (!n.starts_with("terraform.tfvars"), n.to_string()));
    // Then the caller's var files, in the order given; one that cannot be read is reported
    // once per scan (see `var_file_errors`).
    let named = opts
        .tf_var_files
        .iter()
        .filter_map(|f| read_var_file(f, opts).ok())
        .map(|(s, b)| hcl_values(&b, &Arc::<str>::from(s.text())));
    let tfvars = tfvars.into_iter().map(|(_, v)| v).chain(named);
    for values in tfvars {
        for (k, d) in values {
            defs.tfvars.insert(k, d);
        }
    }
    let defs = Arc::new(defs);
    if let Ok(mut cache) = FOLDERS.lock() {
        if cache.len() >= CACHED_FOLDERS {
            cache.clear();
        }
        cache.insert(key, (listing, defs.clone()));
    }
    Some(defs)
}

/// The values of a `.tfvars` body, in file order.
fn hcl_values(body: &Body, text: &Arc<str>) -> Vec<(String, Def)> {
    body.attributes()
        .map(|a| {
            (
                a.key.value().as_str().to_string(),
                Def {
                    expr: a.value.clone(),
                    text: text.clone(),
                },
            )
        })
        .collect()
}

/// A variable file named by the caller, parsed, or why it cannot be.
fn read_var_file(path: &Path, opts: &LoadOptions) -> Result<(Arc<Source>, Body), LoadError> {
    let source = crate::yaml::read_path(path, opts)?;
    let body = parse(&source)?;
    Ok((source, body))
}

/// The caller's variable files ([`LoadOptions::tf_var_files`]) that cannot be read or parsed,
/// each an error at its file (and line and column): a scan reports them once.
pub fn var_file_errors(opts: &LoadOptions) -> Vec<LoadError> {
    opts.tf_var_files
        .iter()
        .filter_map(|f| read_var_file(f, opts).err())
        .collect()
}

/// Adds the locals and variable defaults of a body (first definition wins).
fn add_defs(defs: &mut Defs, body: &Body, text: &Arc<str>) {
    for b in body.blocks() {
        match b.ident.value().as_str() {
            "locals" => {
                for a in b.body.attributes() {
                    defs.locals
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
                defs.defaults
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

    use super::*;

    /// The values of resource `t.r` of `main.tf` in a folder holding `files`, read with `opts`.
    fn values(dir: &Path, opts: &LoadOptions) -> Vec<(String, String)> {
        let source = crate::yaml::read_path(&dir.join("main.tf"), opts).unwrap();
        let out = Terraform.load(&source, opts);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let root = out.documents[0].root();
        ["v", "w", "x", "y"]
            .iter()
            .map(|k| {
                let v = root.get(k).and_then(Node::as_str).unwrap_or("?");
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    #[test]
    fn var_files_apply_in_terraforms_order() {
        let dir = std::env::temp_dir().join(format!("fourc-tfvars-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let write = |f: &str, t: &str| std::fs::write(dir.join(f), t).unwrap();
        write(
            "main.tf",
            "variable \"v\" {\n  default = \"default\"\n}\nvariable \"y\" {\n  default = \"default\"\n}\nresource \"t\" \"r\" {\n  v = var.v\n  w = var.w\n  x = var.x\n  y = var.y\n}\n",
        );
        write("terraform.tfvars", "v = \"tfvars\"\nw = \"tfvars\"\n");
        write("b.auto.tfvars", "v = \"b\"\n");
        write("a.auto.tfvars", "v = \"a\"\nx = \"a\"\n");
        write("other.tfvars", "v = \"other\"\n");
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let plain = LoadOptions::default();
        assert_eq!(
            values(&dir, &plain),
            pairs(&[("v", "b"), ("w", "tfvars"), ("x", "a"), ("y", "default")]),
            "defaults < terraform.tfvars < *.auto.tfvars by name; other .tfvars not loaded"
        );
        let extra = dir.join("extra.tfvars");
        std::fs::write(&extra, "x = \"extra\"\n").unwrap();
        let named = LoadOptions {
            tf_var_files: vec![dir.join("other.tfvars"), extra],
            ..LoadOptions::default()
        };
        assert_eq!(
            values(&dir, &named),
            pairs(&[
                ("v", "other"),
                ("w", "tfvars"),
                ("x", "extra"),
                ("y", "default")
            ]),
            "named files last, in the order given"
        );
        // The folder's cached definitions do not leak into a read without the named files.
        assert_eq!(values(&dir, &plain)[0].1, "b");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_bad_var_file_is_an_error_at_its_line() {
        let dir = std::env::temp_dir().join(format!("fourc-badvars-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.tfvars");
        std::fs::write(&bad, "a = 1\nb = \n").unwrap();
        let opts = LoadOptions {
            tf_var_files: vec![bad, dir.join("missing.tfvars")],
            ..LoadOptions::default()
        };
        let errs = var_file_errors(&opts);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].source_name().ends_with("bad.tfvars"), "{}", errs[0]);
        assert_eq!(errs[0].line(), 2, "{}", errs[0]);
        assert!(
            errs[1].source_name().ends_with("missing.tfvars"),
            "{}",
            errs[1]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
