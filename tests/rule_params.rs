//! Every parameter of the workload and cluster hardening families changes a verdict: each test
//! scans the same document with the default and with a set value (through
//! `EngineBuilder::param`, as `--param` and `fourc.yaml` do), and the last ones set parameters
//! from a `fourc.yaml` and from `--param` on the command line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

mod common;

use std::process::Command;

use fourc::{Engine, Value};

/// The messages of rule `rule` on `yaml`, with the parameters `params` set.
fn findings(rule: &str, yaml: &str, params: &[(&str, Value)]) -> Vec<String> {
    let engine = params
        .iter()
        .fold(Engine::builder(), |b, (n, v)| b.param(n, v.clone()))
        .build()
        .expect("the standard library builds");
    let scan = engine.check_str("test.yaml", yaml);
    assert!(scan.load_errors.is_empty(), "{:?}", scan.load_errors);
    let errors: Vec<String> = scan
        .report
        .errors
        .iter()
        .filter(|e| &*e.rule().id == rule)
        .map(|e| e.message().to_string())
        .collect();
    assert!(errors.is_empty(), "{rule}: {errors:?}");
    scan.report
        .findings
        .iter()
        .filter(|f| &*f.rule().id == rule)
        .map(|f| f.message().to_string())
        .collect()
}

/// Asserts that `rule` is silent on `yaml` by default and fires with `params` (or the reverse
/// when `fires_by_default`).
fn flips(rule: &str, yaml: &str, params: &[(&str, Value)], fires_by_default: bool) {
    let before = findings(rule, yaml, &[]);
    let after = findings(rule, yaml, params);
    assert_eq!(
        !before.is_empty(),
        fires_by_default,
        "{rule} by default: {before:?}"
    );
    assert_eq!(
        after.is_empty(),
        fires_by_default,
        "{rule} with {:?}: {after:?}",
        params.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
}

fn list(items: &[&str]) -> Value {
    Value::from(items.to_vec())
}

const DEPLOYMENT: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext:
        runAsUser: 2000
        seccompProfile: {type: Localhost, localhostProfile: profiles/audit.json}
      containers:
      - name: app
        image: registry.k8s.io/pause:3.9
        resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: '1', memory: 4Gi}}
";

const CRONJOB: &str = "
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: ops}
spec:
  schedule: '0 * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: report, image: docker.io/acme/report:1.0}]
";

#[test]
fn opt_in_turns_on_an_opt_in_rule_by_id_or_tag() {
    for value in ["resources-cpu-limit", "best-practice", "all"] {
        flips(
            "resources-cpu-limit",
            CRONJOB,
            &[("opt_in", list(&[value]))],
            false,
        );
    }
    flips(
        "pdb-missing",
        DEPLOYMENT,
        &[("opt_in", list(&["availability"]))],
        false,
    );
    let node_binding = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-node}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: 'system:node'}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: ci}
";
    for value in ["rbac-system-role-binding", "system-roles"] {
        flips(
            "rbac-system-role-binding",
            node_binding,
            &[("opt_in", list(&[value]))],
            false,
        );
    }
}

#[test]
fn exempt_images_skips_matching_containers() {
    flips(
        "read-only-root-filesystem",
        DEPLOYMENT,
        &[("exempt_images", list(&["registry.k8s.io/*"]))],
        true,
    );
    // A glob that does not match leaves the verdict alone.
    assert!(
        !findings(
            "read-only-root-filesystem",
            DEPLOYMENT,
            &[("exempt_images", list(&["ghcr.io/*"]))]
        )
        .is_empty()
    );
}

#[test]
fn min_replicas_and_max_replicas_bound_deployments() {
    flips(
        "deployment-replicas",
        DEPLOYMENT,
        &[("min_replicas", Value::from(4_i64))],
        false,
    );
    flips(
        "deployment-replicas",
        DEPLOYMENT,
        &[("max_replicas", Value::from(2_i64))],
        false,
    );
}

#[test]
fn topology_spread_keys_names_the_keys_that_count() {
    let yaml = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      topologySpreadConstraints: [{maxSkew: 1, topologyKey: example.com/rack, whenUnsatisfiable: ScheduleAnyway}]
      containers: [{name: app, image: nginx:1.27}]
";
    let on = ("opt_in", list(&["topology-spread"]));
    assert!(!findings("topology-spread", yaml, std::slice::from_ref(&on)).is_empty());
    assert!(
        findings(
            "topology-spread",
            yaml,
            &[on, ("topology_spread_keys", list(&["example.com/rack"]))]
        )
        .is_empty()
    );
}

#[test]
fn allowed_seccomp_localhost_profiles_limits_localhost_profiles() {
    flips(
        "linux-hardening",
        DEPLOYMENT,
        &[(
            "allowed_seccomp_localhost_profiles",
            list(&["profiles/approved/*"]),
        )],
        false,
    );
}

#[test]
fn min_uid_sets_the_lowest_accepted_id() {
    flips(
        "run-as-high-uid",
        DEPLOYMENT,
        &[("min_uid", Value::from(1000_i64))],
        true,
    );
}

#[test]
fn allowed_and_denied_registries_judge_image_origins() {
    flips(
        "image-registry",
        CRONJOB,
        &[("allowed_registries", list(&["ghcr.io/acme"]))],
        false,
    );
    // A repository prefix ends at a path segment: `docker.io/acme` allows docker.io/acme/report.
    assert!(
        findings(
            "image-registry",
            CRONJOB,
            &[("allowed_registries", list(&["docker.io/acme"]))]
        )
        .is_empty()
    );
    assert!(
        !findings(
            "image-registry",
            CRONJOB,
            &[("allowed_registries", list(&["docker.io/ac"]))]
        )
        .is_empty()
    );
    flips(
        "image-registry",
        CRONJOB,
        &[("denied_registries", list(&["docker.io"]))],
        false,
    );
}

#[test]
fn resource_bounds_and_ratios_are_parameters() {
    flips(
        "resources-range",
        DEPLOYMENT,
        &[("resource_maximum", Value::map([("limits.memory", "2Gi")]))],
        false,
    );
    flips(
        "resources-range",
        DEPLOYMENT,
        &[("resource_minimum", Value::map([("requests.cpu", "1")]))],
        false,
    );
    flips(
        "resources-limit-request-ratio",
        DEPLOYMENT,
        &[("limit_request_ratio_max", Value::map([("memory", "2")]))],
        false,
    );
}

#[test]
fn required_labels_annotations_and_name_labels_are_parameters() {
    flips(
        "metadata-required-labels",
        DEPLOYMENT,
        &[("required_labels", list(&["team"]))],
        false,
    );
    flips(
        "metadata-required-annotations",
        DEPLOYMENT,
        &[("required_annotations", list(&["owner"]))],
        false,
    );
    flips(
        "metadata-labels-match-name",
        DEPLOYMENT,
        &[(
            "labels_matching_name",
            list(&["app.kubernetes.io/instance"]),
        )],
        false,
    );
    // `app: web` on Deployment web: the label matches the name, until the name changes.
    assert!(
        findings(
            "metadata-labels-match-name",
            DEPLOYMENT,
            &[("labels_matching_name", list(&["app"]))]
        )
        .is_empty()
    );
    let renamed = DEPLOYMENT.replace("name: web,", "name: web-v2,");
    assert!(
        !findings(
            "metadata-labels-match-name",
            &renamed,
            &[("labels_matching_name", list(&["app"]))]
        )
        .is_empty()
    );
}

#[test]
fn allowed_wildcard_hosts_accepts_named_wildcards() {
    let yaml = "
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: previews}
spec:
  rules:
  - host: '*.preview.example.com'
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
";
    flips(
        "ingress-host-wildcard",
        yaml,
        &[("allowed_wildcard_hosts", list(&["*.preview.example.com"]))],
        true,
    );
}

#[test]
fn runtime_sockets_and_flexvolume_drivers_are_parameters() {
    let yaml = "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      containers: [{name: agent, image: agent:1.0}]
      volumes:
      - {name: sock, hostPath: {path: /var/run/custom/runtime.sock}}
      - {name: data, flexVolume: {driver: example.com/lvm}}
";
    flips(
        "host-runtime-socket",
        yaml,
        &[("runtime_sockets", list(&["/var/run/custom/runtime.sock"]))],
        false,
    );
    flips(
        "flexvolume-driver-allowed",
        yaml,
        &[("allowed_flexvolume_drivers", list(&["example.com/*"]))],
        true,
    );
}

fn fourc(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn parameters_are_set_from_fourc_yaml_and_the_command_line() {
    let dir = common::scratch("rule_params", "config");
    std::fs::write(dir.join("cronjob.yaml"), CRONJOB).unwrap();
    let path = dir.join("cronjob.yaml").display().to_string();
    let rule = "[resources-cpu-limit]";
    let plain = fourc(&["check", "--no-config", &path]);
    assert!(!plain.contains(rule), "{plain}");

    std::fs::write(
        dir.join("fourc.yaml"),
        "params:\n  opt_in: [resources-cpu-limit]\n  exempt_images: [\"docker.io/acme/*\"]\n",
    )
    .unwrap();
    let config = dir.join("fourc.yaml").display().to_string();
    let configured = fourc(&["check", "--config", &config, &path]);
    // The opt-in rule runs; the exempt image escapes the container rules, this one included.
    assert!(!configured.contains(rule), "{configured}");
    assert!(
        !configured.contains("[read-only-root-filesystem]"),
        "{configured}"
    );
    std::fs::write(
        dir.join("fourc.yaml"),
        "params:\n  opt_in: [resources-cpu-limit]\n",
    )
    .unwrap();
    let configured = fourc(&["check", "--config", &config, &path]);
    assert!(configured.contains(rule), "{configured}");

    let flag = fourc(&[
        "check",
        "--no-config",
        "--param",
        "opt_in=[best-practice]",
        &path,
    ]);
    assert!(flag.contains(rule), "{flag}");
}

const OLD_CRONJOB: &str = "
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: report}
spec:
  schedule: '0 * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: report, image: report:1.0}]
";

#[test]
fn target_kubernetes_version_separates_removed_from_deprecated() {
    // batch/v1beta1 was deprecated in 1.21 and removed in 1.25: removed at the default (1.31),
    // deprecated at 1.24, neither at 1.20.
    let removed = findings("api-version-removed", OLD_CRONJOB, &[]);
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert!(removed[0].contains("use batch/v1"), "{removed:?}");
    flips(
        "api-version-removed",
        OLD_CRONJOB,
        &[("target_kubernetes_version", Value::from("1.24"))],
        true,
    );
    flips(
        "api-version-deprecated",
        OLD_CRONJOB,
        &[("target_kubernetes_version", Value::from("v1.24"))],
        false,
    );
    let deprecated = findings(
        "api-version-deprecated",
        OLD_CRONJOB,
        &[("target_kubernetes_version", Value::from("1.21"))],
    );
    assert_eq!(deprecated.len(), 1, "{deprecated:?}");
    assert!(
        deprecated[0].contains("removed in 1.25 (target 1.21): use batch/v1"),
        "{deprecated:?}"
    );
    for rule in ["api-version-removed", "api-version-deprecated"] {
        let before = findings(
            rule,
            OLD_CRONJOB,
            &[("target_kubernetes_version", Value::from("1.20"))],
        );
        assert!(before.is_empty(), "{rule}: {before:?}");
    }
}

#[test]
fn deprecations_follow_the_api_servers_lifecycle_releases() {
    // The release each version's lifecycle tag names: node.k8s.io/v1beta1 RuntimeClass 1.22,
    // extensions/v1beta1 Deployment 1.8, extensions/v1beta1 PodSecurityPolicy 1.11.
    let cases = [
        (
            "apiVersion: node.k8s.io/v1beta1\nkind: RuntimeClass\nmetadata: {name: gvisor}\nhandler: runsc\n",
            "1.21",
            "1.22",
        ),
        (
            "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: nginx:1.27}]\n",
            "1.7",
            "1.8",
        ),
        (
            "apiVersion: extensions/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: restricted}\nspec: {privileged: false}\n",
            "1.10",
            "1.11",
        ),
    ];
    for (doc, before, at) in cases {
        let quiet = findings(
            "api-version-deprecated",
            doc,
            &[("target_kubernetes_version", Value::from(before))],
        );
        assert!(quiet.is_empty(), "{before}: {quiet:?}");
        let reported = findings(
            "api-version-deprecated",
            doc,
            &[("target_kubernetes_version", Value::from(at))],
        );
        assert_eq!(reported.len(), 1, "{at}: {reported:?}");
        assert!(
            reported[0].contains(&format!("deprecated since Kubernetes {at} ")),
            "{reported:?}"
        );
    }
}

#[test]
fn target_kubernetes_version_is_set_from_fourc_yaml() {
    let dir = common::scratch("rule_params", "kubernetes-version");
    std::fs::write(dir.join("cronjob.yaml"), OLD_CRONJOB).unwrap();
    let path = dir.join("cronjob.yaml").display().to_string();
    let config = dir.join("fourc.yaml").display().to_string();
    let plain = fourc(&["check", "--no-config", &path]);
    assert!(plain.contains("[api-version-removed]"), "{plain}");
    assert!(!plain.contains("[api-version-deprecated]"), "{plain}");
    std::fs::write(
        dir.join("fourc.yaml"),
        "params:\n  target_kubernetes_version: \"1.23\"\n",
    )
    .unwrap();
    let configured = fourc(&["check", "--config", &config, &path]);
    assert!(
        !configured.contains("[api-version-removed]"),
        "{configured}"
    );
    assert!(
        configured.contains("[api-version-deprecated]"),
        "{configured}"
    );
}

#[test]
fn host_port_ranges_admit_host_ports() {
    let yaml = "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: exporter}
spec:
  template:
    spec:
      containers:
      - name: exporter
        image: exporter:1.0
        ports: [{containerPort: 9100, hostPort: 9100}]
";
    flips(
        "pss-baseline-host-ports",
        yaml,
        &[("host_port_ranges", list(&["8000-8099", " 9100 "]))],
        true,
    );
    flips(
        "pss-baseline-host-ports",
        yaml,
        &[("host_port_ranges", list(&["9000-9199"]))],
        true,
    );
    // A port outside every range is still reported.
    let outside = findings(
        "pss-baseline-host-ports",
        yaml,
        &[("host_port_ranges", list(&["8000-8099", "9101-9200"]))],
    );
    assert_eq!(outside.len(), 1, "{outside:?}");
}

/// A DaemonSet with hostPath volume `logs` at `path`, mounted with `read_only`.
fn host_path_pod(path: &str, read_only: bool) -> String {
    format!(
        "
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: collector}}
spec:
  template:
    spec:
      containers:
      - name: collector
        image: collector:1.0
        volumeMounts: [{{name: logs, mountPath: /logs, readOnly: {read_only}}}]
      volumes: [{{name: logs, hostPath: {{path: {path}}}}}]
"
    )
}

fn host_path_entry(prefix: &str, read_only: bool) -> Value {
    Value::from(vec![Value::map([
        ("pathPrefix", Value::from(prefix)),
        ("readOnly", Value::from(read_only)),
    ])])
}

#[test]
fn allowed_host_paths_admit_paths_under_a_prefix_read_only_when_asked() {
    let rule = "pss-baseline-host-path";
    let entry = |p, ro| [("allowed_host_paths", host_path_entry(p, ro))];
    // Under the prefix by whole components.
    flips(
        rule,
        &host_path_pod("/var/log/pods", false),
        &entry("/var/log", false),
        true,
    );
    flips(
        rule,
        &host_path_pod("/var/log", false),
        &entry("/var/log/", false),
        true,
    );
    // Not under it: a longer component, or a `..` escaping it.
    for path in ["/var/logs", "/var/log/../../etc"] {
        let f = findings(rule, &host_path_pod(path, true), &entry("/var/log", false));
        assert_eq!(f.len(), 1, "{path}: {f:?}");
    }
    // readOnly: true admits only read-only mounts, and says why it does not.
    flips(
        rule,
        &host_path_pod("/var/log/pods", true),
        &entry("/var/log", true),
        true,
    );
    let writable = findings(
        rule,
        &host_path_pod("/var/log/pods", false),
        &entry("/var/log", true),
    );
    assert_eq!(writable.len(), 1, "{writable:?}");
    assert!(
        writable[0].contains("without mounting it readOnly"),
        "{writable:?}"
    );
}

#[test]
fn allowed_sysctls_admit_unsafe_sysctls_by_glob() {
    let yaml = "
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext:
    sysctls: [{name: net.core.somaxconn, value: '1024'}, {name: kernel.msgmax, value: '65536'}]
  containers: [{name: app, image: nginx:1.27}]
";
    let rule = "pss-baseline-sysctls";
    assert_eq!(findings(rule, yaml, &[]).len(), 2);
    let some = findings(rule, yaml, &[("allowed_sysctls", list(&["net.core.*"]))]);
    assert_eq!(some.len(), 1, "{some:?}");
    assert!(some[0].contains("kernel.msgmax"), "{some:?}");
    flips(
        rule,
        yaml,
        &[("allowed_sysctls", list(&["net.core.*", "kernel.msgmax"]))],
        true,
    );
}

#[test]
fn host_access_parameters_are_set_from_fourc_yaml() {
    let dir = common::scratch("rule_params", "host-access");
    let yaml = "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: collector}
spec:
  template:
    spec:
      securityContext:
        sysctls: [{name: net.core.somaxconn, value: '1024'}]
      containers:
      - name: collector
        image: collector:1.0
        ports: [{containerPort: 9100, hostPort: 9100}]
        volumeMounts: [{name: logs, mountPath: /logs, readOnly: true}]
      volumes: [{name: logs, hostPath: {path: /var/log/pods}}]
";
    std::fs::write(dir.join("collector.yaml"), yaml).unwrap();
    let path = dir.join("collector.yaml").display().to_string();
    let config = dir.join("fourc.yaml").display().to_string();
    let rules = [
        "[pss-baseline-host-path]",
        "[pss-baseline-host-ports]",
        "[pss-baseline-sysctls]",
    ];
    let plain = fourc(&["check", "--no-config", &path]);
    for r in rules {
        assert!(plain.contains(r), "{r}: {plain}");
    }
    std::fs::write(
        dir.join("fourc.yaml"),
        "params:\n  allowed_host_paths: [{pathPrefix: /var/log, readOnly: true}]\n  host_port_ranges: [\"9100\"]\n  allowed_sysctls: [\"net.core.*\"]\n",
    )
    .unwrap();
    let configured = fourc(&["check", "--config", &config, &path]);
    for r in rules {
        assert!(!configured.contains(r), "{r}: {configured}");
    }
}

#[test]
fn exempt_images_reaches_the_image_port_and_resource_rules() {
    let yaml = "
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: debug
        image: registry.k8s.io/debug:latest
        ports: [{containerPort: 22}]
      - name: agent
        image: registry.k8s.io/agent:1.0
";
    let exempt = ("exempt_images", list(&["registry.k8s.io/*"]));
    let signatures = ("require_signature_policy", Value::from(true));
    for rule in [
        "image-digest-pinned",
        "image-tag-not-digest",
        "image-signature-not-enforced",
        "container-remote-admin-port",
        "container-port-unused",
        "resources-cpu-request",
        "resources-memory-request",
        "resources-memory-limit",
    ] {
        let before = findings(rule, yaml, std::slice::from_ref(&signatures));
        assert!(!before.is_empty(), "{rule} fires without exemptions");
        let after = findings(rule, yaml, &[signatures.clone(), exempt.clone()]);
        assert!(after.is_empty(), "{rule} with exempt_images: {after:?}");
    }
}

#[test]
fn max_exposed_ports_limits_workload_service_and_image_ports() {
    let workload = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - {name: a, image: 'a:1', ports: [{containerPort: 8080}, {containerPort: 8443}]}
      - {name: b, image: 'b:1', ports: [{containerPort: 9090}]}
";
    flips(
        "workload-too-many-ports",
        workload,
        &[("max_exposed_ports", Value::from(2))],
        false,
    );
    // At the limit the workload passes.
    assert!(
        findings(
            "workload-too-many-ports",
            workload,
            &[("max_exposed_ports", Value::from(3))]
        )
        .is_empty()
    );
    let service = "
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}, {port: 443}]
";
    flips(
        "service-too-many-ports",
        service,
        &[("max_exposed_ports", Value::from(1))],
        false,
    );
}

#[test]
fn max_exposed_ports_counts_each_port_of_an_expose_range() {
    let dir = std::env::temp_dir().join(format!("fourc-expose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("Dockerfile");
    std::fs::write(&file, "FROM nginx:1.27\nEXPOSE 80 8000-8010\n").unwrap();
    let run = |max: i64| {
        let engine = Engine::builder()
            .param("max_exposed_ports", Value::from(max))
            .build()
            .unwrap();
        let scan = engine.check_paths(&[&file]);
        assert!(scan.load_errors.is_empty(), "{:?}", scan.load_errors);
        scan.report
            .findings
            .iter()
            .filter(|f| &*f.rule().id == "dockerfile-too-many-exposed-ports")
            .map(|f| f.message().to_string())
            .collect::<Vec<_>>()
    };
    // 1 + 11 ports.
    assert_eq!(
        run(11),
        ["the image exposes 12 ports, more than max_exposed_ports (11)"]
    );
    assert!(run(12).is_empty());
    assert!(run(0).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
