//! Following `module` calls: a local module's `.tf` files are read as part of the caller, with
//! the module's variables bound from the call's arguments; a remote source is reported as not
//! followed.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::structure::{Block, Body};

use super::expr::{Defs, Eval, Scope, span_of};
use super::{EVAL_BUDGET, add_defs, parse, resource_doc};
use crate::document::{LoadError, LoadOptions, Loaded, Source};
use crate::value::Value;

/// How deep module calls nest before fourc stops following them.
pub const MAX_MODULE_DEPTH: usize = 16;

/// Arguments of a `module` block that are Terraform's own, not the module's variables.
const META_ARGUMENTS: [&str; 6] = [
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// The walk from one root file through the modules it calls.
pub(super) struct Walk<'o> {
    pub(super) opts: &'o LoadOptions,
    pub(super) out: &'o mut Loaded,
    /// The folders being read, outermost first: a call back into one of them is a cycle.
    pub(super) stack: Vec<PathBuf>,
    /// Whether the root was read from disk (a text given inline has no folder to follow from).
    pub(super) can_follow: bool,
}

impl Walk<'_> {
    /// The documents of one file's body, and those of the local modules it calls.
    pub(super) fn body(
        &mut self,
        ev: &mut Eval<'_>,
        source: &Arc<Source>,
        body: &Body,
        dir: &Path,
        prefix: &str,
    ) {
        let mut index = 0u32;
        for block in body.blocks() {
            if block.ident.value().as_str() == "module" {
                self.call(ev, source, block, dir, prefix);
            } else if let Some(doc) = resource_doc(ev, source, block, prefix, index) {
                self.out.documents.push(doc);
                index = index.saturating_add(1);
            }
        }
    }

    /// Says that a module call was not followed, at the call's block.
    fn skip(&mut self, source: &Source, block: &Block, message: String) {
        let (line, col) = source.line_col(span_of(block.span()).start());
        self.out
            .skipped
            .push(LoadError::new(source.name(), line, col, message));
    }

    fn call(
        &mut self,
        ev: &mut Eval<'_>,
        source: &Arc<Source>,
        block: &Block,
        dir: &Path,
        prefix: &str,
    ) {
        let Some(name) = block.labels.first().map(|l| l.as_str().to_string()) else {
            return;
        };
        let src = block
            .body
            .get_attribute("source")
            .map(|a| ev.eval(&a.value).value);
        let src = match src {
            Some(Value::String(s)) => s.to_string(),
            _ => {
                let msg = format!(
                    "module \"{name}\": its source is not a literal path, so the module was not read and its resources were not checked"
                );
                return self.skip(source, block, msg);
            }
        };
        if !(src.starts_with("./") || src.starts_with("../")) {
            let msg = format!(
                "module \"{name}\": source \"{src}\" is not a local path; fourc does not fetch modules, so its resources were not checked"
            );
            return self.skip(source, block, msg);
        }
        if !self.can_follow {
            let msg = format!(
                "module \"{name}\": the calling text was not read from a folder, so the local module \"{src}\" was not read"
            );
            return self.skip(source, block, msg);
        }
        let target = normalize(&dir.join(&src));
        let Ok(canon) = target.canonicalize() else {
            let msg = format!(
                "module \"{name}\": local source \"{src}\" is not a readable folder, so its resources were not checked"
            );
            return self.skip(source, block, msg);
        };
        if self.stack.contains(&canon) {
            let msg = format!(
                "module \"{name}\": source \"{src}\" calls back into a module being read (a cycle); not followed again"
            );
            return self.skip(source, block, msg);
        }
        if self.stack.len() > MAX_MODULE_DEPTH {
            let msg = format!(
                "module \"{name}\": modules nest deeper than {MAX_MODULE_DEPTH} calls; \"{src}\" was not read"
            );
            return self.skip(source, block, msg);
        }
        let mut bound = HashMap::new();
        for a in block.body.attributes() {
            let key = a.key.value().as_str();
            if !META_ARGUMENTS.contains(&key) {
                bound.insert(key.to_string(), ev.eval(&a.value));
            }
        }
        let files = self.read_folder(&target);
        let mut defs = Defs::default();
        for (s, b) in &files {
            add_defs(&mut defs, b, &Arc::from(s.text()));
        }
        let scope = Scope {
            own: Defs::default(),
            folder: Some(Arc::new(defs)),
            budget: std::cell::Cell::new(EVAL_BUDGET),
            bound,
        };
        let prefix = format!("{prefix}module.{name}.");
        self.stack.push(canon);
        for (s, b) in &files {
            let mut inner = Eval {
                scope: &scope,
                text: s.text(),
                depth: 0,
                max_depth: self.opts.max_depth,
            };
            self.body(&mut inner, s, b, &target, &prefix);
        }
        self.stack.pop();
    }

    /// The `.tf` files of a module folder, in name order, parsed; a file that cannot be read or
    /// parsed is an error at its own name, line and column.
    fn read_folder(&mut self, dir: &Path) -> Vec<(Arc<Source>, Body)> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        paths.sort();
        let mut files = Vec::new();
        for p in paths {
            match crate::yaml::read_path(&p, self.opts) {
                Ok(s) => match parse(&s) {
                    Ok(b) => files.push((s, b)),
                    Err(e) => self.out.errors.push(e),
                },
                Err(e) => self.out.errors.push(e),
            }
        }
        files
    }
}

/// `a/./b/../c` as `a/c`, without touching the file system: module files keep readable names.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

    use super::*;
    use crate::input::InputFormat;

    #[test]
    fn paths_are_normalized_without_the_file_system() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../m/./x")), PathBuf::from("../m/x"));
        assert_eq!(normalize(Path::new("a/../../m")), PathBuf::from("../m"));
    }

    /// Loads `root/main.tf` of a temporary folder holding `files`.
    fn load(name: &str, files: &[(&str, &str)]) -> Loaded {
        let dir =
            std::env::temp_dir().join(format!("fourc-tfmodule-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (f, text) in files {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let main = dir.join("root/main.tf");
        let source = crate::yaml::read_path(&main, &LoadOptions::default()).unwrap();
        let out = super::super::Terraform.load(&source, &LoadOptions::default());
        let _ = std::fs::remove_dir_all(&dir);
        out
    }

    #[test]
    fn meta_arguments_are_not_variables_and_nested_modules_are_addressed() {
        let out = load(
            "nested",
            &[
                (
                    "root/main.tf",
                    "module \"a\" {\n  source = \"./a\"\n  count  = 1\n  name   = \"x\"\n}\n",
                ),
                (
                    "root/a/main.tf",
                    "variable \"count\" {\n  default = 7\n}\nmodule \"b\" {\n  source = \"../b\"\n  n      = var.count\n  label  = var.name\n}\n",
                ),
                (
                    "root/b/main.tf",
                    "resource \"t\" \"r\" {\n  n = var.n\n  l = var.label\n}\n",
                ),
            ],
        );
        assert!(out.errors.is_empty() && out.skipped.is_empty(), "{out:?}");
        assert_eq!(out.documents.len(), 1);
        let d = &out.documents[0];
        assert_eq!(d.id().address.as_deref(), Some("module.a.module.b.t.r"));
        assert_eq!(d.id().namespace.as_deref(), Some("module.a.module.b"));
        assert!(
            d.source().name().ends_with("root/b/main.tf"),
            "{}",
            d.source().name()
        );
        // `count` of the call is Terraform's, so module a's variable keeps its default.
        assert_eq!(d.root().get("n").unwrap().value, Value::Int(7));
        assert_eq!(d.root().get("l").unwrap().value, Value::string("x"));
    }

    #[test]
    fn an_unknown_source_and_a_missing_folder_are_skipped_and_a_bad_module_file_is_an_error() {
        let out = load(
            "bad",
            &[
                (
                    "root/main.tf",
                    "module \"u\" {\n  source = var.where\n}\nmodule \"m\" {\n  source = \"./nowhere\"\n}\nmodule \"e\" {\n  source = \"./e\"\n}\n",
                ),
                ("root/e/main.tf", "resource \"t\" \"r\" {\n  n = \n}\n"),
            ],
        );
        let lines: Vec<u32> = out.skipped.iter().map(LoadError::line).collect();
        assert_eq!(lines, [1, 4], "{:?}", out.skipped);
        assert!(out.skipped[0].message().contains("not a literal path"));
        assert!(out.skipped[1].message().contains("not a readable folder"));
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert!(out.errors[0].source_name().ends_with("root/e/main.tf"));
        assert_eq!(out.errors[0].line(), 2);
    }
}
