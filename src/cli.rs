//! The command's pieces: the engine from flags and `fourc.yaml`, and each subcommand.

pub(crate) mod check;
pub(crate) mod progress;
pub(crate) mod rules;
pub(crate) mod test;
pub(crate) mod test_report;

use std::path::{Path, PathBuf};

use fourc::{
    BuildError, Config, ConfigError, Date, Engine, LoadOptions, PssLevel, Severity, Source,
    YamlCompat,
};

use crate::{Compat, EXIT_USAGE, Level, RuleArgs};

/// The environment variable that fixes "today" for waiver expiry (reproducible runs, tests).
pub(crate) const ENV_TODAY: &str = "FOURC_TODAY";

/// Builds the engine: the configuration file (given, or found from the first folder among
/// `paths`, else from the current folder: see [`config_file`]), then the flags, which win. The
/// settings file used is named on standard error. Errors are printed; the exit code is returned.
pub(crate) fn engine(
    args: &RuleArgs,
    paths: &[PathBuf],
    extra: Config,
    compat: Compat,
) -> Result<Engine, u8> {
    build(builder(args, paths, extra, compat)?)
}

/// The builder [`engine`] builds: settings and flags applied, nothing compiled yet.
pub(crate) fn builder(
    args: &RuleArgs,
    paths: &[PathBuf],
    extra: Config,
    compat: Compat,
) -> Result<fourc::EngineBuilder, u8> {
    let mut b = Engine::builder().yaml_compat(match compat {
        Compat::K8s => YamlCompat::Kubernetes,
        Compat::Yaml12 => YamlCompat::Yaml12,
    });
    if let Some(file) = config_file(args, paths) {
        if args.config.is_none() {
            eprintln!("fourc: using settings from {}", file.display());
        }
        match Config::load(&file) {
            Ok(c) if args.config.is_none() => b = b.config(c.found()),
            Ok(c) => b = b.config(c),
            Err(errs) => return Err(config_errors(errs.errors())),
        }
    }
    b = b.config(flags(args, extra)?);
    if let Some(name) = &args.input_format {
        b = b.force_input_format(name);
    }
    for f in &args.tf_var_files {
        b = b.terraform_var_file(f);
    }
    if let Ok(today) = std::env::var(ENV_TODAY) {
        match Date::parse(&today) {
            Some(d) => b = b.today(d),
            None => {
                eprintln!("error: `{ENV_TODAY}` must be a date as YYYY-MM-DD, found `{today}`");
                return Err(EXIT_USAGE);
            }
        }
    }
    Ok(b)
}

/// The settings file: `--config`; else, unless `--no-config`, the first `fourc.yaml` (or
/// `fourc.yml`) found from the first scanned folder (or the folder of the first scanned file)
/// upwards, then from the current folder upwards, each search stopping at the root of its Git
/// repository (see [`Config::find_from`]).
fn config_file(args: &RuleArgs, paths: &[PathBuf]) -> Option<PathBuf> {
    if let Some(c) = &args.config {
        return Some(c.clone());
    }
    if args.no_config {
        return None;
    }
    let scanned = paths.iter().find_map(|p| {
        if p.is_dir() {
            Some(p.as_path())
        } else if p.is_file() {
            p.parent().map(|d| {
                if d.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    d
                }
            })
        } else {
            None
        }
    });
    scanned
        .and_then(Config::find_from)
        .or_else(|| Config::find_from(Path::new(".")))
        .map(|p| shown(&p))
}

/// A path relative to the current folder when it lies below it, as people typed it.
fn shown(p: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| p.to_path_buf())
}

/// The settings given as flags.
fn flags(args: &RuleArgs, mut c: Config) -> Result<Config, u8> {
    if args.no_stdlib {
        c = c.stdlib(false);
    }
    for d in &args.rules {
        c = c.rules_dir(d);
    }
    if let Some(l) = args.pss_level {
        c = c.pss_level(match l {
            Level::Baseline => PssLevel::Baseline,
            Level::Restricted => PssLevel::Restricted,
        });
    }
    if let Some(v) = &args.pss_version {
        c = c.pss_version(v);
    }
    for id in &args.enable_rules {
        c = c.enable_rule(id);
    }
    for id in &args.disable_rules {
        c = c.disable_rule(id);
    }
    for k in &args.enable_controls {
        c = c.enable_control(k);
    }
    for k in &args.disable_controls {
        c = c.disable_control(k);
    }
    for s in &args.severities {
        let (id, level) = split(s, "--severity", "ID=LEVEL")?;
        let Some(sev) = Severity::parse(level) else {
            eprintln!(
                "error: unknown severity `{level}` in `--severity {s}`\n  help: expected `critical`, `high`, `medium`, `low` or `info`"
            );
            return Err(EXIT_USAGE);
        };
        c = c.severity(id, sev);
    }
    for ns in &args.conftest_namespaces {
        c = c.conftest_namespace(ns);
    }
    if args.conftest_all_namespaces {
        c = c.conftest_all_namespaces(true);
    }
    for p in &args.params {
        let (name, text) = split(p, "--param", "NAME=VALUE")?;
        c = c.param(name, yaml_value(name, text)?);
    }
    Ok(c)
}

fn split<'a>(s: &'a str, flag: &str, shape: &str) -> Result<(&'a str, &'a str), u8> {
    match s.split_once('=') {
        Some((a, b)) if !a.trim().is_empty() => Ok((a.trim(), b.trim())),
        _ => {
            eprintln!("error: `{flag} {s}` is not `{shape}`");
            Err(EXIT_USAGE)
        }
    }
}

/// A flag value read as YAML 1.2 (`[a, b]` is a list, `3` an int, `x` a string).
fn yaml_value(name: &str, text: &str) -> Result<fourc::Value, u8> {
    let opts = LoadOptions {
        compat: YamlCompat::Yaml12,
        ..LoadOptions::default()
    };
    let src = Source::new("--param", format!("v: {text}"));
    let loaded = fourc::input::load_yaml(&src, &opts);
    let value = loaded
        .documents
        .first()
        .and_then(|d| d.root().get("v"))
        .map(|n| n.value.clone());
    match (loaded.errors.first(), value) {
        (None, Some(v)) => Ok(v),
        (e, _) => {
            let why = e.map(|e| e.message().to_string()).unwrap_or_default();
            eprintln!("error: the value of `--param {name}` is not YAML: {why}");
            Err(EXIT_USAGE)
        }
    }
}

/// Builds, printing warnings, or every error and the exit code.
pub(crate) fn build(builder: fourc::EngineBuilder) -> Result<Engine, u8> {
    match builder.build() {
        Ok(e) => {
            report_diagnostics(e.warnings());
            Ok(e)
        }
        Err(BuildError::Compile(errs)) => {
            report_diagnostics(errs.diagnostics());
            let n = errs.error_count();
            eprintln!(
                "error: the rules do not compile ({n} error{}); no document was read",
                if n == 1 { "" } else { "s" }
            );
            Err(EXIT_USAGE)
        }
        Err(BuildError::Config(errs)) => Err(config_errors(errs.errors())),
        Err(e) => {
            eprintln!("error: {e}");
            Err(EXIT_USAGE)
        }
    }
}

/// `--color always` or `never` for diagnostics on standard error too (set once, by `check`).
static STDERR_COLOR: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Makes `--color always|never` also decide the colour of compile and settings errors.
pub(crate) fn set_stderr_color(color: crate::Color) {
    match color {
        crate::Color::Always => {
            let _ = STDERR_COLOR.set(true);
        }
        crate::Color::Never => {
            let _ = STDERR_COLOR.set(false);
        }
        crate::Color::Auto => {}
    }
}

/// Whether diagnostics on standard error are coloured: as `--color` says, else a terminal with
/// `NO_COLOR` unset.
fn stderr_color() -> bool {
    use std::io::IsTerminal;
    STDERR_COLOR
        .get()
        .copied()
        .unwrap_or_else(|| std::io::stderr().is_terminal() && !check::no_color())
}

fn config_errors(errs: &[ConfigError]) -> u8 {
    let color = stderr_color();
    for e in errs {
        eprint!("{}", e.render(color));
    }
    let n = errs.len();
    eprintln!(
        "error: the settings are not valid ({n} error{}); nothing was scanned",
        if n == 1 { "" } else { "s" }
    );
    EXIT_USAGE
}

fn report_diagnostics(diags: &[fourc::Diagnostic]) {
    let color = stderr_color();
    for d in diags {
        eprintln!("{}", d.render(color));
    }
}
