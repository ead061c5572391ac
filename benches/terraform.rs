//! Terraform: a generated folder of 1,000 resources from `.tf` text to sorted findings with the
//! full standard library, on one thread, beside 1,000 Kubernetes objects from YAML text to
//! findings in the same run (the comparison the Cloud layer's speed target is stated against).
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
#[allow(
    dead_code,
    reason = "the plan generator is for the memory check (examples/gen_terraform.rs)"
)]
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

criterion_group!(benches, folder);
criterion_main!(benches);
