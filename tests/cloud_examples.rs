//! Every example of `examples/cloud/` yields its known findings at the right lines (see the
//! README there), in the library's report and in the JSON and SARIF outputs of `fourc check`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use fourc::Engine;

/// `(file under examples/cloud, line, rule, resource)` of every finding of the Cloud layer's
/// rules and of the control-plane flag rules.
const KNOWN: &[(&str, u32, &str, &str)] = &[
    (
        "aws/main.tf",
        8,
        "cloud-api-endpoint-open",
        "aws_eks_cluster.main",
    ),
    (
        "aws/main.tf",
        39,
        "cloud-node-admin-ports-open",
        "aws_security_group.nodes",
    ),
    (
        "aws/main.tf",
        56,
        "cloud-iam-wildcard-action",
        "aws_iam_role_policy.nodes",
    ),
    (
        "azure/main.tf",
        4,
        "cloud-api-endpoint-open",
        "azurerm_kubernetes_cluster.shop",
    ),
    (
        "azure/main.tf",
        4,
        "cloud-secrets-encryption",
        "azurerm_kubernetes_cluster.shop",
    ),
    (
        "azure/main.tf",
        29,
        "cloud-node-admin-ports-open",
        "azurerm_network_security_rule.ssh",
    ),
    (
        "cloudformation/eks.yaml",
        14,
        "cloud-api-endpoint-open",
        "Cluster",
    ),
    (
        "cloudformation/eks.yaml",
        29,
        "cloud-node-admin-ports-open",
        "NodeSecurityGroup",
    ),
    (
        "gcp/main.tf",
        5,
        "cloud-api-endpoint-open",
        "google_container_cluster.primary",
    ),
    (
        "gcp/main.tf",
        5,
        "cloud-public-nodes",
        "google_container_cluster.primary",
    ),
    (
        "gcp/main.tf",
        22,
        "cloud-iam-basic-role",
        "google_container_node_pool.default",
    ),
    (
        "gcp/main.tf",
        36,
        "cloud-node-admin-ports-open",
        "google_compute_firewall.kubelet",
    ),
    (
        "kops/cluster.yaml",
        5,
        "cloud-node-admin-ports-open",
        "Cluster/shop.example.com",
    ),
    (
        "kops/cluster.yaml",
        5,
        "cloud-secrets-encryption",
        "Cluster/shop.example.com",
    ),
    (
        "describe/eks-cluster.json",
        2,
        "cloud-secrets-encryption",
        "arn:aws:eks:eu-west-1:111122223333:cluster/shop",
    ),
    (
        "describe/eks-cluster.json",
        10,
        "cloud-api-endpoint-open",
        "arn:aws:eks:eu-west-1:111122223333:cluster/shop",
    ),
    (
        "describe/eks-nodegroup.json",
        6,
        "cloud-node-admin-ports-open",
        "arn:aws:eks:eu-west-1:111122223333:nodegroup/shop/default/1",
    ),
    (
        "kubeadm/etcd.yaml",
        22,
        "etcd-client-cert-auth",
        "Pod/kube-system/etcd",
    ),
    (
        "kubeadm/kube-apiserver.yaml",
        12,
        "apiserver-encryption-provider-config",
        "Pod/kube-system/kube-apiserver",
    ),
    (
        "plan/plan.json",
        21,
        "cloud-api-endpoint-open",
        "module.eks.aws_eks_cluster.this",
    ),
    (
        "plan/plan.json",
        24,
        "cloud-secrets-encryption",
        "module.eks.aws_eks_cluster.this",
    ),
    (
        "vsphere/cluster.yaml",
        15,
        "cloud-api-endpoint-open",
        "Cluster/tkg/shop",
    ),
    (
        "vsphere/cluster.yaml",
        41,
        "apiserver-encryption-provider-config",
        "KubeadmControlPlane/tkg/shop-cp",
    ),
    (
        "vsphere/cluster.yaml",
        52,
        "etcd-client-cert-auth",
        "KubeadmControlPlane/tkg/shop-cp",
    ),
    (
        "vsphere/tmc.tf",
        17,
        "cloud-api-endpoint-open",
        "tanzu-mission-control_ekscluster.shop",
    ),
    (
        "vsphere/tmc.tf",
        34,
        "cloud-node-admin-ports-open",
        "tanzu-mission-control_ekscluster.shop",
    ),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether a rule belongs to what the examples show: the Cloud layer and the flag rules.
fn shown(rule: &str) -> bool {
    rule.starts_with("cloud-")
        || rule.starts_with("etcd-")
        || rule.starts_with("apiserver-")
        || rule.starts_with("kubelet-")
        || rule.starts_with("encryption-config")
}

fn known() -> BTreeSet<(String, u32, String)> {
    KNOWN
        .iter()
        .map(|(f, l, r, _)| (f.to_string(), *l, r.to_string()))
        .collect()
}

fn relative(file: &str) -> String {
    let f = file.replace('\\', "/");
    let i = f.find("examples/cloud/").unwrap() + "examples/cloud/".len();
    f[i..].to_string()
}

#[test]
fn the_examples_yield_their_known_findings() {
    let engine = Engine::builder().build().unwrap();
    let dir = root().join("examples/cloud");
    let scan = engine.check_paths(&[&dir]);
    assert!(scan.load_errors.is_empty(), "{:?}", scan.load_errors);
    assert!(scan.skipped.is_empty(), "{:?}", scan.skipped);
    let mut got = BTreeSet::new();
    for f in &scan.report.findings {
        if !shown(&f.rule().id) {
            continue;
        }
        let file = relative(f.source().name());
        let want = KNOWN
            .iter()
            .find(|(kf, kl, kr, _)| *kf == file && *kl == f.line() && *kr == &*f.rule().id);
        if let Some((_, _, _, resource)) = want {
            assert_eq!(f.resource().to_string(), *resource, "{file}:{}", f.line());
        }
        got.insert((file, f.line(), f.rule().id.to_string()));
    }
    assert_eq!(got, known());
    // The defaulted ones say so.
    let kops = scan
        .report
        .findings
        .iter()
        .find(|f| {
            f.rule().id.as_ref() == "cloud-node-admin-ports-open"
                && f.source().name().contains("kops")
        })
        .unwrap();
    assert!(
        kops.note().unwrap().contains("defaulted"),
        "{:?}",
        kops.note()
    );
}

#[test]
fn json_and_sarif_give_the_same_lines() {
    let bin = env!("CARGO_BIN_EXE_fourc");
    let out = Command::new(bin)
        .current_dir(root())
        .args(["check", "--no-config", "--format", "json", "examples/cloud"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: BTreeSet<(String, u32, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| shown(f["rule_id"].as_str().unwrap()))
        .map(|f| {
            (
                relative(f["location"]["file"].as_str().unwrap()),
                u32::try_from(f["location"]["line"].as_u64().unwrap()).unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, known(), "json");

    let out = Command::new(bin)
        .current_dir(root())
        .args([
            "check",
            "--no-config",
            "--format",
            "sarif",
            "examples/cloud",
        ])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: BTreeSet<(String, u32, String)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| shown(r["ruleId"].as_str().unwrap()))
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                relative(loc["artifactLocation"]["uri"].as_str().unwrap()),
                u32::try_from(loc["region"]["startLine"].as_u64().unwrap()).unwrap(),
                r["ruleId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, known(), "sarif");
}
