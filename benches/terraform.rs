//! Terraform: a generated folder of 1,000 resources from `.tf` text to sorted findings with the
//! full standard library, on one thread, beside 1,000 Kubernetes objects from YAML text to
//! findings in the same run (the comparison the Cloud layer's speed target is stated against);
//! and a generated plan JSON of 10 MB (5,000 resources a megabyte) loaded by the plan format,
//! and checked end to end, on one thread.
//!
//! `cargo bench --bench terraform`

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
#[path = "support/terraform.rs"]
mod terraform;

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn folder(c: &mut Criterion) {
    let engine = common::engine(true, &[]);
    let single = common::pool(1);
    let n = common::size(1000);
    let dir = std::env::temp_dir().join(format!("fourc-bench-tf-{n}-{}", std::process::id()));
    let bytes = terraform::write_folder(&dir, n);
    let yaml = common::corpus_yaml(n);
    let mut g = c.benchmark_group("terraform");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function(format!("folder_{n}"), |b| {
        b.iter(|| {
            single.install(|| {
                let scan = engine.check_paths(&[&dir]);
                assert!(scan.load_errors.is_empty(), "{:?}", scan.load_errors);
                assert_eq!(scan.checked.len(), n);
                scan.report.findings.len()
            })
        });
    });
    g.throughput(Throughput::Bytes(yaml.len() as u64));
    g.bench_function(format!("kubernetes_{n}"), |b| {
        b.iter(|| {
            single.install(|| {
                let scan = engine.check_str("corpus.yaml", &yaml);
                assert!(scan.load_errors.is_empty());
                scan.report.findings.len()
            })
        });
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn plan(c: &mut Criterion) {
    let engine = common::engine(true, &[]);
    let single = common::pool(1);
    let bytes = if common::measuring() {
        10_000_000
    } else {
        500_000
    };
    let text = terraform::plan_json(bytes);
    let formats = fourc::input::Formats::standard();
    let format = formats.get("terraform-plan").unwrap();
    let opts = fourc::LoadOptions::default();
    let mut g = c.benchmark_group("terraform_plan");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Bytes(text.len() as u64));
    let mb = text.len() / 1_000_000;
    g.bench_function(format!("load_{mb}mb"), |b| {
        b.iter(|| {
            single.install(|| {
                let loaded = format.load(&fourc::Source::new("plan.json", text.as_str()), &opts);
                assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
                loaded.documents.len()
            })
        });
    });
    g.bench_function(format!("check_{mb}mb"), |b| {
        b.iter(|| {
            single.install(|| {
                let scan = engine.check_str("plan.json", &text);
                assert!(scan.load_errors.is_empty(), "{:?}", scan.load_errors);
                scan.report.findings.len()
            })
        });
    });
    g.finish();
}

criterion_group!(benches, folder, plan);
criterion_main!(benches);
