//! The expressions that build values or loop (`Machine::eval_built`), and the accounting of the
//! bytes they build against [`Limits::max_bytes`](super::Limits::max_bytes).
//!
//! They live apart from [`Machine::eval`] so that its frame stays small: the evaluator recurses
//! through `eval` once per level of a rule's nesting.

use std::sync::Arc;

use super::ops::{arith, describe, truthy};
use super::{
    Fault, INPUT_BYTES_PER_STEP, Machine, R, Val, display_val, fault, fault_on, input_steps,
};
use crate::builtins;
use crate::ir::{Expr, ExprId, InterpPart, Quantifier};
use crate::value::{List, MapBuilder, Node, Value};

impl<'a> Machine<'a> {
    /// Wraps a value the rule built, counting its bytes against [`Limits::max_bytes`].
    pub(super) fn built(&mut self, v: Value, at: ExprId) -> R<Val<'a>> {
        self.bytes = self.bytes.saturating_add(shallow_bytes(&v));
        if self.bytes > self.limits.max_bytes {
            return fault(
                at,
                format!(
                    "evaluation built more than {} bytes of values (see max_bytes)",
                    self.limits.max_bytes
                ),
            );
        }
        Ok(Val::own(v))
    }

    /// The expressions that build values or loop, out of [`Machine::eval`]'s line: the
    /// evaluator recurses through `eval`, so its frame is kept small, and each level of nesting
    /// costs little stack (see [`Limits::max_nesting`]).
    #[inline(never)]
    pub(super) fn eval_built(&mut self, e: &'a Expr, id: ExprId) -> R<Val<'a>> {
        match e {
            Expr::Neg(x) => {
                let v = self.eval(*x)?;
                match v.value() {
                    None | Some(Value::Null) => Ok(Val::Undef),
                    Some(Value::Int(i)) => match i.checked_neg() {
                        Some(n) => Ok(Val::own(Value::Int(n))),
                        None => fault(id, "integer overflow"),
                    },
                    Some(Value::Float(f)) => Ok(Val::own(Value::Float(-f))),
                    Some(o) => fault(id, format!("cannot negate {}", describe(o))),
                }
            }
            Expr::Arith(op, a, b) => {
                let x = self.eval(*a)?;
                let y = self.eval(*b)?;
                match arith(*op, &x, &y, id)? {
                    Val::Own(Node {
                        value: v @ Value::String(_),
                        ..
                    }) => self.built(v, id),
                    other => Ok(other),
                }
            }
            Expr::Concat(a, b) => {
                let x = self.eval(*a)?;
                let y = self.eval(*b)?;
                let mut lists: [Option<&List>; 2] = [None, None];
                for ((v, at), slot) in [(&x, *a), (&y, *b)].into_iter().zip(&mut lists) {
                    match v.value() {
                        None | Some(Value::Null) => {}
                        Some(Value::List(l)) => *slot = Some(l),
                        Some(o) => {
                            let message = format!("`++` expects lists, found {}", describe(o));
                            return fault_on(at, v.node(), message);
                        }
                    }
                }
                let list = match lists {
                    // With one side empty the result shares the other's items, uncopied.
                    [Some(l), None] | [None, Some(l)] => l.clone(),
                    [Some(p), Some(q)] => {
                        List::from_vec(p.iter().chain(q.iter()).cloned().collect())
                    }
                    [None, None] => List::default(),
                };
                self.built(Value::List(list), id)
            }
            Expr::MatchesLit(s, re) => {
                let v = self.eval(*s)?;
                match v.value() {
                    None | Some(Value::Null) => Ok(Val::bool(false)),
                    Some(Value::String(t)) => {
                        if t.len() >= INPUT_BYTES_PER_STEP {
                            self.ticks(input_steps(t.len()), id)?;
                        }
                        Ok(Val::bool(re.is_match(t)))
                    }
                    Some(o) => fault(
                        id,
                        format!("`matches` expects a string, found {}", describe(o)),
                    ),
                }
            }
            Expr::Matches(s, p) => {
                let v = self.eval(*s)?;
                let pat = self.eval(*p)?;
                match (v.value(), pat.value()) {
                    (None | Some(Value::Null), _) => Ok(Val::bool(false)),
                    (Some(Value::String(t)), Some(Value::String(p))) => {
                        self.ticks(input_steps(t.len().saturating_add(p.len())), id)?;
                        let m = builtins::regex_is_match(p, t).map_err(|e| Fault {
                            message: e.to_string(),
                            at: id,
                            node: None,
                        })?;
                        Ok(Val::bool(m))
                    }
                    (Some(o), _) => fault(
                        id,
                        format!("`matches` expects a string, found {}", describe(o)),
                    ),
                }
            }
            Expr::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    if let Some(n) = self.eval(*it)?.node() {
                        out.push(n.clone());
                    }
                }
                Ok(Val::own(Value::List(List::from_vec(out))))
            }
            Expr::Map(entries) => {
                let mut b = MapBuilder::with_capacity(entries.len());
                for (k, v) in entries {
                    if let Some(n) = self.eval(*v)?.node() {
                        b.insert(k.clone(), n.clone());
                    }
                }
                Ok(Val::own(Value::Map(b.finish())))
            }
            Expr::Interp(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        InterpPart::Text(t) => s.push_str(t),
                        InterpPart::Expr(e) => s.push_str(&display_val(&self.eval(*e)?)),
                    }
                }
                self.built(Value::String(Arc::from(s)), id)
            }
            Expr::Quant(q, slot, domain, cond) => {
                let d = self.eval(*domain)?;
                let mut decided = None;
                self.for_items(d, *domain, |m, it| {
                    m.set(*slot, it);
                    let v = m.eval(*cond)?;
                    let t = truthy(&v, *cond)?;
                    match (q, t) {
                        (Quantifier::Any, true) => decided = Some(true),
                        (Quantifier::All, false) | (Quantifier::None, true) => {
                            decided = Some(false);
                        }
                        _ => {}
                    }
                    Ok(decided.is_none())
                })?;
                Ok(Val::bool(decided.unwrap_or(!matches!(q, Quantifier::Any))))
            }
            Expr::Comprehension {
                slot,
                domain,
                filter,
                out,
            } => {
                let d = self.eval(*domain)?;
                let mut res = Vec::new();
                self.for_items(d, *domain, |m, it| {
                    m.set(*slot, it);
                    if let Some(f) = filter {
                        let v = m.eval(*f)?;
                        if !truthy(&v, *f)? {
                            return Ok(true);
                        }
                    }
                    if let Some(n) = m.eval(*out)?.node() {
                        res.push(n.clone());
                    }
                    Ok(true)
                })?;
                self.built(Value::List(List::from_vec(res)), id)
            }
            Expr::Resources(q) => {
                let ns = match q.namespace {
                    Some(e) => self.eval(e)?,
                    None => Val::Undef,
                };
                let ns = match ns.value() {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(o) => {
                        return fault_on(
                            id,
                            ns.node(),
                            format!("a namespace must be a string, found {}", describe(o)),
                        );
                    }
                };
                if let Some(w) = &q.with {
                    let value = self.eval(w.value)?;
                    return Ok(self
                        .scan
                        .with_value(&q.targets, ns.as_deref(), w, value.value()));
                }
                if let Some(l) = q.labels {
                    let labels = self.eval(l)?;
                    return self
                        .scan
                        .selecting(&q.targets, ns.as_deref(), labels.value())
                        .map_err(|(e, node)| Fault {
                            message: e.to_string(),
                            at: id,
                            node: node
                                .or_else(|| labels.node().filter(|n| n.span.is_known()).cloned()),
                        });
                }
                match q.name {
                    None => Ok(self.scan.query(&q.targets, ns.as_deref())),
                    Some(n) => {
                        let name = self.eval(n)?;
                        match name.value() {
                            None | Some(Value::Null) => Ok(Val::Undef),
                            Some(Value::String(s)) => {
                                Ok(self.scan.lookup(&q.targets, ns.as_deref(), s))
                            }
                            Some(o) => fault_on(
                                id,
                                name.node(),
                                format!("a name must be a string, found {}", describe(o)),
                            ),
                        }
                    }
                }
            }
            _ => fault(id, "internal error: not a building expression"),
        }
    }
}

/// The bytes a built value holds itself (its items are shared with the values they came from):
/// a string's text, a list's or map's entries.
fn shallow_bytes(v: &Value) -> u64 {
    const NODE: u64 = std::mem::size_of::<Node>() as u64;
    let n = |len: usize| u64::try_from(len).unwrap_or(u64::MAX);
    match v {
        Value::String(s) => n(s.len()),
        Value::List(l) => n(l.len()).saturating_mul(NODE),
        Value::Map(m) => n(m.len()).saturating_mul(NODE.saturating_mul(2)),
        _ => 0,
    }
}
