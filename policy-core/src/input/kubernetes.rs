//! Kubernetes objects: YAML or JSON manifests, `kind: List`s and `AdmissionReview`s.
//!
//! Normalization steps of this format (not of the YAML reader):
//! - an `AdmissionReview` stands for the object it asks about: its `request.object` becomes
//!   the document (at its own lines), the `request` stays available as the document's context,
//!   and an object that names no namespace takes the request's, as the API server does;
//! - a `kind: List` yields one document per item (done while the tree is built).

use std::path::Path;
use std::sync::Arc;

use super::{Confidence, InputFormat};
use crate::document::{Document, KUBERNETES, LoadError, LoadOptions, Loaded, ResourceId, Source};
use crate::value::{Node, Value};
use crate::yaml;

/// Kubernetes manifests in YAML or JSON (`*.yaml`, `*.yml`, and `*.json` holding an object with
/// `apiVersion` or `kind`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Kubernetes;

impl InputFormat for Kubernetes {
    fn name(&self) -> &str {
        KUBERNETES
    }

    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence {
        let ext = crate::input::extension(path);
        match ext.as_deref() {
            Some("yaml" | "yml") => Confidence::Name,
            Some("json") if head.is_empty() => Confidence::Name,
            Some("json") => {
                if looks_like_object(head) {
                    Confidence::Content
                } else {
                    Confidence::No
                }
            }
            _ if looks_like_object(head) => Confidence::Content,
            // Standard input and unnamed text: YAML is what most tools pipe in.
            None => Confidence::Fallback,
            _ => Confidence::No,
        }
    }

    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
        let mut loaded = yaml::load_str(source, opts);
        if loaded
            .documents
            .iter()
            .any(|d| d.kind() == Some("AdmissionReview"))
        {
            let docs = std::mem::take(&mut loaded.documents);
            for d in docs {
                match unwrap_review(d) {
                    Ok(d) => loaded.documents.push(d),
                    Err(e) => loaded.errors.push(e),
                }
            }
            for (i, d) in loaded.documents.iter_mut().enumerate() {
                *d = d.clone().with_index(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        loaded
    }
}

/// Whether the first bytes hold a key `apiVersion` or `kind` (JSON or YAML).
fn looks_like_object(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.contains("\"apiVersion\"")
        || text.contains("\"kind\"")
        || text
            .lines()
            .any(|l| l.starts_with("apiVersion:") || l.starts_with("kind:"))
}

/// The object an `AdmissionReview` asks about, with its `request` as context; any other
/// document as it is.
fn unwrap_review(d: Document) -> Result<Document, LoadError> {
    if d.kind() != Some("AdmissionReview") {
        return Ok(d);
    }
    let Some(request) = d.root().get("request") else {
        // A response-only review asks about nothing: nothing to judge.
        return Ok(d);
    };
    let object = match request.get("object") {
        Some(o) if matches!(o.value, Value::Map(_)) => o.clone(),
        Some(Node {
            value: Value::Null, ..
        })
        | None => return Ok(d),
        Some(o) => {
            let (line, col) = d.source().line_col(o.span.start());
            return Err(LoadError {
                source_name: d.source().name_arc().clone(),
                path: d.source().path_arc().cloned(),
                line,
                col,
                message: "`request.object` of an AdmissionReview is not an object".to_string(),
            });
        }
    };
    let mut id = ResourceId::of(&object);
    if id.namespace.is_none() {
        id.namespace = request
            .get("namespace")
            .and_then(Node::as_str)
            .map(Arc::from);
    }
    let request = request.clone();
    Ok(Document::with_identity(d.source().clone(), d.index(), object, id).with_context(request))
}
