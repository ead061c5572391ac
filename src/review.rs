//! After evaluation: drop what is excluded, set waived findings aside, report waiver problems.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use globset::GlobSet;

use crate::config::{InlineWaivers, Location};
use crate::date::Date;
use crate::waiver::{
    ANNOTATION_REASON, ANNOTATION_WAIVE, Notice, NoticeKind, Suppressed, Suppression,
    SuppressionKind, Waiver, glob_match,
};
use crate::{Document, Finding, Report, ResourceId};
use policy_core::{Source, Str};

/// A document of a source: the source's name and exact path (two paths that are not UTF-8 can
/// share a name) and the document's index.
type SourceDoc = (Str, Option<Arc<Path>>, u32);

fn source_doc(s: &Source, index: u32) -> SourceDoc {
    (s.name_arc().clone(), s.path_arc().cloned(), index)
}

/// The validated waivers and exclusions of an engine.
#[derive(Debug)]
pub(crate) struct Review {
    pub(crate) waivers: Vec<Waiver>,
    pub(crate) exclude_paths: GlobSet,
    pub(crate) exclude_namespaces: Vec<String>,
    pub(crate) today: Date,
    /// Every rule id of the compiled rules, enabled or not, to validate inline waivers.
    pub(crate) known_rules: HashSet<String>,
    /// Which inline waivers apply.
    pub(crate) inline: InlineWaivers,
    /// Said of the settings and rule set before any document is read (a found `fourc.yaml`
    /// that weakens the scan, no rule enabled): in every scan's notices.
    pub(crate) settings_notices: Vec<Notice>,
}

impl Default for Review {
    fn default() -> Self {
        Review {
            waivers: Vec::new(),
            exclude_paths: GlobSet::empty(),
            exclude_namespaces: Vec::new(),
            today: Date::today(),
            known_rules: HashSet::new(),
            inline: InlineWaivers::default(),
            settings_notices: Vec::new(),
        }
    }
}

/// The waivers a resource declares in its annotations.
struct Inline {
    rules: Vec<String>,
    used: Vec<bool>,
    reason: String,
    at: Location,
    resource: ResourceId,
}

impl Review {
    /// Whether a file is excluded: `rel` is its path below the scanned folder, `shown` the path
    /// as reported. A pattern is tried on both and, without a `/`, on the file name.
    pub(crate) fn path_excluded(&self, rel: &Path, shown: &Path) -> bool {
        if self.exclude_paths.is_empty() {
            return false;
        }
        self.exclude_paths.is_match(rel)
            || self.exclude_paths.is_match(shown)
            || shown
                .file_name()
                .is_some_and(|n| self.exclude_paths.is_match(Path::new(n)))
    }

    fn namespace_excluded(&self, r: &ResourceId) -> bool {
        r.namespace
            .as_deref()
            .is_some_and(|ns| self.exclude_namespaces.iter().any(|p| glob_match(p, ns)))
    }

    /// Starts reviewing the findings of a scan of `docs`, given a part at a time
    /// ([`Reviewing::part`]); waiver notices come when every part has been seen.
    pub(crate) fn start(&self, docs: &[Document]) -> Reviewing<'_> {
        let mut inline_notices = Vec::new();
        let inline = self.inline_waivers(docs, &mut inline_notices);
        Reviewing {
            review: self,
            inline,
            inline_notices,
            used: vec![0usize; self.waivers.len()],
            expired_hits: vec![0usize; self.waivers.len()],
            active: 0,
            suppressed: 0,
        }
    }
    /// The first unexpired config waiver covering `f`; counts uses and expired matches.
    fn config_waiver(
        &self,
        f: &Finding,
        used: &mut [usize],
        expired_hits: &mut [usize],
    ) -> Option<&Waiver> {
        for (i, w) in self.waivers.iter().enumerate() {
            if !w.matches(f) {
                continue;
            }
            if w.expired(self.today) {
                if let Some(n) = expired_hits.get_mut(i) {
                    *n += 1;
                }
                continue;
            }
            if let Some(n) = used.get_mut(i) {
                *n += 1;
            }
            return Some(w);
        }
        None
    }

    /// Reads `fourc.dev/waive` annotations, keyed by source (name and exact path) and document
    /// index.
    fn inline_waivers(
        &self,
        docs: &[Document],
        notices: &mut Vec<Notice>,
    ) -> HashMap<SourceDoc, Inline> {
        let mut out = HashMap::new();
        for d in docs {
            let Some(node) = d
                .root()
                .get_path(&["metadata", "annotations", ANNOTATION_WAIVE])
            else {
                continue;
            };
            let at = Location::new(d.source().clone(), node.span);
            if !self.inline.allow {
                notices.push(Notice {
                    kind: NoticeKind::InlineNotAllowed,
                    message: format!(
                        "inline waiver on {} is ignored: the settings do not allow inline waivers (`inline_waivers: {{allow: true}}` in fourc.yaml)",
                        d.id()
                    ),
                    location: Some(at),
                });
                continue;
            }
            let ns = d.id().namespace.as_deref().unwrap_or("default");
            if !self.inline.namespaces.is_empty()
                && !self.inline.namespaces.iter().any(|p| glob_match(p, ns))
            {
                notices.push(Notice {
                    kind: NoticeKind::InlineNotAllowed,
                    message: format!(
                        "inline waiver on {} is ignored: the settings allow inline waivers only in namespaces {}",
                        d.id(),
                        self.inline.namespaces.join(", ")
                    ),
                    location: Some(at),
                });
                continue;
            }
            let reason = d
                .root()
                .get_path(&["metadata", "annotations", ANNOTATION_REASON])
                .and_then(|n| n.as_str())
                .map(str::trim)
                .unwrap_or_default();
            if reason.is_empty() {
                notices.push(Notice {
                    kind: NoticeKind::MissingReason,
                    message: format!(
                        "inline waiver on {} has no `{ANNOTATION_REASON}` annotation; it is ignored",
                        d.id()
                    ),
                    location: Some(at),
                });
                continue;
            }
            let mut rules = Vec::new();
            for r in node.as_str().unwrap_or_default().split(',') {
                let r = r.trim();
                if r.is_empty() {
                    continue;
                }
                if !self.known_rules.contains(r) {
                    notices.push(Notice {
                        kind: NoticeKind::UnknownRule,
                        message: format!(
                            "inline waiver on {} names unknown rule `{r}`; it is ignored",
                            d.id()
                        ),
                        location: Some(at.clone()),
                    });
                } else if !self.inline.rules.is_empty() && !self.inline.rules.iter().any(|a| a == r)
                {
                    notices.push(Notice {
                        kind: NoticeKind::InlineNotAllowed,
                        message: format!(
                            "inline waiver on {} of rule `{r}` is ignored: the settings allow inline waivers only of {}",
                            d.id(),
                            self.inline.rules.join(", ")
                        ),
                        location: Some(at.clone()),
                    });
                } else {
                    rules.push(r.to_string());
                }
            }
            let used = vec![false; rules.len()];
            out.insert(
                source_doc(d.source(), d.index()),
                Inline {
                    rules,
                    used,
                    reason: reason.to_string(),
                    at,
                    resource: d.id().clone(),
                },
            );
        }
        out
    }
}

/// A review of a scan's findings in progress ([`Review::start`]).
pub(crate) struct Reviewing<'r> {
    review: &'r Review,
    inline: HashMap<SourceDoc, Inline>,
    inline_notices: Vec<Notice>,
    used: Vec<usize>,
    expired_hits: Vec<usize>,
    /// Findings that stand, and findings waived, so far.
    active: usize,
    suppressed: usize,
}

impl Reviewing<'_> {
    /// Reviews one part of the findings: moves the waived ones out of `report` (returned) and
    /// drops those in excluded namespaces.
    pub(crate) fn part(&mut self, report: &mut Report) -> Vec<Suppressed> {
        let mut active = Vec::with_capacity(report.findings.len());
        let mut suppressed = Vec::new();
        for f in std::mem::take(&mut report.findings) {
            if self.review.namespace_excluded(f.resource()) {
                continue;
            }
            let key = source_doc(f.source(), f.doc_index());
            if let Some(iw) = self.inline.get_mut(&key)
                && let Some(pos) = iw.rules.iter().position(|r| **r == *f.rule().id)
            {
                if let Some(u) = iw.used.get_mut(pos) {
                    *u = true;
                }
                if let Some(ns) = crate::scan::namespace_wide(&f) {
                    // One resource must not waive what is said of its whole namespace.
                    self.inline_notices.push(Notice {
                        kind: NoticeKind::InlineNotAllowed,
                        message: format!(
                            "inline waiver on {} cannot waive rule `{}` for all of namespace {ns}; it is ignored (waive it in fourc.yaml)",
                            iw.resource,
                            f.rule().id
                        ),
                        location: Some(iw.at.clone()),
                    });
                    active.push(f);
                    continue;
                }
                let suppression = Suppression {
                    kind: SuppressionKind::Inline,
                    reason: iw.reason.clone(),
                    owner: None,
                    expires: None,
                    location: Some(iw.at.clone()),
                };
                suppressed.push(Suppressed {
                    finding: f,
                    suppression,
                });
                continue;
            }
            match self
                .review
                .config_waiver(&f, &mut self.used, &mut self.expired_hits)
            {
                Some(w) => suppressed.push(Suppressed {
                    suppression: w.suppression(),
                    finding: f,
                }),
                None => active.push(f),
            }
        }
        self.active += active.len();
        self.suppressed += suppressed.len();
        report.findings = active;
        report
            .errors
            .retain(|e| !self.review.namespace_excluded(e.resource()));
        suppressed
    }

    /// The waiver notices, once every part has been reviewed.
    pub(crate) fn finish(self) -> Vec<Notice> {
        let mut notices = self.review.settings_notices.clone();
        if self.active == 0 && self.suppressed > 0 {
            notices.push(Notice {
                kind: NoticeKind::AllWaived,
                message: format!(
                    "waivers cover every finding ({}): nothing fails the run",
                    self.suppressed
                ),
                location: None,
            });
        }
        for (i, w) in self.review.waivers.iter().enumerate() {
            let hits = self.expired_hits.get(i).copied().unwrap_or(0);
            if w.expired(self.review.today) {
                let expires = w.expires.map(|d| d.to_string()).unwrap_or_default();
                notices.push(Notice {
                    kind: NoticeKind::Expired,
                    message: format!(
                        "waiver for {} expired on {expires}; {}",
                        w.target,
                        match hits {
                            0 => "it matches no finding either".to_string(),
                            1 => "the finding it covered counts again".to_string(),
                            n => format!("the {n} findings it covered count again"),
                        }
                    ),
                    location: w.at.clone(),
                });
            } else if self.used.get(i).copied().unwrap_or(0) == 0 {
                notices.push(Notice {
                    kind: NoticeKind::Stale,
                    message: format!(
                        "waiver for {} matches no finding; remove it or correct its selector",
                        w.target
                    ),
                    location: w.at.clone(),
                });
            }
        }
        let mut stale_inline: Vec<Notice> = self.inline_notices;
        for iw in self.inline.values() {
            for (r, u) in iw.rules.iter().zip(&iw.used) {
                if !u {
                    stale_inline.push(Notice {
                        kind: NoticeKind::Stale,
                        message: format!(
                            "inline waiver of rule `{r}` on {} matches no finding",
                            iw.resource
                        ),
                        location: Some(iw.at.clone()),
                    });
                }
            }
        }
        stale_inline.sort_by(|a, b| {
            let k = |n: &Notice| {
                n.location
                    .as_ref()
                    .map(|l| (l.file().to_string(), l.line()))
            };
            k(a).cmp(&k(b)).then_with(|| a.message.cmp(&b.message))
        });
        notices.extend(stale_inline);
        notices
    }
}
