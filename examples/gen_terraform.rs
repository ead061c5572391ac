//! Writes generated Terraform inputs to disk (for `/usr/bin/time -v fourc check ...`).
//!
//! `cargo run --release --example gen_terraform -- folder N OUT_DIR` writes a folder of N
//! resources; `cargo run --release --example gen_terraform -- plan MB OUT.json` a plan JSON of
//! about MB megabytes. The generator is `benches/support/terraform.rs`, the one the benches use.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a developer tool: failing loudly is the point"
)]

#[path = "../benches/support/terraform.rs"]
mod terraform;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gen_terraform folder N OUT_DIR | gen_terraform plan MB OUT.json";
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).expect(usage);
    let out = std::path::Path::new(args.get(2).expect(usage));
    match args.first().map(String::as_str) {
        Some("folder") => {
            let bytes = terraform::write_folder(out, n);
            println!("{n} resources, {bytes} bytes of .tf in {}", out.display());
        }
        Some("plan") => {
            let text = terraform::plan_json(n * 1_000_000);
            std::fs::write(out, &text).unwrap();
            println!("{} bytes of plan JSON in {}", text.len(), out.display());
        }
        _ => panic!("{usage}"),
    }
}
