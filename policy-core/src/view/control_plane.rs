//! The `control_plane` view: the static pods kubeadm writes for a control plane described by a
//! kubeadm `ClusterConfiguration`, as a `workload`-shaped value.
//!
//! A Cluster API `KubeadmControlPlane` (and its `KubeadmControlPlaneTemplate`) carries the
//! `ClusterConfiguration` its machines are initialised with, under
//! `spec.kubeadmConfigSpec.clusterConfiguration`; a kubeadm config file holds it as a document of
//! its own (`kubeadm.k8s.io/v1beta3`, `v1beta4`). kubeadm turns it into the kube-apiserver and
//! etcd static pods: its own flags (`kubeadm.json`, each set with its source) and then the
//! `extraArgs` of `apiServer` and `etcd.local`, which win over a default of the same name. The
//! view builds those command lines, so the rules that read control-plane flags of static pods
//! (`on workload, control_plane as w`, through `lib.apiserver`) judge the configuration too:
//!
//! - `{kind, apiVersion, metadata, pod: {containers: [{name, command}]}}`, a container
//!   `kube-apiserver` and, unless etcd is external, a container `etcd`;
//! - each flag from `extraArgs` sits at its value in the document; each kubeadm default is
//!   *defaulted* at the `extraArgs` block (or the nearest enclosing block that exists), so a
//!   finding on it says which flag kubeadm wrote;
//! - with `etcd.external`, kube-apiserver gets `--etcd-servers` from its `endpoints` and
//!   `--etcd-cafile` / `--etcd-certfile` / `--etcd-keyfile` only from the `caFile` / `certFile`
//!   / `keyFile` it sets.
//!
//! `extraArgs` is a map (`ClusterConfiguration` v1beta3, Cluster API v1beta1) or a list of
//! `{name, value}` (v1beta4, Cluster API v1beta2). Flags kubeadm derives from the node (addresses,
//! names) are not modelled.

use std::sync::{Arc, LazyLock};

use super::{TypeKey, View, ViewBuilder};
use crate::document::{Document, KUBERNETES};
use crate::value::{List, MapBuilder, Node, Str, Value};

/// The name of the control-plane view.
pub const CONTROL_PLANE: &str = "control_plane";

/// The kinds the view reads, their API group, and the path to their `ClusterConfiguration`.
const KINDS: &[(&str, &str, &[&str])] = &[
    (
        "KubeadmControlPlane",
        "controlplane.cluster.x-k8s.io",
        &["spec", "kubeadmConfigSpec", "clusterConfiguration"],
    ),
    (
        "KubeadmControlPlaneTemplate",
        "controlplane.cluster.x-k8s.io",
        &[
            "spec",
            "template",
            "spec",
            "kubeadmConfigSpec",
            "clusterConfiguration",
        ],
    ),
    ("ClusterConfiguration", "kubeadm.k8s.io", &[]),
];

/// kubeadm's own flags, by program (`kubeadm.json`).
static DEFAULTS: LazyLock<serde_json::Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("kubeadm.json")).unwrap_or(serde_json::Value::Null)
});

/// The default flags of `program` (`kube-apiserver`, `kube-apiserver.local-etcd`, `etcd`), in
/// name order.
fn default_flags(program: &str) -> Vec<(&'static str, &'static str)> {
    let Some(serde_json::Value::Object(m)) = DEFAULTS.get(program).and_then(|p| p.get("flags"))
    else {
        return Vec::new();
    };
    let mut v: Vec<_> = m
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
        .collect();
    v.sort_unstable();
    v
}

/// A control plane configured by kubeadm, as the static pods kubeadm writes for it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ControlPlane;

impl View for ControlPlane {
    fn name(&self) -> &str {
        CONTROL_PLANE
    }

    fn applies_to(&self) -> &[TypeKey] {
        static KEYS: LazyLock<Vec<TypeKey>> = LazyLock::new(|| {
            KINDS
                .iter()
                .map(|(k, _, _)| TypeKey::new(KUBERNETES, k))
                .collect()
        });
        &KEYS
    }

    fn build(&self, doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node> {
        let kind = doc.kind()?;
        let root = doc.root();
        let api = root.get("apiVersion").and_then(Node::as_str)?;
        let (_, _, path) = KINDS
            .iter()
            .find(|(k, g, _)| *k == kind && api.split('/').next() == Some(*g))?;
        // The configuration, or the deepest block on the way to it.
        let mut cc = root;
        for k in *path {
            match cc.get(k) {
                Some(n) if matches!(n.value, Value::Map(_)) => cc = n,
                _ => break,
            }
        }
        let api_server = cc.get("apiServer").filter(|n| is_map(n));
        let etcd = cc.get("etcd").filter(|n| is_map(n));
        let external = etcd.and_then(|e| e.get("external")).filter(|n| is_map(n));

        let mut apiserver = Command::new(b, "kube-apiserver", api_server.unwrap_or(cc));
        let extra = api_server.and_then(|a| a.get("extraArgs"));
        let given = extra_args(extra);
        let names: Vec<&str> = given.iter().map(|(n, _)| n.as_str()).collect();
        let block = extra.or(api_server).unwrap_or(cc);
        let mut defaults = default_flags("kube-apiserver");
        match external {
            None => defaults.extend(default_flags("kube-apiserver.local-etcd")),
            Some(ext) => apiserver.external_etcd(b, ext, &names),
        }
        defaults.sort_unstable();
        apiserver.defaults(b, &defaults, &names, block);
        apiserver.given(b, &given);
        let mut containers = vec![apiserver.finish(b)];

        if external.is_none() {
            let local = etcd.and_then(|e| e.get("local")).filter(|n| is_map(n));
            let mut e = Command::new(b, "etcd", local.or(etcd).unwrap_or(cc));
            let extra = local.and_then(|l| l.get("extraArgs"));
            let given = extra_args(extra);
            let names: Vec<&str> = given.iter().map(|(n, _)| n.as_str()).collect();
            let block = extra.or(local).or(etcd).unwrap_or(cc);
            e.defaults(b, &default_flags("etcd"), &names, block);
            e.given(b, &given);
            containers.push(e.finish(b));
        }

        static KEYS: LazyLock<[Str; 6]> = LazyLock::new(|| {
            [
                "kind",
                "apiVersion",
                "metadata",
                "pod",
                "containers",
                "name",
            ]
            .map(Arc::<str>::from)
        });
        let [
            kind_key,
            api_key,
            meta_key,
            pod_key,
            containers_key,
            name_key,
        ] = &*KEYS;
        let mut m = MapBuilder::with_capacity(4);
        for key in [kind_key, api_key] {
            if let Some(n) = root.get(key) {
                m.insert(key.clone(), n.clone());
            }
        }
        match root.get("metadata") {
            Some(n) => {
                m.insert(meta_key.clone(), n.clone());
            }
            None => {
                // A kubeadm config file has no metadata: its cluster's name stands in.
                let name = match cc.get("clusterName") {
                    Some(n) => n.clone(),
                    None => b.defaulted(Value::string("kubernetes"), cc, "clusterName"),
                };
                let mut meta = MapBuilder::with_capacity(1);
                meta.insert(name_key.clone(), name);
                let meta = b.derived(Value::Map(meta.finish()), root);
                m.insert(meta_key.clone(), meta);
            }
        }
        let containers = b.derived(Value::List(List::from_vec(containers)), cc);
        let mut pod = MapBuilder::with_capacity(1);
        pod.insert(containers_key.clone(), containers);
        let pod = b.derived(Value::Map(pod.finish()), cc);
        m.insert(pod_key.clone(), pod);
        Some(b.derived(Value::Map(m.finish()), root))
    }
}

fn is_map(n: &Node) -> bool {
    matches!(n.value, Value::Map(_))
}

/// The flags of an `extraArgs` node, in order: `(name, value node)`. A map's values, or a list's
/// `{name, value}` items; a value that is not a string, number or boolean is left out.
fn extra_args(extra: Option<&Node>) -> Vec<(String, Node)> {
    let scalar = |n: &Node| {
        matches!(
            n.value,
            Value::String(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)
        )
    };
    match extra.map(|e| &e.value) {
        Some(Value::Map(m)) => m
            .iter()
            .filter(|(_, v)| scalar(v))
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        Some(Value::List(l)) => l
            .iter()
            .filter_map(|item| {
                let name = item.get("name")?.as_str()?;
                let value = item.get("value").filter(|v| scalar(v))?;
                Some((name.to_string(), value.clone()))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A command line being built: the program, then `--name=value` items.
struct Command<'n> {
    items: Vec<Node>,
    name: &'static str,
    from: &'n Node,
}

impl<'n> Command<'n> {
    fn new(b: &mut ViewBuilder<'_>, program: &'static str, from: &'n Node) -> Self {
        let first = b.derived(Value::string(program), from);
        Command {
            items: vec![first],
            name: program,
            from,
        }
    }

    /// kubeadm's flags that `extraArgs` does not override, defaulted at `block`.
    fn defaults(
        &mut self,
        b: &mut ViewBuilder<'_>,
        flags: &[(&str, &str)],
        given: &[&str],
        block: &Node,
    ) {
        for (name, value) in flags {
            if !given.contains(name) {
                let item = format!("--{name}={value}");
                let field = format!("extraArgs.{name}");
                self.items
                    .push(b.defaulted(Value::string(&item), block, &field));
            }
        }
    }

    /// The flags of `extraArgs`, each at its value.
    fn given(&mut self, b: &mut ViewBuilder<'_>, given: &[(String, Node)]) {
        for (name, value) in given {
            let v = match &value.value {
                Value::String(s) => s.to_string(),
                other => other.to_string(),
            };
            let item = format!("--{name}={v}");
            self.items.push(b.derived(Value::string(&item), value));
        }
    }

    /// kube-apiserver's etcd flags for an external etcd: the endpoints, and the files it names.
    fn external_etcd(&mut self, b: &mut ViewBuilder<'_>, ext: &Node, given: &[&str]) {
        if let Some(Node {
            value: Value::List(eps),
            ..
        }) = ext.get("endpoints")
        {
            let urls: Vec<&str> = eps.iter().filter_map(Node::as_str).collect();
            if !urls.is_empty() && !given.contains(&"etcd-servers") {
                let item = format!("--etcd-servers={}", urls.join(","));
                let from = ext.get("endpoints").unwrap_or(ext);
                self.items.push(b.derived(Value::string(&item), from));
            }
        }
        for (key, flag) in [
            ("caFile", "etcd-cafile"),
            ("certFile", "etcd-certfile"),
            ("keyFile", "etcd-keyfile"),
        ] {
            if given.contains(&flag) {
                continue;
            }
            if let Some(v) = ext
                .get(key)
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
            {
                let item = format!("--{flag}={v}");
                let from = ext.get(key).unwrap_or(ext);
                self.items.push(b.derived(Value::string(&item), from));
            }
        }
    }

    /// The container `{name, command}`.
    fn finish(self, b: &mut ViewBuilder<'_>) -> Node {
        let mut c = MapBuilder::with_capacity(2);
        c.insert(
            Str::from("name"),
            b.derived(Value::string(self.name), self.from),
        );
        let command = b.derived(Value::List(List::from_vec(self.items)), self.from);
        c.insert(Str::from("command"), command);
        b.derived(Value::Map(c.finish()), self.from)
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]
mod tests {
    use super::*;

    #[test]
    fn every_program_has_flags_and_a_source() {
        for program in ["kube-apiserver", "kube-apiserver.local-etcd", "etcd"] {
            let p = DEFAULTS.get(program).unwrap();
            let src = p.get("source").and_then(|s| s.as_str()).unwrap_or("");
            assert!(src.starts_with("https://"), "{program} has no source URL");
            let flags = default_flags(program);
            assert!(!flags.is_empty(), "{program}");
            assert!(
                flags.windows(2).all(|w| w[0].0 < w[1].0),
                "{program}: name order"
            );
        }
        assert!(default_flags("etcd").contains(&("client-cert-auth", "true")));
        assert!(default_flags("kube-apiserver").contains(&("authorization-mode", "Node,RBAC")));
    }

    #[test]
    fn extra_args_read_as_a_map_or_a_name_value_list() {
        let node = |j: serde_json::Value| Node::computed(Value::from_json(&j));
        let pairs = |n: &Node| -> Vec<(String, serde_json::Value)> {
            extra_args(Some(n))
                .into_iter()
                .map(|(k, v)| (k, v.value.to_json()))
                .collect()
        };
        let map = node(
            serde_json::json!({"anonymous-auth": "false", "secure-port": 6443, "nested": {"a": 1}}),
        );
        let mut got = pairs(&map);
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got,
            [
                ("anonymous-auth".to_string(), serde_json::json!("false")),
                ("secure-port".to_string(), serde_json::json!(6443)),
            ]
        );
        let list = node(
            serde_json::json!([{"name": "client-cert-auth", "value": "false"}, {"name": "no-value"}]),
        );
        assert_eq!(
            pairs(&list),
            [("client-cert-auth".to_string(), serde_json::json!("false"))]
        );
        assert!(extra_args(None).is_empty());
    }
}
