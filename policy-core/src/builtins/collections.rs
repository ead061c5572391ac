//! Collection builtins: sizes, keys and values, ordering, aggregation and lookup.

use std::cmp::Ordering;

use super::{
    Arg, BuiltinError, BuiltinResult, arg, describe, list_arg, list_of, map_arg, ok, string_arg,
    type_error,
};
use crate::value::{List, Map, Node, Str, Value};

/// The total order over values used by `sort`, `unique`, `min` and `max`.
///
/// `null < bool < numbers < strings < lists < maps`. Within a kind: `false < true`; ints and
/// floats by numeric value, exactly (`1 == 1.0`, and `2^53 + 1 > 2^53 as float`), with NaN after
/// every other number and equal to itself; strings by Unicode code point; lists
/// lexicographically; maps by their `(key, value)` entries in key order, then by size, so that
/// maps equal under `==` (which ignores key order) compare equal.
pub fn total_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => cmp_numbers(a, b),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::List(x), Value::List(y)) => cmp_lists(x, y),
        (Value::Map(x), Value::Map(y)) => cmp_maps(x, y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// The position of a value's kind in the total order.
fn rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::Float(_) => 2,
        Value::String(_) => 3,
        Value::List(_) => 4,
        Value::Map(_) => 5,
    }
}

/// Compares two numbers exactly; anything else ranks by kind.
pub(super) fn cmp_numbers(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => cmp_floats(*x, *y),
        (Value::Int(x), Value::Float(y)) => cmp_int_float(*x, *y),
        (Value::Float(x), Value::Int(y)) => cmp_int_float(*y, *x).reverse(),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn cmp_floats(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
    }
}

/// Compares an int with a float without rounding the int.
fn cmp_int_float(x: i64, y: f64) -> Ordering {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if y.is_nan() || y >= TWO_63 {
        return Ordering::Less;
    }
    if y < -TWO_63 {
        return Ordering::Greater;
    }
    let t = y.trunc();
    // In range and integral: the conversion is exact.
    #[expect(clippy::cast_possible_truncation, reason = "checked to be in range")]
    let ti = t as i64;
    x.cmp(&ti)
        .then_with(|| 0.0_f64.partial_cmp(&(y - t)).unwrap_or(Ordering::Equal))
}

fn cmp_lists(x: &List, y: &List) -> Ordering {
    for (a, b) in x.iter().zip(y.iter()) {
        let o = total_cmp(&a.value, &b.value);
        if o != Ordering::Equal {
            return o;
        }
    }
    x.len().cmp(&y.len())
}

/// The entries of a map in key order.
fn sorted_entries(m: &Map) -> Vec<(&Str, &Node)> {
    let mut e: Vec<_> = m.iter().collect();
    e.sort_by(|a, b| a.0.cmp(b.0));
    e
}

fn cmp_maps(x: &Map, y: &Map) -> Ordering {
    let (ex, ey) = (sorted_entries(x), sorted_entries(y));
    for ((ka, va), (kb, vb)) in ex.iter().zip(ey.iter()) {
        let o = ka.cmp(kb).then_with(|| total_cmp(&va.value, &vb.value));
        if o != Ordering::Equal {
            return o;
        }
    }
    ex.len().cmp(&ey.len())
}

pub(super) fn count(args: &[Arg<'_>]) -> BuiltinResult {
    let n = match arg(args, 0) {
        None | Some(Value::Null) => 0,
        Some(Value::List(l)) => l.len(),
        Some(Value::Map(m)) => m.len(),
        Some(Value::String(s)) => s.chars().count(),
        Some(other) => {
            return Err(type_error("count", "x", "a list, a map or a string", other));
        }
    };
    ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

pub(super) fn keys(args: &[Arg<'_>]) -> BuiltinResult {
    let m = map_arg("keys", "m", arg(args, 0))?;
    ok(list_of(
        m.into_iter()
            .flat_map(Map::keys)
            .map(|k| Value::String(k.clone())),
    ))
}

pub(super) fn values(args: &[Arg<'_>]) -> BuiltinResult {
    let m = map_arg("values", "m", arg(args, 0))?;
    let nodes = m.into_iter().flat_map(Map::iter).map(|(_, v)| v.clone());
    ok(Value::List(List::from_vec(nodes.collect())))
}

/// Items keep their spans, so a finding on a sorted item still points into the document.
pub(super) fn sort(args: &[Arg<'_>]) -> BuiltinResult {
    let mut items = list_arg("sort", "list", arg(args, 0))?.to_vec();
    items.sort_by(|a, b| total_cmp(&a.value, &b.value));
    ok(Value::List(List::from_vec(items)))
}

/// Duplicates are found by [`total_cmp`] in `O(n log n)`; the first occurrence is kept.
pub(super) fn unique(args: &[Arg<'_>]) -> BuiltinResult {
    let items = list_arg("unique", "list", arg(args, 0))?;
    let mut order: Vec<usize> = (0..items.len()).collect();
    let value = |i: usize| items.get(i).map_or(&Value::Null, |n| &n.value);
    // Stable, so the first index of each run of equal values is the first occurrence.
    order.sort_by(|&a, &b| total_cmp(value(a), value(b)));
    let mut keep = vec![false; items.len()];
    let mut prev: Option<usize> = None;
    for &i in &order {
        let dup = prev.is_some_and(|p| total_cmp(value(p), value(i)) == Ordering::Equal);
        if !dup {
            if let Some(k) = keep.get_mut(i) {
                *k = true;
            }
            prev = Some(i);
        }
    }
    let out = items
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(n, _)| n.clone());
    ok(Value::List(List::from_vec(out.collect())))
}

/// One level: list items are spliced, null items dropped, other items kept.
pub(super) fn flatten(args: &[Arg<'_>]) -> BuiltinResult {
    let items = list_arg("flatten", "list", arg(args, 0))?;
    let mut out: Vec<Node> = Vec::with_capacity(items.len());
    for item in items {
        match &item.value {
            Value::List(inner) => out.extend(inner.iter().cloned()),
            Value::Null => {}
            _ => out.push(item.clone()),
        }
    }
    ok(Value::List(List::from_vec(out)))
}

fn item_error(func: &str, expected: &str, found: &Value, index: usize) -> BuiltinError {
    BuiltinError::new(format!(
        "`{func}` expects {expected}, found {} at index {index}",
        describe(found)
    ))
}

pub(super) fn sum(args: &[Arg<'_>]) -> BuiltinResult {
    let items = list_arg("sum", "list", arg(args, 0))?;
    let mut int: i64 = 0;
    let mut float: Option<f64> = None;
    for (i, item) in items.iter().enumerate() {
        match item.value {
            Value::Int(x) => match float.as_mut() {
                #[expect(clippy::cast_precision_loss, reason = "a float sum is approximate")]
                Some(f) => *f += x as f64,
                None => {
                    int = int
                        .checked_add(x)
                        .ok_or_else(|| BuiltinError::new("`sum` overflows a 64-bit integer"))?;
                }
            },
            Value::Float(x) => {
                #[expect(clippy::cast_precision_loss, reason = "a float sum is approximate")]
                let f = float.get_or_insert(int as f64);
                *f += x;
            }
            ref other => return Err(item_error("sum", "a list of numbers", other, i)),
        }
    }
    ok(float.map_or(Value::Int(int), Value::Float))
}

/// The first item `better` prefers over every other; all numbers or all strings.
fn extreme(func: &str, args: &[Arg<'_>], better: Ordering) -> BuiltinResult {
    let items = list_arg(func, "list", arg(args, 0))?;
    let Some(first) = items.first() else {
        return Ok(None);
    };
    let is_number = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_));
    let numbers = match &first.value {
        v if is_number(v) => true,
        Value::String(_) => false,
        other => {
            return Err(item_error(
                func,
                "a list of numbers or a list of strings",
                other,
                0,
            ));
        }
    };
    let mut best = &first.value;
    for (i, item) in items.iter().enumerate().skip(1) {
        let v = &item.value;
        if is_number(v) != numbers || !(is_number(v) || matches!(v, Value::String(_))) {
            let expected = if numbers {
                "a list of numbers"
            } else {
                "a list of strings"
            };
            return Err(item_error(func, expected, v, i));
        }
        if total_cmp(v, best) == better {
            best = v;
        }
    }
    ok(best.clone())
}

pub(super) fn min(args: &[Arg<'_>]) -> BuiltinResult {
    extreme("min", args, Ordering::Less)
}

pub(super) fn max(args: &[Arg<'_>]) -> BuiltinResult {
    extreme("max", args, Ordering::Greater)
}

pub(super) fn type_of(args: &[Arg<'_>]) -> BuiltinResult {
    ok(Value::string(
        arg(args, 0).map_or("undefined", Value::type_name),
    ))
}

/// The default applies only when the key is absent: a present `null` is returned as is.
pub(super) fn get(args: &[Arg<'_>]) -> BuiltinResult {
    let m = map_arg("get", "m", arg(args, 0))?;
    let Some(key) = string_arg("get", "key", arg(args, 1))? else {
        return Ok(None);
    };
    match m.and_then(|m| m.get(key)) {
        Some(node) => ok(node.value.clone()),
        None => Ok(arg(args, 2).cloned()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn count_sizes() {
        assert_eq!(val("count", &[j(json!([1, 2, 3]))]), Value::Int(3));
        assert_eq!(val("count", &[j(json!({"a": 1}))]), Value::Int(1));
        assert_eq!(val("count", &[s("héllo")]), Value::Int(5));
        assert_eq!(val("count", &[Value::Null]), Value::Int(0));
        assert_eq!(call_args("count", &[None]), Ok(Some(Value::Int(0))));
        assert_eq!(
            err("count", &[Value::Int(3)]),
            "`count` expects `x` to be a list, a map or a string, found int `3`"
        );
    }

    #[test]
    fn keys_and_values() {
        let m = j(json!({"b": 1, "a": [2]}));
        assert_eq!(val("keys", std::slice::from_ref(&m)), j(json!(["b", "a"])));
        assert_eq!(val("values", &[m]), j(json!([1, [2]])));
        assert_eq!(call_args("keys", &[None]), Ok(Some(j(json!([])))));
        assert_eq!(val("values", &[Value::Null]), j(json!([])));
        assert!(err("keys", &[j(json!([1]))]).contains("`m` to be a map, found list `[1]`"));
    }

    #[test]
    fn total_order() {
        let mixed = j(json!([{"a": 1}, [1], "b", 2.5, 2, true, null, false, "a", [0, 5], 1]));
        assert_eq!(
            val("sort", &[mixed]),
            j(json!([null, false, true, 1, 2, 2.5, "a", "b", [0, 5], [1], {"a": 1}]))
        );
        assert_eq!(
            total_cmp(&Value::Int(1), &Value::Float(1.0)),
            Ordering::Equal
        );
        assert_eq!(
            total_cmp(&Value::Int(-2), &Value::Float(-1.5)),
            Ordering::Less
        );
        assert_eq!(
            total_cmp(&Value::Int(-1), &Value::Float(-1.5)),
            Ordering::Greater
        );
        assert_eq!(
            total_cmp(&Value::Float(1.5), &Value::Int(1)),
            Ordering::Greater
        );
        // Exact beyond 2^53.
        let big = 1_i64 << 53;
        #[expect(clippy::cast_precision_loss)]
        let as_float = Value::Float(big as f64);
        assert_eq!(
            total_cmp(&Value::Int(big + 1), &as_float),
            Ordering::Greater
        );
        assert_eq!(
            total_cmp(&Value::Int(i64::MAX), &Value::Float(9.3e18)),
            Ordering::Less
        );
        assert_eq!(
            total_cmp(&Value::Int(i64::MIN), &Value::Float(-1e19)),
            Ordering::Greater
        );
        assert_eq!(
            total_cmp(&Value::Float(f64::NAN), &Value::Float(1e300)),
            Ordering::Greater
        );
        assert_eq!(
            total_cmp(&Value::Float(f64::NAN), &Value::Int(i64::MAX)),
            Ordering::Greater
        );
        assert_eq!(
            total_cmp(&Value::Float(f64::NAN), &Value::Float(f64::NAN)),
            Ordering::Equal
        );
        assert_eq!(total_cmp(&Value::Float(f64::NAN), &s("")), Ordering::Less);
        // Maps ignore key order, like `==`.
        let (a, b) = (j(json!({"x": 1, "y": 2})), j(json!({"y": 2, "x": 1})));
        assert_eq!(total_cmp(&a, &b), Ordering::Equal);
        assert_eq!(total_cmp(&a, &j(json!({"x": 1}))), Ordering::Greater);
        assert_eq!(
            total_cmp(&a, &j(json!({"x": 0, "z": 0}))),
            Ordering::Greater
        );
    }

    #[test]
    fn sort_is_stable_and_keeps_spans() {
        use crate::value::Span;
        let span = Span::new(4, 6);
        let list = Value::List(List::from_vec(vec![
            Node::computed(Value::Float(1.0)),
            Node::computed(Value::Int(0)),
            Node::new(Value::Int(1), span),
        ]));
        let Value::List(sorted) = val("sort", &[list]) else {
            panic!()
        };
        assert!(matches!(sorted.get(0).unwrap().value, Value::Int(0)));
        assert!(matches!(sorted.get(1).unwrap().value, Value::Float(_)));
        assert_eq!(sorted.get(2).unwrap().span, span);
        assert_eq!(val("sort", &[Value::Null]), j(json!([])));
        assert!(call("sort", &[j(json!({"a": 1}))]).is_err());
    }

    #[test]
    fn unique_keeps_first_occurrences() {
        let l = j(json!(["b", "a", "b", 1, 1.0, null, "a", null, {"k": 1}, {"k": 1}]));
        let Value::List(u) = val("unique", &[l]) else {
            panic!()
        };
        let got: Vec<_> = u.iter().map(|n| n.value.clone()).collect();
        assert_eq!(
            got,
            vec![
                s("b"),
                s("a"),
                Value::Int(1),
                Value::Null,
                j(json!({"k": 1}))
            ]
        );
        assert!(matches!(got[2], Value::Int(1)));
        assert_eq!(call_args("unique", &[None]), Ok(Some(j(json!([])))));
    }

    #[test]
    fn flatten_one_level() {
        assert_eq!(
            val("flatten", &[j(json!([[1, 2], [], null, 3, [[4]]]))]),
            j(json!([1, 2, 3, [4]]))
        );
        assert_eq!(val("flatten", &[Value::Null]), j(json!([])));
    }

    #[test]
    fn sums() {
        assert!(matches!(val("sum", &[j(json!([1, 2, 3]))]), Value::Int(6)));
        assert!(matches!(val("sum", &[j(json!([1, 0.5, 2]))]), Value::Float(f) if f == 3.5));
        assert!(matches!(val("sum", &[j(json!([]))]), Value::Int(0)));
        assert!(matches!(call_args("sum", &[None]), Ok(Some(Value::Int(0)))));
        assert_eq!(
            err("sum", &[j(json!([1, "2"]))]),
            "`sum` expects a list of numbers, found string `2` at index 1"
        );
        assert_eq!(
            err("sum", &[j(json!([i64::MAX, 1]))]),
            "`sum` overflows a 64-bit integer"
        );
    }

    #[test]
    fn min_and_max() {
        assert_eq!(val("min", &[j(json!([3, 1.5, 2]))]), Value::Float(1.5));
        assert_eq!(val("max", &[j(json!([3, 1.5, 2]))]), Value::Int(3));
        assert!(matches!(val("max", &[j(json!([1, 1.0]))]), Value::Int(1)));
        assert_eq!(val("min", &[j(json!(["b", "a", "c"]))]), s("a"));
        assert_eq!(val("max", &[j(json!(["b", "a", "c"]))]), s("c"));
        assert_eq!(call("min", &[j(json!([]))]), Ok(None));
        assert_eq!(call_args("max", &[None]), Ok(None));
        assert_eq!(
            err("min", &[j(json!([1, "a"]))]),
            "`min` expects a list of numbers, found string `a` at index 1"
        );
        assert_eq!(
            err("max", &[j(json!([null, 1]))]),
            "`max` expects a list of numbers or a list of strings, found null `null` at index 0"
        );
        assert!(err("max", &[j(json!(["a", [1]]))]).contains("a list of strings"));
    }

    #[test]
    fn type_names() {
        assert_eq!(call_args("type_of", &[None]), Ok(Some(s("undefined"))));
        assert_eq!(val("type_of", &[Value::Null]), s("null"));
        assert_eq!(val("type_of", &[Value::Float(1.0)]), s("float"));
        assert_eq!(val("type_of", &[j(json!({}))]), s("map"));
    }

    #[test]
    fn get_with_default() {
        let m = j(json!({"a": 1, "n": null}));
        assert_eq!(val("get", &[m.clone(), s("a")]), Value::Int(1));
        assert_eq!(call("get", &[m.clone(), s("b")]), Ok(None));
        assert_eq!(val("get", &[m.clone(), s("b"), s("d")]), s("d"));
        assert_eq!(val("get", &[m.clone(), s("n"), s("d")]), Value::Null);
        assert_eq!(
            val("get", &[Value::Null, s("a"), Value::Int(0)]),
            Value::Int(0)
        );
        assert_eq!(call_args("get", &[None, Some(&s("a"))]), Ok(None));
        assert_eq!(call("get", &[m.clone(), Value::Null, s("d")]), Ok(None));
        assert!(err("get", &[m, Value::Int(1)]).contains("`key` to be a string"));
        assert!(err("get", &[j(json!([1])), s("a")]).contains("`m` to be a map"));
    }
}
