//! The `cloud_cluster` view: one shape for every managed control plane.

use std::sync::LazyLock;

use super::{
    Lookup, Out, boolean, field, field_or_default, is_set, list, lookup, provider_default, string,
    strings, terraform_types, vmware,
};
use crate::document::{Document, KUBERNETES};
use crate::input::cloudformation::CLOUDFORMATION;
use crate::input::describe::DESCRIBE;
use crate::value::{Node, Value};
use crate::view::{TypeKey, View, ViewBuilder};

/// The name of the managed-cluster view.
pub const CLOUD_CLUSTER: &str = "cloud_cluster";

/// The cluster types and their providers.
const TYPES: &[(&str, &str)] = &[
    ("aws_eks_cluster", "aws"),
    ("google_container_cluster", "google"),
    ("azurerm_kubernetes_cluster", "azure"),
    ("alicloud_cs_managed_kubernetes", "alicloud"),
    ("alicloud_cs_kubernetes", "alicloud"),
    ("oci_containerengine_cluster", "oracle"),
    ("ibm_container_cluster", "ibm"),
];

/// A managed Kubernetes cluster, provider-neutral.
///
/// | field | meaning |
/// | --- | --- |
/// | `provider` | `aws`, `google`, `azure`, `alicloud`, `oracle`, `ibm`, `kops`, `vsphere`, `cluster-api`, `tmc` |
/// | `public_endpoint` | the API endpoint is reachable from the internet (providers whose knob says "public") |
/// | `private_endpoint` | the API endpoint is private only (providers whose knob says "private") |
/// | `allowed_cidrs` | the addresses allowed to the public endpoint, when the provider has such a list |
/// | `secrets_encrypted` | Secrets are envelope-encrypted with a key the owner controls (KMS) |
/// | `rbac_enabled`, `legacy_abac`, `client_certificate`, `basic_auth` | authorization and legacy authentication settings |
/// | `public_nodes` / `private_nodes` | whether nodes get public IPs (by the provider's knob) |
///
/// A field the provider has no knob for, or whose value is known only at apply time, is absent.
#[derive(Clone, Copy, Debug, Default)]
pub struct CloudCluster;

impl View for CloudCluster {
    fn name(&self) -> &str {
        CLOUD_CLUSTER
    }

    fn applies_to(&self) -> &[TypeKey] {
        static KEYS: LazyLock<Vec<TypeKey>> = LazyLock::new(|| {
            let mut k = terraform_types(
                TYPES
                    .iter()
                    .map(|(t, _)| *t)
                    .chain(vmware::TMC_TYPES.iter().copied()),
            );
            k.push(TypeKey::new(KUBERNETES, "Cluster"));
            for t in vmware::KINDS {
                k.push(TypeKey::new(KUBERNETES, t));
            }
            k.push(TypeKey::new(CLOUDFORMATION, "AWS::EKS::Cluster"));
            for t in ["EksCluster", "GkeCluster", "AksCluster", "OkeCluster"] {
                k.push(TypeKey::new(DESCRIBE, t));
            }
            k
        });
        &KEYS
    }

    fn build(&self, doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node> {
        if doc.format() == KUBERNETES {
            return if is_kops(doc) {
                kops(doc, b)
            } else {
                vmware::kubernetes(doc, b)
            };
        }
        if doc.format() == CLOUDFORMATION {
            return eks_template(doc, b);
        }
        if doc.format() == DESCRIBE {
            return described(doc, b);
        }
        let kind = doc.kind()?;
        let root = doc.root();
        let mut o = Out::new();
        if vmware::TMC_TYPES.contains(&kind) {
            o.set("provider", string(b, "tmc", root));
            vmware::tmc(b, kind, root, &mut o);
            return Some(o.finish(b, root));
        }
        let provider = TYPES.iter().find(|(t, _)| *t == kind)?.1;
        o.set("provider", string(b, provider, root));
        match kind {
            "aws_eks_cluster" => eks(b, kind, root, &EKS_TF, &mut o),
            "google_container_cluster" => {
                o.known_or_default(
                    b,
                    kind,
                    root,
                    "private_endpoint",
                    "private_cluster_config.enable_private_endpoint",
                );
                let cidrs = match lookup(root, "master_authorized_networks_config") {
                    Lookup::Found(m) => {
                        let items = match &m.value {
                            Value::List(l) => l
                                .iter()
                                .flat_map(|blk| match blk.get("cidr_blocks") {
                                    Some(Node {
                                        value: Value::List(cs),
                                        ..
                                    }) => cs
                                        .iter()
                                        .filter_map(|c| c.get("cidr_block"))
                                        .filter(|c| matches!(c.value, Value::String(_)))
                                        .cloned()
                                        .collect::<Vec<_>>(),
                                    _ => Vec::new(),
                                })
                                .collect(),
                            _ => Vec::new(),
                        };
                        Some(list(b, items, m))
                    }
                    Lookup::Missing(..) => {
                        field_or_default(b, kind, root, "master_authorized_networks_config")
                    }
                };
                o.opt("allowed_cidrs", cidrs);
                let enc = match lookup(root, "database_encryption") {
                    Lookup::Found(d) => {
                        let on = field(d, "state").and_then(Node::as_str) == Some("ENCRYPTED")
                            && is_set(d, "key_name");
                        Some(boolean(b, on, d))
                    }
                    Lookup::Missing(..) => field_or_default(b, kind, root, "database_encryption"),
                };
                o.opt("secrets_encrypted", enc);
                o.known_or_default(b, kind, root, "legacy_abac", "enable_legacy_abac");
                o.known_or_default(
                    b,
                    kind,
                    root,
                    "client_certificate",
                    "master_auth.client_certificate_config.issue_client_certificate",
                );
                if let Some(u) = field(root, "master_auth.username") {
                    let set = u.as_str().is_some_and(|s| !s.is_empty());
                    o.set("basic_auth", boolean(b, set, u));
                }
                o.known_or_default(
                    b,
                    kind,
                    root,
                    "private_nodes",
                    "private_cluster_config.enable_private_nodes",
                );
            }
            "azurerm_kubernetes_cluster" => {
                o.known_or_default(b, kind, root, "private_endpoint", "private_cluster_enabled");
                match field(root, "api_server_authorized_ip_ranges") {
                    Some(legacy) => o.set("allowed_cidrs", legacy.clone()),
                    None => o.known_or_default(
                        b,
                        kind,
                        root,
                        "allowed_cidrs",
                        "api_server_access_profile.authorized_ip_ranges",
                    ),
                }
                let enc = match lookup(root, "key_management_service") {
                    Lookup::Found(k) => Some(boolean(b, is_set(k, "key_vault_key_id"), k)),
                    Lookup::Missing(..) => {
                        field_or_default(b, kind, root, "key_management_service")
                    }
                };
                o.opt("secrets_encrypted", enc);
                let rbac = legacy_or_default(
                    b,
                    kind,
                    root,
                    "role_based_access_control.enabled",
                    "role_based_access_control_enabled",
                );
                o.opt("rbac_enabled", rbac);
                let public_ip = field(root, "default_node_pool.enable_node_public_ip")
                    .or_else(|| field(root, "default_node_pool.node_public_ip_enabled"));
                o.opt("public_nodes", public_ip.cloned());
            }
            "alicloud_cs_managed_kubernetes" | "alicloud_cs_kubernetes" => {
                o.known_or_default(b, kind, root, "public_endpoint", "slb_internet_enabled");
                o.opt(
                    "secrets_encrypted",
                    key_set(b, kind, root, "encryption_provider_key"),
                );
            }
            "oci_containerengine_cluster" => {
                o.known_or_default(
                    b,
                    kind,
                    root,
                    "public_endpoint",
                    "endpoint_config.is_public_ip_enabled",
                );
                o.opt("secrets_encrypted", key_set(b, kind, root, "kms_key_id"));
            }
            "ibm_container_cluster" => {
                o.known_or_default(
                    b,
                    kind,
                    root,
                    "private_endpoint",
                    "disable_public_service_endpoint",
                );
                o.opt("secrets_encrypted", key_set(b, kind, root, "kms_config"));
            }
            _ => {}
        }
        Some(o.finish(b, root))
    }
}

/// Whether a key field (a KMS key id or block) is set: `true` derived from it, else the
/// provider default (`false`) defaulted at the root.
fn key_set(b: &mut ViewBuilder<'_>, kind: &str, root: &Node, path: &str) -> Option<Node> {
    match lookup(root, path) {
        Lookup::Found(n) => {
            let set = !matches!(&n.value, Value::String(s) if s.is_empty());
            Some(boolean(b, set, n))
        }
        Lookup::Missing(block, rest) => {
            let d = provider_default(kind, path)?;
            Some(b.defaulted(d, block, rest))
        }
    }
}

/// The value of a field an older provider version spelled `legacy`, else the field at `path` or
/// its default.
fn legacy_or_default(
    b: &mut ViewBuilder<'_>,
    kind: &str,
    root: &Node,
    legacy: &str,
    path: &str,
) -> Option<Node> {
    match field(root, legacy) {
        Some(n) => Some(n.clone()),
        None => field_or_default(b, kind, root, path),
    }
}

/// The defaults key of kops clusters.
pub(super) const KOPS: &str = "kops.k8s.io/Cluster";

/// Whether a Kubernetes document is a kops `Cluster`.
pub(super) fn is_kops(doc: &Document) -> bool {
    doc.kind() == Some("Cluster")
        && doc
            .root()
            .get("apiVersion")
            .and_then(Node::as_str)
            .is_some_and(|v| v.starts_with("kops.k8s.io/"))
}

/// A kops `Cluster`: the API is public unless its load balancer is `Internal`, reachable from
/// `kubernetesApiAccess`; Secrets are encrypted when `encryptionConfig` is true.
fn kops(doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node> {
    if !is_kops(doc) {
        return None;
    }
    let root = doc.root();
    let mut o = Out::new();
    o.set("provider", string(b, "kops", root));
    if let Some(t) = field_or_default(b, KOPS, root, "spec.api.loadBalancer.type") {
        let public = t.as_str() != Some("Internal");
        o.set("public_endpoint", boolean(b, public, &t));
    }
    o.known_or_default(b, KOPS, root, "allowed_cidrs", "spec.kubernetesApiAccess");
    o.known_or_default(b, KOPS, root, "secrets_encrypted", "spec.encryptionConfig");
    Some(o.finish(b, root))
}

/// Where an EKS cluster keeps its endpoint and encryption settings.
struct EksPaths {
    public: &'static str,
    cidrs: &'static str,
    encryption: &'static str,
    resources: &'static str,
    key: &'static str,
}

const EKS_TF: EksPaths = EksPaths {
    public: "vpc_config.endpoint_public_access",
    cidrs: "vpc_config.public_access_cidrs",
    encryption: "encryption_config",
    resources: "resources",
    key: "provider.key_arn",
};

const EKS_CFN: EksPaths = EksPaths {
    public: "Properties.ResourcesVpcConfig.EndpointPublicAccess",
    cidrs: "Properties.ResourcesVpcConfig.PublicAccessCidrs",
    encryption: "Properties.EncryptionConfig",
    resources: "Resources",
    key: "Provider.KeyArn",
};

/// An EKS cluster (Terraform or CloudFormation spelling): Secrets are encrypted when an
/// encryption configuration lists `secrets` and names a key.
fn eks(b: &mut ViewBuilder<'_>, kind: &str, root: &Node, p: &EksPaths, o: &mut Out) {
    o.known_or_default(b, kind, root, "public_endpoint", p.public);
    o.known_or_default(b, kind, root, "allowed_cidrs", p.cidrs);
    let enc = match lookup(root, p.encryption) {
        Lookup::Found(e) => {
            let secrets = field(e, p.resources)
                .is_some_and(|r| strings(r).iter().any(|s| s.as_str() == Some("secrets")));
            Some(boolean(b, secrets && is_set(e, p.key), e))
        }
        Lookup::Missing(..) => field_or_default(b, kind, root, p.encryption),
    };
    o.opt("secrets_encrypted", enc);
}

/// An `AWS::EKS::Cluster` of a CloudFormation template, with the EKS defaults.
fn eks_template(doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node> {
    let kind = doc.kind()?;
    let root = doc.root();
    let mut o = Out::new();
    o.set("provider", string(b, "aws", root));
    eks(b, kind, root, &EKS_CFN, &mut o);
    Some(o.finish(b, root))
}

const EKS_DESCRIBE: EksPaths = EksPaths {
    public: "resourcesVpcConfig.endpointPublicAccess",
    cidrs: "resourcesVpcConfig.publicAccessCidrs",
    encryption: "encryptionConfig",
    resources: "resources",
    key: "provider.keyArn",
};

/// A cluster as the provider describes it.
fn described(doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node> {
    let kind = doc.kind()?;
    let root = doc.root();
    let mut o = Out::new();
    match kind {
        "EksCluster" => {
            o.set("provider", string(b, "aws", root));
            eks(b, kind, root, &EKS_DESCRIBE, &mut o);
        }
        "GkeCluster" => {
            o.set("provider", string(b, "google", root));
            o.known_or_default(
                b,
                kind,
                root,
                "private_endpoint",
                "privateClusterConfig.enablePrivateEndpoint",
            );
            let enabled = field(root, "masterAuthorizedNetworksConfig.enabled")
                .is_some_and(|e| matches!(e.value, Value::Bool(true)));
            let cidrs = match field(root, "masterAuthorizedNetworksConfig") {
                Some(m) if enabled => {
                    let items = match m.get("cidrBlocks").map(|c| &c.value) {
                        Some(Value::List(l)) => l
                            .iter()
                            .filter_map(|c| c.get("cidrBlock"))
                            .cloned()
                            .collect(),
                        _ => Vec::new(),
                    };
                    Some(list(b, items, m))
                }
                _ => {
                    let d = provider_default(kind, "masterAuthorizedNetworksConfig")?;
                    Some(super::defaulted(
                        b,
                        d,
                        root,
                        "masterAuthorizedNetworksConfig",
                    ))
                }
            };
            o.opt("allowed_cidrs", cidrs);
            let enc = match field(root, "databaseEncryption.state") {
                Some(s) => Some(boolean(b, s.as_str() == Some("ENCRYPTED"), s)),
                None => field_or_default(b, kind, root, "databaseEncryption"),
            };
            o.opt("secrets_encrypted", enc);
            o.known_or_default(b, kind, root, "legacy_abac", "legacyAbac.enabled");
            o.known_or_default(
                b,
                kind,
                root,
                "private_nodes",
                "privateClusterConfig.enablePrivateNodes",
            );
        }
        "AksCluster" => {
            o.set("provider", string(b, "azure", root));
            o.known_or_default(
                b,
                kind,
                root,
                "private_endpoint",
                "apiServerAccessProfile.enablePrivateCluster",
            );
            o.known_or_default(
                b,
                kind,
                root,
                "allowed_cidrs",
                "apiServerAccessProfile.authorizedIpRanges",
            );
            o.known_or_default(
                b,
                kind,
                root,
                "secrets_encrypted",
                "securityProfile.azureKeyVaultKms.enabled",
            );
            o.known_or_default(b, kind, root, "rbac_enabled", "enableRbac");
        }
        "OkeCluster" => {
            o.set("provider", string(b, "oracle", root));
            o.known_or_default(
                b,
                kind,
                root,
                "public_endpoint",
                "endpoint-config.is-public-ip-enabled",
            );
            o.opt("secrets_encrypted", key_set(b, kind, root, "kms-key-id"));
        }
        _ => return None,
    }
    Some(o.finish(b, root))
}
