//! VMware clusters in the `cloud_cluster` view: vSphere with Tanzu `TanzuKubernetesCluster`,
//! Cluster API `Cluster` and `VSphereCluster`, and the clusters of the Tanzu Mission Control
//! Terraform provider.
//!
//! What each expresses of the Cloud layer's controls:
//!
//! - a vSphere cluster's API endpoint is the address its load balancer (or kube-vip) serves, with
//!   no allowlist: the only knob is the address. A Cluster API `Cluster` or `VSphereCluster`
//!   whose `spec.controlPlaneEndpoint.host` (or ClusterClass variable `controlPlaneIpAddr` /
//!   `apiServerEndpoint`) is a literal IP reads `public_endpoint` as whether that address is
//!   globally routable; a host name, or no address, is left out. A `TanzuKubernetesCluster` has
//!   no endpoint setting (the Supervisor's load balancer allocates it) and no Secrets
//!   encryption setting (vSphere encrypts etcd platform-side): its view holds its provider only;
//! - Tanzu Mission Control's `tanzu-mission-control_ekscluster` spells EKS's endpoint settings
//!   (`spec.config.vpc`), `tanzu-mission-control_akscluster` AKS's (`spec.config.
//!   api_server_access_config`, `access_config.enable_rbac`, node pools'
//!   `enable_node_public_ip`); neither has a Secrets encryption setting, so `secrets_encrypted`
//!   is absent. `tanzu-mission-control_cluster` and `tanzu-mission-control_tanzu_kubernetes_cluster`
//!   (TKG clusters) have no knob for these controls and hold their provider only.

use super::{Out, boolean, field, lookup, string};
use crate::builtins::address_is_public;
use crate::document::Document;
use crate::value::{Node, Value};
use crate::view::ViewBuilder;

/// EKS through Tanzu Mission Control.
const EKS_VIA_TMC: &str = "tanzu-mission-control_ekscluster";
/// AKS through Tanzu Mission Control.
const AKS_VIA_TMC: &str = "tanzu-mission-control_akscluster";

/// The Terraform types of the Tanzu Mission Control provider that the view reads.
pub(super) const TMC_TYPES: &[&str] = &[
    EKS_VIA_TMC,
    AKS_VIA_TMC,
    "tanzu-mission-control_cluster",
    "tanzu-mission-control_tanzu_kubernetes_cluster",
];

/// The Kubernetes kinds of VMware and Cluster API clusters the view reads (besides `Cluster`,
/// which kops shares).
pub(super) const KINDS: &[&str] = &["TanzuKubernetesCluster", "VSphereCluster"];

/// The API group of a Kubernetes document's `apiVersion`.
fn group(doc: &Document) -> Option<&str> {
    let v = doc.root().get("apiVersion").and_then(Node::as_str)?;
    Some(v.split_once('/').map_or("", |(g, _)| g))
}

/// A Kubernetes document of a VMware or Cluster API kind, or `None` for another group.
pub(super) fn kubernetes(doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node> {
    let kind = doc.kind()?;
    let group = group(doc)?;
    let root = doc.root();
    let mut o = Out::new();
    match (kind, group) {
        ("TanzuKubernetesCluster", "run.tanzu.vmware.com") => {
            o.set("provider", string(b, "vsphere", root));
        }
        ("VSphereCluster", "infrastructure.cluster.x-k8s.io") => {
            o.set("provider", string(b, "vsphere", root));
            endpoint(b, &mut o, field(root, "spec.controlPlaneEndpoint.host"));
        }
        ("Cluster", "cluster.x-k8s.io") => {
            let infra = field(root, "spec.infrastructureRef.kind").and_then(Node::as_str);
            let vsphere = infra.is_some_and(|k| k.starts_with("VSphere"))
                || variable(root, "controlPlaneIpAddr").is_some()
                || variable(root, "vcenter").is_some();
            let provider = if vsphere { "vsphere" } else { "cluster-api" };
            o.set("provider", string(b, provider, root));
            let host = field(root, "spec.controlPlaneEndpoint.host")
                .filter(|h| h.as_str().is_some_and(|s| !s.is_empty()))
                .or_else(|| variable(root, "controlPlaneIpAddr"))
                .or_else(|| variable(root, "apiServerEndpoint"));
            endpoint(b, &mut o, host);
        }
        _ => return None,
    }
    Some(o.finish(b, root))
}

/// The value of a ClusterClass variable of a Cluster API `Cluster`'s topology.
fn variable<'n>(root: &'n Node, name: &str) -> Option<&'n Node> {
    match &field(root, "spec.topology.variables")?.value {
        Value::List(l) => l
            .iter()
            .find(|v| v.get("name").and_then(Node::as_str) == Some(name))
            .and_then(|v| v.get("value")),
        _ => None,
    }
}

/// `public_endpoint` from a control plane address, when it is a literal IP.
fn endpoint(b: &mut ViewBuilder<'_>, o: &mut Out, host: Option<&Node>) {
    let Some(h) = host else { return };
    if let Some(public) = h.as_str().and_then(address_is_public) {
        o.set("public_endpoint", boolean(b, public, h));
    }
}

/// A Tanzu Mission Control cluster resource (Terraform source or plan).
pub(super) fn tmc(b: &mut ViewBuilder<'_>, kind: &str, root: &Node, o: &mut Out) {
    match kind {
        EKS_VIA_TMC => {
            o.known_or_default(
                b,
                kind,
                root,
                "public_endpoint",
                "spec.config.vpc.enable_public_access",
            );
            o.known_or_default(
                b,
                kind,
                root,
                "allowed_cidrs",
                "spec.config.vpc.public_access_cidrs",
            );
        }
        AKS_VIA_TMC => {
            o.known_or_default(
                b,
                kind,
                root,
                "private_endpoint",
                "spec.config.api_server_access_config.enable_private_cluster",
            );
            o.known_or_default(
                b,
                kind,
                root,
                "allowed_cidrs",
                "spec.config.api_server_access_config.authorized_ip_ranges",
            );
            o.known_or_default(
                b,
                kind,
                root,
                "rbac_enabled",
                "spec.config.access_config.enable_rbac",
            );
            // Nodes get public IPs when any node pool asks for them.
            let pools = match lookup(root, "spec.nodepool") {
                super::Lookup::Found(n) => match &n.value {
                    Value::List(l) => l.iter().collect(),
                    _ => vec![n],
                },
                super::Lookup::Missing(..) => Vec::new(),
            };
            let ips: Vec<&Node> = pools
                .into_iter()
                .filter_map(|p| field(p, "spec.enable_node_public_ip"))
                .filter(|n| matches!(n.value, Value::Bool(_)))
                .collect();
            let public = ips
                .iter()
                .find(|n| matches!(n.value, Value::Bool(true)))
                .or_else(|| ips.first());
            o.opt("public_nodes", public.map(|n| (*n).clone()));
        }
        _ => {}
    }
}
