//! fourc's equivalents of the ten reference Rego checks agree with regorus 0.14.1 (interpreter
//! and RVM) on every document of the generated 1k corpus: same documents, same violations per
//! check and per document, same messages.

#[path = "../benches/support/corpus.rs"]
#[allow(dead_code, reason = "shared with the benches, which use other parts")]
mod corpus;
#[path = "../benches/support/rego.rs"]
#[allow(dead_code, reason = "shared with the benches, which use other parts")]
mod rego;

use std::collections::BTreeMap;

use fourc::{Engine, LoadOptions, Source, core::yaml};
use rego::{CHECKS, PerDoc};

fn fourc_violations(docs: &[fourc::Document]) -> PerDoc {
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("reference.fourc", rego::REFERENCE_RULES)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let report = engine.evaluate(docs);
    assert!(report.errors.is_empty(), "{:#?}", report.errors.first());
    let mut out = PerDoc::new();
    for f in &report.findings {
        let (pkg, _) = CHECKS
            .iter()
            .find(|(_, id)| **id == *f.rule.id)
            .expect("a reference rule");
        out.entry((f.doc_index as usize, (*pkg).to_string()))
            .or_default()
            .push(f.message.clone());
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn regorus_violations(docs: &[fourc::Document]) -> PerDoc {
    let mut engine = rego::engine();
    let mut out = PerDoc::new();
    for (i, d) in docs.iter().enumerate() {
        engine.set_input(rego::input(d));
        for (pkg, _) in CHECKS {
            let v = engine
                .eval_rule(format!("data.k8s.{pkg}.deny"))
                .unwrap_or_else(|e| panic!("{pkg}: {e}"));
            let mut m = rego::messages(&v);
            if !m.is_empty() {
                m.sort();
                out.insert((i, (*pkg).to_string()), m);
            }
        }
    }
    out
}

fn per_check(v: &PerDoc) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for ((_, pkg), m) in v {
        *counts.entry(pkg.as_str()).or_default() += m.len();
    }
    counts
}

#[test]
fn fourc_agrees_with_regorus_on_the_1k_corpus() {
    let text = corpus::yaml(1000, corpus::SEED_1K);
    let loaded = yaml::load_str(
        &Source::new("k8s-1000.yaml", text.as_str()),
        &LoadOptions::default(),
    );
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
    let docs = loaded.documents;
    assert_eq!(docs.len(), 1000);

    let ours = fourc_violations(&docs);
    let theirs = regorus_violations(&docs);
    let total: usize = theirs.values().map(Vec::len).sum();
    // The generated corpus plants misconfigurations at the reference rates (the Python corpus
    // has 2,504 violations in 482 documents): make sure the comparison is not vacuous.
    assert!(total > 1500, "only {total} violations");
    assert_eq!(per_check(&ours), per_check(&theirs), "violations per check");
    for (key, m) in &theirs {
        assert_eq!(ours.get(key), Some(m), "document {} check {}", key.0, key.1);
    }
    assert_eq!(
        ours.len(),
        theirs.len(),
        "documents x checks with violations"
    );

    // The RVM on the one entry point of the pack gives the same messages as the interpreter.
    let mut vm = rego::vm(rego::ALL);
    for (i, d) in docs.iter().enumerate() {
        vm.set_input(rego::input(d));
        let mut got = rego::messages(&vm.execute().expect("runs"));
        got.sort();
        let mut want: Vec<String> = CHECKS
            .iter()
            .filter_map(|(pkg, _)| theirs.get(&(i, (*pkg).to_string())))
            .flatten()
            .cloned()
            .collect();
        want.sort();
        assert_eq!(got, want, "RVM on document {i}");
    }
}
