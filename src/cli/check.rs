//! `fourc check`: scan, render every requested format, and choose the exit code.

use std::fs::File;
use std::io::{BufWriter, IsTerminal as _, Write};
use std::path::{Path, PathBuf};

#[cfg(feature = "rego")]
use fourc::Scan;
use fourc::output::{Format, HtmlSink, JsonSink, JunitSink, SarifSink, TextOptions, TextSink};
use fourc::waiver::Notice;
use fourc::{Config, ScanPart, ScanSink, ScanStart, Severity, Tee};

use super::progress::Progress;
use crate::{
    Color, Compat, EXIT_CLEAN, EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_USAGE, FailOn, RuleArgs,
};

pub(crate) struct Options<'a> {
    pub(crate) paths: &'a [PathBuf],
    pub(crate) rules: &'a RuleArgs,
    pub(crate) formats: &'a [String],
    pub(crate) output: Option<&'a Path>,
    pub(crate) fail_on: FailOn,
    pub(crate) color: Color,
    pub(crate) show_suppressed: bool,
    pub(crate) compact: bool,
    pub(crate) excludes: &'a [String],
    pub(crate) exclude_namespaces: &'a [String],
    pub(crate) compat: Compat,
    #[cfg(feature = "rego")]
    pub(crate) compare_rego: Option<&'a Path>,
}

/// Where one format goes: a file, or standard output.
struct Target {
    format: Format,
    file: Option<PathBuf>,
}

/// `text,json=r.json` and repeated flags to targets; at most one may use standard output. When
/// every format names its own file (`=FILE`, no `--output`) and none is `text`, the text report
/// still goes to standard output, so a run that writes SARIF for a code scanning service shows
/// its findings in the terminal too.
fn targets(specs: &[String], output: Option<&Path>) -> Result<Vec<Target>, String> {
    let mut out: Vec<Target> = Vec::new();
    for spec in specs.iter().flat_map(|s| s.split(',')) {
        let spec = spec.trim();
        let (name, file) = match spec.split_once('=') {
            Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
            Some((n, _)) => return Err(format!("`--format {n}=` names no file")),
            None => (spec, None),
        };
        let Some(format) = Format::parse(name) else {
            return Err(format!(
                "unknown format `{name}`\n  help: expected `text`, `json`, `sarif`, `junit` or `html`, optionally with `=FILE`"
            ));
        };
        let file = file.or_else(|| output.map(Path::to_path_buf));
        if let Some(other) = out.iter().find(|t| t.file == file) {
            let dest = file.as_ref().map_or("standard output".to_string(), |f| {
                format!("`{}`", f.display())
            });
            return Err(format!(
                "formats `{}` and `{name}` would both write to {dest}\n  help: give each its own file, as in `--format {name}={name}.out`",
                other.format.as_str()
            ));
        }
        out.push(Target { format, file });
    }
    if output.is_none()
        && out
            .iter()
            .all(|t| t.file.is_some() && t.format != Format::Text)
    {
        out.push(Target {
            format: Format::Text,
            file: None,
        });
    }
    Ok(out)
}

fn threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

/// Whether `NO_COLOR` asks for no colour (set and not empty).
pub(crate) fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

pub(crate) fn run(o: &Options<'_>) -> u8 {
    let targets = match targets(o.formats, o.output) {
        Ok(t) => t,
        Err(msg) => {
            eprintln!("error: {msg}");
            return EXIT_USAGE;
        }
    };
    super::set_stderr_color(o.color);
    let missing: Vec<&PathBuf> = o
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-" && !p.exists())
        .collect();
    // A missing input is named on standard error; the others are still scanned (and the
    // reports list it among the errors), unless there is nothing else to scan.
    for p in &missing {
        eprintln!("error: `{}`: no such file or folder", p.display());
    }
    if !missing.is_empty() && missing.len() == o.paths.len() {
        eprintln!("  help: name files or folders to scan, or `-` for standard input");
        return EXIT_USAGE;
    }
    let mut extra = Config::default();
    for g in o.excludes {
        extra = extra.exclude_path(g);
    }
    for n in o.exclude_namespaces {
        extra = extra.exclude_namespace(n);
    }
    for t in &targets {
        if let Some(f) = &t.file {
            extra = extra.not_input(f);
        }
    }
    #[cfg(feature = "rego")]
    if let Some(dir) = o.compare_rego {
        if !dir.is_dir() {
            eprintln!("error: `--compare-rego {}`: no such folder", dir.display());
            return EXIT_USAGE;
        }
        if let Some(t) = targets
            .iter()
            .find(|t| !matches!(t.format, Format::Text | Format::Json))
        {
            eprintln!(
                "error: `--compare-rego` writes `text` or `json`, not `{}`",
                t.format.as_str()
            );
            return EXIT_USAGE;
        }
        extra = extra.rules_dir(dir);
    }
    let engine = match super::engine(o.rules, o.paths, extra, o.compat) {
        Ok(e) => e,
        Err(code) => return code,
    };
    // Only the text report and the HTML page show source lines.
    let engine = engine.keep_source_text(
        targets
            .iter()
            .any(|t| matches!(t.format, Format::Text | Format::Html)),
    );
    // Files are created before the scan, so a path that cannot be written fails fast.
    let mut files: Vec<Option<File>> = Vec::new();
    for t in &targets {
        match &t.file {
            None => files.push(None),
            Some(p) => match File::create(p) {
                Ok(f) => files.push(Some(f)),
                Err(e) => {
                    eprintln!("error: cannot write `{}`: {e}", p.display());
                    return EXIT_USAGE;
                }
            },
        }
    }
    #[cfg(feature = "rego")]
    if let Some(dir) = o.compare_rego {
        let mut progress = Progress::new();
        let scan = engine.check_paths_with(o.paths, &mut |p| progress.update(p));
        progress.finish();
        no_documents_warning(
            o.paths,
            scan.checked.len(),
            &scan.load_errors,
            scan.skipped.len(),
        );
        return compare(&scan, dir, &targets, files);
    }
    // Every report is written while the scan runs, a part at a time.
    let mut reports: Vec<Report<'_>> = Vec::new();
    for (t, file) in targets.iter().zip(files) {
        let sink: Box<dyn ScanSink> = match file {
            Some(f) => sink_for(t.format, o, false, BufWriter::new(f)),
            None => {
                let terminal = std::io::stdout().is_terminal();
                sink_for(
                    t.format,
                    o,
                    terminal,
                    BufWriter::new(std::io::stdout().lock()),
                )
            }
        };
        reports.push(Report {
            target: t,
            sink: Some(sink),
            error: None,
        });
    }
    let mut outcome = Outcome {
        threshold: threshold(o.fail_on),
        ..Outcome::default()
    };
    let mut progress = Progress::new();
    {
        let mut sinks: Vec<&mut dyn ScanSink> =
            reports.iter_mut().map(|r| r as &mut dyn ScanSink).collect();
        sinks.push(&mut outcome);
        // Each report keeps its own write error (below); the others go on.
        // A report on standard output is written as the parts come: the progress line (on
        // standard error, the same terminal) ends when evaluation starts.
        let to_stdout = targets.iter().any(|t| t.file.is_none());
        let mut update = |p: fourc::Progress| match p {
            fourc::Progress::Evaluating { .. } if to_stdout => progress.finish(),
            p => progress.update(p),
        };
        let _ = engine.check_paths_into(o.paths, &mut update, &mut Tee(sinks));
    }
    progress.finish();
    no_documents_warning(
        o.paths,
        outcome.checked,
        &outcome.load_errors,
        outcome.skipped,
    );
    let mut write_failed = false;
    for r in &reports {
        let Some(e) = &r.error else {
            continue;
        };
        // A reader that stopped early (`fourc check . | head`) is not an error to report.
        if r.target.file.is_none() && e.kind() == std::io::ErrorKind::BrokenPipe {
            continue;
        }
        let dest = r
            .target
            .file
            .as_ref()
            .map_or("standard output".to_string(), |f| {
                format!("`{}`", f.display())
            });
        eprintln!("error: cannot write {dest}: {e}");
        write_failed = true;
    }
    if write_failed || outcome.incomplete() {
        EXIT_INCOMPLETE
    } else if outcome.failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Warns when a scan found nothing to check.
fn no_documents_warning(
    paths: &[PathBuf],
    checked: usize,
    load_errors: &[fourc::LoadError],
    skipped: usize,
) {
    if checked > 0 || !load_errors.is_empty() {
        return;
    }
    let skipped = match skipped {
        0 => String::new(),
        1 => " (1 input was skipped: the report says why)".to_string(),
        n => format!(" ({n} inputs were skipped: the report says why)"),
    };
    eprintln!(
        "warning: no documents found in {}{skipped}",
        paths
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// One report of the run: its sink until the sink fails, then the error, so one report that
/// cannot be written does not stop the others.
struct Report<'t> {
    target: &'t Target,
    sink: Option<Box<dyn ScanSink + 't>>,
    error: Option<std::io::Error>,
}

impl Report<'_> {
    fn guard(&mut self, f: impl FnOnce(&mut dyn ScanSink) -> std::io::Result<()>) {
        if let Some(s) = &mut self.sink
            && let Err(e) = f(s.as_mut())
        {
            self.error = Some(e);
            self.sink = None;
        }
    }
}

impl ScanSink for Report<'_> {
    fn start(&mut self, start: &ScanStart<'_>) -> std::io::Result<()> {
        self.guard(|s| s.start(start));
        Ok(())
    }
    fn part(&mut self, part: &ScanPart<'_>) -> std::io::Result<()> {
        self.guard(|s| s.part(part));
        Ok(())
    }
    fn finish(&mut self, notices: &[Notice]) -> std::io::Result<()> {
        self.guard(|s| s.finish(notices));
        Ok(())
    }
}

/// What decides the exit code, taken as the scan goes.
#[derive(Default)]
struct Outcome {
    threshold: Option<Severity>,
    load_errors: Vec<fourc::LoadError>,
    skipped: usize,
    eval_errors: usize,
    checked: usize,
    /// A standing finding at or above the threshold.
    failing: bool,
}

impl Outcome {
    fn incomplete(&self) -> bool {
        !self.load_errors.is_empty() || self.eval_errors > 0
    }
}

impl ScanSink for Outcome {
    fn start(&mut self, start: &ScanStart<'_>) -> std::io::Result<()> {
        self.load_errors = start.load_errors.to_vec();
        self.skipped = start.skipped.len();
        Ok(())
    }
    fn part(&mut self, part: &ScanPart<'_>) -> std::io::Result<()> {
        self.eval_errors += part.errors.len();
        self.checked += part.checked.len();
        self.failing |= self
            .threshold
            .is_some_and(|t| part.findings.iter().any(|f| f.rule().severity <= t));
        Ok(())
    }
    fn finish(&mut self, _notices: &[Notice]) -> std::io::Result<()> {
        Ok(())
    }
}

/// Differential mode's report in each target format; exit 1 when the two sides disagree, 3 when
/// the scan is incomplete.
#[cfg(feature = "rego")]
fn compare(scan: &Scan, dir: &Path, targets: &[Target], files: Vec<Option<File>>) -> u8 {
    let cmp = fourc::rego::compare::compare(scan, dir);
    let mut write_failed = false;
    for (t, file) in targets.iter().zip(files) {
        let text = match t.format {
            Format::Json => format!("{:#}\n", cmp.to_json()),
            _ => cmp.to_text(),
        };
        let res = match file {
            Some(mut f) => f.write_all(text.as_bytes()),
            None => std::io::stdout().lock().write_all(text.as_bytes()),
        };
        if let Err(e) = res {
            eprintln!("error: cannot write the comparison: {e}");
            write_failed = true;
        }
    }
    for e in &scan.load_errors {
        eprintln!(
            "error: {}:{}:{}: {}",
            e.source_name(),
            e.line(),
            e.col(),
            e.message()
        );
    }
    for e in &scan.report.errors {
        eprintln!(
            "error: {}: rule {}: {}",
            e.source().name(),
            e.rule().id,
            e.message()
        );
    }
    if write_failed || !scan.load_errors.is_empty() || !scan.report.errors.is_empty() {
        EXIT_INCOMPLETE
    } else if cmp.disagrees() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// The sink that writes one format.
fn sink_for<'w>(
    format: Format,
    o: &Options<'_>,
    terminal: bool,
    w: impl Write + 'w,
) -> Box<dyn ScanSink + 'w> {
    match format {
        Format::Json => Box::new(JsonSink::new(w)),
        Format::Sarif => Box::new(SarifSink::new(w)),
        Format::Html => Box::new(HtmlSink::new(w)),
        Format::Junit => Box::new(JunitSink::new(w)),
        Format::Text => {
            let color = match o.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => terminal && !no_color(),
            };
            Box::new(TextSink::new(
                w,
                TextOptions::default()
                    .color(color)
                    .show_suppressed(o.show_suppressed)
                    .compact(o.compact),
            ))
        }
    }
}
