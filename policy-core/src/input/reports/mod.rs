//! Reports of security tools as policy inputs: vulnerability and dependency scanners
//! ([`VulnerabilityReports`]), static analysers (SARIF, [`Sarif`]) and OWASP ZAP ([`Zap`]).
//!
//! A report is read with the picking JSON reader (`yaml::read_picked_each`), which builds only the
//! fields the format's documents hold, each node with its byte span, and checks the rest as JSON
//! without building it (a Trivy vulnerability's `Description` and `References`, SARIF rule help
//! and code flows: rules cannot read these); it is then reshaped into small documents of one type per kind of evidence (`scan_vulnerability`,
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
use crate::yaml::{self, Pick};

/// A report's JSON root, read with the picking JSON reader (only the fields the format reads
/// are built; every node keeps its byte span). A top-level array (Trivy's legacy output) is the
/// value of `wrap_key` in a root object at the array's bytes.
pub(crate) struct Json {
    pub root: Node,
    /// The report was a top-level array.
    pub wrapped: bool,
}

impl Json {
    /// The span of a node in the report's bytes.
    pub fn span(&self, n: &Node) -> Span {
        n.span
    }
}

/// Reads a report, building what `pick` asks for (for a top-level array, what it asks for at
/// `wrap_key`); errors (a truncated file) name the file and line.
pub(crate) fn read_json(
    source: &Arc<Source>,
    opts: &LoadOptions,
    wrap_key: &str,
    pick: &'static Pick,
) -> Result<Json, Vec<LoadError>> {
    read_json_each(source, opts, wrap_key, pick, &mut |_| {})
}

/// [`read_json`], handing each item of a [`Pick::Each`] list to `sink` as it is read.
pub(crate) fn read_json_each(
    source: &Arc<Source>,
    opts: &LoadOptions,
    wrap_key: &str,
    pick: &'static Pick,
    sink: &mut dyn FnMut(yaml::PickedItem),
) -> Result<Json, Vec<LoadError>> {
    let array = source.text().trim_start().starts_with('[');
    let pick = if array {
        pick.at(wrap_key).unwrap_or(&Pick::All)
    } else {
        pick
    };
    let root = yaml::read_picked_each(source, opts, pick, sink).map_err(|e| vec![e])?;
    match root.value {
        Value::Map(_) => Ok(Json {
            root,
            wrapped: false,
        }),
        Value::List(_) if array => {
            let span = root.span;
            Ok(Json {
                root: crate::input::tree::map(span, vec![(wrap_key, Some(root))]),
                wrapped: true,
            })
        }
        _ => Err(vec![error(
            source,
            root.span,
            "expected one JSON object".to_string(),
        )]),
    }
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
