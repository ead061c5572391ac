//! Compile errors: several at once, each with the source line, a caret, a label and help.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use policy_lang::{CompileErrors, RuleCompiler};

fn compile_err(text: &str) -> CompileErrors {
    let mut c = RuleCompiler::new();
    c.add_source("rules/bad.fourc", text);
    match c.compile() {
        Ok(_) => panic!("expected compile errors"),
        Err(e) => e,
    }
}

fn render(errs: &CompileErrors) -> String {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(100);
    let mut out = String::new();
    for d in errs.diagnostics() {
        handler.render_report(&mut out, d).unwrap();
        out.push('\n');
    }
    out
}

#[test]
fn three_mistakes_give_three_diagnostics() {
    let errs = compile_err(
        r#"
rule pss-privileged {
  title    "Privileged containers are not allowed"
  controls [cluster.pod-securty]
  severity high
  on workload as w
  each c in w.pod.containers
  deny c.securityContext.privileged == true and lowr(c.name) != "x"
    message "container {cc.name} runs privileged"
}
"#,
    );
    assert_eq!(errs.error_count(), 3);
    let codes: Vec<&str> = errs.diagnostics().iter().map(|d| d.code()).collect();
    assert_eq!(
        codes,
        vec![
            "fourc::unknown-control",
            "fourc::unknown-function",
            "fourc::unknown-name"
        ]
    );
    insta::assert_snapshot!(render(&errs));
}

#[test]
fn syntax_errors_are_reported_per_item() {
    let errs = compile_err(
        r#"
rule a {
  title "a"
  controls [cluster.rbac]
  severity low
  on Role as r
  deny r.rules ==
}

rule b {
  title "b"
  controls [cluster.rbac]
  severity low
  on Role as r
  deny count(r.rules) > 3 at
}

fn ok(x) = x + 1
"#,
    );
    assert_eq!(errs.error_count(), 2);
    let lines: Vec<usize> = errs.diagnostics().iter().map(|d| d.line_col().0).collect();
    assert_eq!(lines, vec![8, 16]);
    insta::assert_snapshot!(render(&errs));
}

#[test]
fn metadata_is_validated() {
    let errs = compile_err(
        r#"
rule r {
  titel    "typo"
  severity urgent
  on Deployment as d
  deny true
}
"#,
    );
    let messages: Vec<&str> = errs.diagnostics().iter().map(|d| d.message()).collect();
    assert_eq!(
        messages,
        vec![
            "rule `r` has no `title`",
            "rule `r` has no `controls`",
            "unknown metadata `titel`",
            "unknown severity `urgent`",
            "`deny` condition is always true",
        ]
    );
    assert_eq!(
        errs.diagnostics()[2].help_text(),
        Some("did you mean `title`?")
    );
}

#[test]
fn names_arity_literals_and_duplicates() {
    let errs = compile_err(
        r#"
import lib.nothere
param n: int = "three"
fn f(a) = a
rule r {
  title "r"
  controls [cluster.rbac]
  severity low
  on workloads as w
  deny f(1, 2) or quantity("12XYZ") > 1 or w.x matches "(" or resources(1) == []
}
rule r {
  title "r"
  controls [cluster.rbac]
  severity low
  on Role as r
  deny false
}
test missing-rule { allow "x.yaml" }
"#,
    );
    let messages: Vec<&str> = errs.diagnostics().iter().map(|d| d.message()).collect();
    insta::assert_debug_snapshot!(messages);
}

#[test]
fn absurd_nesting_is_an_error_not_a_crash() {
    let text = format!("fn f(x) = {}x{}", "(".repeat(100_000), ")".repeat(100_000));
    let errs = compile_err(&text);
    assert_eq!(
        errs.diagnostics()[0].message(),
        "brackets nested deeper than 200 levels"
    );
}

#[test]
fn the_language_guide_example_compiles() {
    let mut c = RuleCompiler::new();
    c.add_source(
        "example.fourc",
        r#"
param allowed_runtime_classes: [string] = ["gvisor", "kata"]

rule pss-baseline-privileged {
  title       "Privileged containers are not allowed"
  controls    [cluster.pod-security]
  profile     pss-baseline
  severity    high
  remediation "Remove securityContext.privileged or set it to false."

  on workload as w                       # any document with a pod template, normalized
  each c in w.pod.containers ++ w.pod.initContainers ++ w.pod.ephemeralContainers
  deny c.securityContext.privileged == true
    at c.securityContext.privileged      # where the finding points in the user's file
    message "container {c.name} runs privileged"
}

rule netpol-namespace-covered {
  title    "Namespaces with workloads have a NetworkPolicy"
  controls [cluster.network-policy]
  severity medium

  on Namespace as ns
  when any w in resources(workload) : w.metadata.namespace == ns.metadata.name
  deny not any p in resources(NetworkPolicy) : p.metadata.namespace == ns.metadata.name
    message "namespace {ns.metadata.name} runs workloads but no NetworkPolicy selects them"
}

test pss-baseline-privileged {
  deny  "fixtures/privileged-pod.yaml"
  allow "fixtures/plain-pod.yaml"
}
"#,
    );
    let compiled = c.compile().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(compiled.program.rules.len(), 2);
    assert_eq!(compiled.program.tests.len(), 1);
}

/// The rule `slip` as the only `deny` of a rule, rendered as the command line shows it.
fn slip_diagnostic(deny: &str) -> String {
    let errs = compile_err(&format!(
        "rule r {{\n  title \"r\"\n  controls [cluster.rbac]\n  severity low\n  on Role as r\n  {deny}\n}}\n"
    ));
    assert_eq!(errs.error_count(), 1, "{errs}");
    assert_eq!(errs.diagnostics()[0].code(), "fourc::syntax");
    errs.diagnostics()
        .iter()
        .map(|d| d.render(false))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn single_equals_suggests_double_equals() {
    insta::assert_snapshot!(slip_diagnostic("deny r.metadata.name = \"admin\""));
}

#[test]
fn triple_equals_suggests_double_equals() {
    insta::assert_snapshot!(slip_diagnostic("deny r.metadata.name === \"admin\""));
}

#[test]
fn bang_double_equals_suggests_not_equals() {
    insta::assert_snapshot!(slip_diagnostic("deny r.metadata.name !== \"admin\""));
}

#[test]
fn double_ampersand_suggests_and() {
    insta::assert_snapshot!(slip_diagnostic(
        "deny r.metadata.name == \"a\" && r.kind == \"Role\""
    ));
}

#[test]
fn double_bar_suggests_or() {
    insta::assert_snapshot!(slip_diagnostic(
        "when r.metadata.name == \"a\" || r.kind == \"Role\"\n  deny true"
    ));
}

#[test]
fn bang_suggests_not() {
    insta::assert_snapshot!(slip_diagnostic("deny !exists(r.rules)"));
}

#[test]
fn logical_slip_inside_an_interpolation_is_named() {
    let out = slip_diagnostic("deny true message \"{r.kind && r.metadata.name}\"");
    assert!(
        out.contains("help: the rule language writes `and`"),
        "{out}"
    );
}

#[test]
fn unclosed_interpolation_points_at_its_brace() {
    let out = slip_diagnostic("deny true\n    message \"role {r.metadata.name has {rules\"");
    insta::assert_snapshot!(out);
}

#[test]
fn empty_interpolation_points_at_its_brace() {
    let errs = compile_err(
        "rule r {\n  title \"r\"\n  controls [cluster.rbac]\n  severity low\n  on Role as r\n  deny true message \"use {} here\"\n}\n",
    );
    let d = &errs.diagnostics()[0];
    assert_eq!(d.line_col(), (6, 26), "the caret is on the `{{`");
    assert_eq!(
        d.help_text(),
        Some("`{` opens an interpolation; close it with `}` or write `\\{` for a literal brace")
    );
}

#[test]
fn escaped_brace_and_ordinary_errors_get_no_slip_help() {
    // `\{` is a literal brace: the error after the string is an ordinary one.
    let errs = compile_err(
        "rule r {\n  title \"r\"\n  controls [cluster.rbac]\n  severity low\n  on Role as r\n  deny true message \"a \\{ b\" at\n}\n",
    );
    let d = &errs.diagnostics()[0];
    assert_eq!(d.message(), "expected an expression, found `}`");
    assert_eq!(
        d.help_text(),
        Some("see docs/language.md for the syntax of rules, functions, parameters and tests")
    );
    // `=` where no expression has ended (metadata) is not a comparison slip.
    let errs = compile_err("rule r {\n  title = \"r\"\n}\n");
    assert!(
        !errs.diagnostics()[0].message().contains("comparison"),
        "{}",
        errs.diagnostics()[0].message()
    );
}

#[test]
fn remediation_names_only_known_parameters() {
    let errs = compile_err(
        r#"
param max_replicas: int = 5
rule r {
  title "r"
  controls [cluster.resources]
  severity low
  remediation "Keep replicas under {max_replica}; the pod is {d.metadata.name}"
  on Deployment as d
  deny d.spec.replicas > max_replicas
}
"#,
    );
    let rendered: Vec<String> = errs.diagnostics().iter().map(|d| d.render(false)).collect();
    insta::assert_snapshot!(rendered.join("\n"));
}

#[test]
fn the_any_type_parses_alone_and_nested() {
    // `any` is also the quantifier keyword; as a type it must still parse.
    let mut c = RuleCompiler::new();
    c.add_source(
        "types.fourc",
        r#"
param anything: any = 1
param entries: [{any}] = [{pathPrefix: "/var/log", readOnly: true}]
param names: {[any]} = {}
"#,
    );
    let compiled = c.compile().unwrap_or_else(|e| panic!("{e}"));
    let types: Vec<String> = compiled
        .program
        .params
        .iter()
        .map(|p| format!("{:?}", p.ty))
        .collect();
    assert_eq!(types, ["Any", "List(Map(Any))", "Map(List(Any))"]);
}
