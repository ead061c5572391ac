//! The builtin function library of the rule language.
//!
//! Every builtin is a plain function over [`Value`]s, listed with its arity, signature and a one
//! line description in [`BUILTINS`]. The compiler resolves a call by name with [`lookup`] and
//! stores the index; the evaluator fetches the entry with [`get`], checks the arity against
//! [`Builtin::min_args`] and [`Builtin::max_args`], and calls [`Builtin::func`].
//!
//! # Undefined and null
//!
//! An argument is an [`Arg`]: `None` is an *undefined* value (a missing field, a failed lookup),
//! which is distinct from an explicit `Some(Value::Null)`. A result is `Ok(None)` when it is
//! undefined. The rules, followed by every builtin:
//!
//! * **Scalar parameters.** An undefined or null argument where a scalar (a string, a number) is
//!   expected makes the result undefined: `lower(c.missing)` is undefined, not an error, so a
//!   rule over an optional field simply does not fire.
//! * **Collection parameters.** Undefined and null are an empty collection:
//!   `count(undefined) == 0`, `keys(null) == []`, `sum(undefined) == 0`. Where an empty
//!   collection has no answer (`min([])`, `max([])`) the result is undefined.
//! * **Wrong types are errors.** A value of the wrong type (`lower(5)`, `quantity(true)`) or a
//!   malformed string where a format is required (`quantity("12XYZ")`,
//!   `cidr_contains("10.0.0.0/33", ip)`) is a [`BuiltinError`]. Messages are lowercase, name the
//!   builtin, and quote user text in backticks, e.g.
//!   ``"`quantity` cannot parse `12XYZ` as a Kubernetes quantity"``.
//! * **Errors win.** Every argument is checked before undefined is propagated, so
//!   `replace(undefined, 5, "x")` is an error (the `5`), not undefined.
//! * **Validators never fail on data.** The `*_valid` predicates (`cidr_valid`, `semver_valid`)
//!   exist to check user data, so a string in the wrong format *or a value of the wrong type*
//!   gives `false`; only undefined and null give undefined.
//!
//! # Ordering
//!
//! [`total_cmp`] is the order used by `sort`, `unique`, `min` and `max`: `null < bool < numbers <
//! strings < lists < maps`; `false < true`; ints and floats compare by numeric value (exactly,
//! without rounding through `f64`), NaN after every other number; strings by Unicode code point;
//! lists lexicographically; maps by their entries sorted by key, then by size.

mod collections;
mod glob_regex;
mod image;
mod net;
pub(crate) use net::address_is_public;
mod quantity;
mod selector;
mod semver;
mod strings;

use std::cmp::Ordering;

use crate::value::{List, Map, Node, Str, Value};

pub use collections::total_cmp;
pub use glob_regex::{compile_glob, compile_regex, regex_is_match};
pub use selector::{SelectorForm, required_label, selects};

/// The largest string or list one builtin call may build, in bytes (a list's items count
/// [`std::mem::size_of::<Node>`] each). Builtins whose result can be far larger than their
/// arguments (`replace`, `join`, `split`) check it before building; the evaluator's
/// [`crate::eval::Limits::max_bytes`] bounds what a rule builds in all.
pub const MAX_VALUE_BYTES: usize = 256 << 20;

/// An error unless a builtin's result of `bytes` bytes is within [`MAX_VALUE_BYTES`].
fn within_value_cap(name: &str, bytes: usize) -> Result<(), BuiltinError> {
    if bytes > MAX_VALUE_BYTES {
        return Err(BuiltinError::new(format!(
            "`{name}` would build {bytes} bytes; the limit is {MAX_VALUE_BYTES}"
        )));
    }
    Ok(())
}

/// A builtin's argument: `None` is an undefined value (a missing field), distinct from
/// `Some(Value::Null)`.
pub type Arg<'a> = Option<&'a Value>;

/// A builtin's result: `Ok(None)` is undefined.
pub type BuiltinResult = Result<Option<Value>, BuiltinError>;

/// The type of a builtin's implementation.
pub type BuiltinFn = fn(&[Arg<'_>]) -> BuiltinResult;

/// The implementation of a native function: arguments as builtins get them (`None` for an
/// undefined argument), `Ok(None)` for an undefined result.
pub type NativeImpl = dyn Fn(&[Arg<'_>]) -> BuiltinResult + Send + Sync;

/// A function written in Rust that an embedder registers and rules call by name, as they call
/// builtins.
#[derive(Clone)]
pub struct Native {
    /// The name rules call it by.
    pub name: Str,
    /// The fewest arguments it takes.
    pub min_args: usize,
    /// The most arguments it takes.
    pub max_args: usize,
    /// Its signature, for messages (`ticket_open(id: string) -> bool`).
    pub signature: Str,
    /// The implementation.
    pub func: std::sync::Arc<NativeImpl>,
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Native({})", self.signature)
    }
}

/// An evaluation error raised by a builtin (a wrong type, a malformed string).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct BuiltinError {
    message: String,
}

impl BuiltinError {
    /// An error with a message (lowercase, naming the builtin, user text in backticks).
    pub fn new(message: impl Into<String>) -> Self {
        BuiltinError {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// An entry of the builtin table.
#[derive(Debug)]
pub struct Builtin {
    /// The name used in rule text.
    pub name: &'static str,
    /// The fewest arguments accepted.
    pub min_args: usize,
    /// The most arguments accepted.
    pub max_args: usize,
    /// The implementation.
    pub func: BuiltinFn,
    /// The signature, for documentation and messages, e.g. `lower(s: string) -> string`.
    pub signature: &'static str,
    /// A one line description.
    pub doc: &'static str,
}

macro_rules! builtin {
    ($name:literal, $min:literal, $max:literal, $func:path, $sig:literal, $doc:literal) => {
        Builtin {
            name: $name,
            min_args: $min,
            max_args: $max,
            func: $func,
            signature: $sig,
            doc: $doc,
        }
    };
}

/// Every builtin, in a stable order (compiled rules refer to builtins by index).
#[rustfmt::skip]
pub static BUILTINS: &[Builtin] = &[
    // strings
    builtin!("lower", 1, 1, strings::lower, "lower(s: string) -> string",
        "Converts to lowercase (Unicode)."),
    builtin!("upper", 1, 1, strings::upper, "upper(s: string) -> string",
        "Converts to uppercase (Unicode)."),
    builtin!("trim", 1, 1, strings::trim, "trim(s: string) -> string",
        "Removes leading and trailing whitespace."),
    builtin!("trim_prefix", 2, 2, strings::trim_prefix,
        "trim_prefix(s: string, prefix: string) -> string",
        "Removes `prefix` once from the start of `s`, if present."),
    builtin!("trim_suffix", 2, 2, strings::trim_suffix,
        "trim_suffix(s: string, suffix: string) -> string",
        "Removes `suffix` once from the end of `s`, if present."),
    builtin!("split", 2, 2, strings::split, "split(s: string, sep: string) -> [string]",
        "Splits at every `sep`; an empty `sep` splits into characters."),
    builtin!("join", 2, 2, strings::join, "join(list: [string], sep: string) -> string",
        "Joins the items (strings, numbers or bools) with `sep`."),
    builtin!("replace", 3, 3, strings::replace,
        "replace(s: string, from: string, to: string) -> string",
        "Replaces every occurrence of `from` with `to`."),
    builtin!("starts_with", 2, 2, strings::starts_with,
        "starts_with(s: string, prefix: string) -> bool", "Whether `s` starts with `prefix`."),
    builtin!("ends_with", 2, 2, strings::ends_with,
        "ends_with(s: string, suffix: string) -> bool", "Whether `s` ends with `suffix`."),
    builtin!("contains", 2, 2, strings::contains,
        "contains(haystack: string | list, needle: any) -> bool",
        "Substring test for a string, element equality for a list (undefined or null is empty)."),
    builtin!("to_string", 1, 1, strings::to_string, "to_string(x: any) -> string",
        "Strings unchanged; numbers, bools and null formatted; lists and maps as compact JSON."),
    builtin!("to_number", 1, 1, strings::to_number, "to_number(x: string | number) -> number",
        "Parses an int if the text is a 64-bit integer, else a float."),
    // collections
    builtin!("count", 1, 1, collections::count, "count(x: list | map | string) -> int",
        "The number of items, entries or characters; 0 for undefined or null."),
    builtin!("keys", 1, 1, collections::keys, "keys(m: map) -> [string]",
        "The keys in document order."),
    builtin!("values", 1, 1, collections::values, "values(m: map) -> [any]",
        "The values in document order."),
    builtin!("sort", 1, 1, collections::sort, "sort(list: [any]) -> [any]",
        "Stable sort by the total order null < bool < numbers < strings < lists < maps."),
    builtin!("unique", 1, 1, collections::unique, "unique(list: [any]) -> [any]",
        "Removes duplicates, keeping first occurrences in order."),
    builtin!("flatten", 1, 1, collections::flatten, "flatten(list: [any]) -> [any]",
        "Splices nested lists one level deep; drops null items."),
    builtin!("sum", 1, 1, collections::sum, "sum(list: [number]) -> number",
        "The sum; 0 for an empty list; an int unless some item is a float."),
    builtin!("min", 1, 1, collections::min, "min(list: [number] | [string]) -> number | string",
        "The smallest item; undefined for an empty list."),
    builtin!("max", 1, 1, collections::max, "max(list: [number] | [string]) -> number | string",
        "The largest item; undefined for an empty list."),
    builtin!("type_of", 1, 1, collections::type_of, "type_of(x: any) -> string",
        "`undefined`, `null`, `bool`, `int`, `float`, `string`, `list` or `map`."),
    builtin!("get", 2, 3, collections::get, "get(m: map, key: string, default?: any) -> any",
        "The value at `key`; `default` (or undefined) when the key is absent."),
    // quantities
    builtin!("quantity", 1, 1, quantity::quantity, "quantity(q: string | number) -> number",
        "Parses a Kubernetes resource quantity (`500m`, `1.5Gi`, `2k`, `1e3`)."),
    builtin!("quantity_cmp", 2, 2, quantity::quantity_cmp,
        "quantity_cmp(a: string | number, b: string | number) -> int",
        "Compares two quantities: -1, 0 or 1."),
    // networks
    builtin!("cidr_valid", 1, 1, net::cidr_valid, "cidr_valid(s: string) -> bool",
        "Whether `s` is an IPv4 or IPv6 CIDR such as `10.0.0.0/8`."),
    builtin!("cidr_contains", 2, 2, net::cidr_contains,
        "cidr_contains(net: string, addr: string) -> bool",
        "Whether the CIDR `net` contains the address or CIDR `addr` (a bare IP is one host)."),
    builtin!("cidr_is_public", 1, 1, net::cidr_is_public, "cidr_is_public(s: string) -> bool",
        "Whether the CIDR or IP includes any address outside private and special ranges."),
    builtin!("cidr_prefix_len", 1, 1, net::cidr_prefix_len, "cidr_prefix_len(s: string) -> int",
        "The prefix length of a CIDR (32 or 128 for a bare IP)."),
    // images
    builtin!("image", 1, 1, image::image, "image(ref: string) -> map",
        "Parses an image reference into `registry`, `repository`, `tag` and `digest`."),
    builtin!("image_registry", 1, 1, image::image_registry, "image_registry(ref: string) -> string",
        "The registry of an image reference (`docker.io` when none is given)."),
    builtin!("image_tag", 1, 1, image::image_tag, "image_tag(ref: string) -> string",
        "The tag of an image reference; undefined when it has none."),
    builtin!("image_digest", 1, 1, image::image_digest, "image_digest(ref: string) -> string",
        "The digest of an image reference; undefined when it has none."),
    // semantic versions
    builtin!("semver_valid", 1, 1, semver::semver_valid, "semver_valid(s: string) -> bool",
        "Whether `s` is a semantic version (a leading `v` and `1.25` short forms accepted)."),
    builtin!("semver_compare", 2, 2, semver::semver_compare,
        "semver_compare(a: string, b: string) -> int",
        "Compares two versions by semver 2.0 precedence: -1, 0 or 1."),
    // patterns
    builtin!("glob_match", 2, 2, glob_regex::glob_match,
        "glob_match(pattern: string, s: string) -> bool",
        "Whether the whole of `s` matches the glob (`*` also matches `/`)."),
    builtin!("regex_match", 2, 2, glob_regex::regex_match,
        "regex_match(pattern: string, s: string) -> bool",
        "Whether the regular expression matches anywhere in `s` (use `^...$` to anchor)."),
    // selectors
    builtin!("selector_matches", 2, 2, selector::selector_matches,
        "selector_matches(selector: map, labels: map) -> bool",
        "Kubernetes LabelSelector match (`matchLabels`, `matchExpressions`); `{}` matches all."),
    builtin!("labels_match", 2, 2, selector::labels_match,
        "labels_match(selector: map, labels: map) -> bool",
        "Equality map selector (Service `spec.selector`); an empty selector matches nothing."),
];

/// Finds a builtin by name: its index in [`BUILTINS`] and its entry.
pub fn lookup(name: &str) -> Option<(usize, &'static Builtin)> {
    BUILTINS.iter().enumerate().find(|(_, b)| b.name == name)
}

/// The builtin at `index` in [`BUILTINS`].
pub fn get(index: usize) -> Option<&'static Builtin> {
    BUILTINS.get(index)
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the implementations.

/// The argument at `i`; undefined when missing.
fn arg<'a>(args: &[Arg<'a>], i: usize) -> Arg<'a> {
    args.get(i).copied().flatten()
}

/// A defined result.
fn ok(v: Value) -> BuiltinResult {
    Ok(Some(v))
}

/// A list of computed values.
fn list_of(items: impl IntoIterator<Item = Value>) -> Value {
    Value::List(List::from_vec(
        items.into_iter().map(Node::computed).collect(),
    ))
}

/// Describes a value for a message: its type and, for short values, the value in backticks.
fn describe(v: &Value) -> String {
    const MAX: usize = 60;
    let text = v.to_string();
    let text = if text.chars().count() > MAX {
        let mut t: String = text.chars().take(MAX).collect();
        t.push('…');
        t
    } else {
        text
    };
    format!("{} `{text}`", v.type_name())
}

/// The error for a value of the wrong type.
fn type_error(func: &str, param: &str, expected: &str, found: &Value) -> BuiltinError {
    BuiltinError::new(format!(
        "`{func}` expects `{param}` to be {expected}, found {}",
        describe(found)
    ))
}

/// A string parameter: undefined or null gives `Ok(None)`.
fn string_arg<'a>(func: &str, param: &str, a: Arg<'a>) -> Result<Option<&'a str>, BuiltinError> {
    match a {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(type_error(func, param, "a string", other)),
    }
}

/// A list parameter: undefined or null is the empty list.
fn list_arg<'a>(func: &str, param: &str, a: Arg<'a>) -> Result<&'a [Node], BuiltinError> {
    match a {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::List(l)) => Ok(l.as_slice()),
        Some(other) => Err(type_error(func, param, "a list", other)),
    }
}

/// A map parameter: undefined or null gives `Ok(None)`, the empty map.
fn map_arg<'a>(func: &str, param: &str, a: Arg<'a>) -> Result<Option<&'a Map>, BuiltinError> {
    match a {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Map(m)) => Ok(Some(m)),
        Some(other) => Err(type_error(func, param, "a map", other)),
    }
}

/// An ordering as an int: -1, 0 or 1.
fn ordering_value(o: Ordering) -> Value {
    Value::Int(match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
pub(crate) mod test_util {
    use super::*;

    /// Calls a builtin by name with defined arguments.
    pub fn call(name: &str, args: &[Value]) -> BuiltinResult {
        let refs: Vec<Arg<'_>> = args.iter().map(Some).collect();
        call_args(name, &refs)
    }

    /// Calls a builtin by name with possibly undefined arguments.
    pub fn call_args(name: &str, args: &[Arg<'_>]) -> BuiltinResult {
        let (_, b) = lookup(name).unwrap();
        (b.func)(args)
    }

    /// Calls and unwraps a defined result.
    pub fn val(name: &str, args: &[Value]) -> Value {
        match call(name, args) {
            Ok(Some(v)) => v,
            other => panic!("{name}({args:?}) gave {other:?}"),
        }
    }

    /// Calls and unwraps an error message.
    pub fn err(name: &str, args: &[Value]) -> String {
        match call(name, args) {
            Err(e) => e.message().to_string(),
            other => panic!("{name}({args:?}) gave {other:?}, expected an error"),
        }
    }

    /// A string value.
    pub fn s(x: &str) -> Value {
        Value::string(x)
    }

    /// A value from JSON.
    pub fn j(x: serde_json::Value) -> Value {
        Value::from_json(&x)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::test_util::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn table_is_consistent() {
        for (i, b) in BUILTINS.iter().enumerate() {
            assert!(b.min_args <= b.max_args, "{}", b.name);
            assert!(
                b.signature.starts_with(&format!("{}(", b.name)),
                "{}",
                b.name
            );
            assert!(b.signature.contains(") -> "), "{}", b.name);
            assert!(!b.doc.is_empty());
            let (j, found) = lookup(b.name).unwrap();
            assert_eq!(i, j, "duplicate builtin name {}", b.name);
            assert_eq!(found.name, b.name);
            assert_eq!(get(i).unwrap().name, b.name);
        }
        assert!(lookup("no_such_builtin").is_none());
        assert!(get(BUILTINS.len()).is_none());
    }

    #[test]
    fn undefined_arguments_never_error() {
        for b in BUILTINS {
            for n in 0..=b.max_args {
                let args = vec![None; n];
                let r = (b.func)(&args);
                assert!(r.is_ok(), "{} with {n} undefined args: {r:?}", b.name);
                let nulls = vec![Value::Null; n];
                let refs: Vec<Arg<'_>> = nulls.iter().map(Some).collect();
                let r = (b.func)(&refs);
                assert!(r.is_ok(), "{} with {n} null args: {r:?}", b.name);
            }
        }
    }

    #[test]
    fn misuse_never_panics() {
        let samples = [
            Value::Null,
            Value::Bool(true),
            Value::Int(-3),
            Value::Float(f64::NAN),
            s(""),
            s("10.0.0.0/8"),
            s("1Gi"),
            s("nginx:1.25"),
            s("v1.2.3-rc.1"),
            s("a*"),
            j(json!([1, "a", null, [2]])),
            j(json!({"matchLabels": {"a": "b"}})),
        ];
        for b in BUILTINS {
            for n in 0..=b.max_args + 1 {
                // Every combination of samples would be large; rotate through them instead.
                for start in 0..samples.len() {
                    let args: Vec<Arg<'_>> = (0..n)
                        .map(|k| Some(&samples[(start + k * 5) % samples.len()]))
                        .collect();
                    let _ = (b.func)(&args);
                }
            }
        }
    }

    #[test]
    fn type_errors_name_the_builtin_and_parameter() {
        assert_eq!(
            err("lower", &[Value::Int(5)]),
            "`lower` expects `s` to be a string, found int `5`"
        );
        let long = s(&"x".repeat(100));
        let msg = err("keys", &[long]);
        assert!(msg.starts_with("`keys` expects `m` to be a map, found string `xxx"));
        assert!(msg.ends_with("x…`"));
    }

    #[test]
    fn errors_win_over_undefined() {
        let five = Value::Int(5);
        let r = call_args("replace", &[None, Some(&five), Some(&s("x"))]);
        assert!(r.is_err());
    }
}
