//! The documentation's examples work as written: every `fourc.yaml` example of `docs/cli.md` and
//! the README is accepted by `fourc check --config`, every `fourc` command of the README's command
//! table and every `--param` example of `docs/cli.md` is a valid command line, every ```` ```fourc ````
//! block of `docs/language.md` compiles, and what the README says about the toolchain and the
//! licence matches the manifests.
//!
//! Fenced blocks are told apart by their language tag: ```` ```fourc ```` is rule source that must
//! compile, ```` ```text ```` is a template or program output, and a ```` ```yaml ```` block is a
//! `fourc.yaml` unless it is a Kubernetes object (a top-level `apiVersion`, `kind` or
//! `metadata`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fourc::Engine;

mod common;

/// A fenced block of a Markdown file.
struct Block {
    /// The language tag (`yaml`, `fourc`, ...), empty when there is none.
    lang: String,
    /// The line of the opening fence, from 1.
    line: usize,
    body: String,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The fenced blocks of a Markdown text, in order. Fences are lines starting with three
/// backticks, unindented; an unclosed block is an error.
fn blocks(name: &str, text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        match (line.strip_prefix("```"), open.take()) {
            (Some(_), Some(b)) => out.push(b),
            (Some(tag), None) => {
                open = Some(Block {
                    lang: tag.trim().to_string(),
                    line: i + 1,
                    body: String::new(),
                });
            }
            (None, Some(mut b)) => {
                b.body.push_str(line);
                b.body.push('\n');
                open = Some(b);
            }
            (None, None) => {}
        }
    }
    assert!(
        open.is_none(),
        "{name}: the block at line {} is not closed",
        open.map_or(0, |b| b.line)
    );
    out
}

/// The top-level keys of a YAML block (unindented `key:` lines).
fn top_level_keys(yaml: &str) -> Vec<&str> {
    yaml.lines()
        .filter(|l| !l.starts_with([' ', '#', '-']) && !l.trim().is_empty())
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim()))
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("docs_examples", name)
}

/// Runs `fourc` in `dir`, with a fixed date for waiver expiry.
fn fourc_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(args)
        .current_dir(dir)
        .env("FOURC_TODAY", "2026-01-15")
        .output()
        .unwrap()
}

fn manifests() -> String {
    root().join("examples/manifests").display().to_string()
}

/// Whether a run was carried out: 0 (clean) or 1 (findings), not 2 (usage) or 3 (incomplete).
fn assert_ran(what: &str, o: &Output) {
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{what}: exit code {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn fourc_yaml_examples_are_accepted() {
    let mut examples = 0;
    for doc in ["docs/cli.md", "README.md"] {
        for (n, b) in blocks(doc, &read(doc)).iter().enumerate() {
            if b.lang != "yaml" {
                continue;
            }
            let keys = top_level_keys(&b.body);
            if keys
                .iter()
                .any(|k| ["apiVersion", "kind", "metadata"].contains(k))
            {
                continue;
            }
            examples += 1;
            let what = format!("{doc}:{} (fourc.yaml example)", b.line);
            let dir = scratch(&format!("config-{}-{n}", doc.replace(['/', '.'], "-")));
            // `rules.dirs` are relative to the file: give the example the folders it names.
            std::fs::create_dir_all(dir.join("policies")).unwrap();
            let config = dir.join("fourc.yaml");
            std::fs::write(&config, &b.body).unwrap();
            let o = fourc_in(
                &dir,
                &["check", "--config", config.to_str().unwrap(), &manifests()],
            );
            assert_ran(&what, &o);
        }
    }
    assert!(
        examples >= 1,
        "no fourc.yaml example found in docs/cli.md or README.md"
    );
}

/// The `fourc ...` lines of the README's command table (the `sh` block of "Using the command"),
/// each run in a scratch folder with its placeholders filled in.
#[test]
fn readme_command_table_runs() {
    let readme = read("README.md");
    let section = readme
        .split("\n## Using the command\n")
        .nth(1)
        .expect("README has a `## Using the command` section");
    let table = blocks("README.md", section)
        .into_iter()
        .find(|b| b.lang == "sh")
        .expect("the section has a `sh` block");
    let dir = scratch("readme-commands");
    // `--rules my-rules/` names a folder of the user's rules.
    std::fs::create_dir_all(dir.join("my-rules")).unwrap();
    std::fs::write(
        dir.join("my-rules/team.fourc"),
        "rule team-label {\n  title \"Workloads carry a team label\"\n  controls \
         [cluster.resources]\n  severity low\n  on workload as w\n  deny not \
         exists(w.metadata.labels.team)\n}\n",
    )
    .unwrap();
    let manifests = manifests();
    let mut commands = 0;
    for line in table.body.lines() {
        let command = line.split(" #").next().unwrap_or_default().trim();
        let Some(args) = command.strip_prefix("fourc ") else {
            assert!(command.is_empty(), "not a fourc command: {line:?}");
            continue;
        };
        commands += 1;
        let args: Vec<&str> = args
            .split_whitespace()
            .filter(|a| !(a.starts_with('[') || a.ends_with(']')))
            .map(|a| match a {
                "PATH" | "PATH..." => manifests.as_str(),
                other => other,
            })
            .collect();
        for a in &args {
            assert!(
                !a.chars().any(|c| c.is_ascii_uppercase()) || a.starts_with('/'),
                "{command:?}: placeholder `{a}` has no value in this test"
            );
        }
        let o = fourc_in(&dir, &args);
        assert_ran(command, &o);
    }
    assert!(
        commands >= 5,
        "only {commands} commands in the README table"
    );
    // What the table says the SARIF, JUnit and HTML lines write.
    assert!(dir.join("fourc.sarif").is_file());
    assert!(dir.join("out.xml").is_file());
    assert!(dir.join("report.html").is_file());
}

/// `--param 'NAME=VALUE'` examples of docs/cli.md name real parameters with values of their type.
#[test]
fn cli_param_examples_are_accepted() {
    let doc = read("docs/cli.md");
    let mut found = 0;
    for example in doc.split("--param '").skip(1) {
        let value = example.split('\'').next().unwrap();
        found += 1;
        let o = fourc_in(
            root(),
            &["check", "--no-config", "--param", value, &manifests()],
        );
        assert_ran(&format!("--param '{value}'"), &o);
    }
    assert!(found >= 1, "docs/cli.md shows no `--param '...'` example");
}

/// Every ```` ```fourc ```` block of the language guide compiles with the standard library
/// (which its imports name); templates and output are ```` ```text ````, and no block is untagged.
#[test]
fn language_guide_rules_compile() {
    let doc = "docs/language.md";
    let mut compiled = 0;
    for b in blocks(doc, &read(doc)) {
        match b.lang.as_str() {
            "fourc" => {
                let name = format!("docs/language.md:{}.fourc", b.line);
                if let Err(e) = Engine::builder().rule_source(&name, &b.body).build() {
                    panic!("{name} does not compile:\n{e}\n{}", b.body);
                }
                compiled += 1;
            }
            "text" => {}
            other => panic!(
                "{doc}:{}: a block tagged `{other}`: tag rule source `fourc`, and templates or \
                 output `text`",
                b.line
            ),
        }
    }
    assert!(compiled >= 3, "only {compiled} fourc blocks in {doc}");
}

/// The `rust-version` of the workspace is at least every package's, dev-dependencies included,
/// and the README and CI name it.
#[test]
fn rust_version_covers_every_dependency() {
    let o = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let parse = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    let mut ours = None;
    let mut needed: Option<(Vec<u32>, String)> = None;
    for p in meta["packages"].as_array().unwrap() {
        let Some(rv) = p["rust_version"].as_str() else {
            continue;
        };
        if p["name"] == "fourc" {
            ours = Some(rv.to_string());
        }
        if needed.as_ref().is_none_or(|(n, _)| parse(rv) > *n) {
            needed = Some((
                parse(rv),
                format!("{} {} needs {rv}", p["name"], p["version"]),
            ));
        }
    }
    let ours = ours.expect("the fourc package declares a rust-version");
    let (needed, why) = needed.unwrap();
    assert!(
        parse(&ours) >= needed,
        "rust-version is {ours}, but {why}: raise it in Cargo.toml, README.md and .ci/run"
    );
    let readme = read("README.md");
    assert!(
        readme.contains(&format!("stable, {ours} or newer")),
        "README.md does not say `stable, {ours} or newer`"
    );
    assert!(
        read(".ci/run").contains(&format!("stable >= {ours}")),
        ".ci/run does not say `stable >= {ours}`"
    );
    assert!(
        readme.contains("cargo install --path ."),
        "README.md does not say how to install fourc"
    );
}

/// The package declares Apache-2.0, and the repository carries its text.
#[test]
fn license_file_matches_the_declared_license() {
    assert!(
        read("Cargo.toml").contains("license = \"Apache-2.0\""),
        "the workspace no longer declares Apache-2.0: update LICENSE and this test"
    );
    let license = read("LICENSE");
    for part in [
        "Apache License",
        "Version 2.0, January 2004",
        "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
        "END OF TERMS AND CONDITIONS",
        "APPENDIX: How to apply the Apache License to your work.",
    ] {
        assert!(license.contains(part), "LICENSE lacks {part:?}");
    }
}
