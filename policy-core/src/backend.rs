//! Rule backends over one catalogue.
//!
//! A backend owns rules written in some language (the rule language is the first; Rego through
//! an embedded engine can be another) and evaluates them over the documents of a scan. What it
//! owns it describes with [`RuleMeta`] (id, title, controls, layer, severity, parameters,
//! remediation, references, origin), and every backend's rules together form the catalogue that
//! rule selection, severity overrides, waivers, `fourc rules` and the docs generator work on.
//!
//! A backend reports each hit located by node (a node of the document, with its identity), by
//! field path (resolved here to the deepest node of the document that exists, so a backend that
//! returns paths, as Rego does, still gets file, line and column), or at the document:
//! [`Finding::locate`] turns a [`Locator`] into a finding.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::document::Document;
use crate::eval;
use crate::ir::{RuleMeta, Severity};
use crate::ruleset::{Finding, Report, RuleSet};
use crate::value::{Node, Str, Value};

/// One step of a field path a backend returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    /// A map key.
    Key(Str),
    /// A list position.
    Index(usize),
}

/// Where a backend's hit points.
#[derive(Clone, Debug)]
pub enum Locator {
    /// A node of the document (it carries its identity).
    Node(Node),
    /// A field path from the document's root; the part that exists gives the line.
    Path(Vec<PathStep>),
    /// The whole document.
    Document,
}

impl Finding {
    /// A finding of rule `rule` on `doc`, at what `at` designates: a node is found by its
    /// identity; a path is followed as far as the document has it, and the missing rest is
    /// named in the field path.
    pub fn locate(rule: Arc<RuleMeta>, doc: &Document, at: &Locator, message: String) -> Finding {
        let mut span = doc.span();
        let mut path = String::new();
        let mut missing_at = None;
        match at {
            Locator::Node(n) => {
                if let Some((node, steps)) = eval::find_node(doc.root(), n.id, n.span) {
                    span = node.span;
                    path = eval::render_path(&steps);
                }
            }
            Locator::Path(steps) => {
                let mut node = Some(doc.root());
                for s in steps {
                    let next = node.and_then(|n| match (s, &n.value) {
                        (PathStep::Key(k), Value::Map(m)) => m.get(k),
                        (PathStep::Index(i), Value::List(l)) => l.get(*i),
                        _ => None,
                    });
                    match next {
                        Some(n) if n.span.is_known() => span = n.span,
                        Some(_) => {}
                        None => {
                            missing_at.get_or_insert(path.len());
                        }
                    }
                    node = next;
                    eval::push_step(&mut path, s);
                }
            }
            Locator::Document => {}
        }
        Finding {
            rule,
            message,
            resource: doc.id().clone(),
            source: doc.source().clone(),
            span,
            path,
            doc_index: doc.index(),
            note: None,
            missing_at: missing_at.and_then(|m| u32::try_from(m).ok()),
            related: Box::default(),
        }
    }
}

/// A set of rules in one language, evaluated over whole scans.
pub trait RuleBackend: Send + Sync {
    /// The backend's name (`fourc`, `rego`).
    fn name(&self) -> &str;

    /// Every rule the backend holds, in a stable order; hits and `enabled` index into it.
    fn rules(&self) -> &[Arc<RuleMeta>];

    /// Evaluates the rules for which `enabled[i]` is true on every document, all documents
    /// together (cross-document rules see the whole set). Findings may carry the backend's own
    /// metadata: the engine puts the catalogue's (with overrides) in their place.
    fn evaluate(&self, docs: &[Document], enabled: &[bool]) -> Report;

    /// The rules (indexes into [`RuleBackend::rules`]) that apply to a document: the checks it
    /// is put through, which reports list as passed when they do not fire.
    fn applicable(&self, doc: &Document) -> Vec<usize>;

    /// Prepares `docs` for evaluation a part at a time ([`Prepared::evaluate`]), every part
    /// seeing the whole set, so that a scan can write and drop each part's findings before the
    /// next. The default evaluates every document at the first call
    /// ([`RuleBackend::evaluate`]) and hands each part its share; a backend whose
    /// cross-document state can be built once overrides it.
    fn prepare<'d>(&'d self, docs: &'d [Document], enabled: &'d [bool]) -> Box<dyn Prepared + 'd> {
        Box::new(AllAtOnce {
            evaluate: Box::new(move || self.evaluate(docs, enabled)),
            docs,
            parts: OnceLock::new(),
        })
    }
}

/// Documents prepared for evaluation by one backend ([`RuleBackend::prepare`]).
pub trait Prepared: Send + Sync {
    /// Evaluates the documents at `indexes` (positions in the prepared slice); findings and
    /// errors come sorted as [`crate::ruleset::sort_report`] sorts them.
    fn evaluate(&self, indexes: &[usize]) -> Report;
}

/// [`RuleBackend::prepare`]'s default: the whole evaluation once, split by document.
struct AllAtOnce<'d> {
    /// The backend's whole evaluation.
    evaluate: Box<dyn Fn() -> Report + Send + Sync + 'd>,
    docs: &'d [Document],
    /// Each document's findings and errors, taken by the part that asks for them.
    parts: OnceLock<Vec<Mutex<Report>>>,
}

impl Prepared for AllAtOnce<'_> {
    fn evaluate(&self, indexes: &[usize]) -> Report {
        let parts = self.parts.get_or_init(|| {
            let report = (self.evaluate)();
            // A finding names its document by source and position in it.
            let at: HashMap<(*const crate::document::Source, u32), usize> = self
                .docs
                .iter()
                .enumerate()
                .map(|(i, d)| ((Arc::as_ptr(d.source()), d.index()), i))
                .collect();
            let mut parts: Vec<Report> = self.docs.iter().map(|_| Report::default()).collect();
            for f in report.findings {
                let i = at.get(&(Arc::as_ptr(f.source()), f.doc_index())).copied();
                if let Some(p) = i.and_then(|i| parts.get_mut(i)) {
                    p.findings.push(f);
                }
            }
            for e in report.errors {
                let i = at.get(&(Arc::as_ptr(e.source()), e.doc_index())).copied();
                if let Some(p) = i.and_then(|i| parts.get_mut(i)) {
                    p.errors.push(e);
                }
            }
            parts.into_iter().map(Mutex::new).collect()
        });
        let mut out = Report {
            documents: indexes.len(),
            ..Report::default()
        };
        for i in indexes {
            if let Some(Ok(mut p)) = parts.get(*i).map(Mutex::lock) {
                out.findings.append(&mut p.findings);
                out.errors.append(&mut p.errors);
            }
        }
        crate::ruleset::sort_report(&mut out);
        out
    }
}

impl std::fmt::Debug for dyn RuleBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RuleBackend({}, {} rules)",
            self.name(),
            self.rules().len()
        )
    }
}

impl RuleBackend for RuleSet {
    fn name(&self) -> &str {
        "fourc"
    }

    fn rules(&self) -> &[Arc<RuleMeta>] {
        self.metas()
    }

    fn evaluate(&self, docs: &[Document], enabled: &[bool]) -> Report {
        self.evaluate_masked(docs, enabled)
    }

    fn applicable(&self, doc: &Document) -> Vec<usize> {
        self.applicable_indexes(doc)
    }

    fn prepare<'d>(&'d self, docs: &'d [Document], enabled: &'d [bool]) -> Box<dyn Prepared + 'd> {
        Box::new(self.prepared(docs, enabled))
    }
}

/// One rule of the catalogue: its metadata as the engine runs it (settings applied), and which
/// backend holds it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The metadata, with the severity the settings give.
    pub meta: Arc<RuleMeta>,
    /// The backend, by registration index.
    pub backend: usize,
    /// The rule's index in its backend.
    pub index: usize,
}

/// The rules of every backend that an engine runs, in backend order then rule order.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    entries: Vec<Entry>,
    /// Entry index by rule id: findings are mapped back to their entry one lookup each.
    by_id: HashMap<Str, usize>,
    /// Entry index of every rule of every backend (`None`: left out), by backend then rule.
    by_rule: Vec<Vec<Option<usize>>>,
}

impl Catalog {
    /// The catalogue of `backends`, keeping the rules `select` keeps, with the severity it gives
    /// (`None` leaves a rule out).
    pub fn new(
        backends: &[Arc<dyn RuleBackend>],
        select: &dyn Fn(&RuleMeta) -> Option<Severity>,
    ) -> Self {
        let mut entries = Vec::new();
        let mut by_rule = Vec::with_capacity(backends.len());
        for (b, backend) in backends.iter().enumerate() {
            let mut slots = vec![None; backend.rules().len()];
            for (i, m) in backend.rules().iter().enumerate() {
                let Some(sev) = select(m) else {
                    continue;
                };
                if let Some(slot) = slots.get_mut(i) {
                    *slot = Some(entries.len());
                }
                let meta = if sev == m.severity {
                    m.clone()
                } else {
                    let mut o = (**m).clone();
                    o.severity = sev;
                    Arc::new(o)
                };
                entries.push(Entry {
                    meta,
                    backend: b,
                    index: i,
                });
            }
            by_rule.push(slots);
        }
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.meta.id.clone(), i))
            .collect();
        Catalog {
            entries,
            by_id,
            by_rule,
        }
    }

    /// Every entry.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The metadata of every rule.
    pub fn rules(&self) -> impl Iterator<Item = &Arc<RuleMeta>> {
        self.entries.iter().map(|e| &e.meta)
    }

    /// The entry of rule `id`.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).and_then(|&i| self.entries.get(i))
    }

    /// Which rules of backend `b` run, as [`RuleBackend::evaluate`] takes them (`len` rules).
    pub fn mask(&self, b: usize, len: usize) -> Vec<bool> {
        let slots = self.by_rule.get(b).map_or(&[][..], Vec::as_slice);
        (0..len)
            .map(|i| slots.get(i).copied().flatten().is_some())
            .collect()
    }

    /// The catalogue's metadata for rule `index` of backend `b`, when the engine runs it.
    pub fn meta(&self, b: usize, index: usize) -> Option<&Arc<RuleMeta>> {
        let e = self.by_rule.get(b)?.get(index).copied().flatten()?;
        self.entries.get(e).map(|e| &e.meta)
    }
}
