//! Provider describe output: the JSON of `aws eks describe-cluster`, `aws eks
//! describe-nodegroup`, `gcloud container clusters describe --format=json`, `az aks show` and
//! `oci ce cluster get`. Each is one document of a type named after the provider's object
//! (`EksCluster`, `EksNodegroup`, `GkeCluster`, `AksCluster`, `OkeCluster`); its root is the
//! object itself (`cluster` of the EKS answer, `data` of the OCI one), at its own JSON lines.

use std::path::Path;
use std::sync::Arc;

use super::{Confidence, InputFormat};
use crate::document::{Document, LoadOptions, Loaded, ResourceId, Source, number_nodes};
use crate::value::Node;
use crate::yaml;

/// The format name of provider describe output.
pub const DESCRIBE: &str = "describe";

/// Describe output, recognised by content.
#[derive(Clone, Copy, Debug, Default)]
pub struct Describe;

/// What identifies each kind of answer in its first bytes, the type it gives, the key of the
/// object inside the answer (empty for the answer itself) and the field naming the object.
const KINDS: &[(&[&str], &str, &str, &str)] = &[
    (
        &["\"cluster\"", "\"resourcesVpcConfig\""],
        "EksCluster",
        "cluster",
        "name",
    ),
    (
        &["\"nodegroup\"", "\"nodegroupName\""],
        "EksNodegroup",
        "nodegroup",
        "nodegroupName",
    ),
    (
        &["Microsoft.ContainerService/ManagedClusters"],
        "AksCluster",
        "",
        "name",
    ),
    (&["container.googleapis.com"], "GkeCluster", "", "name"),
    (
        &["\"data\"", "\"endpoint-config\""],
        "OkeCluster",
        "data",
        "name",
    ),
];

fn kind_of(
    head: &[u8],
) -> Option<&'static (
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
)> {
    let text = String::from_utf8_lossy(head);
    KINDS
        .iter()
        .find(|(marks, ..)| marks.iter().all(|m| text.contains(m)))
}

impl InputFormat for Describe {
    fn name(&self) -> &str {
        DESCRIBE
    }

    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence {
        let json = path
            .and_then(|p| p.extension())
            .is_none_or(|e| e.eq_ignore_ascii_case("json"));
        if json && kind_of(head).is_some() && !head.is_empty() {
            Confidence::Content
        } else {
            Confidence::No
        }
    }

    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
        let answer = yaml::load_str(source, opts);
        let mut out = Loaded {
            documents: Vec::new(),
            errors: answer.errors,
            skipped: Vec::new(),
        };
        let Some((_, ty, key, name_key)) = kind_of(super::head(source.text())) else {
            return out;
        };
        for a in &answer.documents {
            let root = if key.is_empty() {
                Some(a.root())
            } else {
                a.root().get(key)
            };
            let Some(root) = root else { continue };
            let mut id = ResourceId::new(DESCRIBE, ty);
            if let Some(n) = root.get(name_key).and_then(Node::as_str) {
                id = id.with_name(n);
            }
            if let Some(arn) = root
                .get("arn")
                .or_else(|| root.get("clusterArn"))
                .or_else(|| root.get("nodegroupArn"))
                .or_else(|| root.get("id"))
                .or_else(|| root.get("selfLink"))
                .and_then(Node::as_str)
            {
                id = id.with_address(arn);
            }
            let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
            out.documents.push(Document::with_identity(
                source.clone(),
                index,
                number_nodes(root.clone()),
                id,
            ));
        }
        out
    }
}
