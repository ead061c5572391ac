//! fourc's JSON report.
//!
//! # Schema (version 1)
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": {"name": "fourc", "version": "0.1.0"},
//!   "summary": {"documents": 12, "findings": 3, "errors": 0, "suppressed": 1, "notices": 1,
//!               "skipped": 0,
//!               "by_severity": {"critical": 0, "high": 2, "medium": 1, "low": 0, "info": 0},
//!               "by_layer": {"cloud": 0, "cluster": 3, "container": 0, "code": 0}},
//!   "findings": [{
//!     "rule_id": "pss-baseline-privileged", "title": "...", "severity": "high",
//!     "layer": "cluster", "controls": ["cluster.pod-security"], "message": "...",
//!     "resource": {"format": "kubernetes", "address": null, "api_version": "apps/v1",
//!                  "kind": "Deployment", "namespace": "web", "name": "api"},
//!     "location": {"file": "deploy.yaml", "line": 21, "column": 13, "end_line": 21, "end_column": 29},
//!     "path": "spec.template.spec.containers[0].securityContext.privileged",
//!     "note": null,
//!     "remediation": "..."
//!   }],
//!   "suppressed": [{
//!     "rule_id": "...", "...": "every field of a finding, and:",
//!     "suppression": {"kind": "config", "reason": "...", "owner": "platform", "expires": "2026-06-30",
//!                     "location": {"file": "fourc.yaml", "line": 14, "column": 5}}
//!   }],
//!   "notices": [{"kind": "expired", "message": "...",
//!                "location": {"file": "fourc.yaml", "line": 20, "column": 5}}],
//!   "errors": [{"kind": "load", "file": "bad.yaml", "line": 3, "column": 7, "message": "..."},
//!              {"kind": "eval", "file": "x.yaml", "line": 1, "column": 1, "rule_id": "...",
//!               "rule_location": "rules/x.fourc:9:11", "message": "..."}],
//!   "skipped": [{"file": "plan.json", "reason": "no input format recognises its content ..."}]
//! }
//! ```
//!
//! - `findings` are the findings that stand; `summary.findings` and `summary.by_*` count them.
//! - `suppressed` are findings a waiver covers; `suppression.kind` is `config` (a waiver in
//!   `fourc.yaml`) or `inline` (the `fourc.dev/waive` annotation); `owner`, `expires` and
//!   `location` may be `null`.
//! - `file` (in `location` and in `errors`) is the path as given. A path that is not valid UTF-8
//!   (possible on Unix) shows those bytes as U+FFFD in `file`, and only then does the object carry
//!   `file_bytes` right after it: every byte of the path, percent-encoded as in SARIF artifact
//!   URIs (each byte outside `A-Z a-z 0-9 - . _ ~ /` as `%XX`), so `\xff.yaml` is `%FF.yaml`.
//!   Two files whose names look alike in `file` are always told apart by `file_bytes`.
//! - `note` says how a value was arrived at when the document does not state it (a provider
//!   default); `resource.format` names the input format, `resource.address` its full address
//!   where the format has one.
//! - `skipped` are inputs not read, each with its reason: no input format recognises it, it is a
//!   report fourc wrote, or it is a Terraform module fourc does not follow (a registry or Git
//!   source); `summary.skipped` counts them.
//! - `notices` are warnings about waivers and settings: `kind` is `expired`, `stale`,
//!   `missing-reason`, `unknown-rule`, `inline-not-allowed`, `weakened-scan`, `no-rules` or
//!   `all-waived` (see docs/cli.md, "Waivers").
//!
//! Fields are only added in later versions, never renamed or removed; absent values are `null`.
//! Findings are sorted by file, line, column and rule id.

use std::path::Path;

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Map, Value as Json, json};

use super::{by_layer, by_severity};
use crate::config::Location;
use crate::waiver::{Suppressed, SuppressionKind};
use crate::{Finding, Scan};

/// The version of the JSON output schema.
pub const JSON_SCHEMA_VERSION: u32 = 1;

fn opt(s: Option<&str>) -> Json {
    s.map_or(Json::Null, |s| Json::String(s.to_string()))
}

fn location(l: Option<&Location>) -> Json {
    l.map_or(Json::Null, |l| {
        located(
            l.file(),
            l.source().path(),
            json!({"line": l.line(), "column": l.col()}),
        )
    })
}

/// An object naming a file, then the fields of `rest`: `file` is the name; when the file's path
/// is not UTF-8 (`file` then shows those bytes as U+FFFD), `file_bytes` follows it with every
/// byte of the path exactly.
fn located(file: &str, path: Option<&Path>, rest: Json) -> Json {
    let mut m = Map::new();
    m.insert("file".to_string(), Json::String(file.to_string()));
    if let Some(bytes) = path.and_then(lossy_path_bytes) {
        m.insert("file_bytes".to_string(), Json::String(bytes));
    }
    if let Json::Object(r) = rest {
        m.extend(r);
    }
    Json::Object(m)
}

/// The percent-encoded bytes of a path that is not UTF-8 (`None` for one that is): every byte
/// outside RFC 3986's unreserved set and `/` as `%XX`, as in SARIF artifact URIs.
fn lossy_path_bytes(path: &Path) -> Option<String> {
    if path.to_str().is_some() {
        return None;
    }
    Some(super::percent_encoded(super::sarif::os_bytes(path)))
}

/// A finding as a JSON object (shared by the `findings` and `suppressed` arrays).
pub(crate) fn finding_json(f: &Finding) -> Map<String, Json> {
    let v = json!({
        "rule_id": &*f.rule().id,
        "title": &*f.rule().title,
        "severity": f.rule().severity.as_str(),
        "layer": f.rule().layer.as_str(),
        "controls": f.rule().controls.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        "message": f.message(),
        "resource": {
            "format": &*f.resource().format,
            "address": opt(f.resource().address.as_deref()),
            "api_version": opt(f.resource().api_version.as_deref()),
            "kind": opt(f.resource().kind.as_deref()),
            "namespace": opt(f.resource().namespace.as_deref()),
            "name": opt(f.resource().name.as_deref()),
        },
        "location": located(f.source().name(), f.source().path(), json!({
            "line": f.line(),
            "column": f.col(),
            "end_line": f.location().end_line,
            "end_column": f.location().end_col,
        })),
        "path": f.path(),
        "note": opt(f.note()),
        "remediation": opt(f.rule().remediation.as_deref()),
    });
    match v {
        Json::Object(m) => m,
        _ => Map::new(),
    }
}

fn suppressed_json(s: &Suppressed) -> Json {
    let mut m = finding_json(&s.finding);
    let sup = &s.suppression;
    m.insert(
        "suppression".to_string(),
        json!({
            "kind": match sup.kind {
                SuppressionKind::Config => "config",
                SuppressionKind::Inline => "inline",
            },
            "reason": sup.reason,
            "owner": opt(sup.owner.as_deref()),
            "expires": sup.expires.map_or(Json::Null, |d| Json::String(d.to_string())),
            "location": location(sup.location.as_ref()),
        }),
    );
    Json::Object(m)
}

fn error_jsons(scan: &Scan) -> Vec<Json> {
    let mut errors: Vec<Json> = scan
        .load_errors
        .iter()
        .map(|e| {
            let rest = json!({
                "line": e.line(),
                "column": e.col(),
                "message": e.message(),
            });
            let mut m = Map::new();
            m.insert("kind".to_string(), json!("load"));
            if let Json::Object(r) = located(e.source_name(), e.path(), rest) {
                m.extend(r);
            }
            Json::Object(m)
        })
        .collect();
    errors.extend(scan.report.errors.iter().map(|e| {
        let rest = json!({
            "line": e.line(),
            "column": e.col(),
            "rule_id": &*e.rule().id,
            "rule_location": e.rule_location(),
            "message": e.message(),
        });
        let mut m = Map::new();
        m.insert("kind".to_string(), json!("eval"));
        if let Json::Object(r) = located(e.source().name(), e.source().path(), rest) {
            m.extend(r);
        }
        Json::Object(m)
    }));
    errors
}

/// Serializes a slice lazily, one element at a time, so a report of many findings never holds
/// them all as JSON values at once.
struct Lazy<'a, T>(&'a [T], fn(&T) -> Json);

impl<T> Serialize for Lazy<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(self.1))
    }
}

/// The whole report, serialized in schema order.
struct Report<'a>(&'a Scan);

impl Serialize for Report<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let scan = self.0;
        let errors = error_jsons(scan);
        let findings = &scan.report.findings;
        let sev: Map<String, Json> = by_severity(findings)
            .into_iter()
            .map(|(s, n)| (s.as_str().to_string(), json!(n)))
            .collect();
        let layer: Map<String, Json> = by_layer(findings)
            .into_iter()
            .map(|(l, n)| (l.as_str().to_string(), json!(n)))
            .collect();
        let notices: Vec<Json> = scan
            .notices
            .iter()
            .map(|n| {
                json!({
                    "kind": n.kind.as_str(),
                    "message": n.message,
                    "location": location(n.location.as_ref()),
                })
            })
            .collect();
        let skipped: Vec<Json> = scan
            .skipped
            .iter()
            .map(|k| json!({"file": k.path, "reason": k.reason}))
            .collect();
        let mut m = s.serialize_map(Some(8))?;
        m.serialize_entry("version", &JSON_SCHEMA_VERSION)?;
        m.serialize_entry(
            "tool",
            &json!({"name": "fourc", "version": env!("CARGO_PKG_VERSION")}),
        )?;
        m.serialize_entry(
            "summary",
            &json!({
                "documents": scan.report.documents,
                "findings": findings.len(),
                "errors": errors.len(),
                "suppressed": scan.suppressed.len(),
                "notices": notices.len(),
                "skipped": skipped.len(),
                "by_severity": sev,
                "by_layer": layer,
            }),
        )?;
        m.serialize_entry(
            "findings",
            &Lazy(findings, |f| Json::Object(finding_json(f))),
        )?;
        m.serialize_entry("suppressed", &Lazy(&scan.suppressed, suppressed_json))?;
        m.serialize_entry("notices", &notices)?;
        m.serialize_entry("errors", &errors)?;
        m.serialize_entry("skipped", &skipped)?;
        m.end()
    }
}

/// Writes a scan as JSON (schema version [`JSON_SCHEMA_VERSION`]) to `w`, one finding at a time.
pub fn write_json(scan: &Scan, mut w: impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut w, &Report(scan)).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

/// Renders a scan as JSON (schema version [`JSON_SCHEMA_VERSION`]).
pub fn json(scan: &Scan) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and serde_json writes UTF-8.
    let _ = write_json(scan, &mut out);
    String::from_utf8(out).unwrap_or_default()
}
