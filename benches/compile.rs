//! Compiling rules: the whole standard library, and 1,000 generated rules in one module.
//!
//! `cargo bench --bench compile`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "benchmark code: failing loudly is the point"
)]

use std::fmt::Write as _;

use criterion::{Criterion, criterion_group, criterion_main};

/// `n` rules of five shapes (container fields, pod fields, quantifiers, regexes, functions).
fn generated_rules(n: usize) -> String {
    let fields = [
        "privileged",
        "allowPrivilegeEscalation",
        "readOnlyRootFilesystem",
        "runAsNonRoot",
    ];
    let mut s = String::from(
        "fn containers(pod) = pod.containers ++ pod.initContainers ++ pod.ephemeralContainers\n\n",
    );
    for i in 0..n {
        let f = fields[i % fields.len()];
        let body = match i % 5 {
            0 => format!(
                "  each c in containers(w.pod)\n  deny c.securityContext.{f} == true and c.name != \"skip-{i}\"\n    at c.securityContext.{f}\n    message \"{{w.kind}} {{w.metadata.name}}: container {{c.name}} sets {f} (rule {i})\"\n"
            ),
            1 => format!(
                "  let labels = w.metadata.labels ?? {{}}\n  deny not exists(labels[\"team-{i}\"]) and w.pod.hostNetwork == true\n    at w.metadata\n    message \"{{w.metadata.name}} lacks label team-{i}\"\n"
            ),
            2 => format!(
                "  deny any c in containers(w.pod) : c.image matches \"^registry{i}\\\\.example\\\\.com/\"\n    message \"{{w.metadata.name}} pulls from registry {i}\"\n"
            ),
            3 => format!(
                "  each c in w.pod.containers\n  let limit = c.resources.limits.memory ?? \"0\"\n  deny quantity(limit) > {i} * 1048576 and count(c.ports) > {}\n    at c.resources\n    message \"container {{c.name}} may use more than {i}Mi\"\n",
                i % 4
            ),
            _ => format!(
                "  deny count([c for c in containers(w.pod) if c.securityContext.{f} != false]) > {}\n    message \"too many containers without {f} in {{w.metadata.name}}\"\n",
                i % 3
            ),
        };
        write!(
            s,
            "rule gen-{i} {{\n  title \"Generated rule {i}\"\n  controls [cluster.pod-security]\n  severity medium\n  on workload as w\n{body}}}\n\n"
        )
        .unwrap();
    }
    s
}

fn compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    g.bench_function("stdlib", |b| {
        b.iter(|| stdlib_rules::compile().unwrap());
    });
    let text = generated_rules(1000);
    g.bench_function("rules_1000", |b| {
        b.iter(|| {
            let mut c = policy_lang::RuleCompiler::new();
            c.add_module("generated", "generated.fourc", &text);
            let compiled = c.compile().unwrap();
            assert_eq!(compiled.program.rules.len(), 1000);
            compiled
        });
    });
    g.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
