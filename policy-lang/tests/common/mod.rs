//! Shared helpers: compile a rule text, load YAML, evaluate.
#![allow(dead_code, reason = "each test file uses a part of the helpers")]

use std::sync::Arc;

use policy_core::{LoadOptions, Report, RuleSet, RuleSetOptions, Source, yaml};

pub fn rules(text: &str) -> RuleSet {
    let mut c = policy_lang::RuleCompiler::new();
    c.add_source("test.fourc", text);
    let compiled = c.compile().unwrap_or_else(|e| panic!("{e}"));
    RuleSet::new(Arc::new(compiled.program), RuleSetOptions::default()).unwrap()
}

pub fn run(rules_text: &str, yaml_text: &str) -> Report {
    let rs = rules(rules_text);
    let loaded = yaml::load_str(&Source::new("in.yaml", yaml_text), &LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    rs.evaluate(&loaded.documents)
}

/// Wraps a `deny` condition over `on Pod as p` in a complete rule.
pub fn pod_rule(body: &str) -> String {
    format!(
        "rule t {{\n  title \"t\"\n  controls [cluster.pod-security]\n  severity low\n  on Pod as p\n{body}\n}}\n"
    )
}

/// Messages of the findings.
pub fn messages(r: &Report) -> Vec<String> {
    r.findings.iter().map(|f| f.message().to_string()).collect()
}
