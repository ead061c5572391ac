//! Conformance with Polaris's check fixtures (302 cases, vendored at
//! `tests/data/conformance/polaris/`, see the README there):
//! for every Polaris check that maps onto a fourc control, the file's objects are scanned
//! together by the whole standard library, and the case agrees when Polaris's `fail` comes with at
//! least one finding of a mapped rule and its `pass` with none.
//!
//! Polaris's checks are opinions as much as standards. Where fourc deliberately judges otherwise,
//! the case is listed in [`SKIPPED`] with the reason, and a skipped case that starts to agree is an
//! error, so the list stays exact. Every check of the corpus maps onto fourc rules; the checks
//! that fourc ships off by default (opt-in rules, or rules whose bounds and conventions are
//! parameters) run with the settings a user would give them, written beside the check in
//! [`CHECKS`].

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fourc::{Engine, PssLevel, Value};

/// The corpus folder, relative to the workspace root.
const CORPUS: &str = "tests/data/conformance/polaris";

/// The agreement reached: the test fails below it.
const FLOOR: usize = 272;

/// How a Polaris check relates to fourc.
enum Map {
    /// The fourc rules that report what the check reports, with the standard library at its
    /// default (restricted) Pod Security level.
    Rules(&'static [&'static str]),
    /// The same, at the baseline Pod Security level: the check is about what the baseline
    /// profile forbids, which the restricted rules judge more strictly.
    Baseline(&'static [&'static str]),
    /// The same, with the parameters a user sets to turn on an opt-in rule or to state the
    /// check's bounds or conventions.
    Configured(&'static [&'static str], fn() -> Vec<(&'static str, Value)>),
}

use Map::{Baseline, Configured, Rules};

/// Turns on the opt-in rule `id`.
fn opt_in(id: &'static str) -> Vec<(&'static str, Value)> {
    vec![("opt_in", Value::from(vec![id]))]
}

const RBAC_BINDING: &[&str] = &["rbac-risky-binding", "rbac-cluster-admin-binding"];

/// Every Polaris check of the corpus.
const CHECKS: &[(&str, Map)] = &[
    ("automountServiceAccountToken", Rules(&["automount-token"])),
    ("clusterrolePodExecAttach", Rules(&["rbac-pod-exec"])),
    ("rolePodExecAttach", Rules(&["rbac-pod-exec"])),
    ("clusterrolebindingPodExecAttach", Rules(RBAC_BINDING)),
    ("rolebindingClusterRolePodExecAttach", Rules(RBAC_BINDING)),
    ("rolebindingRolePodExecAttach", Rules(RBAC_BINDING)),
    (
        "clusterrolebindingClusterAdmin",
        Rules(&["rbac-cluster-admin-binding"]),
    ),
    (
        "rolebindingClusterAdminClusterRole",
        Rules(&["rbac-cluster-admin-binding"]),
    ),
    (
        "rolebindingClusterAdminRole",
        Rules(&["rbac-cluster-admin-binding"]),
    ),
    ("missingNetworkPolicy", Rules(&["netpol-workload-isolated"])),
    (
        "tlsSettingsMissing",
        Rules(&["ingress-tls-host", "ingress-tls-missing"]),
    ),
    ("cpuRequestsMissing", Rules(&["resources-cpu-request"])),
    (
        "memoryRequestsMissing",
        Rules(&["resources-memory-request"]),
    ),
    ("memoryLimitsMissing", Rules(&["resources-memory-limit"])),
    (
        "cpuLimitsMissing",
        Configured(&["resources-cpu-limit"], || opt_in("resources-cpu-limit")),
    ),
    (
        "resourceRange",
        // The custom check of the fixture: limits between 100m and 2 CPUs, 100Mi and 6G.
        Configured(&["resources-range"], || {
            vec![
                (
                    "resource_maximum",
                    Value::map([("limits.cpu", "2"), ("limits.memory", "6G")]),
                ),
                (
                    "resource_minimum",
                    Value::map([("limits.cpu", "100m"), ("limits.memory", "100Mi")]),
                ),
            ]
        }),
    ),
    (
        "sensitiveConfigmapContent",
        Rules(&["secrets-literal-configmap"]),
    ),
    ("sensitiveContainerEnvVar", Rules(&["secrets-literal-env"])),
    ("hostIPCSet", Rules(&["pss-baseline-host-namespaces"])),
    ("hostNetworkSet", Rules(&["pss-baseline-host-namespaces"])),
    ("hostPIDSet", Rules(&["pss-baseline-host-namespaces"])),
    (
        "hostPathSet",
        Rules(&["pss-baseline-host-path", "pss-restricted-volume-types"]),
    ),
    ("hostPortSet", Rules(&["pss-baseline-host-ports"])),
    ("hostProcess", Rules(&["pss-baseline-host-process"])),
    ("runAsPrivileged", Rules(&["pss-baseline-privileged"])),
    (
        "procMount",
        Rules(&["pss-baseline-proc-mount", "pss-restricted-proc-mount"]),
    ),
    (
        "privilegeEscalationAllowed",
        Rules(&["pss-restricted-privilege-escalation"]),
    ),
    (
        "runAsRootAllowed",
        Rules(&["pss-restricted-run-as-non-root"]),
    ),
    (
        "dangerousCapabilities",
        Baseline(&["pss-baseline-capabilities"]),
    ),
    (
        "insecureCapabilities",
        Rules(&["pss-restricted-capabilities"]),
    ),
    ("linuxHardening", Rules(&["linux-hardening"])),
    (
        "notReadOnlyRootFilesystem",
        Rules(&["read-only-root-filesystem"]),
    ),
    ("tagNotSpecified", Rules(&["image-digest-pinned"])),
    ("pullPolicyNotAlways", Rules(&["image-pull-policy-always"])),
    ("livenessProbeMissing", Rules(&["probe-liveness"])),
    ("readinessProbeMissing", Rules(&["probe-readiness"])),
    ("deploymentMissingReplicas", Rules(&["deployment-replicas"])),
    ("hpaMaxAvailability", Rules(&["hpa-max-replicas"])),
    ("hpaMinAvailability", Rules(&["hpa-min-replicas"])),
    (
        "missingPodDisruptionBudget",
        Configured(&["pdb-missing"], || opt_in("pdb-missing")),
    ),
    ("pdbDisruptionsIsZero", Rules(&["pdb-zero-disruptions"])),
    (
        "pdbMinAvailableGreaterThanHPAMinReplicas",
        Rules(&["pdb-above-hpa-min"]),
    ),
    (
        "priorityClassNotSet",
        Configured(&["priority-class-set"], || opt_in("priority-class-set")),
    ),
    (
        "topologySpreadConstraint",
        Configured(&["topology-spread"], || opt_in("topology-spread")),
    ),
    (
        "metadataAndInstanceMismatched",
        Configured(&["metadata-labels-match-name"], || {
            name_labels("app.kubernetes.io/instance")
        }),
    ),
    (
        // The custom checks of these two fixtures ask that `app.kubernetes.io/name` is the
        // object's name (Polaris's metadataAndNameMismatched), of a Pod and of a StatefulSet.
        "nakedPod",
        Configured(&["metadata-labels-match-name"], || {
            name_labels("app.kubernetes.io/name")
        }),
    ),
    (
        "oneController",
        Configured(&["metadata-labels-match-name"], || {
            name_labels("app.kubernetes.io/name")
        }),
    ),
];

/// Requires label `label` to equal the object's name.
fn name_labels(label: &'static str) -> Vec<(&'static str, Value)> {
    vec![("labels_matching_name", Value::from(vec![label]))]
}

/// Why fourc reports cluster-admin or dangerous grants to a user whatever the binding is called.
const BY_SUBJECTS: &str = "Polaris exempts bindings by their own name (`system:*`, the \
    default `cluster-admin` binding); fourc judges a binding by its subjects, and this one grants \
    the role to User testuser, who is not a system component";

/// Why fourc does not exempt the GKE-managed name Polaris's checks exempt.
const GKE_NAME: &str = "Polaris exempts the GKE-managed name `gce:podsecuritypolicy:calico-sa`; \
    fourc exempts no binding by name, and skips platform roles by prefix \
    (`rbac_platform_role_prefixes`, where GKE users add `gce:`)";

/// Why a binding to a role that is not among the inputs draws no finding.
const MISSING_ROLE: &str = "the bound role is not among the scanned documents, so what it \
    grants is unknown; fourc reports grants it can read, and only `cluster-admin` by name";

/// Why dropping a list of capabilities does not satisfy fourc.
const DROP_ALL: &str = "Polaris accepts dropping its list of insecure capabilities one by one; \
    the restricted Pod Security profile, which fourc follows, requires dropping `ALL`";

/// Why a credential-named key with a placeholder value is not a finding.
const PLACEHOLDER: &str = "the value `xxxxx` is a placeholder (one character repeated), not a \
    credential; fourc reports credential-named keys only when their value is a literal that \
    could work";

/// Why egress is not required.
const NO_EGRESS: &str = "fourc requires every workload to be isolated for ingress by a \
    NetworkPolicy, not to have egress rules: the pod here is selected by an Ingress policy";

/// Cases of mapped checks where fourc deliberately differs from Polaris, by `case_id`.
const SKIPPED: &[(&str, &str)] = &[
    (
        "polaris/clusterrolebindingClusterAdmin/success.system_prefix_binding",
        BY_SUBJECTS,
    ),
    (
        "polaris/rolebindingClusterAdminClusterRole/success.system_prefix_binding",
        BY_SUBJECTS,
    ),
    (
        "polaris/rolebindingClusterAdminRole/success.system_prefix_binding",
        BY_SUBJECTS,
    ),
    (
        "polaris/clusterrolebindingPodExecAttach/success.system_prefix_binding",
        BY_SUBJECTS,
    ),
    (
        "polaris/rolebindingClusterRolePodExecAttach/success.system_prefix_binding",
        BY_SUBJECTS,
    ),
    (
        "polaris/rolebindingRolePodExecAttach/success.system_prefix_binding",
        BY_SUBJECTS,
    ),
    (
        "polaris/clusterrolebindingPodExecAttach/success.defaultclusterrolebinding_clusteradmin",
        BY_SUBJECTS,
    ),
    (
        "polaris/clusterrolebindingPodExecAttach/success.defaultclusterrolebinding_system-controller-generic-garbage-collector",
        BY_SUBJECTS,
    ),
    (
        "polaris/clusterrolePodExecAttach/success.gce_calico_clusterrole",
        GKE_NAME,
    ),
    (
        "polaris/rolePodExecAttach/success.gce_calico_binding",
        GKE_NAME,
    ),
    (
        "polaris/clusterrolebindingClusterAdmin/success.gce_calico_binding",
        GKE_NAME,
    ),
    (
        "polaris/rolebindingClusterAdminClusterRole/success.gce_calico_binding",
        GKE_NAME,
    ),
    (
        "polaris/rolebindingClusterAdminRole/success.gce_calico_binding",
        GKE_NAME,
    ),
    (
        "polaris/clusterrolebindingPodExecAttach/success.gce_calico_binding",
        GKE_NAME,
    ),
    (
        "polaris/rolebindingClusterRolePodExecAttach/success.gce_calico_binding",
        GKE_NAME,
    ),
    (
        "polaris/rolebindingRolePodExecAttach/success.gce_calico_binding",
        GKE_NAME,
    ),
    (
        "polaris/clusterrolebindingPodExecAttach/failure.binding_points_to_missing_ref",
        MISSING_ROLE,
    ),
    (
        "polaris/rolebindingClusterRolePodExecAttach/failure.binding_points_to_missing_ref",
        MISSING_ROLE,
    ),
    (
        "polaris/rolebindingRolePodExecAttach/failure.binding_points_to_missing_ref",
        MISSING_ROLE,
    ),
    (
        "polaris/rolebindingRolePodExecAttach/success.role_binding_cluster_role_binding",
        "the Polaris check looks only at RoleBindings to Roles; this RoleBinding grants a \
         ClusterRole of `*` verbs on `*` resources to a user, which fourc reports as full \
         control of the namespace whichever kind the role is",
    ),
    ("polaris/insecureCapabilities/success", DROP_ALL),
    ("polaris/insecureCapabilities/success.case", DROP_ALL),
    ("polaris/insecureCapabilities/success.pod", DROP_ALL),
    (
        "polaris/insecureCapabilities/success.all",
        "the container drops `All`; pod-security-admission, the reference for fourc's Pod \
         Security rules, recognizes only `ALL`",
    ),
    (
        "polaris/missingNetworkPolicy/failure.netpol_missing_egress_in_policytypes",
        NO_EGRESS,
    ),
    (
        "polaris/missingNetworkPolicy/failure.netpol_missing_egress_rules",
        NO_EGRESS,
    ),
    (
        "polaris/missingNetworkPolicy/failure.netpol_missing_ingress_rules",
        "the policy lists Ingress in policyTypes and has no ingress rules, so it denies all \
         ingress to the pod: isolated, and stricter than Polaris's passing case",
    ),
    (
        "polaris/sensitiveConfigmapContent/failure.key_aws_secret_access_key",
        PLACEHOLDER,
    ),
    (
        "polaris/sensitiveConfigmapContent/failure.key_azure_batch_key",
        PLACEHOLDER,
    ),
    (
        "polaris/sensitiveConfigmapContent/failure.key_oci_cli_key_content",
        PLACEHOLDER,
    ),
];

struct Case {
    id: String,
    file: String,
    check: String,
    expected_fail: bool,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS)
}

fn read_index(dir: &Path) -> Vec<Case> {
    let index = dir.join("INDEX.tsv");
    let text = std::fs::read_to_string(&index).unwrap_or_else(|e| {
        panic!(
            "the Polaris corpus is missing: cannot read {} ({e}); it is vendored in the \
             repository, see tests/data/conformance/README.md",
            index.display()
        )
    });
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("INDEX.tsv has no `{name}` column"))
    };
    let (id, file, check, expected) = (col("case_id"), col("file"), col("check"), col("expected"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let expected_fail = match f[expected] {
                "fail" => true,
                "pass" => false,
                other => panic!("case {}: unknown expectation `{other}`", f[id]),
            };
            Case {
                id: f[id].to_string(),
                file: f[file].to_string(),
                check: f[check].to_string(),
                expected_fail,
            }
        })
        .collect()
}

#[test]
fn polaris_cases_agree() {
    let dir = corpus_dir();
    let cases = read_index(&dir);
    assert_eq!(cases.len(), 302, "the corpus changed: review the mapping");

    let engine = Engine::builder()
        .build()
        .expect("the standard library builds");
    let baseline = Engine::builder()
        .pss_level(PssLevel::Baseline)
        .build()
        .expect("the standard library builds");
    let known: BTreeSet<&str> = engine.rules().rules().map(|m| &*m.id).collect();
    for (check, map) in CHECKS {
        let (Rules(ids) | Baseline(ids) | Configured(ids, _)) = map;
        for id in *ids {
            assert!(
                known.contains(id),
                "the mapping of Polaris check {check} names rule {id}, which does not exist"
            );
        }
    }
    let configured: Vec<(&str, Engine)> = CHECKS
        .iter()
        .filter_map(|(check, map)| match map {
            Configured(_, params) => {
                let b = params()
                    .into_iter()
                    .fold(Engine::builder(), |b, (name, value)| b.param(name, value));
                Some((
                    *check,
                    b.build().expect("the configured standard library builds"),
                ))
            }
            _ => None,
        })
        .collect();

    let mut agree = 0;
    let mut mapped = 0;
    let mut skipped = 0;
    let mut disagreements = Vec::new();
    let mut stale_skips = Vec::new();
    for case in &cases {
        let map = CHECKS
            .iter()
            .find(|(c, _)| *c == case.check)
            .map(|(_, m)| m)
            .unwrap_or_else(|| panic!("Polaris check {} is not in CHECKS", case.check));
        let (ids, engine) = match map {
            Rules(ids) => (ids, &engine),
            Baseline(ids) => (ids, &baseline),
            Configured(ids, _) => (
                ids,
                configured
                    .iter()
                    .find(|(c, _)| *c == case.check)
                    .map(|(_, e)| e)
                    .expect("every configured check has an engine"),
            ),
        };
        let scan = engine.check_paths(&[dir.join(&case.file)]);
        assert!(
            scan.load_errors.is_empty(),
            "{}: {:?}",
            case.id,
            scan.load_errors
        );
        let errors: Vec<String> = scan
            .report
            .errors
            .iter()
            .filter(|e| ids.contains(&&*e.rule().id))
            .map(|e| format!("[{}] {}", e.rule().id, e.message()))
            .collect();
        let findings: Vec<String> = scan
            .report
            .findings
            .iter()
            .filter(|f| ids.contains(&&*f.rule().id))
            .map(|f| format!("[{}] {}", f.rule().id, f.message()))
            .collect();
        let agrees = errors.is_empty() && findings.is_empty() != case.expected_fail;
        if let Some((_, reason)) = SKIPPED.iter().find(|(id, _)| *id == case.id) {
            skipped += 1;
            if agrees {
                stale_skips.push(format!("{} (skipped because: {reason})", case.id));
            }
            continue;
        }
        mapped += 1;
        if agrees {
            agree += 1;
        } else {
            let want = if case.expected_fail { "fail" } else { "pass" };
            disagreements.push(format!(
                "{} (polaris: {want}): {}",
                case.id,
                if findings.is_empty() && errors.is_empty() {
                    "no finding".to_string()
                } else {
                    findings
                        .iter()
                        .chain(&errors)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; ")
                }
            ));
        }
    }
    println!("polaris: {agree}/{mapped} cases agree ({skipped} skipped on purpose)");
    for d in &disagreements {
        println!("  disagrees: {d}");
    }
    assert_eq!(
        mapped + skipped,
        cases.len(),
        "every case is judged by mapped rules or skipped with a reason"
    );
    for (id, _) in SKIPPED {
        assert!(
            cases.iter().any(|c| c.id == *id),
            "SKIPPED names {id}, which is not a case of the corpus"
        );
    }
    assert!(
        stale_skips.is_empty(),
        "skipped cases that now agree, remove them from SKIPPED:\n{}",
        stale_skips.join("\n")
    );
    assert!(
        agree >= FLOOR,
        "polaris agreement fell to {agree}/{mapped}, below the floor of {FLOOR}:\n{}",
        disagreements.join("\n")
    );
}
