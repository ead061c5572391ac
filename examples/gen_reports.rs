//! Writes generated scanner reports to disk (for `/usr/bin/time -v fourc check ...`).
//!
//! `cargo run --release --example gen_reports -- trivy MB OUT.json` writes a Trivy image report
//! of about MB megabytes; `cargo run --release --example gen_reports -- sarif MB OUT.sarif` a
//! SARIF log. The generator is `benches/support/reports.rs`, the one the benches use.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a developer tool: failing loudly is the point"
)]

#[path = "../benches/support/reports.rs"]
mod reports;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gen_reports trivy|sarif MB OUT";
    let mb: usize = args.get(1).and_then(|a| a.parse().ok()).expect(usage);
    let out = std::path::Path::new(args.get(2).expect(usage));
    let text = match args.first().map(String::as_str) {
        Some("trivy") => reports::trivy_json(mb * 1_000_000),
        Some("sarif") => reports::sarif_json(mb * 1_000_000),
        _ => panic!("{usage}"),
    };
    std::fs::write(out, &text).unwrap();
    println!("{} bytes in {}", text.len(), out.display());
}
