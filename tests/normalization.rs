//! Every pod-bearing kind exposes the same pod spec through the `workload` view, and a finding
//! points at the line and column in the user's own file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use fourc::Engine;

const RULE: &str = r#"
rule privileged {
  title    "Privileged containers are not allowed"
  controls [cluster.pod-security]
  severity high
  on workload as w
  each c in w.pod.containers ++ w.pod.initContainers ++ w.pod.ephemeralContainers
  deny c.securityContext.privileged == true
    at c.securityContext.privileged
    message "{w.kind} {w.metadata.name}: container {c.name} runs privileged"
}
"#;

/// A pod spec whose second container is privileged, indented by `indent` spaces.
fn pod_spec(indent: usize) -> String {
    let pad = " ".repeat(indent);
    format!(
        "{pad}containers:\n{pad}- name: app\n{pad}  image: nginx\n{pad}- name: shell\n{pad}  image: busybox\n{pad}  securityContext:\n{pad}    privileged: true\n"
    )
}

fn check(kind: &str, api: &str, prefix: &str, indent: usize, expected_path: &str) {
    let doc = format!(
        "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: x\n{prefix}{}",
        pod_spec(indent)
    );
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("t.fourc", RULE)
        .build()
        .unwrap();
    let scan = engine.check_str("w.yaml", &doc);
    assert!(
        scan.load_errors.is_empty(),
        "{kind}: {:?}",
        scan.load_errors
    );
    assert_eq!(scan.report.findings.len(), 1, "{kind}");
    let f = &scan.report.findings[0];
    assert_eq!(
        f.message(),
        format!("{kind} x: container shell runs privileged")
    );
    assert_eq!(f.path(), expected_path, "{kind}");
    let line = doc
        .lines()
        .position(|l| l.trim() == "privileged: true")
        .unwrap()
        + 1;
    let col = doc
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("privileged")
        .unwrap()
        + 1;
    assert_eq!((f.line() as usize, f.col() as usize), (line, col), "{kind}");
    assert_eq!(f.resource().kind.as_deref(), Some(kind));
}

#[test]
fn pod() {
    check(
        "Pod",
        "v1",
        "spec:\n",
        2,
        "spec.containers[1].securityContext.privileged",
    );
}

#[test]
fn pod_template() {
    check(
        "PodTemplate",
        "v1",
        "template:\n  spec:\n",
        4,
        "template.spec.containers[1].securityContext.privileged",
    );
}

#[test]
fn controllers_with_spec_template() {
    for (kind, api) in [
        ("Deployment", "apps/v1"),
        ("ReplicaSet", "apps/v1"),
        ("StatefulSet", "apps/v1"),
        ("DaemonSet", "apps/v1"),
        ("Job", "batch/v1"),
        ("ReplicationController", "v1"),
    ] {
        check(
            kind,
            api,
            "spec:\n  template:\n    spec:\n",
            6,
            "spec.template.spec.containers[1].securityContext.privileged",
        );
    }
}

#[test]
fn cron_job() {
    check(
        "CronJob",
        "batch/v1",
        "spec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n",
        10,
        "spec.jobTemplate.spec.template.spec.containers[1].securityContext.privileged",
    );
}

#[test]
fn init_and_ephemeral_containers_count() {
    let doc = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  initContainers:\n  - name: init\n    securityContext: {privileged: true}\n  ephemeralContainers:\n  - name: debug\n    securityContext: {privileged: true}\n";
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("t.fourc", RULE)
        .build()
        .unwrap();
    let scan = engine.check_str("p.yaml", doc);
    let got: Vec<(String, u32, u32)> = scan
        .report
        .findings
        .iter()
        .map(|f| (f.path().to_string(), f.line(), f.col()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "spec.initContainers[0].securityContext.privileged".to_string(),
                7,
                23
            ),
            (
                "spec.ephemeralContainers[0].securityContext.privileged".to_string(),
                10,
                23
            ),
        ]
    );
}

#[test]
fn kinds_without_a_pod_template_are_not_workloads() {
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("t.fourc", RULE)
        .build()
        .unwrap();
    let doc = format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: x}}\nspec:\n{}",
        pod_spec(2)
    );
    assert!(engine.check_str("s.yaml", &doc).report.findings.is_empty());
}

#[test]
fn a_missing_view_field_is_reported_in_document_terms() {
    const LABELS: &str = r#"
rule labels {
  title    "Pods carry labels"
  controls [cluster.network-policy]
  severity low
  on workload as w
  deny not exists(w.podMetadata.labels.app) at w.podMetadata.labels.app
}
"#;
    let doc = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: x\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: c}]\n";
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("t.fourc", LABELS)
        .build()
        .unwrap();
    let scan = engine.check_str("c.yaml", doc);
    let f = &scan.report.findings[0];
    assert_eq!(
        f.path(),
        "spec.jobTemplate.spec.template.metadata.labels.app"
    );
    // The deepest part of that path the document has: `template:` on line 8.
    assert_eq!((f.line(), f.col()), (8, 7));
}
