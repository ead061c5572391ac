//! Following `module` calls: a local module's `.tf` files are read as part of the caller, with
//! the module's variables bound from the call's arguments; a remote source is reported as not
//! followed.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

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
            #[cfg(test)]
            reads::count(&p);
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

/// A local module call of a configuration: where it is and what it calls.
#[derive(Clone, Debug)]
pub(super) struct Call {
    /// The called folder, canonical.
    target: PathBuf,
    /// The call's name (`module "eks"`).
    pub(super) name: String,
    /// The file holding the call (canonical), and the call's line.
    file: PathBuf,
    pub(super) line: u32,
}

/// A folder's modification time and its `.tf` files as (name, modified, length).
type CallListing = (Option<SystemTime>, Vec<(String, Option<SystemTime>, u64)>);

/// The cache behind [`CALLS`].
type CallCache = HashMap<PathBuf, (CallListing, Arc<Vec<Call>>)>;

/// The local module calls of a folder's `.tf` files, cached while the folder and its files are
/// unchanged (every file of a folder below asks about the same ancestors).
static CALLS: LazyLock<Mutex<CallCache>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// How many folders the call cache keeps.
const CACHED_CALL_FOLDERS: usize = 1024;

fn tf_files(dir: &Path) -> Option<CallListing> {
    let modified = std::fs::metadata(dir).ok()?.modified().ok();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            name.ends_with(".tf")
                .then(|| (name, meta.modified().ok(), meta.len()))
        })
        .collect();
    files.sort();
    Some((modified, files))
}

/// The local module calls written in the `.tf` files of `dir` (literal `./` and `../` sources).
fn calls_of(dir: &Path, opts: &LoadOptions) -> Arc<Vec<Call>> {
    let Some(listing) = tf_files(dir) else {
        return Arc::default();
    };
    if let Ok(cache) = CALLS.lock()
        && let Some((l, calls)) = cache.get(dir)
        && *l == listing
    {
        return calls.clone();
    }
    let mut calls = Vec::new();
    for (name, _, len) in &listing.1 {
        if *len > opts.max_bytes {
            continue;
        }
        let file = dir.join(name);
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(body) = hcl_edit::parser::parse_body(&text) else {
            continue;
        };
        for b in body
            .blocks()
            .filter(|b| b.ident.value().as_str() == "module")
        {
            let Some(call) = b.labels.first() else {
                continue;
            };
            let src = match b.body.get_attribute("source").map(|a| &a.value) {
                Some(hcl_edit::expr::Expression::String(s)) => s.value().to_string(),
                _ => continue,
            };
            if !(src.starts_with("./") || src.starts_with("../")) {
                continue;
            }
            let Ok(target) = normalize(&dir.join(&src)).canonicalize() else {
                continue;
            };
            calls.push(Call {
                target,
                name: call.as_str().to_string(),
                file: file.clone(),
                line: line_of(&text, span_of(b.span()).start()),
            });
        }
    }
    let calls = Arc::new(calls);
    if let Ok(mut cache) = CALLS.lock() {
        if cache.len() >= CACHED_CALL_FOLDERS {
            cache.clear();
        }
        cache.insert(dir.to_path_buf(), (listing, calls.clone()));
    }
    calls
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: u32) -> u32 {
    let before = text.get(..offset as usize).unwrap_or(text);
    u32::try_from(before.matches('\n').count())
        .unwrap_or(u32::MAX)
        .saturating_add(1)
}

/// The call that reads the folder of `file` as a local module, when a configuration in a folder
/// above it (up to [`MAX_MODULE_DEPTH`] levels) makes one: the module's files are then read by
/// that call, with its values, and not again on their own.
/// The call comes with the caller's file named as `file` is (relative when it is).
pub(super) fn caller_of(file: &Path, opts: &LoadOptions) -> Option<(Call, PathBuf)> {
    let parent = file.parent()?;
    let dir = parent.canonicalize().ok()?;
    let mut above = dir.parent();
    let mut up = PathBuf::from(parent);
    for _ in 0..MAX_MODULE_DEPTH {
        let a = above?;
        up.push("..");
        if let Some(c) = calls_of(a, opts).iter().find(|c| c.target == dir) {
            let name = c.file.file_name().map(|n| normalize(&up.join(n)));
            return Some((c.clone(), name.unwrap_or_else(|| c.file.clone())));
        }
        above = a.parent();
    }
    None
}

/// Counts the module files the loader reads, per thread, so that tests can see each file is
/// read once.
#[cfg(test)]
pub(super) mod reads {
    use std::cell::RefCell;
    use std::path::{Path, PathBuf};

    thread_local! {
        static READS: RefCell<Vec<PathBuf>> = const { RefCell::new(Vec::new()) };
    }

    pub(in super::super) fn count(p: &Path) {
        READS.with(|r| r.borrow_mut().push(p.to_path_buf()));
    }

    /// How many times `p` was read on this thread.
    pub(in super::super) fn of(p: &Path) -> usize {
        READS.with(|r| r.borrow().iter().filter(|x| x.as_path() == p).count())
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
    fn a_module_folder_below_its_caller_is_read_once_by_the_call() {
        let dir = std::env::temp_dir().join(format!("fourc-tfmodule-once-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("modules/eks")).unwrap();
        std::fs::write(
            dir.join("main.tf"),
            "module \"eks\" {\n  source = \"./modules/eks\"\n  name   = \"prod\"\n}\n",
        )
        .unwrap();
        let module = dir.join("modules/eks/main.tf");
        std::fs::write(
            &module,
            "variable \"name\" {}\nresource \"t\" \"r\" {\n  n = var.name\n}\n",
        )
        .unwrap();
        // Load every file as a scan of the folder does.
        let opts = LoadOptions::default();
        let mut docs = Vec::new();
        let mut skipped = Vec::new();
        for f in [dir.join("main.tf"), module.clone()] {
            let source = crate::yaml::read_path(&f, &opts).unwrap();
            let out = super::super::Terraform.load(&source, &opts);
            assert!(out.errors.is_empty(), "{:?}", out.errors);
            docs.extend(out.documents);
            skipped.extend(out.skipped);
        }
        let addresses: Vec<_> = docs.iter().map(|d| d.id().address.clone()).collect();
        assert_eq!(addresses, [Some("module.eks.t.r".into())], "{addresses:?}");
        assert_eq!(
            docs[0].root().get("n").unwrap().value,
            Value::string("prod")
        );
        // The module file says where it is read, and the loader read it once (by the call).
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert_eq!(skipped[0].line(), 1);
        assert!(
            skipped[0].message().contains("module \"eks\" of"),
            "{}",
            skipped[0]
        );
        assert_eq!(reads::of(&module), 1);
        let _ = std::fs::remove_dir_all(&dir);
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
