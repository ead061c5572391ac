//! The ten reference checks, evaluation only, on the same pre-parsed documents: regorus 0.14.1's
//! interpreter and RVM against fourc. The documents are loaded once by fourc and converted to
//! regorus values once, outside the measurement; each engine then evaluates every document.
//!
//! `cargo bench --bench rego`
//!
//! The `gatekeeper` group: the twelve Gatekeeper training templates as fourc's Rego backend runs
//! them (a Constraint each, all documents in `data.inventory`) over the 10k corpus, beside the
//! standard library's rules that check the same things (and the whole standard library). One
//! pass over 10,000 documents takes seconds, so the group takes ten samples of one pass each,
//! with a minute of measurement and a second of warm-up per scenario: it runs in about five
//! minutes. `cargo bench --bench rego -- gatekeeper` runs it alone.

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

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn ten_checks(c: &mut Criterion) {
    let n = common::size(1000);
    let docs = common::load("corpus.yaml", &common::corpus_yaml(n));
    let inputs: Vec<regorus::Value> = docs.iter().map(rego::input).collect();
    let fourc = common::engine(false, &[("reference.fourc", rego::REFERENCE_RULES)]);
    let mut interp = rego::engine();
    let mut vm = rego::vm(rego::ALL);
    let single = common::pool(1);

    let mut g = c.benchmark_group("ten_checks");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("regorus_interpreter_{n}"), |b| {
        b.iter(|| {
            let mut total = 0;
            for input in &inputs {
                interp.set_input(input.clone());
                let v = interp.eval_rule(rego::ALL.to_string()).unwrap();
                total += v.as_set().map_or(0, |s| s.len());
            }
            total
        });
    });
    g.bench_function(format!("regorus_rvm_{n}"), |b| {
        b.iter(|| {
            let mut total = 0;
            for input in &inputs {
                vm.set_input(input.clone());
                let v = vm.execute().unwrap();
                total += v.as_set().map_or(0, |s| s.len());
            }
            total
        });
    });
    g.bench_function(format!("fourc_{n}"), |b| {
        b.iter(|| single.install(|| fourc.evaluate_unreviewed(&docs).findings.len()));
    });
    // Not a like-for-like comparison (regorus evaluates one input at a time on one thread): how
    // fourc runs by default on this two-core machine.
    let both = common::pool(2);
    g.bench_function(format!("fourc_{n}_threads_2"), |b| {
        b.iter(|| both.install(|| fourc.evaluate_unreviewed(&docs).findings.len()));
    });
    g.finish();
}

/// The Gatekeeper training templates (`tests/data/gatekeeper/library`), one Constraint each (the
/// first sample's), as a `--rules` folder gives them.
fn gatekeeper_engine() -> fourc::Engine {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gatekeeper/library");
    let mut b = fourc::Engine::builder().stdlib(false);
    let mut policies: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flat_map(|g| std::fs::read_dir(g.unwrap().path()).unwrap())
        .map(|p| p.unwrap().path())
        .collect();
    policies.sort();
    for p in policies {
        let mut samples: Vec<std::path::PathBuf> = std::fs::read_dir(p.join("samples"))
            .unwrap()
            .map(|s| s.unwrap().path().join("constraint.yaml"))
            .filter(|c| c.exists())
            .collect();
        samples.sort();
        for f in [p.join("template.yaml"), samples[0].clone()] {
            let text = std::fs::read_to_string(&f).unwrap();
            b = b.rego_source(&f.display().to_string(), &text);
        }
    }
    b.build().unwrap_or_else(|e| panic!("{e}"))
}

/// The standard library's rules that check what each training template checks (the template's
/// folder, the rules); `disallowedtags` (a tag list) has none.
const EQUIVALENTS: &[(&str, &[&str])] = &[
    ("allowedrepos", &["image-registry"]),
    ("block-nodeport-services", &["service-nodeport"]),
    (
        "containerlimits",
        &["resources-cpu-limit", "resources-memory-limit"],
    ),
    ("requiredlabels", &["metadata-required-labels"]),
    ("uniqueingresshost", &["ingress-duplicate-host"]),
    (
        "capabilities",
        &["pss-baseline-capabilities", "pss-restricted-capabilities"],
    ),
    ("host-namespaces", &["pss-baseline-host-namespaces"]),
    ("host-network-ports", &["pss-baseline-host-ports"]),
    ("privileged-containers", &["pss-baseline-privileged"]),
    (
        "seccomp",
        &["pss-baseline-seccomp", "pss-restricted-seccomp"],
    ),
    (
        "users",
        &[
            "pss-restricted-run-as-non-root",
            "pss-restricted-run-as-user",
        ],
    ),
];

/// The standard library with only the rules of [`EQUIVALENTS`] enabled.
fn equivalents_engine() -> fourc::Engine {
    let mut config = fourc::Config::default();
    for (_, rules) in EQUIVALENTS {
        for r in *rules {
            config = config.enable_rule(r);
        }
    }
    fourc::Engine::builder()
        .config(config)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The twelve Gatekeeper training templates through regorus over the generated corpus (all
/// documents also form `data.inventory`), beside the standard library rules that check the
/// same things, and the whole standard library, over the same documents.
fn gatekeeper(c: &mut Criterion) {
    let n = common::size(10_000);
    let docs = common::load("corpus.yaml", &common::corpus_yaml(n));
    let rego = gatekeeper_engine();
    let equivalents = equivalents_engine();
    let stdlib = common::engine(true, &[]);
    let single = common::pool(1);
    let both = common::pool(2);
    let mut g = c.benchmark_group("gatekeeper");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(60));
    g.warm_up_time(std::time::Duration::from_secs(1));
    g.bench_function(format!("templates_12_{n}"), |b| {
        b.iter(|| single.install(|| rego.evaluate_unreviewed(&docs).findings.len()));
    });
    g.bench_function(format!("templates_12_{n}_threads_2"), |b| {
        b.iter(|| both.install(|| rego.evaluate_unreviewed(&docs).findings.len()));
    });
    g.bench_function(format!("fourc_equivalents_{n}"), |b| {
        b.iter(|| single.install(|| equivalents.evaluate_unreviewed(&docs).findings.len()));
    });
    g.bench_function(format!("fourc_stdlib_{n}"), |b| {
        b.iter(|| single.install(|| stdlib.evaluate_unreviewed(&docs).findings.len()));
    });
    g.finish();
}

criterion_group!(benches, ten_checks, gatekeeper);
criterion_main!(benches);
