//! Reports of security tools as policy inputs: vulnerability and dependency scanners
//! ([`VulnerabilityReports`]), static analysers (SARIF, [`Sarif`]) and OWASP ZAP ([`Zap`]).
//!
//! A report is read with the JSON loader (JSON is YAML), so every node keeps its byte span, and
//! then reshaped into small documents of one type per kind of evidence (`scan_vulnerability`,
//! `sarif_result`, `zap_alert`, ...). Each of those documents sits at its entry's own bytes in the
//! report (the vulnerability, the result, the alert), so a finding on it lands on that line, and
//! carries a `location` field with the entry's JSON path in the report.

mod cvss;
mod sarif;
mod vulns;
mod zap;

use std::sync::Arc;

pub use cvss::{cvss_score, rated_version, severity_of_score};
pub use sarif::{SARIF, SARIF_RESULT, SARIF_RUN, Sarif};
pub use vulns::{
    SCAN_ADVISORY, SCAN_REPORT, SCAN_VULNERABILITY, VULNERABILITY_REPORT, VulnerabilityReports,
};
pub use zap::{ZAP, ZAP_ALERT, Zap};

use crate::document::{LoadError, LoadOptions, Loaded, Source};
use crate::value::{Node, Span, Value};
use crate::yaml;

/// A report's JSON root, read with the YAML/JSON loader. A top-level array (Trivy's legacy
/// output) is read wrapped in an object under `wrap_key`, with every span shifted back onto the
/// report's own bytes by [`Json::span`].
pub(crate) struct Json {
    pub root: Node,
    shift: u32,
}

impl Json {
    /// The span of a node in the report's own bytes.
    pub fn span(&self, n: &Node) -> Span {
        if !n.span.is_known() || self.shift == 0 {
            return n.span;
        }
        Span::new(
            n.span.start().saturating_sub(self.shift),
            n.span.end().saturating_sub(self.shift),
        )
    }
}

/// Reads a report; errors (a truncated file) name the file and line.
pub(crate) fn read_json(
    source: &Arc<Source>,
    opts: &LoadOptions,
    wrap_key: &str,
) -> Result<Json, Vec<LoadError>> {
    let text = source.text();
    let array = text.trim_start().starts_with('[');
    let (src, shift) = if array {
        let prefix = format!("{{\"{wrap_key}\": ");
        let wrapped = format!("{prefix}{text}\n}}");
        (
            Source::named_at(source.name_arc().clone(), source.path(), wrapped),
            u32::try_from(prefix.len()).unwrap_or(0),
        )
    } else {
        (source.clone(), 0)
    };
    let mut loaded = yaml::load_str(&src, opts);
    if !loaded.errors.is_empty() {
        if shift > 0 {
            // Lines are the report's own: the prefix holds no line break.
            for e in &mut loaded.errors {
                if e.line == 1 {
                    e.col = e.col.saturating_sub(shift);
                }
            }
        }
        return Err(loaded.errors);
    }
    if loaded.documents.len() != 1 {
        return Err(vec![error(
            source,
            Span::NONE,
            "expected one JSON object".to_string(),
        )]);
    }
    let Some(doc) = loaded.documents.pop() else {
        return Err(Vec::new());
    };
    Ok(Json {
        root: doc.root().clone(),
        shift,
    })
}

/// An error at a span of a source.
pub(crate) fn error(source: &Arc<Source>, span: Span, message: String) -> LoadError {
    let (line, col) = if span.is_known() {
        source.line_col(span.start())
    } else {
        (1, 1)
    };
    LoadError {
        source_name: source.name_arc().clone(),
        path: source.path_arc().cloned(),
        line,
        col,
        message,
    }
}

/// What loading failed with, as a [`Loaded`].
pub(crate) fn failed(errors: Vec<LoadError>) -> Loaded {
    Loaded {
        documents: Vec::new(),
        errors,
        skipped: Vec::new(),
    }
}

/// The items of a list node (none for anything else).
pub(crate) fn items(n: Option<&Node>) -> &[Node] {
    match n.map(|n| &n.value) {
        Some(Value::List(l)) => l.as_slice(),
        _ => &[],
    }
}

/// A string field, non-empty.
pub(crate) fn text<'a>(n: &'a Node, key: &str) -> Option<&'a str> {
    n.get(key).and_then(Node::as_str).filter(|s| !s.is_empty())
}

/// A number, written as a number or as a string (`"3"`).
pub(crate) fn number(n: Option<&Node>) -> Option<f64> {
    match n.map(|n| &n.value) {
        Some(Value::Int(i)) => Some(*i as f64),
        Some(Value::Float(f)) => Some(*f),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

/// Whether the first bytes of an input hold every one of `keys` as a JSON key.
pub(crate) fn has_keys(head: &[u8], keys: &[&str]) -> bool {
    let t = String::from_utf8_lossy(head);
    keys.iter().all(|k| t.contains(&format!("\"{k}\"")))
}

/// Whether an input is named like JSON (or SARIF), or has no name.
pub(crate) fn json_name(path: Option<&std::path::Path>, exts: &[&str]) -> bool {
    match path.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
        Some(e) => exts.iter().any(|x| e.eq_ignore_ascii_case(x)),
        None => true,
    }
}
