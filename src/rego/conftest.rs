//! conftest-style policies: `.rego` files whose `deny`, `violation` and `warn` rules (and
//! `deny_*`, `violation_*`, `warn_*`, as conftest reads them) judge each document.
//!
//! As in conftest, only the rules of package `main` run unless other packages are selected:
//! `fourc.yaml`'s `rego: {conftest: {namespaces: [...]}}` or `--conftest-namespace` (conftest's
//! `--namespace`, exact package names, repeatable) replace `main`, and `all_namespaces: true` or
//! `--conftest-all-namespaces` (conftest's `--all-namespaces`) runs every package's. Files of
//! other packages are still compiled (a selected package may import them). `input` is the
//! document as loaded. Each (package, rule) is one catalogue rule, id `conftest.<package>.<rule>`: `deny` and
//! `violation` rules are high, `warn` rules medium. A rule's value is a set of strings or of
//! objects with `msg` (and optionally `details`, located as the module docs say), or a boolean.
//! Comments `# fourc.dev/rules: [...]` and `# fourc.dev/controls: [...]` give the file's rules
//! their controls and their fourc counterparts for `--compare-rego` (see `compare`).
//! A file is read as Rego v1 (conftest's default) and, when it does not parse so, as v0.

use std::num::NonZeroU32;
use std::sync::Arc;

use policy_core::backend::RuleBackend;
use policy_core::ir::SrcSpan;
use policy_core::value::Str;
use policy_core::{Document, Layer, Report, RuleMeta, Severity};

use super::RegoError;

/// conftest policies over the documents of a scan.
#[derive(Clone)]
pub struct ConftestBackend {
    engine: regorus::Engine,
    /// The query of each rule (`data.main.deny`), in the order of `metas`.
    queries: Vec<String>,
    metas: Vec<Arc<RuleMeta>>,
}

impl std::fmt::Debug for ConftestBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConftestBackend")
            .field("rules", &self.queries)
            .finish()
    }
}

/// Which packages' rules run: conftest's `--namespace` and `--all-namespaces`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Namespaces {
    /// The rules of these packages (conftest's default is `main` alone).
    Only(Vec<String>),
    /// The rules of every package.
    All,
}

impl Default for Namespaces {
    fn default() -> Self {
        Namespaces::Only(vec!["main".to_string()])
    }
}

impl Namespaces {
    fn selects(&self, package: &str) -> bool {
        match self {
            Namespaces::All => true,
            Namespaces::Only(names) => names.iter().any(|n| n == package),
        }
    }
}

/// The package and the `deny`/`violation`/`warn` rules (name, line) a file defines.
fn rules_of(text: &str) -> (Option<String>, Vec<(String, u32)>) {
    let mut package = None;
    let mut rules: Vec<(String, u32)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(p) = line.strip_prefix("package ") {
            package = Some(p.trim().to_string());
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let kind = name.split('_').next().unwrap_or_default();
        if ["deny", "violation", "warn"].contains(&kind)
            && (name == kind || name.starts_with(&format!("{kind}_")))
            && !rules.iter().any(|(n, _)| *n == name)
        {
            rules.push((name, u32::try_from(i + 1).unwrap_or(u32::MAX)));
        }
    }
    (package, rules)
}

impl ConftestBackend {
    /// Reads the `.rego` files (name, text); compiles them once. The rules of the packages
    /// `namespaces` selects become catalogue rules.
    pub fn load(files: &[(String, String)], namespaces: &Namespaces) -> Result<Self, RegoError> {
        let mut engine = regorus::Engine::new();
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: super::TIME_LIMIT,
            check_interval: NonZeroU32::MIN.saturating_add(999),
        });
        let mut queries = Vec::new();
        let mut metas = Vec::new();
        for (file, text) in files {
            let err = |line: u32, e: &dyn std::fmt::Display| RegoError {
                file: file.clone(),
                line,
                message: format!("the Rego policy does not compile: {e}"),
            };
            // The arguments of negated calls bound first, as OPA's compiler binds them (exact;
            // see `compat`).
            let text =
                &super::compat::hoist_negated_call_args(text).unwrap_or_else(|| text.clone());
            engine.set_rego_v0(false);
            if let Err(v1) = engine.add_policy(file.clone(), text.clone()) {
                engine.set_rego_v0(true);
                // Chained bodies rewritten as OPA reads them (exact; see `compat`).
                let v0_text = super::compat::split_chained_bodies(text).unwrap_or(text.clone());
                if let Err(v0) = engine.add_policy(file.clone(), v0_text) {
                    let v1_like = text.contains(" if ") || text.contains(" contains ");
                    let e = if v1_like { v1 } else { v0 };
                    let hint = super::gap_hint(&e.to_string(), text);
                    return Err(err(0, &format!("{e}{hint}")));
                }
            }
            let (package, rules) = rules_of(text);
            let Some(package) = package else {
                return Err(err(1, &"no `package`"));
            };
            if !namespaces.selects(&package) {
                continue;
            }
            let (pair_rules, pair_controls) = super::compare::from_comments(text);
            let (controls, pair_tags) = super::compare::pairing(&pair_rules, &pair_controls);
            for (name, line) in rules {
                let query = format!("data.{package}.{name}");
                if queries.contains(&query) {
                    continue;
                }
                let entry: regorus::Rc<str> = query.as_str().into();
                engine
                    .clone()
                    .compile_with_entrypoint(&entry)
                    .map_err(|e| err(line, &e))?;
                let severity = if name.starts_with("warn") {
                    Severity::Medium
                } else {
                    Severity::High
                };
                metas.push(Arc::new(RuleMeta {
                    id: Str::from(format!("conftest.{package}.{name}").as_str()),
                    title: Str::from(format!("conftest `{name}` of package {package}").as_str()),
                    description: None,
                    controls: controls.clone(),
                    severity,
                    layer: Layer::Code,
                    tags: std::iter::once(Str::from("conftest"))
                        .chain(pair_tags.iter().cloned())
                        .collect(),
                    remediation: None,
                    references: Vec::new(),
                    span: SrcSpan::default(),
                    definition: SrcSpan::default(),
                    origin: Some(Str::from(format!("{file}:{line}").as_str())),
                }));
                queries.push(query);
            }
        }
        super::cache_regex_match(&mut engine).map_err(|message| RegoError {
            file: String::new(),
            line: 0,
            message,
        })?;
        Ok(ConftestBackend {
            engine,
            queries,
            metas,
        })
    }

    /// Whether it holds no rule.
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    fn check(&self, engine: &mut regorus::Engine, doc: &Document, enabled: &[bool]) -> Report {
        let mut out = Report::default();
        // Converted once per document, whatever the number of rules.
        engine.set_input(regorus::Value::from(doc.root().value.to_json()));
        for (i, (q, meta)) in self.queries.iter().zip(&self.metas).enumerate() {
            if !enabled.get(i).copied().unwrap_or(false) {
                continue;
            }
            super::record(engine, "", q.clone(), meta, doc, &mut out);
        }
        out
    }
}

impl RuleBackend for ConftestBackend {
    fn name(&self) -> &str {
        "conftest"
    }

    fn rules(&self) -> &[Arc<RuleMeta>] {
        &self.metas
    }

    fn evaluate(&self, docs: &[Document], enabled: &[bool]) -> Report {
        super::in_chunks(docs, &self.engine, |engine, d: &Document, out| {
            let r = self.check(engine, d, enabled);
            out.findings.extend(r.findings);
            out.errors.extend(r.errors);
        })
    }

    fn applicable(&self, _doc: &Document) -> Vec<usize> {
        (0..self.metas.len()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_found_by_name() {
        let (p, r) = rules_of(
            "package main\n\ndeny[msg] {\n  true\n}\nwarn_labels contains msg if { true }\ndenied := 1\n  deny_not := 2\n",
        );
        assert_eq!(p.as_deref(), Some("main"));
        assert_eq!(r, [("deny".to_string(), 3), ("warn_labels".to_string(), 6)]);
    }
}
