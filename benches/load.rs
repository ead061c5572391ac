//! Loading YAML: fourc's loader (a tree with a span on every node) against two baselines on the
//! same text, the saphyr `MarkedYaml` tree and the raw saphyr-parser event stream (the floor).
//!
//! `cargo bench --bench load`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "benchmark code: failing loudly is the point"
)]

#[path = "support/common.rs"]
#[allow(dead_code, reason = "shared by every bench file")]
mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fourc::{LoadOptions, Source};
use saphyr::LoadableYamlNode;

fn load(c: &mut Criterion) {
    let n = common::size(1000);
    let text = common::corpus_yaml(n);
    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Bytes(text.len() as u64));
    // fourc's loader on one thread (comparable with the baselines), then on two: a large stream
    // is split at document markers and its parts load in parallel.
    for threads in [1, 2] {
        let pool = common::pool(threads);
        g.bench_function(format!("fourc_yaml_{n}_threads_{threads}"), |b| {
            b.iter(|| {
                let loaded = pool.install(|| {
                    fourc::input::load_yaml(
                        &Source::new("corpus.yaml", text.as_str()),
                        &LoadOptions::default(),
                    )
                });
                assert_eq!(loaded.documents.len(), n);
                loaded
            });
        });
    }
    g.bench_function(format!("saphyr_marked_{n}"), |b| {
        b.iter(|| {
            let docs = saphyr::MarkedYaml::load_from_str(black_box(&text)).unwrap();
            assert_eq!(docs.len(), n);
            docs
        });
    });
    g.bench_function(format!("saphyr_events_{n}"), |b| {
        b.iter(|| {
            let mut parser = saphyr_parser::Parser::new_from_str(black_box(&text));
            let mut events = 0usize;
            while let Some(ev) = parser.next_event() {
                black_box(ev.unwrap());
                events += 1;
            }
            events
        });
    });
    g.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
