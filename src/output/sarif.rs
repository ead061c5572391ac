//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), hand-written: only the
//! objects fourc fills, as plain serde structs.
//!
//! - `tool.driver.rules`: every rule of the engine, with `shortDescription` (the title),
//!   `fullDescription`, `help` (the remediation), `helpUri` (the first reference),
//!   `defaultConfiguration.level` from the severity (critical and high: `error`, medium:
//!   `warning`, low and info: `note`) and `properties` with the controls, the layer, `tags`,
//!   `precision` and GitHub's `security-severity`.
//! - `results`: standing and waived findings in file order; each has `ruleId`, `ruleIndex`,
//!   `level`, the message, a physical location (a relative `uri` with `uriBaseId` `%SRCROOT%`,
//!   or a `file://` URI for an absolute path, made from the path's exact bytes with every byte
//!   outside RFC 3986's unreserved set and `/` percent-encoded; and a region in Unicode code
//!   points), a logical location naming the resource
//!   (`Kind/namespace/name`), and `partialFingerprints["fourc/v1"]`: a hash of the rule id, the
//!   file, the resource's kind, namespace and name and the field path, so it stays the same when
//!   unrelated lines move. A waived finding carries `suppressions` (`external` for a waiver in
//!   `fourc.yaml`, `inSource` for an annotation) with the reason as `justification`.
//! - `invocations[0]`: `executionSuccessful` is false when an input could not be read or a rule
//!   could not be evaluated; those errors and the warnings (waivers, settings) are notifications.
//!
//! The log is written while the scan runs ([`SarifSink`]): `invocations` follows `results`, as
//! its notifications are complete only at the end.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::stream::{Array, pretty_at};
use crate::config::Location as ConfigLocation;
use crate::waiver::{Notice, Suppressed, SuppressionKind};
use crate::{
    Finding, LineCols, Place, Related, RuleMeta, Scan, ScanPart, ScanSink, ScanStart, Severity,
    Source,
};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The key of fourc's fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "fourc/v1";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Multiformat {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Multiformat,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    controls: Vec<&'a str>,
    layer: &'static str,
    severity: &'static str,
    tags: Vec<String>,
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    severity: &'static str,
    path: &'a str,
    resource: Resource<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Resource<'a> {
    api_version: Option<&'a str>,
    kind: Option<&'a str>,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

/// A related place of a result: `id` numbers them from 0 within the result.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    physical_location: PhysicalLocation,
    message: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

/// The SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// `pss-baseline-privileged` as `PssBaselinePrivileged`.
fn pascal(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rule(m: &RuleMeta) -> Rule<'_> {
    let title = m.title.to_string();
    let full = m
        .description
        .as_deref()
        .map_or_else(|| title.clone(), str::to_string);
    let remediation = m.remediation.as_deref().unwrap_or("");
    let controls: Vec<&str> = m.controls.iter().map(|c| &**c).collect();
    let help_text = if remediation.is_empty() {
        format!("{title}\n\nControls: {}", controls.join(", "))
    } else {
        format!("{remediation}\n\nControls: {}", controls.join(", "))
    };
    let help_md = format!(
        "**{title}**\n\n{}\n\nControls: {}",
        if remediation.is_empty() {
            ""
        } else {
            remediation
        },
        controls
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut tags = vec!["security".to_string(), m.layer.as_str().to_string()];
    tags.extend(m.tags.iter().map(|t| t.to_string()));
    tags.dedup();
    Rule {
        id: &m.id,
        name: pascal(&m.id),
        short_description: Message { text: title },
        full_description: Message { text: full },
        help: Multiformat {
            text: help_text,
            markdown: help_md,
        },
        help_uri: m.references.first().map(|r| &**r),
        default_configuration: Configuration {
            level: level(m.severity),
        },
        properties: RuleProperties {
            controls,
            layer: m.layer.as_str(),
            severity: m.severity.as_str(),
            tags,
            precision: "very-high",
            security_severity: security_severity(m.severity),
        },
    }
}

/// The bytes a URI is made of for a path: exactly the operating system's bytes on Unix, the
/// path's WTF-8 bytes elsewhere (UTF-8 for every path that is valid Unicode).
pub(crate) fn os_bytes(path: &Path) -> &[u8] {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes()
    }
    #[cfg(not(unix))]
    {
        path.as_os_str().as_encoded_bytes()
    }
}

/// A file as a URI reference (SARIF 2.1.0 §3.10, RFC 3986), from its exact path when it was
/// read from one, else from its name.
pub(crate) fn uri(name: &str, path: Option<&Path>) -> (String, Option<&'static str>) {
    let bytes = path.map_or(name.as_bytes(), os_bytes);
    uri_of(bytes, cfg!(windows))
}

/// A path's bytes as a URI reference: every byte outside RFC 3986's unreserved set
/// (`A-Z a-z 0-9 - . _ ~`) and `/` is percent-encoded, so `\` is `%5C`, a space `%20`, `%` `%25`
/// and a byte that is not UTF-8 its own `%XX`. Where `\` separates path segments (Windows) it
/// becomes `/`. Relative paths stay relative (without a leading `./`, against `%SRCROOT%`);
/// absolute ones become `file://` URIs (`file:///C:/x` for a drive letter).
fn uri_of(bytes: &[u8], backslash_separates: bool) -> (String, Option<&'static str>) {
    let sep = |b: u8| b == b'/' || (backslash_separates && b == b'\\');
    let drive = backslash_separates
        && matches!(bytes, [d, b':', s, ..] if d.is_ascii_alphabetic() && sep(*s));
    let absolute = bytes.first().is_some_and(|&b| sep(b)) || drive;
    let mut out = String::with_capacity(bytes.len() + 8);
    if drive {
        out.push('/');
    }
    for (i, &b) in bytes.iter().enumerate() {
        if sep(b) {
            out.push('/');
        } else if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (drive && i == 1) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    if absolute {
        (format!("file://{out}"), None)
    } else {
        let mut rel = out.as_str();
        while let Some(r) = rel.strip_prefix("./") {
            rel = r;
        }
        (rel.to_string(), Some(SRCROOT))
    }
}

fn physical(file: (&str, Option<&Path>), span: LineCols) -> PhysicalLocation {
    let (uri, uri_base_id) = uri(file.0, file.1);
    let region = (span.line > 0).then(|| Region {
        start_line: span.line,
        start_column: span.col.max(1),
        end_line: span.end_line.max(span.line),
        end_column: span.end_col.max(1),
    });
    PhysicalLocation {
        artifact_location: ArtifactLocation { uri, uri_base_id },
        region,
    }
}

/// The name and exact path of a source, for [`physical`].
fn file_of(s: &Source) -> (&str, Option<&Path>) {
    (s.name(), s.path())
}

/// A one-character region at a line and column (0 for none).
fn point(line: u32, col: u32) -> LineCols {
    LineCols {
        line,
        col,
        end_line: line,
        end_col: col.saturating_add(1),
    }
}

/// A related place as SARIF: a place in an input as the main location is written (the same
/// `uri` and `SRCROOT` conventions); a place outside the inputs with its `uri` as the report
/// gave it.
fn related_location(id: usize, r: &Related) -> Option<RelatedLocation> {
    let physical_location = match &r.place {
        Place::Document { source, span, .. } => physical(file_of(source), source.lines_of(*span)),
        Place::External {
            uri,
            line,
            column,
            end_line,
            end_column,
        } => PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri.clone(),
                uri_base_id: None,
            },
            region: Some(Region {
                start_line: *line,
                start_column: column.unwrap_or(1),
                end_line: end_line.unwrap_or(*line),
                end_column: end_column
                    .or(column.map(|c| c.saturating_add(1)))
                    .unwrap_or(1),
            }),
        },
        _ => return None,
    };
    Some(RelatedLocation {
        id,
        physical_location,
        message: Message { text: r.label() },
    })
}

fn config_location(l: &ConfigLocation) -> Location {
    let span = point(l.line(), l.col());
    Location {
        physical_location: physical(file_of(l.source()), span),
        logical_locations: Vec::new(),
    }
}

/// A fingerprint that ignores line numbers: FNV-1a (64 bits) of the rule id, the file (its
/// path's bytes, [`Source::key`]), the resource's kind, namespace and name (or document position
/// when it has no name) and the path.
pub fn fingerprint(f: &Finding) -> String {
    let r = &f.resource();
    let doc = f.doc_index().to_string();
    let name = r.name.as_deref().unwrap_or(&doc);
    let parts: [&[u8]; 6] = [
        f.rule().id.as_bytes(),
        f.source().key(),
        r.kind.as_deref().unwrap_or("").as_bytes(),
        r.namespace.as_deref().unwrap_or("").as_bytes(),
        name.as_bytes(),
        f.path().as_bytes(),
    ];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in p.iter().chain(std::iter::once(&0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn result<'a>(
    rule_index: Option<usize>,
    f: &'a Finding,
    sup: Option<&Suppressed>,
) -> SarifResult<'a> {
    let r = &f.resource();
    let logical = LogicalLocation {
        name: r.name.as_deref().unwrap_or("<no name>").to_string(),
        fully_qualified_name: r.to_string(),
        kind: "resource",
    };
    let suppressions = sup
        .map(|s| {
            let s = &s.suppression;
            let mut properties = BTreeMap::new();
            if let Some(o) = &s.owner {
                properties.insert("owner", o.clone());
            }
            if let Some(d) = s.expires {
                properties.insert("expires", d.to_string());
            }
            Suppression {
                kind: match s.kind {
                    SuppressionKind::Config => "external",
                    SuppressionKind::Inline => "inSource",
                },
                status: "accepted",
                justification: s.reason.clone(),
                location: s.location.as_ref().map(config_location),
                properties,
            }
        })
        .into_iter()
        .collect();
    SarifResult {
        rule_id: &f.rule().id,
        rule_index,
        level: level(f.rule().severity),
        message: Message {
            text: f.message().to_string(),
        },
        locations: vec![Location {
            physical_location: physical(file_of(f.source()), f.location()),
            logical_locations: vec![logical],
        }],
        related_locations: f
            .related()
            .iter()
            .enumerate()
            .filter_map(|(i, r)| related_location(i, r))
            .collect(),
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint(f))]),
        suppressions,
        properties: ResultProperties {
            severity: f.rule().severity.as_str(),
            path: f.path(),
            resource: Resource {
                api_version: r.api_version.as_deref(),
                kind: r.kind.as_deref(),
                namespace: r.namespace.as_deref(),
                name: r.name.as_deref(),
            },
        },
    }
}

fn load_notification(e: &crate::LoadError) -> Notification {
    Notification {
        level: "error",
        message: Message {
            text: e.message().to_string(),
        },
        locations: vec![Location {
            physical_location: physical((e.source_name(), e.path()), point(e.line(), e.col())),
            logical_locations: Vec::new(),
        }],
    }
}

fn eval_notification(e: &crate::EvalError) -> Notification {
    Notification {
        level: "error",
        message: Message {
            text: format!(
                "rule `{}` could not be evaluated: {} (rule at {})",
                e.rule().id,
                e.message(),
                e.rule_location()
            ),
        },
        locations: vec![Location {
            physical_location: physical(file_of(e.source()), e.source().lines_of(e.span())),
            logical_locations: Vec::new(),
        }],
    }
}

fn notice_notification(n: &Notice) -> Notification {
    Notification {
        level: "warning",
        message: Message {
            text: n.message.clone(),
        },
        locations: n.location.iter().map(config_location).collect(),
    }
}

/// The SARIF log written while a scan runs ([`ScanSink`]): the tool and its rules first, then
/// each part's results (standing and waived findings, in file order) as they come, then
/// `invocations`, whose notifications (load and evaluation errors, warnings) and success flag
/// are known at the end. Only the evaluation errors are held until then.
pub struct SarifSink<W: Write> {
    w: W,
    buf: Vec<u8>,
    results: Option<Array>,
    rule_index: HashMap<String, usize>,
    notifications: Vec<Notification>,
    errors: bool,
}

impl<W: Write> SarifSink<W> {
    /// A log written to `w`.
    pub fn new(w: W) -> Self {
        SarifSink {
            w,
            buf: Vec::new(),
            results: None,
            rule_index: HashMap::new(),
            notifications: Vec::new(),
            errors: false,
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.w
    }
}

impl<W: Write> ScanSink for SarifSink<W> {
    fn start(&mut self, start: &ScanStart<'_>) -> io::Result<()> {
        self.rule_index = super::stream::rule_positions(start.rules);
        self.notifications = start.load_errors.iter().map(load_notification).collect();
        self.errors = !start.load_errors.is_empty();
        let tool = Tool {
            driver: Driver {
                name: "fourc",
                version: env!("CARGO_PKG_VERSION"),
                semantic_version: env!("CARGO_PKG_VERSION"),
                information_uri: env!("CARGO_PKG_REPOSITORY"),
                rules: start.rules.iter().map(|m| rule(m)).collect(),
            },
        };
        let w: &mut dyn Write = &mut self.w;
        write!(
            w,
            "{{\n  \"$schema\": \"{SCHEMA}\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": "
        )?;
        pretty_at(w, &mut self.buf, 3, &tool)?;
        w.write_all(b",\n      \"results\": ")?;
        self.results = Some(Array::open(w, 3)?);
        Ok(())
    }

    fn part(&mut self, part: &ScanPart<'_>) -> io::Result<()> {
        if let Some(a) = &mut self.results {
            for (f, sup) in super::merged(part.findings, part.suppressed) {
                let index = self.rule_index.get(&*f.rule().id).copied();
                a.push(&mut self.w, &mut self.buf, &result(index, f, sup))?;
            }
        }
        self.errors |= !part.errors.is_empty();
        self.notifications
            .extend(part.errors.iter().map(eval_notification));
        Ok(())
    }

    fn finish(&mut self, notices: &[Notice]) -> io::Result<()> {
        let w: &mut dyn Write = &mut self.w;
        if let Some(a) = self.results.take() {
            a.close(w)?;
        }
        self.notifications
            .extend(notices.iter().map(notice_notification));
        let invocations = [Invocation {
            execution_successful: !self.errors,
            tool_execution_notifications: std::mem::take(&mut self.notifications),
        }];
        w.write_all(b",\n      \"invocations\": ")?;
        pretty_at(w, &mut self.buf, 3, &invocations)?;
        w.write_all(b",\n      \"columnKind\": \"unicodeCodePoints\"\n    }\n  ]\n}\n")?;
        w.flush()
    }
}

/// Renders a scan as a SARIF 2.1.0 log with one run.
pub fn sarif(scan: &Scan) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and serde_json writes UTF-8.
    let _ = write_sarif(scan, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes a scan as a SARIF 2.1.0 log with one run to `w`, result by result.
pub fn write_sarif(scan: &Scan, w: impl Write) -> io::Result<()> {
    scan.replay(&mut SarifSink::new(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri("examples/a b.yaml", None),
            ("examples/a%20b.yaml".to_string(), Some(SRCROOT))
        );
        assert_eq!(uri("./x.yaml", None).0, "x.yaml");
        assert_eq!(
            uri("/tmp/x.yaml", None),
            ("file:///tmp/x.yaml".to_string(), None)
        );
        assert_eq!(pascal("pss-baseline-privileged"), "PssBaselinePrivileged");
    }

    #[test]
    fn uris_keep_every_byte_of_a_file_name() {
        // A backslash is part of a Unix file name, not a separator.
        assert_eq!(uri_of(b"a\\b.yaml", false).0, "a%5Cb.yaml");
        assert_ne!(uri_of(b"a\\b.yaml", false).0, uri_of(b"a/b.yaml", false).0);
        assert_eq!(uri_of(b"100%.yaml", false).0, "100%25.yaml");
        assert_eq!(uri_of(b"a#b?c.yaml", false).0, "a%23b%3Fc.yaml");
        assert_eq!(uri_of(b"d/a:b.yaml", false).0, "d/a%3Ab.yaml");
        assert_eq!(
            uri_of("caf\u{e9}.yaml".as_bytes(), false).0,
            "caf%C3%A9.yaml"
        );
        // Bytes that are not UTF-8 are encoded as they are, not as U+FFFD.
        assert_eq!(uri_of(b"a\xff.yaml", false).0, "a%FF.yaml");
        assert_ne!(
            uri_of(b"a\xff.yaml", false).0,
            uri_of(b"a\xfe.yaml", false).0
        );
        assert_eq!(
            uri_of(b"/srv/a b.yaml", false),
            ("file:///srv/a%20b.yaml".to_string(), None)
        );
        // Windows separators.
        assert_eq!(
            uri_of(b"deploy\\a.yaml", true),
            ("deploy/a.yaml".to_string(), Some(SRCROOT))
        );
        assert_eq!(
            uri_of(b"C:\\work\\a.yaml", true),
            ("file:///C:/work/a.yaml".to_string(), None)
        );
    }

    #[cfg(unix)]
    #[test]
    fn uris_come_from_the_os_bytes_of_a_path() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(OsStr::from_bytes(b"x/\xffa\\b.yaml"));
        assert_eq!(
            uri(&p.display().to_string(), Some(p)),
            ("x/%FFa%5Cb.yaml".to_string(), Some(SRCROOT))
        );
    }
}
