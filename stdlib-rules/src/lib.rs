//! fourc's standard library: the 4C recommendations as rules written in fourc's own language.
//!
//! The rule files live in `rules/`, one folder per layer plus `lib/` for shared functions, and are
//! embedded in the binary. [`SOURCES`] lists them with their paths relative to `rules/`; the
//! module name of each is its path (`lib/k8s.fourc` is module `lib.k8s`).

/// The prefix shown before the embedded files' paths in diagnostics and findings.
pub const PREFIX: &str = "stdlib";

/// Every embedded rule file: its path relative to `rules/`, and its text.
pub const SOURCES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/sources.rs"));

pub mod pod_security;

/// The profiles the standard library declares: Pod Security (`baseline`, `restricted`).
pub fn profiles() -> Vec<policy_core::profile::Profile> {
    vec![pod_security::PROFILE]
}

/// Compiles the standard library alone.
pub fn compile() -> Result<policy_lang::Compiled, policy_lang::CompileErrors> {
    let mut c = policy_lang::RuleCompiler::new();
    for (path, text) in SOURCES {
        c.add_module(
            &policy_lang::module_name(path),
            &format!("{PREFIX}/{path}"),
            text,
        );
    }
    c.compile()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_library_compiles_without_warnings() {
        let compiled = match compile() {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert!(compiled.warnings.is_empty(), "{:?}", compiled.warnings);
        assert!(compiled.program.rules.len() >= 11);
    }

    #[test]
    fn every_rule_has_a_deny_and_an_allow_case() {
        let compiled = compile().unwrap_or_else(|e| panic!("{e}"));
        let prog = &compiled.program;
        for r in &prog.rules {
            let cases: Vec<_> = prog
                .tests
                .iter()
                .filter(|t| t.rule == r.meta.id)
                .flat_map(|t| t.cases.iter())
                .collect();
            assert!(
                cases
                    .iter()
                    .any(|c| matches!(c.expect, policy_core::ir::Expect::Deny(_))),
                "rule {} has no deny case",
                r.meta.id
            );
            assert!(
                cases
                    .iter()
                    .any(|c| c.expect == policy_core::ir::Expect::Allow),
                "rule {} has no allow case",
                r.meta.id
            );
        }
    }

    #[test]
    fn every_rule_test_passes() {
        let compiled = compile().unwrap_or_else(|e| panic!("{e}"));
        let rules = policy_core::RuleSet::new(
            std::sync::Arc::new(compiled.program),
            policy_core::RuleSetOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let report =
            policy_core::testing::run_tests(&rules, None, &policy_core::LoadOptions::default());
        let failed: Vec<String> = report
            .cases
            .iter()
            .filter(|c| !c.passed)
            .map(|c| {
                format!(
                    "{} {} at {}: {:?}",
                    c.rule, c.expected, c.location, c.detail
                )
            })
            .collect();
        assert!(
            failed.is_empty(),
            "failing rule tests:\n{}",
            failed.join("\n")
        );
        assert!(report.passed() >= 22, "only {} cases ran", report.passed());
    }

    #[test]
    fn every_rule_file_is_embedded() {
        assert!(SOURCES.iter().any(|(p, _)| *p == "lib/k8s.fourc"));
        assert!(
            SOURCES
                .iter()
                .all(|(p, t)| p.ends_with(".fourc") && !t.is_empty())
        );
    }
}
