//! The numbers behind the posture page: per control of the 4C catalogue, the rules that serve it,
//! the documents they were put through, its standing and waived findings and its worst
//! resources; per layer and severity, the standing findings. No markup here.

use std::collections::{HashMap, HashSet};

use policy_core::controls::{CONTROLS, Control};

use crate::{Finding, Layer, ResourceId, RuleMeta, Scan, Severity};

/// How many resources a control lists as its worst.
pub(super) const WORST: usize = 3;

/// Where a control stands after the scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// No rule of the scan serves it.
    Gap,
    /// Rules serve it, but no document was one they apply to.
    NotAssessed,
    /// Checked, and nothing stands against it.
    Passing,
    /// Checked, with standing findings.
    Failing,
}

impl Status {
    /// The class name and the words shown.
    pub(super) fn names(self) -> (&'static str, &'static str) {
        match self {
            Status::Gap => ("gap", "no rule"),
            Status::NotAssessed => ("unassessed", "not assessed"),
            Status::Passing => ("passing", "passing"),
            Status::Failing => ("failing", "failing"),
        }
    }
}

/// A resource with standing findings against a control.
#[derive(Debug)]
pub(super) struct Worst<'s> {
    pub(super) resource: &'s ResourceId,
    /// Its most severe finding's severity.
    pub(super) severity: Severity,
    /// How many findings it has against the control.
    pub(super) count: usize,
    /// The index of its first finding in the scan's standing findings.
    pub(super) first: usize,
}

/// One control of the catalogue, as the scan saw it.
#[derive(Debug)]
pub(super) struct ControlRow<'s> {
    pub(super) control: &'static Control,
    /// The rules of the scan serving it, in rule order.
    pub(super) rules: Vec<&'s RuleMeta>,
    /// Documents put through at least one of those rules.
    pub(super) checked: usize,
    /// Standing findings of those rules.
    pub(super) failing: usize,
    /// Waived findings of those rules.
    pub(super) waived: usize,
    /// Evaluation errors of those rules.
    pub(super) errors: usize,
    /// The resources with the most severe, then the most, standing findings; at most [`WORST`].
    pub(super) worst: Vec<Worst<'s>>,
}

impl ControlRow<'_> {
    pub(super) fn status(&self) -> Status {
        if self.rules.is_empty() {
            Status::Gap
        } else if self.failing > 0 {
            Status::Failing
        } else if self.checked == 0 {
            Status::NotAssessed
        } else {
            Status::Passing
        }
    }
}

/// The whole posture.
#[derive(Debug)]
pub(super) struct Posture<'s> {
    /// Every control, in catalogue order (outermost layer first).
    pub(super) controls: Vec<ControlRow<'s>>,
    /// Standing findings per layer (of their rule) and severity, in [`Layer::ALL`] and
    /// [`Severity::ALL`] order.
    pub(super) matrix: [[usize; 5]; 4],
}

fn layer_index(l: Layer) -> usize {
    Layer::ALL.iter().position(|x| *x == l).unwrap_or(0)
}

pub(super) fn severity_index(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

impl<'s> Posture<'s> {
    pub(super) fn of(scan: &'s Scan) -> Self {
        let index: HashMap<&str, usize> = CONTROLS
            .iter()
            .enumerate()
            .map(|(i, c)| (c.key, i))
            .collect();
        // The catalogue indexes of a rule's controls (keys outside the catalogue have no row).
        let served = |m: &RuleMeta| -> Vec<usize> {
            m.controls
                .iter()
                .filter_map(|k| index.get(&**k).copied())
                .collect()
        };
        let mut rows: Vec<ControlRow<'s>> = CONTROLS
            .iter()
            .map(|control| ControlRow {
                control,
                rules: Vec::new(),
                checked: 0,
                failing: 0,
                waived: 0,
                errors: 0,
                worst: Vec::new(),
            })
            .collect();
        for m in &scan.rules {
            for i in served(m) {
                if let Some(r) = rows.get_mut(i) {
                    r.rules.push(m);
                }
            }
        }
        // One pass over the documents: each counts once per control, however many of its
        // rules serve it.
        let mut seen: HashSet<usize> = HashSet::new();
        for c in &scan.checked {
            seen.clear();
            seen.extend(c.rules.iter().flat_map(|m| served(m)));
            for i in &seen {
                if let Some(r) = rows.get_mut(*i) {
                    r.checked += 1;
                }
            }
        }
        let mut worst: Vec<HashMap<&'s ResourceId, Worst<'s>>> =
            rows.iter().map(|_| HashMap::new()).collect();
        let mut matrix = [[0usize; 5]; 4];
        for (n, f) in scan.report.findings.iter().enumerate() {
            let rule = f.rule();
            if let Some(cell) = matrix
                .get_mut(layer_index(rule.layer))
                .and_then(|row| row.get_mut(severity_index(rule.severity)))
            {
                *cell += 1;
            }
            for i in served(rule) {
                if let Some(r) = rows.get_mut(i) {
                    r.failing += 1;
                }
                if let Some(w) = worst.get_mut(i) {
                    tally(w, f, n);
                }
            }
        }
        for s in &scan.suppressed {
            for i in served(s.finding.rule()) {
                if let Some(r) = rows.get_mut(i) {
                    r.waived += 1;
                }
            }
        }
        for e in &scan.report.errors {
            for i in served(e.rule()) {
                if let Some(r) = rows.get_mut(i) {
                    r.errors += 1;
                }
            }
        }
        for (row, w) in rows.iter_mut().zip(worst) {
            let mut w: Vec<Worst<'s>> = w.into_values().collect();
            w.sort_by(|a, b| {
                (a.severity, std::cmp::Reverse(a.count), a.resource).cmp(&(
                    b.severity,
                    std::cmp::Reverse(b.count),
                    b.resource,
                ))
            });
            w.truncate(WORST);
            row.worst = w;
        }
        Posture {
            controls: rows,
            matrix,
        }
    }

    /// The controls of one layer.
    pub(super) fn layer(&self, l: Layer) -> impl Iterator<Item = &ControlRow<'s>> {
        self.controls.iter().filter(move |c| c.control.layer == l)
    }

    /// Standing findings of a layer's rules, per severity.
    pub(super) fn layer_counts(&self, l: Layer) -> [usize; 5] {
        self.matrix.get(layer_index(l)).copied().unwrap_or_default()
    }
}

fn tally<'s>(w: &mut HashMap<&'s ResourceId, Worst<'s>>, f: &'s Finding, n: usize) {
    let sev = f.rule().severity;
    let e = w.entry(f.resource()).or_insert(Worst {
        resource: f.resource(),
        severity: sev,
        count: 0,
        first: n,
    });
    e.count += 1;
    e.severity = e.severity.min(sev);
}
