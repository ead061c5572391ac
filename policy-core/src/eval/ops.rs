//! The operators of the language over evaluation values, with the missing-data rules of the
//! module docs of [`crate::eval`]: field and index access, truth, comparison, membership and
//! arithmetic.

use std::sync::Arc;

use super::{R, Val, fault, fault_on};
use crate::ir::{ArithOp, CmpOp, ExprId};
use crate::value::{Node, Value};

pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::String(s) if s.len() <= 40 => format!("string `{s}`"),
        Value::Int(i) => format!("int `{i}`"),
        Value::Bool(b) => format!("bool `{b}`"),
        other => other.type_name().to_string(),
    }
}

/// The truth of a condition; see the module docs.
pub(super) fn truthy(v: &Val<'_>, at: ExprId) -> R<bool> {
    match v.value() {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(o) => fault_on(
            at,
            v.node(),
            format!("a condition must be a bool, found {}", describe(o)),
        ),
    }
}

pub(super) fn field<'a>(b: Val<'a>, key: &str, at: ExprId) -> R<Val<'a>> {
    match b {
        Val::Undef => Ok(Val::Undef),
        Val::Ref(n) => match &n.value {
            Value::Map(m) => Ok(m.get(key).map_or(Val::Undef, Val::Ref)),
            Value::Null => Ok(Val::Undef),
            o => fault_on(
                at,
                Some(n),
                format!("cannot read field `{key}` of {}", describe(o)),
            ),
        },
        Val::Own(n) => match &n.value {
            Value::Map(m) => Ok(m.get(key).map_or(Val::Undef, |c| Val::Own(c.clone()))),
            Value::Null => Ok(Val::Undef),
            o => fault_on(
                at,
                Some(&n),
                format!("cannot read field `{key}` of {}", describe(o)),
            ),
        },
    }
}

pub(super) fn index<'a>(b: Val<'a>, i: &Val<'_>, at: ExprId) -> R<Val<'a>> {
    let pick = |n: &Node| -> R<Option<Node>> {
        match (&n.value, i.value()) {
            (_, None | Some(Value::Null)) => Ok(None),
            (Value::List(l), Some(Value::Int(k))) => {
                Ok(usize::try_from(*k).ok().and_then(|k| l.get(k)).cloned())
            }
            (Value::Map(m), Some(Value::String(k))) => Ok(m.get(k).cloned()),
            (Value::Null, _) => Ok(None),
            (o, Some(k)) => fault_on(
                at,
                Some(n),
                format!("cannot index {} with {}", describe(o), describe(k)),
            ),
        }
    };
    match b {
        Val::Undef => Ok(Val::Undef),
        Val::Ref(n) => {
            // Keep borrowing from the document when possible, so locations stay exact.
            let r = match (&n.value, i.value()) {
                (Value::List(l), Some(Value::Int(k))) => usize::try_from(*k)
                    .ok()
                    .and_then(|k| l.get(k))
                    .map(Val::Ref),
                (Value::Map(m), Some(Value::String(k))) => m.get(k).map(Val::Ref),
                _ => None,
            };
            match r {
                Some(v) => Ok(v),
                None => Ok(pick(n)?.map_or(Val::Undef, Val::Own)),
            }
        }
        Val::Own(n) => Ok(pick(&n)?.map_or(Val::Undef, Val::Own)),
    }
}

pub(super) fn compare(op: CmpOp, x: &Val<'_>, y: &Val<'_>, at: ExprId) -> R<bool> {
    match op {
        CmpOp::Eq => Ok(eq(x, y)),
        CmpOp::Ne => Ok(!eq(x, y)),
        _ => {
            let (Some(a), Some(b)) = (x.value(), y.value()) else {
                return Ok(false);
            };
            let ord = match (a, b) {
                (Value::Null, _) | (_, Value::Null) => return Ok(false),
                (Value::Int(p), Value::Int(q)) => p.cmp(q),
                (Value::String(p), Value::String(q)) => p.cmp(q),
                (p, q) => match (as_f64(p), as_f64(q)) {
                    (Some(p), Some(q)) => match p.partial_cmp(&q) {
                        Some(o) => o,
                        None => return Ok(false),
                    },
                    _ => {
                        return fault(
                            at,
                            format!("cannot compare {} with {}", describe(a), describe(b)),
                        );
                    }
                },
            };
            Ok(match op {
                CmpOp::Lt => ord.is_lt(),
                CmpOp::Le => ord.is_le(),
                CmpOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
    }
}

pub(super) fn eq(x: &Val<'_>, y: &Val<'_>) -> bool {
    match (x.value(), y.value()) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "mixed int/float arithmetic and comparison are done in floats"
)]
pub(super) fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

pub(super) fn contains(coll: &Val<'_>, x: &Val<'_>, at: ExprId) -> R<bool> {
    let Some(needle) = x.value() else {
        return Ok(false);
    };
    match coll.value() {
        None | Some(Value::Null) => Ok(false),
        Some(Value::List(l)) => Ok(l.iter().any(|n| n.value == *needle)),
        Some(Value::Map(m)) => Ok(needle.as_str().is_some_and(|k| m.contains_key(k))),
        Some(Value::String(s)) => match needle {
            Value::String(n) => Ok(s.contains(&**n)),
            o => fault_on(
                at,
                x.node(),
                format!("cannot look for {} in a string", describe(o)),
            ),
        },
        Some(o) => fault_on(
            at,
            coll.node(),
            format!("`in` expects a list, map or string, found {}", describe(o)),
        ),
    }
}

pub(super) fn arith<'a>(op: ArithOp, x: &Val<'_>, y: &Val<'_>, at: ExprId) -> R<Val<'a>> {
    let (Some(a), Some(b)) = (x.value(), y.value()) else {
        return Ok(Val::Undef);
    };
    let sym = match op {
        ArithOp::Add => "+",
        ArithOp::Sub => "-",
        ArithOp::Mul => "*",
        ArithOp::Div => "/",
        ArithOp::Rem => "%",
    };
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Ok(Val::Undef),
        (Value::String(p), Value::String(q)) if op == ArithOp::Add => {
            Ok(Val::own(Value::String(Arc::from(format!("{p}{q}")))))
        }
        (Value::Int(p), Value::Int(q)) => {
            let r = match op {
                ArithOp::Add => p.checked_add(*q),
                ArithOp::Sub => p.checked_sub(*q),
                ArithOp::Mul => p.checked_mul(*q),
                ArithOp::Div | ArithOp::Rem if *q == 0 => return fault(at, "division by zero"),
                ArithOp::Div => {
                    if p.checked_rem(*q) == Some(0) {
                        p.checked_div(*q)
                    } else {
                        return Ok(Val::own(Value::Float(
                            as_f64(a).unwrap_or(0.0) / as_f64(b).unwrap_or(1.0),
                        )));
                    }
                }
                ArithOp::Rem => p.checked_rem(*q),
            };
            match r {
                Some(v) => Ok(Val::own(Value::Int(v))),
                None => fault(at, "integer overflow"),
            }
        }
        _ => match (as_f64(a), as_f64(b)) {
            (Some(p), Some(q)) => {
                if matches!(op, ArithOp::Div | ArithOp::Rem) && q == 0.0 {
                    return fault(at, "division by zero");
                }
                let r = match op {
                    ArithOp::Add => p + q,
                    ArithOp::Sub => p - q,
                    ArithOp::Mul => p * q,
                    ArithOp::Div => p / q,
                    ArithOp::Rem => p % q,
                };
                Ok(Val::own(Value::Float(r)))
            }
            _ => fault(
                at,
                format!(
                    "cannot apply `{sym}` to {} and {}",
                    describe(a),
                    describe(b)
                ),
            ),
        },
    }
}
