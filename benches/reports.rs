//! Loading scanner reports: a generated Trivy image report and a SARIF log of a few megabytes
//! through their input formats, beside the YAML loader on a Kubernetes corpus of the same byte
//! size (the per-byte anchor), on one thread. Throughput is in bytes, so the rows compare per
//! byte.
//!
//! `cargo bench --bench reports`

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
#[path = "support/reports.rs"]
mod reports;

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fourc::input::Formats;
use fourc::{LoadOptions, Source};

/// The report size in bytes: 4 MB when measuring, 400 KB in the smoke run.
fn bytes() -> usize {
    if common::measuring() {
        4_000_000
    } else {
        400_000
    }
}

/// The generated Kubernetes corpus of about `bytes` bytes.
fn corpus_of(bytes: usize) -> String {
    // The corpus runs about 1,760 bytes an object.
    let n = (bytes / 1760).max(1);
    common::corpus_yaml(n)
}

fn load(c: &mut Criterion) {
    let size = bytes();
    let formats = Formats::standard();
    let opts = LoadOptions::default();
    let single = common::pool(1);
    let cases = [
        (
            "trivy",
            "vulnerability-report",
            "report.json",
            reports::trivy_json(size),
        ),
        ("sarif", "sarif", "log.sarif", reports::sarif_json(size)),
    ];
    let yaml = corpus_of(size);
    let mut g = c.benchmark_group("reports");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Bytes(yaml.len() as u64));
    g.bench_function(format!("yaml_{}kb", yaml.len() / 1000), |b| {
        b.iter(|| {
            single.install(|| {
                let loaded =
                    fourc::input::load_yaml(&Source::new("corpus.yaml", yaml.as_str()), &opts);
                assert!(loaded.errors.is_empty());
                loaded.documents.len()
            })
        });
    });
    for (label, format, name, text) in &cases {
        let format = Arc::clone(formats.get(format).unwrap());
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("{label}_{}kb", text.len() / 1000), |b| {
            b.iter(|| {
                single.install(|| {
                    let loaded = format.load(&Source::new(*name, text.as_str()), &opts);
                    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
                    assert!(loaded.documents.len() > 1);
                    loaded.documents.len()
                })
            });
        });
    }
    g.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
