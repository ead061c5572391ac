//! Scanning: load inputs, evaluate them together, then apply exclusions and waivers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use policy_core::input::{self, InputFormat};
use policy_core::yaml;

use crate::waiver::{Notice, Suppressed};
use crate::{
    Document, Engine, Finding, LoadError, Loaded, Report, ResourceId, RuleMeta, Source, Span,
    collect_files, io_error,
};

/// What one scan produced: the findings and evaluation errors, the inputs that could not be read
/// (the others were still scanned), the waived findings and what the waivers reported.
#[derive(Debug, Default)]
pub struct Scan {
    /// Findings that stand (not waived) and evaluation errors.
    pub report: Report,
    /// Inputs that could not be read or parsed.
    pub load_errors: Vec<LoadError>,
    /// Inputs that no input format recognises: not read, and said so.
    pub skipped: Vec<Skipped>,
    /// Findings a waiver covers: not counted against the failure threshold, still reported.
    pub suppressed: Vec<Suppressed>,
    /// Expired, stale and malformed waivers.
    pub notices: Vec<Notice>,
    /// Each document evaluated and the rules it was put through, in input order.
    pub checked: Vec<Checked>,
    /// The rules of the engine, in rule order (what reports describe as the tool's rules).
    pub rules: Vec<Arc<RuleMeta>>,
    /// The profiles the rule packs declare: the text report shows the findings of two levels
    /// of one profile at one place once.
    pub profiles: Vec<policy_core::profile::Profile>,
}

/// How many documents a part of a streamed scan holds ([`Engine::check_paths_into`]): enough
/// to keep every thread busy, few enough that a part's findings stay small.
const PART_DOCUMENTS: usize = 512;

/// What a scan knows before it evaluates anything: the rules, the inputs that failed to load or
/// were skipped, and how many documents were loaded.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ScanStart<'a> {
    /// The rules of the engine, in rule order.
    pub rules: &'a [Arc<RuleMeta>],
    /// The profiles the rule packs declare.
    pub profiles: &'a [policy_core::profile::Profile],
    /// Inputs that could not be read or parsed.
    pub load_errors: &'a [LoadError],
    /// Inputs that no input format recognises.
    pub skipped: &'a [Skipped],
    /// The documents loaded, which the parts go through.
    pub documents: usize,
}

/// One part of a streamed scan: some documents (whole ones), what the rules found on them
/// after exclusions and waivers, and the rules each was put through.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ScanPart<'a> {
    /// Findings that stand, sorted as [`Report`] says.
    pub findings: &'a [Finding],
    /// Evaluation errors.
    pub errors: &'a [crate::EvalError],
    /// Waived findings.
    pub suppressed: &'a [Suppressed],
    /// The part's documents and the rules each was put through, in input order.
    pub checked: &'a [Checked],
}

/// Where a streamed scan goes ([`Engine::check_paths_into`]): `start` once, then `part` for
/// each part, then `finish` with the waiver notices (expired and stale waivers are known only
/// when every finding has been seen). Parts come file by file, files in the order of their
/// exact paths, and each part's findings follow the previous part's in report order, so a
/// sink that writes each part as it comes writes a sorted report. A sink's error stops the
/// scan.
pub trait ScanSink {
    /// Before the first part.
    fn start(&mut self, start: &ScanStart<'_>) -> std::io::Result<()>;
    /// One part.
    fn part(&mut self, part: &ScanPart<'_>) -> std::io::Result<()>;
    /// After the last part.
    fn finish(&mut self, notices: &[Notice]) -> std::io::Result<()>;
}

/// Sends every part to each of several sinks (all the reports of one run).
pub struct Tee<'s>(pub Vec<&'s mut dyn ScanSink>);

impl ScanSink for Tee<'_> {
    fn start(&mut self, start: &ScanStart<'_>) -> std::io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.start(start))
    }
    fn part(&mut self, part: &ScanPart<'_>) -> std::io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.part(part))
    }
    fn finish(&mut self, notices: &[Notice]) -> std::io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.finish(notices))
    }
}

/// Gathers a streamed scan into a [`Scan`].
pub(crate) struct Collect<'s>(pub(crate) &'s mut Scan);

impl ScanSink for Collect<'_> {
    fn start(&mut self, start: &ScanStart<'_>) -> std::io::Result<()> {
        let s = &mut *self.0;
        s.rules = start.rules.to_vec();
        s.profiles = start.profiles.to_vec();
        s.load_errors = start.load_errors.to_vec();
        s.skipped = start.skipped.to_vec();
        s.report.documents = start.documents;
        s.checked.reserve(start.documents);
        Ok(())
    }
    fn part(&mut self, part: &ScanPart<'_>) -> std::io::Result<()> {
        let s = &mut *self.0;
        s.report.findings.extend_from_slice(part.findings);
        s.report.errors.extend_from_slice(part.errors);
        s.suppressed.extend_from_slice(part.suppressed);
        s.checked.extend_from_slice(part.checked);
        Ok(())
    }
    fn finish(&mut self, notices: &[Notice]) -> std::io::Result<()> {
        self.0.notices = notices.to_vec();
        Ok(())
    }
}

impl Scan {
    /// Hands a whole scan to `sink` as one part: a report written from a [`Scan`] is the same
    /// as one written while scanning.
    pub fn replay(&self, sink: &mut dyn ScanSink) -> std::io::Result<()> {
        sink.start(&ScanStart {
            rules: &self.rules,
            profiles: &self.profiles,
            load_errors: &self.load_errors,
            skipped: &self.skipped,
            documents: self.report.documents,
        })?;
        sink.part(&ScanPart {
            findings: &self.report.findings,
            errors: &self.report.errors,
            suppressed: &self.suppressed,
            checked: &self.checked,
        })?;
        sink.finish(&self.notices)
    }
}

/// An input that was not read because no input format recognises it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The path, as given or found.
    pub path: String,
    /// Why it was not read.
    pub reason: String,
}

/// What loading inputs produced.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    pub(crate) docs: Vec<Document>,
    pub(crate) errors: Vec<LoadError>,
    pub(crate) skipped: Vec<Skipped>,
}

impl Inputs {
    fn add(&mut self, r: Result<Loaded, Skipped>) {
        match r {
            Ok(l) => {
                // The first input's documents are taken as they are: a copy of one big report's
                // documents would be the scan's peak of memory.
                if self.docs.is_empty() {
                    self.docs = l.documents;
                } else {
                    self.docs.extend(l.documents);
                }
                self.errors.extend(l.errors);
                self.skipped.extend(l.skipped.into_iter().map(|s| Skipped {
                    path: format!("{}:{}", s.source_name(), s.line()),
                    reason: s.message().to_string(),
                }));
            }
            Err(s) => self.skipped.push(s),
        }
    }
}

/// A document and the rules whose `on` clause matched it.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The resource.
    pub resource: ResourceId,
    /// Where it was read.
    pub source: Arc<Source>,
    /// Its 0-based position in the source.
    pub doc_index: u32,
    /// The span of the whole document.
    pub span: Span,
    /// The rules it was put through (documents put through the same rules share the list).
    pub rules: Arc<[Arc<RuleMeta>]>,
}

/// How far a scan has come, for a progress indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// `done` of `total` files read.
    Loading {
        /// Files read so far.
        done: usize,
        /// Files to read.
        total: usize,
    },
    /// Every file is read; the rules are running on this many documents.
    Evaluating {
        /// Documents loaded.
        documents: usize,
    },
}

impl Engine {
    /// Loads and evaluates a text in any format the engine reads (recognised by `name` and
    /// content, or the format the builder forced).
    pub fn check_str(&self, name: &str, text: &str) -> Scan {
        let mut inputs = Inputs::default();
        inputs.add(self.load_source(&Source::new(name, text), Some(Path::new(name))));
        self.finish(inputs)
    }

    /// The format to read a source with, or why there is none.
    fn format_for(
        &self,
        source: &Source,
        path: Option<&Path>,
    ) -> Result<&Arc<dyn InputFormat>, Skipped> {
        let skipped = |reason: String| Skipped {
            path: source.name().to_string(),
            reason,
        };
        match &self.input_format {
            Some(name) => self
                .formats
                .get(name)
                .ok_or_else(|| skipped(format!("unknown input format `{name}`"))),
            None => self
                .formats
                .detect(path, input::head(source.text()))
                .map_err(skipped),
        }
    }

    fn load_source(&self, source: &Arc<Source>, path: Option<&Path>) -> Result<Loaded, Skipped> {
        if is_own_report(input::head(source.text())) {
            return Err(Skipped {
                path: source.name().to_string(),
                reason: "a report fourc wrote (JSON or SARIF), not an input".to_string(),
            });
        }
        let format = self.format_for(source, path)?;
        let loaded = format.load(source, &self.load);
        Ok(if self.keep_text {
            loaded
        } else {
            loaded.without_text()
        })
    }

    fn load_file(&self, path: &Path) -> Result<Loaded, Skipped> {
        match yaml::read_path(path, &self.load) {
            Ok(source) => self.load_source(&source, Some(path)),
            Err(e) => Ok(Loaded {
                documents: Vec::new(),
                errors: vec![e],
                skipped: Vec::new(),
            }),
        }
    }

    /// Loads every input (files, folders searched recursively for `.yaml`, `.yml` and `.json`,
    /// `-` for standard input) and evaluates all documents together, so cross-document rules see
    /// the whole set. An unreadable input is reported and the rest are still scanned.
    pub fn check_paths<P: AsRef<Path>>(&self, inputs: &[P]) -> Scan {
        self.check_paths_with(inputs, &mut |_| {})
    }

    /// [`Engine::check_paths`], telling `progress` how far it has come.
    pub fn check_paths_with<P: AsRef<Path>>(
        &self,
        inputs: &[P],
        progress: &mut dyn FnMut(Progress),
    ) -> Scan {
        let inputs = self.read_inputs(inputs, progress);
        progress(Progress::Evaluating {
            documents: inputs.docs.len(),
        });
        self.finish(inputs)
    }

    /// Evaluates already loaded documents as [`Engine::check_paths`] does: exclusions and
    /// waivers applied, every document listed as checked. (The rules' raw findings, before
    /// exclusions and waivers, are [`Engine::evaluate_unreviewed`].)
    pub fn evaluate(&self, docs: &[Document]) -> Scan {
        self.review(docs, &[], &[])
    }

    fn finish(&self, inputs: Inputs) -> Scan {
        self.review(&inputs.docs, &inputs.errors, &inputs.skipped)
    }

    /// Evaluates, applies exclusions and waivers, and lists what was checked.
    fn review(&self, docs: &[Document], load_errors: &[LoadError], skipped: &[Skipped]) -> Scan {
        let mut scan = Scan::default();
        // Collecting cannot fail.
        let _ = self.stream(docs, load_errors, skipped, &mut Collect(&mut scan));
        scan
    }

    /// Loads every input as [`Engine::check_paths_with`] does and hands the scan to `sink` a
    /// part at a time: the findings of each part are written (or counted) and dropped before
    /// the next part is evaluated, so a report's size never decides the memory a scan needs.
    /// What a part holds, and in which order parts come, is said at [`ScanSink`].
    pub fn check_paths_into<P: AsRef<Path>>(
        &self,
        inputs: &[P],
        progress: &mut dyn FnMut(Progress),
        sink: &mut dyn ScanSink,
    ) -> std::io::Result<()> {
        let inputs = self.read_inputs(inputs, progress);
        progress(Progress::Evaluating {
            documents: inputs.docs.len(),
        });
        self.stream(&inputs.docs, &inputs.errors, &inputs.skipped, sink)
    }

    /// Evaluates `docs` a part at a time, reviewing each part (exclusions and waivers) and
    /// handing it to `sink`; the waiver notices come last.
    fn stream(
        &self,
        docs: &[Document],
        load_errors: &[LoadError],
        skipped: &[Skipped],
        sink: &mut dyn ScanSink,
    ) -> std::io::Result<()> {
        let rules: Vec<Arc<RuleMeta>> = self.catalog.rules().cloned().collect();
        sink.start(&ScanStart {
            rules: &rules,
            profiles: &self.profiles,
            load_errors,
            skipped,
            documents: docs.len(),
        })?;
        // Reports are sorted by file: parts take the documents file by file (files in the
        // order of their exact paths, documents in input order), so that each part's sorted
        // findings follow the previous part's.
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_by(|a, b| {
            let key = |i: &usize| docs.get(*i).map(|d| d.source().key());
            key(a).cmp(&key(b))
        });
        let masks: Vec<Vec<bool>> = self
            .backends
            .iter()
            .enumerate()
            .map(|(b, backend)| self.catalog.mask(b, backend.rules().len()))
            .collect();
        let prepared: Vec<Box<dyn policy_core::backend::Prepared + '_>> = self
            .backends
            .iter()
            .zip(&masks)
            .filter(|(_, mask)| mask.contains(&true))
            .map(|(backend, mask)| backend.prepare(docs, mask))
            .collect();
        let mut reviewing = self.review.start(docs);
        // Documents of one kind are put through the same rules: they share one list.
        let mut lists: std::collections::HashMap<Vec<usize>, Arc<[Arc<RuleMeta>]>> =
            std::collections::HashMap::new();
        for part in order.chunks(PART_DOCUMENTS) {
            let mut report = Report {
                documents: part.len(),
                ..Report::default()
            };
            for p in &prepared {
                let r = p.evaluate(part);
                report.findings.extend(r.findings.into_iter().map(|f| {
                    match self.catalog.get(&f.rule().id) {
                        Some(e) if !Arc::ptr_eq(&e.meta, f.rule()) => f.with_rule(e.meta.clone()),
                        _ => f,
                    }
                }));
                report.errors.extend(r.errors.into_iter().map(|e| {
                    match self.catalog.get(&e.rule().id) {
                        Some(c) if !Arc::ptr_eq(&c.meta, e.rule()) => e.with_rule(c.meta.clone()),
                        _ => e,
                    }
                }));
            }
            if prepared.len() > 1 {
                policy_core::ruleset::sort_report(&mut report);
            }
            let suppressed = reviewing.part(&mut report);
            let checked: Vec<Checked> = part
                .iter()
                .filter_map(|i| docs.get(*i))
                .map(|d| {
                    let rules = self.applicable(d);
                    let key: Vec<usize> = rules.iter().map(|r| Arc::as_ptr(r) as usize).collect();
                    let rules = lists.entry(key).or_insert_with(|| rules.into()).clone();
                    Checked {
                        resource: d.id().clone(),
                        source: d.source().clone(),
                        doc_index: d.index(),
                        span: d.span(),
                        rules,
                    }
                })
                .collect();
            sink.part(&ScanPart {
                findings: &report.findings,
                errors: &report.errors,
                suppressed: &suppressed,
                checked: &checked,
            })?;
        }
        sink.finish(&reviewing.finish())
    }

    /// Loads inputs as [`Engine::check_paths`] does, without evaluating; inputs that no format
    /// recognises are left out.
    pub fn load_inputs<P: AsRef<Path>>(&self, inputs: &[P]) -> (Vec<Document>, Vec<LoadError>) {
        let i = self.read_inputs(inputs, &mut |_| {});
        (i.docs, i.errors)
    }

    /// Files found in folders are read when some format claims their name and no excluded path
    /// pattern matches them; files named directly are always tried.
    pub(crate) fn read_inputs<P: AsRef<Path>>(
        &self,
        inputs: &[P],
        progress: &mut dyn FnMut(Progress),
    ) -> Inputs {
        let mut files: Vec<PathBuf> = Vec::new();
        let mut errors = input::terraform_var_file_errors(&self.load);
        let mut stdin = false;
        let claims = |p: &Path| self.input_format.is_some() || self.formats.claims_name(p);
        // Rule folders, settings files and this run's reports are never inputs of a folder.
        let not_inputs: Vec<PathBuf> = self
            .not_inputs
            .iter()
            .filter_map(|p| p.canonicalize().ok())
            .collect();
        // Terraform var files named by the caller are read (and reported) as such, not again as
        // files of a folder.
        let var_files: Vec<PathBuf> = self
            .load
            .tf_var_files
            .iter()
            .filter_map(|p| p.canonicalize().ok())
            .collect();
        let is_input = |f: &Path| {
            if !var_files.is_empty() && f.canonicalize().is_ok_and(|c| var_files.contains(&c)) {
                return false;
            }
            if f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| crate::config::FILE_NAMES.contains(&n))
            {
                return false;
            }
            not_inputs.is_empty()
                || f.canonicalize()
                    .map_or(true, |c| !not_inputs.iter().any(|n| c.starts_with(n)))
        };
        for input in inputs {
            let p = input.as_ref();
            if p == Path::new("-") {
                stdin = true;
            } else if p.is_dir() {
                let mut found = Vec::new();
                for e in collect_files(p, &mut found, &claims) {
                    errors.push(io_error(&e.path, &e.error));
                }
                found.retain(|f| {
                    let rel = f.strip_prefix(p).unwrap_or(f);
                    !self.review.path_excluded(rel, f) && is_input(f)
                });
                files.extend(found);
            } else {
                files.push(p.to_path_buf());
            }
        }
        let total = files.len();
        let mut out = Inputs {
            errors,
            ..Inputs::default()
        };
        // Files load in parallel, a batch at a time so that progress still moves on this thread;
        // results are joined in file order, so the output does not depend on the thread count.
        #[cfg(feature = "parallel")]
        let batch = rayon::current_num_threads().saturating_mul(4).max(1);
        #[cfg(not(feature = "parallel"))]
        let batch = 1;
        let mut done = 0;
        for chunk in files.chunks(batch) {
            progress(Progress::Loading { done, total });
            #[cfg(feature = "parallel")]
            let loaded: Vec<Result<Loaded, Skipped>> = {
                use rayon::prelude::*;
                chunk.par_iter().map(|f| self.load_file(f)).collect()
            };
            #[cfg(not(feature = "parallel"))]
            let loaded: Vec<Result<Loaded, Skipped>> =
                chunk.iter().map(|f| self.load_file(f)).collect();
            for l in loaded {
                out.add(l);
            }
            done += chunk.len();
        }
        progress(Progress::Loading { done: total, total });
        if stdin {
            match yaml::read_source("-", std::io::stdin().lock(), &self.load, 0) {
                Ok(source) => out.add(self.load_source(&source, None)),
                Err(e) => out.errors.push(e),
            }
        }
        out
    }
}

/// The namespace of a finding that a rule reports once per namespace at the namespace's first
/// workload (it points at that workload's `metadata.namespace`; a rule reports such a finding
/// at the Namespace object itself when it is among the documents).
pub(crate) fn namespace_wide(f: &crate::Finding) -> Option<&str> {
    let r = f.resource();
    (f.path() == "metadata.namespace" && r.kind.as_deref() != Some("Namespace"))
        .then_some(r.namespace.as_deref())
        .flatten()
}

/// Whether a text begins as fourc's own JSON or SARIF report does (`"tool": {"name": "fourc"`,
/// `"driver": {"name": "fourc"`): a report of an earlier run lying among the inputs is never read
/// back as evidence.
fn is_own_report(head: &[u8]) -> bool {
    if head.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return false;
    }
    let compact: Vec<u8> = head
        .iter()
        .take(1024)
        .filter(|c| !c.is_ascii_whitespace())
        .copied()
        .collect();
    let compact = String::from_utf8_lossy(&compact);
    compact.contains(r#""tool":{"name":"fourc""#) || compact.contains(r#""driver":{"name":"fourc""#)
}

#[cfg(test)]
mod tests {
    use super::is_own_report;

    #[test]
    fn own_reports_are_recognised() {
        assert!(is_own_report(
            b"{\n  \"version\": 1,\n  \"tool\": {\n    \"name\": \"fourc\","
        ));
        assert!(is_own_report(
            br#"{"$schema": "x", "version": "2.1.0", "runs": [{"tool": {"driver": {"name": "fourc"}}}]}"#
        ));
        assert!(!is_own_report(
            br#"{"runs": [{"tool": {"driver": {"name": "Trivy"}}}]}"#
        ));
        assert!(!is_own_report(b"kind: Pod\nmetadata: {name: fourc}"));
    }
}
