//! Differential mode (`fourc check --compare-rego DIR`): the Rego rules of `DIR` and the fourc
//! rules that check the same thing, run on the same documents in one scan; where their verdicts
//! differ, per document and rule pair.
//!
//! # Pairing
//!
//! A Rego rule says what it checks with two metadata keys, each a list (`[a, b]`) or a
//! comma-separated string:
//!
//! - `fourc.dev/rules`: the fourc rules (ids) that check the same thing;
//! - `fourc.dev/controls`: the controls it covers (it also lists the rule under them in
//!   `fourc rules`).
//!
//! A Gatekeeper rule (a Constraint) reads them from its template's `metadata.annotations`, the
//! Constraint's own annotations replacing the template's. A conftest rule reads them from the
//! comments of its file (`# fourc.dev/rules: [ref-privileged]`, as in an OPA `# METADATA`
//! block's `custom:` keys). A Rego rule is paired with the fourc rules `fourc.dev/rules` names,
//! else with every fourc rule that declares one of its controls; one with neither key is listed
//! as unpaired.
//!
//! # Verdicts
//!
//! For each pair and each scanned document, each side fires when it reports at least one
//! finding on the document (any of the fourc rules of the pair for the fourc side). They agree
//! when both fire or neither does; the agreement figure is the agreeing (document, pair)
//! verdicts over all of them. Only the verdict is compared, not the number of findings or their
//! messages, which the two languages word their own way; a disagreement lists both sides'
//! messages.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use policy_core::RuleMeta;
use policy_core::value::Str;
use serde_json::{Value as Json, json};

use crate::Scan;

/// The tag that records a fourc rule a Rego rule is the same check as.
const PAIR_TAG: &str = "compare:";

/// The metadata key naming fourc rules.
pub(crate) const RULES_KEY: &str = "fourc.dev/rules";
/// The metadata key naming controls.
pub(crate) const CONTROLS_KEY: &str = "fourc.dev/controls";

/// The items of a metadata value: `[a, "b"]` or `a, b`.
pub(crate) fn list(value: &str) -> Vec<String> {
    let v = value.trim();
    let v = v
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(v);
    v.split(',')
        .map(|s| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The controls and tags a Rego rule gets from its metadata (`rules`, `controls`).
pub(crate) fn pairing(rules: &[String], controls: &[String]) -> (Vec<Str>, Vec<Str>) {
    (
        controls.iter().map(|c| Str::from(c.as_str())).collect(),
        rules
            .iter()
            .map(|r| Str::from(format!("{PAIR_TAG}{r}").as_str()))
            .collect(),
    )
}

/// The `fourc.dev/rules` and `fourc.dev/controls` written in the comments of a Rego file.
pub(crate) fn from_comments(text: &str) -> (Vec<String>, Vec<String>) {
    let mut rules = Vec::new();
    let mut controls = Vec::new();
    for line in text.lines() {
        let Some(c) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let c = c.trim();
        if let Some(v) = c.strip_prefix(RULES_KEY).and_then(|v| v.strip_prefix(':')) {
            rules.extend(list(v));
        } else if let Some(v) = c
            .strip_prefix(CONTROLS_KEY)
            .and_then(|v| v.strip_prefix(':'))
        {
            controls.extend(list(v));
        }
    }
    (rules, controls)
}

/// How a pair was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairedBy {
    /// `fourc.dev/rules` names the fourc rules.
    Rules,
    /// The fourc rules share a control with the Rego rule.
    Controls,
}

/// A document on which the two sides of a pair disagree.
#[derive(Clone, Debug)]
pub struct Disagreement {
    /// The file the document was read from.
    pub file: String,
    /// The document's 0-based position in the file.
    pub doc_index: u32,
    /// The document's first line.
    pub line: u32,
    /// The resource, as `Kind/namespace/name`.
    pub resource: String,
    /// The Rego rule's messages on the document.
    pub rego: Vec<String>,
    /// The fourc rules' findings on the document (rule id, message).
    pub fourc: Vec<(String, String)>,
}

/// A Rego rule and the fourc rules it is compared with.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The Rego rule.
    pub rego: Arc<RuleMeta>,
    /// The fourc rules.
    pub fourc: Vec<Arc<RuleMeta>>,
    /// How they were paired.
    pub by: PairedBy,
    /// Documents both sides fire on.
    pub both: usize,
    /// Documents neither side fires on.
    pub neither: usize,
    /// Documents one side fires on and the other does not.
    pub disagreements: Vec<Disagreement>,
}

/// What a differential run found.
#[derive(Clone, Debug, Default)]
pub struct Comparison {
    /// The documents compared on.
    pub documents: usize,
    /// The pairs, in the Rego rules' order.
    pub pairs: Vec<Pair>,
    /// Rego rules that name no fourc rule and share no control with one.
    pub unpaired: Vec<Arc<RuleMeta>>,
}

impl Comparison {
    /// The (document, pair) verdicts on which both sides agree, and all of them.
    pub fn agreement(&self) -> (usize, usize) {
        let agree = self.pairs.iter().map(|p| p.both + p.neither).sum();
        (agree, self.documents * self.pairs.len())
    }

    /// Whether any pair disagrees on any document.
    pub fn disagrees(&self) -> bool {
        self.pairs.iter().any(|p| !p.disagreements.is_empty())
    }

    /// The comparison as JSON (schema in docs/cli.md).
    pub fn to_json(&self) -> Json {
        let (agree, total) = self.agreement();
        json!({
            "documents": self.documents,
            "agreement": {"agree": agree, "total": total, "ratio": ratio(agree, total)},
            "pairs": self.pairs.iter().map(|p| json!({
                "rego": &*p.rego.id,
                "fourc": p.fourc.iter().map(|m| &*m.id).collect::<Vec<_>>(),
                "by": match p.by { PairedBy::Rules => "rules", PairedBy::Controls => "controls" },
                "both": p.both,
                "neither": p.neither,
                "disagreements": p.disagreements.iter().map(|d| json!({
                    "file": d.file,
                    "doc_index": d.doc_index,
                    "line": d.line,
                    "resource": d.resource,
                    "rego": d.rego,
                    "fourc": d.fourc.iter().map(|(r, m)| json!({"rule_id": r, "message": m})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "unpaired": self.unpaired.iter().map(|m| &*m.id).collect::<Vec<_>>(),
        })
    }

    /// The comparison as text: one line per disagreement, then one per pair, then the figure.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        for p in &self.pairs {
            for d in &p.disagreements {
                let (only, msgs) = if d.rego.is_empty() {
                    (
                        "fourc only",
                        d.fourc.iter().map(|(r, m)| format!("[{r}] {m}")).collect(),
                    )
                } else {
                    ("rego only", d.rego.clone())
                };
                let _ = writeln!(
                    s,
                    "{}:{}: {} {} vs {}: {only}: {}",
                    d.file,
                    d.line,
                    d.resource,
                    p.rego.id,
                    ids(&p.fourc),
                    msgs.join("; ")
                );
            }
        }
        for p in &self.pairs {
            let total = p.both + p.neither + p.disagreements.len();
            let _ = writeln!(
                s,
                "{} vs {} (by {}): {}/{total} documents agree ({} both fire, {} neither, {} differ)",
                p.rego.id,
                ids(&p.fourc),
                match p.by {
                    PairedBy::Rules => "rules",
                    PairedBy::Controls => "controls",
                },
                p.both + p.neither,
                p.both,
                p.neither,
                p.disagreements.len()
            );
        }
        for m in &self.unpaired {
            let _ = writeln!(
                s,
                "{}: unpaired (no `{RULES_KEY}` or `{CONTROLS_KEY}` matching a fourc rule)",
                m.id
            );
        }
        let (agree, total) = self.agreement();
        let _ = writeln!(
            s,
            "agreement: {agree}/{total} verdicts ({:.2}%) over {} documents and {} pairs",
            ratio(agree, total) * 100.0,
            self.documents,
            self.pairs.len()
        );
        s
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        // Counts of documents: far below 2^52.
        #[allow(clippy::cast_precision_loss, reason = "document counts")]
        let r = a as f64 / b as f64;
        r
    }
}

fn ids(rules: &[Arc<RuleMeta>]) -> String {
    rules.iter().map(|m| &*m.id).collect::<Vec<_>>().join("+")
}

/// Whether a rule is a Rego rule (Gatekeeper or conftest).
fn is_rego(m: &RuleMeta) -> bool {
    m.tags
        .iter()
        .any(|t| &**t == "gatekeeper" || &**t == "conftest")
}

/// Whether a Rego rule was loaded from under `dir`.
fn from_dir(m: &RuleMeta, dir: &Path) -> bool {
    m.origin.as_deref().is_some_and(|o| {
        let file = o.rsplit_once(':').map_or(o, |(f, _)| f);
        Path::new(file).starts_with(dir)
    })
}

/// Compares the Rego rules loaded from `dir` with the fourc rules of the scan.
pub fn compare(scan: &Scan, dir: &Path) -> Comparison {
    let rego: Vec<&Arc<RuleMeta>> = scan
        .rules
        .iter()
        .filter(|m| is_rego(m) && from_dir(m, dir))
        .collect();
    let fourc: Vec<&Arc<RuleMeta>> = scan.rules.iter().filter(|m| !is_rego(m)).collect();
    // Findings per (rule id, file, doc index).
    let mut found: BTreeMap<(&str, &str, u32), Vec<&str>> = BTreeMap::new();
    let all = scan
        .report
        .findings
        .iter()
        .chain(scan.suppressed.iter().map(|s| &s.finding));
    for f in all {
        found
            .entry((&*f.rule().id, f.source().name(), f.doc_index()))
            .or_default()
            .push(f.message());
    }
    let mut out = Comparison {
        documents: scan.checked.len(),
        ..Comparison::default()
    };
    for r in rego {
        let named: Vec<String> = r
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix(PAIR_TAG).map(str::to_string))
            .collect();
        let (by, side): (PairedBy, Vec<Arc<RuleMeta>>) = if named.is_empty() {
            let side = fourc
                .iter()
                .filter(|m| m.controls.iter().any(|c| r.controls.contains(c)))
                .map(|m| Arc::clone(m))
                .collect();
            (PairedBy::Controls, side)
        } else {
            let side = fourc
                .iter()
                .filter(|m| named.iter().any(|n| *n == *m.id))
                .map(|m| Arc::clone(m))
                .collect();
            (PairedBy::Rules, side)
        };
        if side.is_empty() {
            out.unpaired.push(Arc::clone(r));
            continue;
        }
        let mut pair = Pair {
            rego: Arc::clone(r),
            fourc: side,
            by,
            both: 0,
            neither: 0,
            disagreements: Vec::new(),
        };
        for c in &scan.checked {
            let file = c.source.name();
            let rego_msgs: Vec<String> = found
                .get(&(&*r.id, file, c.doc_index))
                .map(|v| v.iter().map(|m| (*m).to_string()).collect())
                .unwrap_or_default();
            let fourc_msgs: Vec<(String, String)> = pair
                .fourc
                .iter()
                .flat_map(|m| {
                    found
                        .get(&(&*m.id, file, c.doc_index))
                        .into_iter()
                        .flatten()
                        .map(|msg| (m.id.to_string(), (*msg).to_string()))
                })
                .collect();
            match (rego_msgs.is_empty(), fourc_msgs.is_empty()) {
                (false, false) => pair.both += 1,
                (true, true) => pair.neither += 1,
                _ => pair.disagreements.push(Disagreement {
                    file: file.to_string(),
                    doc_index: c.doc_index,
                    line: c.source.line_col(c.span.start()).0,
                    resource: c.resource.to_string(),
                    rego: rego_msgs,
                    fourc: fourc_msgs,
                }),
            }
        }
        out.pairs.push(pair);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_lists_are_read_from_comments() {
        assert_eq!(list(" [a, \"b\"] "), ["a", "b"]);
        assert_eq!(list("a,b"), ["a", "b"]);
        let text = "# METADATA\n# custom:\n#   fourc.dev/rules: [ref-privileged]\n#   fourc.dev/controls: cluster.pod-security\npackage p\n";
        assert_eq!(
            from_comments(text),
            (
                vec!["ref-privileged".to_string()],
                vec!["cluster.pod-security".to_string()]
            )
        );
    }
}
