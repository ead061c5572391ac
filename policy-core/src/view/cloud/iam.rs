//! The `cloud_iam` view: what cloud identities may do, provider-neutral.

use std::sync::LazyLock;

use super::{
    Lookup, Out, field, is_unknown, list, lookup, provider_default, string, strings,
    terraform_types,
};
use crate::document::Document;
use crate::input::cloudformation::CLOUDFORMATION;
use crate::value::{Node, Value};
use crate::view::{TypeKey, View, ViewBuilder};

/// The name of the IAM view.
pub const CLOUD_IAM: &str = "cloud_iam";

const TYPES: &[&str] = &[
    "aws_iam_policy_document",
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "google_project_iam_member",
    "google_project_iam_binding",
    "google_folder_iam_member",
    "google_folder_iam_binding",
    "google_organization_iam_member",
    "google_organization_iam_binding",
    "google_container_cluster",
    "google_container_node_pool",
    "azurerm_role_definition",
    "alicloud_ram_policy",
];

/// IAM as `{statements: [{effect, actions, not_actions, resources}], grants: [{role, member}]}`.
///
/// AWS policy documents (`aws_iam_policy_document` statements, and the `policy` of IAM
/// policies written with `jsonencode` or as a JSON string), Alibaba Cloud RAM policies (the same
/// document shape) and Azure role definitions give statements; Google IAM members and bindings give grants, and so do GKE node pools: nodes that
/// name no service account run as the Compute Engine default one, which holds `roles/editor`
/// (a defaulted grant). A policy known only at apply time gives nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct CloudIam;

impl View for CloudIam {
    fn name(&self) -> &str {
        CLOUD_IAM
    }

    fn applies_to(&self) -> &[TypeKey] {
        static KEYS: LazyLock<Vec<TypeKey>> = LazyLock::new(|| {
            let mut k = terraform_types(TYPES.iter().copied());
            for t in [
                "AWS::IAM::Policy",
                "AWS::IAM::ManagedPolicy",
                "AWS::IAM::Role",
            ] {
                k.push(TypeKey::new(CLOUDFORMATION, t));
            }
            k
        });
        &KEYS
    }

    fn build(&self, doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node> {
        let kind = doc.kind()?;
        let root = doc.root();
        let mut statements = Vec::new();
        let mut grants = Vec::new();
        match kind {
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                if let Some(p) = root.get_path(&["Properties", "PolicyDocument"]) {
                    policy_statements(b, p, &mut statements);
                }
            }
            "AWS::IAM::Role" => {
                if let Some(Value::List(l)) =
                    root.get_path(&["Properties", "Policies"]).map(|p| &p.value)
                {
                    for p in l.iter().filter_map(|p| p.get("PolicyDocument")) {
                        policy_statements(b, p, &mut statements);
                    }
                }
            }
            "aws_iam_policy_document" => {
                if let Some(Value::List(l)) = root.get("statement").map(|s| &s.value) {
                    for s in l.iter() {
                        let effect = s.get("effect").cloned();
                        statements.push(statement(
                            b,
                            s,
                            effect,
                            s.get("actions"),
                            s.get("not_actions"),
                            s.get("resources"),
                        ));
                    }
                }
            }
            "aws_iam_policy"
            | "aws_iam_role_policy"
            | "aws_iam_user_policy"
            | "aws_iam_group_policy" => {
                if let Some(p) = root.get("policy") {
                    policy_statements(b, p, &mut statements);
                }
            }
            // Alibaba Cloud RAM policies are documents of AWS's shape (`Statement`, `Effect`,
            // `Action`, `Resource`); `policy_document` is the attribute's deprecated name.
            "alicloud_ram_policy" => {
                if let Some(p) = root.get("document").or_else(|| root.get("policy_document")) {
                    policy_statements(b, p, &mut statements);
                }
            }
            "azurerm_role_definition" => {
                if let Some(Value::List(l)) = root.get("permissions").map(|s| &s.value) {
                    for p in l.iter() {
                        statements.push(statement(
                            b,
                            p,
                            None,
                            p.get("actions"),
                            p.get("not_actions"),
                            root.get("assignable_scopes"),
                        ));
                    }
                }
            }
            "google_container_cluster" | "google_container_node_pool" => {
                node_grants(b, kind, root, &mut grants);
            }
            _ => {
                // Google IAM members and bindings.
                let role = field(root, "role");
                if let Some(role) = role {
                    let members = field(root, "member")
                        .or_else(|| field(root, "members"))
                        .map(strings)
                        .unwrap_or_default();
                    let member = members
                        .first()
                        .cloned()
                        .unwrap_or_else(|| string(b, "", root));
                    let mut o = Out::new();
                    o.set("role", role.clone());
                    o.set("member", member);
                    grants.push(o.finish(b, root));
                }
            }
        }
        let mut o = Out::new();
        let statements = list(b, statements, root);
        let grants = list(b, grants, root);
        o.set("statements", statements);
        o.set("grants", grants);
        Some(o.finish(b, root))
    }
}

/// A statement: `effect` (`Allow` when omitted, as IAM reads it), `actions`, `not_actions` and
/// `resources` as lists of strings (unknown items left out).
fn statement(
    b: &mut ViewBuilder<'_>,
    from: &Node,
    effect: Option<Node>,
    actions: Option<&Node>,
    not_actions: Option<&Node>,
    resources: Option<&Node>,
) -> Node {
    let mut o = Out::new();
    let effect = match effect {
        Some(e) if e.as_str().is_some() => {
            let v = e.as_str().map(normalize_effect).unwrap_or_default();
            b.derived(Value::string(&v), &e)
        }
        _ => b.defaulted(Value::string("Allow"), from, "effect"),
    };
    o.set("effect", effect);
    for (key, n) in [
        ("actions", actions),
        ("not_actions", not_actions),
        ("resources", resources),
    ] {
        let items = n.map(strings).unwrap_or_default();
        let at = n.unwrap_or(from);
        o.set(key, list(b, items, at));
    }
    o.finish(b, from)
}

fn normalize_effect(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase(),
        None => String::new(),
    }
}

/// The statements of a policy document: a structure (`jsonencode`) or a JSON string.
fn policy_statements(b: &mut ViewBuilder<'_>, p: &Node, out: &mut Vec<Node>) {
    if is_unknown(p) {
        return;
    }
    let parsed;
    let doc = match &p.value {
        Value::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(j) => {
                // The policy's values sit at the policy attribute.
                parsed = b.derived(Value::from_json(&j), p);
                &parsed
            }
            Err(_) => return,
        },
        Value::Map(_) => p,
        _ => return,
    };
    let stmts: Vec<&Node> = match doc.get("Statement").map(|s| (&s.value, s)) {
        Some((Value::List(l), _)) => l.iter().collect(),
        Some((Value::Map(_), s)) => vec![s],
        _ => return,
    };
    for s in stmts {
        let effect = s.get("Effect").cloned();
        out.push(statement(
            b,
            s,
            effect,
            s.get("Action"),
            s.get("NotAction"),
            s.get("Resource"),
        ));
    }
}

/// The grants of GKE node identities: each node configuration (the cluster's `node_config`,
/// its inline `node_pool`s, auto-provisioning defaults) runs as its `service_account`, or as
/// the Compute Engine default service account (`roles/editor`) when it names none.
fn node_grants(b: &mut ViewBuilder<'_>, kind: &str, root: &Node, out: &mut Vec<Node>) {
    let mut configs: Vec<(&Node, &str)> = Vec::new();
    if let Some(Value::List(l)) = root.get("node_config").map(|n| &n.value) {
        configs.extend(l.iter().map(|c| (c, "service_account")));
    }
    if let Some(Value::List(pools)) = root.get("node_pool").map(|n| &n.value) {
        for p in pools.iter() {
            match p.get("node_config").map(|n| &n.value) {
                Some(Value::List(l)) => configs.extend(l.iter().map(|c| (c, "service_account"))),
                _ => configs.push((p, "node_config")),
            }
        }
    }
    if let Lookup::Found(d) = lookup(root, "cluster_autoscaling.auto_provisioning_defaults") {
        configs.push((super::first_block(d), "service_account"));
    }
    // The default node pool of a cluster that configures no node identity at all.
    if configs.is_empty() && kind == "google_container_node_pool" {
        configs.push((root, "node_config"));
    }
    for (c, key) in configs {
        let sa = if key == "node_config" {
            // The whole node_config is missing.
            Some(b.defaulted(Value::string("default"), c, "node_config"))
        } else {
            match c.get("service_account") {
                Some(n) if is_unknown(n) => None,
                Some(n) => Some(n.clone()),
                None => {
                    let d = provider_default(kind, "node_config.service_account")
                        .unwrap_or_else(|| Value::string("default"));
                    Some(b.defaulted(d, c, "service_account"))
                }
            }
        };
        let Some(sa) = sa else { continue };
        let is_default = sa.as_str().is_some_and(|s| {
            s == "default" || s.ends_with("-compute@developer.gserviceaccount.com")
        });
        if is_default {
            let mut o = Out::new();
            let role = b.derived(Value::string("roles/editor"), &sa);
            o.set("role", role);
            o.set("member", sa.clone());
            o.set("node_default", super::boolean(b, true, &sa));
            out.push(o.finish(b, c));
        }
    }
}
