//! The one exact workaround for a regorus 0.14.1 difference from OPA: chained rule bodies.
//!
//! In Rego v0, `p[x] { a } { b }` defines `p` twice, once per body (OPA). regorus 0.14.1 reads
//! the second body as an `else` (an error for a set rule, a different rule otherwise). Written
//! out as `p[x] { a }` and `p[x] { b }`, the policy means the same to OPA and regorus alike, so
//! [`split_chained_bodies`] rewrites it so, on the token level: strings, raw strings and
//! comments are skipped, and only a `{` that follows (after blanks and comments) a `}` closing a
//! top-level rule body starts a chained body. Line numbers are kept: the head is repeated on the
//! line of the chained body.

/// `rego` with every chained body given its rule's head, or `None` when it has none.
pub(crate) fn split_chained_bodies(rego: &str) -> Option<String> {
    let mut out = String::with_capacity(rego.len());
    let mut depth = 0usize;
    // Where the current top-level statement starts, and its head once its body opened.
    let mut stmt_start: Option<usize> = None;
    let mut head: Option<String> = None;
    // The last character that is not blank or in a comment (`"` for a string).
    let mut prev = '\n';
    // Whether the open top-level brace is a body (not an object or set in the head).
    let mut in_body = false;
    // A top-level body just closed, and only blanks or comments followed.
    let mut after_body = false;
    let mut changed = false;
    let mut chars = rego.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '#' {
            out.push(c);
            while let Some((_, d)) = chars.next_if(|(_, d)| *d != '\n') {
                out.push(d);
            }
            continue;
        }
        if c.is_whitespace() {
            if c == '\n' && depth == 0 {
                stmt_start = None;
            }
            out.push(c);
            continue;
        }
        let chained = depth == 0 && c == '{' && after_body;
        if depth == 0 && stmt_start.is_none() && !chained {
            stmt_start = Some(i);
            head = None;
        }
        after_body = false;
        match c {
            '"' | '`' => {
                out.push(c);
                let mut escaped = false;
                for (_, d) in chars.by_ref() {
                    out.push(d);
                    if c == '"' && escaped {
                        escaped = false;
                    } else if c == '"' && d == '\\' {
                        escaped = true;
                    } else if d == c {
                        break;
                    }
                }
                prev = '"';
                continue;
            }
            '{' if depth == 0 => {
                // After `=`, `:=`, an operator or a comma, a brace opens a value of the head.
                in_body = !"=,|&+-*/<>!:".contains(prev);
                if chained && in_body {
                    if let Some(h) = &head {
                        out.push_str(h);
                        out.push(' ');
                        changed = true;
                    }
                } else if in_body {
                    let start = stmt_start.unwrap_or(i);
                    head = rego.get(start..i).map(|h| h.trim_end().to_string());
                }
                depth += 1;
            }
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => {
                depth = depth.saturating_sub(1);
                after_body = depth == 0 && c == '}' && in_body;
                if depth == 0 {
                    in_body = false;
                }
            }
            _ => {}
        }
        prev = c;
        out.push(c);
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;

    #[test]
    fn chained_bodies_get_their_head() {
        let rego =
            "package p\n\nviolation[{\"msg\": msg}] {\n  msg := \"a\"\n} {\n  msg := \"b\"\n}\n";
        assert_eq!(
            split_chained_bodies(rego).unwrap(),
            "package p\n\nviolation[{\"msg\": msg}] {\n  msg := \"a\"\n} violation[{\"msg\": msg}] {\n  msg := \"b\"\n}\n"
        );
        let valued = "package p\nf(c) = {\"a\": c} { c > 0 } { c < -1 }\n";
        assert_eq!(
            split_chained_bodies(valued).unwrap(),
            "package p\nf(c) = {\"a\": c} { c > 0 } f(c) = {\"a\": c} { c < -1 }\n"
        );
        let one_line = "package p\ns[x] { x := 1 } { x := 2 }\n";
        assert_eq!(
            split_chained_bodies(one_line).unwrap(),
            "package p\ns[x] { x := 1 } s[x] { x := 2 }\n"
        );
    }

    #[test]
    fn other_braces_are_left_alone() {
        for rego in [
            // Separate rules, objects, else, strings and comments with braces.
            "package p\na { true }\nb { true }\n",
            "package p\nx := {\"a\": 1}\ny { x.a == 1 }\n",
            "package p\nf(x) = 1 { x > 0 } else = 2 { true }\n",
            "package p\nm := \"} {\"\nn { true } # } {\n",
            "package p\nr[v] { v := {\"k\": {1}} }\n",
            // An object as the rule's value, then its body.
            "package p\nf(c) = {\"a\": c} { c > 0 }\ng = {1, 2} { true }\n",
        ] {
            assert_eq!(split_chained_bodies(rego), None, "{rego}");
        }
    }

    #[test]
    fn regorus_reads_the_rewrite_as_opa_reads_the_original() {
        let rego = "package p\ns[x] { x := 1 } { x := 2 }\n";
        let mut e = regorus::Engine::new();
        e.set_rego_v0(true);
        assert!(e.add_policy("a.rego".into(), rego.into()).is_err());
        let fixed = split_chained_bodies(rego).unwrap();
        e.add_policy("a.rego".into(), fixed).unwrap();
        let v = e.eval_rule("data.p.s".into()).unwrap();
        assert_eq!(v.as_set().unwrap().len(), 2);
    }

    /// None of the library's templates chains bodies: the rewrite leaves every one as it is.
    #[test]
    fn the_library_templates_are_left_alone() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gatekeeper/library");
        let mut seen = 0;
        for group in std::fs::read_dir(&root).unwrap() {
            for policy in std::fs::read_dir(group.unwrap().path()).unwrap() {
                let path = policy.unwrap().path().join("template.yaml");
                let text = std::fs::read_to_string(&path).unwrap();
                let source = policy_core::Source::new("t.yaml", text);
                let loaded =
                    policy_core::yaml::load_str(&source, &policy_core::LoadOptions::default());
                let json = loaded.documents[0].root().value.to_json();
                for t in json.pointer("/spec/targets").unwrap().as_array().unwrap() {
                    let code = t["code"].as_array().into_iter().flatten();
                    let sources =
                        std::iter::once(&t["rego"]).chain(code.map(|c| &c["source"]["rego"]));
                    for rego in sources.filter_map(|r| r.as_str()) {
                        assert_eq!(split_chained_bodies(rego), None, "{}", path.display());
                        seen += 1;
                    }
                }
            }
        }
        assert_eq!(seen, 12);
    }
}
