//! The `fourc` command.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use fourc::{BuildError, Engine, EngineBuilder, PssLevel, YamlCompat};

/// Exit code: no findings.
const EXIT_CLEAN: u8 = 0;
/// Exit code: findings (or failed rule tests).
const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage error, or rules that do not compile.
const EXIT_USAGE: u8 = 2;
/// Exit code: some inputs could not be read, or a rule could not be evaluated on a document;
/// the findings of everything else are still reported.
const EXIT_INCOMPLETE: u8 = 3;

#[derive(Parser)]
#[command(
    name = "fourc",
    version,
    about = "A declarative policy engine for cloud native security (Cloud, Cluster, Container, Code)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Compat {
    /// Kubernetes (YAML 1.1 as kubectl reads it: `no` is false, `0644` is 420).
    K8s,
    /// YAML 1.2 core schema.
    #[value(name = "1.2")]
    Yaml12,
}

#[derive(clap::Args)]
struct RuleArgs {
    /// A folder of extra `.fourc` rule files (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Leave out the embedded standard library.
    #[arg(long)]
    no_stdlib: bool,
    /// Pod Security Standards level: `restricted` includes `baseline`.
    #[arg(long, value_enum, default_value = "restricted")]
    pss_level: Level,
    /// Pod Security Standards version (`v1.0` ... `v1.37`, or `latest`).
    #[arg(long, default_value = "latest")]
    pss_version: String,
    /// Leave out a rule by id (repeatable).
    #[arg(long = "disable-rule", value_name = "ID")]
    disable_rules: Vec<String>,
    /// Leave out the rules of a control (repeatable).
    #[arg(long = "disable-control", value_name = "KEY")]
    disable_controls: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Level {
    Baseline,
    Restricted,
}

#[derive(Subcommand)]
enum Command {
    /// Scan manifests: files, folders (recursively: .yaml, .yml, .json) or `-` for stdin.
    Check {
        /// What to scan.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        rules: RuleArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// How YAML scalars are read.
        #[arg(long, value_enum, default_value = "k8s")]
        yaml_compat: Compat,
    },
    /// Run the `test` blocks of rule files (the standard library's, and those under the paths).
    Test {
        /// Folders or files of rules whose tests to run; none runs the standard library's.
        paths: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_CLEAN
            });
        }
    };
    ExitCode::from(match cli.command {
        Command::Check {
            paths,
            rules,
            format,
            yaml_compat,
        } => check(&paths, &rules, format, yaml_compat),
        Command::Test { paths } => test(&paths),
    })
}

fn build(builder: EngineBuilder) -> Result<Engine, u8> {
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
        Err(e) => {
            eprintln!("error: {e}");
            Err(EXIT_USAGE)
        }
    }
}

fn report_diagnostics(diags: &[fourc::Diagnostic]) {
    for d in diags {
        eprintln!("{:?}", miette::Report::new(d.clone()));
    }
}

fn check(paths: &[PathBuf], rules: &RuleArgs, format: Format, compat: Compat) -> u8 {
    let mut b = Engine::builder()
        .stdlib(!rules.no_stdlib)
        .pss_level(match rules.pss_level {
            Level::Baseline => PssLevel::Baseline,
            Level::Restricted => PssLevel::Restricted,
        });
    if rules.pss_version != "latest" {
        b = b.pss_version(&rules.pss_version);
    }
    for id in &rules.disable_rules {
        b = b.disable_rule(id);
    }
    for c in &rules.disable_controls {
        b = b.disable_control(c);
    }
    for dir in &rules.rules {
        b = b.rules_dir(dir);
    }
    b = b.yaml_compat(match compat {
        Compat::K8s => YamlCompat::Kubernetes,
        Compat::Yaml12 => YamlCompat::Yaml12,
    });
    let engine = match build(b) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let scan = engine.check_paths(paths);
    let rendered = match format {
        Format::Text => fourc::output::text(&scan),
        Format::Json => fourc::output::json(&scan),
    };
    let mut out = std::io::stdout().lock();
    if out.write_all(rendered.as_bytes()).is_err() {
        return EXIT_INCOMPLETE;
    }
    if !scan.load_errors.is_empty() || !scan.report.errors.is_empty() {
        EXIT_INCOMPLETE
    } else if scan.report.findings.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }
}

fn test(paths: &[PathBuf]) -> u8 {
    let mut b = Engine::builder().stdlib(paths.is_empty());
    for p in paths {
        if p.is_dir() {
            b = b.rules_dir(p);
        } else {
            match std::fs::read_to_string(p) {
                Ok(t) => b = b.rule_source(&p.display().to_string(), &t),
                Err(e) => {
                    eprintln!("error: cannot read `{}`: {e}", p.display());
                    return EXIT_USAGE;
                }
            }
        }
    }
    let engine = match build(b) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let report = engine.run_tests();
    let mut out = String::new();
    for c in &report.cases {
        let status = if c.passed { "ok  " } else { "FAIL" };
        out.push_str(&format!(
            "{status} {} {} ({} finding{}) at {}\n",
            c.rule,
            c.expected,
            c.findings,
            if c.findings == 1 { "" } else { "s" },
            c.location
        ));
        for d in &c.detail {
            out.push_str(&format!("       {d}\n"));
        }
    }
    out.push_str(&format!(
        "\nrule tests: {} passed, {} failed\n",
        report.passed(),
        report.failed()
    ));
    print!("{out}");
    if report.failed() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
