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

use super::{error, failed, has_keys, items, json_name, number, read_json, text};
use crate::document::{Document, LoadOptions, Loaded, ResourceId, Source};
use crate::input::tree::{boolean, int, map, string};
use crate::input::{Confidence, InputFormat};
use crate::value::{Node, Value};
use crate::yaml::Pick;

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
        let json = match read_json(source, opts, "runs", &SARIF_PICK) {
            Ok(j) => j,
            Err(e) => return failed(e),
        };
        let root = &json.root;
        if text(root, "version") != Some("2.1.0") {
            let at = root.get("version").unwrap_or(root);
            return failed(vec![error(
                source,
                json.span(at),
                "unsupported SARIF log: version must be 2.1.0".to_string(),
            )]);
        }
        let mut out = Loaded::default();
        for (ri, run) in items(root.get("runs")).iter().enumerate() {
            let driver = run.get("tool").and_then(|t| t.get("driver"));
            let tool = driver.and_then(|d| text(d, "name")).unwrap_or("");
            let rules = items(driver.and_then(|d| d.get("rules")));
            let by_id = rules_by_id(rules);
            let extensions: Vec<(&[Node], HashMap<&str, &Node>)> =
                items(run.get("tool").and_then(|t| t.get("extensions")))
                    .iter()
                    .map(|e| {
                        let rs = items(e.get("rules"));
                        (rs, rules_by_id(rs))
                    })
                    .collect();
            let results = items(run.get("results"));
            let run_span = json.span(run);
            let run_doc = map(
                run_span,
                vec![
                    ("tool", Some(string(tool, run_span))),
                    (
                        "results",
                        Some(int(
                            i64::try_from(results.len()).unwrap_or(i64::MAX),
                            run_span,
                        )),
                    ),
                ],
            );
            let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
            out.documents.push(Document::with_identity(
                source.clone(),
                index,
                run_doc,
                ResourceId::new(SARIF, SARIF_RUN)
                    .with_name(tool)
                    .with_address(&format!("{tool} run {ri} of {}", source.name())),
            ));
            for (i, r) in results.iter().enumerate() {
                let span = json.span(r);
                let by_index = number(r.get("ruleIndex"))
                    .and_then(|x| usize::try_from(x as i64).ok())
                    .and_then(|x| rules.get(x));
                let rule_id = text(r, "ruleId")
                    .or_else(|| r.get("rule").and_then(|x| text(x, "id")))
                    .or_else(|| by_index.and_then(|x| text(x, "id")))
                    .unwrap_or("");
                // A rule of an extension (`rule.toolComponent.index`), else of the driver.
                let component = r
                    .get("rule")
                    .and_then(|x| x.get("toolComponent"))
                    .and_then(|t| number(t.get("index")))
                    .and_then(|i| usize::try_from(i as i64).ok())
                    .and_then(|i| extensions.get(i));
                let component_rule = component.and_then(|(rs, ids)| {
                    r.get("rule")
                        .and_then(|x| number(x.get("index")))
                        .and_then(|i| usize::try_from(i as i64).ok())
                        .and_then(|i| rs.get(i))
                        .or_else(|| ids.get(rule_id).copied())
                });
                let rule = component_rule
                    .or(by_index)
                    .or_else(|| by_id.get(rule_id).copied());
                // A result of a kind other than `fail` (pass, notApplicable, review...) has level
                // `none` unless it says otherwise.
                let not_failure = text(r, "kind").is_some_and(|k| k != "fail");
                let (level, level_at) = match r.get("level").filter(|l| l.as_str().is_some()) {
                    Some(l) => (l.as_str().unwrap_or("warning"), json.span(l)),
                    None if not_failure => ("none", span),
                    None => match rule
                        .and_then(|x| x.get("defaultConfiguration"))
                        .and_then(|c| c.get("level"))
                    {
                        Some(l) => (l.as_str().unwrap_or("warning"), json.span(l)),
                        None => ("warning", span),
                    },
                };
                let sev = |n: Option<&Node>| {
                    n.and_then(|p| p.get("properties"))
                        .and_then(|p| p.get("security-severity"))
                        .cloned()
                };
                let sec = sev(Some(r)).or_else(|| sev(rule));
                let sec_value = sec.as_ref().and_then(|s| {
                    number(Some(s)).or_else(|| {
                        match s.as_str().map(str::to_ascii_uppercase).as_deref() {
                            Some("CRITICAL") => Some(9.0),
                            Some("HIGH") => Some(7.0),
                            Some("MEDIUM") => Some(4.0),
                            Some("LOW") => Some(0.1),
                            _ => None,
                        }
                    })
                });
                let suppressed = items(r.get("suppressions"))
                    .iter()
                    .any(|s| matches!(text(s, "status"), None | Some("accepted")));
                let phys = items(r.get("locations"))
                    .first()
                    .and_then(|l| l.get("physicalLocation"));
                let file = phys
                    .and_then(|p| p.get("artifactLocation"))
                    .and_then(|a| text(a, "uri"));
                let region = phys.and_then(|p| p.get("region"));
                let at = |k: &str| region.and_then(|g| number(g.get(k)));
                let line = at("startLine");
                let (column, end_line, end_column) =
                    (at("startColumn"), at("endLine"), at("endColumn"));
                let message = r.get("message").and_then(|m| text(m, "text")).unwrap_or("");
                let location = format!("runs[{ri}].results[{i}]");
                let doc = map(
                    span,
                    vec![
                        ("tool", Some(string(tool, span))),
                        ("rule_id", Some(string(rule_id, span))),
                        ("level", Some(string(level, level_at))),
                        (
                            "security_severity",
                            sec_value.map(|v| {
                                Node::new(
                                    Value::Float(v),
                                    sec.as_ref().map_or(span, |s| json.span(s)),
                                )
                            }),
                        ),
                        ("suppressed", Some(boolean(suppressed, span))),
                        ("message", Some(string(message, span))),
                        ("file", file.map(|f| string(f, span))),
                        ("line", line.map(|l| int(l as i64, span))),
                        ("column", column.map(|c| int(c as i64, span))),
                        ("end_line", end_line.map(|l| int(l as i64, span))),
                        ("end_column", end_column.map(|c| int(c as i64, span))),
                        ("location", Some(string(&location, span))),
                    ],
                );
                let where_ = match (file, line) {
                    (Some(f), Some(l)) => format!("{f}:{l}"),
                    (Some(f), None) => f.to_string(),
                    _ => location.clone(),
                };
                let id = ResourceId::new(SARIF, SARIF_RESULT)
                    .with_name(rule_id)
                    .with_scope(tool)
                    .with_address(&format!("{tool} {rule_id} at {where_}"));
                let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
                out.documents
                    .push(Document::with_identity(source.clone(), index, doc, id));
            }
        }
        out
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
static RUN: Pick = Pick::Keys(&[("tool", &TOOL), ("results", &RESULT)]);
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
}
