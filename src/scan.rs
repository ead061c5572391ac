//! Scanning: load inputs, evaluate them together, then apply exclusions and waivers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use policy_core::yaml;

use crate::waiver::{Notice, Suppressed};
use crate::{
    Document, Engine, LoadError, Loaded, Report, ResourceId, RuleMeta, Source, Span, collect_files,
    io_error, is_manifest,
};

/// What one scan produced: the findings and evaluation errors, the inputs that could not be read
/// (the others were still scanned), the waived findings and what the waivers reported.
#[derive(Debug, Default)]
pub struct Scan {
    /// Findings that stand (not waived) and evaluation errors.
    pub report: Report,
    /// Inputs that could not be read or parsed.
    pub load_errors: Vec<LoadError>,
    /// Findings a waiver covers: not counted against the failure threshold, still reported.
    pub suppressed: Vec<Suppressed>,
    /// Expired, stale and malformed waivers.
    pub notices: Vec<Notice>,
    /// Each document evaluated and the rules it was put through, in input order.
    pub checked: Vec<Checked>,
    /// The rules of the engine, in rule order (what reports describe as the tool's rules).
    pub rules: Vec<Arc<RuleMeta>>,
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
    /// The rules it was put through.
    pub rules: Vec<Arc<RuleMeta>>,
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
    /// Loads and evaluates a YAML or JSON text.
    pub fn check_str(&self, name: &str, text: &str) -> Scan {
        let loaded = yaml::load_str(&Source::new(name, text), &self.load);
        self.finish(&loaded.documents, loaded.errors)
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
        let (docs, load_errors) = self.load_inputs_with(inputs, progress);
        progress(Progress::Evaluating {
            documents: docs.len(),
        });
        self.finish(&docs, load_errors)
    }

    /// Evaluates, applies exclusions and waivers, and lists what was checked.
    fn finish(&self, docs: &[Document], load_errors: Vec<LoadError>) -> Scan {
        let mut report = self.evaluate(docs);
        let (suppressed, notices) = self.review.apply(&mut report, docs);
        let checked = docs
            .iter()
            .map(|d| Checked {
                resource: d.id().clone(),
                source: d.source().clone(),
                doc_index: d.index(),
                span: d.span(),
                rules: self.rules.applicable(d).into_iter().cloned().collect(),
            })
            .collect();
        Scan {
            report,
            load_errors,
            suppressed,
            notices,
            checked,
            rules: self.rules.rules().cloned().collect(),
        }
    }

    /// Loads inputs as [`Engine::check_paths`] does, without evaluating.
    pub fn load_inputs<P: AsRef<Path>>(&self, inputs: &[P]) -> (Vec<Document>, Vec<LoadError>) {
        self.load_inputs_with(inputs, &mut |_| {})
    }

    /// Files found in folders are skipped when an excluded path pattern matches them; files
    /// named directly are always read.
    fn load_inputs_with<P: AsRef<Path>>(
        &self,
        inputs: &[P],
        progress: &mut dyn FnMut(Progress),
    ) -> (Vec<Document>, Vec<LoadError>) {
        let mut files: Vec<PathBuf> = Vec::new();
        let mut errors = Vec::new();
        let mut stdin = false;
        for input in inputs {
            let p = input.as_ref();
            if p == Path::new("-") {
                stdin = true;
            } else if p.is_dir() {
                let mut found = Vec::new();
                for e in collect_files(p, &mut found, &is_manifest) {
                    errors.push(io_error(&e.path, &e.error));
                }
                found.retain(|f| {
                    let rel = f.strip_prefix(p).unwrap_or(f);
                    !self.review.path_excluded(rel, f)
                });
                files.extend(found);
            } else {
                files.push(p.to_path_buf());
            }
        }
        let total = files.len();
        let mut docs = Vec::new();
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
            let loaded: Vec<Loaded> = {
                use rayon::prelude::*;
                chunk
                    .par_iter()
                    .map(|f| yaml::load_path(f, &self.load))
                    .collect()
            };
            #[cfg(not(feature = "parallel"))]
            let loaded: Vec<Loaded> = chunk
                .iter()
                .map(|f| yaml::load_path(f, &self.load))
                .collect();
            for l in loaded {
                docs.extend(l.documents);
                errors.extend(l.errors);
            }
            done += chunk.len();
        }
        progress(Progress::Loading { done: total, total });
        if stdin {
            let l = yaml::load_reader("-", std::io::stdin().lock(), &self.load);
            docs.extend(l.documents);
            errors.extend(l.errors);
        }
        (docs, errors)
    }
}
