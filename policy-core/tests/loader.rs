//! Loads a realistic multi-document manifest through the public API.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::sync::Arc;

use policy_core::yaml::{load_bytes, load_str};
use policy_core::{LoadOptions, Node, Source, Value};

const MANIFEST: &str = r#"# Shop frontend
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: &labels
    app: web
    team: storefront
spec:
  replicas: 2
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      hostNetwork: yes
      containers:
        - name: app
          image: registry.example.com/web:1.4.2
          ports:
            - containerPort: 8080
          securityContext:
            allowPrivilegeEscalation: false
            runAsNonRoot: true
        - name: debug
          image: busybox
          securityContext:
            privileged: true
      volumes:
        - name: cfg
          configMap:
            name: web-config
            defaultMode: 0644
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly-report
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: report:latest
            args: ["--since", "24h"]
            env:
            - {name: MODE, value: "full"}
---
# the service
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30080
---
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: web-config
    namespace: shop
  data:
    mode: "on"
    debug: off
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata:
    name: web-admin
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
  subjects:
  - kind: ServiceAccount
    name: web
    namespace: shop
"#;

/// 1-based line and column of the `nth` occurrence of `needle`.
fn pos_of(needle: &str, nth: usize) -> (u32, u32) {
    let (byte, _) = MANIFEST.match_indices(needle).nth(nth).unwrap();
    let before = &MANIFEST[..byte];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line as u32, col as u32)
}

/// Line and column of a node of `MANIFEST`.
fn at(n: &Node) -> (u32, u32) {
    Source::new("m", MANIFEST).line_col(n.span.start())
}

fn item(n: &Node, i: usize) -> &Node {
    match &n.value {
        Value::List(l) => l.get(i).unwrap(),
        other => panic!("not a list: {other:?}"),
    }
}

#[test]
fn loads_a_multi_document_manifest() {
    let source = Source::new("deploy/shop.yaml", MANIFEST);
    let loaded = load_str(&source, &LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let ids: Vec<String> = loaded
        .documents
        .iter()
        .map(|d| d.id().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "Deployment/shop/web",
            "CronJob/shop/nightly-report",
            "Service/shop/web",
            "ConfigMap/shop/web-config",
            "ClusterRoleBinding/web-admin",
        ]
    );
    let indexes: Vec<u32> = loaded.documents.iter().map(|d| d.index()).collect();
    assert_eq!(indexes, [0, 1, 2, 3, 4]);
    for d in &loaded.documents {
        assert!(Arc::ptr_eq(d.source(), &source));
    }

    let deploy = loaded.documents[0].root();
    assert_eq!(source.line_col(loaded.documents[0].span().start()).0, 2);
    let pod = deploy.get_path(&["spec", "template", "spec"]).unwrap();
    let privileged = item(pod.get("containers").unwrap(), 1)
        .get_path(&["securityContext", "privileged"])
        .unwrap();
    assert_eq!(privileged.value, Value::Bool(true));
    assert_eq!(at(privileged), (30, 13));
    assert_eq!(at(privileged), pos_of("privileged: true", 0));
    let host_network = pod.get("hostNetwork").unwrap();
    assert_eq!(host_network.value, Value::Bool(true));
    assert_eq!(at(host_network), (18, 7));
    let mode = pod
        .get_path(&["volumes"])
        .map(|v| item(v, 0))
        .and_then(|v| v.get_path(&["configMap", "defaultMode"]))
        .unwrap();
    assert!(matches!(mode.value, Value::Int(420)));
    assert_eq!(at(mode), pos_of("defaultMode: 0644", 0));
    // an alias sits where it is used; what it shares keeps the anchor's spans
    let labels = deploy
        .get_path(&["spec", "template", "metadata", "labels"])
        .unwrap();
    assert_eq!(at(labels), pos_of("labels: *labels", 0));
    assert_eq!(at(labels.get("team").unwrap()), (9, 5));

    let cron = loaded.documents[1].root();
    let job = cron
        .get_path(&[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "spec",
            "containers",
        ])
        .unwrap();
    let env = item(item(job, 0).get("env").unwrap(), 0);
    assert_eq!(at(env), pos_of("{name: MODE", 0));
    assert_eq!(env.get("value").unwrap().as_str(), Some("full"));
    let args = item(job, 0).get("args").unwrap();
    assert_eq!(at(item(args, 1)), pos_of("\"24h\"", 0));

    let svc = loaded.documents[2].root();
    let node_port = item(svc.get_path(&["spec", "ports"]).unwrap(), 0)
        .get("nodePort")
        .unwrap();
    assert!(matches!(node_port.value, Value::Int(30080)));
    assert_eq!(at(node_port), (66, 5));

    // items of a `kind: List` are documents of their own, with their own spans
    let cm = &loaded.documents[3];
    assert_eq!(
        at(cm.root()),
        pos_of("apiVersion: v1\n  kind: ConfigMap", 0)
    );
    assert_eq!(at(cm.root()), (72, 3));
    let data = cm.root().get("data").unwrap();
    assert_eq!(data.get("mode").unwrap().as_str(), Some("on"));
    assert_eq!(data.get("debug").unwrap().value, Value::Bool(false));
    let crb = loaded.documents[4].root();
    let subject_ns = item(crb.get("subjects").unwrap(), 0)
        .get("namespace")
        .unwrap();
    assert_eq!(at(subject_ns), (88, 5));
    assert_eq!(
        source.line_text(at(subject_ns).0),
        Some("    namespace: shop")
    );
}

#[test]
fn json_and_broken_documents_alongside_good_ones() {
    let text = "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}}\n---\nkind: Pod\nmetadata:\n  name: b\n  name: c\n---\n[1, 2]\n---\nkind: Pod\nmetadata: {name: d}\n";
    let loaded = load_bytes("mixed.yaml", text.as_bytes(), &LoadOptions::default());
    let ids: Vec<String> = loaded
        .documents
        .iter()
        .map(|d| d.id().to_string())
        .collect();
    assert_eq!(ids, ["Pod/a", "Pod/d"]);
    let errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "mixed.yaml:6:3: duplicate key `name` (first at line 5)",
            "mixed.yaml:8:1: document is not an object; found a list",
        ]
    );
}

/// splitmix64, to mutate inputs deterministically.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn mutated_manifests_never_panic_and_errors_name_a_position() {
    let seeds = [
        include_str!("../../examples/manifests/deployment.yaml"),
        include_str!("../../examples/manifests/cronjob.yaml"),
        include_str!("../../examples/manifests/shop-namespace.yaml"),
    ];
    let pieces = [
        "&a ", "*a", "<<: *a\n", "{", "}", "[", "]", "- ", ": ", "\"", "'", "|\n", "!!int ",
        "---\n", "\t", "# c\n", "? ", "\u{feff}", "é", "{{ .x }}",
    ];
    let mut state = 7u64;
    for round in 0..600 {
        let seed = seeds[round % seeds.len()];
        let mut text: Vec<char> = seed.chars().collect();
        for _ in 0..1 + next(&mut state) % 4 {
            let at = (next(&mut state) as usize) % (text.len() + 1);
            if next(&mut state).is_multiple_of(2) && at < text.len() {
                let end = (at + 1 + (next(&mut state) as usize) % 12).min(text.len());
                text.drain(at..end);
            } else {
                let p = pieces[(next(&mut state) as usize) % pieces.len()];
                for (i, ch) in p.chars().enumerate() {
                    text.insert(at + i, ch);
                }
            }
        }
        let s: String = text.into_iter().collect();
        let loaded = load_bytes("m.yaml", s.as_bytes(), &LoadOptions::default());
        for e in &loaded.errors {
            assert!(e.line() >= 1, "error without a position: {e} in\n{s}");
            assert_eq!(e.source_name(), "m.yaml");
        }
    }
}

const HELM_TEMPLATE: &str = r#"{{- if .Values.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
  labels:
    {{- include "app.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
{{- end }}
"#;

#[test]
fn an_unrendered_helm_template_is_named_as_such() {
    let loaded = load_bytes(
        "templates/deployment.yaml",
        HELM_TEMPLATE.as_bytes(),
        &LoadOptions::default(),
    );
    assert!(loaded.documents.is_empty());
    let errors: Vec<(u32, String)> = loaded
        .errors
        .iter()
        .map(|e| (e.line(), e.message().to_string()))
        .collect();
    assert_eq!(
        errors,
        vec![(
            1,
            "this looks like a Helm/Go template (`{{ ... }}` at line 1); render it first, e.g. \
             `helm template` (YAML: \"-\" is only valid inside a block)"
                .to_string()
        )]
    );
    assert_eq!(loaded.errors[0].source_name(), "templates/deployment.yaml");
}

#[test]
fn each_error_names_the_template_action_before_it() {
    // Without the `if` line, the first action is a value (a flow mapping to YAML: a map as a
    // key), and the next one ends the stream.
    let text = HELM_TEMPLATE.replace("{{- if .Values.enabled }}\n", "");
    let loaded = load_str(
        &Source::new("d.yaml", text.as_str()),
        &LoadOptions::default(),
    );
    let errors: Vec<(u32, &str)> = loaded
        .errors
        .iter()
        .map(|e| (e.line(), e.message()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, 4);
    assert!(
        errors[0]
            .1
            .starts_with("this looks like a Helm/Go template (`{{ ... }}` at line 4)"),
        "{errors:?}"
    );
    assert!(
        errors[0]
            .1
            .ends_with("(YAML: complex keys are not supported (a key is a map or a list))"),
        "{errors:?}"
    );
    assert_eq!(errors[1].0, 6);
    assert!(errors[1].1.contains("`{{ ... }}` at line 6"), "{errors:?}");
}

#[test]
fn template_text_in_quoted_block_and_plain_scalars_still_loads() {
    let text = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: alerts
  annotations:
    summary: "{{ $labels.instance }} is down"
    workflow: '{{workflow.name}}-{{ inputs.parameters.x }}'
data:
  command: echo {{ .Values.c }}
  rule: |
    {{ $value }} over
    {{- if x }}
"#;
    let loaded = load_str(&Source::new("cm.yaml", text), &LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let root = loaded.documents[0].root();
    let ann = root.get("metadata").unwrap().get("annotations").unwrap();
    assert_eq!(
        ann.get("summary").unwrap().value,
        Value::String(Arc::from("{{ $labels.instance }} is down"))
    );
    assert_eq!(
        root.get("data").unwrap().get("command").unwrap().value,
        Value::String(Arc::from("echo {{ .Values.c }}"))
    );
}

#[test]
fn errors_of_files_without_template_actions_are_unchanged() {
    let loaded = load_str(
        &Source::new("bad.yaml", "a: \"{{ x }}\"\nb: [1, 2\n"),
        &LoadOptions::default(),
    );
    assert_eq!(loaded.errors.len(), 1);
    assert!(
        !loaded.errors[0].message().contains("template"),
        "{}",
        loaded.errors[0].message()
    );
}
