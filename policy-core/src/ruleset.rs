//! The compiled, immutable rule set and its evaluation over documents.

mod explain;
mod related;

pub use explain::Explanation;
pub(crate) use related::collect as collect_related;
pub use related::{MAX_RELATED, Place, Related};

use std::collections::HashMap;
use std::sync::Arc;

use crate::backend::{PathStep, Prepared as _};
use crate::document::{Document, LineCols, ResourceId, Source};
use crate::eval::{self, Fault, Hit, Limits, Machine, Val};
use crate::ir::{Expr, Program, RuleMeta, Selector, SrcSpan, TextPart};
use crate::scan::Scan;
use crate::value::{Node, Span, Str, Value};
use crate::view::{Provenance, Views};

/// A finding: a rule that fired on a document, pointing at the user's own file, line and column.
#[derive(Clone, Debug)]
pub struct Finding {
    pub(crate) rule: Arc<RuleMeta>,
    pub(crate) message: String,
    pub(crate) resource: ResourceId,
    pub(crate) source: Arc<Source>,
    pub(crate) span: Span,
    pub(crate) path: String,
    pub(crate) doc_index: u32,
    pub(crate) note: Option<String>,
    /// Where in `path` the part the document lacks begins (a byte offset), if any.
    pub(crate) missing_at: Option<u32>,
    /// Other places that bear on the finding (empty, and unallocated, for most findings).
    pub(crate) related: Box<[Related]>,
}

impl Finding {
    /// The rule's metadata (id, controls, layer, severity, remediation...).
    pub fn rule(&self) -> &Arc<RuleMeta> {
        &self.rule
    }

    /// The message, interpolated.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The resource the finding is about.
    pub fn resource(&self) -> &ResourceId {
        &self.resource
    }

    /// The source the document came from.
    pub fn source(&self) -> &Arc<Source> {
        &self.source
    }

    /// Where the offending field is (the nearest existing ancestor when the field is missing,
    /// the block that omitted it when the value was defaulted), as bytes of the source.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The span as lines and columns.
    pub fn location(&self) -> LineCols {
        self.source.lines_of(self.span)
    }

    /// The 1-based line.
    pub fn line(&self) -> u32 {
        self.source.line_col(self.span.start()).0
    }

    /// The 1-based column, in characters.
    pub fn col(&self) -> u32 {
        self.source.line_col(self.span.start()).1
    }

    /// The path of the offending field in the document, as `spec.containers[0].image`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The 0-based position of the document in its source.
    pub fn doc_index(&self) -> u32 {
        self.doc_index
    }

    /// The same finding attributed to `rule` (the catalogue's metadata, with overrides).
    pub fn with_rule(mut self, rule: Arc<RuleMeta>) -> Finding {
        self.rule = rule;
        self
    }

    /// How the value was arrived at when the document does not state it (`defaulted: ...`).
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The part of [`Finding::path`] the document does not have, when the finding is about a
    /// field that is absent (`securityContext.runAsNonRoot` of
    /// `spec.containers[0].securityContext.runAsNonRoot`): the span then points at the object
    /// that lacks it.
    pub fn missing(&self) -> Option<&str> {
        let at = usize::try_from(self.missing_at?).ok()?;
        let rest = self.path.get(at..)?;
        Some(rest.strip_prefix('.').unwrap_or(rest)).filter(|r| !r.is_empty())
    }

    /// Other places that bear on the finding, as its rule's `related` clauses name them: the
    /// `image:` lines of the workloads that run a scanned image, the source file a SARIF result
    /// points at. At most [`MAX_RELATED`], without repeats.
    pub fn related(&self) -> &[Related] {
        &self.related
    }

    /// The same finding with `related` as its related places (for backends other than the rule
    /// language); at most [`MAX_RELATED`] are kept.
    pub fn with_related(mut self, mut related: Vec<Related>) -> Finding {
        related.truncate(MAX_RELATED);
        self.related = related.into_boxed_slice();
        self
    }

    /// The part of [`Finding::path`] the document has (all of it when nothing is missing).
    pub fn present_path(&self) -> &str {
        let at = self
            .missing_at
            .and_then(|a| usize::try_from(a).ok())
            .unwrap_or(self.path.len());
        self.path.get(..at).unwrap_or(&self.path)
    }
}

/// A rule that could not be evaluated on a document: never a silent pass.
#[derive(Clone, Debug)]
pub struct EvalError {
    pub(crate) rule: Arc<RuleMeta>,
    pub(crate) message: String,
    pub(crate) rule_location: String,
    pub(crate) resource: ResourceId,
    pub(crate) source: Arc<Source>,
    pub(crate) span: Span,
    pub(crate) doc_index: u32,
}

impl EvalError {
    /// The rule's metadata.
    pub fn rule(&self) -> &Arc<RuleMeta> {
        &self.rule
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `file:line:col` of the rule expression that failed.
    pub fn rule_location(&self) -> &str {
        &self.rule_location
    }

    /// The resource being evaluated.
    pub fn resource(&self) -> &ResourceId {
        &self.resource
    }

    /// The source of the document.
    pub fn source(&self) -> &Arc<Source> {
        &self.source
    }

    /// Where the value that caused the error is, else the document.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The 1-based line.
    pub fn line(&self) -> u32 {
        self.source.line_col(self.span.start()).0
    }

    /// The 1-based column, in characters.
    pub fn col(&self) -> u32 {
        self.source.line_col(self.span.start()).1
    }

    /// The 0-based position of the document in its source.
    pub fn doc_index(&self) -> u32 {
        self.doc_index
    }

    /// The same error attributed to `rule` (the catalogue's metadata, with overrides).
    pub fn with_rule(mut self, rule: Arc<RuleMeta>) -> EvalError {
        self.rule = rule;
        self
    }

    /// An error of rule `rule` on `doc`, for backends other than the rule language: `message`
    /// says what went wrong, `rule_location` where in the rule (`file:line:col`).
    pub fn new(
        rule: Arc<RuleMeta>,
        doc: &Document,
        message: String,
        rule_location: String,
    ) -> Self {
        EvalError {
            rule,
            message,
            rule_location,
            resource: doc.id().clone(),
            source: doc.source().clone(),
            span: doc.span(),
            doc_index: doc.index(),
        }
    }
}

/// What a scan produced, sorted by file, line, column and rule id whatever the thread count.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
    /// The evaluation errors.
    pub errors: Vec<EvalError>,
    /// How many documents were evaluated.
    pub documents: usize,
}

/// A parameter value that does not fit its declaration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamError {
    /// No rule declares a parameter of that name.
    #[error("unknown parameter `{name}`")]
    Unknown {
        /// The name given.
        name: String,
    },
    /// The value has the wrong type.
    #[error("parameter `{name}` expects {expected}, found {found}")]
    Type {
        /// The parameter.
        name: String,
        /// The declared type.
        expected: String,
        /// The type given.
        found: String,
    },
}

/// Options for building a rule set.
#[derive(Clone, Debug, Default)]
pub struct RuleSetOptions {
    /// Evaluation limits.
    pub limits: Limits,
    /// Parameter values overriding the declared defaults.
    pub params: Vec<(String, Value)>,
    /// The views rules select by name (the standard ones by default).
    pub views: Views,
}

/// A compiled rule set: immutable, `Send + Sync`, evaluated with [`RuleSet::evaluate`].
#[derive(Debug)]
pub struct RuleSet {
    program: Arc<Program>,
    params: Vec<Node>,
    limits: Limits,
    /// Rules indexed by kind; `any` holds rules that match every document.
    by_kind: HashMap<Str, Vec<u32>>,
    any: Vec<u32>,
    queried: Vec<Vec<Selector>>,
    views: Views,
    /// The registry indexes of the views some rule or query uses: only those are built.
    used_views: Vec<usize>,
    metas: Vec<Arc<RuleMeta>>,
}

impl RuleSet {
    /// Builds a rule set from a compiled program.
    pub fn new(program: Arc<Program>, options: RuleSetOptions) -> Result<Self, ParamError> {
        let mut params: Vec<Node> = program
            .params
            .iter()
            .map(|p| Node::computed(p.default.clone()))
            .collect();
        for (name, v) in options.params {
            let Some(i) = program.params.iter().position(|p| *p.name == *name) else {
                return Err(ParamError::Unknown { name });
            };
            let ty = program.params.get(i).map(|p| &p.ty);
            if let Some(ty) = ty
                && !ty.accepts(&v)
            {
                return Err(ParamError::Type {
                    name,
                    expected: ty.to_string(),
                    found: v.type_name().to_string(),
                });
            }
            if let Some(slot) = params.get_mut(i) {
                *slot = Node::computed(v);
            }
        }
        let mut by_kind: HashMap<Str, Vec<u32>> = HashMap::new();
        let mut any = Vec::new();
        for (i, r) in program.rules.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let mut kinds: Vec<Str> = Vec::new();
            let mut is_any = false;
            for s in &r.selectors {
                match s {
                    Selector::Any => is_any = true,
                    Selector::Kind { kind, .. } => kinds.push(kind.clone()),
                    Selector::View(v) => {
                        if let Some(view) = options.views.by_name(v) {
                            kinds.extend(view.applies_to().iter().map(|t| t.kind.clone()));
                        }
                    }
                }
            }
            if is_any {
                any.push(i);
                continue;
            }
            kinds.sort();
            kinds.dedup();
            for k in kinds {
                by_kind.entry(k).or_default().push(i);
            }
        }
        // Each kind's list includes the rules for any kind, in rule order, so that a document's
        // candidates are one lookup.
        if !any.is_empty() {
            for v in by_kind.values_mut() {
                v.extend_from_slice(&any);
                v.sort_unstable();
            }
        }
        let mut queried: Vec<Vec<Selector>> = Vec::new();
        for e in &program.exprs {
            if let Expr::Resources(q) = e
                && !queried.contains(&q.targets)
            {
                queried.push(q.targets.clone());
            }
        }
        let mut used_views: Vec<usize> = program
            .rules
            .iter()
            .flat_map(|r| &r.selectors)
            .chain(queried.iter().flatten())
            .filter_map(|s| match s {
                Selector::View(v) => options.views.index(v),
                _ => None,
            })
            .collect();
        used_views.sort_unstable();
        used_views.dedup();
        let metas = program
            .rules
            .iter()
            .map(|r| remediated(&r.meta, &r.remediation, &params))
            .collect();
        Ok(RuleSet {
            program,
            params,
            limits: options.limits,
            by_kind,
            any,
            queried,
            views: options.views,
            used_views,
            metas,
        })
    }

    /// The compiled program.
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// The views and cross-document indexes of a scan of `docs`.
    pub(crate) fn scan<'d>(&'d self, docs: &'d [Document]) -> Scan<'d> {
        Scan::new(docs, &self.queried, &self.views, &self.used_views)
    }

    /// The views the rules select from.
    pub fn views(&self) -> &Views {
        &self.views
    }

    /// The metadata of every rule, in definition order.
    pub fn rules(&self) -> impl Iterator<Item = &Arc<RuleMeta>> {
        self.metas.iter()
    }

    /// The value a parameter has in this rule set.
    pub fn param(&self, name: &str) -> Option<&Value> {
        let i = self.program.params.iter().position(|p| &*p.name == name)?;
        self.params.get(i).map(|n| &n.value)
    }

    /// The rules that can match a document of `kind`, in rule order.
    fn candidates(&self, kind: Option<&str>) -> impl Iterator<Item = u32> + '_ {
        kind.and_then(|k| self.by_kind.get(k))
            .map_or(self.any.as_slice(), Vec::as_slice)
            .iter()
            .copied()
    }

    /// Evaluates every rule on every document.
    pub fn evaluate(&self, docs: &[Document]) -> Report {
        self.evaluate_masked(docs, &vec![true; self.metas.len()])
    }

    /// The metadata of every rule, in definition order (the indexes of
    /// [`RuleSet::evaluate_masked`]).
    pub fn metas(&self) -> &[Arc<RuleMeta>] {
        &self.metas
    }

    /// Evaluates the rules for which `keep` is true on every document.
    pub fn evaluate_filtered(&self, docs: &[Document], keep: &dyn Fn(&RuleMeta) -> bool) -> Report {
        let mask: Vec<bool> = self.metas.iter().map(|m| keep(m)).collect();
        self.evaluate_masked(docs, &mask)
    }

    /// Evaluates the rules `i` for which `enabled[i]` is true (rule order, as
    /// [`RuleSet::metas`]) on every document.
    pub fn evaluate_masked(&self, docs: &[Document], enabled: &[bool]) -> Report {
        let all: Vec<usize> = (0..docs.len()).collect();
        self.prepared(docs, enabled).evaluate(&all)
    }

    /// `docs` prepared for evaluation a part at a time: the cross-document indexes and views
    /// are built once, on first use, and serve every part.
    pub fn prepared<'d>(&'d self, docs: &'d [Document], enabled: &'d [bool]) -> PreparedDocs<'d> {
        PreparedDocs {
            rules: self,
            scan: self.scan(docs),
            enabled,
        }
    }

    /// The evaluation limits for one document: the rule set's, plus an allowance linear in the
    /// document's size ([`Limits::for_document`]).
    fn limits_for(&self, doc: &Document) -> Limits {
        let span = doc.span();
        let len = if span.is_known() {
            u64::from(span.end().saturating_sub(span.start()))
        } else {
            0
        };
        self.limits.for_document(len)
    }

    fn evaluate_doc(
        &self,
        scan: &Scan<'_>,
        i: usize,
        enabled: &[bool],
    ) -> (Vec<Finding>, Vec<EvalError>) {
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        let Some(doc) = scan.docs().get(i) else {
            return (findings, errors);
        };
        let mut m = Machine::new(&self.program, &self.params, scan, self.limits_for(doc));
        let mut hits: Vec<Hit> = Vec::new();
        let mut resolver = related::Resolver::default();
        for ri in self.candidates(doc.kind()) {
            let (Some(rule), Some(meta)) = (
                self.program.rules.get(ri as usize),
                self.metas.get(ri as usize),
            ) else {
                continue;
            };
            if !enabled.get(ri as usize).copied().unwrap_or(false) {
                continue;
            }
            let Some(bound) = bound_node(rule, scan, i, doc) else {
                continue;
            };
            hits.clear();
            let res = m.run_rule(
                rule.slots,
                rule.filter,
                &rule.body,
                Val::Ref(bound),
                &mut hits,
            );
            for h in hits.drain(..) {
                findings.push(self.finding(meta, scan, i, h, &mut resolver));
            }
            if let Err(fault) = res {
                errors.push(self.eval_error(meta, doc, fault));
            }
        }
        // A document's findings may be held until a whole report is assembled: drop the slack of
        // the vector's growth (it was close to half of a scan's peak memory).
        findings.shrink_to_fit();
        (findings, errors)
    }

    /// The error of a rule that stopped on a document. When the fault is about a value of the
    /// document, the message names its field (`... (at `spec.containers`)`); the span stays the
    /// document's, which reports use to tell documents apart.
    pub(crate) fn eval_error(
        &self,
        meta: &Arc<RuleMeta>,
        doc: &Document,
        fault: Fault,
    ) -> EvalError {
        let found = fault
            .node
            .as_ref()
            .and_then(|n| eval::find_node(doc.root(), n.id, n.span));
        let (span, field) = match found {
            Some((n, steps)) if !steps.is_empty() => (n.span, Some(eval::render_path(&steps))),
            _ => (doc.span(), None),
        };
        let message = match field {
            Some(path) => format!("{} (at `{path}`)", fault.message),
            None => fault.message,
        };
        EvalError {
            rule: meta.clone(),
            message,
            rule_location: self.program.describe(self.program.span(fault.at)),
            resource: doc.id().clone(),
            source: doc.source().clone(),
            span,
            doc_index: doc.index(),
        }
    }

    /// Turns a hit into a finding: its span and field path come from the node it points at (a
    /// node of the document, or a view's built node through its provenance), with the names of
    /// fields missing below it appended.
    fn finding(
        &self,
        meta: &Arc<RuleMeta>,
        scan: &Scan<'_>,
        i: usize,
        hit: Hit,
        resolver: &mut related::Resolver,
    ) -> Finding {
        let doc = scan.docs().get(i);
        let (source, resource, index, doc_span) = match doc {
            Some(d) => (d.source().clone(), d.id().clone(), d.index(), d.span()),
            None => (Source::new("", ""), ResourceId::default(), 0, Span::NONE),
        };
        let mut span = doc_span;
        let mut path = String::new();
        let mut note = None;
        let mut missing_at: Option<usize> = None;
        let mut missing: &[PathStep] = &hit.missing;
        if let (Some(doc), Some(n)) = (doc, &hit.node) {
            if n.id.is_document() {
                if let Some((node, steps)) = eval::find_node(doc.root(), n.id, n.span) {
                    span = node.span;
                    path = eval::render_path(&steps);
                }
            } else {
                match scan.provenance(i, n.id) {
                    Some(Provenance::Derived { from, view }) => {
                        let absent = missing.split_first().and_then(|(first, rest)| {
                            let PathStep::Key(first) = first else {
                                return None;
                            };
                            let v = self.views.get(*view as usize)?;
                            Some((v.absent_field(doc, first)?, rest))
                        });
                        if let Some((segs, rest)) = absent {
                            // Point at the deepest part of the document's own path that exists.
                            missing = rest;
                            let mut node = doc.root();
                            for seg in &segs {
                                match node.get(seg) {
                                    Some(child) if missing_at.is_none() => node = child,
                                    _ => {
                                        missing_at.get_or_insert(path.len());
                                    }
                                }
                                eval::push_key(&mut path, seg);
                            }
                            span = node.span;
                        } else if let Some((node, steps)) =
                            eval::find_node(doc.root(), *from, Span::NONE)
                        {
                            span = node.span;
                            path = eval::render_path(&steps);
                        }
                    }
                    Some(Provenance::Defaulted {
                        block,
                        field,
                        default,
                    }) => {
                        if let Some((node, steps)) = eval::find_node(doc.root(), *block, Span::NONE)
                        {
                            span = node.span;
                            path = eval::render_path(&steps);
                        }
                        let at = if path.is_empty() {
                            "the document".to_string()
                        } else {
                            format!("`{path}`")
                        };
                        note = Some(format!(
                            "defaulted: {at} does not set `{field}`; the default is `{default}`"
                        ));
                        missing_at = Some(path.len());
                        eval::push_key(&mut path, field);
                    }
                    None => {}
                }
            }
        }
        if !missing.is_empty() {
            missing_at.get_or_insert(path.len());
        }
        for step in missing {
            eval::push_step(&mut path, step);
        }
        let message = hit.message.unwrap_or_else(|| meta.title.to_string());
        let related = if hit.related.is_empty() {
            Box::default()
        } else {
            resolver.places(scan, i, &hit.related).into_boxed_slice()
        };
        Finding {
            rule: meta.clone(),
            message,
            resource,
            source,
            span,
            path,
            doc_index: index,
            note,
            missing_at: missing_at.and_then(|m| u32::try_from(m).ok()),
            related,
        }
    }

    /// Where a rule source span is, as `file:line:col`.
    pub fn describe_span(&self, span: SrcSpan) -> String {
        self.program.describe(span)
    }
}

/// `meta` with its remediation rendered with the parameter values `params` (the same `Arc` when
/// the remediation names no parameter or reads the same).
fn remediated(meta: &Arc<RuleMeta>, parts: &[TextPart], params: &[Node]) -> Arc<RuleMeta> {
    if parts.is_empty() {
        return meta.clone();
    }
    let text = crate::ir::render_text(parts, |i| params.get(i as usize).map(|n| &n.value));
    if meta.remediation.as_deref() == Some(text.as_str()) {
        return meta.clone();
    }
    let mut m = (**meta).clone();
    m.remediation = Some(Str::from(text));
    Arc::new(m)
}

/// The node a rule binds on document `i`: the view or root of the first selector that matches
/// the document, or `None` when the rule does not apply to it.
pub(crate) fn bound_node<'s>(
    rule: &crate::ir::Rule,
    scan: &'s Scan<'_>,
    i: usize,
    doc: &Document,
) -> Option<&'s Node> {
    let sel = rule
        .selectors
        .iter()
        .find(|s| eval::selector_matches(s, doc, scan.views()))?;
    scan.bound(i, sel)
}

/// A rule set's documents prepared for evaluation ([`RuleSet::prepared`]).
pub struct PreparedDocs<'d> {
    rules: &'d RuleSet,
    scan: Scan<'d>,
    enabled: &'d [bool],
}

impl crate::backend::Prepared for PreparedDocs<'_> {
    fn evaluate(&self, indexes: &[usize]) -> Report {
        let per_doc = |i: &usize| self.rules.evaluate_doc(&self.scan, *i, self.enabled);
        // A handful of documents is evaluated on the caller's thread: handing them to the pool
        // would cost more than it saves.
        #[cfg(feature = "parallel")]
        let parts: Vec<(Vec<Finding>, Vec<EvalError>)> = if indexes.len() < PARALLEL_MIN_DOCS {
            indexes.iter().map(per_doc).collect()
        } else {
            use rayon::prelude::*;
            indexes.par_iter().map(per_doc).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let parts: Vec<(Vec<Finding>, Vec<EvalError>)> = indexes.iter().map(per_doc).collect();
        let mut report = Report {
            documents: indexes.len(),
            findings: Vec::with_capacity(parts.iter().map(|(f, _)| f.len()).sum()),
            errors: Vec::with_capacity(parts.iter().map(|(_, e)| e.len()).sum()),
        };
        for (f, e) in parts {
            report.findings.extend(f);
            report.errors.extend(e);
        }
        sort_report(&mut report);
        report
    }
}

/// Below this many documents, evaluation stays on the caller's thread.
#[cfg(feature = "parallel")]
const PARALLEL_MIN_DOCS: usize = 8;

/// Sorts findings and errors by file, document, line, column, rule id and message.
pub fn sort_report(report: &mut Report) {
    report.findings.sort_unstable_by(|a, b| {
        // Most findings share their source: skip comparing its name then.
        let by_source = if Arc::ptr_eq(&a.source, &b.source) {
            std::cmp::Ordering::Equal
        } else {
            a.source.key().cmp(b.source.key())
        };
        by_source.then_with(|| {
            (a.span.start(), &a.rule.id, &a.message, &a.path, a.doc_index).cmp(&(
                b.span.start(),
                &b.rule.id,
                &b.message,
                &b.path,
                b.doc_index,
            ))
        })
    });
    report.errors.sort_by(|a, b| {
        (
            a.source.key(),
            a.doc_index,
            a.span.start(),
            &a.rule.id,
            &a.message,
        )
            .cmp(&(
                b.source.key(),
                b.doc_index,
                b.span.start(),
                &b.rule.id,
                &b.message,
            ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_set_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<RuleSet>();
        assert_send_sync::<Report>();
    }
}
