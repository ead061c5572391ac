//! Semantic versions (<https://semver.org/spec/v2.0.0.html>), with two relaxations for the
//! versions found in Kubernetes manifests:
//!
//! * a leading lowercase `v` is ignored (`v1.30.2`);
//! * a missing minor or patch number is 0, so `v1.25` is `1.25.0` and `v1` is `1.0.0`.
//!
//! Everything else is strict: numbers have no leading zeros, pre-release identifiers are
//! non-empty `[0-9A-Za-z-]+` (numeric ones without leading zeros), build identifiers are
//! non-empty `[0-9A-Za-z-]+`. Numbers may be arbitrarily large.
//!
//! Precedence: major, minor and patch numerically; a version with a pre-release is lower than
//! the same version without one; pre-release identifiers compare left to right, numeric ones
//! numerically and below alphanumeric ones, which compare in ASCII order; a longer list of
//! otherwise equal identifiers is higher (`1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta <
//! 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0`). Build metadata is ignored,
//! so `1.0.0+a` and `1.0.0+b` compare equal.

use std::cmp::Ordering;

use super::{Arg, BuiltinError, BuiltinResult, arg, ok, ordering_value, string_arg};
use crate::value::Value;

/// A parsed version; numbers are digit strings without leading zeros.
struct Version<'a> {
    core: [&'a str; 3],
    pre: Vec<&'a str>,
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn parse_semver(s: &str) -> Option<Version<'_>> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (s, None),
    };
    if build.is_some_and(|b| !b.split('.').all(is_identifier)) {
        return None;
    }
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let pre: Vec<&str> = match pre {
        Some(p) => {
            let ids: Vec<&str> = p.split('.').collect();
            let valid = |id: &&str| {
                is_identifier(id) && (!id.bytes().all(|b| b.is_ascii_digit()) || is_number(id))
            };
            if !ids.iter().all(valid) {
                return None;
            }
            ids
        }
        None => Vec::new(),
    };
    let mut parts = core.split('.');
    let mut next = |required: bool| match parts.next() {
        Some(n) if is_number(n) => Some(n),
        None if !required => Some("0"),
        _ => None,
    };
    let version = Version {
        core: [next(true)?, next(false)?, next(false)?],
        pre,
    };
    parts.next().is_none().then_some(version)
}

/// Numeric comparison of digit strings without leading zeros.
fn cmp_numeric(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn cmp_identifiers(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => cmp_numeric(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

fn precedence(a: &Version<'_>, b: &Version<'_>) -> Ordering {
    let core = a
        .core
        .iter()
        .zip(b.core.iter())
        .map(|(x, y)| cmp_numeric(x, y))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal);
    core.then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a
            .pre
            .iter()
            .zip(b.pre.iter())
            .map(|(x, y)| cmp_identifiers(x, y))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.pre.len().cmp(&b.pre.len())),
    })
}

/// A validator: malformed text and values of other types give `false`.
pub(super) fn semver_valid(args: &[Arg<'_>]) -> BuiltinResult {
    match arg(args, 0) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => ok(Value::Bool(parse_semver(s).is_some())),
        Some(_) => ok(Value::Bool(false)),
    }
}

/// A version argument of `semver_compare`; malformed text is an error.
fn version_arg<'a>(param: &str, a: Arg<'a>) -> Result<Option<Version<'a>>, BuiltinError> {
    let Some(s) = string_arg("semver_compare", param, a)? else {
        return Ok(None);
    };
    parse_semver(s).map(Some).ok_or_else(|| {
        BuiltinError::new(format!(
            "`semver_compare` cannot parse `{s}` as a semantic version"
        ))
    })
}

pub(super) fn semver_compare(args: &[Arg<'_>]) -> BuiltinResult {
    let a = version_arg("a", arg(args, 0))?;
    let b = version_arg("b", arg(args, 1))?;
    match (a, b) {
        (Some(a), Some(b)) => ok(ordering_value(precedence(&a, &b))),
        _ => Ok(None),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::super::test_util::*;
    use crate::value::Value;

    fn cmp(a: &str, b: &str) -> i64 {
        match val("semver_compare", &[s(a), s(b)]) {
            Value::Int(i) => i,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn validity() {
        for good in [
            "1.2.3",
            "v1.2.3",
            "0.0.0",
            "1.25",
            "v1.25",
            "v1",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-0.3.7",
            "1.0.0-x.7.z.92",
            "1.0.0+20130313144700",
            "1.0.0-beta+exp.sha.5114f85",
            "1.0.0-x-y-z.--",
            "v1.30.2-eks-1234",
            "99999999999999999999999.0.0",
        ] {
            assert_eq!(val("semver_valid", &[s(good)]), Value::Bool(true), "{good}");
        }
        for bad in [
            "",
            "v",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.03",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "1.2.3-a..b",
            "1.2.3+a..b",
            "1.2.",
            ".1.2",
            "V1.2.3",
            " 1.2.3",
            "1.2.3 ",
            "1.x.3",
            "1.2.3-ä",
            "vv1",
            "-1.2.3",
            "1..3",
        ] {
            assert_eq!(val("semver_valid", &[s(bad)]), Value::Bool(false), "{bad}");
        }
        assert_eq!(
            val("semver_valid", &[Value::Float(1.25)]),
            Value::Bool(false)
        );
        assert_eq!(call("semver_valid", &[Value::Null]), Ok(None));
        assert_eq!(call_args("semver_valid", &[None]), Ok(None));
    }

    #[test]
    fn core_precedence() {
        assert_eq!(cmp("1.0.0", "2.0.0"), -1);
        assert_eq!(cmp("2.0.0", "2.1.0"), -1);
        assert_eq!(cmp("2.1.0", "2.1.1"), -1);
        assert_eq!(cmp("1.10.0", "1.9.0"), 1);
        assert_eq!(cmp("1.2.3", "1.2.3"), 0);
        assert_eq!(cmp("v1.2.3", "1.2.3"), 0);
        assert_eq!(cmp("v1.25", "1.25.0"), 0);
        assert_eq!(cmp("v1.25", "v1.24.17"), 1);
        assert_eq!(cmp("v1", "1.0.0"), 0);
        assert_eq!(
            cmp("100000000000000000000.0.0", "99999999999999999999.0.0"),
            1
        );
    }

    #[test]
    fn pre_release_precedence() {
        let ordered = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1-0",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (k, b) in ordered.iter().enumerate() {
                let expected = (i.cmp(&k)) as i64;
                assert_eq!(cmp(a, b), expected, "{a} vs {b}");
            }
        }
        assert_eq!(cmp("1.0.0-A", "1.0.0-a"), -1, "ASCII order");
        assert_eq!(cmp("1.0.0-1", "1.0.0-a"), -1, "numeric below alphanumeric");
        assert_eq!(cmp("1.0.0-1a", "1.0.0-2"), 1, "`1a` is alphanumeric");
    }

    #[test]
    fn build_metadata_is_ignored() {
        assert_eq!(cmp("1.0.0+a", "1.0.0+b"), 0);
        assert_eq!(cmp("1.0.0-rc.1+build.5", "1.0.0-rc.1"), 0);
        assert_eq!(cmp("1.0.0+x", "1.0.0-rc.1"), 1);
    }

    #[test]
    fn errors_and_undefined() {
        assert_eq!(
            err("semver_compare", &[s("1.2.3"), s("latest")]),
            "`semver_compare` cannot parse `latest` as a semantic version"
        );
        assert_eq!(
            err("semver_compare", &[Value::Float(1.25), s("1.0")]),
            "`semver_compare` expects `a` to be a string, found float `1.25`"
        );
        assert_eq!(
            call_args("semver_compare", &[None, Some(&s("1.0.0"))]),
            Ok(None)
        );
        assert_eq!(call("semver_compare", &[s("1.0.0"), Value::Null]), Ok(None));
        assert!(call_args("semver_compare", &[None, Some(&s("x"))]).is_err());
    }
}
