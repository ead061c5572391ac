//! Normalized views as a registry: one shape for many document types.
//!
//! A view declares the (format, type) pairs it applies to and builds one value per document,
//! only for the views some rule uses. A view value points into the document where it can (the
//! `workload` view of a CronJob is a small map whose `pod` entry is the very node at
//! `spec.jobTemplate.spec.template.spec`, so every span is the user's own) and is built where it
//! must: every built node carries its provenance, the node it was derived from or the block that
//! omitted a field whose default it holds, so a finding on it lands on the user's line and says
//! so. The compiler validates `on` clauses against the names of the registry it is given.

#[cfg(feature = "terraform")]
pub mod cloud;
mod control_plane;
mod workload;

use std::fmt;
use std::sync::Arc;

pub use control_plane::{CONTROL_PLANE, ControlPlane};
pub use workload::{WORKLOAD, Workload, pod_spec_path};

use crate::document::Document;
use crate::value::{Node, NodeId, Str, Value};

/// A (format, type) pair a view applies to: `("kubernetes", "Deployment")`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeKey {
    /// The input format's name.
    pub format: Str,
    /// The type (a Kubernetes kind, a Terraform resource type).
    pub kind: Str,
}

impl TypeKey {
    /// The pair `(format, kind)`.
    pub fn new(format: &str, kind: &str) -> Self {
        TypeKey {
            format: Str::from(format),
            kind: Str::from(kind),
        }
    }
}

/// A normalized view of documents.
pub trait View: Send + Sync {
    /// The name rules select it by (`on workload as w`).
    fn name(&self) -> &str;

    /// The (format, type) pairs the view applies to; the rule index uses them.
    fn applies_to(&self) -> &[TypeKey];

    /// The view of a document of one of those types, or `None` when it has none.
    fn build(&self, doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node>;

    /// Where in the document a field of the view's root would be when the document lacks it
    /// (`pod` of a CronJob's workload view is `spec.jobTemplate.spec.template.spec`), so that a
    /// finding about a missing field names the document's own path.
    fn absent_field(&self, doc: &Document, field: &str) -> Option<Vec<Str>> {
        let _ = (doc, field);
        None
    }
}

impl fmt::Debug for dyn View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "View({})", self.name())
    }
}

/// Where a value a view built comes from.
#[derive(Clone, Debug)]
pub enum Provenance {
    /// Derived from a node of the document (by view `view`, the registry index).
    Derived {
        /// The node.
        from: NodeId,
        /// The view that built it.
        view: u32,
    },
    /// The document omits `field` in the block `block`; the value is the default.
    Defaulted {
        /// The block that omits the field.
        block: NodeId,
        /// The field omitted.
        field: Str,
        /// The default taken, as people read it.
        default: Str,
    },
}

/// Builds view values for one document, recording the provenance of every built node.
#[derive(Debug)]
pub struct ViewBuilder<'a> {
    view: u32,
    provenance: &'a mut Vec<Provenance>,
}

impl<'a> ViewBuilder<'a> {
    pub(crate) fn new(view: u32, provenance: &'a mut Vec<Provenance>) -> Self {
        ViewBuilder { view, provenance }
    }

    fn built(&mut self, value: Value, span: crate::value::Span, p: Provenance) -> Node {
        let index = u32::try_from(self.provenance.len()).unwrap_or(u32::MAX) & !NodeId::BUILT;
        self.provenance.push(p);
        Node::with_id(value, span, NodeId(index | NodeId::BUILT))
    }

    /// A value derived from the node `from`: it sits at `from`'s span, and a finding on it (or on
    /// a field missing below it) resolves to `from`'s path.
    pub fn derived(&mut self, value: Value, from: &Node) -> Node {
        let p = Provenance::Derived {
            from: from.id,
            view: self.view,
        };
        self.built(value, from.span, p)
    }

    /// A default the document does not state: `block` omits `field`, so the view holds `value`;
    /// a finding on it points at `block` and says that the value was defaulted.
    pub fn defaulted(&mut self, value: Value, block: &Node, field: &str) -> Node {
        let p = Provenance::Defaulted {
            block: block.id,
            field: Str::from(field),
            default: Str::from(value.to_string()),
        };
        self.built(value, block.span, p)
    }
}

/// The views an engine offers.
#[derive(Clone, Debug)]
pub struct Views {
    list: Vec<Arc<dyn View>>,
}

impl Default for Views {
    fn default() -> Self {
        Views::standard()
    }
}

impl Views {
    /// No view at all.
    pub fn empty() -> Self {
        Views { list: Vec::new() }
    }

    /// The views fourc offers out of the box: `workload`, `control_plane` and the cloud views.
    pub fn standard() -> Self {
        Views {
            list: vec![
                Arc::new(Workload),
                Arc::new(ControlPlane),
                #[cfg(feature = "terraform")]
                Arc::new(cloud::CloudCluster),
                #[cfg(feature = "terraform")]
                Arc::new(cloud::CloudFirewall),
                #[cfg(feature = "terraform")]
                Arc::new(cloud::CloudIam),
            ],
        }
    }

    /// Adds a view; a view of the same name is replaced.
    pub fn register(&mut self, view: Arc<dyn View>) {
        match self.list.iter_mut().find(|v| v.name() == view.name()) {
            Some(slot) => *slot = view,
            None => self.list.push(view),
        }
    }

    /// Every view's name, in registration order.
    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|v| v.name()).collect()
    }

    /// The index of the view called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.list.iter().position(|v| v.name() == name)
    }

    /// The view at `index`.
    pub fn get(&self, index: usize) -> Option<&Arc<dyn View>> {
        self.list.get(index)
    }

    /// The view called `name`.
    pub fn by_name(&self, name: &str) -> Option<&Arc<dyn View>> {
        self.list.iter().find(|v| v.name() == name)
    }

    /// Whether the view called `name` applies to a document.
    pub fn applies(&self, name: &str, doc: &Document) -> bool {
        self.by_name(name).is_some_and(|v| applies(v.as_ref(), doc))
    }
}

/// Whether `view` applies to a document of its format and type.
pub fn applies(view: &dyn View, doc: &Document) -> bool {
    let Some(kind) = doc.kind() else {
        return false;
    };
    view.applies_to()
        .iter()
        .any(|t| &*t.kind == kind && &*t.format == doc.format())
}
