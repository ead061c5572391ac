//! The `cloud_firewall` view: ingress rules of security groups, firewalls, NSGs and security
//! lists, provider-neutral.

use std::sync::LazyLock;

use super::{Out, boolean, field, field_or_default, is_unknown, list, string, terraform_types};
use crate::document::{Document, KUBERNETES};
use crate::input::cloudformation::CLOUDFORMATION;
use crate::input::describe::DESCRIBE;
use crate::value::{List, Node, Value};
use crate::view::{TypeKey, View, ViewBuilder};

/// The name of the firewall view.
pub const CLOUD_FIREWALL: &str = "cloud_firewall";

const TYPES: &[&str] = &[
    "aws_eks_node_group",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "google_compute_firewall",
    "azurerm_network_security_rule",
    "azurerm_network_security_group",
    "alicloud_security_group_rule",
    "oci_core_security_list",
    "oci_core_network_security_group_security_rule",
    TMC_EKS,
];

/// EKS through Tanzu Mission Control: its node pools' SSH access.
const TMC_EKS: &str = "tanzu-mission-control_ekscluster";

/// The defaults key of a Tanzu Mission Control EKS node pool's `spec`.
const TMC_EKS_NODEPOOL: &str = "tanzu-mission-control_ekscluster.nodepool";

/// Ingress rules as `{rules: [{allow, protocol, ports, sources, unknown_sources}]}`: `protocol`
/// is `tcp`, `udp`, `icmp`, `all` or the provider's word; `ports` a list of `[from, to]`
/// (`[[0, 65535]]` for all ports); `sources` the source CIDRs (`*`, `Internet`, `any` read as
/// `0.0.0.0/0`); `unknown_sources` is true when some source is known only at apply time. Egress
/// rules are left out.
#[derive(Clone, Copy, Debug, Default)]
pub struct CloudFirewall;

impl View for CloudFirewall {
    fn name(&self) -> &str {
        CLOUD_FIREWALL
    }

    fn applies_to(&self) -> &[TypeKey] {
        static KEYS: LazyLock<Vec<TypeKey>> = LazyLock::new(|| {
            let mut k = terraform_types(TYPES.iter().copied());
            k.push(TypeKey::new(KUBERNETES, "Cluster"));
            k.push(TypeKey::new(DESCRIBE, "EksNodegroup"));
            k.push(TypeKey::new(CLOUDFORMATION, "AWS::EC2::SecurityGroup"));
            k.push(TypeKey::new(
                CLOUDFORMATION,
                "AWS::EC2::SecurityGroupIngress",
            ));
            k
        });
        &KEYS
    }

    fn build(&self, doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node> {
        let kind = doc.kind()?;
        let root = doc.root();
        let mut rules = Vec::new();
        if doc.format() == KUBERNETES {
            // kops: SSH to every host is allowed from `sshAccess` (default 0.0.0.0/0).
            if !super::cluster::is_kops(doc) {
                return None;
            }
            let src = field_or_default(b, super::cluster::KOPS, root, "spec.sshAccess");
            let from = src.clone().unwrap_or_else(|| root.clone());
            let pair = range(b, 22, 22, &from);
            let ports = list(b, vec![pair], &from);
            rules.push(rule(b, &from, true, "tcp", ports, src.as_ref()));
            let mut o = Out::new();
            let rules = list(b, rules, root);
            o.set("rules", rules);
            return Some(o.finish(b, root));
        }
        match kind {
            "aws_eks_node_group" => {
                rules.extend(node_group_ssh(b, kind, root, &NODE_GROUP_TF));
            }
            "EksNodegroup" => {
                rules.extend(node_group_ssh(b, kind, root, &NODE_GROUP_DESCRIBE));
            }
            TMC_EKS => {
                let spec = root.get("spec").map(super::first_block);
                for pool in spec.into_iter().flat_map(|s| blocks(s, "nodepool")) {
                    if let Some(ps) = pool.get("spec").map(super::first_block) {
                        rules.extend(node_group_ssh(b, TMC_EKS_NODEPOOL, ps, &NODE_GROUP_TMC));
                    }
                }
            }
            "AWS::EC2::SecurityGroup" => {
                if let Some(p) = root.get("Properties") {
                    for r in blocks(p, "SecurityGroupIngress") {
                        rules.push(aws_rule(b, r, &CFN_KEYS));
                    }
                }
            }
            "AWS::EC2::SecurityGroupIngress" => {
                if let Some(p) = root.get("Properties") {
                    rules.push(aws_rule(b, p, &CFN_KEYS));
                }
            }
            "aws_security_group" => {
                for r in blocks(root, "ingress") {
                    rules.push(aws_rule(b, r, &TF_KEYS));
                }
            }
            "aws_security_group_rule" => {
                if str_of(root, "type").as_deref() == Some("ingress") {
                    rules.push(aws_rule(b, root, &TF_KEYS));
                }
            }
            "aws_vpc_security_group_ingress_rule" => {
                rules.push(aws_rule(b, root, &TF_INGRESS_KEYS));
            }
            "google_compute_firewall" => {
                let dir = field_or_default(b, kind, root, "direction");
                if dir.as_ref().and_then(|d| d.as_str()) == Some("INGRESS") {
                    let sources = if field(root, "source_tags").is_some()
                        || field(root, "source_service_accounts").is_some()
                    {
                        field(root, "source_ranges").cloned()
                    } else {
                        field_or_default(b, kind, root, "source_ranges")
                    };
                    for (blk, allow) in blocks(root, "allow")
                        .map(|x| (x, true))
                        .chain(blocks(root, "deny").map(|x| (x, false)))
                    {
                        let protocol = str_of(blk, "protocol").unwrap_or_default();
                        let ports = match field(blk, "ports") {
                            Some(p) => port_list(b, p),
                            None => all_ports(b, blk),
                        };
                        rules.push(rule(b, blk, allow, &protocol, ports, sources.as_ref()));
                    }
                }
            }
            "azurerm_network_security_rule" => {
                rules.extend(azure_rule(b, root));
            }
            "azurerm_network_security_group" => {
                for r in blocks(root, "security_rule") {
                    rules.extend(azure_rule(b, r));
                }
            }
            "alicloud_security_group_rule" => {
                if str_of(root, "type").as_deref() == Some("ingress") {
                    let allow = str_of(root, "policy").as_deref() != Some("drop");
                    let protocol = str_of(root, "ip_protocol").unwrap_or_default();
                    let ports = match field(root, "port_range") {
                        Some(p) => port_list(b, p),
                        None => all_ports(b, root),
                    };
                    let src = field(root, "cidr_ip").cloned();
                    rules.push(rule(b, root, allow, &protocol, ports, src.as_ref()));
                }
            }
            "oci_core_security_list" => {
                for r in blocks(root, "ingress_security_rules") {
                    rules.push(oci_rule(b, r));
                }
            }
            "oci_core_network_security_group_security_rule" => {
                if str_of(root, "direction").as_deref() == Some("INGRESS") {
                    rules.push(oci_rule(b, root));
                }
            }
            _ => return None,
        }
        let mut o = Out::new();
        let rules = list(b, rules, root);
        o.set("rules", rules);
        Some(o.finish(b, root))
    }
}

/// The blocks called `key` of a node.
fn blocks<'n>(n: &'n Node, key: &str) -> impl Iterator<Item = &'n Node> {
    let items: &[Node] = match n.get(key).map(|x| &x.value) {
        Some(Value::List(l)) => l.as_slice(),
        _ => &[],
    };
    items.iter().filter(|x| matches!(x.value, Value::Map(_)))
}

fn str_of(n: &Node, key: &str) -> Option<String> {
    field(n, key)
        .and_then(Node::as_str)
        .map(str::to_ascii_lowercase)
}

fn int_of(n: &Node, key: &str) -> Option<i64> {
    match field(n, key)?.value {
        Value::Int(i) => Some(i),
        Value::String(ref s) => s.parse().ok(),
        _ => None,
    }
}

/// `[[0, 65535]]`, derived from `from`.
fn all_ports(b: &mut ViewBuilder<'_>, from: &Node) -> Node {
    let pair = range(b, 0, 65535, from);
    list(b, vec![pair], from)
}

fn range(b: &mut ViewBuilder<'_>, lo: i64, hi: i64, from: &Node) -> Node {
    let lo = b.derived(Value::Int(lo), from);
    let hi = b.derived(Value::Int(hi), from);
    b.derived(Value::List(List::from_vec(vec![lo, hi])), from)
}

/// Port ranges from strings or numbers such as `22`, `"22"`, `"1000-2000"`, `"22/22"`, `"*"`
/// (a list of them or one); unknown items are left out.
fn port_list(b: &mut ViewBuilder<'_>, n: &Node) -> Node {
    let items: Vec<&Node> = match &n.value {
        Value::List(l) => l.iter().collect(),
        _ => vec![n],
    };
    let mut out = Vec::new();
    for it in items {
        let parsed = match &it.value {
            Value::Int(i) => Some((*i, *i)),
            Value::String(s) => parse_ports(s),
            _ => None,
        };
        if let Some((lo, hi)) = parsed {
            out.push(range(b, lo, hi, it));
        }
    }
    list(b, out, n)
}

fn parse_ports(s: &str) -> Option<(i64, i64)> {
    let s = s.trim();
    if s == "*" || s.eq_ignore_ascii_case("any") || s == "-1/-1" {
        return Some((0, 65535));
    }
    let (lo, hi) = s
        .split_once('-')
        .or_else(|| s.split_once('/'))
        .unwrap_or((s, s));
    Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?))
}

/// One normalized rule.
fn rule(
    b: &mut ViewBuilder<'_>,
    from: &Node,
    allow: bool,
    protocol: &str,
    ports: Node,
    sources: Option<&Node>,
) -> Node {
    let protocol = match protocol {
        "-1" | "*" | "all" | "any" | "" => "all",
        "6" => "tcp",
        "17" => "udp",
        "1" => "icmp",
        p => p,
    };
    let mut o = Out::new();
    o.set("allow", boolean(b, allow, from));
    o.set("protocol", string(b, protocol, from));
    o.set("ports", ports);
    let mut srcs = Vec::new();
    let mut unknown = false;
    if let Some(s) = sources {
        let items: Vec<&Node> = match &s.value {
            Value::List(l) => l.iter().collect(),
            _ => vec![s],
        };
        for it in items {
            match it.as_str() {
                Some(v)
                    if v == "*"
                        || v.eq_ignore_ascii_case("internet")
                        || v.eq_ignore_ascii_case("any") =>
                {
                    srcs.push(b.derived(Value::string("0.0.0.0/0"), it));
                }
                Some(_) => srcs.push(it.clone()),
                None => unknown |= is_unknown(it) || !matches!(it.value, Value::Null),
            }
        }
        unknown |= is_unknown(s);
    }
    let from_src = sources.unwrap_or(from);
    o.set("sources", list(b, srcs, from_src));
    o.set("unknown_sources", boolean(b, unknown, from_src));
    o.finish(b, from)
}

/// The field names of an AWS ingress rule: protocol, from port, to port, CIDR fields.
struct AwsKeys {
    protocol: &'static str,
    from: &'static str,
    to: &'static str,
    cidrs: [&'static str; 2],
}

const TF_KEYS: AwsKeys = AwsKeys {
    protocol: "protocol",
    from: "from_port",
    to: "to_port",
    cidrs: ["cidr_blocks", "ipv6_cidr_blocks"],
};

const TF_INGRESS_KEYS: AwsKeys = AwsKeys {
    protocol: "ip_protocol",
    from: "from_port",
    to: "to_port",
    cidrs: ["cidr_ipv4", "cidr_ipv6"],
};

const CFN_KEYS: AwsKeys = AwsKeys {
    protocol: "IpProtocol",
    from: "FromPort",
    to: "ToPort",
    cidrs: ["CidrIp", "CidrIpv6"],
};

/// An AWS rule (Terraform or CloudFormation spelling).
fn aws_rule(b: &mut ViewBuilder<'_>, r: &Node, keys: &AwsKeys) -> Node {
    let protocol = str_of(r, keys.protocol).unwrap_or_default();
    let ports = match (int_of(r, keys.from), int_of(r, keys.to)) {
        _ if matches!(protocol.as_str(), "-1" | "all") => all_ports(b, r),
        (Some(lo), Some(hi)) if lo <= 0 && (hi <= 0 || hi >= 65535) => all_ports(b, r),
        (Some(lo), Some(hi)) => {
            let p = range(b, lo, hi, r);
            list(b, vec![p], r)
        }
        _ => list(b, Vec::new(), r),
    };
    let mut srcs: Vec<Node> = Vec::new();
    for key in keys.cidrs {
        if let Some(n) = r.get(key) {
            match &n.value {
                Value::List(l) => srcs.extend(l.iter().cloned()),
                _ => srcs.push(n.clone()),
            }
        }
    }
    let src = b.derived(Value::List(List::from_vec(srcs)), r);
    rule(b, r, true, &protocol, ports, Some(&src))
}

/// An Azure NSG rule, when it is inbound.
fn azure_rule(b: &mut ViewBuilder<'_>, r: &Node) -> Option<Node> {
    if str_of(r, "direction").as_deref() != Some("inbound") {
        return None;
    }
    let allow = str_of(r, "access").as_deref() == Some("allow");
    let protocol = str_of(r, "protocol").unwrap_or_default();
    let ports =
        match field(r, "destination_port_range").or_else(|| field(r, "destination_port_ranges")) {
            Some(p) => port_list(b, p),
            None => list(b, Vec::new(), r),
        };
    let src = field(r, "source_address_prefix")
        .or_else(|| field(r, "source_address_prefixes"))
        .cloned();
    Some(rule(b, r, allow, &protocol, ports, src.as_ref()))
}

/// An OCI ingress rule: `source`, `protocol` (`6` tcp, `17` udp, `all`), `tcp_options`.
fn oci_rule(b: &mut ViewBuilder<'_>, r: &Node) -> Node {
    let protocol = str_of(r, "protocol").unwrap_or_default();
    let opts = field(r, "tcp_options").or_else(|| field(r, "udp_options"));
    let ports = match opts {
        Some(o) => match (int_of(o, "min"), int_of(o, "max")) {
            (Some(lo), Some(hi)) => {
                let p = range(b, lo, hi, o);
                list(b, vec![p], o)
            }
            _ => all_ports(b, o),
        },
        None => all_ports(b, r),
    };
    let src = field(r, "source").cloned();
    rule(b, r, true, &protocol, ports, src.as_ref())
}

/// Where an EKS node group keeps its SSH access: the block, the key, the source groups.
struct NodeGroupKeys {
    block: &'static str,
    key: &'static str,
    sources: &'static str,
}

const NODE_GROUP_TF: NodeGroupKeys = NodeGroupKeys {
    block: "remote_access",
    key: "ec2_ssh_key",
    sources: "remote_access.source_security_group_ids",
};

const NODE_GROUP_DESCRIBE: NodeGroupKeys = NodeGroupKeys {
    block: "remoteAccess",
    key: "ec2SshKey",
    sources: "remoteAccess.sourceSecurityGroups",
};

const NODE_GROUP_TMC: NodeGroupKeys = NodeGroupKeys {
    block: "remote_access",
    key: "ssh_key",
    sources: "remote_access.security_groups",
};

/// The SSH rule of an EKS managed node group with remote access: port 22 from its source
/// security groups, or from anywhere when it names none (the EKS default).
fn node_group_ssh(
    b: &mut ViewBuilder<'_>,
    kind: &str,
    root: &Node,
    k: &NodeGroupKeys,
) -> Option<Node> {
    let access = super::first_block(root.get(k.block)?);
    field(access, k.key)?;
    let src = match field(root, k.sources) {
        Some(s) if !matches!(&s.value, Value::List(l) if l.is_empty()) => Some(s.clone()),
        _ => {
            let d = super::provider_default(kind, k.sources)?;
            let leaf = k.sources.rsplit('.').next().unwrap_or(k.sources);
            Some(super::defaulted(b, d, access, leaf))
        }
    };
    let pair = range(b, 22, 22, access);
    let ports = list(b, vec![pair], access);
    Some(rule(b, access, true, "tcp", ports, src.as_ref()))
}
