//! Evaluation: one document, whole corpora end to end (YAML text to sorted findings) with the full
//! standard library and with the ten reference checks only, cross-document rules, and one thread
//! against two.
//!
//! `cargo bench --bench evaluate`
//!
//! Every scenario but `threads/*` runs inside a one-thread rayon pool, so that its figure compares
//! with the single-threaded parse baselines of `benches/load.rs`.

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
#[path = "support/rego.rs"]
#[allow(dead_code, reason = "shared with the agreement test")]
mod rego;

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fourc::Engine;

fn end_to_end(engine: &Engine, text: &str) -> usize {
    let scan = engine.check_str("corpus.yaml", text);
    assert!(scan.load_errors.is_empty());
    scan.report.findings.len()
}

fn one_document(c: &mut Criterion) {
    let engine = common::engine(true, &[]);
    // The first Deployment of the corpus: a typical workload of about 2.7 KB.
    let docs = common::load("corpus.yaml", &common::corpus_yaml(100));
    let doc = docs
        .iter()
        .find(|d| d.kind() == Some("Deployment"))
        .unwrap()
        .clone();
    let one = [doc];
    c.bench_function("evaluate_one_document", |b| {
        b.iter(|| engine.evaluate_unreviewed(&one));
    });
}

fn corpora(c: &mut Criterion) {
    let stdlib = common::engine(true, &[]);
    let reference = common::engine(false, &[("reference.fourc", rego::REFERENCE_RULES)]);
    let single = common::pool(1);
    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for n in [1000, 10_000] {
        let n = common::size(n);
        let text = common::corpus_yaml(n);
        g.throughput(Throughput::Bytes(text.len() as u64));
        // The floor, in the same run so that the ratios compare like with like: saphyr-parser's
        // event stream over the same text, no tree.
        g.bench_function(format!("events_floor_{n}"), |b| {
            b.iter(|| {
                let mut parser = saphyr_parser::Parser::new_from_str(std::hint::black_box(&text));
                let mut events = 0usize;
                while let Some(ev) = parser.next_event() {
                    std::hint::black_box(ev.unwrap());
                    events += 1;
                }
                events
            });
        });
        g.bench_function(format!("stdlib_{n}"), |b| {
            b.iter(|| single.install(|| end_to_end(&stdlib, &text)));
        });
        g.bench_function(format!("reference_{n}"), |b| {
            b.iter(|| single.install(|| end_to_end(&reference, &text)));
        });
    }
    // The same as the CLI runs it on this machine: both cores, loading included.
    let n = common::size(1000);
    let text = common::corpus_yaml(n);
    let both = common::pool(2);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function(format!("stdlib_{n}_threads_2"), |b| {
        b.iter(|| both.install(|| end_to_end(&stdlib, &text)));
    });
    g.finish();
}

fn cross_doc(c: &mut Criterion) {
    let engine = common::engine(false, &[("cross_doc.fourc", common::CROSS_DOC_RULES)]);
    let n = common::size(10_000);
    let docs = common::load("corpus.yaml", &common::corpus_yaml(n));
    let single = common::pool(1);
    let mut g = c.benchmark_group("cross_doc");
    g.sample_size(10);
    g.bench_function(format!("evaluate_{n}"), |b| {
        b.iter(|| single.install(|| engine.evaluate_unreviewed(&docs)));
    });
    g.finish();
}

fn threads(c: &mut Criterion) {
    let engine = common::engine(true, &[("cross_doc.fourc", common::CROSS_DOC_RULES)]);
    let n = common::size(10_000);
    let text = common::corpus_yaml(n);
    let mut g = c.benchmark_group("threads");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Bytes(text.len() as u64));
    for t in [1, 2] {
        let pool = common::pool(t);
        g.bench_function(format!("end_to_end_{n}_{t}"), |b| {
            b.iter(|| pool.install(|| end_to_end(&engine, &text)));
        });
    }
    g.finish();
}

/// Scaling 1k -> 10k -> 100k, end to end with the standard library and the cross-document rules.
/// 100k objects is 175 MB of YAML: only with `FOURC_BENCH_100K=1`.
fn scaling(c: &mut Criterion) {
    let engine = common::engine(true, &[("cross_doc.fourc", common::CROSS_DOC_RULES)]);
    let single = common::pool(1);
    let mut sizes = vec![common::size(1000), common::size(10_000)];
    if common::measuring() && std::env::var_os("FOURC_BENCH_100K").is_some() {
        sizes.push(100_000);
    }
    let mut g = c.benchmark_group("scaling");
    g.sample_size(10);
    for n in sizes {
        let text = common::corpus_yaml(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("end_to_end_{n}"), |b| {
            b.iter(|| single.install(|| end_to_end(&engine, &text)));
        });
    }
    g.finish();
}

/// The cost of each standard-library rule on the 1k corpus, evaluated alone (the loaded documents
/// reused), in milliseconds per 1,000 documents, heaviest first: only with
/// `FOURC_BENCH_RULE_COSTS=1`, printed rather than measured by criterion (one scenario per rule
/// would take too long). The best of five runs of each rule, on one thread. Every opt-in rule is
/// turned on (`opt_in: [all]`), here only, so that its figure is the cost of its judgement and
/// not of the test that skips it.
fn rule_costs(_c: &mut Criterion) {
    if !(common::measuring() && std::env::var_os("FOURC_BENCH_RULE_COSTS").is_some()) {
        return;
    }
    let engine = Engine::builder()
        .stdlib(true)
        .param("opt_in", fourc::value::Value::from(vec!["all"]))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let n = 1000;
    let docs = common::load("corpus.yaml", &common::corpus_yaml(n));
    let single = common::pool(1);
    let rules = engine.rules();
    let mut costs: Vec<(f64, String)> = rules
        .rules()
        .map(|m| {
            let best = (0..5)
                .map(|_| {
                    let t = std::time::Instant::now();
                    single.install(|| rules.evaluate_filtered(&docs, &|r| r.id == m.id));
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min);
            (best * 1000.0 * 1000.0 / n as f64, m.id.to_string())
        })
        .collect();
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("rule costs, ms per 1,000 documents (best of 5, one thread):");
    for (ms, id) in &costs {
        println!("{ms:8.3}  {id}");
    }
}

criterion_group!(
    benches,
    one_document,
    corpora,
    cross_doc,
    threads,
    scaling,
    rule_costs
);
criterion_main!(benches);
