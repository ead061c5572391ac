//! The exact workarounds for regorus 0.14.1 differences from OPA: chained rule bodies, and
//! references passed to a negated call.
//!
//! # Chained bodies
//!
//! In Rego v0, `p[x] { a } { b }` defines `p` twice, once per body (OPA). regorus 0.14.1 reads
//! the second body as an `else` (an error for a set rule, a different rule otherwise). Written
//! out as `p[x] { a }` and `p[x] { b }`, the policy means the same to OPA and regorus alike, so
//! [`split_chained_bodies`] rewrites it so, on the token level: strings, raw strings and
//! comments are skipped, and only a `{` that follows (after blanks and comments) a `}` closing a
//! top-level rule body starts a chained body. Line numbers are kept: the head is repeated on the
//! line of the chained body.
//!
//! # Negated calls
//!
//! OPA's compiler binds every reference and every call passed as an argument of a call to a new
//! variable before the expression (the `RewriteDynamicTerms` and `RewriteExprTerms` stages:
//! `f(data.bar)` becomes `__local0__ = data.bar; f(__local0__)`), and it does so for a negated
//! expression as well: the binding is not negated. So `not f(x, params.ranges)`, where
//! `params.ranges` is undefined, makes the rule body fail in OPA; regorus 0.14.1 evaluates the
//! negation as a whole, the call is undefined and `not` holds. [`hoist_negated_call_args`]
//! writes the bindings out as OPA's compiler does (`__fourc_arg0__ = params.ranges; not f(x,
//! __fourc_arg0__)`, on the same line), which regorus then evaluates as OPA evaluates the
//! original. Only a statement `not name(args)` (no `with`, nothing after the call) is rewritten,
//! and only when every argument is a literal, a variable, or a reference or call without `_`,
//! comprehension or line break: each reference or call argument is bound. A statement with any
//! other argument is left as it is.

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

/// `rego` with strings and comments masked, byte for byte: a string's content reads as `x`
/// (its quotes are kept), a comment as blanks; line breaks outside strings are kept.
fn mask(rego: &str) -> Vec<u8> {
    let bytes = rego.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'#' => {
                while let Some(b) = out.get_mut(i) {
                    if *b == b'\n' {
                        break;
                    }
                    *b = b' ';
                    i += 1;
                }
            }
            b'"' | b'`' => {
                i += 1;
                let mut escaped = false;
                while let Some(&d) = bytes.get(i) {
                    if d == c && !escaped {
                        break;
                    }
                    escaped = c == b'"' && d == b'\\' && !escaped;
                    if let Some(b) = out.get_mut(i) {
                        *b = b'x';
                    }
                    i += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The identifier starting at `i` of `code` (empty when none does).
fn ident_at(code: &[u8], i: usize) -> &[u8] {
    let rest = code.get(i..).unwrap_or_default();
    let n = if rest.first().is_some_and(u8::is_ascii_digit) {
        0
    } else {
        rest.iter().take_while(|c| is_ident(**c)).count()
    };
    rest.get(..n).unwrap_or_default()
}

/// Where the bracket opened at `open` closes (its index), in masked code.
fn closing(code: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, c) in code.iter().enumerate().skip(open) {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// The names a module defines at its top level (rules, functions, import aliases), which a
/// bare name in a rule body can refer to (OPA binds them as references).
fn top_level_names(code: &[u8]) -> Vec<Vec<u8>> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut start = true;
    let mut i = 0;
    while let Some(&c) = code.get(i) {
        if depth == 0 && start && !c.is_ascii_whitespace() {
            start = false;
            let word = ident_at(code, i);
            let line_end = code
                .iter()
                .skip(i)
                .position(|b| *b == b'\n')
                .map_or(code.len(), |n| i + n);
            let line = code.get(i..line_end).unwrap_or_default();
            let words: Vec<&[u8]> = line
                .split(|b| b.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
                .collect();
            match word {
                b"package" => {}
                b"import" => {
                    let alias = match words.as_slice() {
                        [_, _, b"as", alias, ..] => Some(alias.to_vec()),
                        [_, path, ..] => path.rsplit(|b| *b == b'.').next().map(<[u8]>::to_vec),
                        _ => None,
                    };
                    names.extend(alias);
                }
                b"default" => {
                    names.extend(words.get(1).map(|w| ident_at(w, 0).to_vec()));
                }
                w if !w.is_empty() => names.push(w.to_vec()),
                _ => {}
            }
        }
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' if depth == 0 => start = true,
            _ => {}
        }
        i += 1;
    }
    names
}

/// What a negated call does with one of its arguments.
enum Arg {
    /// A literal or a local variable: left as it is (OPA binds neither).
    Keep,
    /// A reference or a call: bound to a variable first.
    Bind,
}

/// How the argument `code` (masked, trimmed) is rewritten; `None` when the statement must be
/// left alone (an argument this rewrite does not cover).
fn classify(code: &[u8], original: &str, top: &[Vec<u8>]) -> Option<Arg> {
    let first = *code.first()?;
    if first == b'"' || first == b'`' {
        let quotes = code.iter().filter(|c| **c == first).count();
        return (quotes == 2 && code.last() == Some(&first)).then_some(Arg::Keep);
    }
    if (first.is_ascii_digit() || first == b'-')
        && code
            .iter()
            .all(|c| c.is_ascii_digit() || b".eE+-".contains(c))
    {
        return Some(Arg::Keep);
    }
    let head = ident_at(code, 0);
    if head.is_empty() || head == b"_" || original.contains('\n') {
        return None;
    }
    if head.len() == code.len() {
        let literal = matches!(head, b"true" | b"false" | b"null");
        let reference = head == b"input" || head == b"data" || top.iter().any(|n| n == head);
        return (!reference || literal).then_some(Arg::Keep);
    }
    // A reference or call: the name, then `.name`, `[...]` and `(...)` only, with no wildcard
    // or comprehension anywhere inside.
    let mut i = head.len();
    while i < code.len() {
        match code.get(i)? {
            b'.' => {
                let name = ident_at(code, i + 1);
                if name.is_empty() {
                    return None;
                }
                i += 1 + name.len();
            }
            b'[' | b'(' => i = closing(code, i)? + 1,
            _ => return None,
        }
    }
    let mut k = 0;
    while k < code.len() {
        let word = ident_at(code, k);
        if word == b"_" || matches!(word, b"some" | b"every" | b"with" | b"not") {
            return None;
        }
        k += word.len().max(1);
    }
    (!code.contains(&b'|')).then_some(Arg::Bind)
}

/// `rego` with the reference and call arguments of its negated calls bound before the
/// negation, as OPA's compiler binds them, or `None` when no statement needs it.
pub(crate) fn hoist_negated_call_args(rego: &str) -> Option<String> {
    const VAR: &str = "__fourc_arg";
    if rego.contains(VAR) {
        return None;
    }
    let code = mask(rego);
    let top = top_level_names(&code);
    let mut out = String::with_capacity(rego.len() + 64);
    let mut copied = 0;
    let mut next_var = 0usize;
    let mut stack: Vec<u8> = Vec::new();
    // The last byte that is not blank, and whether a line ended since.
    let mut prev = b'\n';
    let mut new_line = true;
    let mut i = 0;
    while let Some(&c) = code.get(i) {
        if c.is_ascii_whitespace() {
            new_line |= c == b'\n';
            i += 1;
            continue;
        }
        let statement_start = stack.last() == Some(&b'{')
            && (new_line || matches!(prev, b'{' | b';' | b'|'))
            && ident_at(&code, i) == b"not";
        if statement_start
            && let Some((end, binds, call)) = negated_call(rego, &code, i, &top, &mut next_var)
        {
            out.push_str(rego.get(copied..i)?);
            out.push_str(&binds);
            out.push_str(&call);
            copied = end;
            i = end;
            prev = b')';
            new_line = false;
            continue;
        }
        match c {
            b'(' | b'[' | b'{' => stack.push(c),
            b')' | b']' | b'}' => {
                stack.pop();
            }
            _ => {}
        }
        prev = c;
        new_line = false;
        i += 1;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(rego.get(copied..)?);
    Some(out)
}

/// The statement `not name(args)` at `at`, rewritten: where it ends, the bindings to put before
/// it, and the call with the bound arguments replaced by their variables.
fn negated_call(
    rego: &str,
    code: &[u8],
    at: usize,
    top: &[Vec<u8>],
    next_var: &mut usize,
) -> Option<(usize, String, String)> {
    let mut j = at + 3;
    if !code.get(j).is_some_and(|c| *c == b' ' || *c == b'\t') {
        return None;
    }
    while code.get(j).is_some_and(|c| *c == b' ' || *c == b'\t') {
        j += 1;
    }
    // The function's name: `name` or `pkg.name`.
    loop {
        let name = ident_at(code, j);
        if name.is_empty() {
            return None;
        }
        j += name.len();
        if code.get(j) != Some(&b'.') {
            break;
        }
        j += 1;
    }
    if code.get(j) != Some(&b'(') {
        return None;
    }
    let close = closing(code, j)?;
    // Nothing but blanks (or a comment) may follow on the line: no `with`, no operator.
    let rest = code.get(close + 1..)?;
    let after = rest.iter().find(|c| **c != b' ' && **c != b'\t');
    if !after.is_none_or(|c| matches!(c, b'\n' | b'\r' | b';' | b'}')) {
        return None;
    }
    // The arguments, split at top-level commas.
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut start = j + 1;
    for k in j + 1..=close {
        match code.get(k)? {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth > 0 => depth -= 1,
            b',' if depth == 0 => {
                args.push((start, k));
                start = k + 1;
            }
            _ => {}
        }
    }
    args.push((start, close));
    let mut binds = String::new();
    let mut call = String::new();
    let mut copied = at;
    for (a, b) in args {
        let text = rego.get(a..b)?;
        let lead = text.len() - text.trim_start().len();
        let (a, b) = (a + lead, a + lead + text.trim().len());
        let arg = rego.get(a..b)?;
        match classify(code.get(a..b)?, arg, top)? {
            Arg::Keep => {}
            Arg::Bind => {
                let var = format!("__fourc_arg{next_var}__");
                *next_var += 1;
                binds.push_str(&format!("{var} = {arg}; "));
                call.push_str(rego.get(copied..a)?);
                call.push_str(&var);
                copied = b;
            }
        }
    }
    if binds.is_empty() {
        return None;
    }
    call.push_str(rego.get(copied..=close)?);
    Some((close + 1, binds, call))
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
        let cases = [
            // Separate rules, objects, else, strings and comments with braces.
            "package p\na { true }\nb { true }\n",
            "package p\nx := {\"a\": 1}\ny { x.a == 1 }\n",
            "package p\nf(x) = 1 { x > 0 } else = 2 { true }\n",
            "package p\nm := \"} {\"\nn { true } # } {\n",
            "package p\nr[v] { v := {\"k\": {1}} }\n",
            // An object as the rule's value, then its body.
            "package p\nf(c) = {\"a\": c} { c > 0 }\ng = {1, 2} { true }\n",
        ];
        left_alone(split_chained_bodies, &cases);
    }

    /// Asserts that `rewrite` leaves every one of `cases` as it is.
    fn left_alone(rewrite: fn(&str) -> Option<String>, cases: &[&str]) {
        for rego in cases {
            assert_eq!(rewrite(rego), None, "{rego}");
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

    #[test]
    fn reference_arguments_of_negated_calls_are_bound_first() {
        for (rego, want) in [
            (
                "package p\n\nf(\"a\", _)\n\nq {\n  x := 1\n  not f(\"a\", input.missing)\n}\n",
                "package p\n\nf(\"a\", _)\n\nq {\n  x := 1\n  __fourc_arg0__ = input.missing; not f(\"a\", __fourc_arg0__)\n}\n",
            ),
            // Several arguments, calls among them, a package-qualified function, a `;` statement.
            (
                "package p\nr { x := 2; not lib.g(x, y.z[\"k\"], count(y), 3) }\n",
                "package p\nr { x := 2; __fourc_arg0__ = y.z[\"k\"]; __fourc_arg1__ = count(y); not lib.g(x, __fourc_arg0__, __fourc_arg1__, 3) }\n",
            ),
            // A call over two lines: the lines are kept.
            (
                "package p\nr { not f(x,\n  input.a.b) }\n",
                "package p\nr { __fourc_arg0__ = input.a.b; not f(x,\n  __fourc_arg0__) }\n",
            ),
        ] {
            assert_eq!(
                hoist_negated_call_args(rego).as_deref(),
                Some(want),
                "{rego}"
            );
        }
        // A bare rule name is a reference to OPA: a statement with one is left alone.
        let rule_arg = "package p\nlimit := 3\nr { not f(limit, a.b) }\n";
        assert_eq!(hoist_negated_call_args(rule_arg), None);
    }

    #[test]
    fn other_negations_are_left_alone() {
        let cases = [
            // No reference argument, a negated reference, a negated comparison, `with`.
            "package p\nr { not f(x, \"a\", 1, -2.5, true) }\n",
            "package p\nr { not input.a.b }\n",
            "package p\nr { not input.a == f(input.b) }\n",
            "package p\nr { not f(input.a) with input as {} }\n",
            // A wildcard, a comprehension, a literal collection, a line break inside the call.
            "package p\nr { not f(input.a[_]) }\n",
            "package p\nr { not f([x | x := input.a[i]]) }\n",
            "package p\nr { not f([input.a]) }\n",
            "package p\nr { not f(x, input.a[\n  \"b\"]) }\n",
            // In strings and comments.
            "package p\nr { x := \"not f(input.a)\" }\n# not f(input.a)\n",
        ];
        left_alone(hoist_negated_call_args, &cases);
    }

    /// regorus reads the rewrite as OPA reads the original: the binding is not negated, so an
    /// undefined reference fails the body instead of making the negation hold.
    #[test]
    fn regorus_evaluates_the_bound_arguments_as_opa() {
        let rego = "package p\nf(\"a\", _)\nq { not f(\"a\", input.missing) }\nr { not f(\"b\", input.x) }\ns { not f(\"a\", input.x) }\n";
        let eval = |policy: String, rule: &str| {
            let mut e = regorus::Engine::new();
            e.set_rego_v0(true);
            e.add_policy("p.rego".into(), policy).unwrap();
            e.set_input(regorus::Value::from_json_str(r#"{"x": 1}"#).unwrap());
            e.eval_rule(format!("data.p.{rule}")).unwrap()
        };
        // regorus on the original: the negation of an undefined call holds.
        assert_eq!(eval(rego.to_string(), "q"), regorus::Value::from(true));
        let fixed = hoist_negated_call_args(rego).unwrap();
        // OPA: `__local0__ = input.missing` fails, so `q` is undefined.
        assert_eq!(eval(fixed.clone(), "q"), regorus::Value::Undefined);
        // Defined arguments: the same answers as before.
        assert_eq!(eval(fixed.clone(), "r"), regorus::Value::from(true));
        assert_eq!(eval(fixed, "s"), regorus::Value::Undefined);
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
