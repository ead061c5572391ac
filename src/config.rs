//! The project configuration: `fourc.yaml`.
//!
//! The file is found in the scanned folder (the first path argument that is a folder, else the
//! current folder) or named with `--config`; every setting also has a flag, and flags win. It is
//! read with fourc's own loader (YAML 1.2, so `no` stays a string), so every error names the
//! file, line and column of the setting at fault, and nothing is scanned until the whole file is
//! valid against the compiled rules. The reference, with every key, is `docs/cli.md`.
//!
//! ```yaml
//! pss: {level: baseline, version: v1.30}
//! rules:
//!   dirs: [policies]              # extra rule folders, relative to this file
//!   disable: [pss-baseline-host-ports]
//!   severity: {pss-baseline-host-path: critical}
//! controls:
//!   disable: [container.image-signing]
//! params:
//!   pss_allowed_capabilities: [NET_BIND_SERVICE]
//! exclude:
//!   paths: ["vendor/**"]
//!   namespaces: [kube-system]
//! waivers:
//!   - rule: pss-baseline-privileged
//!     kind: Deployment
//!     namespace: shop
//!     name: web
//!     path: spec.template.spec.containers[1]
//!     reason: the log shipper reads host logs; replaced in OPS-812
//!     owner: platform-team
//!     expires: 2026-06-30
//! rego:
//!   conftest: {namespaces: [main, kubernetes]}   # or all_namespaces: true
//! ```

mod check;
mod parse;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::waiver::Waiver;
use crate::{PssLevel, Severity, Source, Span, Value};

pub(crate) use check::Plan;

/// The file name looked for in the scanned folder.
pub const FILE_NAME: &str = "fourc.yaml";

/// The names a settings file may have, in the order they are looked for: a folder's settings
/// file is never scanned as an input.
pub const FILE_NAMES: [&str; 2] = [FILE_NAME, "fourc.yml"];

/// Where a setting was written: a span of a configuration file.
#[derive(Clone, Debug)]
pub struct Location {
    source: Arc<Source>,
    span: Span,
}

impl Location {
    pub(crate) fn new(source: Arc<Source>, span: Span) -> Self {
        Location { source, span }
    }

    /// The same location `cols` characters to the right, on one line.
    pub(crate) fn shifted(mut self, cols: u32) -> Self {
        let (line, col) = self.source.line_col(self.span.start());
        let (end_line, _) = self.source.line_col(self.span.end());
        let start = self
            .source
            .byte_offset(line, col.saturating_add(cols))
            .unwrap_or(self.span.start() as usize);
        let end = if end_line == line {
            (self.span.end() as usize).max(start)
        } else {
            self.source
                .byte_offset(line, col.saturating_add(cols).saturating_add(1))
                .unwrap_or(start)
        };
        self.span = Span::of_range(start..end);
        self
    }

    /// The file, as named when loaded.
    pub fn file(&self) -> &str {
        self.source.name()
    }

    /// The source the location is in (with the file's exact path when read from one).
    pub fn source(&self) -> &Arc<Source> {
        &self.source
    }

    /// The 1-based line.
    pub fn line(&self) -> u32 {
        self.source.line_col(self.span.start()).0
    }

    /// The 1-based column, in characters.
    pub fn col(&self) -> u32 {
        self.source.line_col(self.span.start()).1
    }

    /// The byte range of the span's first line, for a label.
    fn byte_range(&self, len_chars: Option<usize>) -> (usize, usize) {
        let s = &self.source;
        let start = (self.span.start() as usize).min(s.text().len());
        let (line, end_line) = (self.line(), s.line_col(self.span.end()).0);
        let end = match len_chars {
            Some(n) => s
                .text()
                .get(start..)
                .and_then(|rest| rest.char_indices().nth(n).map(|(b, _)| start + b))
                .unwrap_or(s.text().len()),
            None if end_line == line => self.span.end() as usize,
            None => s
                .line_text(line)
                .and_then(|l| s.byte_offset(line, 1).map(|b| b + l.len()))
                .unwrap_or(start),
        };
        (start, end.max(start))
    }
}

/// The settings text around a location, for miette: read from the line `before` lines above the
/// span on, so that each error's snippet costs its own lines, not a scan of the file.
impl SourceCode for Location {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let s = &self.source;
        let text = s.text();
        let offset = span.offset().min(text.len());
        let (line, _) = s.line_col(u32::try_from(offset).unwrap_or(u32::MAX));
        let first = line
            .saturating_sub(u32::try_from(before).unwrap_or(u32::MAX))
            .max(1);
        let base = s.byte_offset(first, 1).unwrap_or(0).min(offset);
        let window = text.get(base..).unwrap_or("");
        let local = SourceSpan::new((offset - base).into(), span.len());
        let inner = window.read_span(&local, before, after)?;
        let lines_above = usize::try_from(first).unwrap_or(1).saturating_sub(1);
        Ok(Box::new(MietteSpanContents::new_named(
            s.name().to_string(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + lines_above,
            inner.column(),
            // Lines up to the end of the contents, counted from the start of the file.
            inner.line_count() + lines_above,
        )))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file(), self.line(), self.col())
    }
}

/// A setting and where it was written (`None` when it came from a flag or the API).
#[derive(Clone, Debug)]
pub(crate) struct At<T> {
    pub(crate) value: T,
    pub(crate) at: Option<Location>,
}

impl<T> At<T> {
    pub(crate) fn bare(value: T) -> Self {
        At { value, at: None }
    }
}

/// Project settings: read from `fourc.yaml` with [`Config::load`], or built up through
/// [`EngineBuilder`](crate::EngineBuilder)'s methods, and given to
/// [`EngineBuilder::config`](crate::EngineBuilder::config).
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub(crate) file: Option<PathBuf>,
    pub(crate) pss_level: Option<PssLevel>,
    pub(crate) pss_version: Option<At<String>>,
    pub(crate) stdlib: Option<bool>,
    pub(crate) rule_dirs: Vec<PathBuf>,
    /// Terraform variable files (`terraform.var_files`), relative to the file once loaded.
    pub(crate) tf_var_files: Vec<PathBuf>,
    pub(crate) enable_rules: Vec<At<String>>,
    pub(crate) disable_rules: Vec<At<String>>,
    pub(crate) enable_controls: Vec<At<String>>,
    pub(crate) disable_controls: Vec<At<String>>,
    pub(crate) severity: Vec<At<(String, Severity)>>,
    pub(crate) params: Vec<At<(String, Value)>>,
    pub(crate) exclude_paths: Vec<At<String>>,
    pub(crate) exclude_namespaces: Vec<At<String>>,
    pub(crate) waivers: Vec<Waiver>,
    /// Files and folders never read from a scanned folder (see [`Config::not_input`]).
    pub(crate) not_inputs: Vec<PathBuf>,
    /// Where `rules.stdlib` is written.
    pub(crate) stdlib_at: Option<Location>,
    /// Which inline waivers apply (none unless allowed).
    pub(crate) inline: Option<At<InlineWaivers>>,
    /// The packages whose conftest rules run (`None`: conftest's default, `main`).
    pub(crate) conftest_namespaces: Option<Vec<String>>,
    /// Whether every package's conftest rules run (conftest's `--all-namespaces`).
    pub(crate) conftest_all: Option<bool>,
    /// Settings found beside the inputs rather than chosen by the caller: how they weaken the
    /// scan is reported.
    pub(crate) found: bool,
}

/// Which `fourc.dev/waive` annotations apply: by default none (a manifest's author does not
/// decide what the gate lets through). Allowed, they may be limited to some rules and to some
/// namespaces; findings a rule reports once per namespace are never waived inline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InlineWaivers {
    /// Whether annotations waive at all.
    pub allow: bool,
    /// The rules they may waive (empty: any).
    pub rules: Vec<String>,
    /// The namespaces (patterns with `*` and `?`) whose resources may waive (empty: any).
    pub namespaces: Vec<String>,
}

impl Config {
    /// Reads a configuration file. Every problem found is returned, each with its line.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let why = e.to_string();
            let mut cs = why.chars();
            let why: String = cs
                .next()
                .map_or(String::new(), |c| c.to_lowercase().chain(cs).collect());
            ConfigErrors::one(ConfigError::new(format!(
                "cannot read `{}`: {why}",
                path.display()
            )))
        })?;
        let mut config = parse::parse(&Source::from_path(path, text))?;
        config.file = Some(path.to_path_buf());
        let base = path.parent().unwrap_or(Path::new(""));
        config.rule_dirs = config.rule_dirs.iter().map(|d| base.join(d)).collect();
        config.tf_var_files = config.tf_var_files.iter().map(|f| base.join(f)).collect();
        Ok(config)
    }

    /// Parses configuration text; `name` names it in errors. Rule folders stay as written.
    pub fn parse(name: &str, text: &str) -> Result<Config, ConfigErrors> {
        parse::parse(&Source::new(name, text))
    }

    /// The configuration file of a folder, if it has one (`fourc.yaml`, else `fourc.yml`).
    pub fn find_in(dir: &Path) -> Option<PathBuf> {
        FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file())
    }

    /// The configuration file that applies to `dir`: the first one found in `dir` and its
    /// parents, up to the root of the Git repository that holds `dir` (the folder with `.git`);
    /// outside a repository only `dir` itself is searched.
    pub fn find_from(dir: &Path) -> Option<PathBuf> {
        let start = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let in_repo = start.ancestors().any(|a| a.join(".git").exists());
        for d in start.ancestors() {
            if let Some(found) = Config::find_in(d) {
                return Some(if d == start {
                    Config::find_in(dir).unwrap_or(found)
                } else {
                    found
                });
            }
            if !in_repo || d.join(".git").exists() {
                break;
            }
        }
        None
    }

    /// The file this configuration was read from.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The waivers, in file order.
    pub fn waivers(&self) -> &[Waiver] {
        &self.waivers
    }

    /// Sets the Pod Security Standards level.
    pub fn pss_level(mut self, level: PssLevel) -> Self {
        self.pss_level = Some(level);
        self
    }

    /// Sets the Pod Security Standards version (`latest` or `v1.N`).
    pub fn pss_version(mut self, version: &str) -> Self {
        self.pss_version = Some(At::bare(version.to_string()));
        self
    }

    /// Turns the embedded standard library on or off.
    pub fn stdlib(mut self, on: bool) -> Self {
        self.stdlib = Some(on);
        self
    }

    /// Runs the conftest rules of this package (repeatable, as conftest's `--namespace`); the
    /// packages named replace the default, `main`.
    pub fn conftest_namespace(mut self, package: &str) -> Self {
        self.conftest_namespaces
            .get_or_insert_with(Vec::new)
            .push(package.to_string());
        self
    }

    /// Runs the conftest rules of every package (conftest's `--all-namespaces`), or not.
    pub fn conftest_all_namespaces(mut self, on: bool) -> Self {
        self.conftest_all = Some(on);
        self
    }

    /// Adds a folder of rule files.
    pub fn rules_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.rule_dirs.push(dir.into());
        self
    }

    /// Runs only the rules named this way (and those of controls given to
    /// [`Config::enable_control`]).
    pub fn enable_rule(mut self, id: &str) -> Self {
        self.enable_rules.push(At::bare(id.to_string()));
        self
    }

    /// Leaves out a rule.
    pub fn disable_rule(mut self, id: &str) -> Self {
        self.disable_rules.push(At::bare(id.to_string()));
        self
    }

    /// Runs only the rules of the controls named this way (and those given to
    /// [`Config::enable_rule`]).
    pub fn enable_control(mut self, key: &str) -> Self {
        self.enable_controls.push(At::bare(key.to_string()));
        self
    }

    /// Leaves out the rules that serve only disabled controls.
    pub fn disable_control(mut self, key: &str) -> Self {
        self.disable_controls.push(At::bare(key.to_string()));
        self
    }

    /// Overrides a rule's severity.
    pub fn severity(mut self, id: &str, severity: Severity) -> Self {
        self.severity.push(At::bare((id.to_string(), severity)));
        self
    }

    /// Sets a rule parameter; checked against its declared type at build.
    pub fn param(mut self, name: &str, value: Value) -> Self {
        self.params.push(At::bare((name.to_string(), value)));
        self
    }

    /// Skips files found in scanned folders whose path matches a glob (`vendor/**`).
    pub fn exclude_path(mut self, pattern: &str) -> Self {
        self.exclude_paths.push(At::bare(pattern.to_string()));
        self
    }

    /// Lets resources waive findings with `fourc.dev/waive` annotations, for `rules` (empty:
    /// any) and in `namespaces` (patterns; empty: any). Off by default.
    pub fn inline_waivers(mut self, rules: &[&str], namespaces: &[&str]) -> Self {
        self.inline = Some(At::bare(InlineWaivers {
            allow: true,
            rules: rules.iter().map(|r| r.to_string()).collect(),
            namespaces: namespaces.iter().map(|n| n.to_string()).collect(),
        }));
        self
    }

    /// Marks these settings as found beside the inputs (a `fourc.yaml` discovered in the
    /// scanned tree), not chosen by the caller: what in them weakens the scan (the standard
    /// library off, rules or controls left out, every path excluded, blanket waivers, inline
    /// waivers allowed) is reported as a notice in every report.
    pub fn found(mut self) -> Self {
        self.found = true;
        self
    }

    /// Never reads `path` (a file, or a folder and all under it) as an input when a scanned
    /// folder holds it: the reports a run writes, say. Rule folders and the settings file are
    /// left out of scans already; a path named directly as an input is still read.
    pub fn not_input(mut self, path: impl Into<PathBuf>) -> Self {
        self.not_inputs.push(path.into());
        self
    }

    /// Drops findings on resources in namespaces matching a pattern (`kube-*`).
    pub fn exclude_namespace(mut self, pattern: &str) -> Self {
        self.exclude_namespaces.push(At::bare(pattern.to_string()));
        self
    }

    /// Adds a waiver.
    pub fn waiver(mut self, waiver: Waiver) -> Self {
        self.waivers.push(waiver);
        self
    }

    /// Appends `other`'s settings; where both set a single value, `other` wins.
    pub(crate) fn merge(&mut self, other: Config) {
        self.file = other.file.or(self.file.take());
        self.pss_level = other.pss_level.or(self.pss_level);
        self.pss_version = other.pss_version.or(self.pss_version.take());
        self.stdlib = other.stdlib.or(self.stdlib);
        self.rule_dirs.extend(other.rule_dirs);
        self.tf_var_files.extend(other.tf_var_files);
        self.enable_rules.extend(other.enable_rules);
        self.disable_rules.extend(other.disable_rules);
        self.enable_controls.extend(other.enable_controls);
        self.disable_controls.extend(other.disable_controls);
        self.severity.extend(other.severity);
        self.params.extend(other.params);
        self.exclude_paths.extend(other.exclude_paths);
        self.exclude_namespaces.extend(other.exclude_namespaces);
        self.waivers.extend(other.waivers);
        self.not_inputs.extend(other.not_inputs);
        self.stdlib_at = other.stdlib_at.or(self.stdlib_at.take());
        self.inline = other.inline.or(self.inline.take());
        self.conftest_namespaces = other
            .conftest_namespaces
            .or(self.conftest_namespaces.take());
        self.conftest_all = other.conftest_all.or(self.conftest_all);
        self.found |= other.found;
    }
}

/// A setting that cannot be used: a malformed file, an unknown rule, a parameter of the wrong
/// type. `rules: {disable: [no-such-rule]}` gives "unknown rule `no-such-rule`" at its line.
#[derive(Clone, Debug)]
pub struct ConfigError {
    message: String,
    help: Option<String>,
    at: Option<Location>,
    label_len: Option<usize>,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
            help: None,
            at: None,
            label_len: None,
        }
    }

    /// Points the error at a location; `len` characters are underlined (the whole first line of
    /// the span when `None`).
    pub(crate) fn at(mut self, at: Option<&Location>, len: Option<usize>) -> Self {
        if let Some(at) = at {
            // The location shares its source: an error holds no copy of the settings text.
            self.at = Some(at.clone());
            self.label_len = len;
        }
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where, when the setting came from a file.
    pub fn location(&self) -> Option<&Location> {
        self.at.as_ref()
    }

    /// Advice, if any.
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

/// The message alone: renderers show the location beside it ([`ConfigErrors`] prefixes
/// `file:line:col`, miette draws the line).
impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// The error as people read it: message, the settings line with a caret, help; with ANSI
    /// colour when `color` is set.
    pub fn render(&self, color: bool) -> String {
        let Some(at) = &self.at else {
            let mut out = format!("error: {}\n", self.message);
            if let Some(h) = &self.help {
                out.push_str(&format!("  help: {h}\n"));
            }
            return out;
        };
        let (start, end) = at.byte_range(self.label_len);
        // Only the text from the line of the error on is handed over, so rendering every
        // error of a long file does not scan the file once per error.
        let line = at.line();
        let base = at.source.byte_offset(line, 1).unwrap_or(0).min(start);
        let marks = [policy_core::snippet::Mark {
            start: start - base,
            len: end - start,
            text: "here",
        }];
        policy_core::snippet::render(
            &policy_core::snippet::Snippet {
                level: "error",
                code: None,
                message: &self.message,
                name: at.file(),
                text: at.source.text().get(base..).unwrap_or(""),
                first_line: usize::try_from(line).unwrap_or(1),
                marks: &marks,
                help: self.help.as_deref(),
            },
            color,
        )
    }
}

impl miette::Diagnostic for ConfigError {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.at.as_ref().map(|l| l as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let at = self.at.as_ref()?;
        let (start, end) = at.byte_range(self.label_len);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some("here".to_string()),
            start,
            end - start,
        ))))
    }
}

/// Every problem found in the settings, in file order.
#[derive(Clone, Debug)]
pub struct ConfigErrors(Vec<ConfigError>);

impl ConfigErrors {
    pub(crate) fn new(errors: Vec<ConfigError>) -> Self {
        ConfigErrors(errors)
    }

    pub(crate) fn one(e: ConfigError) -> Self {
        ConfigErrors(vec![e])
    }

    /// The errors.
    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            match &e.at {
                Some(at) => write!(f, "{at}: {e}")?,
                None => write!(f, "{e}")?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}
