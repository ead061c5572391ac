//! The YAML/JSON loader on arbitrary bytes, as a file's bytes reach it: the size limit, UTF-8
//! and byte order mark checks, then the multi-document loader, in both scalar resolutions.
//!
//! Beyond "no panic", two properties of every loaded tree are checked: each span read from the
//! source lies inside the source text, and every key a map lists is found by looking it up.

use policy_core::document::{LoadOptions, YamlCompat};
use policy_core::value::{Node, Value};
use policy_core::yaml;

/// Nodes visited per document at most (aliases share subtrees, so the expanded tree can be far
/// larger than the input).
const VISITS: usize = 100_000;

fn check_tree(root: &Node, text_len: usize) {
    let mut stack = vec![root];
    let mut visits = 0;
    while let Some(n) = stack.pop() {
        visits += 1;
        if visits > VISITS {
            return;
        }
        if n.span.is_known() {
            assert!(
                n.span.start() <= n.span.end() && n.span.end() as usize <= text_len,
                "span {:?} outside a text of {text_len} bytes",
                n.span
            );
        }
        match &n.value {
            Value::List(items) => stack.extend(items.iter()),
            Value::Map(map) => {
                for (k, v) in map.iter() {
                    let found = map.get(k).map(|f| std::ptr::eq(f, v));
                    assert_eq!(found, Some(true), "key {k:?} not found in its own map");
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

fn main() {
    let kubernetes = LoadOptions::default();
    let yaml12 = LoadOptions {
        compat: YamlCompat::Yaml12,
        ..LoadOptions::default()
    };
    afl::fuzz!(|data: &[u8]| {
        for opts in [&kubernetes, &yaml12] {
            let loaded = yaml::load_bytes("fuzz.yaml", data, opts);
            for e in loaded.errors.iter().chain(&loaded.skipped) {
                let _ = (e.line(), e.col(), e.to_string());
            }
            for d in &loaded.documents {
                let source = d.source();
                let _ = (d.id(), d.kind(), source.lines_of(d.span()));
                check_tree(d.root(), source.text().len());
            }
        }
    });
}
