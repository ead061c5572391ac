//! The evaluator: runs compiled rules over one document at a time.
//!
//! # Missing data
//!
//! A path that is not there is *undefined*, distinct from `null`. The rules, in one place:
//!
//! - Reading a field or index of undefined or `null` is undefined. Reading a field of a string,
//!   number or bool is an evaluation error (the document is not shaped as the rule expects).
//! - `==` and `!=` compare undefined as a value of its own: `missing == false` is false,
//!   `missing != false` is true, `missing == missing` is true.
//! - `<`, `<=`, `>`, `>=` with an undefined or `null` side are false; comparing a number with a
//!   string is an error.
//! - Conditions (`when`, `deny`, `and`, `or`, `not`, `if`, quantifier bodies) take `true` as
//!   true and `false`, `null` and undefined as false; any other value is an error.
//! - Collections (`each`, quantifiers, `++`, `count`, comprehensions) treat undefined and `null`
//!   as empty: `any` over nothing is false, `all` and `none` over nothing are true.
//! - Arithmetic and most builtins propagate undefined; `x ?? d` and `exists(x)` make intent
//!   explicit.

use crate::backend::PathStep;
use crate::builtins;
use crate::ir::{Deny, Expr, ExprId, Program, Selector, Stmt};
use crate::scan::Scan;
use crate::trace::{Check, Event, EventKind, Operand, Trace};
use crate::value::{Node, Value};

mod build;
mod ops;
mod path;

use ops::{compare, contains, describe, field, index, truthy};
pub use path::{PathSeg, find_node, hit_span, path_of, push_key, push_step, render_path};

/// A value during evaluation: borrowed from a document (or the rule set), owned when computed,
/// or undefined.
#[derive(Clone, Debug)]
pub enum Val<'a> {
    /// A missing value.
    Undef,
    /// A node of a document, a view or a parameter.
    Ref(&'a Node),
    /// A computed node.
    Own(Node),
}

impl<'a> Val<'a> {
    /// The node, if defined.
    pub fn node(&self) -> Option<&Node> {
        match self {
            Val::Undef => None,
            Val::Ref(n) => Some(n),
            Val::Own(n) => Some(n),
        }
    }

    /// The value, if defined.
    pub fn value(&self) -> Option<&Value> {
        self.node().map(|n| &n.value)
    }

    fn own(v: Value) -> Self {
        Val::Own(Node::computed(v))
    }

    fn bool(b: bool) -> Self {
        Val::own(Value::Bool(b))
    }

    fn is_undef_or_null(&self) -> bool {
        matches!(self.value(), None | Some(Value::Null))
    }
}

/// Formats a value for a message: strings bare, undefined as `<none>`, others as JSON.
pub fn display_val(v: &Val<'_>) -> String {
    match v.value() {
        None => "<none>".to_string(),
        Some(Value::String(s)) => s.to_string(),
        Some(v) => v.to_string(),
    }
}

/// An error raised while evaluating, pointing at the rule expression that raised it.
#[derive(Clone, Debug)]
pub struct Fault {
    /// What went wrong.
    pub message: String,
    /// The expression.
    pub at: ExprId,
    /// The document value the error is about (a list that is a string, a field of a scalar), so
    /// the report can name its field; `None` when the error is not about a document value.
    pub node: Option<Node>,
}

type R<T> = Result<T, Fault>;

fn fault<T>(at: ExprId, message: impl Into<String>) -> R<T> {
    Err(Fault {
        message: message.into(),
        at,
        node: None,
    })
}

/// A fault about the value `n`, kept when it comes from a document (its span is known).
fn fault_on<T>(at: ExprId, n: Option<&Node>, message: impl Into<String>) -> R<T> {
    Err(Fault {
        message: message.into(),
        at,
        node: n.filter(|n| n.span.is_known()).cloned(),
    })
}

/// A `deny` that fired: where and what.
#[derive(Clone, Debug)]
pub struct Hit {
    /// The node the finding points at.
    pub node: Option<Node>,
    /// The path below `node` that was missing, map keys and list positions (the finding is
    /// about their absence).
    pub missing: Vec<PathStep>,
    /// The message; `None` when the `deny` has none (the rule's title is used).
    pub message: Option<String>,
    /// The values of the `related` clauses that may name a place (read from a document, or a
    /// map with a `uri` and a `line`), at most [`crate::ruleset::MAX_RELATED`].
    pub related: Vec<Node>,
}

/// Evaluation limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Evaluation steps one rule may take on one document.
    pub max_steps: u64,
    /// Nested user-function calls.
    pub max_call_depth: u32,
    /// The most expression levels an evaluation may nest: the nesting of the rule's body plus
    /// that of every function on the call stack ([`crate::ir::Program::nesting`]). The
    /// evaluator recurses once per level, so this bounds the native stack an evaluation needs,
    /// and the default fits a thread with the 2 MiB stack Rust gives spawned threads (worker
    /// pools included), in debug builds too. A rule that nests deeper ends with an evaluation
    /// error, and the scan goes on.
    pub max_nesting: u32,
    /// The bytes of strings, lists and maps one rule may build on one document, counted as
    /// they are built (a value built twice counts twice). Doubling a string in a loop ends with
    /// an evaluation error, not with the machine's memory.
    pub max_bytes: u64,
}

impl Limits {
    /// Steps added to [`Limits::max_steps`] for each byte of the document evaluated, so that
    /// work linear in the document always fits: a rule that looks at every key of a large
    /// ConfigMap decides, however many keys come before the one that matters.
    pub const STEPS_PER_BYTE: u64 = 16;
    /// Bytes added to [`Limits::max_bytes`] for each byte of the document evaluated.
    pub const BYTES_PER_BYTE: u64 = 4;

    /// The limits for a document of `len` bytes of source: the base limits plus an allowance
    /// linear in the document.
    pub fn for_document(self, len: u64) -> Limits {
        Limits {
            max_steps: self
                .max_steps
                .saturating_add(len.saturating_mul(Self::STEPS_PER_BYTE)),
            max_bytes: self
                .max_bytes
                .saturating_add(len.saturating_mul(Self::BYTES_PER_BYTE)),
            ..self
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 2_000_000,
            max_call_depth: 64,
            max_nesting: MAX_NESTING,
            max_bytes: 64 << 20,
        }
    }
}

/// The default of [`Limits::max_nesting`].
pub const MAX_NESTING: u32 = 512;

/// The state of one rule's evaluation on one document.
pub struct Machine<'a> {
    prog: &'a Program,
    params: &'a [Node],
    scan: &'a Scan<'a>,
    frame: Vec<Val<'a>>,
    base: usize,
    steps: u64,
    /// The bytes built so far (see [`Limits::max_bytes`]).
    bytes: u64,
    depth: u32,
    /// The nesting of the functions on the call stack (see [`Limits::max_nesting`]).
    nest: u32,
    limits: Limits,
    /// The trace being recorded, for `fourc explain`. `None` on the hot path: every hook below
    /// is a single `is_some` check, and operands are re-evaluated only when tracing.
    trace: Option<Box<Tracer>>,
}

/// A trace under construction and the current `each` nesting.
#[derive(Default)]
struct Tracer {
    trace: Trace,
    depth: u32,
}

impl<'a> Machine<'a> {
    /// A machine for a program, its parameter values and the scan it belongs to.
    pub fn new(prog: &'a Program, params: &'a [Node], scan: &'a Scan<'a>, limits: Limits) -> Self {
        Machine {
            prog,
            params,
            scan,
            frame: Vec::new(),
            base: 0,
            steps: 0,
            bytes: 0,
            depth: 0,
            nest: 0,
            limits,
            trace: None,
        }
    }

    /// Makes this machine record a [`Trace`] of what each statement saw; read it with
    /// [`Machine::take_trace`]. Tracing re-evaluates condition operands, so it is for
    /// explaining one rule, not for scans.
    pub fn traced(mut self) -> Self {
        self.trace = Some(Box::default());
        self
    }

    /// The trace recorded since the last call (empty when not tracing).
    pub fn take_trace(&mut self) -> Trace {
        self.trace
            .as_deref_mut()
            .map(|t| std::mem::take(&mut t.trace))
            .unwrap_or_default()
    }

    /// Runs a rule body with `bound` in slot 0, collecting hits. A fault stops the rule; hits
    /// found before it are kept.
    pub fn run_rule(
        &mut self,
        slots: u32,
        filter: Option<ExprId>,
        body: &'a [Stmt],
        bound: Val<'a>,
        hits: &mut Vec<Hit>,
    ) -> R<()> {
        self.frame.clear();
        self.frame.resize(slots.max(1) as usize, Val::Undef);
        self.base = 0;
        self.steps = 0;
        self.bytes = 0;
        self.depth = 0;
        self.nest = self.prog.body_nesting(filter, body);
        self.set(0, bound);
        let r = self.run_body(filter, body, hits);
        if let (Err(f), Some(_)) = (&r, &self.trace) {
            let kind = EventKind::Fault {
                at: f.at,
                message: f.message.clone(),
            };
            self.record(kind);
        }
        r
    }

    fn run_body(&mut self, filter: Option<ExprId>, body: &'a [Stmt], hits: &mut Vec<Hit>) -> R<()> {
        if let Some(f) = filter {
            let v = self.eval(f)?;
            let t = truthy(&v, f)?;
            if self.trace.is_some() {
                let check = self.check(f, t);
                self.record(EventKind::Filter(check));
            }
            if !t {
                return Ok(());
            }
        }
        self.exec(body, hits)
    }

    /// Evaluates one expression with `bound` in slot 0 (used by `explain`).
    pub fn eval_with(&mut self, slots: u32, bound: Val<'a>, e: ExprId) -> R<Val<'a>> {
        self.frame.clear();
        self.frame.resize(slots.max(1) as usize, Val::Undef);
        self.base = 0;
        self.depth = 0;
        self.nest = self.prog.nesting(e);
        self.set(0, bound);
        self.eval(e)
    }

    fn set(&mut self, slot: u32, v: Val<'a>) {
        let i = self.base + slot as usize;
        if i >= self.frame.len() {
            self.frame.resize(i + 1, Val::Undef);
        }
        if let Some(s) = self.frame.get_mut(i) {
            *s = v;
        }
    }

    fn get(&self, slot: u32) -> Val<'a> {
        self.frame
            .get(self.base + slot as usize)
            .cloned()
            .unwrap_or(Val::Undef)
    }

    fn exec(&mut self, stmts: &'a [Stmt], hits: &mut Vec<Hit>) -> R<()> {
        for s in stmts {
            match s {
                Stmt::Let(slot, e) => {
                    let v = self.eval(*e)?;
                    if self.trace.is_some() {
                        let value = operand(&v);
                        self.record(EventKind::Let { expr: *e, value });
                    }
                    self.set(*slot, v);
                }
                Stmt::When(e) => {
                    let v = self.eval(*e)?;
                    let t = truthy(&v, *e)?;
                    if self.trace.is_some() {
                        let check = self.check(*e, t);
                        self.record(EventKind::When(check));
                    }
                    if !t {
                        return Ok(());
                    }
                }
                Stmt::Each { slot, domain, body } => {
                    let d = self.eval(*domain)?;
                    if self.trace.is_none() {
                        self.for_items(d, *domain, |m, it| {
                            m.set(*slot, it);
                            m.exec(body, hits).map(|()| true)
                        })?;
                        continue;
                    }
                    let items = self.items(d, *domain)?;
                    if self.trace.is_some() {
                        let count = items.len();
                        self.record(EventKind::Each {
                            domain: *domain,
                            count,
                        });
                    }
                    for (index, it) in items.iter().enumerate() {
                        if let Some(t) = self.trace.as_deref_mut() {
                            let value = operand(it);
                            t.push(EventKind::Item { index, value });
                            t.depth += 1;
                        }
                        self.set(*slot, it.clone());
                        let r = self.exec(body, hits);
                        if let Some(t) = self.trace.as_deref_mut() {
                            t.depth = t.depth.saturating_sub(1);
                        }
                        r?;
                    }
                }
                Stmt::Deny(d) => {
                    let v = self.eval(d.cond)?;
                    let t = truthy(&v, d.cond)?;
                    if t {
                        hits.push(self.hit(d)?);
                    }
                    if self.trace.is_some() {
                        let check = self.check(d.cond, t);
                        let hit = t.then(|| hits.len().saturating_sub(1));
                        self.record(EventKind::Deny { check, hit });
                    }
                }
            }
        }
        Ok(())
    }

    // ---- tracing: reached only when `self.trace` is set --------------------------------------

    fn record(&mut self, kind: EventKind) {
        if let Some(t) = self.trace.as_deref_mut() {
            t.push(kind);
        }
    }

    /// A condition's result and the values of its top-level operands.
    fn check(&mut self, cond: ExprId, result: bool) -> Check {
        let mut operands = Vec::new();
        self.operands(cond, &mut operands, 2);
        Check {
            cond,
            result,
            operands,
        }
    }

    /// Collects the operands worth showing: both sides of a comparison, the argument of
    /// `exists`, of a call or the domain of a quantifier, and the parts of `and`/`or`/`not`
    /// (`depth` levels down).
    fn operands(&mut self, e: ExprId, out: &mut Vec<(ExprId, Operand)>, depth: u8) {
        let prog = self.prog;
        match prog.expr(e) {
            None | Some(Expr::Lit(_)) => {}
            Some(Expr::Cmp(_, a, b) | Expr::In(a, b) | Expr::Matches(a, b)) => {
                self.operand(*a, out);
                self.operand(*b, out);
            }
            Some(Expr::MatchesLit(a, _) | Expr::Exists(a) | Expr::Quant(_, _, a, _)) => {
                self.operand(*a, out);
            }
            Some(Expr::Not(x)) if depth > 0 => self.operands(*x, out, depth - 1),
            Some(Expr::And(a, b) | Expr::Or(a, b)) if depth > 0 => {
                self.operands(*a, out, depth - 1);
                self.operands(*b, out, depth - 1);
            }
            Some(Expr::Builtin(_, args) | Expr::Native(_, args) | Expr::Call(_, args)) => {
                for a in args {
                    self.operand(*a, out);
                }
            }
            Some(_) => self.operand(e, out),
        }
    }

    /// Evaluates one operand again (pure: it only re-reads the frame) and records its value.
    fn operand(&mut self, e: ExprId, out: &mut Vec<(ExprId, Operand)>) {
        if matches!(self.prog.expr(e), Some(Expr::Lit(_))) || out.iter().any(|(x, _)| *x == e) {
            return;
        }
        let value = match self.eval(e) {
            Ok(v) => operand(&v),
            Err(f) => Operand::Error(f.message),
        };
        out.push((e, value));
    }

    fn hit(&mut self, d: &Deny) -> R<Hit> {
        let message = match d.message {
            Some(m) => Some(display_val(&self.eval(m)?)),
            None => None,
        };
        let (node, missing) = match d.at {
            Some(at) => self.locate(at)?,
            None => (None, Vec::new()),
        };
        let mut related = Vec::new();
        for &r in &d.related {
            let v = self.eval(r)?;
            crate::ruleset::collect_related(v.node(), &mut related);
        }
        Ok(Hit {
            node,
            missing,
            message,
            related,
        })
    }

    /// Finds the node an `at` expression designates. When the path is missing (`x.field`,
    /// `x["key"]`, or `x[3]` past the end of a list), the nearest existing ancestor is returned
    /// together with the missing steps.
    fn locate(&mut self, e: ExprId) -> R<(Option<Node>, Vec<PathStep>)> {
        let v = self.eval(e)?;
        if let Some(n) = v.node()
            && n.span.is_known()
        {
            return Ok((Some(n.clone()), Vec::new()));
        }
        let (base, step) = match self.prog.expr(e) {
            Some(Expr::Field(base, key)) => (*base, Some(PathStep::Key(key.clone()))),
            Some(Expr::Index(base, ix)) => {
                let (base, ix) = (*base, *ix);
                // Evaluating is pure: the index is read again for its value.
                let step = match self.eval(ix)?.value() {
                    Some(Value::String(k)) => Some(PathStep::Key(k.clone())),
                    Some(Value::Int(i)) => usize::try_from(*i).ok().map(PathStep::Index),
                    _ => None,
                };
                (base, step)
            }
            _ => return Ok((None, Vec::new())),
        };
        let (n, mut missing) = self.locate(base)?;
        // An index that names no position (negative, null) leaves the finding at its base.
        missing.extend(step);
        Ok((n, missing))
    }

    /// Calls `f` on each element of a collection value (undefined and null are empty) until it
    /// returns false; [`Machine::items`] without collecting them first.
    fn for_items(
        &mut self,
        v: Val<'a>,
        at: ExprId,
        mut f: impl FnMut(&mut Self, Val<'a>) -> R<bool>,
    ) -> R<()> {
        match &v {
            Val::Ref(n) => {
                if let Value::List(l) = &n.value {
                    for it in l.iter() {
                        if !f(self, Val::Ref(it))? {
                            break;
                        }
                    }
                    return Ok(());
                }
            }
            Val::Own(n) => {
                if let Value::List(l) = &n.value {
                    for it in l.iter() {
                        if !f(self, Val::Own(it.clone()))? {
                            break;
                        }
                    }
                    return Ok(());
                }
            }
            Val::Undef => return Ok(()),
        }
        for it in self.items(v, at)? {
            if !f(self, it)? {
                break;
            }
        }
        Ok(())
    }

    /// The elements of a collection value; undefined and null are empty.
    fn items(&self, v: Val<'a>, at: ExprId) -> R<Vec<Val<'a>>> {
        match v {
            Val::Undef => Ok(Vec::new()),
            Val::Ref(n) => match &n.value {
                Value::List(l) => Ok(l.iter().map(Val::Ref).collect()),
                Value::Null => Ok(Vec::new()),
                other => fault_on(
                    at,
                    Some(n),
                    format!("expected a list, found {}", describe(other)),
                ),
            },
            Val::Own(n) => match &n.value {
                Value::List(l) => Ok(l.iter().cloned().map(Val::Own).collect()),
                Value::Null => Ok(Vec::new()),
                other => fault_on(
                    at,
                    Some(&n),
                    format!("expected a list, found {}", describe(other)),
                ),
            },
        }
    }

    fn tick(&mut self, at: ExprId) -> R<()> {
        self.ticks(1, at)
    }

    /// Charges `n` steps: work that grows with its input (a regular expression compiled and
    /// matched, a builtin reading a long string or list) costs one step per
    /// [`INPUT_BYTES_PER_STEP`] bytes, so it counts against the budget by size.
    fn ticks(&mut self, n: u64, at: ExprId) -> R<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.limits.max_steps {
            return fault(
                at,
                format!(
                    "evaluation exceeded the budget of {} steps",
                    self.limits.max_steps
                ),
            );
        }
        Ok(())
    }

    /// Evaluates an expression.
    pub fn eval(&mut self, id: ExprId) -> R<Val<'a>> {
        self.tick(id)?;
        let prog = self.prog;
        let Some(e) = prog.expr(id) else {
            return fault(id, "internal error: unknown expression");
        };
        match e {
            Expr::Lit(v) => Ok(Val::own(v.clone())),
            Expr::Var(s) => Ok(self.get(*s)),
            Expr::Param(i) => match self.params.get(*i as usize) {
                Some(n) => Ok(Val::Ref(n)),
                None => fault(id, "internal error: unknown parameter"),
            },
            Expr::Field(base, key) => {
                let b = self.eval(*base)?;
                field(b, key, id)
            }
            Expr::Index(base, ix) => {
                let b = self.eval(*base)?;
                let i = self.eval(*ix)?;
                index(b, &i, id)
            }
            Expr::Not(x) => {
                let v = self.eval(*x)?;
                Ok(Val::bool(!truthy(&v, *x)?))
            }
            Expr::And(a, b) => {
                let x = self.eval(*a)?;
                if !truthy(&x, *a)? {
                    return Ok(Val::bool(false));
                }
                let y = self.eval(*b)?;
                Ok(Val::bool(truthy(&y, *b)?))
            }
            Expr::Or(a, b) => {
                let x = self.eval(*a)?;
                if truthy(&x, *a)? {
                    return Ok(Val::bool(true));
                }
                let y = self.eval(*b)?;
                Ok(Val::bool(truthy(&y, *b)?))
            }
            Expr::Cmp(op, a, b) => {
                let x = self.eval(*a)?;
                let y = self.eval(*b)?;
                compare(*op, &x, &y, id).map(Val::bool)
            }
            Expr::In(a, b) => {
                let x = self.eval(*a)?;
                let y = self.eval(*b)?;
                contains(&y, &x, id).map(Val::bool)
            }
            Expr::Default(a, b) => {
                let x = self.eval(*a)?;
                if x.is_undef_or_null() {
                    self.eval(*b)
                } else {
                    Ok(x)
                }
            }
            Expr::If(c, a, b) => {
                let v = self.eval(*c)?;
                if truthy(&v, *c)? {
                    self.eval(*a)
                } else {
                    self.eval(*b)
                }
            }
            Expr::Let(slot, v, body) => {
                let x = self.eval(*v)?;
                self.set(*slot, x);
                self.eval(*body)
            }
            Expr::Builtin(b, args) => self.builtin(*b, args, id),
            Expr::Native(n, args) => self.native(*n, args, id),
            Expr::Call(f, args) => self.call(*f, args, id),
            Expr::Exists(x) => {
                let v = self.eval(*x)?;
                Ok(Val::bool(!v.is_undef_or_null()))
            }
            Expr::Neg(..)
            | Expr::Arith(..)
            | Expr::Concat(..)
            | Expr::MatchesLit(..)
            | Expr::Matches(..)
            | Expr::List(..)
            | Expr::Map(..)
            | Expr::Interp(..)
            | Expr::Quant(..)
            | Expr::Comprehension { .. }
            | Expr::Resources(..) => self.eval_built(e, id),
        }
    }

    fn builtin(&mut self, b: u32, args: &'a [ExprId], id: ExprId) -> R<Val<'a>> {
        let Some(def) = builtins::get(b as usize) else {
            return fault(id, "internal error: unknown builtin");
        };
        self.apply(&def.func, args, id)
    }

    fn native(&mut self, n: u32, args: &'a [ExprId], id: ExprId) -> R<Val<'a>> {
        let prog = self.prog;
        let Some(def) = prog.natives.get(n as usize) else {
            return fault(id, "internal error: unknown native function");
        };
        self.apply(&*def.func, args, id)
    }

    /// Evaluates the arguments and applies a builtin or native function to them.
    fn apply(
        &mut self,
        func: &dyn Fn(&[Option<&Value>]) -> builtins::BuiltinResult,
        args: &'a [ExprId],
        id: ExprId,
    ) -> R<Val<'a>> {
        // Builtins take a few arguments: keep them on the stack.
        const INLINE: usize = 4;
        let mut inline: [Val<'a>; INLINE] = [Val::Undef, Val::Undef, Val::Undef, Val::Undef];
        let mut spill = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let v = self.eval(*a)?;
            match inline.get_mut(i) {
                Some(slot) => *slot = v,
                None => spill.push(v),
            }
        }
        let mut argv: [Option<&Value>; INLINE] = [None; INLINE];
        let mut input = 0usize;
        for (slot, v) in argv.iter_mut().zip(&inline) {
            *slot = v.value();
            input = input.saturating_add(slot.map_or(0, input_len));
        }
        for v in &spill {
            input = input.saturating_add(v.value().map_or(0, input_len));
        }
        if input >= INPUT_BYTES_PER_STEP {
            self.ticks(input_steps(input), id)?;
        }
        let spilled: Vec<Option<&Value>>;
        let argv: &[Option<&Value>] = if spill.is_empty() {
            argv.get(..args.len()).unwrap_or_default()
        } else {
            spilled = argv
                .iter()
                .copied()
                .chain(spill.iter().map(Val::value))
                .collect();
            &spilled
        };
        match func(argv) {
            Ok(Some(v)) => self.built(v, id),
            Ok(None) => Ok(Val::Undef),
            Err(e) => {
                // When one argument alone comes from the document, the error is about it.
                let mut from_doc = inline
                    .iter()
                    .take(args.len())
                    .chain(&spill)
                    .filter_map(Val::node)
                    .filter(|n| n.span.is_known());
                let node = match (from_doc.next(), from_doc.next()) {
                    (Some(n), None) => Some(n),
                    _ => None,
                };
                fault_on(id, node, e.to_string())
            }
        }
    }

    fn call(&mut self, f: u32, args: &'a [ExprId], id: ExprId) -> R<Val<'a>> {
        let prog = self.prog;
        let Some(func) = prog.functions.get(f as usize) else {
            return fault(id, "internal error: unknown function");
        };
        if self.depth >= self.limits.max_call_depth {
            return fault(
                id,
                format!("calls nested deeper than {}", self.limits.max_call_depth),
            );
        }
        let nest = prog.function_nesting(f);
        if self.nest.saturating_add(nest) > self.limits.max_nesting {
            return fault(
                id,
                format!(
                    "calls nest expressions deeper than {} levels (each call adds the nesting \
                     of the function's body, `{}` adds {nest})",
                    self.limits.max_nesting, func.name
                ),
            );
        }
        // The arguments go straight into the callee's frame above the caller's; a call made
        // while evaluating one of them pushes and pops above them.
        let saved = self.base;
        let new_base = self.frame.len();
        for a in args {
            match self.eval(*a) {
                Ok(v) => self.frame.push(v),
                Err(e) => {
                    self.frame.truncate(new_base);
                    return Err(e);
                }
            }
        }
        self.frame
            .resize(new_base + func.slots.max(func.arity) as usize, Val::Undef);
        self.base = new_base;
        self.depth += 1;
        self.nest += nest;
        let r = self.eval(func.body);
        self.nest -= nest;
        self.depth -= 1;
        self.frame.truncate(new_base);
        self.base = saved;
        r
    }
}

impl Tracer {
    fn push(&mut self, kind: EventKind) {
        self.trace.events.push(Event {
            depth: self.depth,
            kind,
        });
    }
}

/// The bytes of input a builtin or a regular-expression match may read for one step.
pub const INPUT_BYTES_PER_STEP: usize = 16;

/// The steps that reading `len` bytes of input costs.
fn input_steps(len: usize) -> u64 {
    u64::try_from(len / INPUT_BYTES_PER_STEP).unwrap_or(u64::MAX)
}

/// The size of a builtin's argument, for [`input_steps`]: a string's bytes; a list's or map's
/// entries, each counted as a string of [`INPUT_BYTES_PER_STEP`] bytes.
fn input_len(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::List(l) => l.len().saturating_mul(INPUT_BYTES_PER_STEP),
        Value::Map(m) => m.len().saturating_mul(INPUT_BYTES_PER_STEP),
        _ => 0,
    }
}

fn operand(v: &Val<'_>) -> Operand {
    match v.value() {
        None => Operand::Undefined,
        Some(x) => Operand::Value(x.clone()),
    }
}

/// Whether a rule selector matches a document: a view that applies to its (format, type), its
/// type (and apiVersion, when the selector names one), or any document.
pub fn selector_matches(sel: &Selector, doc: &crate::Document, views: &crate::view::Views) -> bool {
    let (kind, api) = (doc.kind(), doc.id().api_version.as_deref());
    match sel {
        Selector::Any => true,
        Selector::View(v) => views.applies(v, doc),
        Selector::Kind {
            kind: want,
            api_version,
        } => {
            kind == Some(&**want)
                && api_version.as_deref().is_none_or(|want_api| {
                    api.is_some_and(|a| {
                        a == want_api
                            || a.strip_prefix(want_api).is_some_and(|r| r.starts_with('/'))
                    })
                })
        }
    }
}
