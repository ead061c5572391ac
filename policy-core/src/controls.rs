//! The 4C control catalogue: the keys rules name in `controls [...]`.
//!
//! Each control restates one recommendation of the Kubernetes overview of cloud native security
//! (Cloud, Cluster, Container, Code). Rule metadata is validated against this list, and
//! `fourc rules` reports which rules cover each control.

use crate::ir::Layer;

/// A control of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Control {
    /// The stable key, such as `cluster.pod-security`.
    pub key: &'static str,
    /// The layer.
    pub layer: Layer,
    /// The recommendation, in one line.
    pub title: &'static str,
}

const fn c(key: &'static str, layer: Layer, title: &'static str) -> Control {
    Control { key, layer, title }
}

/// Every control, outermost layer first.
pub const CONTROLS: &[Control] = &[
    c(
        "cloud.api-exposure",
        Layer::Cloud,
        "the control plane API is not open to the internet",
    ),
    c(
        "cloud.node-access",
        Layer::Cloud,
        "nodes accept connections only from the control plane and service traffic",
    ),
    c(
        "cloud.iam-least-privilege",
        Layer::Cloud,
        "cloud credentials of control plane and nodes follow least privilege",
    ),
    c(
        "cloud.etcd-access",
        Layer::Cloud,
        "etcd is reachable only from the control plane, over TLS",
    ),
    c(
        "cloud.etcd-encryption",
        Layer::Cloud,
        "cluster state is encrypted at rest",
    ),
    c(
        "cluster.rbac",
        Layer::Cluster,
        "API access is authorized with least-privilege RBAC",
    ),
    c(
        "cluster.authentication",
        Layer::Cluster,
        "clients authenticate to the API; tokens are mounted only where needed",
    ),
    c(
        "cluster.secrets",
        Layer::Cluster,
        "application secrets are kept in Secrets, not in plain configuration",
    ),
    c(
        "cluster.pod-security",
        Layer::Cluster,
        "pods meet the Pod Security Standards",
    ),
    c(
        "cluster.resources",
        Layer::Cluster,
        "workloads declare resource requests and limits; namespaces have quotas",
    ),
    c(
        "cluster.network-policy",
        Layer::Cluster,
        "traffic is restricted with NetworkPolicy",
    ),
    c("cluster.ingress-tls", Layer::Cluster, "ingress serves TLS"),
    c(
        "container.vulnerability-scan",
        Layer::Container,
        "images are scanned for known vulnerabilities",
    ),
    c(
        "container.image-signing",
        Layer::Container,
        "images are signed, pinned and verified",
    ),
    c(
        "container.non-root",
        Layer::Container,
        "images run as an unprivileged user",
    ),
    c(
        "container.isolation",
        Layer::Container,
        "untrusted workloads use a sandboxed runtime",
    ),
    c(
        "code.tls",
        Layer::Code,
        "traffic between services is TLS, preferably mutual",
    ),
    c(
        "code.ports",
        Layer::Code,
        "only the ports that are needed are exposed",
    ),
    c(
        "code.dependencies",
        Layer::Code,
        "third-party dependencies are scanned for vulnerabilities",
    ),
    c(
        "code.static-analysis",
        Layer::Code,
        "static analysis finds no unsuppressed errors",
    ),
    c(
        "code.dynamic-probing",
        Layer::Code,
        "running services are probed for well-known attacks",
    ),
];

/// The control with key `key`.
pub fn find(key: &str) -> Option<&'static Control> {
    CONTROLS.iter().find(|c| c.key == key)
}
