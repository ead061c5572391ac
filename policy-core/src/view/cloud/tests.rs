#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use super::*;

#[test]
fn every_default_has_a_source() {
    let Some(types) = DEFAULTS.as_object() else {
        panic!("defaults.json is not an object");
    };
    for (kind, fields) in types {
        if kind.starts_with('$') {
            continue;
        }
        for (path, d) in fields.as_object().unwrap() {
            assert!(d.get("default").is_some(), "{kind} {path}");
            let src = d.get("source").and_then(|s| s.as_str()).unwrap_or("");
            assert!(
                src.starts_with("https://"),
                "{kind} {path} has no source URL"
            );
        }
    }
    assert_eq!(
        provider_default("aws_eks_cluster", "vpc_config.endpoint_public_access"),
        Some(Value::Bool(true))
    );
}
