//! `fourc rules`, `fourc explain` and `fourc test`.

use std::path::PathBuf;

use fourc::{Config, Engine};

use crate::{Compat, EXIT_CLEAN, EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_USAGE, RuleArgs};

fn unknown_rule(engine: &Engine, id: &str) -> u8 {
    eprintln!("error: unknown rule `{id}`");
    let close: Vec<&str> = engine
        .catalog()
        .rules()
        .map(|m| &*m.id)
        .filter(|r| r.contains(id) || id.contains(*r))
        .take(5)
        .collect();
    if close.is_empty() {
        eprintln!("  help: `fourc rules` lists the rule ids");
    } else {
        eprintln!("  help: similar ids: {}", close.join(", "));
    }
    EXIT_USAGE
}

/// `fourc rules [show ID] [--markdown]`.
pub(crate) fn rules(show: Option<String>, args: &RuleArgs, markdown: bool) -> u8 {
    let engine = match super::engine(args, &[], Config::default(), Compat::K8s) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let text = match show {
        Some(id) => match fourc::catalog::show(&engine, &id) {
            Some(t) => t,
            None => return unknown_rule(&engine, &id),
        },
        None if markdown => fourc::catalog::markdown(&engine),
        None => fourc::catalog::list(&engine),
    };
    print!("{text}");
    EXIT_CLEAN
}

/// `fourc explain ID PATH...`: exit 0 whatever the rule found, 3 when an input is unreadable.
pub(crate) fn explain(id: &str, paths: &[PathBuf], args: &RuleArgs, compat: Compat) -> u8 {
    let engine = match super::engine(args, paths, Config::default(), compat) {
        Ok(e) => e,
        Err(code) => return code,
    };
    if engine.catalog().get(id).is_none() {
        return unknown_rule(&engine, id);
    }
    let (docs, errors) = engine.load_inputs(paths);
    for e in &errors {
        eprintln!("error: {e}");
    }
    match fourc::explain::explain(&engine, id, &docs) {
        Some(text) => print!("{text}"),
        None if engine.catalog().get(id).is_some() => {
            eprintln!(
                "error: `fourc explain` shows the rule language's rules; `{id}` is not a rule of the \
                 rule language (its backend, such as Rego, has no explanation)"
            );
            return EXIT_USAGE;
        }
        None => return unknown_rule(&engine, id),
    }
    if errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_INCOMPLETE
    }
}

/// `fourc test [PATH...]`: rule tests, and `gator verify` suites among the paths.
pub(crate) fn test(paths: &[PathBuf]) -> u8 {
    #[cfg(feature = "rego")]
    let (suites, rest): (Vec<PathBuf>, Vec<PathBuf>) = {
        let mut suites = Vec::new();
        let mut rest = Vec::new();
        for p in paths {
            let found = fourc::rego::suite::find(p);
            if found.is_empty() {
                rest.push(p.clone());
            } else {
                suites.extend(found);
            }
        }
        (suites, rest)
    };
    #[cfg(feature = "rego")]
    if !suites.is_empty() {
        let code = gator_suites(&suites);
        if rest.is_empty() {
            return code;
        }
        return code.max(rule_tests(&rest));
    }
    rule_tests(paths)
}

/// Runs `gator verify` suites: a line per case, exit 1 when one fails.
#[cfg(feature = "rego")]
fn gator_suites(suites: &[PathBuf]) -> u8 {
    let mut out = String::new();
    let (mut passed, mut failed) = (0, 0);
    for s in suites {
        for c in fourc::rego::suite::run(s) {
            let status = if c.passed { "ok  " } else { "FAIL" };
            out.push_str(&format!(
                "{status} {} ({} violation{})\n",
                c.name,
                c.violations,
                if c.violations == 1 { "" } else { "s" }
            ));
            for d in &c.detail {
                out.push_str(&format!("       {d}\n"));
            }
            if c.passed {
                passed += 1;
            } else {
                failed += 1;
            }
        }
    }
    out.push_str(&format!(
        "\ngatekeeper: {passed}/{} cases pass\n",
        passed + failed
    ));
    print!("{out}");
    if failed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn rule_tests(paths: &[PathBuf]) -> u8 {
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
    let engine = match super::build(b) {
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
