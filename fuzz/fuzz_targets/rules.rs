//! The rule language on arbitrary text: parse and compile (with the standard views), render every
//! diagnostic as the command line shows it, and build the rule set (parameter defaults checked)
//! when the text compiles.

use std::sync::Arc;

use policy_core::{RuleSet, RuleSetOptions};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let text = String::from_utf8_lossy(data);
        let mut c = policy_lang::RuleCompiler::new();
        c.add_source("rules/fuzz.fourc", &text);
        match c.compile() {
            Ok(compiled) => {
                for d in &compiled.warnings {
                    let _ = (d.render(true), d.line_col());
                }
                let _ = RuleSet::new(Arc::new(compiled.program), RuleSetOptions::default());
            }
            Err(errors) => {
                for d in errors.diagnostics() {
                    let _ = (d.render(true), d.line_col());
                }
            }
        }
    });
}
