//! Flattening list objects into the objects they carry.
//!
//! kubectl applies the items of a list object one by one, and flattens a list inside a list.
//! Which objects are lists is decided by apimachinery's unstructured JSON decoder
//! (`unstructuredJSONScheme.decode` in `k8s.io/apimachinery/pkg/apis/meta/v1/unstructured`):
//! any object with an `items` field decodes as an `UnstructuredList`, whatever its kind, and
//! kubectl's builder then visits only the items. So `kind: List`, a typed list (`PodList`,
//! `DeploymentList`) and a `kind: Pod` that also carries a top-level `items` array all stand
//! for their items here. A policy gate that checked such a document as one opaque object
//! would miss every item in it, so a finished root is flattened, recursively (with an explicit
//! stack) down to [`MAX_LIST_DEPTH`] levels of lists.
//!
//! This works on a finished [`Node`] tree, not on the YAML, so it applies alike to YAML and JSON
//! and can move to a Kubernetes normalization step.

use crate::value::{List, Node, Value};

/// The deepest nesting of lists inside lists that is flattened; deeper is an error.
pub(super) const MAX_LIST_DEPTH: usize = 16;

/// An item that could not be flattened: where, and why.
pub(super) struct ListError {
    pub(super) span: crate::value::Span,
    pub(super) message: String,
}

/// What a root stands for: its objects in order, and the items that are errors.
#[derive(Default)]
pub(super) struct Flat {
    pub(super) objects: Vec<Node>,
    pub(super) errors: Vec<ListError>,
}

/// What a node is to the flattening.
enum Shape<'a> {
    /// A list object: its kind (if it has one) and items.
    List(Option<&'a str>, &'a List),
    /// A `kind: List` with no items (`items` missing or null): nothing.
    Empty,
    /// Anything else: itself.
    Object,
}

fn shape(node: &Node) -> Shape<'_> {
    let Value::Map(m) = &node.value else {
        return Shape::Object;
    };
    let kind = m.get("kind").and_then(Node::as_str);
    match (kind, m.get("items").map(|n| &n.value)) {
        (kind, Some(Value::List(items))) => Shape::List(kind, items),
        (Some("List"), None | Some(Value::Null)) => Shape::Empty,
        _ => Shape::Object,
    }
}

/// The objects a finished document root (a map) stands for: itself, or, for a list object, its
/// items, lists among them flattened in turn, in document order.
pub(super) fn flatten(root: Node) -> Flat {
    let mut flat = Flat::default();
    // (node, how many lists it is inside); popped last first, so items are pushed reversed.
    let mut stack: Vec<(Node, usize)> = vec![(root, 0)];
    while let Some((node, depth)) = stack.pop() {
        match shape(&node) {
            Shape::Empty => {}
            Shape::Object => flat.objects.push(node),
            Shape::List(_, _) if depth >= MAX_LIST_DEPTH => flat.errors.push(ListError {
                span: node.span,
                message: format!(
                    "lists nested more than {MAX_LIST_DEPTH} deep (a list object inside a list \
                     object ...)"
                ),
            }),
            Shape::List(kind, items) => {
                let before = stack.len();
                for item in items.iter() {
                    if matches!(item.value, Value::Map(_)) {
                        stack.push((item.clone(), depth.saturating_add(1)));
                    } else {
                        flat.errors.push(ListError {
                            span: item.span,
                            message: match kind {
                                Some(kind) => format!(
                                    "item of a `kind: {kind}` is not an object; found {}",
                                    super::build::describe(&item.value)
                                ),
                                None => format!(
                                    "item of an `items` list is not an object; found {}",
                                    super::build::describe(&item.value)
                                ),
                            },
                        });
                    }
                }
                if let Some(pushed) = stack.get_mut(before..) {
                    pushed.reverse();
                }
            }
        }
    }
    flat.errors.sort_by_key(|e| e.span.start());
    flat
}
