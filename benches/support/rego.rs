//! The ten reference Rego checks (`benches/rego/`), loaded into regorus, and the fourc rules that
//! mean the same (`benches/rules/reference.fourc`). Shared by the benches and the agreement test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark and test support: failing loudly is the point"
)]

use std::collections::BTreeMap;

use fourc::Document;

/// The Rego files: `lib.rego`, the ten checks, and `all.rego` (`data.k8s.all.deny`).
pub const POLICIES: &[(&str, &str)] = &[
    ("lib.rego", include_str!("../rego/lib.rego")),
    ("privileged.rego", include_str!("../rego/privileged.rego")),
    (
        "host_namespaces.rego",
        include_str!("../rego/host_namespaces.rego"),
    ),
    ("host_path.rego", include_str!("../rego/host_path.rego")),
    ("host_ports.rego", include_str!("../rego/host_ports.rego")),
    (
        "privilege_escalation.rego",
        include_str!("../rego/privilege_escalation.rego"),
    ),
    (
        "run_as_non_root.rego",
        include_str!("../rego/run_as_non_root.rego"),
    ),
    (
        "capabilities.rego",
        include_str!("../rego/capabilities.rego"),
    ),
    ("seccomp.rego", include_str!("../rego/seccomp.rego")),
    ("image_tag.rego", include_str!("../rego/image_tag.rego")),
    ("resources.rego", include_str!("../rego/resources.rego")),
    ("all.rego", include_str!("../rego/all.rego")),
];

/// Each check: its Rego package under `data.k8s` and the id of the fourc rule that means the same.
pub const CHECKS: &[(&str, &str)] = &[
    ("privileged", "ref-privileged"),
    ("host_namespaces", "ref-host-namespaces"),
    ("host_path", "ref-host-path"),
    ("host_ports", "ref-host-ports"),
    ("privilege_escalation", "ref-privilege-escalation"),
    ("run_as_non_root", "ref-run-as-non-root"),
    ("capabilities", "ref-capabilities"),
    ("seccomp", "ref-seccomp"),
    ("image_tag", "ref-image-tag"),
    ("resources", "ref-resources"),
];

/// The whole pack's entry point.
pub const ALL: &str = "data.k8s.all.deny";

/// The fourc equivalents of the ten checks.
pub const REFERENCE_RULES: &str = include_str!("../rules/reference.fourc");

/// A regorus interpreter with every policy added.
pub fn engine() -> regorus::Engine {
    let mut e = regorus::Engine::new();
    for (name, text) in POLICIES {
        e.add_policy((*name).to_string(), (*text).to_string())
            .unwrap_or_else(|err| panic!("{name}: {err}"));
    }
    e
}

/// A regorus VM with the whole pack compiled for `entry` (e.g. [`ALL`]).
pub fn vm(entry: &str) -> regorus::rvm::RegoVM {
    let mut e = engine();
    let ep: regorus::Rc<str> = entry.into();
    let compiled = e.compile_with_entrypoint(&ep).expect("compiles");
    let program =
        regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &[entry])
            .expect("compiles to RVM code");
    let mut vm = regorus::rvm::RegoVM::new();
    vm.load_program(program);
    vm
}

/// A document as regorus input: the same tree fourc loaded, converted through JSON.
pub fn input(doc: &Document) -> regorus::Value {
    regorus::Value::from(doc.root().value.to_json())
}

/// The messages of a Rego `deny` set (an empty list for undefined).
pub fn messages(v: &regorus::Value) -> Vec<String> {
    match v.as_set() {
        Ok(set) => set
            .iter()
            .map(|m| m.as_string().map(|s| s.to_string()).unwrap_or_default())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Violations per (document index, check package), messages sorted.
pub type PerDoc = BTreeMap<(usize, String), Vec<String>>;
