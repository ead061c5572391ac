//! Normalized views: one shape for many document kinds.
//!
//! A view points into the document rather than copying it: the `workload` view of a CronJob is a
//! small map whose `pod` entry is the very node at `spec.jobTemplate.spec.template.spec`, so
//! every span (and so every finding's file, line and column) is the user's own.

use std::sync::{Arc, LazyLock};

use crate::document::Document;
use crate::value::{MapBuilder, Node, Str, Value};

/// The name of the workload view.
pub const WORKLOAD: &str = "workload";

/// Every view name, for the compiler to validate `on` clauses and `resources(...)` queries.
pub const VIEWS: &[&str] = &[WORKLOAD];

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

/// The kinds a view covers.
pub fn view_kinds(view: &str) -> &'static [&'static str] {
    const KINDS: [&str; 9] = [
        "Pod",
        "PodTemplate",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "ReplicationController",
        "CronJob",
    ];
    if view == WORKLOAD { &KINDS } else { &[] }
}

/// The path from a workload document's root to its pod spec, as field names.
pub fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    WORKLOAD_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, _, spec)| *spec)
}

/// Builds the `workload` view of a document, if it is a pod-bearing kind.
///
/// The view is a map with `kind`, `apiVersion`, `metadata` (the object's own), `podMetadata`
/// (the pod template's metadata; the object's own for a Pod) and `pod` (the pod spec). Entries
/// missing from the document are missing from the view, so they read as undefined.
pub fn workload(doc: &Document) -> Option<Node> {
    let kind = doc.kind()?;
    let (_, template, spec) = WORKLOAD_KINDS.iter().find(|(k, _, _)| *k == kind)?;
    // The view's keys, allocated once for every view of the process.
    static KEYS: LazyLock<[Str; 5]> = LazyLock::new(|| {
        ["kind", "apiVersion", "metadata", "podMetadata", "pod"].map(Arc::<str>::from)
    });
    let [kind_key, api_key, meta_key, pod_meta_key, pod_key] = &*KEYS;
    let root = doc.root();
    let mut b = MapBuilder::with_capacity(5);
    for key in [kind_key, api_key, meta_key] {
        if let Some(n) = root.get(key) {
            b.insert(key.clone(), n.clone());
        }
    }
    let pod_meta = if template.is_empty() {
        root.get("metadata")
    } else {
        root.get_path(template).and_then(|t| t.get("metadata"))
    };
    if let Some(m) = pod_meta {
        b.insert(pod_meta_key.clone(), m.clone());
    }
    if let Some(p) = root.get_path(spec) {
        b.insert(pod_key.clone(), p.clone());
    }
    Some(Node::new(Value::Map(b.finish()), root.span))
}

/// The path in a document of `kind` that a `workload` view field stands for: `pod` is the pod
/// spec, `podMetadata` the pod template's metadata, the other fields are the object's own.
pub fn workload_field_path(kind: &str, field: &str) -> Option<Vec<&'static str>> {
    let (_, template, spec) = WORKLOAD_KINDS.iter().find(|(k, _, _)| *k == kind)?;
    match field {
        "pod" => Some(spec.to_vec()),
        "podMetadata" => {
            let mut p = template.to_vec();
            p.push("metadata");
            Some(p)
        }
        "metadata" => Some(vec!["metadata"]),
        "kind" => Some(vec!["kind"]),
        "apiVersion" => Some(vec!["apiVersion"]),
        _ => None,
    }
}

/// Builds the view `name` of a document, if the document has one.
pub fn view(name: &str, doc: &Document) -> Option<Node> {
    match name {
        WORKLOAD => workload(doc),
        _ => None,
    }
}
