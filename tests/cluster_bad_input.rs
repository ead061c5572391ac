//! Objects that are not valid Kubernetes never crash a cluster-layer rule and never produce
//! nonsense: each either draws an evaluation error that names the document and the field at
//! fault, or follows the documented missing-data semantics (a missing field is undefined, and the
//! rule says nothing about what is not there).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::sync::LazyLock;

use fourc::{Engine, Scan};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    Engine::builder()
        .build()
        .expect("the standard library builds")
});

fn scan(yaml: &str) -> Scan {
    let s = ENGINE.check_str("bad.yaml", yaml);
    assert!(s.load_errors.is_empty(), "{:?}", s.load_errors);
    s
}

/// `(rule id, message)` of the findings of rules whose id starts with one of `prefixes`.
fn findings(s: &Scan, prefixes: &[&str]) -> Vec<(String, String)> {
    s.report
        .findings
        .iter()
        .filter(|f| prefixes.iter().any(|p| f.rule().id.starts_with(p)))
        .map(|f| (f.rule().id.to_string(), f.message().to_string()))
        .collect()
}

/// `(rule id, resource, message)` of the evaluation errors of rules whose id starts with one of
/// `prefixes`.
fn errors(s: &Scan, prefixes: &[&str]) -> Vec<(String, String, String)> {
    s.report
        .errors
        .iter()
        .filter(|e| prefixes.iter().any(|p| e.rule().id.starts_with(p)))
        .map(|e| {
            (
                e.rule().id.to_string(),
                e.resource().to_string(),
                e.message().to_string(),
            )
        })
        .collect()
}

const CLUSTER: &[&str] = &[
    "rbac-",
    "apiserver-",
    "automount-",
    "legacy-token",
    "secrets-",
    "resources-",
    "netpol-",
    "ingress-tls",
    "gateway-",
];

#[test]
fn a_container_without_a_name_is_reported_as_unnamed() {
    let s = scan(
        "
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  automountServiceAccountToken: false
  containers:
  - image: app
    env:
    - {name: DB_PASSWORD, value: hunter22}
",
    );
    assert!(errors(&s, CLUSTER).is_empty(), "{:?}", errors(&s, CLUSTER));
    let f = findings(&s, &["secrets-", "resources-memory-limit"]);
    assert_eq!(
        f,
        vec![
            (
                "resources-memory-limit".to_string(),
                "container \"<unnamed>\" of Pod p has no memory limit".to_string()
            ),
            (
                "secrets-literal-env".to_string(),
                "env var DB_PASSWORD of container \"<unnamed>\" holds a literal credential"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn containers_as_a_string_is_an_error_naming_the_field() {
    let s = scan(
        "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      automountServiceAccountToken: false
      containers: nginx
",
    );
    let prefixes = ["resources-cpu", "resources-memory", "secrets-"];
    assert!(
        findings(&s, &prefixes).is_empty(),
        "{:?}",
        findings(&s, &prefixes)
    );
    let e = errors(&s, &prefixes);
    let rules: Vec<&str> = e.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(
        rules,
        [
            "resources-cpu-request",
            "resources-memory-limit",
            "resources-memory-request",
            "secrets-env-reference",
            "secrets-literal-env"
        ]
    );
    for (rule, resource, message) in &e {
        assert_eq!(resource, "Deployment/shop/web", "{rule}");
        assert!(
            message.ends_with("(at `spec.template.spec.containers`)"),
            "{rule}: {message}"
        );
        assert!(message.contains("string `nginx`"), "{rule}: {message}");
    }
}

#[test]
fn a_binding_without_role_ref_or_subjects_grants_nothing() {
    let s = scan(
        "
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: no-role-ref, namespace: shop}
subjects: [{kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: no-subjects}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: unnamed-subject}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group}]
",
    );
    assert!(
        findings(&s, &["rbac-"]).is_empty(),
        "{:?}",
        findings(&s, &["rbac-"])
    );
    assert!(
        errors(&s, &["rbac-"]).is_empty(),
        "{:?}",
        errors(&s, &["rbac-"])
    );
}

#[test]
fn malformed_rbac_objects_are_errors_naming_the_field() {
    let s = scan(
        "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- apiGroups: ['']
  resources: [secrets]
  verbs: get
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: admins}
roleRef: cluster-admin
subjects: [{kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: {kind: User, name: bob}
",
    );
    // A string of verbs is not searched for substrings: `get` is not read as a grant.
    assert!(
        findings(&s, &["rbac-"]).is_empty(),
        "{:?}",
        findings(&s, &["rbac-"])
    );
    let e = errors(&s, &["rbac-"]);
    let has = |resource: &str, field: &str| {
        e.iter()
            .any(|(_, r, m)| r == resource && m.ends_with(&format!("(at `{field}`)")))
    };
    assert!(has("ClusterRole/reader", "rules[0].verbs"), "{e:?}");
    assert!(has("ClusterRoleBinding/admins", "roleRef"), "{e:?}");
    assert!(has("ClusterRoleBinding/ops", "subjects"), "{e:?}");
    // Every rule that reads the malformed field says so, and no other object errs.
    assert!(
        e.iter().all(|(_, r, _)| r == "ClusterRole/reader"
            || r == "ClusterRoleBinding/admins"
            || r == "ClusterRoleBinding/ops"),
        "{e:?}"
    );
}

#[test]
fn a_non_boolean_automount_setting_is_an_error_not_a_guess() {
    let s = scan(
        "
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  automountServiceAccountToken: 'false'
  containers: [{name: app, image: app}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: shop}
automountServiceAccountToken: 'no'
",
    );
    assert!(
        findings(&s, &["automount-"]).is_empty(),
        "{:?}",
        findings(&s, &["automount-"])
    );
    let e = errors(&s, &["automount-"]);
    assert_eq!(
        e,
        vec![
            (
                "automount-token".to_string(),
                "Pod/shop/p".to_string(),
                "a condition must be a bool, found string `false` \
                 (at `spec.automountServiceAccountToken`)"
                    .to_string()
            ),
            (
                "automount-token-serviceaccount".to_string(),
                "ServiceAccount/shop/app".to_string(),
                "a condition must be a bool, found string `no` (at `automountServiceAccountToken`)"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn malformed_config_maps_ingresses_and_namespaces_are_errors_naming_the_field() {
    let s = scan(
        "
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: [password=hunter22]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls: [{hosts: [example.com], secretName: web}]
  rules: example.com
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: 7}
spec:
  automountServiceAccountToken: false
  containers: [{name: app, image: app}]
",
    );
    let e = errors(&s, CLUSTER);
    let has = |rule: &str, resource: &str, field: &str| {
        e.iter().any(|(r, res, m)| {
            r == rule && res == resource && m.ends_with(&format!("(at `{field}`)"))
        })
    };
    assert!(
        has("secrets-literal-configmap", "ConfigMap/settings", "data"),
        "{e:?}"
    );
    assert!(
        has("ingress-tls-host", "Ingress/web", "spec.rules"),
        "{e:?}"
    );
    // The namespace is not a string, so the document has none: every rule that looks the
    // namespace up says so.
    for rule in [
        "automount-token",
        "netpol-workload-isolated",
        "resources-namespace-quota",
        "resources-range",
        "resources-limit-request-ratio",
    ] {
        assert!(has(rule, "Pod/p", "metadata.namespace"), "{rule}: {e:?}");
    }
    assert_eq!(e.len(), 11, "{e:?}");
    assert!(
        findings(&s, CLUSTER).is_empty(),
        "{:?}",
        findings(&s, CLUSTER)
    );
}

#[test]
fn missing_sections_follow_the_missing_data_semantics() {
    // No spec at all: nothing to iterate, nothing to report about containers; an Ingress with
    // no spec has neither TLS nor a host, which is what ingress-tls-missing reports.
    let s = scan(
        "
apiVersion: v1
kind: Pod
metadata: {name: empty, namespace: kube-system}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bare}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: no-spec, namespace: kube-system}
",
    );
    assert!(errors(&s, CLUSTER).is_empty(), "{:?}", errors(&s, CLUSTER));
    assert_eq!(
        findings(&s, CLUSTER),
        vec![(
            "ingress-tls-missing".to_string(),
            "Ingress bare has neither TLS nor a host: it serves plain HTTP to every name"
                .to_string()
        )]
    );
}
