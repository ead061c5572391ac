//! SARIF 2.1.0 logs from any static analyser.
//!
//! Every result of every run is one `sarif_result` document at the result's bytes:
//!
//! | field | what it is |
//! | --- | --- |
//! | `tool` | the run's `tool.driver.name` |
//! | `rule_id` | `ruleId`, else the id of the rule at `ruleIndex` |
//! | `level` | the effective level: the result's `level`, else `none` for a result whose `kind` is not `fail`, else the rule's `defaultConfiguration.level` (the rule found through `rule.toolComponent` in an extension, else by `ruleIndex`, else by `ruleId`), else `warning` |
//! | `security_severity` | the rule's (or the result's) `security-severity` property as a number; labels (`HIGH`) read as 9.0/7.0/4.0/0.1 for CRITICAL/HIGH/MEDIUM/LOW |
//! | `suppressed` | a suppression applies: one with no status or status `accepted` |
//! | `message`, `file`, `line` | the result's message and first physical location (`artifactLocation.uri`, `region.startLine`) |
//! | `column`, `end_line`, `end_column` | the rest of that location's region, when the log gives it (`startColumn`, `endLine`, `endColumn`) |
//! | `location` | `runs[i].results[j]` |
//!
//! Each run is also a `sarif_run` document (`tool`, `results`: how many).
//!
//! A log whose `version` is not `2.1.0` is refused with an error naming the file and line.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::{error, failed, has_keys, items, json_name, number, read_json_each, text};
use crate::document::{Document, LoadOptions, Loaded, ResourceId, Source};
use crate::input::tree::{int, map};
use crate::input::{Confidence, InputFormat};
use crate::value::{MapBuilder, Node, NodeId, Span, Str, Value};
use crate::yaml::{self, Pick};

/// The format's name.
pub const SARIF: &str = "sarif";
/// The type of one result.
pub const SARIF_RESULT: &str = "sarif_result";
/// The type of one run (`tool`, `results`: how many), so a log with no results is still read.
pub const SARIF_RUN: &str = "sarif_run";

/// SARIF logs (`*.sarif`, or JSON with `runs` and a SARIF `version` or `$schema`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sarif;

impl InputFormat for Sarif {
    fn name(&self) -> &str {
        SARIF
    }

    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence {
        let named = path
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("sarif"));
        let t = String::from_utf8_lossy(head);
        // Content beats a name: a SARIF log mentions `"kind"`, which the Kubernetes format
        // takes for an object.
        if (named || json_name(path, &["json"]))
            && has_keys(head, &["runs"])
            && (t.contains("sarif") || has_keys(head, &["version"]))
        {
            return Confidence::Content;
        }
        if named {
            Confidence::Name
        } else {
            Confidence::No
        }
    }

    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
        // Two passes over the text: the first reads the version and each run's tool and rules,
        // and counts the results; the second reads the results one at a time, each made a
        // document and dropped as soon as it is read, so the results' tree is never whole in
        // memory.
        let mut counts: Vec<usize> = Vec::new();
        let json = match read_json_each(source, opts, "runs", &SARIF_PICK, &mut |item| {
            if counts.len() <= item.outer {
                counts.resize(item.outer + 1, 0);
            }
            if let Some(c) = counts.get_mut(item.outer) {
                *c += 1;
            }
        }) {
            Ok(j) => j,
            Err(e) => return failed(e),
        };
        let root = &json.root;
        if text(root, "version") != Some("2.1.0") {
            let at = root.get("version").unwrap_or(root);
            return failed(vec![error(
                source,
                at.span,
                "unsupported SARIF log: version must be 2.1.0".to_string(),
            )]);
        }
        let shared = Shared::new();
        let runs: Vec<Run> = items(root.get("runs"))
            .iter()
            .map(|run| Run::of(run, &shared))
            .collect();
        let count = |ri: usize| counts.get(ri).copied().unwrap_or(0);
        let mut out = Loaded::default();
        out.documents
            .reserve_exact(runs.len() + (0..runs.len()).map(count).sum::<usize>());
        // Each run's document comes before its results (and after an earlier run's).
        let mut emitted = 0;
        let mut emit = |upto: usize, out: &mut Loaded| {
            while emitted < upto.min(runs.len()) {
                if let Some(run) = runs.get(emitted) {
                    let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
                    out.documents
                        .push(run.document(source, emitted, count(emitted), index));
                }
                emitted += 1;
            }
        };
        let read = yaml::read_picked_each(source, opts, &RESULTS_PICK, &mut |item| {
            emit(item.outer + 1, &mut out);
            if let Some(run) = runs.get(item.outer) {
                let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
                let doc = shared.result(source, run, item.outer, item.index, &item.node, index);
                out.documents.push(doc);
            }
        });
        if let Err(e) = read {
            return failed(vec![e]);
        }
        emit(runs.len(), &mut out);
        out
    }
}

/// What the results of one run are read with.
struct Run<'a> {
    span: Span,
    tool: Str,
    rules: &'a [Node],
    by_id: HashMap<&'a str, &'a Node>,
    extensions: Vec<(&'a [Node], HashMap<&'a str, &'a Node>)>,
}

impl<'a> Run<'a> {
    fn of(run: &'a Node, shared: &Shared) -> Self {
        let driver = run.get("tool").and_then(|t| t.get("driver"));
        let rules = items(driver.and_then(|d| d.get("rules")));
        Run {
            span: run.span,
            tool: driver
                .and_then(|d| shared_text(d, "name"))
                .unwrap_or(&shared.empty)
                .clone(),
            rules,
            by_id: rules_by_id(rules),
            extensions: items(run.get("tool").and_then(|t| t.get("extensions")))
                .iter()
                .map(|e| {
                    let rs = items(e.get("rules"));
                    (rs, rules_by_id(rs))
                })
                .collect(),
        }
    }

    /// The run's `sarif_run` document.
    fn document(&self, source: &Arc<Source>, ri: usize, results: usize, index: u32) -> Document {
        let tool = &self.tool;
        let run_doc = map(
            self.span,
            vec![
                (
                    "tool",
                    Some(Node::new(Value::String(tool.clone()), self.span)),
                ),
                (
                    "results",
                    Some(int(i64::try_from(results).unwrap_or(i64::MAX), self.span)),
                ),
            ],
        );
        Document::with_identity(
            source.clone(),
            index,
            run_doc,
            ResourceId::new(SARIF, SARIF_RUN)
                .with_name(tool)
                .with_address(&format!("{tool} run {ri} of {}", source.name())),
        )
    }
}

/// The fields of a `sarif_result`, in order.
const RESULT_FIELDS: [&str; 12] = [
    "tool",
    "rule_id",
    "level",
    "security_severity",
    "suppressed",
    "message",
    "file",
    "line",
    "column",
    "end_line",
    "end_column",
    "location",
];

/// What every document of one log shares: its keys and constant strings, allocated once per
/// load instead of once per result (a 50 MB log holds some 75,000 results).
struct Shared {
    keys: [Str; 12],
    format: Str,
    kind: Str,
    empty: Str,
    none: Str,
    warning: Str,
}

impl Shared {
    fn new() -> Self {
        Shared {
            keys: RESULT_FIELDS.map(Str::from),
            format: Str::from(SARIF),
            kind: Str::from(SARIF_RESULT),
            empty: Str::from(""),
            none: Str::from("none"),
            warning: Str::from("warning"),
        }
    }

    /// Result `i` of run `ri` as a `sarif_result` document.
    fn result(
        &self,
        source: &Arc<Source>,
        run: &Run,
        ri: usize,
        i: usize,
        r: &Node,
        index: u32,
    ) -> Document {
        let span = r.span;
        let tool = &run.tool;
        let by_index = number(r.get("ruleIndex"))
            .and_then(|x| usize::try_from(x as i64).ok())
            .and_then(|x| run.rules.get(x));
        let rule_id = shared_text(r, "ruleId")
            .or_else(|| r.get("rule").and_then(|x| shared_text(x, "id")))
            .or_else(|| by_index.and_then(|x| shared_text(x, "id")))
            .unwrap_or(&self.empty);
        // A rule of an extension (`rule.toolComponent.index`), else of the driver.
        let component = r
            .get("rule")
            .and_then(|x| x.get("toolComponent"))
            .and_then(|t| number(t.get("index")))
            .and_then(|i| usize::try_from(i as i64).ok())
            .and_then(|i| run.extensions.get(i));
        let component_rule = component.and_then(|(rs, ids)| {
            r.get("rule")
                .and_then(|x| number(x.get("index")))
                .and_then(|i| usize::try_from(i as i64).ok())
                .and_then(|i| rs.get(i))
                .or_else(|| ids.get(&**rule_id).copied())
        });
        let rule = component_rule
            .or(by_index)
            .or_else(|| run.by_id.get(&**rule_id).copied());
        // A result of a kind other than `fail` (pass, notApplicable, review...) has level
        // `none` unless it says otherwise.
        let not_failure = text(r, "kind").is_some_and(|k| k != "fail");
        let level_of = |l: &Node| match &l.value {
            Value::String(s) => Node::new(Value::String(s.clone()), l.span),
            _ => Node::new(Value::String(self.warning.clone()), l.span),
        };
        let level = match r.get("level").filter(|l| l.as_str().is_some()) {
            Some(l) => level_of(l),
            None if not_failure => Node::new(Value::String(self.none.clone()), span),
            None => match rule
                .and_then(|x| x.get("defaultConfiguration"))
                .and_then(|c| c.get("level"))
            {
                Some(l) => level_of(l),
                None => Node::new(Value::String(self.warning.clone()), span),
            },
        };
        let sec = severity(Some(r)).or_else(|| severity(rule));
        let sec_value = sec.and_then(|s| {
            number(Some(s)).or_else(
                || match s.as_str().map(str::to_ascii_uppercase).as_deref() {
                    Some("CRITICAL") => Some(9.0),
                    Some("HIGH") => Some(7.0),
                    Some("MEDIUM") => Some(4.0),
                    Some("LOW") => Some(0.1),
                    _ => None,
                },
            )
        });
        let suppressed = items(r.get("suppressions"))
            .iter()
            .any(|s| matches!(text(s, "status"), None | Some("accepted")));
        let phys = items(r.get("locations"))
            .first()
            .and_then(|l| l.get("physicalLocation"));
        let file = phys
            .and_then(|p| p.get("artifactLocation"))
            .and_then(|a| shared_text(a, "uri"));
        let region = phys.and_then(|p| p.get("region"));
        let at = |k: &str| region.and_then(|g| number(g.get(k)));
        let line = at("startLine");
        let int = |n: Option<f64>| n.map(|x| Node::new(Value::Int(x as i64), span));
        let message = r
            .get("message")
            .and_then(|m| shared_text(m, "text"))
            .unwrap_or(&self.empty);
        let location = format!("runs[{ri}].results[{i}]");
        let string = |s: &Str| Some(Node::new(Value::String(s.clone()), span));
        let doc = self.root(
            span,
            [
                string(tool),
                string(rule_id),
                Some(level),
                sec_value.map(|v| Node::new(Value::Float(v), sec.map_or(span, |s| s.span))),
                Some(Node::new(Value::Bool(suppressed), span)),
                string(message),
                file.and_then(string),
                int(line),
                int(at("startColumn")),
                int(at("endLine")),
                int(at("endColumn")),
                Some(Node::new(Value::String(Str::from(location.as_str())), span)),
            ],
        );
        let where_ = match (file, line) {
            (Some(f), Some(l)) => format!("{f}:{l}"),
            (Some(f), None) => f.to_string(),
            _ => location,
        };
        let id = ResourceId {
            format: self.format.clone(),
            api_version: None,
            kind: Some(self.kind.clone()),
            namespace: Some(tool.clone()),
            name: Some(rule_id.clone()),
            address: Some(Str::from(format!("{tool} {rule_id} at {where_}"))),
        };
        Document::with_identity(source.clone(), index, doc, id)
    }

    /// A result's root at `span` from its fields in [`RESULT_FIELDS`] order (absent ones left
    /// out), numbered in pre-order as it is built.
    fn root(&self, span: Span, fields: [Option<Node>; 12]) -> Node {
        let mut next = 2;
        let entries: Vec<(Str, Node)> = self
            .keys
            .iter()
            .zip(fields)
            .filter_map(|(k, v)| {
                let v = v?;
                let id = NodeId(next);
                next += 1;
                Some((k.clone(), Node::with_id(v.value, v.span, id)))
            })
            .collect();
        Node::with_id(
            Value::Map(MapBuilder::from_distinct_entries(entries).finish()),
            span,
            NodeId(1),
        )
    }
}

/// The `security-severity` property of a result or rule.
fn severity(n: Option<&Node>) -> Option<&Node> {
    n.and_then(|p| p.get("properties"))
        .and_then(|p| p.get("security-severity"))
}

/// A string field, non-empty, as the picked tree holds it (documents share it).
fn shared_text<'a>(n: &'a Node, key: &str) -> Option<&'a Str> {
    match n.get(key).map(|v| &v.value) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// The first rule of each id, so a result finds its rule in one look-up whatever the number of
/// rules.
fn rules_by_id(rules: &[Node]) -> HashMap<&str, &Node> {
    let mut by_id = HashMap::with_capacity(rules.len());
    for r in rules {
        if let Some(id) = text(r, "id") {
            by_id.entry(id).or_insert(r);
        }
    }
    by_id
}

/// What a SARIF log is read for: of each run the tool's name and rules (id, default level,
/// `security-severity`) and of each result what a `sarif_result` holds. Rule descriptions and
/// help, code flows, related locations, fingerprints, artifacts, invocations and the rest are
/// passed over.
static SARIF_PICK: Pick = Pick::Keys(&[("version", &Pick::All), ("runs", &RUN)]);
static RUN: Pick = Pick::Keys(&[("tool", &TOOL), ("results", &Pick::Each(&Pick::Keys(&[])))]);
/// The second pass: each run's results, one at a time.
static RESULTS_PICK: Pick = Pick::Keys(&[("runs", &RESULTS_RUN)]);
static RESULTS_RUN: Pick = Pick::Keys(&[("results", &Pick::Each(&RESULT))]);
static TOOL: Pick = Pick::Keys(&[("driver", &COMPONENT), ("extensions", &COMPONENT)]);
static COMPONENT: Pick = Pick::Keys(&[("name", &Pick::All), ("rules", &RULE)]);
static RULE: Pick = Pick::Keys(&[
    ("id", &Pick::All),
    ("defaultConfiguration", &LEVEL),
    ("properties", &SEVERITY),
]);
static LEVEL: Pick = Pick::Keys(&[("level", &Pick::All)]);
static SEVERITY: Pick = Pick::Keys(&[("security-severity", &Pick::All)]);
static RESULT: Pick = Pick::Keys(&[
    ("ruleId", &Pick::All),
    ("ruleIndex", &Pick::All),
    ("rule", &RULE_REF),
    ("kind", &Pick::All),
    ("level", &Pick::All),
    ("message", &MESSAGE),
    ("properties", &SEVERITY),
    ("suppressions", &SUPPRESSION),
    ("locations", &LOCATION),
]);
static RULE_REF: Pick = Pick::Keys(&[
    ("id", &Pick::All),
    ("index", &Pick::All),
    ("toolComponent", &INDEX),
]);
static INDEX: Pick = Pick::Keys(&[("index", &Pick::All)]);
static MESSAGE: Pick = Pick::Keys(&[("text", &Pick::All)]);
static SUPPRESSION: Pick = Pick::Keys(&[("status", &Pick::All)]);
static LOCATION: Pick = Pick::Keys(&[("physicalLocation", &PHYSICAL)]);
static PHYSICAL: Pick = Pick::Keys(&[("artifactLocation", &ARTIFACT), ("region", &REGION)]);
static ARTIFACT: Pick = Pick::Keys(&[("uri", &Pick::All)]);
static REGION: Pick = Pick::Keys(&[
    ("startLine", &Pick::All),
    ("startColumn", &Pick::All),
    ("endLine", &Pick::All),
    ("endColumn", &Pick::All),
]);

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(text: &str) -> Vec<String> {
        let l = Sarif.load(&Source::new("x.sarif", text), &LoadOptions::default());
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        l.documents
            .iter()
            .filter(|d| d.kind() == Some(SARIF_RESULT))
            .map(|d| {
                let r = d.root();
                let sup = matches!(
                    r.get("suppressed").map(|s| &s.value),
                    Some(Value::Bool(true))
                );
                format!(
                    "{}{}",
                    r.get("level").and_then(Node::as_str).unwrap_or("?"),
                    if sup { " suppressed" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn effective_levels_and_suppressions() {
        let got = levels(
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "CodeQL",
                 "rules": [{"id": "a", "defaultConfiguration": {"level": "note"}}]},
               "extensions": [{"name": "pack", "rules": [{"id": "b", "defaultConfiguration": {"level": "error"}}]}]},
               "results": [
                 {"ruleId": "a", "ruleIndex": 0, "message": {"text": "x"}},
                 {"ruleId": "b", "rule": {"id": "b", "index": 0, "toolComponent": {"index": 0}}, "message": {"text": "x"}},
                 {"ruleId": "c", "message": {"text": "x"}},
                 {"ruleId": "a", "kind": "pass", "message": {"text": "x"}},
                 {"ruleId": "a", "level": "error", "suppressions": [{"kind": "inSource", "status": "rejected"}], "message": {"text": "x"}},
                 {"ruleId": "a", "level": "error", "suppressions": [{"kind": "external"}], "message": {"text": "x"}}]}]}"#,
        );
        assert_eq!(
            got,
            [
                "note",
                "error",
                "warning",
                "none",
                "error",
                "error suppressed"
            ]
        );
        let l = Sarif.load(
            &Source::new("x.sarif", "{\"version\": \"2.0.0\", \"runs\": []}"),
            &LoadOptions::default(),
        );
        assert!(l.errors[0].message.contains("2.1.0"));
    }

    #[test]
    fn runs_come_before_their_results_in_order_with_their_counts() {
        let text = r#"{"version": "2.1.0", "runs": [
            {"results": [{"ruleId": "a", "message": {"text": "m"}}], "tool": {"driver": {"name": "T1", "rules": [{"id": "a", "defaultConfiguration": {"level": "note"}}]}}},
            {"tool": {"driver": {"name": "T2"}}, "results": []},
            {"tool": {"driver": {"name": "T3"}}},
            {"tool": {"driver": {"name": "T4"}}, "results": [{"ruleId": "b", "level": "error"}, {"ruleId": "c"}]}]}"#;
        let l = Sarif.load(&Source::new("x.sarif", text), &LoadOptions::default());
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        let got: Vec<String> = l
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| {
                assert_eq!(d.index() as usize, i);
                let r = d.root();
                let tool = r.get("tool").and_then(Node::as_str).unwrap_or("?");
                match d.kind() {
                    Some(SARIF_RUN) => match r.get("results").map(|n| &n.value) {
                        Some(Value::Int(n)) => format!("run {tool} {n}"),
                        _ => format!("run {tool} ?"),
                    },
                    _ => format!(
                        "{} {} {} {}",
                        tool,
                        r.get("rule_id").and_then(Node::as_str).unwrap_or("?"),
                        r.get("level").and_then(Node::as_str).unwrap_or("?"),
                        r.get("location").and_then(Node::as_str).unwrap_or("?"),
                    ),
                }
            })
            .collect();
        assert_eq!(
            got,
            [
                "run T1 1",
                "T1 a note runs[0].results[0]",
                "run T2 0",
                "run T3 0",
                "run T4 2",
                "T4 b error runs[3].results[0]",
                "T4 c warning runs[3].results[1]",
            ]
        );
        // The results' nodes are numbered in pre-order from 1, as a document's are.
        let ids: Vec<u32> = match &l.documents[1].root().value {
            Value::Map(m) => m.iter().map(|(_, v)| v.id.0).collect(),
            _ => Vec::new(),
        };
        assert_eq!(l.documents[1].root().id.0, 1);
        assert_eq!(ids, (2..2 + ids.len() as u32).collect::<Vec<_>>());
    }
}
