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
//! Each template is compiled once, when the backend is loaded. Documents are converted to Rego
//! values once per scan, and the inventory is built from those values once per scan and added to
//! each template's engine once; each worker thread takes one copy of the prepared engines
//! (policies compiled, inventory added: a copy shares the inventory, it does not copy it) and
//! evaluates its share of documents, one `input` per document and Constraint. `regex.match`
//! keeps the patterns it compiled (regorus 0.14.1 compiles them on every call).
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
//! - a negated call evaluates its arguments inside the negation: OPA's compiler binds each
//!   reference or call passed as an argument to a variable before the expression, outside the
//!   negation, so `not f(x, params.ranges)` with `params.ranges` undefined fails the rule body
//!   in OPA, and holds in regorus. fourc writes those bindings out as OPA's compiler does
//!   (`__fourc_arg0__ = params.ranges; not f(x, __fourc_arg0__)`, on the same line) for every
//!   statement `not name(args)` whose arguments are literals, local variables, references and
//!   calls (no `with`, wildcard, comprehension, collection literal or line break in them, and no
//!   bare rule name as an argument: such a statement is left as it is);
//! - `sprintf` with fewer arguments than verbs is undefined, where OPA prints `%!v(MISSING)`.
//!
//! A call outside a negation behaves alike in both (`f("a", input.missing)` is undefined in
//! OPA too: the binding of `input.missing` fails). Apart from the chained bodies and the
//! negated calls, no policy is rewritten: a template that hits one of the other differences
//! fails to compile or evaluate with regorus' message, which names the file and the Rego line,
//! and a hint that says which difference it is.

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

/// Runs `f` on every document, in chunks (in parallel, a few per worker thread, with
/// `parallel`). regorus evaluates through `&mut self`: a chunk takes a copy of `prepared` from a
/// pool and gives it back when done, so that no more copies are made than chunks run at once,
/// one per worker thread. The findings and errors of every chunk, in document order.
fn in_chunks<T, E, F>(docs: &[T], prepared: &E, f: F) -> Report
where
    T: Sync,
    E: Clone + Send + Sync,
    F: Fn(&mut E, &T, &mut Report) + Send + Sync,
{
    let pool: std::sync::Mutex<Vec<E>> = std::sync::Mutex::new(Vec::new());
    let run = |chunk: &[T]| {
        let mut engine = pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_else(|| prepared.clone());
        let mut out = Report::default();
        for d in chunk {
            f(&mut engine, d, &mut out);
        }
        if let Ok(mut p) = pool.lock() {
            p.push(engine);
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

/// The message of a `regex.match` call that cannot be answered.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct RegexMatchError(String);

/// How many compiled patterns one engine keeps (the least used are not tracked: the cache is
/// emptied when full).
const REGEX_CACHE: usize = 256;

/// Gives `engine` a `regex.match` that keeps the patterns it compiled. regorus 0.14.1 (without
/// its `cache` feature) compiles the pattern on every call, which dominated the time of a
/// template matching every inventory object against a literal pattern. An extension of the
/// builtin's name is looked up before the builtin; it answers as the builtin does: the same
/// `regex` crate, size limit and `is_match`, an error for an argument that is not a string or a
/// pattern that does not compile (regorus' builtin errors are errors: strict mode), and an
/// undefined argument makes the call undefined before either is called.
fn cache_regex_match(engine: &mut regorus::Engine) -> Result<(), String> {
    fn extension<F: regorus::Extension + 'static>(f: F) -> Box<dyn regorus::Extension> {
        Box::new(f)
    }
    let mut compiled: std::collections::HashMap<String, regex::Regex> =
        std::collections::HashMap::new();
    let f = extension(move |args: Vec<regorus::Value>| {
        let text = |v: Option<&regorus::Value>| match v.map(regorus::Value::as_string) {
            Some(Ok(s)) => Ok(s.clone()),
            Some(Err(_)) | None => Err(RegexMatchError(format!(
                "`regex.match` expects string argument. Got `{}` instead",
                v.map(ToString::to_string).unwrap_or_default()
            ))),
        };
        let pattern = text(args.first())?;
        let value = text(args.get(1))?;
        if !compiled.contains_key(&*pattern) {
            let re = regex::RegexBuilder::new(&pattern)
                .size_limit(100 * 1024)
                .build()
                .map_err(|e| match e {
                    regex::Error::CompiledTooBig(limit) => {
                        RegexMatchError(format!("regex size limit exceeded: {limit}"))
                    }
                    _ => RegexMatchError("invalid regex".to_string()),
                })?;
            if compiled.len() >= REGEX_CACHE {
                compiled.clear();
            }
            compiled.insert(pattern.to_string(), re);
        }
        Ok(regorus::Value::Bool(
            compiled
                .get(&*pattern)
                .is_some_and(|re| re.is_match(&value)),
        ))
    });
    engine
        .add_extension("regex.match".to_string(), 2, f)
        .map_err(|e| e.to_string())
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
