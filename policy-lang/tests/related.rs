//! `related` clauses: the places a finding names besides its own, end to end (rule text ->
//! IR -> evaluation), and the compile errors for clauses that can name no place.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

mod common;

use std::sync::Arc;

use common::{pod_rule, rules};
use policy_core::ruleset::MAX_RELATED;
use policy_core::{Finding, LoadOptions, Place, Report, Source, yaml};
use policy_lang::RuleCompiler;

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: app
    image: nginx:1.27
    args: [a, b, c]
  - name: sidecar
    image: envoy
";

fn run_on(rules_text: &str, files: &[(&str, &str)]) -> Report {
    let rs = rules(rules_text);
    let mut docs = Vec::new();
    for (name, text) in files {
        let loaded = yaml::load_str(&Source::new(*name, *text), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        docs.extend(loaded.documents);
    }
    rs.evaluate(&docs)
}

fn only(r: &Report) -> &Finding {
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
    &r.findings[0]
}

/// `file:line:col path` of each related place in a document; `uri:line...` of the others.
fn places(f: &Finding) -> Vec<String> {
    f.related()
        .iter()
        .map(|r| match &r.place {
            Place::Document { path, .. } => format!("{} {path}", r.describe()),
            _ => r.describe(),
        })
        .collect()
}

#[test]
fn a_value_of_the_document_is_a_place_with_its_path() {
    let r = run_on(
        &pod_rule("  deny true\n    related p.spec.containers[1].image"),
        &[("pod.yaml", POD)],
    );
    let f = only(&r);
    assert_eq!(
        places(f),
        ["pod.yaml:12:5 spec.containers[1].image"],
        "{f:?}"
    );
    let rel = &f.related()[0];
    assert_eq!(rel.message, None);
    assert_eq!(rel.label(), "spec.containers[1].image of Pod shop/web");
    let Place::Document { resource, .. } = &rel.place else {
        panic!("{rel:?}")
    };
    assert_eq!(resource.name.as_deref(), Some("web"));
}

#[test]
fn a_list_gives_one_place_per_element_and_several_clauses_add_up() {
    let r = run_on(
        &pod_rule(
            "  deny true\n    related [c.image for c in p.spec.containers]\n    message \"m\"\n    related p.metadata.name",
        ),
        &[("pod.yaml", POD)],
    );
    let f = only(&r);
    assert_eq!(
        places(f),
        [
            "pod.yaml:9:5 spec.containers[0].image",
            "pod.yaml:12:5 spec.containers[1].image",
            "pod.yaml:4:3 metadata.name",
        ]
    );
    assert_eq!(f.message(), "m");
}

#[test]
fn a_map_with_uri_and_line_is_a_place_outside_the_inputs() {
    let r = run_on(
        &pod_rule(
            r#"  deny true
    related [{"uri": "src/app.py", "line": 3, "column": 7, "end_line": 4, "end_column": 2, "message": "the call"},
             {"uri": "src/lib.py", "line": 10}]"#,
        ),
        &[("pod.yaml", POD)],
    );
    let f = only(&r);
    assert_eq!(places(f), ["src/app.py:3:7", "src/lib.py:10"]);
    let first = &f.related()[0];
    assert_eq!(first.label(), "the call");
    match &first.place {
        Place::External {
            uri,
            line,
            column,
            end_line,
            end_column,
        } => {
            assert_eq!(
                (uri.as_str(), *line, *column, *end_line, *end_column),
                ("src/app.py", 3, Some(7), Some(4), Some(2))
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.related()[1].label(), "src/lib.py:10");
}

#[test]
fn values_that_name_no_place_are_skipped() {
    // Undefined, computed values, maps without a usable uri or line, and repeats: no error,
    // no place.
    let r = run_on(
        &pod_rule(
            r#"  let line = 0
  let text = "text"
  let number = 3
  let no_line = {"uri": "a.py"}
  deny true
    related [p.spec.missing, text, number, p.metadata.name + "-x", no_line,
             {"uri": "", "line": 1}, {"uri": "a.py", "line": line},
             {"uri": "a.py", "line": "3"}, p.metadata.name, p.metadata.name]
    related p.spec.nothing.here"#,
        ),
        &[("pod.yaml", POD)],
    );
    let f = only(&r);
    assert_eq!(places(f), ["pod.yaml:4:3 metadata.name"]);
}

#[test]
fn a_finding_without_related_has_none() {
    let r = run_on(&pod_rule("  deny true"), &[("pod.yaml", POD)]);
    assert!(only(&r).related().is_empty());
}

#[test]
fn the_number_of_places_is_capped() {
    let r = run_on(
        &pod_rule(
            r#"  let lines = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
  deny true
    related [{"uri": "f.py", "line": i} for i in lines]
    related [{"uri": "g.py", "line": i} for i in lines]
    related p.metadata.name"#,
        ),
        &[("pod.yaml", POD)],
    );
    let f = only(&r);
    assert_eq!(f.related().len(), MAX_RELATED);
    assert_eq!(places(f).last().map(String::as_str), Some("g.py:12"));
}

#[test]
fn places_in_other_documents_are_found_in_their_own_file() {
    // Two files with the same bytes up to the image: a node of one must not be taken for the
    // other's. The Service names the image lines of every workload.
    let web = "apiVersion: v1\nkind: Pod\nmetadata: {name: aa}\nspec:\n  containers: [{name: c, image: nginx}]\n";
    let api = "apiVersion: v1\nkind: Pod\nmetadata: {name: bb}\nspec:\n  containers: [{name: c, image: redis}]\n";
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n";
    let rule = r#"rule t {
  title "t"
  controls [cluster.pod-security]
  severity low
  on Service as s
  deny true
    related flatten([[c.image for c in w.pod.containers] for w in resources(workload)])
}
"#;
    let r = run_on(rule, &[("a.yaml", web), ("b.yaml", api), ("svc.yaml", svc)]);
    let f = only(&r);
    assert_eq!(
        places(f),
        [
            "a.yaml:5:26 spec.containers[0].image",
            "b.yaml:5:26 spec.containers[0].image",
        ]
    );
    assert_eq!(f.related()[1].label(), "spec.containers[0].image of Pod bb");
}

fn compile_messages(body: &str) -> Vec<String> {
    let mut c = RuleCompiler::new();
    c.add_source("rules/bad.fourc", &pod_rule(body));
    match c.compile() {
        Ok(_) => panic!("expected compile errors for {body}"),
        Err(e) => e
            .diagnostics()
            .iter()
            .filter(|d| d.level() == policy_lang::Level::Error)
            .map(|d| format!("{}: {}", d.code(), d.message()))
            .collect(),
    }
}

#[test]
fn literals_and_maps_without_uri_or_line_are_compile_errors() {
    assert_eq!(
        compile_messages("  deny true\n    related \"src/app.py\""),
        ["fourc::related: `related` takes places, found a string"]
    );
    assert_eq!(
        compile_messages("  deny true\n    related [p.metadata.name, 3, null]"),
        [
            "fourc::related: `related` takes places, found a number",
            "fourc::related: `related` takes places, found `null`",
        ]
    );
    assert_eq!(
        compile_messages("  deny true\n    related {\"file\": \"a.py\"}"),
        ["fourc::related: a `related` place outside the inputs needs `uri` and `line`"]
    );
    assert_eq!(
        compile_messages("  deny true\n    related {\"uri\": \"a.py\"}"),
        ["fourc::related: a `related` place outside the inputs needs `line`"]
    );
}

#[test]
fn related_is_a_keyword_and_needs_an_expression() {
    let mut c = RuleCompiler::new();
    c.add_source("rules/bad.fourc", &pod_rule("  deny true\n    related"));
    assert!(c.compile().is_err());
    let mut c = RuleCompiler::new();
    c.add_source(
        "rules/bad.fourc",
        &pod_rule("  let related = 1\n  deny true"),
    );
    assert!(c.compile().is_err());
}

#[test]
fn the_compiled_deny_keeps_its_related_expressions() {
    let mut c = RuleCompiler::new();
    c.add_source(
        "r.fourc",
        &pod_rule("  deny true\n    related p.metadata.name\n    related p.spec"),
    );
    let program = Arc::new(c.compile().unwrap().program);
    let rule = &program.rules[0];
    let deny = rule
        .body
        .iter()
        .find_map(|s| match s {
            policy_core::ir::Stmt::Deny(d) => Some(d),
            _ => None,
        })
        .unwrap();
    assert_eq!(deny.related.len(), 2);
}
