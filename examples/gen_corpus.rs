//! Writes a generated benchmark corpus to disk (for `/usr/bin/time -v fourc check ...`).
//!
//! `cargo run --release --example gen_corpus -- N OUT.yaml [--seed S] [--jsonl OUT.jsonl]`
//! `cargo run --release --example gen_corpus -- N OUT_DIR --parts K` writes the same N objects
//! as K files `OUT_DIR/part-NNN.yaml` (a 100k-object corpus is 176 MB, over the 64 MB a single
//! file may have by default).
//!
//! The seed defaults to the reference seed for N (42 for 1,000 objects, 43 otherwise). The
//! generator is `benches/support/corpus.rs`, the same one the benches and tests use.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a developer tool: failing loudly is the point"
)]

#[path = "../benches/support/corpus.rs"]
#[allow(dead_code, reason = "shared with the benches, which use other parts")]
mod corpus;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gen_corpus N OUT.yaml [--seed S] [--jsonl OUT.jsonl] [--parts K]";
    let n: usize = args.first().and_then(|a| a.parse().ok()).expect(usage);
    let out = args.get(1).expect(usage);
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let seed = flag("--seed").map_or(corpus::seed_for(n), |s| s.parse().expect(usage));
    let parts: usize = flag("--parts").map_or(1, |s| s.parse().expect(usage));
    let objects = corpus::objects(n, seed);
    let per_part = n.div_ceil(parts.max(1)).max(1);
    let mut bytes = 0;
    for (p, chunk) in objects.chunks(per_part).enumerate() {
        let mut yaml = String::with_capacity(chunk.len() * 2000);
        for (i, o) in chunk.iter().enumerate() {
            if i > 0 {
                yaml.push_str("---\n");
            }
            corpus::write_yaml(&mut yaml, o);
        }
        bytes += yaml.len();
        if parts > 1 {
            std::fs::create_dir_all(out).unwrap();
            std::fs::write(format!("{out}/part-{p:03}.yaml"), &yaml).unwrap();
        } else {
            std::fs::write(out, &yaml).unwrap();
        }
    }
    if let Some(path) = flag("--jsonl") {
        let mut jsonl = String::new();
        for o in &objects {
            jsonl.push_str(&corpus::to_json(o));
            jsonl.push('\n');
        }
        std::fs::write(path, jsonl).unwrap();
    }
    eprintln!("wrote {out}: {n} objects in {parts} file(s), seed {seed}, {bytes} bytes");
}
