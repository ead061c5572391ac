//! fourc's standard library: the 4C recommendations as rules written in fourc's own language.
//!
//! The rule files live in `rules/`, one folder per layer plus `lib/` for shared functions, and are
//! embedded in the binary. [`SOURCES`] lists them with their paths relative to `rules/`; the
//! module name of each is its path (`lib/k8s.fourc` is module `lib.k8s`).

/// The prefix shown before the embedded files' paths in diagnostics and findings.
pub const PREFIX: &str = "stdlib";

/// Every embedded rule file: its path relative to `rules/`, and its text.
pub const SOURCES: &[(&str, &str)] = &[
    ("lib/k8s.fourc", include_str!("../rules/lib/k8s.fourc")),
    (
        "cluster/pod-security-baseline.fourc",
        include_str!("../rules/cluster/pod-security-baseline.fourc"),
    ),
];

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
