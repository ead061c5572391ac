//! The `fourc` command.
//!
//! ```text
//! fourc check PATH... [--format text|json|sarif|junit|html[=FILE]]... [--output FILE] [--fail-on SEVERITY]
//! fourc rules [show ID] [--format text|json|markdown]
//! fourc explain ID PATH...
//! fourc test [PATH...] [--rule ID]... [--run PATTERN]... [--format text|json|junit[=FILE]]...
//! fourc completions bash|zsh|fish|elvish|powershell
//! ```
//!
//! # Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | no standing finding at or above the `--fail-on` severity (waived findings never count) |
//! | 1 | findings at or above `--fail-on` (default `info`: any standing finding); failed rule tests |
//! | 2 | usage error, an invalid `fourc.yaml` or flag value, or rules that do not compile: nothing was scanned |
//! | 3 | some inputs could not be read or a rule could not be evaluated on a document; everything else was still scanned and reported |
//!
//! Code 3 wins over 1. `docs/cli.md` documents every flag and the configuration file.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code: no finding at or above the threshold.
const EXIT_CLEAN: u8 = 0;
/// Exit code: findings at or above the threshold (or failed rule tests).
const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage error, invalid configuration, or rules that do not compile.
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
enum Compat {
    /// Kubernetes (YAML 1.1 as kubectl reads it: `no` is false, `0644` is 420).
    K8s,
    /// YAML 1.2 core schema.
    #[value(name = "1.2")]
    Yaml12,
}

#[derive(Clone, Copy, ValueEnum)]
enum Level {
    Baseline,
    Restricted,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    /// Colour when standard output is a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

/// Which rules run, and how: every flag also has a `fourc.yaml` key; flags win.
#[derive(clap::Args)]
struct RuleArgs {
    /// Read settings from this file instead of the scanned folder's `fourc.yaml`.
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// Do not look for a `fourc.yaml`.
    #[arg(long, global = true)]
    no_config: bool,
    /// A folder of extra rules (repeatable): `.fourc` files, and with the `rego` feature
    /// Gatekeeper ConstraintTemplates and Constraints (`.yaml`) and conftest policies (`.rego`).
    #[arg(long = "rules", value_name = "DIR", global = true)]
    rules: Vec<PathBuf>,
    /// Leave out the embedded standard library.
    #[arg(long, global = true)]
    no_stdlib: bool,
    /// Read every input with this input format (`kubernetes`, ...), whatever its name or
    /// content says.
    #[arg(long, value_name = "NAME", global = true)]
    input_format: Option<String>,
    /// A Terraform variable file applied to every Terraform folder read, after
    /// `terraform.tfvars` and `*.auto.tfvars` (repeatable; later files win).
    #[arg(long = "tf-var-file", value_name = "FILE", global = true)]
    tf_var_files: Vec<PathBuf>,
    /// Pod Security Standards level: `restricted` (the default) includes `baseline`.
    #[arg(long, value_enum, global = true)]
    pss_level: Option<Level>,
    /// Pod Security Standards version (`v1.0` ... `v1.37`, or `latest`, the default).
    #[arg(long, global = true)]
    pss_version: Option<String>,
    /// Run only this rule (repeatable; with --enable-control, the union runs).
    #[arg(long = "enable-rule", value_name = "ID", global = true)]
    enable_rules: Vec<String>,
    /// Leave out a rule by id (repeatable).
    #[arg(long = "disable-rule", value_name = "ID", global = true)]
    disable_rules: Vec<String>,
    /// Run only the rules of this control (repeatable).
    #[arg(long = "enable-control", value_name = "KEY", global = true)]
    enable_controls: Vec<String>,
    /// Leave out the rules of a control (repeatable).
    #[arg(long = "disable-control", value_name = "KEY", global = true)]
    disable_controls: Vec<String>,
    /// Override a rule's severity, as `ID=LEVEL` (repeatable).
    #[arg(long = "severity", value_name = "ID=LEVEL", global = true)]
    severities: Vec<String>,
    /// Set a rule parameter, as `NAME=VALUE` with the value in YAML (`--param 'caps=[NET_ADMIN]'`).
    #[arg(long = "param", value_name = "NAME=VALUE", global = true)]
    params: Vec<String>,
    /// Run the conftest rules of this Rego package (repeatable; conftest's `--namespace`; the
    /// default is `main`).
    #[arg(long = "conftest-namespace", value_name = "PACKAGE", global = true)]
    conftest_namespaces: Vec<String>,
    /// Run the conftest rules of every Rego package (conftest's `--all-namespaces`).
    #[arg(long, global = true)]
    conftest_all_namespaces: bool,
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
        /// Output format, optionally with a file: `text`, `json`, `sarif`, `junit`, `html`,
        /// `sarif=out.sarif`; repeatable or comma-separated to write several. When every format
        /// names a file and none is `text`, the text report still goes to standard output.
        #[arg(long = "format", value_name = "FORMAT[=FILE]", default_value = "text")]
        formats: Vec<String>,
        /// Write the formats that name no file here instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The least severe standing finding that fails the run (exit code 1).
        #[arg(long, value_enum, default_value = "info")]
        fail_on: FailOn,
        /// When to colour the text report.
        #[arg(long, value_enum, default_value = "auto")]
        color: Color,
        /// List waived findings in the text report, not only count them.
        #[arg(long)]
        show_suppressed: bool,
        /// One line per finding in the text report (`file:line:col: severity [rule] message`),
        /// without source lines or fixes.
        #[arg(long)]
        compact: bool,
        /// Skip files under the scanned folders whose path matches this glob (repeatable).
        #[arg(long = "exclude", value_name = "GLOB")]
        excludes: Vec<String>,
        /// Drop findings in namespaces matching this pattern (repeatable).
        #[arg(long = "exclude-namespace", value_name = "PATTERN")]
        exclude_namespaces: Vec<String>,
        /// How YAML scalars are read.
        #[arg(long, value_enum, default_value = "k8s")]
        yaml_compat: Compat,
        /// Differential mode: run the Rego rules of DIR (Gatekeeper or conftest) beside the
        /// fourc rules that check the same thing, and report where they disagree (`text` or
        /// `json`; exit 1 on a disagreement).
        #[cfg(feature = "rego")]
        #[arg(long, value_name = "DIR")]
        compare_rego: Option<PathBuf>,
    },
    /// List the rules and which controls they cover; `rules show ID` describes one rule.
    Rules {
        #[command(subcommand)]
        show: Option<RulesCommand>,
        #[command(flatten)]
        rules: RuleArgs,
        /// How to print the catalogue: a table, JSON (schema in docs/cli.md), or the Markdown of
        /// docs/rules.md.
        #[arg(long, value_enum, default_value = "text")]
        format: RulesFormat,
        /// Print the Markdown catalogue (as in docs/rules.md): `--format markdown`.
        #[arg(long, conflicts_with = "format")]
        markdown: bool,
    },
    /// Show why a rule fired or not on each document it matches, with the values it saw.
    Explain {
        /// The rule id.
        id: String,
        /// The manifests.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        rules: RuleArgs,
        /// How YAML scalars are read.
        #[arg(long, value_enum, default_value = "k8s")]
        yaml_compat: Compat,
    },
    /// Run the `test` blocks of rule files, and `gator verify` suites (suite files, or folders
    /// holding them). The rules are compiled as `check` compiles them: with the standard
    /// library (whose modules they may import), `--rules` folders and `fourc.yaml` settings.
    Test {
        /// Folders or files of rules whose tests to run, or gator suites; none runs the tests of
        /// the `--rules` folders (and `rules.dirs`), else the standard library's.
        paths: Vec<PathBuf>,
        #[command(flatten)]
        rules: RuleArgs,
        /// Run only the tests of this rule (repeatable).
        #[arg(long = "rule", value_name = "ID")]
        only_rules: Vec<String>,
        /// Run only the tests whose name `RULE-ID NAME` matches: a glob when it holds `*`, `?` or
        /// `[`, else a substring (repeatable).
        #[arg(long = "run", value_name = "PATTERN")]
        run: Vec<String>,
        /// Output format, optionally with a file: `text`, `json`, `junit`, `junit=tests.xml`;
        /// repeatable or comma-separated.
        #[arg(long = "format", value_name = "FORMAT[=FILE]", default_value = "text")]
        formats: Vec<String>,
        /// Write the formats that name no file here instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print a shell completion script: `fourc completions bash > /etc/bash_completion.d/fourc`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RulesFormat {
    /// The rule table and the per-control coverage.
    Text,
    /// The catalogue as JSON.
    Json,
    /// The Markdown catalogue kept in docs/rules.md.
    Markdown,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Describe one rule: metadata, parameters, remediation and source.
    Show {
        /// The rule id.
        id: String,
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
            formats,
            output,
            fail_on,
            color,
            show_suppressed,
            compact,
            excludes,
            exclude_namespaces,
            yaml_compat,
            #[cfg(feature = "rego")]
            compare_rego,
        } => cli::check::run(&cli::check::Options {
            paths: &paths,
            rules: &rules,
            formats: &formats,
            output: output.as_deref(),
            fail_on,
            color,
            show_suppressed,
            compact,
            excludes: &excludes,
            exclude_namespaces: &exclude_namespaces,
            compat: yaml_compat,
            #[cfg(feature = "rego")]
            compare_rego: compare_rego.as_deref(),
        }),
        Command::Rules {
            show,
            rules,
            format,
            markdown,
        } => cli::rules::rules(
            show.map(|RulesCommand::Show { id }| id),
            &rules,
            if markdown {
                RulesFormat::Markdown
            } else {
                format
            },
        ),
        Command::Explain {
            id,
            paths,
            rules,
            yaml_compat,
        } => cli::rules::explain(&id, &paths, &rules, yaml_compat),
        Command::Test {
            paths,
            rules,
            only_rules,
            run,
            formats,
            output,
        } => cli::test::run(&cli::test::Options {
            paths: &paths,
            rules: &rules,
            only_rules: &only_rules,
            patterns: &run,
            formats: &formats,
            output: output.as_deref(),
        }),
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            clap_complete::generate(shell, &mut Cli::command(), "fourc", &mut std::io::stdout());
            EXIT_CLEAN
        }
    })
}
