//! Kubernetes label selectors.
//!
//! * `selector_matches(selector, labels)` has the semantics of a `metav1.LabelSelector`
//!   (Deployment `spec.selector`, NetworkPolicy `podSelector`, PodDisruptionBudget, ...), as
//!   converted by `metav1.LabelSelectorAsSelector`: `matchLabels` and `matchExpressions` are
//!   ANDed; an **empty** selector (`{}`, or both fields empty or null) matches every object,
//!   while a **null or undefined** selector matches nothing.
//! * `labels_match(selector, labels)` is the plain equality map selector of Service
//!   `spec.selector` and ReplicationController `spec.selector`: every key must be present with the
//!   same value. An **empty, null or undefined** selector matches nothing, because a Service
//!   without a selector selects no pods.
//!
//! Labels that are undefined or null are an empty label set. Label values must be strings (YAML
//! `tier: 1` is an int, which the API server rejects): another type is an error. A null value
//! reads as `""`, as it does when the API server decodes it.
//!
//! Selectors are validated as the API server would, before any matching: an unknown field (a
//! typo, or a plain map passed where a `LabelSelector` is expected), an unknown operator
//! (operators are case sensitive), `In` or `NotIn` without values, and `Exists` or
//! `DoesNotExist` with values are errors.

use super::{Arg, BuiltinError, BuiltinResult, arg, describe, map_arg, ok, type_error};
use crate::value::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// One requirement of a selector.
struct Requirement<'a> {
    key: &'a str,
    op: Op,
    values: Vec<&'a str>,
}

impl Requirement<'_> {
    fn matches(&self, labels: &[(&str, &str)]) -> bool {
        let value = labels.iter().find(|(k, _)| *k == self.key).map(|(_, v)| *v);
        match self.op {
            Op::In => value.is_some_and(|v| self.values.contains(&v)),
            Op::NotIn => value.is_none_or(|v| !self.values.contains(&v)),
            Op::Exists => value.is_some(),
            Op::DoesNotExist => value.is_none(),
        }
    }
}

fn error(func: &str, msg: String) -> BuiltinError {
    BuiltinError::new(format!("`{func}` {msg}"))
}

/// A label value: a string, or null read as `""`.
fn label_str<'a>(
    func: &str,
    what: &dyn Fn() -> String,
    v: &'a Value,
) -> Result<&'a str, BuiltinError> {
    match v {
        Value::String(s) => Ok(s),
        Value::Null => Ok(""),
        other => Err(error(
            func,
            format!(
                "expects {} to be a string, found {}",
                what(),
                describe(other)
            ),
        )),
    }
}

/// The `(key, value)` pairs of a labels argument; undefined or null is no labels.
fn labels_arg<'a>(func: &str, a: Arg<'a>) -> Result<Vec<(&'a str, &'a str)>, BuiltinError> {
    let Some(m) = map_arg(func, "labels", a)? else {
        return Ok(Vec::new());
    };
    m.iter()
        .map(|(k, v)| {
            Ok((
                &**k,
                label_str(func, &|| format!("the value of label `{k}`"), &v.value)?,
            ))
        })
        .collect()
}

/// The first key of `m` outside `allowed`.
fn unknown_field<'a>(m: &'a Map, allowed: &[&str]) -> Option<&'a str> {
    m.keys().map(|k| &**k).find(|k| !allowed.contains(k))
}

/// The requirements of a `LabelSelector`.
fn parse_selector<'a>(func: &str, sel: &'a Map) -> Result<Vec<Requirement<'a>>, BuiltinError> {
    if let Some(k) = unknown_field(sel, &["matchLabels", "matchExpressions"]) {
        return Err(error(
            func,
            format!(
                "found the unknown field `{k}` in the selector (a label selector has \
                 `matchLabels` and `matchExpressions`; use `labels_match` for a plain map)"
            ),
        ));
    }
    let mut reqs = Vec::new();
    let match_labels = sel.get("matchLabels").map(|n| &n.value);
    if let Some(m) = map_arg(func, "selector.matchLabels", match_labels)? {
        for (k, v) in m.iter() {
            let what = || format!("`selector.matchLabels.{k}`");
            let value = label_str(func, &what, &v.value)?;
            reqs.push(Requirement {
                key: k,
                op: Op::In,
                values: vec![value],
            });
        }
    }
    let exprs = sel.get("matchExpressions").map(|n| &n.value);
    let exprs = super::list_arg(func, "selector.matchExpressions", exprs)?;
    for (i, e) in exprs.iter().enumerate() {
        reqs.push(parse_expression(func, i, &e.value)?);
    }
    Ok(reqs)
}

fn parse_expression<'a>(
    func: &str,
    i: usize,
    e: &'a Value,
) -> Result<Requirement<'a>, BuiltinError> {
    let at = format!("selector.matchExpressions[{i}]");
    let Value::Map(m) = e else {
        return Err(type_error(func, &at, "a map", e));
    };
    if let Some(k) = unknown_field(m, &["key", "operator", "values"]) {
        return Err(error(
            func,
            format!(
                "found the unknown field `{k}` in `{at}` (expected `key`, `operator` and `values`)"
            ),
        ));
    }
    let key = match m.get("key").map(|n| &n.value) {
        Some(Value::String(k)) if !k.is_empty() => k,
        other => {
            let found = other.map_or_else(|| "nothing".to_string(), describe);
            return Err(error(
                func,
                format!("expects `{at}.key` to be a non-empty string, found {found}"),
            ));
        }
    };
    let op = match m.get("operator").map(|n| &n.value) {
        Some(Value::String(o)) => match &**o {
            "In" => Op::In,
            "NotIn" => Op::NotIn,
            "Exists" => Op::Exists,
            "DoesNotExist" => Op::DoesNotExist,
            other => {
                return Err(error(
                    func,
                    format!(
                        "found the unknown operator `{other}` in `{at}` (expected `In`, `NotIn`, \
                         `Exists` or `DoesNotExist`)"
                    ),
                ));
            }
        },
        other => {
            let found = other.map_or_else(|| "nothing".to_string(), describe);
            return Err(error(
                func,
                format!("expects `{at}.operator` to be a string, found {found}"),
            ));
        }
    };
    let values_param = format!("{at}.values");
    let values = super::list_arg(func, &values_param, m.get("values").map(|n| &n.value))?
        .iter()
        .enumerate()
        .map(|(j, v)| label_str(func, &|| format!("`{at}.values[{j}]`"), &v.value))
        .collect::<Result<Vec<_>, _>>()?;
    match (op, values.is_empty()) {
        (Op::In | Op::NotIn, true) => Err(error(
            func,
            format!("expects `{at}.values` to be non-empty for the operator `{op:?}`"),
        )),
        (Op::Exists | Op::DoesNotExist, false) => Err(error(
            func,
            format!("expects `{at}.values` to be empty for the operator `{op:?}`"),
        )),
        _ => Ok(Requirement { key, op, values }),
    }
}

pub(super) fn selector_matches(args: &[Arg<'_>]) -> BuiltinResult {
    const F: &str = "selector_matches";
    let selector = map_arg(F, "selector", arg(args, 0))?;
    let labels = labels_arg(F, arg(args, 1))?;
    let Some(selector) = selector else {
        return ok(Value::Bool(false));
    };
    let reqs = parse_selector(F, selector)?;
    ok(Value::Bool(reqs.iter().all(|r| r.matches(&labels))))
}

pub(super) fn labels_match(args: &[Arg<'_>]) -> BuiltinResult {
    const F: &str = "labels_match";
    let selector = map_arg(F, "selector", arg(args, 0))?;
    let labels = labels_arg(F, arg(args, 1))?;
    let mut wanted = Vec::new();
    for (k, v) in selector.into_iter().flat_map(Map::iter) {
        let value = label_str(F, &|| format!("the value of selector key `{k}`"), &v.value)?;
        wanted.push((&**k, value));
    }
    let matched = !wanted.is_empty() && wanted.iter().all(|w| labels.contains(w));
    ok(Value::Bool(matched))
}

/// How an object's selector reads labels: a `metav1.LabelSelector` (as `selector_matches`) or
/// a plain equality map (as `labels_match`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectorForm {
    /// `matchLabels` and `matchExpressions`.
    Label,
    /// A map of labels that must all be present (Service `spec.selector`).
    Map,
}

/// Whether `selector`, read as `form`, selects an object with `labels`: the answer of
/// `selector_matches` or `labels_match`, errors included.
pub fn selects(
    form: SelectorForm,
    selector: Arg<'_>,
    labels: Arg<'_>,
) -> Result<bool, BuiltinError> {
    let r = match form {
        SelectorForm::Label => selector_matches(&[selector, labels])?,
        SelectorForm::Map => labels_match(&[selector, labels])?,
    };
    Ok(matches!(r, Some(Value::Bool(true))))
}

/// A label `(key, value)` that every object `selector` selects must carry, when there is one
/// and the selector is valid: the index of cross-document queries files the selector under it.
/// A selector that does not parse is never filed: every query then reads it, and so reports its
/// error as a plain match would.
pub fn required_label(form: SelectorForm, selector: Arg<'_>) -> Option<(&str, &str)> {
    let Some(Value::Map(m)) = selector else {
        return None;
    };
    match form {
        // `matchLabels` entries are `In` requirements of one value.
        SelectorForm::Label => parse_selector("selector_matches", m)
            .ok()?
            .into_iter()
            .find_map(|r| match (r.op, r.values.as_slice()) {
                (Op::In, [v]) => Some((r.key, *v)),
                _ => None,
            }),
        SelectorForm::Map => {
            let mut first = None;
            for (k, v) in m.iter() {
                let value = label_str("labels_match", &String::new, &v.value).ok()?;
                first = first.or(Some((&**k, value)));
            }
            first
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::super::test_util::*;
    use crate::value::Value;
    use serde_json::json;

    fn sel(selector: serde_json::Value, labels: serde_json::Value) -> bool {
        match val("selector_matches", &[j(selector), j(labels)]) {
            Value::Bool(b) => b,
            other => panic!("{other:?}"),
        }
    }

    fn sel_err(selector: serde_json::Value) -> String {
        err("selector_matches", &[j(selector), j(json!({"app": "web"}))])
    }

    fn expr(op: &str, values: serde_json::Value) -> serde_json::Value {
        json!({"matchExpressions": [{"key": "tier", "operator": op, "values": values}]})
    }

    #[test]
    fn empty_and_null_selectors() {
        let labels = json!({"app": "web"});
        assert!(sel(json!({}), labels.clone()));
        assert!(sel(json!({}), json!({})));
        assert!(sel(
            json!({"matchLabels": {}, "matchExpressions": []}),
            labels.clone()
        ));
        assert!(sel(json!({"matchLabels": null}), labels.clone()));
        assert!(!sel(json!(null), labels.clone()));
        assert_eq!(
            call_args("selector_matches", &[None, Some(&j(labels))]),
            Ok(Some(Value::Bool(false)))
        );
        assert_eq!(
            call_args("selector_matches", &[None, None]),
            Ok(Some(Value::Bool(false)))
        );
    }

    #[test]
    fn match_labels() {
        let s = json!({"matchLabels": {"app": "web", "tier": "front"}});
        assert!(sel(
            s.clone(),
            json!({"app": "web", "tier": "front", "x": "y"})
        ));
        assert!(!sel(s.clone(), json!({"app": "web"})));
        assert!(!sel(s.clone(), json!({"app": "web", "tier": "back"})));
        assert!(!sel(s.clone(), json!(null)));
        assert_eq!(
            call_args("selector_matches", &[Some(&j(s)), None]),
            Ok(Some(Value::Bool(false)))
        );
        // A null label value reads as "".
        assert!(sel(json!({"matchLabels": {"a": ""}}), json!({"a": null})));
    }

    #[test]
    fn operators() {
        let web = json!({"tier": "web"});
        let db = json!({"tier": "db"});
        let none = json!({"app": "x"});
        let in_ = expr("In", json!(["web", "api"]));
        assert!(sel(in_.clone(), web.clone()));
        assert!(!sel(in_.clone(), db.clone()));
        assert!(!sel(in_, none.clone()));
        let not_in = expr("NotIn", json!(["web"]));
        assert!(!sel(not_in.clone(), web.clone()));
        assert!(sel(not_in.clone(), db.clone()));
        assert!(sel(not_in, none.clone()), "NotIn matches a missing key");
        let exists = json!({"matchExpressions": [{"key": "tier", "operator": "Exists"}]});
        assert!(sel(exists.clone(), web.clone()));
        assert!(!sel(exists, none.clone()));
        let absent = expr("DoesNotExist", json!([]));
        assert!(!sel(absent.clone(), db));
        assert!(sel(absent, none));
        // matchLabels and matchExpressions are ANDed.
        let both = json!({
            "matchLabels": {"app": "x"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]
        });
        assert!(sel(both.clone(), json!({"app": "x", "tier": "web"})));
        assert!(!sel(both, web));
    }

    #[test]
    fn invalid_selectors() {
        assert_eq!(
            sel_err(expr("in", json!(["web"]))),
            "`selector_matches` found the unknown operator `in` in `selector.matchExpressions[0]` \
             (expected `In`, `NotIn`, `Exists` or `DoesNotExist`)"
        );
        assert_eq!(
            sel_err(expr("In", json!([]))),
            "`selector_matches` expects `selector.matchExpressions[0].values` to be non-empty for the \
             operator `In`"
        );
        assert!(
            sel_err(json!({"matchExpressions": [{"key": "t", "operator": "NotIn"}]}))
                .contains("non-empty for the operator `NotIn`")
        );
        assert!(
            sel_err(expr("Exists", json!(["x"]))).contains("to be empty for the operator `Exists`")
        );
        assert_eq!(
            sel_err(json!({"app": "web"})),
            "`selector_matches` found the unknown field `app` in the selector (a label selector \
             has `matchLabels` and `matchExpressions`; use `labels_match` for a plain map)"
        );
        assert!(
            sel_err(json!({"matchExpressions": [{"key": "t", "operator": "Exists", "value": 1}]}))
                .contains("unknown field `value` in `selector.matchExpressions[0]`")
        );
        assert!(
            sel_err(json!({"matchExpressions": [{"operator": "Exists"}]})).contains(
                "`selector.matchExpressions[0].key` to be a non-empty string, found nothing"
            )
        );
        assert!(
            sel_err(json!({"matchExpressions": [{"key": "t"}]}))
                .contains("`selector.matchExpressions[0].operator` to be a string, found nothing")
        );
        assert!(sel_err(json!({"matchExpressions": ["x"]})).contains("to be a map, found string"));
        assert!(sel_err(json!({"matchExpressions": {}})).contains("to be a list"));
        assert!(
            sel_err(json!({"matchLabels": {"a": 1}}))
                .contains("`selector.matchLabels.a` to be a string, found int `1`")
        );
        assert!(
            sel_err(expr("In", json!([1]))).contains("`selector.matchExpressions[0].values[0]`")
        );
        assert!(
            err("selector_matches", &[j(json!([])), j(json!({}))])
                .contains("`selector` to be a map")
        );
        assert_eq!(
            err("selector_matches", &[j(json!({})), j(json!({"tier": 1}))]),
            "`selector_matches` expects the value of label `tier` to be a string, found int `1`"
        );
        assert!(
            err("selector_matches", &[j(json!({})), s("app=web")]).contains("`labels` to be a map")
        );
    }

    #[test]
    fn equality_selectors() {
        let lm = |a: serde_json::Value, b: serde_json::Value| val("labels_match", &[j(a), j(b)]);
        let t = Value::Bool(true);
        let f = Value::Bool(false);
        assert_eq!(
            lm(json!({"app": "web"}), json!({"app": "web", "x": "y"})),
            t
        );
        assert_eq!(
            lm(json!({"app": "web", "v": "1"}), json!({"app": "web"})),
            f
        );
        assert_eq!(lm(json!({"app": "web"}), json!({"app": "api"})), f);
        assert_eq!(lm(json!({"app": "web"}), json!(null)), f);
        assert_eq!(
            lm(json!({}), json!({"app": "web"})),
            f,
            "an empty selector selects nothing"
        );
        assert_eq!(lm(json!(null), json!({"app": "web"})), f);
        assert_eq!(
            call_args("labels_match", &[None, Some(&j(json!({"a": "b"})))]),
            Ok(Some(f))
        );
        assert!(
            err("labels_match", &[j(json!({"a": 1})), j(json!({}))])
                .contains("the value of selector key `a` to be a string, found int `1`")
        );
        assert!(err("labels_match", &[s("a=b"), j(json!({}))]).contains("`selector` to be a map"));
    }
}
