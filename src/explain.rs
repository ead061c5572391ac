//! `fourc explain`: for each document a rule matched, why it fired or stayed silent, with the
//! values its conditions saw.
//!
//! ```text
//! examples/manifests/deployment.yaml:2:1 Deployment/shop/web: fired, 1 finding
//!   each c in k8s.containers(w.pod): 2 items
//!     [0] {"name":"app","image":"registry.example.com/shop/web:1.4.2",...}
//!       deny c.securityContext.privileged == true: false
//!         c.securityContext.privileged = <undefined>
//!     [1] {"name":"log-shipper",...}
//!       deny c.securityContext.privileged == true: true
//!         c.securityContext.privileged = true
//!         finding at examples/manifests/deployment.yaml:27:13: container "log-shipper" ...
//! ```

use std::fmt::Write as _;

use policy_core::Program;
use policy_core::ir::ExprId;
use policy_core::trace::{Check, EventKind, Operand};

use crate::{Document, Engine, Explanation};

/// The longest value shown in full; longer ones are cut with `...`.
const MAX_VALUE: usize = 72;

/// Explains rule `id` on `docs`; `None` when the engine has no such rule.
pub fn explain(engine: &Engine, id: &str, docs: &[Document]) -> Option<String> {
    let meta = &engine.catalog().get(id)?.meta;
    let rules = engine.rules();
    let explanations = rules.explain(docs, id)?;
    let prog = rules.program();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rule {} ({}, {}): {}\n  defined at {}\n",
        meta.id,
        meta.severity,
        meta.controls.join(", "),
        meta.title,
        prog.describe(meta.span)
    );
    let mut fired = 0;
    for ex in &explanations {
        if !ex.findings.is_empty() {
            fired += 1;
        }
        document(&mut out, prog, docs, ex);
    }
    let matched = explanations.len();
    let _ = writeln!(
        out,
        "{matched} document{} matched: {fired} fired, {} silent; {} not matched by the rule's `on` clause",
        if matched == 1 { "" } else { "s" },
        matched - fired,
        docs.len() - matched
    );
    // Names, values and source lines come from the inputs: none may drive the terminal.
    let mut shown = String::with_capacity(out.len());
    for line in out.split_inclusive('\n') {
        let (text, end) = match line.strip_suffix('\n') {
            Some(t) => (t, "\n"),
            None => (line, ""),
        };
        shown.push_str(&policy_core::snippet::escape_controls(text));
        shown.push_str(end);
    }
    Some(shown)
}

fn document(out: &mut String, prog: &Program, docs: &[Document], ex: &Explanation) {
    let Some(doc) = docs.get(ex.doc) else {
        return;
    };
    let (line, col) = doc.source().line_col(doc.span().start());
    let verdict = match (&ex.error, ex.findings.len()) {
        (Some(e), _) => format!("error: {}", e.message()),
        (None, 0) => "silent".to_string(),
        (None, 1) => "fired, 1 finding".to_string(),
        (None, n) => format!("fired, {n} findings"),
    };
    let _ = writeln!(
        out,
        "{}:{}:{} {}: {verdict}",
        doc.source().name(),
        line,
        col,
        doc.id()
    );
    // The variable each `each` binds, by depth, to name its items.
    let mut names: Vec<String> = Vec::new();
    for ev in &ex.trace.events {
        let pad = "  ".repeat(usize::try_from(ev.depth).unwrap_or(0) + 1);
        match &ev.kind {
            EventKind::Filter(c) => {
                check(out, prog, &pad, "where", c);
                if !c.result {
                    let _ = writeln!(out, "{pad}  the rule does not apply to this document");
                }
            }
            EventKind::Let { expr, value } => {
                let name = binding(prog, *expr, "let", "=").unwrap_or_else(|| "_".to_string());
                let _ = writeln!(
                    out,
                    "{pad}let {name} = {}: {}",
                    source(prog, *expr),
                    operand(value)
                );
            }
            EventKind::When(c) => {
                check(out, prog, &pad, "when", c);
                if !c.result {
                    let _ = writeln!(out, "{pad}  the rest of the block is skipped");
                }
            }
            EventKind::Each { domain, count } => {
                let name = binding(prog, *domain, "each", " in").unwrap_or_else(|| "_".to_string());
                let depth = usize::try_from(ev.depth).unwrap_or(0);
                names.truncate(depth);
                names.resize(depth, String::new());
                names.push(name.clone());
                let _ = writeln!(
                    out,
                    "{pad}each {name} in {}: {count} item{}",
                    source(prog, *domain),
                    if *count == 1 { "" } else { "s" }
                );
            }
            EventKind::Item { index, value } => {
                let depth = usize::try_from(ev.depth).unwrap_or(0);
                let name = names.get(depth).map_or("_", String::as_str);
                let _ = writeln!(out, "{pad}[{index}] {name} = {}", operand(value));
            }
            EventKind::Deny { check: c, hit } => {
                check(out, prog, &pad, "deny", c);
                if let Some(f) = hit.and_then(|i| ex.findings.get(i)) {
                    let _ = writeln!(
                        out,
                        "{pad}  finding at {}:{}:{}: {}",
                        f.source().name(),
                        f.line(),
                        f.col(),
                        f.message()
                    );
                }
            }
            EventKind::Fault { at, message } => {
                let _ = writeln!(
                    out,
                    "{pad}error at {} ({}): {message}",
                    source(prog, *at),
                    prog.describe(prog.span(*at))
                );
            }
            _ => {}
        }
    }
    out.push('\n');
}

fn check(out: &mut String, prog: &Program, pad: &str, keyword: &str, c: &Check) {
    let _ = writeln!(out, "{pad}{keyword} {}: {}", source(prog, c.cond), c.result);
    for (e, v) in &c.operands {
        let _ = writeln!(out, "{pad}  {} = {}", source(prog, *e), operand(v));
    }
}

/// The rule text of an expression, on one line.
fn source(prog: &Program, e: ExprId) -> String {
    let text = prog.text(prog.span(e)).unwrap_or("<expression>");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The variable a `let` or `each` binds, read from the rule text just before the expression:
/// `let name =` or `each name in`.
fn binding(prog: &Program, e: ExprId, keyword: &str, sep: &str) -> Option<String> {
    let span = prog.span(e);
    let src = prog.source(span)?;
    let before = src.text.get(..span.start as usize)?;
    let from = before.rfind(&format!("{keyword} "))? + keyword.len() + 1;
    let head = before.get(from..)?;
    let name = head.get(..head.rfind(sep)?)?.trim();
    let ok = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    ok.then(|| name.to_string())
}

fn operand(v: &Operand) -> String {
    match v {
        Operand::Undefined => "<undefined>".to_string(),
        Operand::Error(e) => format!("<error: {e}>"),
        Operand::Value(v) => {
            let s = match v {
                crate::Value::String(s) => format!("{:?}", &**s),
                other => other.to_json().to_string(),
            };
            if s.chars().count() > MAX_VALUE {
                let cut: String = s.chars().take(MAX_VALUE).collect();
                format!("{cut}...")
            } else {
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Engine;

    const RULE: &str = r#"
rule big-web {
  title    "Web deployments stay small"
  controls [cluster.resources]
  severity low
  on Deployment as d where d.metadata.labels.app == "web"
  let n = d.spec.replicas ?? 1
  when n > 1
  deny n > 3 and d.metadata.namespace != "batch"
    at d.spec.replicas
    message "{n} replicas"
}
"#;

    fn explain(docs: &str) -> String {
        let engine = Engine::builder()
            .stdlib(false)
            .rule_source("t.fourc", RULE)
            .build()
            .unwrap();
        let (docs, errors) = {
            let loaded = policy_core::yaml::load_str(
                &crate::Source::new("d.yaml", docs),
                &crate::LoadOptions::default(),
            );
            (loaded.documents, loaded.errors)
        };
        assert!(errors.is_empty(), "{errors:?}");
        super::explain(&engine, "big-web", &docs).unwrap()
    }

    #[test]
    fn explains_filters_lets_whens_and_compound_conditions() {
        let out = explain(
            "kind: Deployment\nmetadata: {name: a, labels: {app: web}}\nspec: {replicas: 5}\n---\n\
             kind: Deployment\nmetadata: {name: b, labels: {app: db}}\n---\n\
             kind: Deployment\nmetadata: {name: c, labels: {app: web}}\n---\nkind: Service\n",
        );
        let expected = "\
d.yaml:1:1 Deployment/a: fired, 1 finding
  where d.metadata.labels.app == \"web\": true
    d.metadata.labels.app = \"web\"
  let n = d.spec.replicas ?? 1: 5
  when n > 1: true
    n = 5
  deny n > 3 and d.metadata.namespace != \"batch\": true
    n = 5
    d.metadata.namespace = <undefined>
    finding at d.yaml:3:8: 5 replicas

d.yaml:5:1 Deployment/b: silent
  where d.metadata.labels.app == \"web\": false
    d.metadata.labels.app = \"db\"
    the rule does not apply to this document

d.yaml:8:1 Deployment/c: silent
  where d.metadata.labels.app == \"web\": true
    d.metadata.labels.app = \"web\"
  let n = d.spec.replicas ?? 1: 1
  when n > 1: false
    n = 1
    the rest of the block is skipped

3 documents matched: 1 fired, 2 silent; 1 not matched by the rule's `on` clause
";
        assert!(out.ends_with(expected), "{out}");
    }
}
