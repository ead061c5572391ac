//! `fourc rules` and `fourc explain`.

use std::path::PathBuf;

use fourc::{Config, Engine};

use crate::{Compat, EXIT_CLEAN, EXIT_INCOMPLETE, EXIT_USAGE, RuleArgs, RulesFormat};

/// Reports an unknown rule id, with the ids that contain it or that it contains.
pub(crate) fn unknown_rule(engine: &Engine, id: &str) -> u8 {
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

/// `fourc rules [show ID] [--format text|json|markdown]`.
pub(crate) fn rules(show: Option<String>, args: &RuleArgs, format: RulesFormat) -> u8 {
    let engine = match super::engine(args, &[], Config::default(), Compat::K8s) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let text = match show {
        Some(id) => match fourc::catalog::show(&engine, &id) {
            Some(t) => t,
            None => return unknown_rule(&engine, &id),
        },
        None => match format {
            RulesFormat::Text => fourc::catalog::list(&engine),
            RulesFormat::Json => format!("{:#}\n", fourc::catalog::json(&engine)),
            RulesFormat::Markdown => fourc::catalog::markdown(&engine),
        },
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
