//! Vulnerability and dependency scanner reports: Trivy JSON (schema v2, image and filesystem
//! scans, and the legacy array output), Grype JSON, OSV-Scanner JSON, `cargo audit --json` and
//! `npm audit --json` (report version 2).
//!
//! Every vulnerability becomes one `scan_vulnerability` document at the vulnerability's bytes:
//!
//! | field | what it is |
//! | --- | --- |
//! | `tool` | `trivy`, `grype`, `osv-scanner`, `cargo-audit`, `npm-audit` |
//! | `scope` | `image` for a scan of a container image, `dependencies` for a scan of source or lock files |
//! | `id`, `aliases`, `title` | the advisory |
//! | `package`, `installed`, `fixed` | the package, its installed version, the fixed version(s) when the tool gives one |
//! | `fix_available` | Trivy `FixedVersion` non-empty; Grype `fix.state` is `fixed`; an OSV range with a `fixed` event; cargo-audit `versions.patched` non-empty; npm `fixAvailable` not `false` |
//! | `severity` | the tool's own label, upper case (`MODERATE` reads `MEDIUM`); for OSV `database_specific.severity`, else an `affected[]` entry's; only when the tool gives no label, the rating of a CVSS score (v3.x or v4.0: Trivy's highest `V3Score` or `V40Score`, Grype's highest `cvss[].metrics.baseScore` of those versions, OSV's and cargo-audit's v3 vectors, OSV-Scanner's group `max_severity`); else `UNKNOWN` |
//! | `cvss` | the CVSS score used, when one was |
//! | `malicious` | a malicious-package advisory (OSV `MAL-*`) |
//! | `artifact` | what was scanned: `name`, `digests` (`sha256:...`), `references` (normalised: `docker.io/library/alpine:3.11`) |
//! | `location` | the JSON path of the entry in the report |
//!
//! A vulnerability's description (Trivy `Description`; Grype's `description` is its `title`),
//! references, data source, layer and dates are not read: of a Trivy report, only the fields
//! above are built.
//!
//! Each report is also one `scan_report` document (`tool`, `scope`, `artifact`, `vulnerabilities`:
//! a count), so rules can ask which images were scanned at all; cargo-audit's informational
//! warnings (unmaintained, yanked, unsound, notice) are `scan_advisory` documents (`kind`,
//! `id`, `package`, `version`). OSV groups (aliases of one vulnerability) count once: the group's
//! first member, with the highest severity and any fix of its members.
//!
//! npm 6's report (`advisories` by id, no `auditReportVersion`) is read too. Refused with an
//! error naming the file and line: a truncated report, an unknown schema version (Trivy
//! `SchemaVersion` other than 2, npm `auditReportVersion` other than 2), and a failed
//! `npm audit` (the registry's error response is not a report of no vulnerabilities).

use std::path::Path;
use std::sync::Arc;

use super::{error, failed, has_keys, items, json_name, number, read_json, text};
use crate::document::{Document, LoadOptions, Loaded, ResourceId, Source};
use crate::input::tree::{boolean, list, map, string};
use crate::input::{Confidence, InputFormat};
use crate::value::{Node, Span, Value};
use crate::yaml::Pick;

/// The format's name.
pub const VULNERABILITY_REPORT: &str = "vulnerability-report";
/// The type of one vulnerability of a report.
pub const SCAN_VULNERABILITY: &str = "scan_vulnerability";
/// The type of a whole report.
pub const SCAN_REPORT: &str = "scan_report";
/// The type of an informational advisory (unmaintained, yanked).
pub const SCAN_ADVISORY: &str = "scan_advisory";

/// Vulnerability and dependency scanner reports, recognised by content.
#[derive(Clone, Copy, Debug, Default)]
pub struct VulnerabilityReports;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    Trivy,
    Grype,
    Osv,
    CargoAudit,
    NpmAudit,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Trivy => "trivy",
            Tool::Grype => "grype",
            Tool::Osv => "osv-scanner",
            Tool::CargoAudit => "cargo-audit",
            Tool::NpmAudit => "npm-audit",
        }
    }

    fn sniff(head: &[u8]) -> Option<Tool> {
        let t = String::from_utf8_lossy(head);
        let t = t.trim_start();
        if has_keys(head, &["SchemaVersion"])
            && (t.contains("\"ArtifactName\"")
                || t.contains("\"Results\"")
                || t.contains("\"ArtifactType\""))
        {
            return Some(Tool::Trivy);
        }
        if t.starts_with('[') && has_keys(head, &["Target"]) {
            return Some(Tool::Trivy);
        }
        if has_keys(head, &["matches"])
            && (t.contains("\"vulnerability\"")
                || t.contains("\"source\"")
                || t.contains("\"descriptor\"")
                || t.contains("[]"))
        {
            return Some(Tool::Grype);
        }
        if has_keys(head, &["database", "lockfile"])
            || (has_keys(head, &["vulnerabilities", "warnings"]) && t.contains("\"advisory-db\""))
        {
            return Some(Tool::CargoAudit);
        }
        if has_keys(head, &["auditReportVersion"])
            || has_keys(head, &["advisories", "actions"])
            || has_keys(head, &["advisories", "muted"])
            || (has_keys(head, &["statusCode"]) && t.contains("/-/npm/v1/security"))
        {
            return Some(Tool::NpmAudit);
        }
        if has_keys(head, &["results"])
            && !t.contains("\"runs\"")
            && (t.contains("\"packages\"")
                || t.contains("\"source\"")
                || t.contains("\"experimental_config\"")
                || t.contains("\"results\": []")
                || t.contains("\"results\":[]"))
        {
            return Some(Tool::Osv);
        }
        None
    }
}

impl InputFormat for VulnerabilityReports {
    fn name(&self) -> &str {
        VULNERABILITY_REPORT
    }

    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence {
        if !json_name(path, &["json"]) || head.is_empty() {
            return Confidence::No;
        }
        if Tool::sniff(head).is_some() {
            Confidence::Content
        } else {
            Confidence::No
        }
    }

    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
        let Some(tool) = Tool::sniff(crate::input::head(source.text())) else {
            return failed(vec![error(
                source,
                Span::NONE,
                "not a report of a known vulnerability scanner".to_string(),
            )]);
        };
        let pick = match tool {
            Tool::Trivy => &TRIVY,
            Tool::Grype => &GRYPE,
            Tool::Osv | Tool::CargoAudit | Tool::NpmAudit => &Pick::All,
        };
        let json = match read_json(source, opts, "Results", pick) {
            Ok(j) => j,
            Err(e) => return failed(e),
        };
        let mut r = Reader {
            source,
            json: &json,
            tool,
            out: Loaded::default(),
            scope: "dependencies",
            artifact: None,
            count: 0,
        };
        let root = json.root.clone();
        match tool {
            Tool::Trivy => r.trivy(&root),
            Tool::Grype => r.grype(&root),
            Tool::Osv => r.osv(&root),
            Tool::CargoAudit => r.cargo_audit(&root),
            Tool::NpmAudit => r.npm_audit(&root),
        }
        r.finish(&root)
    }
}

/// What a Trivy report is read for: the artifact, and of each result its class and of each
/// vulnerability what a `scan_vulnerability` holds. A vulnerability's `Description`,
/// `References`, `DataSource`, `Layer` and dates, a result's `Packages`, `Misconfigurations`
/// and `Secrets`, and the image's configuration are passed over.
static TRIVY: Pick = Pick::Keys(&[
    ("SchemaVersion", &Pick::All),
    ("ArtifactName", &Pick::All),
    ("ArtifactType", &Pick::All),
    ("Metadata", &TRIVY_METADATA),
    ("Results", &TRIVY_RESULT),
]);
static TRIVY_METADATA: Pick = Pick::Keys(&[
    ("ImageID", &Pick::All),
    ("RepoTags", &Pick::All),
    ("RepoDigests", &Pick::All),
]);
static TRIVY_RESULT: Pick = Pick::Keys(&[("Class", &Pick::All), ("Vulnerabilities", &TRIVY_VULN)]);
static TRIVY_VULN: Pick = Pick::Keys(&[
    ("VulnerabilityID", &Pick::All),
    ("Title", &Pick::All),
    ("PkgName", &Pick::All),
    ("InstalledVersion", &Pick::All),
    ("FixedVersion", &Pick::All),
    ("Severity", &Pick::All),
    ("CVSS", &Pick::All),
]);

/// What a Grype report is read for: the scanned source, and of each match the vulnerability's
/// id, description, severity, CVSS scores and fix and the artifact's name and version (a match's
/// `relatedVulnerabilities` and `matchDetails`, and an artifact's locations and metadata, are
/// passed over).
static GRYPE: Pick = Pick::Keys(&[("source", &GRYPE_SOURCE), ("matches", &GRYPE_MATCH)]);
static GRYPE_SOURCE: Pick = Pick::Keys(&[("type", &Pick::All), ("target", &GRYPE_TARGET)]);
static GRYPE_TARGET: Pick = Pick::Keys(&[
    ("userInput", &Pick::All),
    ("tags", &Pick::All),
    ("repoDigests", &Pick::All),
    ("manifestDigest", &Pick::All),
]);
static GRYPE_MATCH: Pick = Pick::Keys(&[
    ("vulnerability", &GRYPE_VULN),
    ("artifact", &GRYPE_ARTIFACT),
]);
static GRYPE_VULN: Pick = Pick::Keys(&[
    ("id", &Pick::All),
    ("description", &Pick::All),
    ("severity", &Pick::All),
    ("cvss", &Pick::All),
    ("fix", &Pick::All),
]);
static GRYPE_ARTIFACT: Pick = Pick::Keys(&[("name", &Pick::All), ("version", &Pick::All)]);

/// A vulnerability as read, before it becomes a document.
#[derive(Default)]
struct Vuln<'a> {
    at: Option<&'a Node>,
    location: String,
    id: Option<&'a Node>,
    aliases: Vec<String>,
    title: Option<&'a Node>,
    package: Option<&'a Node>,
    installed: Option<&'a Node>,
    fixed: Option<Node>,
    fix_available: bool,
    severity: Option<(String, Span)>,
    cvss: Option<f64>,
}

struct Reader<'s> {
    source: &'s Arc<Source>,
    json: &'s super::Json,
    tool: Tool,
    out: Loaded,
    scope: &'static str,
    artifact: Option<Node>,
    count: usize,
}

/// A severity label as one spelling: upper case, `MODERATE` as `MEDIUM`, `INFO` as `LOW`.
fn label(s: &str) -> String {
    match s.trim().to_ascii_uppercase().as_str() {
        "MODERATE" => "MEDIUM".to_string(),
        "INFO" | "INFORMATIONAL" => "LOW".to_string(),
        "" => "UNKNOWN".to_string(),
        other => other.to_string(),
    }
}

/// How severe a label is, for taking the highest of several.
fn rank(s: &str) -> u8 {
    match s {
        "CRITICAL" => 5,
        "HIGH" => 4,
        "MEDIUM" => 3,
        "LOW" => 2,
        "NEGLIGIBLE" | "NONE" => 1,
        _ => 0,
    }
}

/// A container image reference normalised as the runtime reads it: `docker.io` for no
/// registry, `library/` for a single-segment Docker Hub name, `latest` for no tag; the digest
/// dropped. `None` for what is not a reference (a path to a tarball, an empty string).
pub(crate) fn normalize_reference(r: &str) -> Option<String> {
    let r = r.trim();
    let name = r.split('@').next().unwrap_or("");
    if name.is_empty()
        || name.contains(char::is_whitespace)
        || name.ends_with(".tar")
        || name.ends_with(".gz")
        || name.starts_with('/')
        || name.starts_with('.')
    {
        return None;
    }
    let (repo, tag) = match name.rsplit_once(':') {
        Some((a, t)) if !t.contains('/') => (a, t),
        _ => (name, "latest"),
    };
    let (registry, path) = match repo.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first, rest.to_string())
        }
        _ => ("docker.io", repo.to_string()),
    };
    let registry = if registry == "index.docker.io" {
        "docker.io"
    } else {
        registry
    };
    let path = if registry == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path
    };
    Some(format!(
        "{}/{}:{}",
        registry,
        path.to_ascii_lowercase(),
        tag
    ))
}

/// The digest of a reference (`alpine@sha256:...` gives `sha256:...`), or a bare digest.
fn digest_of(r: &str) -> Option<String> {
    let d = r.rsplit_once('@').map_or(r, |(_, d)| d);
    (d.starts_with("sha256:") && d.len() > 7).then(|| d.to_string())
}

impl<'s> Reader<'s> {
    fn span(&self, n: &Node) -> Span {
        self.json.span(n)
    }

    fn str_node(&self, n: Option<&Node>) -> Option<Node> {
        let n = n?;
        let s = n.as_str()?;
        (!s.is_empty()).then(|| string(s, self.span(n)))
    }

    fn set_artifact(&mut self, at: &Node, name: Option<&str>, refs: &[String], digests: &[String]) {
        let span = self.span(at);
        let mut rs: Vec<String> = refs.iter().filter_map(|r| normalize_reference(r)).collect();
        rs.dedup();
        let mut ds: Vec<String> = digests.iter().filter_map(|d| digest_of(d)).collect();
        ds.sort();
        ds.dedup();
        self.artifact = Some(map(
            span,
            vec![
                ("name", name.map(|n| string(n, span))),
                (
                    "references",
                    Some(list(span, rs.iter().map(|r| string(r, span)).collect())),
                ),
                (
                    "digests",
                    Some(list(span, ds.iter().map(|d| string(d, span)).collect())),
                ),
            ],
        ));
    }

    fn push(&mut self, v: Vuln<'_>) {
        let Some(at) = v.at else {
            return;
        };
        let span = self.span(at);
        let (severity, sev_span) = v
            .severity
            .clone()
            .unwrap_or_else(|| ("UNKNOWN".to_string(), span));
        let id_text = v.id.and_then(Node::as_str).unwrap_or("<no id>").to_string();
        let malicious =
            id_text.starts_with("MAL-") || v.aliases.iter().any(|a| a.starts_with("MAL-"));
        let package = v.package.and_then(Node::as_str).unwrap_or("").to_string();
        let root = map(
            span,
            vec![
                ("tool", Some(string(self.tool.name(), span))),
                ("scope", Some(string(self.scope, span))),
                (
                    "id",
                    Some(v.id.map_or_else(
                        || string(&id_text, span),
                        |n| string(&id_text, self.span(n)),
                    )),
                ),
                (
                    "aliases",
                    Some(list(
                        span,
                        v.aliases.iter().map(|a| string(a, span)).collect(),
                    )),
                ),
                ("title", self.str_node(v.title)),
                ("package", v.package.map(|n| string(&package, self.span(n)))),
                ("installed", self.str_node(v.installed)),
                ("fixed", v.fixed),
                ("fix_available", Some(boolean(v.fix_available, span))),
                ("severity", Some(string(&severity, sev_span))),
                ("cvss", v.cvss.map(|c| Node::new(Value::Float(c), span))),
                ("malicious", Some(boolean(malicious, span))),
                ("artifact", self.artifact.clone()),
                ("location", Some(string(&v.location, span))),
            ],
        );
        let id = ResourceId::new(self.tool.name(), SCAN_VULNERABILITY)
            .with_name(&id_text)
            .with_scope(&package)
            .with_address(&format!("{id_text} in {package} ({})", v.location));
        self.count += 1;
        let index = u32::try_from(self.out.documents.len()).unwrap_or(u32::MAX);
        self.out.documents.push(Document::with_identity(
            self.source.clone(),
            index,
            root,
            id,
        ));
    }

    fn advisory(
        &mut self,
        at: &Node,
        location: String,
        kind: &str,
        adv: Option<&Node>,
        pkg: Option<&Node>,
    ) {
        let id = adv.and_then(|a| a.get("id"));
        let title = adv.and_then(|a| a.get("title"));
        let package = pkg.and_then(|p| p.get("name"));
        let version = pkg.and_then(|p| p.get("version"));
        let span = self.span(at);
        let id_text = id.and_then(Node::as_str).unwrap_or("").to_string();
        let pkg = package.and_then(Node::as_str).unwrap_or("").to_string();
        let root = map(
            span,
            vec![
                ("tool", Some(string(self.tool.name(), span))),
                ("scope", Some(string(self.scope, span))),
                ("kind", Some(string(kind, span))),
                ("id", self.str_node(id)),
                ("package", self.str_node(package)),
                ("version", self.str_node(version)),
                ("title", self.str_node(title)),
                ("location", Some(string(&location, span))),
            ],
        );
        let name = if id_text.is_empty() {
            format!("{kind} {pkg}")
        } else {
            id_text
        };
        let rid = ResourceId::new(self.tool.name(), SCAN_ADVISORY)
            .with_name(&name)
            .with_scope(&pkg)
            .with_address(&format!("{name} in {pkg} ({location})"));
        let index = u32::try_from(self.out.documents.len()).unwrap_or(u32::MAX);
        self.out.documents.push(Document::with_identity(
            self.source.clone(),
            index,
            root,
            rid,
        ));
    }

    fn finish(mut self, root: &Node) -> Loaded {
        if !self.out.errors.is_empty() && self.out.documents.is_empty() && self.count == 0 {
            return self.out;
        }
        let span = self.span(root);
        let name = self
            .artifact
            .as_ref()
            .and_then(|a| a.get("name"))
            .and_then(Node::as_str)
            .unwrap_or(self.source.name())
            .to_string();
        let report = map(
            span,
            vec![
                ("tool", Some(string(self.tool.name(), span))),
                ("scope", Some(string(self.scope, span))),
                ("artifact", self.artifact.clone()),
                (
                    "vulnerabilities",
                    Some(Node::new(
                        Value::Int(i64::try_from(self.count).unwrap_or(i64::MAX)),
                        span,
                    )),
                ),
            ],
        );
        let id = ResourceId::new(self.tool.name(), SCAN_REPORT)
            .with_name(&name)
            .with_address(&format!(
                "{} report {}",
                self.tool.name(),
                self.source.name()
            ));
        let index = u32::try_from(self.out.documents.len()).unwrap_or(u32::MAX);
        self.out.documents.push(Document::with_identity(
            self.source.clone(),
            index,
            report,
            id,
        ));
        self.out
    }

    fn trivy(&mut self, root: &Node) {
        let legacy = self.json.wrapped;
        if !legacy {
            match number(root.get("SchemaVersion")) {
                Some(v) if (v - 2.0).abs() < f64::EPSILON => {}
                _ => {
                    let at = root.get("SchemaVersion").unwrap_or(root);
                    self.out.errors.push(error(
                        self.source,
                        self.span(at),
                        "unsupported Trivy report: SchemaVersion must be 2".to_string(),
                    ));
                    return;
                }
            }
        }
        let meta = root.get("Metadata");
        let is_image = legacy
            || text(root, "ArtifactType") == Some("container_image")
            || meta.is_some_and(|m| m.get("ImageID").is_some() || m.get("RepoTags").is_some());
        self.scope = if is_image { "image" } else { "dependencies" };
        if is_image {
            let mut refs: Vec<String> = items(meta.and_then(|m| m.get("RepoTags")))
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect();
            let digests: Vec<String> = items(meta.and_then(|m| m.get("RepoDigests")))
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect();
            for d in &digests {
                if let Some((name, _)) = d.split_once('@')
                    && refs.is_empty()
                {
                    refs.push(name.to_string());
                }
            }
            let name = text(root, "ArtifactName");
            if let Some(n) = name {
                refs.push(n.to_string());
            }
            self.set_artifact(root, name, &refs, &digests);
        }
        for (ri, result) in items(root.get("Results")).iter().enumerate() {
            let class = text(result, "Class").unwrap_or("");
            if matches!(class, "config" | "secret" | "license" | "license-file") {
                continue;
            }
            for (vi, v) in items(result.get("Vulnerabilities")).iter().enumerate() {
                let fixed = v
                    .get("FixedVersion")
                    .filter(|f| f.as_str().is_some_and(|s| !s.is_empty()));
                let severity = match v.get("Severity").and_then(|s| s.as_str().map(|t| (t, s))) {
                    Some((t, s)) => Some((label(t), self.span(s))),
                    None => trivy_cvss(v)
                        .map(|c| (super::severity_of_score(c).to_string(), self.span(v))),
                };
                self.push(Vuln {
                    at: Some(v),
                    location: format!("Results[{ri}].Vulnerabilities[{vi}]"),
                    id: v.get("VulnerabilityID"),
                    title: v.get("Title"),
                    package: v.get("PkgName"),
                    installed: v.get("InstalledVersion"),
                    fixed: fixed.and_then(|f| self.str_node(Some(f))),
                    fix_available: fixed.is_some(),
                    severity,
                    cvss: if v.get("Severity").is_none() {
                        trivy_cvss(v)
                    } else {
                        None
                    },
                    ..Vuln::default()
                });
            }
        }
    }

    fn grype(&mut self, root: &Node) {
        let src = root.get("source");
        let kind = src.and_then(|s| text(s, "type")).unwrap_or("");
        self.scope = if kind == "image" {
            "image"
        } else {
            "dependencies"
        };
        if kind == "image"
            && let Some(t) = src.and_then(|s| s.get("target"))
        {
            let mut refs: Vec<String> = Vec::new();
            if let Some(u) = text(t, "userInput") {
                refs.push(u.to_string());
            }
            refs.extend(
                items(t.get("tags"))
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_string),
            );
            let mut digests: Vec<String> = items(t.get("repoDigests"))
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect();
            if let Some(m) = text(t, "manifestDigest") {
                digests.push(m.to_string());
            }
            self.set_artifact(t, text(t, "userInput"), &refs, &digests);
        }
        for (i, m) in items(root.get("matches")).iter().enumerate() {
            let Some(v) = m.get("vulnerability") else {
                continue;
            };
            let art = m.get("artifact");
            let fix = v.get("fix");
            let state = fix.and_then(|f| text(f, "state")).unwrap_or("");
            let versions: Vec<&str> = items(fix.and_then(|f| f.get("versions")))
                .iter()
                .filter_map(Node::as_str)
                .collect();
            let labelled = v.get("severity").and_then(|s| s.as_str().map(|t| (t, s)));
            let score = match labelled {
                Some((t, _)) if !t.is_empty() => None,
                _ => grype_cvss(v),
            };
            let severity = match labelled {
                Some((t, s)) if !t.is_empty() => Some((label(t), self.span(s))),
                _ => score.map(|c| (super::severity_of_score(c).to_string(), self.span(v))),
            };
            let fixed = (state == "fixed" && !versions.is_empty())
                .then(|| string(&versions.join(", "), self.span(fix.unwrap_or(v))));
            self.push(Vuln {
                at: Some(m),
                location: format!("matches[{i}]"),
                id: v.get("id"),
                title: v.get("description"),
                package: art.and_then(|a| a.get("name")),
                installed: art.and_then(|a| a.get("version")),
                fixed,
                fix_available: state == "fixed",
                severity,
                cvss: score,
                ..Vuln::default()
            });
        }
    }

    fn osv(&mut self, root: &Node) {
        self.scope = "dependencies";
        for (ri, result) in items(root.get("results")).iter().enumerate() {
            for (pi, p) in items(result.get("packages")).iter().enumerate() {
                let pkg = p.get("package");
                let vulns = items(p.get("vulnerabilities"));
                let groups: Vec<Vec<String>> = items(p.get("groups"))
                    .iter()
                    .map(|g| {
                        items(g.get("ids"))
                            .iter()
                            .filter_map(Node::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .collect();
                let mut done = vec![false; vulns.len()];
                for (vi, v) in vulns.iter().enumerate() {
                    if done.get(vi).copied().unwrap_or(true) {
                        continue;
                    }
                    let id = text(v, "id").unwrap_or("");
                    let group: Vec<String> = groups
                        .iter()
                        .find(|g| g.iter().any(|x| x == id))
                        .cloned()
                        .unwrap_or_else(|| vec![id.to_string()]);
                    let mut best: Option<(String, Span, Option<f64>)> = None;
                    let mut fixed: Vec<String> = Vec::new();
                    let mut aliases: Vec<String> = Vec::new();
                    for (wi, w) in vulns.iter().enumerate() {
                        let wid = text(w, "id").unwrap_or("");
                        if wi != vi && !group.iter().any(|x| x == wid) {
                            continue;
                        }
                        if let Some(d) = done.get_mut(wi) {
                            *d = true;
                        }
                        if wi != vi {
                            aliases.push(wid.to_string());
                        }
                        aliases.extend(
                            items(w.get("aliases"))
                                .iter()
                                .filter_map(Node::as_str)
                                .map(str::to_string),
                        );
                        // A label of any member beats every CVSS score (the tool's own
                        // label decides); among labels, or among scores, the highest.
                        if let Some(s) = self.osv_severity(w) {
                            let labelled = s.2.is_none();
                            let better = match &best {
                                None => true,
                                Some(b) if b.2.is_none() && !labelled => false,
                                Some(b) if b.2.is_some() && labelled => true,
                                Some(b) => rank(&s.0) > rank(&b.0),
                            };
                            if better {
                                best = Some(s);
                            }
                        }
                        for a in items(w.get("affected")) {
                            for r in items(a.get("ranges")) {
                                for e in items(r.get("events")) {
                                    if let Some(f) = text(e, "fixed") {
                                        fixed.push(f.to_string());
                                    }
                                }
                            }
                        }
                    }
                    if best.is_none()
                        && let Some(g) = items(p.get("groups"))
                            .iter()
                            .find(|g| items(g.get("ids")).iter().any(|x| x.as_str() == Some(id)))
                        && let Some(score) = number(g.get("max_severity"))
                    {
                        best = Some((
                            super::severity_of_score(score).to_string(),
                            self.span(g),
                            Some(score),
                        ));
                    }
                    fixed.sort();
                    fixed.dedup();
                    aliases.sort();
                    aliases.dedup();
                    let span = self.span(v);
                    self.push(Vuln {
                        at: Some(v),
                        location: format!("results[{ri}].packages[{pi}].vulnerabilities[{vi}]"),
                        id: v.get("id"),
                        aliases,
                        title: v.get("summary"),
                        package: pkg.and_then(|k| k.get("name")),
                        installed: pkg.and_then(|k| k.get("version")),
                        fix_available: !fixed.is_empty(),
                        fixed: (!fixed.is_empty()).then(|| string(&fixed.join(", "), span)),
                        cvss: best.as_ref().and_then(|b| b.2),
                        severity: best.map(|b| (b.0, b.1)),
                    });
                }
            }
        }
    }

    /// OSV's severity: `database_specific.severity`, else a CVSS v3 vector's rating.
    fn osv_severity(&self, v: &Node) -> Option<(String, Span, Option<f64>)> {
        if let Some(s) = v.get("database_specific").and_then(|d| d.get("severity"))
            && let Some(t) = s.as_str().filter(|t| !t.is_empty())
        {
            return Some((label(t), self.span(s), None));
        }
        for a in items(v.get("affected")) {
            for k in ["database_specific", "ecosystem_specific"] {
                if let Some(s) = a.get(k).and_then(|d| d.get("severity"))
                    && let Some(t) = s.as_str().filter(|t| !t.is_empty())
                {
                    return Some((label(t), self.span(s), None));
                }
            }
        }
        items(v.get("severity")).iter().find_map(|s| {
            let score = text(s, "score").and_then(super::cvss_score)?;
            Some((
                super::severity_of_score(score).to_string(),
                self.span(s),
                Some(score),
            ))
        })
    }

    fn cargo_audit(&mut self, root: &Node) {
        self.scope = "dependencies";
        let vulns = root.get("vulnerabilities");
        for (i, v) in items(vulns.and_then(|l| l.get("list"))).iter().enumerate() {
            let adv = v.get("advisory");
            let pkg = v.get("package");
            if let Some(kind) = adv.and_then(|a| text(a, "informational")) {
                self.advisory(v, format!("vulnerabilities.list[{i}]"), kind, adv, pkg);
                continue;
            }
            let patched: Vec<&str> = items(v.get("versions").and_then(|x| x.get("patched")))
                .iter()
                .filter_map(Node::as_str)
                .collect();
            let cvss_node = adv.and_then(|a| a.get("cvss"));
            let score = cvss_node.and_then(Node::as_str).and_then(super::cvss_score);
            let severity = score.map(|s| {
                (
                    super::severity_of_score(s).to_string(),
                    self.span(cvss_node.unwrap_or(v)),
                )
            });
            let span = self.span(v);
            self.push(Vuln {
                at: Some(v),
                location: format!("vulnerabilities.list[{i}]"),
                id: adv.and_then(|a| a.get("id")),
                aliases: items(adv.and_then(|a| a.get("aliases")))
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_string)
                    .collect(),
                title: adv.and_then(|a| a.get("title")),
                package: pkg.and_then(|p| p.get("name")),
                installed: pkg.and_then(|p| p.get("version")),
                fixed: (!patched.is_empty()).then(|| string(&patched.join(", "), span)),
                fix_available: !patched.is_empty(),
                severity,
                cvss: score,
            });
        }
        if let Some(Value::Map(ws)) = root.get("warnings").map(|w| &w.value) {
            for (kind, list_node) in ws.iter() {
                for (i, w) in items(Some(list_node)).iter().enumerate() {
                    let adv = w.get("advisory");
                    let pkg = w.get("package");
                    let k = text(w, "kind").unwrap_or(kind);
                    self.advisory(w, format!("warnings.{kind}[{i}]"), k, adv, pkg);
                }
            }
        }
    }

    fn npm_audit(&mut self, root: &Node) {
        self.scope = "dependencies";
        if root.get("auditReportVersion").is_none() && root.get("advisories").is_some() {
            self.npm_audit_v1(root);
            return;
        }
        if root.get("auditReportVersion").is_none() {
            let msg = text(root, "message").unwrap_or("the registry refused the audit");
            self.out.errors.push(error(
                self.source,
                self.span(root),
                format!("npm audit failed, this is not a report: {msg}"),
            ));
            return;
        }
        match number(root.get("auditReportVersion")) {
            Some(v) if (v - 2.0).abs() < f64::EPSILON => {}
            _ => {
                let at = root.get("auditReportVersion").unwrap_or(root);
                self.out.errors.push(error(
                    self.source,
                    self.span(at),
                    "unsupported npm audit report: auditReportVersion must be 2 (npm 7 or later)"
                        .to_string(),
                ));
                return;
            }
        }
        let Some(Value::Map(vs)) = root.get("vulnerabilities").map(|v| &v.value) else {
            return;
        };
        for (name, v) in vs.iter() {
            let fix = v.get("fixAvailable");
            let fix_available = !matches!(fix.map(|f| &f.value), Some(Value::Bool(false)) | None);
            let advisory = items(v.get("via"))
                .iter()
                .find(|x| matches!(x.value, Value::Map(_)));
            let id = advisory
                .and_then(|a| a.get("url"))
                .and_then(Node::as_str)
                .and_then(|u| u.rsplit('/').next())
                .map(str::to_string);
            let id_node = advisory
                .and_then(|a| a.get("url"))
                .map(|u| string(id.as_deref().unwrap_or(""), self.span(u)));
            let fixed = fix.and_then(|f| match &f.value {
                Value::Map(_) => {
                    let n = text(f, "name").unwrap_or("");
                    let ver = text(f, "version").unwrap_or("");
                    Some(string(&format!("{n}@{ver}"), self.span(f)))
                }
                _ => None,
            });
            let severity = v
                .get("severity")
                .and_then(|s| s.as_str().map(|t| (label(t), self.span(s))));
            let pkg_node = v.get("name");
            let span = self.span(v);
            let pkg = pkg_node
                .map(|p| string(p.as_str().unwrap_or(name), self.span(p)))
                .unwrap_or_else(|| string(name, span));
            let id_node = id_node.unwrap_or_else(|| string(name, span));
            self.push_owned(
                v,
                format!("vulnerabilities[\"{name}\"]"),
                id_node,
                pkg,
                v.get("range"),
                fixed,
                fix_available,
                severity,
                advisory.and_then(|a| a.get("title")),
            );
        }
    }

    /// npm 6's report: `advisories` by id, each with `module_name`, `severity`,
    /// `patched_versions` (`<0.0.0` when there is no patch) and the installed `findings`.
    fn npm_audit_v1(&mut self, root: &Node) {
        let Some(Value::Map(ads)) = root.get("advisories").map(|a| &a.value) else {
            return;
        };
        for (key, a) in ads.iter() {
            let span = self.span(a);
            let patched = text(a, "patched_versions").filter(|p| *p != "<0.0.0");
            let installed = items(a.get("findings"))
                .first()
                .and_then(|f| f.get("version"));
            let id = items(a.get("cves"))
                .first()
                .and_then(Node::as_str)
                .map(str::to_string)
                .or_else(|| text(a, "github_advisory_id").map(str::to_string))
                .unwrap_or_else(|| format!("npm-{key}"));
            let id_node = string(&id, span);
            let pkg = a.get("module_name").map_or_else(
                || string("", span),
                |m| string(m.as_str().unwrap_or(""), self.span(m)),
            );
            let severity = a
                .get("severity")
                .and_then(|s| s.as_str().map(|t| (label(t), self.span(s))));
            self.push_owned(
                a,
                format!("advisories[\"{key}\"]"),
                id_node,
                pkg,
                installed,
                patched.map(|p| string(p, span)),
                patched.is_some(),
                severity,
                a.get("title"),
            );
        }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "each argument a field of the vulnerability"
    )]
    fn push_owned(
        &mut self,
        at: &Node,
        location: String,
        id: Node,
        package: Node,
        installed: Option<&Node>,
        fixed: Option<Node>,
        fix_available: bool,
        severity: Option<(String, Span)>,
        title: Option<&Node>,
    ) {
        self.push(Vuln {
            at: Some(at),
            location,
            id: Some(&id),
            title,
            package: Some(&package),
            installed,
            fixed,
            fix_available,
            severity,
            ..Vuln::default()
        });
    }
}

/// Trivy's highest CVSS v3 or v4.0 score over its sources, when it gives no severity label.
fn trivy_cvss(v: &Node) -> Option<f64> {
    let Some(Value::Map(m)) = v.get("CVSS").map(|c| &c.value) else {
        return None;
    };
    m.iter()
        .flat_map(|(_, s)| [number(s.get("V3Score")), number(s.get("V40Score"))])
        .flatten()
        .fold(None, |acc: Option<f64>, x| {
            Some(acc.map_or(x, |a| a.max(x)))
        })
}

/// Grype's highest CVSS v3 or v4.0 base score (`cvss[]`, by `version`), when it gives no
/// severity label.
fn grype_cvss(v: &Node) -> Option<f64> {
    items(v.get("cvss"))
        .iter()
        .filter(|c| text(c, "version").is_some_and(super::rated_version))
        .filter_map(|c| number(c.get("metrics").and_then(|m| m.get("baseScore"))))
        .fold(None, |acc: Option<f64>, x| {
            Some(acc.map_or(x, |a| a.max(x)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalise_as_the_runtime_reads_them() {
        assert_eq!(
            normalize_reference("alpine:3.11").as_deref(),
            Some("docker.io/library/alpine:3.11")
        );
        assert_eq!(
            normalize_reference("nginx").as_deref(),
            Some("docker.io/library/nginx:latest")
        );
        assert_eq!(
            normalize_reference("ghcr.io/a/b@sha256:ab").as_deref(),
            Some("ghcr.io/a/b:latest")
        );
        assert_eq!(
            normalize_reference("localhost:5000/x:1").as_deref(),
            Some("localhost:5000/x:1")
        );
        assert_eq!(
            normalize_reference("testdata/fixtures/images/alpine-39.tar.gz"),
            None
        );
        assert_eq!(
            digest_of("alpine@sha256:bcae").as_deref(),
            Some("sha256:bcae")
        );
    }

    fn load(text: &str) -> Loaded {
        VulnerabilityReports.load(&Source::new("r.json", text), &LoadOptions::default())
    }

    #[test]
    fn unknown_versions_and_failed_audits_are_errors() {
        let l = load("{\"SchemaVersion\": 3, \"ArtifactName\": \"x\"}");
        assert!(
            l.errors[0].message.contains("SchemaVersion"),
            "{:?}",
            l.errors
        );
        let l = load(
            "{\"statusCode\": 405, \"uri\": \"https://registry.npmjs.org/-/npm/v1/security/advisories/bulk\", \"message\": \"405\"}",
        );
        assert!(
            l.errors[0].message.contains("npm audit failed"),
            "{:?}",
            l.errors
        );
        assert!(l.documents.is_empty());
        let l = load("{\"SchemaVersion\": 2, \"ArtifactName\": \"x\", \"Results\": [");
        assert_eq!(l.errors.len(), 1);
        assert!(l.documents.is_empty());
    }

    #[test]
    fn npm_6_reports_are_read() {
        let l = load(
            "{\"actions\": [], \"advisories\": {\"1\": {\"module_name\": \"lodash\", \"severity\": \"high\", \"patched_versions\": \">=4.17.11\", \"cves\": [\"CVE-2018-16487\"], \"findings\": [{\"version\": \"4.17.4\"}]}, \"2\": {\"module_name\": \"x\", \"severity\": \"low\", \"patched_versions\": \"<0.0.0\"}}, \"metadata\": {}}",
        );
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        let d = &l.documents[0];
        assert_eq!(d.root().get("id").unwrap().as_str(), Some("CVE-2018-16487"));
        assert_eq!(d.root().get("severity").unwrap().as_str(), Some("HIGH"));
        assert!(matches!(
            d.root().get("fix_available").unwrap().value,
            Value::Bool(true)
        ));
        assert!(matches!(
            l.documents[1].root().get("fix_available").unwrap().value,
            Value::Bool(false)
        ));
    }

    #[test]
    fn cvss_v4_scores_rate_unlabelled_vulnerabilities() {
        let trivy = load(
            "{\"SchemaVersion\": 2, \"ArtifactName\": \"alpine:3.9\", \"ArtifactType\": \"container_image\", \"Results\": [{\"Class\": \"os-pkgs\", \"Vulnerabilities\": [{\"VulnerabilityID\": \"CVE-4\", \"PkgName\": \"musl\", \"FixedVersion\": \"2\", \"CVSS\": {\"ghsa\": {\"V40Vector\": \"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\", \"V40Score\": 9.3}, \"nvd\": {\"V3Score\": 7.5}}}]}]}",
        );
        assert!(trivy.errors.is_empty(), "{:?}", trivy.errors);
        let d = &trivy.documents[0];
        assert_eq!(d.root().get("severity").unwrap().as_str(), Some("CRITICAL"));
        assert_eq!(number(d.root().get("cvss")), Some(9.3));
        let grype = load(
            "{\"matches\": [{\"vulnerability\": {\"id\": \"CVE-5\", \"severity\": \"\", \"cvss\": [{\"version\": \"2.0\", \"metrics\": {\"baseScore\": 9.9}}, {\"version\": \"4.0\", \"vector\": \"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N\", \"metrics\": {\"baseScore\": 6.8}}], \"fix\": {\"state\": \"fixed\", \"versions\": [\"2\"]}}, \"artifact\": {\"name\": \"openssl\", \"version\": \"1\"}}], \"source\": {\"type\": \"image\", \"target\": {\"userInput\": \"busybox:1.36\"}}}",
        );
        assert!(grype.errors.is_empty(), "{:?}", grype.errors);
        let d = &grype.documents[0];
        assert_eq!(d.root().get("severity").unwrap().as_str(), Some("MEDIUM"));
        assert_eq!(number(d.root().get("cvss")), Some(6.8));
    }

    #[test]
    fn trivy_vulnerabilities_sit_at_their_bytes() {
        let text = "{\"SchemaVersion\": 2, \"ArtifactName\": \"alpine:3.9\", \"ArtifactType\": \"container_image\",\n \"Results\": [{\"Class\": \"os-pkgs\", \"Vulnerabilities\": [\n  {\"VulnerabilityID\": \"CVE-1\", \"PkgName\": \"musl\", \"InstalledVersion\": \"1\", \"FixedVersion\": \"2\", \"Severity\": \"CRITICAL\"}]}]}";
        let l = load(text);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert_eq!(l.documents.len(), 2);
        let d = &l.documents[0];
        assert_eq!(d.kind(), Some(SCAN_VULNERABILITY));
        assert_eq!(d.source().line_col(d.span().start()).0, 3);
        assert_eq!(d.root().get("severity").unwrap().as_str(), Some("CRITICAL"));
        let refs = d
            .root()
            .get_path(&["artifact", "references"])
            .unwrap()
            .value
            .to_string();
        assert!(refs.contains("docker.io/library/alpine:3.9"), "{refs}");
        let legacy = load(
            "[{\"Target\": \"x\", \"Vulnerabilities\": [{\"VulnerabilityID\": \"CVE-2\", \"PkgName\": \"p\", \"Severity\": \"HIGH\", \"FixedVersion\": \"1\"}]}]",
        );
        assert!(legacy.errors.is_empty(), "{:?}", legacy.errors);
        let d = &legacy.documents[0];
        assert_eq!(
            &legacy.documents[0].source().text()
                [d.span().start() as usize..d.span().start() as usize + 1],
            "{"
        );
    }
}
