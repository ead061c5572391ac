//! `docs/rules.md` is generated from the standard library and must match it: this test fails
//! when a rule changes and the catalogue was not regenerated. Regenerate with
//! `FOURC_UPDATE_DOCS=1 cargo test --test rules_catalog`, or
//! `fourc rules --markdown --no-config > docs/rules.md`.

#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail by panicking")]

#[test]
fn the_rule_catalogue_matches_the_standard_library() {
    let engine = fourc::Engine::builder().build().unwrap();
    let fresh = fourc::catalog::markdown(&engine);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
    if std::env::var_os("FOURC_UPDATE_DOCS").is_some() {
        std::fs::write(path, &fresh).unwrap();
        return;
    }
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current != fresh {
        let first = current
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| current.lines().count().min(fresh.lines().count()));
        panic!(
            "docs/rules.md is stale (first difference at line {}): regenerate it with \
             `FOURC_UPDATE_DOCS=1 cargo test --test rules_catalog`",
            first + 1
        );
    }
}

#[test]
fn the_catalogue_describes_every_rule_and_control() {
    let engine = fourc::Engine::builder().build().unwrap();
    let md = fourc::catalog::markdown(&engine);
    for m in engine.rules().rules() {
        assert!(
            md.contains(&format!("### `{}`", m.id)),
            "{} is missing",
            m.id
        );
    }
    for c in fourc::controls::CONTROLS {
        assert!(
            md.contains(&format!("| `{}` |", c.key)),
            "{} is missing",
            c.key
        );
    }
}
