//! Every input format through the input registry, as the command line reads a file: the first
//! byte picks the file name (and so the formats that may claim it) and the report format; the
//! rest is the file's content. The file is written to a fresh folder and checked with the
//! standard library by `Engine::check_paths`, then the scan is rendered.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use fourc::output::Format;
use fourc::{Date, Engine};

/// File names, each claimed by other formats (by name or, for the JSON and YAML ones, by
/// content: Kubernetes objects, CloudFormation templates, Terraform plans, SARIF logs,
/// vulnerability and ZAP reports, `kubectl describe` JSON, Connaisseur values).
const NAMES: [&str; 12] = [
    "input.yaml",
    "input.yml",
    "input.json",
    "main.tf",
    "terraform.tfvars",
    "Dockerfile",
    "build.containerfile",
    "Dockerfile.prod",
    "results.sarif",
    "stack.template",
    "report.json",
    "input",
];

const FORMATS: [Format; 5] = [
    Format::Text,
    Format::Json,
    Format::Sarif,
    Format::Junit,
    Format::Html,
];

static RUN: AtomicU64 = AtomicU64::new(0);

fn main() {
    let mut builder = Engine::builder();
    if let Some(d) = Date::new(2026, 1, 1) {
        builder = builder.today(d);
    }
    let engine = match builder.build() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("the standard library does not build: {e}");
            std::process::exit(2);
        }
    };
    // A panic ends the process (the harness aborts on it), so no state outlives one.
    let engine = std::panic::AssertUnwindSafe(engine);
    let base: PathBuf = std::env::temp_dir().join(format!("fourc-fuzz-{}", std::process::id()));
    afl::fuzz!(|data: &[u8]| {
        let Some((&pick, content)) = data.split_first() else {
            return;
        };
        let name = NAMES[usize::from(pick) % NAMES.len()];
        let format = FORMATS[usize::from(pick / 16) % FORMATS.len()];
        // A fresh folder each run: a Terraform folder's definitions are cached by file name,
        // length and modification time, which two runs in a row can share.
        let dir = base.join(RUN.fetch_add(1, Ordering::Relaxed).to_string());
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let path = dir.join(name);
        if std::fs::write(&path, content).is_ok() {
            let scan = engine.check_paths(&[&path]);
            let _ = format.render(&scan);
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
    let _ = std::fs::remove_dir_all(&base);
}
