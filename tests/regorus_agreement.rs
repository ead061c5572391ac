//! fourc's equivalents of the ten reference Rego checks agree with regorus 0.14.1 (interpreter
//! and RVM) on every document of the generated 1k corpus: same documents, same violations per
//! check and per document, same messages.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: failing loudly is the point"
)]

#[path = "../benches/support/corpus.rs"]
#[allow(dead_code, reason = "shared with the benches, which use other parts")]
mod corpus;
#[path = "../benches/support/rego.rs"]
#[allow(dead_code, reason = "shared with the benches, which use other parts")]
mod rego;

use std::collections::BTreeMap;

use fourc::{Engine, LoadOptions, Source};
use rego::{CHECKS, PerDoc};

fn fourc_violations(docs: &[fourc::Document]) -> PerDoc {
    fourc_violations_with(docs, true)
}

fn fourc_violations_with(docs: &[fourc::Document], no_errors: bool) -> PerDoc {
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("reference.fourc", rego::REFERENCE_RULES)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let report = engine.evaluate_unreviewed(docs);
    if no_errors {
        assert!(report.errors.is_empty(), "{:#?}", report.errors.first());
    }
    let mut out = PerDoc::new();
    for f in &report.findings {
        let (pkg, _) = CHECKS
            .iter()
            .find(|(_, id)| **id == *f.rule().id)
            .expect("a reference rule");
        out.entry((f.doc_index() as usize, (*pkg).to_string()))
            .or_default()
            .push(f.message().to_string());
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
    let loaded = fourc::input::load_yaml(
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
    assert!(total > 2000, "only {total} violations");
    let docs_with = theirs
        .keys()
        .map(|(d, _)| d)
        .collect::<std::collections::BTreeSet<_>>();
    eprintln!(
        "{total} violations in {} documents: {:?}",
        docs_with.len(),
        per_check(&theirs)
    );
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

/// The corners of Rego's semantics that the generated corpus rarely reaches: missing and null
/// fields, `false` and `0`, pod-level defaults, every workload kind and one that is not.
const EDGE_CASES: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: nameless-container}
spec:
  containers:
  - image: nginx
    securityContext: {privileged: true}
  - name: ok
    image: nginx@sha256:abc
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, SYS_ADMIN]}
      seccompProfile: {type: Localhost}
    resources: {limits: {cpu: "0", memory: null}}
---
apiVersion: v1
kind: Pod
metadata: {namespace: x}
spec:
  containers: [{name: unnamed-pod, image: nginx}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}
spec:
  template:
    spec:
      hostNetwork: false
      hostPID: true
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      volumes:
      - {name: a, hostPath: {path: /var}}
      - {name: b, hostPath: {type: Directory}}
      - {name: c, emptyDir: {}}
      containers:
      - name: inherits
        image: registry:5000/team/app
        ports: [{containerPort: 80, hostPort: 0}, {containerPort: 81, hostPort: 8081}]
        securityContext: {runAsNonRoot: false, seccompProfile: {type: Unconfined}}
      - name: inherits-too
        image: registry:5000/team/app:1.2
        securityContext: {allowPrivilegeEscalation: true, capabilities: {drop: [NET_RAW]}}
      initContainers:
      - name: init
        image: busybox:latest
      ephemeralContainers:
      - name: debug
        image: busybox
---
apiVersion: batch/v1
kind: Job
metadata: {name: job}
spec:
  template:
    spec:
      hostIPC: true
      containers: [{name: j, image: "img:1", securityContext: {seccompProfile: {}}}]
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec:
  template:
    spec:
      securityContext: {seccompProfile: {type: Localhost}}
      containers: [{name: r, image: "a/b:c", securityContext: null}]
---
apiVersion: v1
kind: PodTemplate
metadata: {name: not-a-workload-for-rego}
template:
  spec:
    containers: [{name: t, image: nginx, securityContext: {privileged: true}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: empty}
spec: {template: {spec: {}}}
"#;

#[test]
fn fourc_agrees_with_regorus_on_edge_cases() {
    let loaded = fourc::input::load_yaml(
        &Source::new("edge.yaml", EDGE_CASES),
        &LoadOptions::default(),
    );
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let docs = loaded.documents;
    let ours = fourc_violations_with(&docs, false);
    let theirs = regorus_violations(&docs);
    assert!(theirs.values().map(Vec::len).sum::<usize>() > 30);
    assert_eq!(ours, theirs);
}
