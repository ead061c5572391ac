//! fourc's core: the document model, the loaders, normalized views, the compiled rule
//! representation (IR) and the evaluator.
//!
//! `policy-core` has no parser for the rule language: `policy-lang` compiles rule text into the
//! IR defined in [`ir`], and [`RuleSet`] evaluates it.

pub mod backend;
pub mod builtins;
pub mod controls;
pub mod document;
pub mod eval;
pub mod input;
pub mod ir;
pub mod profile;
pub mod ruleset;
pub mod scan;
pub mod snippet;
pub mod suggest;
pub mod testing;
pub mod trace;
pub mod value;
pub mod view;
pub mod yaml;

pub use document::{
    Document, LineCols, LoadError, LoadOptions, Loaded, ResourceId, Source, YamlCompat,
};
pub use ir::{Layer, Program, RuleMeta, Severity};
pub use ruleset::{
    EvalError, Explanation, Finding, ParamError, Place, Related, Report, RuleSet, RuleSetOptions,
};
pub use value::{List, Map, MapBuilder, Node, Span, Str, Value};
