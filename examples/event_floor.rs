//! The floor fourc's command line is measured against: read a file and pull every saphyr-parser
//! event from it, as fourc's loader does before it builds a single node, and nothing else.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- 10000 /tmp/c10k.yaml
//! cargo build --release --example event_floor
//! /usr/bin/time -v target/release/examples/event_floor /tmp/c10k.yaml
//! RAYON_NUM_THREADS=1 /usr/bin/time -v target/release/fourc check --no-config /tmp/c10k.yaml \
//!     --format json=/tmp/c10k.json
//! ```
//!
//! The ratio of the two elapsed times (or of their instruction counts under
//! `valgrind --tool=callgrind`) is the command line's cost over parsing (see BENCHMARKS.md).

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: event_floor FILE");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read `{path}`: {e}");
            return ExitCode::from(2);
        }
    };
    let mut events = 0u64;
    let mut parser = saphyr_parser::Parser::new_from_str(&text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok(ev) => {
                std::hint::black_box(ev);
                events += 1;
            }
            Err(e) => {
                eprintln!("error: {path}: {e}");
                return ExitCode::from(1);
            }
        }
    }
    println!("{events} events in {} bytes", text.len());
    ExitCode::SUCCESS
}
