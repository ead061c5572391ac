//! Explaining one rule: which documents it matches, and the trace behind each verdict.

use std::sync::Arc;

use super::{EvalError, Finding, RuleSet};
use crate::document::Document;
use crate::eval::{self, Hit, Machine, Val};
use crate::ir::{RuleMeta, Selector};
use crate::trace::Trace;

/// What one rule did on one document it matched, with the trace of what its conditions saw.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// The position of the document in the slice given to [`RuleSet::explain`].
    pub doc: usize,
    /// The findings the rule produced, in the order the trace's `deny` events name them.
    pub findings: Vec<Finding>,
    /// The evaluation error that stopped the rule, if any.
    pub error: Option<EvalError>,
    /// What each statement saw.
    pub trace: Trace,
}

impl RuleSet {
    /// Runs the rule `id` with tracing on every document its `on` clause matches; `None` when
    /// the rule set has no rule of that id. Documents are scanned together, as in
    /// [`RuleSet::evaluate`], so cross-document lookups see the same set.
    pub fn explain(&self, docs: &[Document], id: &str) -> Option<Vec<Explanation>> {
        let ri = self.program.rules.iter().position(|r| &*r.meta.id == id)?;
        let (rule, meta) = (self.program.rules.get(ri)?, self.metas().get(ri)?);
        let scan = self.scan(docs);
        let mut out = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            let Some(bound) = super::bound_node(rule, &scan, i, doc) else {
                continue;
            };
            let mut m =
                Machine::new(&self.program, &self.params, &scan, self.limits_for(doc)).traced();
            let mut hits: Vec<Hit> = Vec::new();
            let res = m.run_rule(
                rule.slots,
                rule.filter,
                &rule.body,
                Val::Ref(bound),
                &mut hits,
            );
            let mut resolver = super::related::Resolver::default();
            let findings = hits
                .into_iter()
                .map(|h| self.finding(meta, &scan, i, h, &mut resolver))
                .collect();
            let error = res.err().map(|fault| self.eval_error(meta, doc, fault));
            out.push(Explanation {
                doc: i,
                findings,
                error,
                trace: m.take_trace(),
            });
        }
        Some(out)
    }

    /// The rules whose `on` clause matches `doc`, in rule order: the checks a document is put
    /// through (a `where` filter is not evaluated). Reports list them as passed checks.
    pub fn applicable(&self, doc: &Document) -> Vec<&Arc<RuleMeta>> {
        self.applicable_indexes(doc)
            .into_iter()
            .filter_map(|i| self.metas().get(i))
            .collect()
    }

    /// [`RuleSet::applicable`] as rule indexes.
    pub fn applicable_indexes(&self, doc: &Document) -> Vec<usize> {
        // Whether each view (by name) has a value for this document, built once.
        let mut has_view: Vec<(&str, bool)> = Vec::new();
        let mut out = Vec::new();
        for ri in self.candidates(doc.kind()) {
            let Some(rule) = self.program.rules.get(ri as usize) else {
                continue;
            };
            let matched = rule.selectors.iter().any(|s| {
                eval::selector_matches(s, doc, &self.views)
                    && match s {
                        Selector::View(v) => {
                            if let Some((_, has)) = has_view.iter().find(|(n, _)| n == &&**v) {
                                return *has;
                            }
                            let mut scratch = Vec::new();
                            let has = self.views.by_name(v).is_some_and(|view| {
                                view.build(doc, &mut crate::view::ViewBuilder::new(0, &mut scratch))
                                    .is_some()
                            });
                            has_view.push((v, has));
                            has
                        }
                        _ => true,
                    }
            });
            if matched {
                out.push(ri as usize);
            }
        }
        out
    }
}
