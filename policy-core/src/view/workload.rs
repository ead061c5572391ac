//! The `workload` view: one shape for every pod-bearing kind.

use std::sync::{Arc, LazyLock};

use super::{TypeKey, View, ViewBuilder};
use crate::document::{Document, KUBERNETES};
use crate::value::{MapBuilder, Node, Str, Value};

/// The name of the workload view.
pub const WORKLOAD: &str = "workload";

/// The pod-bearing kinds and where each keeps its pod template: the path to the template's
/// `metadata`'s parent and the path to the pod spec.
const WORKLOAD_KINDS: &[(&str, &[&str], &[&str])] = &[
    ("Pod", &[], &["spec"]),
    ("PodTemplate", &["template"], &["template", "spec"]),
    (
        "Deployment",
        &["spec", "template"],
        &["spec", "template", "spec"],
    ),
    (
        "ReplicaSet",
        &["spec", "template"],
        &["spec", "template", "spec"],
    ),
    (
        "StatefulSet",
        &["spec", "template"],
        &["spec", "template", "spec"],
    ),
    (
        "DaemonSet",
        &["spec", "template"],
        &["spec", "template", "spec"],
    ),
    ("Job", &["spec", "template"], &["spec", "template", "spec"]),
    (
        "ReplicationController",
        &["spec", "template"],
        &["spec", "template", "spec"],
    ),
    (
        "CronJob",
        &["spec", "jobTemplate", "spec", "template"],
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// The path from a workload document's root to its pod spec, as field names.
pub fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    WORKLOAD_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, _, spec)| *spec)
}

/// The `workload` view of a Kubernetes object of a pod-bearing kind.
///
/// The view is a map with `kind`, `apiVersion`, `metadata` (the object's own), `podMetadata`
/// (the pod template's metadata; the object's own for a Pod) and `pod` (the pod spec). Entries
/// missing from the document are missing from the view, so they read as undefined.
#[derive(Clone, Copy, Debug, Default)]
pub struct Workload;

impl View for Workload {
    fn name(&self) -> &str {
        WORKLOAD
    }

    fn applies_to(&self) -> &[TypeKey] {
        static TYPES: LazyLock<Vec<TypeKey>> = LazyLock::new(|| {
            WORKLOAD_KINDS
                .iter()
                .map(|(k, _, _)| TypeKey::new(KUBERNETES, k))
                .collect()
        });
        &TYPES
    }

    fn build(&self, doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node> {
        let kind = doc.kind()?;
        let (_, template, spec) = WORKLOAD_KINDS.iter().find(|(k, _, _)| *k == kind)?;
        // The view's keys, allocated once for every view of the process.
        static KEYS: LazyLock<[Str; 5]> = LazyLock::new(|| {
            ["kind", "apiVersion", "metadata", "podMetadata", "pod"].map(Arc::<str>::from)
        });
        let [kind_key, api_key, meta_key, pod_meta_key, pod_key] = &*KEYS;
        let root = doc.root();
        let mut m = MapBuilder::with_capacity(5);
        for key in [kind_key, api_key, meta_key] {
            if let Some(n) = root.get(key) {
                m.insert(key.clone(), n.clone());
            }
        }
        let pod_meta = if template.is_empty() {
            root.get("metadata")
        } else {
            root.get_path(template).and_then(|t| t.get("metadata"))
        };
        if let Some(n) = pod_meta {
            m.insert(pod_meta_key.clone(), n.clone());
        }
        if let Some(p) = root.get_path(spec) {
            m.insert(pod_key.clone(), p.clone());
        }
        Some(b.derived(Value::Map(m.finish()), root))
    }

    fn absent_field(&self, doc: &Document, field: &str) -> Option<Vec<Str>> {
        let (_, template, spec) = WORKLOAD_KINDS
            .iter()
            .find(|(k, _, _)| Some(*k) == doc.kind())?;
        let path: Vec<&str> = match field {
            "pod" => spec.to_vec(),
            "podMetadata" => template.iter().copied().chain(["metadata"]).collect(),
            "metadata" | "kind" | "apiVersion" => vec![field],
            _ => return None,
        };
        Some(path.into_iter().map(Str::from).collect())
    }
}
