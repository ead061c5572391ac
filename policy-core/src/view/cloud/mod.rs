//! Provider-neutral views of cloud resources, with provider defaults as data.
//!
//! The views read Terraform source and plans, CloudFormation, provider describe output and kops
//! `Cluster` specs.
//!
//! - `cloud_cluster`: a managed Kubernetes control plane (EKS, GKE, AKS, ACK, OKE, IKS, kops,
//!   vSphere and Cluster API clusters, Tanzu Mission Control's clusters; see `vmware`):
//!   whether its API endpoint is public, the CIDRs allowed to reach it, whether Secrets are
//!   envelope-encrypted with a key, RBAC and legacy authentication settings, private nodes;
//! - `cloud_firewall`: ingress rules of security groups, firewalls, NSGs and security lists, as
//!   `{allow, protocol, ports: [[from, to]], sources: [cidr]}`;
//! - `cloud_iam`: policy statements (`{effect, actions, resources}`) and role grants
//!   (`{role, member}`) of IAM policies, role definitions and node identities.
//!
//! A field the configuration omits takes the provider's default from `defaults.json` (each with
//! its source URL); the built value is *defaulted* and a finding on it points at the block that
//! omitted it. A value Terraform only knows at apply time (see
//! [`crate::input::terraform::UNKNOWN`]) is never defaulted: the view leaves the field out.

mod cluster;
mod firewall;
mod iam;
mod vmware;

use std::sync::LazyLock;

pub use cluster::{CLOUD_CLUSTER, CloudCluster};
pub use firewall::{CLOUD_FIREWALL, CloudFirewall};
pub use iam::{CLOUD_IAM, CloudIam};

use super::ViewBuilder;
use crate::value::{List, MapBuilder, Node, Str, Value};

/// The provider defaults, by type and field path.
static DEFAULTS: LazyLock<serde_json::Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("defaults.json")).unwrap_or(serde_json::Value::Null)
});

/// The provider default of `path` for documents of type `kind`.
pub fn provider_default(kind: &str, path: &str) -> Option<Value> {
    DEFAULTS
        .get(kind)?
        .get(path)?
        .get("default")
        .map(Value::from_json)
}

/// The (format, type) keys of Terraform types, in source and in plans.
fn terraform_types<'t>(types: impl Iterator<Item = &'t str>) -> Vec<super::TypeKey> {
    types
        .flat_map(|t| {
            [
                super::TypeKey::new(crate::input::terraform::TERRAFORM, t),
                super::TypeKey::new(crate::input::tfplan::TERRAFORM_PLAN, t),
            ]
        })
        .collect()
}

/// The marker key of unknown values (a Terraform value known only after apply).
const UNKNOWN_KEY: &str = "$unknown";

/// Whether a value is known only after apply.
pub(crate) fn is_unknown(n: &Node) -> bool {
    match &n.value {
        Value::Map(m) => m.len() == 1 && m.contains_key(UNKNOWN_KEY),
        _ => false,
    }
}

/// The child `key` of a node, looking through a list of blocks at its first block (a nested
/// block that appears at most once is a one-element list).
fn child<'n>(n: &'n Node, key: &str) -> Option<&'n Node> {
    match &n.value {
        Value::Map(m) => m.get(key),
        Value::List(l) => l.get(0).and_then(|b| child(b, key)),
        _ => None,
    }
}

/// The first block of a node that is a list of blocks, or the node itself.
fn first_block(n: &Node) -> &Node {
    match &n.value {
        Value::List(l) => l.get(0).unwrap_or(n),
        _ => n,
    }
}

/// What a dotted path holds: the node, or the deepest block on the way that lacks the rest
/// (and that rest, dotted).
enum Lookup<'n, 'p> {
    Found(&'n Node),
    Missing(&'n Node, &'p str),
}

fn lookup<'n, 'p>(root: &'n Node, path: &'p str) -> Lookup<'n, 'p> {
    let mut cur = root;
    let mut offset = 0;
    for k in path.split('.') {
        match child(cur, k) {
            Some(n) if !matches!(n.value, Value::Null) => cur = n,
            _ => return Lookup::Missing(first_block(cur), path.get(offset..).unwrap_or(path)),
        }
        offset += k.len() + 1;
    }
    Lookup::Found(cur)
}

/// The value at `path`, or the provider default of `kind` there, defaulted at the block that
/// omits it; `None` when the value is unknown or there is neither.
fn field_or_default(b: &mut ViewBuilder<'_>, kind: &str, root: &Node, path: &str) -> Option<Node> {
    match lookup(root, path) {
        Lookup::Found(n) if is_unknown(n) => None,
        Lookup::Found(n) => Some(n.clone()),
        Lookup::Missing(block, rest) => {
            let d = provider_default(kind, path)?;
            Some(defaulted(b, d, block, rest))
        }
    }
}

/// A defaulted value whose list items are defaulted too, so a finding on one item points at the
/// block that omitted the field as well.
fn defaulted(b: &mut ViewBuilder<'_>, d: Value, block: &Node, field: &str) -> Node {
    let d = match d {
        Value::List(l) => {
            let items = l
                .iter()
                .map(|i| b.defaulted(i.value.clone(), block, field))
                .collect();
            Value::List(List::from_vec(items))
        }
        other => other,
    };
    b.defaulted(d, block, field)
}

/// The value at `path` when it is set (and known).
fn field<'n>(root: &'n Node, path: &str) -> Option<&'n Node> {
    match lookup(root, path) {
        Lookup::Found(n) if !is_unknown(n) => Some(n),
        _ => None,
    }
}

/// Whether `path` is set at all (known or not).
fn is_set(root: &Node, path: &str) -> bool {
    matches!(lookup(root, path), Lookup::Found(_))
}

/// The strings of a node that is a string or a list of strings (unknown items left out).
fn strings(n: &Node) -> Vec<Node> {
    match &n.value {
        Value::String(_) => vec![n.clone()],
        Value::List(l) => l
            .iter()
            .filter(|x| matches!(x.value, Value::String(_)))
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

/// A list built from `items`, derived from `from`.
fn list(b: &mut ViewBuilder<'_>, items: Vec<Node>, from: &Node) -> Node {
    b.derived(Value::List(List::from_vec(items)), from)
}

/// A small map builder for view values; it lists the fields known only at apply time under
/// `unknown`, so that rules can tell "not configurable" from "not known yet".
struct Out(MapBuilder, Vec<&'static str>);

impl Out {
    fn new() -> Self {
        Out(MapBuilder::with_capacity(8), Vec::new())
    }

    /// Sets `key` from `path`, or the provider default; records `key` as unknown when the value
    /// is known only at apply time.
    fn known_or_default(
        &mut self,
        b: &mut ViewBuilder<'_>,
        kind: &str,
        root: &Node,
        key: &'static str,
        path: &str,
    ) {
        match lookup(root, path) {
            Lookup::Found(n) if is_unknown(n) => self.1.push(key),
            _ => self.opt(key, field_or_default(b, kind, root, path)),
        }
    }

    fn set(&mut self, key: &str, v: Node) {
        self.0.insert(Str::from(key), v);
    }

    fn opt(&mut self, key: &str, v: Option<Node>) {
        if let Some(v) = v {
            self.set(key, v);
        }
    }

    fn finish(mut self, b: &mut ViewBuilder<'_>, from: &Node) -> Node {
        if !self.1.is_empty() {
            let items = self.1.iter().map(|k| string(b, k, from)).collect();
            let l = list(b, items, from);
            self.set("unknown", l);
        }
        b.derived(Value::Map(self.0.finish()), from)
    }
}

/// A string node derived from `from`.
fn string(b: &mut ViewBuilder<'_>, s: &str, from: &Node) -> Node {
    b.derived(Value::string(s), from)
}

/// A boolean node derived from `from`.
fn boolean(b: &mut ViewBuilder<'_>, v: bool, from: &Node) -> Node {
    b.derived(Value::Bool(v), from)
}

#[cfg(test)]
mod tests;
