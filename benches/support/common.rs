//! Helpers shared by the bench files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark and test support: failing loudly is the point"
)]

use fourc::{Document, Engine, LoadOptions, Source};

#[path = "corpus.rs"]
pub mod corpus;

/// The bench rules for cross-document queries.
pub const CROSS_DOC_RULES: &str = include_str!("../rules/cross_doc.fourc");

/// Whether this is a real measurement (`cargo bench`) rather than the one-iteration smoke run of
/// `cargo test --benches`, where debug builds would take minutes on the full-size corpora.
pub fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The corpus size to use for a scenario named after `n` objects: `n` when measuring, a tenth
/// of it (at least 100) in the smoke run.
pub fn size(n: usize) -> usize {
    if measuring() { n } else { (n / 10).max(100) }
}

/// The generated corpus of `n` objects as YAML text, with the reference seed for its size.
pub fn corpus_yaml(n: usize) -> String {
    corpus::yaml(n, corpus::seed_for(n))
}

/// Loads YAML text with positions, as the CLI does.
pub fn load(name: &str, text: &str) -> Vec<Document> {
    let loaded = fourc::input::load_yaml(&Source::new(name, text), &LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
    loaded.documents
}

/// An engine with the standard library, plus `extra` rule sources.
pub fn engine(stdlib: bool, extra: &[(&str, &str)]) -> Engine {
    let mut b = Engine::builder().stdlib(stdlib);
    for (name, text) in extra {
        b = b.rule_source(name, text);
    }
    b.build().unwrap_or_else(|e| panic!("{e}"))
}

/// A rayon pool of `n` threads.
pub fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .expect("a thread pool")
}
