//! fourc's core: the document model, the loaders, normalized views, the compiled rule
//! representation (IR) and the evaluator.
//!
//! `policy-core` has no parser for the rule language: `policy-lang` compiles rule text into the
//! IR defined in [`ir`], and this crate evaluates it.

pub mod builtins;
pub mod document;
pub mod value;
pub mod yaml;

pub use document::{Document, LoadError, LoadOptions, Loaded, ResourceId, Source, YamlCompat};
pub use value::{List, Map, MapBuilder, Node, Span, Str, Value};
