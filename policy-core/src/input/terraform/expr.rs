//! Evaluating Terraform expressions as far as a static reader can.
//!
//! Literals, lists, objects, string templates whose parts are known, `var.*` (from `*.tfvars`
//! and variable defaults), `local.*`, conditionals with a known condition, `jsonencode`,
//! `tolist`/`toset`/`concat` evaluate to values. Everything else (a resource attribute, a data
//! source, a function fourc does not evaluate, `count.index`, `each.value`) is *unknown*: a map
//! `{"$unknown": "<the expression as written>"}`, never a guess. A value taken from another file
//! of the folder (a variable default, a `.tfvars` value, a local defined elsewhere) sits at the
//! span of the reference in the file being read, so a finding lands on the user's line there.

use std::collections::HashMap;
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Element, Template};

use crate::input::tfplan::respan;
use crate::value::{List, MapBuilder, Node, Span, Str, Value};

/// The key of an unknown value's marker map.
pub const UNKNOWN: &str = "$unknown";

/// A definition of a `local` or a variable value, with the text it was parsed from.
#[derive(Clone, Debug)]
pub(crate) struct Def {
    pub(crate) expr: Expression,
    pub(crate) text: Arc<str>,
}

/// Variables and locals defined by some files.
#[derive(Debug, Default)]
pub(crate) struct Defs {
    /// Variable defaults.
    pub(crate) defaults: HashMap<String, Def>,
    /// Locals.
    pub(crate) locals: HashMap<String, Def>,
    /// Values from `*.tfvars` (override defaults).
    pub(crate) tfvars: HashMap<String, Def>,
}

/// What references resolve against: the source's own definitions, then its folder's.
#[derive(Debug)]
pub(crate) struct Scope {
    /// The definitions of the source being read.
    pub(crate) own: Defs,
    /// The definitions of the folder's files (shared by every file of the folder).
    pub(crate) folder: Option<Arc<Defs>>,
    /// How many more expressions may be evaluated for this source: references that fan out
    /// (`local.a = [local.b, local.b]`, ...) cannot blow up.
    pub(crate) budget: std::cell::Cell<usize>,
    /// In a module called by another configuration, the values of the call's arguments: they
    /// bind the module's variables before any default (a module reads no `.tfvars`).
    pub(crate) bound: HashMap<String, Node>,
}

impl Scope {
    /// The value of `var.name`: a `.tfvars` value, else the default.
    fn var(&self, name: &str) -> Option<&Def> {
        let f = self.folder.as_deref();
        f.and_then(|f| f.tfvars.get(name))
            .or_else(|| self.own.defaults.get(name))
            .or_else(|| f.and_then(|f| f.defaults.get(name)))
    }

    /// The definition of `local.name`.
    fn local(&self, name: &str) -> Option<&Def> {
        self.own
            .locals
            .get(name)
            .or_else(|| self.folder.as_deref().and_then(|f| f.locals.get(name)))
    }
}

/// Evaluates expressions of one source text.
pub(crate) struct Eval<'a> {
    pub(crate) scope: &'a Scope,
    pub(crate) text: &'a str,
    pub(crate) depth: usize,
    pub(crate) max_depth: usize,
}

/// The span of a parsed item, or none.
pub(crate) fn span_of(r: Option<std::ops::Range<usize>>) -> Span {
    r.map_or(Span::NONE, Span::of_range)
}

/// An unknown value written as `text`, at `span`.
pub(crate) fn unknown(text: &str, span: Span) -> Node {
    let mut m = MapBuilder::with_capacity(1);
    m.insert(
        Str::from(UNKNOWN),
        Node::new(Value::string(text.trim()), span),
    );
    Node::new(Value::Map(m.finish()), span)
}

/// Whether a value is the unknown marker.
pub fn is_unknown(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.len() == 1 && m.contains_key(UNKNOWN),
        _ => false,
    }
}

impl Eval<'_> {
    fn source_of(&self, span: Span) -> &str {
        if !span.is_known() {
            return "";
        }
        self.text
            .get(span.start() as usize..span.end() as usize)
            .unwrap_or("")
    }

    fn unknown_at(&self, span: Span) -> Node {
        unknown(self.source_of(span), span)
    }

    /// The value of an expression.
    pub(crate) fn eval(&mut self, e: &Expression) -> Node {
        let span = span_of(e.span());
        let left = self.scope.budget.get();
        if self.depth >= self.max_depth || left == 0 {
            return self.unknown_at(span);
        }
        self.scope.budget.set(left - 1);
        self.depth += 1;
        let n = self.eval_inner(e, span);
        self.depth -= 1;
        n
    }

    fn eval_inner(&mut self, e: &Expression, span: Span) -> Node {
        match e {
            Expression::Null(_) => Node::new(Value::Null, span),
            Expression::Bool(b) => Node::new(Value::Bool(*b.value()), span),
            Expression::Number(n) => {
                let n = n.value();
                let v = match (n.as_i64(), n.as_f64()) {
                    (Some(i), _) => Value::Int(i),
                    (None, Some(f)) => Value::Float(f),
                    (None, None) => return self.unknown_at(span),
                };
                Node::new(v, span)
            }
            Expression::String(s) => Node::new(Value::string(s.value()), span),
            Expression::Array(a) => {
                let items = a.iter().map(|x| self.eval(x)).collect();
                Node::new(Value::List(List::from_vec(items)), span)
            }
            Expression::Object(o) => {
                let mut m = MapBuilder::with_capacity(o.len());
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => Some(i.value().as_str().to_string()),
                        ObjectKey::Expression(ke) => match self.eval(ke).value {
                            Value::String(s) => Some(s.to_string()),
                            _ => None,
                        },
                    };
                    let Some(key) = key else {
                        return self.unknown_at(span);
                    };
                    let value = self.eval(v.expr());
                    m.insert(Str::from(key), value);
                }
                Node::new(Value::Map(m.finish()), span)
            }
            Expression::StringTemplate(t) => self.template(t, span),
            Expression::HeredocTemplate(h) => self.template(&h.template, span),
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Conditional(c) => match self.eval(&c.cond_expr).value {
                Value::Bool(true) => self.eval(&c.true_expr),
                Value::Bool(false) => self.eval(&c.false_expr),
                _ => self.unknown_at(span),
            },
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr);
                match (u.operator.value(), v.value) {
                    (UnaryOperator::Not, Value::Bool(b)) => Node::new(Value::Bool(!b), span),
                    (UnaryOperator::Neg, Value::Int(i)) => match i.checked_neg() {
                        Some(n) => Node::new(Value::Int(n), span),
                        None => self.unknown_at(span),
                    },
                    (UnaryOperator::Neg, Value::Float(f)) => Node::new(Value::Float(-f), span),
                    _ => self.unknown_at(span),
                }
            }
            Expression::FuncCall(f) => self.call(f, span),
            Expression::Traversal(t) => self.traversal(t, span),
            Expression::Variable(_) | Expression::BinaryOp(_) | Expression::ForExpr(_) => {
                self.unknown_at(span)
            }
        }
    }

    fn template(&mut self, t: &Template, span: Span) -> Node {
        let mut out = String::new();
        for el in t.iter() {
            match el {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => match self.eval(&i.expr).value {
                    Value::String(s) => out.push_str(&s),
                    Value::Int(n) => out.push_str(&n.to_string()),
                    Value::Float(n) => out.push_str(&n.to_string()),
                    Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
                    _ => return self.unknown_at(span),
                },
                Element::Directive(_) => return self.unknown_at(span),
            }
        }
        Node::new(Value::string(&out), span)
    }

    fn call(&mut self, f: &hcl_edit::expr::FuncCall, span: Span) -> Node {
        if f.name.is_namespaced() {
            return self.unknown_at(span);
        }
        let args: Vec<&Expression> = f.args.iter().collect();
        match (f.name.name.value().as_str(), args.as_slice()) {
            // The value itself: policies read as the structure `jsonencode` would serialize.
            ("jsonencode" | "tolist" | "toset", [x]) => {
                let mut n = self.eval(x);
                n.span = span;
                n
            }
            ("concat", _) => {
                let mut items = Vec::new();
                for a in &args {
                    match self.eval(a).value {
                        Value::List(l) => items.extend(l.iter().cloned()),
                        _ => return self.unknown_at(span),
                    }
                }
                Node::new(Value::List(List::from_vec(items)), span)
            }
            ("jsondecode", [x]) => match self.eval(x).value {
                Value::String(s) => match serde_json::from_str::<serde_json::Value>(&s) {
                    Ok(j) => respan(&Node::computed(Value::from_json(&j)), span),
                    Err(_) => self.unknown_at(span),
                },
                _ => self.unknown_at(span),
            },
            _ => self.unknown_at(span),
        }
    }

    fn traversal(&mut self, t: &hcl_edit::expr::Traversal, span: Span) -> Node {
        let Expression::Variable(root) = &t.expr else {
            return self.unknown_at(span);
        };
        let mut ops = t.operators.iter().map(|o| o.value());
        let is_var = match root.value().as_str() {
            "var" => true,
            "local" => false,
            _ => return self.unknown_at(span),
        };
        let Some(TraversalOperator::GetAttr(name)) = ops.next() else {
            return self.unknown_at(span);
        };
        let name = name.value().as_str();
        let bound = if is_var {
            self.scope.bound.get(name)
        } else {
            None
        };
        let mut cur = if let Some(n) = bound {
            respan(n, span)
        } else {
            let def = if is_var {
                self.scope.var(name)
            } else {
                self.scope.local(name)
            };
            let Some(def) = def else {
                return self.unknown_at(span);
            };
            let def = def.clone();
            let mut inner = Eval {
                scope: self.scope,
                text: &def.text,
                depth: self.depth,
                max_depth: self.max_depth,
            };
            respan(&inner.eval(&def.expr), span)
        };
        for op in ops {
            if is_unknown(&cur.value) {
                return self.unknown_at(span);
            }
            let next = match op {
                TraversalOperator::GetAttr(k) => cur.get(k.value().as_str()).cloned(),
                TraversalOperator::Index(ix) => match (&cur.value, self.eval(ix).value) {
                    (Value::List(l), Value::Int(i)) => {
                        usize::try_from(i).ok().and_then(|i| l.get(i)).cloned()
                    }
                    (Value::Map(m), Value::String(k)) => m.get(&k).cloned(),
                    _ => None,
                },
                TraversalOperator::LegacyIndex(i) => match &cur.value {
                    Value::List(l) => usize::try_from(*i.value())
                        .ok()
                        .and_then(|i| l.get(i))
                        .cloned(),
                    _ => None,
                },
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => None,
            };
            match next {
                Some(n) => cur = n,
                None => return self.unknown_at(span),
            }
        }
        cur
    }
}
