//! The parser and compiler never panic, whatever the input: mutations of real rule files and
//! random text all end in diagnostics or a program.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use policy_lang::RuleCompiler;

const SEED_TEXT: &str =
    include_str!("../../stdlib-rules/rules/cluster/pod-security-baseline.fourc");

/// splitmix64: a small deterministic generator, enough to mutate text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn compile(text: &str) {
    let mut c = RuleCompiler::new();
    c.add_source(
        "lib/k8s.fourc",
        include_str!("../../stdlib-rules/rules/lib/k8s.fourc"),
    );
    c.add_source("fuzz.fourc", text);
    let _ = c.compile();
}

#[test]
fn mutated_rule_files_never_panic() {
    let pieces = [
        "{", "}", "(", ")", "[", "]", "\"", "\"\"\"", "each", "deny", "at", "??", "++", "not",
        "\\", "{x}", "0", "-", "é", "\n",
    ];
    let mut rng = Rng(42);
    let bytes: Vec<char> = SEED_TEXT.chars().collect();
    for _ in 0..300 {
        let mut text = bytes.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(text.len());
            match rng.below(3) {
                0 => {
                    let end = (at + 1 + rng.below(20)).min(text.len());
                    text.drain(at..end);
                }
                1 => {
                    let p = pieces[rng.below(pieces.len())];
                    for (i, ch) in p.chars().enumerate() {
                        text.insert((at + i).min(text.len()), ch);
                    }
                }
                _ => {
                    let from = rng.below(text.len());
                    let len = rng.below(40).min(text.len() - from);
                    let chunk: Vec<char> = text[from..from + len].to_vec();
                    for (i, ch) in chunk.into_iter().enumerate() {
                        text.insert((at + i).min(text.len()), ch);
                    }
                }
            }
        }
        let s: String = text.into_iter().collect();
        compile(&s);
    }
}

#[test]
fn random_text_never_panics() {
    let alphabet: Vec<char> =
        "rule test fn param import on as each deny {}()[]\"'#.,:=<>!?+-*/%0123456789abcxyz \n\t\\é"
            .chars()
            .collect();
    let mut rng = Rng(7);
    for _ in 0..500 {
        let n = rng.below(300);
        let s: String = (0..n)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        compile(&s);
    }
}

/// Compiles `text` on another thread, failing when that takes longer than `limit`.
fn compiles_within(text: String, limit: std::time::Duration) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        compile(&text);
        let _ = tx.send(());
    });
    assert!(
        rx.recv_timeout(limit).is_ok(),
        "compiling took longer than {limit:?}"
    );
}

#[test]
fn deeply_nested_unclosed_brackets_parse_in_linear_time() {
    // A list and a comprehension both start with `[ expr`: each nesting level must not parse its
    // element twice, or 40 levels take longer than the age of the universe.
    let limit = std::time::Duration::from_secs(10);
    let open = "[".repeat(40);
    compiles_within(format!("param p: [string] = {open} \"x\"\n"), limit);
    compiles_within(format!("fn f(x) = {open} x\n"), limit);
    compiles_within(format!("fn f(x) = x{open}1\n"), limit);
    // Closed, it is a value: nested lists and a comprehension inside them.
    let close = "]".repeat(40);
    compiles_within(
        format!("fn f(x) = {open}[y for y in x if y]{close}\n"),
        limit,
    );
}
