//! Imports: an import of a module no rule file provides is one error, at the import.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use policy_lang::RuleCompiler;

const USES_K8S: &str = r#"
import lib.k8s as k8s

rule caps {
  title "caps"
  controls [cluster.pod-security]
  severity high
  on workload as w
  each c in k8s.containers(w.pod)
  deny exists(c.securityContext.capabilities.add)
}
"#;

#[test]
fn an_unresolved_import_is_reported_once_not_again_at_each_use() {
    let mut c = RuleCompiler::new();
    c.add_source("rules/caps.fourc", USES_K8S);
    let errs = match c.compile() {
        Ok(_) => panic!("`lib.k8s` is not among the sources"),
        Err(e) => e,
    };
    let messages: Vec<&str> = errs.diagnostics().iter().map(|d| d.message()).collect();
    // Not also "`k8s` is not an imported module" with advice to add the import that is there.
    assert_eq!(messages, vec!["unknown module `lib.k8s`"]);
}

#[test]
fn a_call_through_an_alias_never_imported_is_still_an_error() {
    let mut c = RuleCompiler::new();
    c.add_source(
        "rules/caps.fourc",
        &USES_K8S.replace("import lib.k8s as k8s", ""),
    );
    let errs = match c.compile() {
        Ok(_) => panic!("`k8s` is not imported"),
        Err(e) => e,
    };
    let d = &errs.diagnostics()[0];
    assert_eq!(d.message(), "`k8s` is not an imported module");
    assert_eq!(
        d.help_text(),
        Some("add `import <module path> as k8s` at the top of the file")
    );
}
