//! The semantics of the language, end to end: rule text -> IR -> evaluation over YAML.
//! Missing data (undefined) is the part engines disagree on, so it is pinned down here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

mod common;

use std::sync::Arc;

use common::{messages, pod_rule, run};
use policy_core::{LoadOptions, RuleSet, RuleSetOptions, Source, Value, yaml};

const POD: &str = "
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  nullable: null
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      capabilities:
        drop: [NET_RAW]
  - name: sidecar
    image: envoy
    ports: [{containerPort: 80, hostPort: 8080}]
";

/// Evaluates `deny <cond> message "hit"` on POD and says whether it fired.
fn fires(cond: &str) -> bool {
    let r = run(&pod_rule(&format!("  deny {cond} message \"hit\"")), POD);
    assert!(
        r.errors.is_empty(),
        "{cond}: {:?}",
        r.errors.iter().map(|e| e.message()).collect::<Vec<_>>()
    );
    !r.findings.is_empty()
}

fn errors(cond: &str) -> Vec<String> {
    let r = run(&pod_rule(&format!("  deny {cond}")), POD);
    r.errors.iter().map(|e| e.message().to_string()).collect()
}

#[test]
fn equality_treats_undefined_as_a_value_of_its_own() {
    assert!(!fires("p.spec.missing == false"));
    assert!(fires("p.spec.missing != false"));
    assert!(fires("p.spec.missing == p.spec.other_missing"));
    assert!(!fires("p.spec.missing == null"));
    assert!(fires("p.spec.nullable == null"));
}

#[test]
fn ordering_with_undefined_or_null_is_false() {
    assert!(!fires("p.spec.missing < 1"));
    assert!(!fires("p.spec.missing >= 1"));
    assert!(!fires("p.spec.nullable > 0"));
    assert!(fires("p.spec.containers[1].ports[0].hostPort > 1024"));
}

#[test]
fn not_and_conditions_treat_undefined_as_false() {
    assert!(fires("not p.spec.hostNetwork"));
    assert!(!fires("p.spec.hostNetwork"));
    assert!(!fires("p.spec.hostNetwork and true"));
    assert!(fires("p.spec.hostNetwork or true"));
}

#[test]
fn quantifiers_over_missing_collections() {
    assert!(!fires("any v in p.spec.volumes : true"));
    assert!(fires("all v in p.spec.volumes : false"));
    assert!(fires("none v in p.spec.volumes : true"));
    assert!(fires("count(p.spec.volumes) == 0"));
    assert!(fires("any c in p.spec.containers : c.name == \"sidecar\""));
    assert!(fires("all c in p.spec.containers : exists(c.image)"));
}

#[test]
fn default_and_exists_make_intent_explicit() {
    assert!(fires("(p.spec.hostNetwork ?? false) == false"));
    assert!(fires("p.spec.nullable ?? 3 == 3"));
    assert!(!fires("exists(p.spec.nullable)"));
    assert!(!fires("exists(p.spec.missing)"));
    assert!(fires("exists(p.metadata.labels.app)"));
}

#[test]
fn membership_and_strings() {
    assert!(fires(
        "\"NET_RAW\" in p.spec.containers[0].securityContext.capabilities.drop"
    ));
    assert!(!fires(
        "\"ALL\" in p.spec.containers[0].securityContext.capabilities.drop"
    ));
    assert!(!fires(
        "\"ALL\" in p.spec.containers[1].securityContext.capabilities.drop"
    ));
    assert!(fires("\"app\" in p.metadata.labels"));
    assert!(fires(
        "p.spec.containers[0].image matches \"^nginx:[0-9.]+$\""
    ));
    assert!(fires("upper(p.metadata.name) == \"WEB\""));
    assert!(fires(
        "\"{p.metadata.name}-{count(p.spec.containers)}\" == \"web-2\""
    ));
}

#[test]
fn arithmetic_lists_and_comprehensions() {
    assert!(fires("1 + 2 * 3 == 7"));
    assert!(fires("7 / 2 == 3.5"));
    assert!(fires(
        "count(p.spec.containers ++ p.spec.initContainers) == 2"
    ));
    assert!(fires(
        "[c.name for c in p.spec.containers if exists(c.ports)] == [\"sidecar\"]"
    ));
    assert!(fires(
        "(if count(p.spec.containers) > 1 then \"many\" else \"one\") == \"many\""
    ));
    assert!(fires("quantity(\"500m\") < quantity(\"1\")"));
    assert!(fires("{\"a\": 1}.a == 1"));
}

#[test]
fn runtime_type_errors_are_reported_never_silent() {
    let e = errors("p.metadata.name.first == 1");
    assert_eq!(
        e,
        vec!["cannot read field `first` of string `web` (at `metadata.name`)".to_string()]
    );
    let e = errors("p.metadata.name > 3");
    assert_eq!(
        e,
        vec!["cannot compare string `web` with int `3`".to_string()]
    );
    let e = errors("p.metadata.name");
    assert_eq!(
        e,
        vec!["a condition must be a bool, found string `web` (at `metadata.name`)".to_string()]
    );
    assert_eq!(errors("1 / 0 == 1"), vec!["division by zero".to_string()]);
    assert_eq!(
        errors("9223372036854775807 + 1 == 0"),
        vec!["integer overflow".to_string()]
    );
    let e = errors("any x in p.metadata.name : true");
    assert_eq!(
        e,
        vec!["expected a list, found string `web` (at `metadata.name`)".to_string()]
    );
}

#[test]
fn runtime_errors_name_the_document_field_they_are_about() {
    // The value at fault is a field of the document: the error names its path, however the
    // rule reached it (a function, `++`, an index, a comprehension).
    let e = errors("any c in p.spec.containers[0].image ++ [] : true");
    assert_eq!(
        e,
        vec!["`++` expects lists, found string `nginx:1.27` (at `spec.containers[0].image`)"]
    );
    let e = errors("count([x for x in p.metadata.labels.app]) > 0");
    assert_eq!(
        e,
        vec!["expected a list, found string `web` (at `metadata.labels.app`)"]
    );
    let e = errors("p.spec.containers[1].ports[0].hostPort.x == 1");
    assert_eq!(
        e,
        vec!["cannot read field `x` of int `8080` (at `spec.containers[1].ports[0].hostPort`)"]
    );
    let e = errors("\"a\" in p.spec.containers[0].securityContext.capabilities.drop[0].x");
    assert_eq!(
        e,
        vec![
            "cannot read field `x` of string `NET_RAW` \
             (at `spec.containers[0].securityContext.capabilities.drop[0]`)"
        ]
    );
    // Values the rule computed have no field to name.
    assert_eq!(
        errors("any x in \"abc\" : true"),
        vec!["expected a list, found string `abc`"]
    );
}

#[test]
fn each_produces_one_finding_per_element_with_interpolated_messages() {
    let r = run(
        &pod_rule(
            "  each c in p.spec.containers\n  deny true message \"container {c.name} uses {c.image}\"",
        ),
        POD,
    );
    assert_eq!(
        messages(&r),
        vec![
            "container app uses nginx:1.27",
            "container sidecar uses envoy"
        ]
    );
}

#[test]
fn let_when_and_blocks() {
    let body = "
  let cs = p.spec.containers
  when count(cs) > 1
  each c in cs {
    when exists(c.ports)
    deny true message \"{c.name} has ports\"
  }
  deny p.metadata.name == \"web\" message \"after the block\"";
    let r = run(&pod_rule(body), POD);
    assert_eq!(messages(&r), vec!["after the block", "sidecar has ports"]);
}

#[test]
fn functions_and_parameters() {
    let text = "
param limit: int = 1
fn all_containers(pod) = pod.containers ++ pod.initContainers
fn too_many(pod) {
  let n = count(all_containers(pod))
  n > limit
}
rule t {
  title \"t\"
  controls [cluster.resources]
  severity low
  on Pod as p
  deny too_many(p.spec) message \"{count(all_containers(p.spec))} containers\"
}";
    assert_eq!(messages(&run(text, POD)), vec!["2 containers"]);
}

#[test]
fn a_finding_points_at_the_field_or_its_nearest_parent() {
    let body = "  each c in p.spec.containers
  deny not exists(c.securityContext.runAsNonRoot) at c.securityContext.runAsNonRoot message \"{c.name}\"";
    let r = run(&pod_rule(body), POD);
    let got: Vec<(String, u32, u32, String)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.message().to_string(),
                f.line(),
                f.col(),
                f.path().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            // `securityContext:` exists for app: the finding points there.
            (
                "app".into(),
                12,
                5,
                "spec.containers[0].securityContext.runAsNonRoot".into()
            ),
            // sidecar has no securityContext: the container itself.
            (
                "sidecar".into(),
                15,
                5,
                "spec.containers[1].securityContext.runAsNonRoot".into()
            ),
        ]
    );
}

/// Where a `deny true at <at>` on POD points: line, column and field path.
fn located_at(at: &str) -> (u32, u32, String) {
    let r = run(&pod_rule(&format!("  deny true at {at}")), POD);
    assert!(r.errors.is_empty(), "{at}: {:?}", r.errors);
    let f = r.findings.first().expect("a finding");
    (f.line(), f.col(), f.path().to_string())
}

#[test]
fn a_missing_string_key_points_at_its_nearest_parent() {
    // `labels: {app: web}` is on line 6: the finding points there and names the key.
    assert_eq!(
        located_at("p.metadata.labels[\"team\"]"),
        (6, 3, "metadata.labels.team".into())
    );
    assert_eq!(
        located_at("p.metadata.labels[\"app.kubernetes.io/name\"]"),
        (6, 3, "metadata.labels[\"app.kubernetes.io/name\"]".into())
    );
    // Several missing steps, by key and by field, below the last that exists.
    assert_eq!(
        located_at("p.metadata[\"annotations\"][\"a\"].b"),
        (4, 1, "metadata.annotations.a.b".into())
    );
    // A key that exists still points at itself.
    assert_eq!(
        located_at("p.metadata.labels[\"app\"]"),
        (6, 12, "metadata.labels.app".into())
    );
}

#[test]
fn an_index_past_the_end_of_a_list_points_at_the_list() {
    // `containers:` is on line 9; it has two items.
    assert_eq!(
        located_at("p.spec.containers[5].image"),
        (9, 3, "spec.containers[5].image".into())
    );
    assert_eq!(
        located_at("p.spec.containers[1].ports[3]"),
        (17, 5, "spec.containers[1].ports[3]".into())
    );
    // A negative index names no position: the finding stays at the list.
    assert_eq!(
        located_at("p.spec.containers[-1]"),
        (9, 3, "spec.containers".into())
    );
}

#[test]
fn where_filters_and_api_version_selectors() {
    let text = "
rule t {
  title \"t\"
  controls [cluster.resources]
  severity low
  on \"apps/v1\" Deployment, \"v1\" Pod as d where d.metadata.name != \"skip\"
  deny true message \"{d.kind}/{d.metadata.name}\"
}";
    let yaml = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata: {name: old}
---
apiVersion: v1
kind: Pod
metadata: {name: skip}
---
apiVersion: v1
kind: Pod
metadata: {name: b}
";
    assert_eq!(messages(&run(text, yaml)), vec!["Deployment/a", "Pod/b"]);
}

const CLUSTER: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: shop}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: In, values: [web, api]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: batch, namespace: shop}
spec:
  template:
    metadata: {labels: {app: batch}}
    spec: {containers: [{name: b}]}
---
apiVersion: v1
kind: Pod
metadata: {name: lonely}
spec: {containers: [{name: c}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb, namespace: shop}
roleRef: {kind: Role, name: editor}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dangling, namespace: shop}
roleRef: {kind: Role, name: nothere}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: editor, namespace: shop}
rules: [{verbs: ['*'], resources: [pods]}]
";

fn rule_on(on: &str, body: &str) -> String {
    format!(
        "rule t {{\n  title \"t\"\n  controls [cluster.network-policy]\n  severity low\n  on {on}\n{body}\n}}\n"
    )
}

#[test]
fn cross_document_queries_by_namespace_and_selector() {
    let text = rule_on(
        "workload as w",
        "  let ns = w.metadata.namespace ?? \"default\"
  deny not any p in resources(NetworkPolicy, ns) : selector_matches(p.spec.podSelector, w.podMetadata.labels)
    message \"{w.metadata.name} in {ns}\"",
    );
    assert_eq!(
        messages(&run(&text, CLUSTER)),
        vec!["batch in shop", "lonely in default"]
    );
}

#[test]
fn cross_document_lookup_by_name_follows_references() {
    let text = rule_on(
        "RoleBinding as b",
        "  let role = resource(Role, b.metadata.namespace, b.roleRef.name)
  deny not exists(role) message \"{b.metadata.name} names a missing role\"
  deny \"*\" in role.rules[0].verbs message \"{b.metadata.name} grants every verb\"",
    );
    assert_eq!(
        messages(&run(&text, CLUSTER)),
        vec!["rb grants every verb", "dangling names a missing role"]
    );
}

#[test]
fn cross_document_lists_of_several_kinds_and_views() {
    let text = rule_on(
        "NetworkPolicy as p",
        "  deny true message \"{count(resources(workload))} workloads, {count(resources([Role, RoleBinding], \"shop\"))} rbac objects, {count(resources(Deployment, \"default\"))} in default\"",
    );
    assert_eq!(
        messages(&run(&text, CLUSTER)),
        vec!["3 workloads, 3 rbac objects, 0 in default"]
    );
}

#[test]
fn an_at_naming_a_let_variable_locates_through_its_definition() {
    let body = "  each c in p.spec.containers
  let flag = c.securityContext.runAsNonRoot
  deny flag != true at flag message \"{c.name}\"";
    let r = run(&pod_rule(body), POD);
    let got: Vec<(u32, u32, String)> = r
        .findings
        .iter()
        .map(|f| (f.line(), f.col(), f.path().to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                12,
                5,
                "spec.containers[0].securityContext.runAsNonRoot".into()
            ),
            (
                15,
                5,
                "spec.containers[1].securityContext.runAsNonRoot".into()
            ),
        ]
    );
}

const REPLICAS_RULE: &str = r#"
param max_replicas: int = 5
param team: string = "platform"
rule replicas {
  title "bounded replicas"
  controls [cluster.resources]
  severity low
  remediation "Keep spec.replicas at or under {max_replicas} (ask {team}); \{literal\}"
  on Deployment as d
  deny d.spec.replicas > max_replicas at d.spec.replicas
}
"#;

const DEPLOYMENT: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 9
";

#[test]
fn remediation_interpolates_parameters_with_the_values_given() {
    let compiled = {
        let mut c = policy_lang::RuleCompiler::new();
        c.add_source("test.fourc", REPLICAS_RULE);
        Arc::new(c.compile().unwrap_or_else(|e| panic!("{e}")).program)
    };
    // The program's metadata reads with the defaults.
    assert_eq!(
        compiled.rules[0].meta.remediation.as_deref(),
        Some("Keep spec.replicas at or under 5 (ask platform); {literal}")
    );
    let options = RuleSetOptions {
        params: vec![
            ("max_replicas".into(), Value::Int(7)),
            ("team".into(), Value::String("web-team".into())),
        ],
        ..RuleSetOptions::default()
    };
    let rs = RuleSet::new(compiled.clone(), options).unwrap();
    let expected = Some("Keep spec.replicas at or under 7 (ask web-team); {literal}");
    assert_eq!(rs.metas()[0].remediation.as_deref(), expected);
    let loaded = yaml::load_str(&Source::new("d.yaml", DEPLOYMENT), &LoadOptions::default());
    let report = rs.evaluate(&loaded.documents);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].rule().remediation.as_deref(), expected);
    // With the defaults, the rule set shares the program's metadata.
    let rs = RuleSet::new(compiled.clone(), RuleSetOptions::default()).unwrap();
    assert!(Arc::ptr_eq(&rs.metas()[0], &compiled.rules[0].meta));
}
