//! Renderers for scan results: text for people, JSON for tools.
//!
//! # The JSON schema (version 1)
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": {"name": "fourc", "version": "0.1.0"},
//!   "summary": {"documents": 12, "findings": 3, "errors": 0,
//!               "by_severity": {"critical": 0, "high": 2, "medium": 1, "low": 0, "info": 0}},
//!   "findings": [{
//!     "rule_id": "pss-baseline-privileged", "title": "...", "severity": "high",
//!     "layer": "cluster", "controls": ["cluster.pod-security"], "message": "...",
//!     "resource": {"api_version": "apps/v1", "kind": "Deployment", "namespace": "web", "name": "api"},
//!     "location": {"file": "deploy.yaml", "line": 21, "column": 13, "end_line": 21, "end_column": 29},
//!     "path": "spec.template.spec.containers[0].securityContext.privileged",
//!     "remediation": "..."
//!   }],
//!   "errors": [{"kind": "load", "file": "bad.yaml", "line": 3, "column": 7, "message": "..."},
//!              {"kind": "eval", "file": "x.yaml", "line": 1, "column": 1, "rule_id": "...",
//!               "rule_location": "rules/x.fourc:9:11", "message": "..."}]
//! }
//! ```
//!
//! Fields are only added in later versions, never renamed or removed; absent values are `null`.
//! Findings are sorted by file, line, column and rule id.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use crate::{Finding, Scan, Severity};

/// The version of the JSON output schema.
pub const JSON_SCHEMA_VERSION: u32 = 1;

fn opt(s: Option<&str>) -> Json {
    s.map_or(Json::Null, |s| Json::String(s.to_string()))
}

fn finding_json(f: &Finding) -> Json {
    json!({
        "rule_id": &*f.rule.id,
        "title": &*f.rule.title,
        "severity": f.rule.severity.as_str(),
        "layer": f.rule.layer.as_str(),
        "controls": f.rule.controls.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        "message": f.message,
        "resource": {
            "api_version": opt(f.resource.api_version.as_deref()),
            "kind": opt(f.resource.kind.as_deref()),
            "namespace": opt(f.resource.namespace.as_deref()),
            "name": opt(f.resource.name.as_deref()),
        },
        "location": {
            "file": f.source.name(),
            "line": f.span.line,
            "column": f.span.col,
            "end_line": f.span.end_line,
            "end_column": f.span.end_col,
        },
        "path": f.path,
        "remediation": opt(f.rule.remediation.as_deref()),
    })
}

fn by_severity(scan: &Scan) -> Vec<(Severity, usize)> {
    Severity::ALL
        .iter()
        .map(|s| {
            (
                *s,
                scan.report
                    .findings
                    .iter()
                    .filter(|f| f.rule.severity == *s)
                    .count(),
            )
        })
        .collect()
}

/// Renders a scan as JSON (schema version [`JSON_SCHEMA_VERSION`]).
pub fn json(scan: &Scan) -> String {
    let mut errors: Vec<Json> = scan
        .load_errors
        .iter()
        .map(|e| {
            json!({
                "kind": "load",
                "file": &*e.source_name,
                "line": e.line,
                "column": e.col,
                "message": e.message,
            })
        })
        .collect();
    errors.extend(scan.report.errors.iter().map(|e| {
        json!({
            "kind": "eval",
            "file": e.source.name(),
            "line": e.span.line,
            "column": e.span.col,
            "rule_id": &*e.rule.id,
            "rule_location": e.rule_location,
            "message": e.message,
        })
    }));
    let sev: serde_json::Map<String, Json> = by_severity(scan)
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    let doc = json!({
        "version": JSON_SCHEMA_VERSION,
        "tool": {"name": "fourc", "version": env!("CARGO_PKG_VERSION")},
        "summary": {
            "documents": scan.report.documents,
            "findings": scan.report.findings.len(),
            "errors": errors.len(),
            "by_severity": sev,
        },
        "findings": scan.report.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "errors": errors,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Renders a scan as text: findings grouped by file, each as `file:line:col`, severity, rule id
/// and message, with the offending source line and a caret; then errors and a summary line.
pub fn text(scan: &Scan) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for f in &scan.report.findings {
        let file = f.source.name();
        if current != Some(file) {
            if current.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{file}");
            current = Some(file);
        }
        let _ = writeln!(
            out,
            "  {file}:{}:{}: {} [{}] {}",
            f.span.line, f.span.col, f.rule.severity, f.rule.id, f.message
        );
        let _ = writeln!(
            out,
            "      resource: {}  field: {}",
            f.resource,
            if f.path.is_empty() {
                "<document>"
            } else {
                &f.path
            }
        );
        if let Some(line) = f.source.line_text(f.span.line) {
            let caret_col = usize::try_from(f.span.col).unwrap_or(1).saturating_sub(1);
            let width = if f.span.end_line == f.span.line {
                usize::try_from(f.span.end_col.saturating_sub(f.span.col))
                    .unwrap_or(1)
                    .clamp(1, 80)
            } else {
                line.chars().count().saturating_sub(caret_col).clamp(1, 80)
            };
            let _ = writeln!(out, "      | {line}");
            let pad: String = line
                .chars()
                .take(caret_col)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "      | {pad}{}", "^".repeat(width));
        }
    }
    if !scan.load_errors.is_empty() || !scan.report.errors.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("errors\n");
        for e in &scan.load_errors {
            if e.line > 0 {
                let _ = writeln!(
                    out,
                    "  {}:{}:{}: error: {}",
                    e.source_name, e.line, e.col, e.message
                );
            } else {
                let _ = writeln!(out, "  {}: error: {}", e.source_name, e.message);
            }
        }
        for e in &scan.report.errors {
            let _ = writeln!(
                out,
                "  {}:{}:{}: error [{}] {} (rule at {}, resource {})",
                e.source.name(),
                e.span.line,
                e.span.col,
                e.rule.id,
                e.message,
                e.rule_location,
                e.resource
            );
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    let counts: Vec<String> = by_severity(scan)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let n = scan.report.findings.len();
    let _ = write!(
        out,
        "{n} finding{} in {} document{}",
        if n == 1 { "" } else { "s" },
        scan.report.documents,
        if scan.report.documents == 1 { "" } else { "s" }
    );
    if !counts.is_empty() {
        let _ = write!(out, " ({})", counts.join(", "));
    }
    let errs = scan.load_errors.len() + scan.report.errors.len();
    if errs > 0 {
        let _ = write!(out, "; {errs} error{}", if errs == 1 { "" } else { "s" });
    }
    out.push('\n');
    out
}
