//! Pattern matching: shell-style globs and regular expressions.
//!
//! **Globs** (`globset` syntax) match the *whole* string: `?` is one character, `*` any run of
//! characters, `**` the same, `[a-z]` / `[!a-z]` a class, `{a,b}` alternatives, and `\` escapes
//! the next character on every platform. Globs here match image names, hostnames and label
//! values rather than file paths, so `*` also matches `/` (`docker.io/*` matches
//! `docker.io/library/nginx`); anchor a segment with a literal if that matters. Matching is case
//! sensitive.
//!
//! **Regular expressions** use the `regex` crate (RE2 syntax: no backreferences or look-around)
//! and are searched for anywhere in the string, like Go's `MatchString`: write `^...$` to match
//! the whole string. Matching takes time linear in the input, whatever the pattern, so
//! `^(a+)+$` cannot be used to stall an evaluation. Compiled programs are limited to 1 MiB (and
//! so is the lazy DFA cache), which rejects patterns such as `(?:\w{1000}){1000}` instead of
//! exhausting memory.

use std::cell::RefCell;
use std::collections::HashMap;

use globset::{GlobBuilder, GlobMatcher};
use regex::{Regex, RegexBuilder};

use super::{Arg, BuiltinError, BuiltinResult, arg, string_arg};
use crate::value::Value;

/// The limit on a compiled regular expression and on its lazy DFA cache, in bytes.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The most compiled patterns of each kind a thread keeps. Rules match many values against the
/// same few patterns (often a parameter's), and compiling costs far more than matching; when
/// full, the cache starts over.
const PATTERN_CACHE: usize = 32;

thread_local! {
    static GLOBS: RefCell<HashMap<Box<str>, GlobMatcher>> = RefCell::new(HashMap::new());
    static REGEXES: RefCell<HashMap<Box<str>, Regex>> = RefCell::new(HashMap::new());
}

/// Runs `f` on the compiled `pattern`, compiling it with `compile` unless this thread has it.
fn with_cached<T, R, E>(
    cache: &'static std::thread::LocalKey<RefCell<HashMap<Box<str>, T>>>,
    pattern: &str,
    compile: impl FnOnce(&str) -> Result<T, E>,
    f: impl FnOnce(&T) -> R,
) -> Result<R, E> {
    cache.with(|cell| {
        let Ok(mut map) = cell.try_borrow_mut() else {
            return compile(pattern).map(|c| f(&c));
        };
        if let Some(c) = map.get(pattern) {
            return Ok(f(c));
        }
        let c = compile(pattern)?;
        let r = f(&c);
        if map.len() >= PATTERN_CACHE {
            map.clear();
        }
        map.insert(pattern.into(), c);
        Ok(r)
    })
}

/// Whether the regular expression `pattern` (compiled as [`compile_regex`] does, and cached)
/// matches anywhere in `s`.
pub fn regex_is_match(pattern: &str, s: &str) -> Result<bool, BuiltinError> {
    with_cached(&REGEXES, pattern, compile_regex, |re| re.is_match(s))
}

/// Compiles a glob as `glob_match` does, so the evaluator can precompile literal patterns.
pub fn compile_glob(pattern: &str) -> Result<GlobMatcher, BuiltinError> {
    GlobBuilder::new(pattern)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| {
            BuiltinError::new(format!(
                "`glob_match` cannot compile `{pattern}` as a glob: {}",
                e.kind()
            ))
        })
}

/// Compiles a regular expression as `regex_match` does (same syntax and size limits), so the
/// evaluator can precompile literal patterns. The error names the pattern but no builtin
/// (``invalid regular expression `(`: unclosed group``), since operators share this function.
pub fn compile_regex(pattern: &str) -> Result<Regex, BuiltinError> {
    build_regex(pattern).map_err(|reason| {
        BuiltinError::new(format!("invalid regular expression `{pattern}`: {reason}"))
    })
}

/// Compiles with the limits; the error is a one-line reason.
fn build_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match &e {
            // The syntax error is a multi-line picture ending in `error: <reason>`.
            regex::Error::Syntax(msg) => msg
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or(msg)
                .to_string(),
            regex::Error::CompiledTooBig(limit) => {
                format!("the compiled pattern exceeds the limit of {limit} bytes")
            }
            other => other.to_string(),
        })
}

/// The two string arguments `(pattern, s)`, `None` when either is undefined.
fn pattern_and_subject<'a>(
    func: &str,
    args: &[Arg<'a>],
) -> Result<Option<(&'a str, &'a str)>, BuiltinError> {
    let pattern = string_arg(func, "pattern", arg(args, 0))?;
    let subject = string_arg(func, "s", arg(args, 1))?;
    Ok(pattern.zip(subject))
}

pub(super) fn glob_match(args: &[Arg<'_>]) -> BuiltinResult {
    let Some((pattern, s)) = pattern_and_subject("glob_match", args)? else {
        return Ok(None);
    };
    let m = with_cached(&GLOBS, pattern, compile_glob, |m| m.is_match(s))?;
    Ok(Some(Value::Bool(m)))
}

pub(super) fn regex_match(args: &[Arg<'_>]) -> BuiltinResult {
    let Some((pattern, s)) = pattern_and_subject("regex_match", args)? else {
        return Ok(None);
    };
    let compile = |pattern: &str| {
        build_regex(pattern).map_err(|reason| {
            BuiltinError::new(format!(
                "`regex_match` cannot compile `{pattern}` as a regular expression: {reason}"
            ))
        })
    };
    let m = with_cached(&REGEXES, pattern, compile, |re| re.is_match(s))?;
    Ok(Some(Value::Bool(m)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    fn glob(p: &str, x: &str) -> bool {
        val("glob_match", &[s(p), s(x)]) == Value::Bool(true)
    }

    fn re(p: &str, x: &str) -> bool {
        val("regex_match", &[s(p), s(x)]) == Value::Bool(true)
    }

    #[test]
    fn globs() {
        assert!(glob("*.example.com", "api.example.com"));
        assert!(glob("*.example.com", "a.b.example.com"));
        assert!(!glob("*.example.com", "example.com"));
        assert!(
            glob("docker.io/*", "docker.io/library/nginx"),
            "`*` crosses `/`"
        );
        assert!(glob("docker.io/**", "docker.io/library/nginx"));
        assert!(
            !glob("docker.io/*", "ghcr.io/docker.io/x"),
            "whole-string match"
        );
        assert!(glob("nginx:1.2?", "nginx:1.25"));
        assert!(!glob("nginx:1.2?", "nginx:1.2"));
        assert!(glob("v[0-9]*", "v1.30"));
        assert!(!glob("v[!0-9]*", "v1.30"));
        assert!(glob("{gcr,ghcr}.io/*", "ghcr.io/x"));
        assert!(glob("a\\*b", "a*b"));
        assert!(!glob("a\\*b", "axb"));
        assert!(!glob("ABC", "abc"), "case sensitive");
        assert!(glob("", ""));
        assert!(glob("*", ""));
        assert!(glob("*", "héllo/wörld"));
    }

    #[test]
    fn glob_errors_and_undefined() {
        let e = err("glob_match", &[s("[a-"), s("x")]);
        assert!(
            e.starts_with("`glob_match` cannot compile `[a-` as a glob: "),
            "{e}"
        );
        assert!(err("glob_match", &[s("*"), Value::Int(1)]).contains("`s` to be a string"));
        assert_eq!(call_args("glob_match", &[Some(&s("*")), None]), Ok(None));
        assert_eq!(call("glob_match", &[Value::Null, s("x")]), Ok(None));
        assert!(compile_glob("a*").unwrap().is_match("abc"));
    }

    #[test]
    fn regexes() {
        assert!(re("^[a-z]+$", "abc"));
        assert!(!re("^[a-z]+$", "abc1"));
        assert!(re("latest", "nginx:latest"), "unanchored search");
        assert!(re("(?i)^LATEST$", "latest"));
        assert!(re(r"^\d+m$", "500m"));
        assert!(!re("^$", "x"));
        assert!(re("", "anything"));
    }

    #[test]
    fn regex_is_linear() {
        let subject = format!("{}b", "a".repeat(30_000));
        let start = std::time::Instant::now();
        assert!(!re("^(a+)+$", &subject));
        assert!(!re("^(a|aa)+$", &subject));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn regex_errors() {
        assert_eq!(
            err("regex_match", &[s("("), s("x")]),
            "`regex_match` cannot compile `(` as a regular expression: unclosed group"
        );
        let e = err("regex_match", &[s(r"(a)\1"), s("aa")]);
        assert!(e.contains("backreferences are not supported"), "{e}");
        let e = err("regex_match", &[s(r"(?:\w{1000}){1000}"), s("x")]);
        assert!(e.contains("exceeds the limit of"), "{e}");
        assert_eq!(
            compile_regex("(").unwrap_err().message(),
            "invalid regular expression `(`: unclosed group"
        );
        assert!(compile_regex("^a+$").unwrap().is_match("aaa"));
        assert!(err("regex_match", &[Value::Int(1), s("x")]).contains("`pattern` to be a string"));
        assert_eq!(call_args("regex_match", &[None, Some(&s("x"))]), Ok(None));
    }
}
