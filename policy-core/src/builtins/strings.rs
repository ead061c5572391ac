//! String builtins: case, trimming, splitting, joining, searching and conversions.

use super::{
    Arg, BuiltinError, BuiltinResult, arg, describe, list_arg, list_of, ok, string_arg,
    within_value_cap,
};
use crate::value::Value;

/// Applies `f` to the single string argument.
fn map_str(name: &str, args: &[Arg<'_>], f: impl FnOnce(&str) -> String) -> BuiltinResult {
    match string_arg(name, "s", arg(args, 0))? {
        Some(s) => ok(Value::string(&f(s))),
        None => Ok(None),
    }
}

/// The two string arguments `(s, other)`, `None` when either is undefined.
fn two_strs<'a>(
    name: &str,
    other: &str,
    args: &[Arg<'a>],
) -> Result<Option<(&'a str, &'a str)>, BuiltinError> {
    let s = string_arg(name, "s", arg(args, 0))?;
    let o = string_arg(name, other, arg(args, 1))?;
    Ok(s.zip(o))
}

pub(super) fn lower(args: &[Arg<'_>]) -> BuiltinResult {
    map_str("lower", args, str::to_lowercase)
}

pub(super) fn upper(args: &[Arg<'_>]) -> BuiltinResult {
    map_str("upper", args, str::to_uppercase)
}

pub(super) fn trim(args: &[Arg<'_>]) -> BuiltinResult {
    map_str("trim", args, |s| s.trim().to_string())
}

pub(super) fn trim_prefix(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(two_strs("trim_prefix", "prefix", args)?
        .map(|(s, p)| Value::string(s.strip_prefix(p).unwrap_or(s))))
}

pub(super) fn trim_suffix(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(two_strs("trim_suffix", "suffix", args)?
        .map(|(s, p)| Value::string(s.strip_suffix(p).unwrap_or(s))))
}

pub(super) fn split(args: &[Arg<'_>]) -> BuiltinResult {
    let Some((s, sep)) = two_strs("split", "sep", args)? else {
        return Ok(None);
    };
    let pieces = if sep.is_empty() {
        s.chars().count()
    } else {
        s.matches(sep).count().saturating_add(1)
    };
    within_value_cap(
        "split",
        pieces.saturating_mul(std::mem::size_of::<crate::value::Node>()),
    )?;
    if sep.is_empty() {
        // Like Go's strings.Split: one item per character, none for the empty string.
        let mut buf = [0u8; 4];
        return ok(list_of(
            s.chars().map(|c| Value::string(c.encode_utf8(&mut buf))),
        ));
    }
    ok(list_of(s.split(sep).map(Value::string)))
}

pub(super) fn join(args: &[Arg<'_>]) -> BuiltinResult {
    let items = list_arg("join", "list", arg(args, 0))?;
    let sep = string_arg("join", "sep", arg(args, 1))?;
    let seps = items.len().saturating_sub(1);
    let texts: usize = items
        .iter()
        .map(|item| match &item.value {
            Value::String(s) => s.len(),
            // The longest a number prints (an f64 in full).
            _ => 330,
        })
        .sum();
    within_value_cap(
        "join",
        texts.saturating_add(seps.saturating_mul(sep.map_or(0, str::len))),
    )?;
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep.unwrap_or_default());
        }
        match &item.value {
            Value::String(s) => out.push_str(s),
            v @ (Value::Int(_) | Value::Float(_) | Value::Bool(_)) => out.push_str(&v.to_string()),
            other => {
                return Err(BuiltinError::new(format!(
                    "`join` expects a list of strings, found {} at index {i}",
                    describe(other)
                )));
            }
        }
    }
    Ok(sep.map(|_| Value::string(&out)))
}

pub(super) fn replace(args: &[Arg<'_>]) -> BuiltinResult {
    let s = string_arg("replace", "s", arg(args, 0))?;
    let from = string_arg("replace", "from", arg(args, 1))?;
    let to = string_arg("replace", "to", arg(args, 2))?;
    let (Some(s), Some(from), Some(to)) = (s, from, to) else {
        return Ok(None);
    };
    let hits = if from.is_empty() {
        s.chars().count().saturating_add(1)
    } else {
        s.matches(from).count()
    };
    let grows = to.len().saturating_sub(from.len());
    within_value_cap(
        "replace",
        s.len().saturating_add(hits.saturating_mul(grows)),
    )?;
    ok(Value::string(&s.replace(from, to)))
}

pub(super) fn starts_with(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(two_strs("starts_with", "prefix", args)?.map(|(s, p)| Value::Bool(s.starts_with(p))))
}

pub(super) fn ends_with(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(two_strs("ends_with", "suffix", args)?.map(|(s, p)| Value::Bool(s.ends_with(p))))
}

/// A string haystack needs a string needle; a list haystack compares elements with `==`
/// (so `1` is found in `[1.0]`); an undefined or null haystack is empty.
pub(super) fn contains(args: &[Arg<'_>]) -> BuiltinResult {
    let needle = arg(args, 1);
    match arg(args, 0) {
        Some(Value::String(s)) => {
            let needle = string_arg("contains", "needle", needle)?;
            Ok(needle.map(|n| Value::Bool(s.contains(n))))
        }
        Some(Value::List(l)) => {
            Ok(needle.map(|n| Value::Bool(l.iter().any(|item| item.value == *n))))
        }
        None | Some(Value::Null) => Ok(needle.map(|_| Value::Bool(false))),
        Some(other) => Err(super::type_error(
            "contains",
            "haystack",
            "a string or a list",
            other,
        )),
    }
}

/// Total over values: null is `"null"`, lists and maps are compact JSON.
pub(super) fn to_string(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(arg(args, 0).map(|v| match v {
        Value::String(_) => v.clone(),
        other => Value::string(&other.to_string()),
    }))
}

pub(super) fn to_number(args: &[Arg<'_>]) -> BuiltinResult {
    match arg(args, 0) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ (Value::Int(_) | Value::Float(_))) => ok(v.clone()),
        Some(Value::String(s)) => parse_number(s).map(Some).ok_or_else(|| {
            BuiltinError::new(format!("`to_number` cannot parse `{s}` as a number"))
        }),
        Some(other) => Err(super::type_error(
            "to_number",
            "x",
            "a string or a number",
            other,
        )),
    }
}

/// An int when the text is a 64-bit integer, else a finite float.
fn parse_number(s: &str) -> Option<Value> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::Int(i));
    }
    // Rust accepts `inf` and `NaN`; rule authors mean numbers.
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Value::Float)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::super::test_util::*;
    use crate::value::Value;
    use serde_json::json;

    #[test]
    fn case_and_trim() {
        assert_eq!(val("lower", &[s("HeLLo Ä")]), s("hello ä"));
        assert_eq!(val("upper", &[s("abc")]), s("ABC"));
        assert_eq!(val("trim", &[s(" \t x y \n")]), s("x y"));
        assert_eq!(val("trim_prefix", &[s("--flag"), s("-")]), s("-flag"));
        assert_eq!(val("trim_prefix", &[s("flag"), s("-")]), s("flag"));
        assert_eq!(val("trim_suffix", &[s("a.yaml"), s(".yaml")]), s("a"));
        assert_eq!(val("trim_suffix", &[s("a.yml"), s(".yaml")]), s("a.yml"));
    }

    #[test]
    fn undefined_and_null_propagate() {
        assert_eq!(call_args("lower", &[None]), Ok(None));
        assert_eq!(call("lower", &[Value::Null]), Ok(None));
        assert_eq!(call_args("trim_prefix", &[Some(&s("x")), None]), Ok(None));
        assert_eq!(call("split", &[Value::Null, s(",")]), Ok(None));
        assert_eq!(call("replace", &[s("a"), s("a"), Value::Null]), Ok(None));
        assert_eq!(call_args("to_string", &[None]), Ok(None));
        assert_eq!(call("to_number", &[Value::Null]), Ok(None));
        assert_eq!(call_args("starts_with", &[None, Some(&s("x"))]), Ok(None));
    }

    #[test]
    fn wrong_types_are_errors() {
        assert_eq!(
            err("upper", &[Value::Bool(true)]),
            "`upper` expects `s` to be a string, found bool `true`"
        );
        assert_eq!(
            err("starts_with", &[s("x"), Value::Int(1)]),
            "`starts_with` expects `prefix` to be a string, found int `1`"
        );
        assert!(err("split", &[j(json!(["a"])), s(",")]).contains("`s` to be a string"));
    }

    #[test]
    fn split_and_join() {
        assert_eq!(
            val("split", &[s("a,b,,c"), s(",")]),
            j(json!(["a", "b", "", "c"]))
        );
        assert_eq!(val("split", &[s(""), s(",")]), j(json!([""])));
        assert_eq!(val("split", &[s("aé"), s("")]), j(json!(["a", "é"])));
        assert_eq!(val("join", &[j(json!(["a", "b"])), s(", ")]), s("a, b"));
        assert_eq!(
            val("join", &[j(json!(["p", 80, true, 1.5])), s(":")]),
            s("p:80:true:1.5")
        );
        assert_eq!(val("join", &[Value::Null, s(",")]), s(""));
        assert_eq!(call_args("join", &[Some(&j(json!(["a"]))), None]), Ok(None));
        assert_eq!(
            err("join", &[j(json!(["a", {"b": 1}])), s(",")]),
            "`join` expects a list of strings, found map `{\"b\":1}` at index 1"
        );
        assert!(err("join", &[s("abc"), s(",")]).contains("`list` to be a list"));
    }

    #[test]
    fn replace_and_affixes() {
        assert_eq!(val("replace", &[s("a-b-c"), s("-"), s("_")]), s("a_b_c"));
        assert_eq!(
            val("starts_with", &[s("docker.io/x"), s("docker.io/")]),
            Value::Bool(true)
        );
        assert_eq!(
            val("ends_with", &[s("x:latest"), s(":latest")]),
            Value::Bool(true)
        );
        assert_eq!(val("ends_with", &[s("x"), s("")]), Value::Bool(true));
    }

    #[test]
    fn contains_strings_and_lists() {
        assert_eq!(
            val("contains", &[s("NET_ADMIN"), s("ADMIN")]),
            Value::Bool(true)
        );
        assert_eq!(val("contains", &[s("abc"), s("d")]), Value::Bool(false));
        let caps = j(json!(["NET_RAW", "SYS_ADMIN", null, 1.0]));
        assert_eq!(
            val("contains", &[caps.clone(), s("SYS_ADMIN")]),
            Value::Bool(true)
        );
        assert_eq!(
            val("contains", &[caps.clone(), s("sys_admin")]),
            Value::Bool(false)
        );
        assert_eq!(
            val("contains", &[caps.clone(), Value::Null]),
            Value::Bool(true)
        );
        assert_eq!(
            val("contains", &[caps.clone(), Value::Int(1)]),
            Value::Bool(true)
        );
        assert_eq!(call_args("contains", &[Some(&caps), None]), Ok(None));
        // An undefined or null haystack is an empty collection.
        assert_eq!(
            call_args("contains", &[None, Some(&s("x"))]),
            Ok(Some(Value::Bool(false)))
        );
        assert_eq!(val("contains", &[Value::Null, s("x")]), Value::Bool(false));
        assert_eq!(call("contains", &[s("abc"), Value::Null]), Ok(None));
        assert!(err("contains", &[s("abc"), Value::Int(1)]).contains("`needle` to be a string"));
        assert_eq!(
            err("contains", &[Value::Int(3), s("x")]),
            "`contains` expects `haystack` to be a string or a list, found int `3`"
        );
    }

    #[test]
    fn conversions() {
        assert_eq!(val("to_string", &[s("x")]), s("x"));
        assert_eq!(val("to_string", &[Value::Int(-4)]), s("-4"));
        assert_eq!(val("to_string", &[Value::Float(0.5)]), s("0.5"));
        assert_eq!(val("to_string", &[Value::Bool(false)]), s("false"));
        assert_eq!(val("to_string", &[Value::Null]), s("null"));
        assert_eq!(
            val("to_string", &[j(json!({"a": [1, "b"]}))]),
            s("{\"a\":[1,\"b\"]}")
        );
        assert!(matches!(val("to_number", &[s("42")]), Value::Int(42)));
        assert!(matches!(val("to_number", &[s("-7")]), Value::Int(-7)));
        assert!(matches!(val("to_number", &[s("1.5")]), Value::Float(f) if f == 1.5));
        assert!(matches!(val("to_number", &[s("1e3")]), Value::Float(f) if f == 1000.0));
        // Too big for i64: a float.
        assert!(matches!(
            val("to_number", &[s("9223372036854775808")]),
            Value::Float(_)
        ));
        assert!(matches!(val("to_number", &[Value::Int(3)]), Value::Int(3)));
        assert_eq!(
            err("to_number", &[s("12abc")]),
            "`to_number` cannot parse `12abc` as a number"
        );
        assert!(call("to_number", &[s("inf")]).is_err());
        assert!(call("to_number", &[s("NaN")]).is_err());
        assert!(call("to_number", &[s("")]).is_err());
        assert!(err("to_number", &[Value::Bool(true)]).contains("found bool `true`"));
    }
}
