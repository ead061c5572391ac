//! fourc's JSON report.
//!
//! # Schema (version 1)
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": {"name": "fourc", "version": "0.1.0"},
//!   "findings": [{
//!     "rule_id": "pss-baseline-privileged", "title": "...", "severity": "high",
//!     "layer": "cluster", "controls": ["cluster.pod-security"], "message": "...",
//!     "resource": {"format": "kubernetes", "address": null, "api_version": "apps/v1",
//!                  "kind": "Deployment", "namespace": "web", "name": "api"},
//!     "location": {"file": "deploy.yaml", "line": 21, "column": 13, "end_line": 21, "end_column": 29},
//!     "path": "spec.template.spec.containers[0].securityContext.privileged",
//!     "note": null,
//!     "remediation": "...",
//!     "related": [{
//!       "location": {"file": "deploy.yaml", "line": 9, "column": 9, "end_line": 9, "end_column": 28},
//!       "path": "spec.template.spec.containers[0].image",
//!       "resource": {"format": "kubernetes", "...": "as the finding's"},
//!       "message": "spec.template.spec.containers[0].image of Deployment web/api"
//!     }, {
//!       "location": {"uri": "src/app.py", "line": 3, "column": null, "end_line": null, "end_column": null},
//!       "path": null, "resource": null, "message": "src/app.py:3"
//!     }]
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
//!   "skipped": [{"file": "plan.json", "reason": "no input format recognises its content ..."}],
//!   "summary": {"documents": 12, "findings": 3, "errors": 0, "suppressed": 1, "notices": 1,
//!               "skipped": 0,
//!               "by_severity": {"critical": 0, "high": 2, "medium": 1, "low": 0, "info": 0},
//!               "by_layer": {"cloud": 0, "cluster": 3, "container": 0, "code": 0}}
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
//! - `related` lists other places that bear on a finding, as its rule names them (the `image:`
//!   lines of the workloads that run a scanned image, the source file a SARIF result points at);
//!   it is left out when there are none. A place in an input has `location.file`, its field
//!   `path` and its `resource`; a place outside the inputs has `location.uri` as the report gave
//!   it, and `path` and `resource` null. `message` says what the place is.
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
//! Findings are sorted by file, line, column and rule id. The report is written while the scan
//! runs ([`JsonSink`]), so `summary`, which counts everything, comes last.

use std::io::{self, Write};
use std::path::Path;

use serde_json::{Map, Value as Json, json};

use super::stream::{Array, Tally, pretty_at};
use crate::config::Location;
use crate::waiver::{Notice, Suppressed, SuppressionKind};
use crate::{Finding, Place, Related, ResourceId, Scan, ScanPart, ScanSink, ScanStart};

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
        "resource": resource_json(f.resource()),
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
    let mut m = match v {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    if !f.related().is_empty() {
        let related = f.related().iter().filter_map(related_json).collect();
        m.insert("related".to_string(), Json::Array(related));
    }
    m
}

fn resource_json(r: &ResourceId) -> Json {
    json!({
        "format": &*r.format,
        "address": opt(r.address.as_deref()),
        "api_version": opt(r.api_version.as_deref()),
        "kind": opt(r.kind.as_deref()),
        "namespace": opt(r.namespace.as_deref()),
        "name": opt(r.name.as_deref()),
    })
}

/// A related place: a place in an input with its file, region, field path and resource; a
/// place outside the inputs with its `uri` and region (`path` and `resource` null).
fn related_json(r: &Related) -> Option<Json> {
    let (location, path, resource) = match &r.place {
        Place::Document {
            source,
            span,
            path,
            resource,
            ..
        } => {
            let l = source.lines_of(*span);
            let location = located(
                source.name(),
                source.path(),
                json!({"line": l.line, "column": l.col, "end_line": l.end_line, "end_column": l.end_col}),
            );
            (
                location,
                Json::String(path.clone()),
                resource_json(resource),
            )
        }
        Place::External {
            uri,
            line,
            column,
            end_line,
            end_column,
        } => (
            json!({"uri": uri, "line": line, "column": column, "end_line": end_line, "end_column": end_column}),
            Json::Null,
            Json::Null,
        ),
        _ => return None,
    };
    Some(json!({
        "location": location,
        "path": path,
        "resource": resource,
        "message": r.label(),
    }))
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

fn load_error_json(e: &crate::LoadError) -> Json {
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
}

fn eval_error_json(e: &crate::EvalError) -> Json {
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
}

/// The JSON report written while a scan runs ([`ScanSink`]): each part's findings as they come,
/// the arrays that follow them (`suppressed`, `notices`, `errors`, `skipped`) and the `summary`
/// that counts them at the end. Waived findings and evaluation errors are held (as JSON text)
/// until the findings are written; standing findings never are.
pub struct JsonSink<W: Write> {
    w: W,
    buf: Vec<u8>,
    findings: Option<Array>,
    tally: Tally,
    documents: usize,
    /// `suppressed` elements, then `errors` elements, rendered.
    suppressed: Vec<Vec<u8>>,
    errors: Vec<Vec<u8>>,
    load_errors: usize,
    skipped: Vec<Json>,
}

impl<W: Write> JsonSink<W> {
    /// A report written to `w`.
    pub fn new(w: W) -> Self {
        JsonSink {
            w,
            buf: Vec::new(),
            findings: None,
            tally: Tally::default(),
            documents: 0,
            suppressed: Vec::new(),
            errors: Vec::new(),
            load_errors: 0,
            skipped: Vec::new(),
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.w
    }
}

/// One element rendered as it will stand in an array one level deep in the report
/// ([`Array::push_rendered`]).
fn rendered(value: &Json) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    pretty_at(&mut out, &mut Vec::new(), 2, value)?;
    Ok(out)
}

/// Writes an array of already rendered elements one level deep in the report.
fn rendered_array(w: &mut dyn Write, items: &[Vec<u8>]) -> io::Result<()> {
    let mut a = Array::open(w, 1)?;
    for item in items {
        a.push_rendered(w, item)?;
    }
    a.close(w)
}

impl<W: Write> ScanSink for JsonSink<W> {
    fn start(&mut self, start: &ScanStart<'_>) -> io::Result<()> {
        self.documents = start.documents;
        self.load_errors = start.load_errors.len();
        for e in start.load_errors {
            self.errors.push(rendered(&load_error_json(e))?);
        }
        self.skipped = start
            .skipped
            .iter()
            .map(|k| json!({"file": k.path, "reason": k.reason}))
            .collect();
        let w: &mut dyn Write = &mut self.w;
        write!(w, "{{\n  \"version\": {JSON_SCHEMA_VERSION},\n  \"tool\": ")?;
        pretty_at(
            w,
            &mut self.buf,
            1,
            &json!({"name": "fourc", "version": env!("CARGO_PKG_VERSION")}),
        )?;
        w.write_all(b",\n  \"findings\": ")?;
        self.findings = Some(Array::open(w, 1)?);
        Ok(())
    }

    fn part(&mut self, part: &ScanPart<'_>) -> io::Result<()> {
        self.tally.add(part.findings);
        if let Some(a) = &mut self.findings {
            for f in part.findings {
                a.push(&mut self.w, &mut self.buf, &Json::Object(finding_json(f)))?;
            }
        }
        for s in part.suppressed {
            self.suppressed.push(rendered(&suppressed_json(s))?);
        }
        self.tally.suppressed += part.suppressed.len();
        self.tally.eval_errors += part.errors.len();
        for e in part.errors {
            self.errors.push(rendered(&eval_error_json(e))?);
        }
        Ok(())
    }

    fn finish(&mut self, notices: &[Notice]) -> io::Result<()> {
        let w: &mut dyn Write = &mut self.w;
        if let Some(a) = self.findings.take() {
            a.close(w)?;
        }
        w.write_all(b",\n  \"suppressed\": ")?;
        rendered_array(w, &self.suppressed)?;
        let notices: Vec<Json> = notices
            .iter()
            .map(|n| {
                json!({
                    "kind": n.kind.as_str(),
                    "message": n.message,
                    "location": location(n.location.as_ref()),
                })
            })
            .collect();
        w.write_all(b",\n  \"notices\": ")?;
        pretty_at(w, &mut self.buf, 1, &notices)?;
        w.write_all(b",\n  \"errors\": ")?;
        rendered_array(w, &self.errors)?;
        w.write_all(b",\n  \"skipped\": ")?;
        pretty_at(w, &mut self.buf, 1, &self.skipped)?;
        let t = &self.tally;
        let sev: Map<String, Json> = t
            .severities()
            .map(|(s, n)| (s.as_str().to_string(), json!(n)))
            .collect();
        let layer: Map<String, Json> = t
            .layers()
            .map(|(l, n)| (l.as_str().to_string(), json!(n)))
            .collect();
        w.write_all(b",\n  \"summary\": ")?;
        pretty_at(
            w,
            &mut self.buf,
            1,
            &json!({
                "documents": self.documents,
                "findings": t.findings,
                "errors": self.load_errors + t.eval_errors,
                "suppressed": t.suppressed,
                "notices": notices.len(),
                "skipped": self.skipped.len(),
                "by_severity": sev,
                "by_layer": layer,
            }),
        )?;
        w.write_all(b"\n}\n")?;
        w.flush()
    }
}

/// Writes a scan as JSON (schema version [`JSON_SCHEMA_VERSION`]) to `w`, one finding at a time.
pub fn write_json(scan: &Scan, w: impl Write) -> io::Result<()> {
    scan.replay(&mut JsonSink::new(w))
}

/// Renders a scan as JSON (schema version [`JSON_SCHEMA_VERSION`]).
pub fn json(scan: &Scan) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and serde_json writes UTF-8.
    let _ = write_json(scan, &mut out);
    String::from_utf8(out).unwrap_or_default()
}
