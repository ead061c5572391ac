//! Rego beside the rule language: Gatekeeper ConstraintTemplates and Constraints, evaluated
//! through [regorus](https://github.com/microsoft/regorus), in the same scan and report.
//!
//! # Loading
//!
//! [`RegoBackend::load`] takes YAML files of `ConstraintTemplate`s
//! (`templates.gatekeeper.sh/v1`, `v1beta1`) and `Constraint`s (whose kind is a template's
//! `spec.crd.spec.names.kind`). A template's `spec.targets[].rego` and `libs` are Rego v0 (as
//! the Gatekeeper library writes them) unless a `code` entry of engine `Rego` says
//! `source.version: v1`. Each template is compiled once, when the engine is built; a template
//! that does not compile, or a Constraint whose kind no template defines, is an error naming the
//! file and line (the `fourc` command exits 2, nothing is scanned).
//!
//! A Constraint's `spec.parameters` are checked against its template's `openAPIV3Schema`
//! (types, `properties`, `additionalProperties`, `items`, `enum`; fields the schema does not
//! describe are allowed): a mismatch is an error naming the Constraint file, the parameter's
//! line and path.
//!
//! Each Constraint is one rule of the catalogue: id `<kind lowercased>.<name>`
//! (`k8srequiredlabels.all-must-have-owner`), title from the template's
//! `metadata.gatekeeper.sh/title` annotation (else its kind), description from its
//! `description` annotation, origin the Constraint's file and line. Severity comes from
//! `spec.enforcementAction`:
//!
//! | enforcementAction | severity | why |
//! |---|---|---|
//! | `deny` (the default) | high | the cluster refuses the object |
//! | `warn` | medium | admitted, with a warning to the user |
//! | `dryrun` | low | recorded by audit only |
//! | anything else | high | Gatekeeper treats unknown actions as deny unless scoped |
//!
//! Severity overrides, rule selection and waivers apply to these rules as to any other.
//!
//! # Review input
//!
//! Every scanned document the Constraint's `spec.match` selects is reviewed as Gatekeeper
//! reviews it: `input.review` = `{object, kind: {group, version, kind}, name, namespace,
//! operation: "CREATE"}`, `input.parameters` = the Constraint's `spec.parameters`. An
//! `AdmissionReview` document supplies its `request` as `input.review`; `kind`, `name` and
//! `namespace` are filled from the object when the request does not carry them. Every scanned
//! document is in `data.inventory`: objects with `metadata.namespace` under
//! `data.inventory.namespace[ns][apiVersion][kind][name]`, the others under
//! `data.inventory.cluster[apiVersion][kind][name]`.
//!
//! `spec.match` follows Gatekeeper's matcher: `kinds`, `scope`, `namespaces` and
//! `excludedNamespaces` (with `prefix-*` and `*-suffix` globs), `labelSelector`,
//! `namespaceSelector` (against the labels of the `Namespace` objects of the scan) and `name`.
//! As in Gatekeeper, an object that names no namespace is not disqualified by `namespaces`,
//! `excludedNamespaces` or `namespaceSelector`; `scope: Namespaced` does not select it.
//!
//! # Locations
//!
//! A violation becomes a finding on the reviewed object, located by the first of:
//!
//! 1. `details.path` (or `details.field`): a field path, as a string
//!    (`spec.containers[0].image`) or a list of keys and indexes;
//! 2. the message: every word of the message (runs of letters, digits and `-_.:/@`) that is a
//!    key or a string value found exactly once in the object names a candidate; the deepest
//!    candidate (first in document order on a tie) is used, a word found at several places is
//!    ignored (it could point at the wrong line). When that place is inside a list item (a
//!    container named by the message), a word found once within the item and deeper (the
//!    `privileged` of `Privileged container is not allowed: nginx-init, securityContext:
//!    {"privileged": true}`) is used instead;
//! 3. otherwise the object's first line.
//!
//! # Evaluation
//!
//! Documents are converted to Rego values once per scan; each worker thread clones the prepared
//! engines (policies compiled, inventory added) once and evaluates its share of documents.
//! Runtime errors, and policies that run past the time budget ([`TIME_LIMIT`]), are evaluation
//! errors of that rule and document; everything else is still reported.
//!
//! # regorus 0.14.1
//!
//! The version is pinned exactly: it differs from OPA on constructs the Gatekeeper library
//! uses, and another version may differ in other ways:
//!
//! - a line starting with `(` is read as a call on the previous line's expression;
//! - a rule with chained bodies (`deny[msg] { a } { b }`) is read as `else`: fourc rewrites
//!   Rego v0 policies so that each body has its head (`deny[msg] { a } deny[msg] { b }`), which
//!   both engines read as OPA reads the original, on the same lines;
//! - a call with an undefined argument for a `_` parameter is undefined;
//! - `sprintf` with fewer arguments than verbs is undefined, where OPA prints `%!v(MISSING)`.
//!
//! Apart from the chained bodies, no policy is rewritten: a template that hits one of the other
//! differences fails to compile or evaluate with regorus' message, which names the file and the
//! Rego line, and a hint that says which difference it is. The undefined argument gives no error:
//! it is found by `tests/gatekeeper_suites.rs`, where the library case it breaks is named.

/// Differential mode: Rego rules beside the fourc rules that check the same thing.
pub mod compare;
mod compat;
mod conftest;
mod gatekeeper;
mod locate;
/// `gator verify` suites.
pub mod suite;

pub use conftest::{ConftestBackend, Namespaces};
pub use gatekeeper::{RegoBackend, RegoError};

use policy_core::{Document, Report};
use serde_json::Value as Json;

/// How long one policy may run on one document before it is stopped with an evaluation error.
pub const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether `text` (a YAML file) holds a ConstraintTemplate or a Constraint: what `--rules`
/// folders load as Rego policies.
pub fn is_policy_yaml(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_end();
        l == "kind: ConstraintTemplate"
            || l.starts_with("apiVersion: constraints.gatekeeper.sh/")
            || l.starts_with("apiVersion: templates.gatekeeper.sh/")
    })
}

/// Runs `f` on every document, in chunks that each get their own copy of `prepared` (regorus
/// evaluates through `&mut self`): in parallel, a few chunks per worker thread, with
/// `parallel`. The findings and errors of every chunk, in document order.
fn in_chunks<T, E, F>(docs: &[T], prepared: &E, f: F) -> Report
where
    T: Sync,
    E: Clone + Send + Sync,
    F: Fn(&mut E, &T, &mut Report) + Send + Sync,
{
    let run = |chunk: &[T]| {
        let mut engine = prepared.clone();
        let mut out = Report::default();
        for d in chunk {
            f(&mut engine, d, &mut out);
        }
        out
    };
    #[cfg(feature = "parallel")]
    let parts: Vec<Report> = {
        use rayon::prelude::*;
        let n = rayon::current_num_threads().max(1) * 4;
        let size = docs.len().div_ceil(n).max(1);
        docs.par_chunks(size).map(run).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let parts: Vec<Report> = vec![run(docs)];
    let mut report = Report {
        documents: docs.len(),
        ..Report::default()
    };
    for p in parts {
        report.findings.extend(p.findings);
        report.errors.extend(p.errors);
    }
    report
}

/// Every document's root as a Rego value (in parallel with `parallel`): done once per scan.
fn to_rego(docs: &[Document]) -> Vec<regorus::Value> {
    let one = |d: &Document| regorus::Value::from(d.root().value.to_json());
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        docs.par_iter().map(one).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        docs.iter().map(one).collect()
    }
}

/// Evaluates `query` with the engine's input set, and records its violations as findings of
/// `meta` on `doc` (a violation without a message gets the rule's title), or its failure as an
/// evaluation error.
fn record(
    engine: &mut regorus::Engine,
    rego: &str,
    query: String,
    meta: &std::sync::Arc<policy_core::RuleMeta>,
    doc: &Document,
    out: &mut Report,
) {
    match engine.eval_rule(query) {
        Ok(v) => {
            for (msg, details) in violations(&v) {
                let msg = if msg.is_empty() {
                    meta.title.to_string()
                } else {
                    msg
                };
                let at = locate::locate(doc.root(), &msg, details.as_ref());
                out.findings
                    .push(policy_core::Finding::locate(meta.clone(), doc, &at, msg));
            }
        }
        Err(e) => out.errors.push(policy_core::EvalError::new(
            meta.clone(),
            doc,
            format!(
                "Rego evaluation failed: {e}{}",
                gap_hint(&e.to_string(), rego)
            ),
            meta.origin.as_deref().unwrap_or_default().to_string(),
        )),
    }
}

/// The messages and details of a rule's value: a set (or array) of strings or of objects with
/// `msg` (and optionally `details`); `true` for a boolean rule that holds.
fn violations(v: &regorus::Value) -> Vec<(String, Option<Json>)> {
    let items: Vec<&regorus::Value> = match (v.as_set(), v.as_array()) {
        (Ok(set), _) => set.iter().collect(),
        (_, Ok(a)) => a.iter().collect(),
        _ => {
            return match v.as_bool() {
                Ok(true) => vec![(String::new(), None)],
                _ => Vec::new(),
            };
        }
    };
    items
        .into_iter()
        .map(|item| {
            let obj = item.as_object().ok();
            let field = |k: &str| obj.and_then(|o| o.get(&regorus::Value::from(k)));
            let text = |m: &regorus::Value| match m.as_string() {
                Ok(s) => s.to_string(),
                Err(_) => m.to_json_str().unwrap_or_default(),
            };
            let msg = field("msg").map_or_else(|| text(item), text);
            let details = field("details")
                .and_then(|d| d.to_json_str().ok())
                .and_then(|s| serde_json::from_str(&s).ok());
            (msg, details)
        })
        .collect()
}

/// What to add to a regorus error that one of its known differences from OPA explains (`rego`:
/// the policy's source, to find the line): empty when none does.
pub(crate) fn gap_hint(error: &str, rego: &str) -> String {
    if error.contains("else cannot be used with set rules") {
        return "\n  hint: regorus 0.14.1 reads a set rule's chained bodies `{ ... } { ... }` as \
                `else`, where OPA reads them as two definitions of the rule (a known difference); \
                write the rule twice"
            .to_string();
    }
    if error.contains("no argument specified for format verb") {
        return "\n  hint: `sprintf` got fewer arguments than its format has verbs; OPA prints \
                `%!v(MISSING)` for each missing one, regorus 0.14.1 fails (a known difference)"
            .to_string();
    }
    if error.contains("is unsafe")
        && let Some(line) = paren_line(rego)
    {
        return format!(
            "\n  hint: Rego line {line} starts with `(`: regorus 0.14.1 reads it as a call on the \
             previous line's expression, where OPA starts a new expression (a known difference)"
        );
    }
    String::new()
}

/// The first line (1-based) that starts with `(` right after a line that ends an expression.
fn paren_line(rego: &str) -> Option<usize> {
    let mut previous: Option<&str> = None;
    for (i, line) in rego.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('(')
            && previous
                .is_some_and(|p| p.ends_with(|c: char| c.is_alphanumeric() || "_)]\"`".contains(c)))
        {
            return Some(i + 1);
        }
        previous = Some(t);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_differences_get_a_hint() {
        let rego = "package p\nr {\n  a := 1\n  (a + 1) == 2\n}\n";
        assert_eq!(paren_line(rego), Some(4));
        assert!(gap_hint("var a is unsafe", rego).contains("Rego line 4 starts with `(`"));
        assert_eq!(paren_line("package p\nx := [\n  (1),\n]\n"), None);
        assert!(gap_hint("else cannot be used with set rules", "").contains("chained bodies"));
        assert!(gap_hint("no argument specified for format verb 1", "").contains("MISSING"));
        assert_eq!(gap_hint("something else", rego), "");
    }
}
