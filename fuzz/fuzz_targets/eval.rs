//! A random rule over a random document through the public facade: the input is a rule source,
//! a NUL byte, then a YAML document. A rule that does not compile ends the run; one that does is
//! the only rule of an engine (standard library off), which checks the document, runs the rule
//! file's own tests, and renders the scan in one of the report formats.

use fourc::output::Format;
use fourc::{Date, Engine};

const FORMATS: [Format; 5] = [
    Format::Text,
    Format::Json,
    Format::Sarif,
    Format::Junit,
    Format::Html,
];

fn main() {
    let today = Date::new(2026, 1, 1);
    afl::fuzz!(|data: &[u8]| {
        let (rule, doc) = match data.iter().position(|&b| b == 0) {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (data, &[][..]),
        };
        let rule = String::from_utf8_lossy(rule);
        let doc = String::from_utf8_lossy(doc);
        let mut builder = Engine::builder()
            .stdlib(false)
            .rule_source("rules/fuzz.fourc", &rule);
        if let Some(d) = today {
            builder = builder.today(d);
        }
        let Ok(engine) = builder.build() else {
            return;
        };
        let scan = engine.check_str("fuzz.yaml", &doc);
        let format = FORMATS[(rule.len() + doc.len()) % FORMATS.len()];
        let _ = format.render(&scan);
        let _ = engine.run_tests();
    });
}
