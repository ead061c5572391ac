//! Connaisseur's Helm values (`values.yaml` with `application.validators` and
//! `application.policy`): not a Kubernetes object, so the Kubernetes format would read it as a
//! document of no kind. This format reads the same YAML and types each such document
//! `connaisseur_values` (rules select `on connaisseur_values`); other documents of the file stay
//! as the Kubernetes format reads them.

use std::path::Path;
use std::sync::Arc;

use super::{Confidence, InputFormat, Kubernetes};
use crate::document::{Document, KUBERNETES, LoadOptions, Loaded, ResourceId, Source};

/// The type of a Connaisseur values document.
pub const CONNAISSEUR_VALUES: &str = "connaisseur_values";

/// Connaisseur Helm values, recognised by content (`validators:` and `policy:` under
/// `application:`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ConnaisseurValues;

impl InputFormat for ConnaisseurValues {
    fn name(&self) -> &str {
        "connaisseur"
    }

    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence {
        let yaml = match path.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
            Some(e) => e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"),
            None => true,
        };
        let t = String::from_utf8_lossy(head);
        let top_application = t.lines().any(|l| l.trim_end() == "application:");
        if yaml && top_application && t.contains("validators:") {
            Confidence::Content
        } else {
            Confidence::No
        }
    }

    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
        let mut loaded = Kubernetes.load(source, opts);
        for d in &mut loaded.documents {
            let r = d.root();
            if d.kind().is_none() && r.get_path(&["application", "validators"]).is_some() {
                let id = ResourceId::new(KUBERNETES, CONNAISSEUR_VALUES)
                    .with_name("connaisseur")
                    .with_address(&format!("Connaisseur values {}", source.name()));
                *d = Document::with_identity(source.clone(), d.index(), r.clone(), id);
            }
        }
        loaded
    }
}
