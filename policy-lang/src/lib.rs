//! The fourc rule language: grammar, syntax tree, static checks, diagnostics and the compiler
//! to `policy-core`'s IR.
//!
//! ```
//! let mut c = policy_lang::RuleCompiler::new();
//! c.add_source("rules/privileged.fourc", r#"
//! rule no-privileged {
//!   title    "Privileged containers are not allowed"
//!   controls [cluster.pod-security]
//!   severity high
//!   on workload as w
//!   each c in w.pod.containers
//!   deny c.securityContext.privileged == true
//!     at c.securityContext.privileged
//!     message "container {c.name} runs privileged"
//! }
//! "#);
//! let compiled = c.compile().expect("compiles");
//! assert_eq!(compiled.program.rules.len(), 1);
//! ```

pub mod ast;
mod compile;
pub mod diag;
mod parser;

use std::sync::{Arc, LazyLock};

use miette::NamedSource;
use policy_core::ir::Program;

pub use diag::{CompileErrors, Diagnostic, Label, Level};

/// The file extension of rule files.
pub const EXTENSION: &str = "fourc";

/// A rule source with its module name.
#[derive(Clone, Debug)]
pub(crate) struct SourceFile {
    pub(crate) name: Arc<str>,
    pub(crate) module: String,
    pub(crate) text: Arc<str>,
    pub(crate) named: Arc<NamedSource<String>>,
}

impl SourceFile {
    fn new(module: String, name: &str, text: &str) -> Self {
        SourceFile {
            name: Arc::from(name),
            module,
            text: Arc::from(text),
            named: Arc::new(NamedSource::new(name, text.to_string())),
        }
    }
}

pub(crate) static EMPTY_SOURCE: LazyLock<SourceFile> =
    LazyLock::new(|| SourceFile::new(String::new(), "<empty>", ""));

/// The module name of a rule file from its path relative to the rules folder:
/// `lib/k8s.fourc` is `lib.k8s`.
pub fn module_name(relative_path: &str) -> String {
    let p = relative_path.replace('\\', "/");
    let p = p.strip_suffix(".fourc").unwrap_or(&p);
    p.trim_start_matches("./").replace('/', ".")
}

/// Collects rule sources and compiles them together.
#[derive(Clone, Debug)]
pub struct RuleCompiler {
    sources: Vec<SourceFile>,
    views: Vec<String>,
    natives: Vec<policy_core::builtins::Native>,
}

impl Default for RuleCompiler {
    fn default() -> Self {
        RuleCompiler {
            sources: Vec::new(),
            natives: Vec::new(),
            views: policy_core::view::Views::standard()
                .names()
                .into_iter()
                .map(str::to_string)
                .collect(),
        }
    }
}

/// A compiled program and the warnings found on the way.
#[derive(Debug)]
pub struct Compiled {
    /// The IR, ready for `policy_core::RuleSet::new`.
    pub program: Program,
    /// Warnings (the program compiled despite them).
    pub warnings: Vec<Diagnostic>,
}

impl RuleCompiler {
    /// An empty compiler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the names of the views rules may select (`on NAME as x`), those of the registry the
    /// rules will run with; the standard views by default.
    pub fn views<I, S>(&mut self, names: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.views = names.into_iter().map(Into::into).collect();
        self
    }

    /// Makes a native function callable from rules by its name (a builtin of the same name
    /// wins, so register none by a builtin's name).
    pub fn native(&mut self, f: policy_core::builtins::Native) -> &mut Self {
        self.natives.retain(|n| n.name != f.name);
        self.natives.push(f);
        self
    }

    /// Adds a rule source; its module name is derived from `name` with [`module_name`].
    pub fn add_source(&mut self, name: &str, text: &str) -> &mut Self {
        self.add_module(&module_name(name), name, text)
    }

    /// Adds a rule source under an explicit module name (`lib.k8s`).
    pub fn add_module(&mut self, module: &str, name: &str, text: &str) -> &mut Self {
        self.sources
            .push(SourceFile::new(module.to_string(), name, text));
        self
    }

    /// How many sources were added.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether no source was added.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Parses and compiles every source. All errors of all files are reported together.
    pub fn compile(&self) -> Result<Compiled, CompileErrors> {
        let mut diags = Vec::new();
        let mut files = Vec::with_capacity(self.sources.len());
        for s in &self.sources {
            match parser::parse(s) {
                Ok(f) => files.push(f),
                Err(d) => {
                    diags.extend(d);
                    files.push(ast::File::default());
                }
            }
        }
        let (mut program, more) =
            compile::compile(&self.sources, files, &self.views, &self.natives);
        program.natives = self.natives.clone();
        diags.extend(more);
        let (errors, warnings): (Vec<_>, Vec<_>) =
            diags.into_iter().partition(|d| d.level() == Level::Error);
        if errors.is_empty() {
            Ok(Compiled { program, warnings })
        } else {
            let mut all = errors;
            all.extend(warnings);
            Err(CompileErrors::new(all))
        }
    }
}

/// Parses one rule source into its syntax tree (for tools and tests).
pub fn parse(name: &str, text: &str) -> Result<ast::File, CompileErrors> {
    let s = SourceFile::new(module_name(name), name, text);
    parser::parse(&s).map_err(CompileErrors::new)
}
