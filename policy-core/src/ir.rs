//! The compiled rule representation: a flat expression table with dense ids.
//!
//! `policy-lang` produces a [`Program`]; [`crate::RuleSet`] evaluates it. Names are resolved to
//! indices at compile time: local variables to frame slots, parameters to a parameter table,
//! functions to a function table, builtins to [`crate::builtins::BUILTINS`]. Source spans live in
//! a side table indexed by [`ExprId`], so a runtime error still points at the rule text.

use std::fmt;
use std::sync::Arc;

use crate::value::{Str, Value};

/// The id of an expression in [`Program::exprs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExprId(pub u32);

/// A frame slot of a local variable.
pub type Slot = u32;

/// A byte range in a rule source, for errors raised while evaluating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SrcSpan {
    /// Index into [`Program::sources`].
    pub source: u32,
    /// Byte offset of the start.
    pub start: u32,
    /// Byte offset just past the end.
    pub end: u32,
}

/// A rule source file, kept for error locations and for `fourc rules show`.
#[derive(Clone, Debug)]
pub struct RuleSource {
    /// Its name (a path, or `stdlib/cluster/pod-security.fourc`).
    pub name: Str,
    /// Its text.
    pub text: Str,
}

impl RuleSource {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let (line, col) = line_col(&self.text, usize::try_from(offset).unwrap_or(usize::MAX));
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`; an offset past the end
/// counts as the end.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before, |i| before.get(i + 1..).unwrap_or(""))
        .chars()
        .count()
        + 1;
    (line, col)
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// `+` (numbers, or string concatenation)
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

/// Quantifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    /// `any x in xs : cond`
    Any,
    /// `all x in xs : cond`
    All,
    /// `none x in xs : cond`
    None,
}

/// A part of an interpolated string.
#[derive(Clone, Debug)]
pub enum InterpPart {
    /// Literal text.
    Text(Str),
    /// An expression, printed with [`crate::eval::display_val`].
    Expr(ExprId),
}

/// A cross-document query.
#[derive(Clone, Debug)]
pub struct Query {
    /// The kind or view names to collect.
    pub targets: Vec<Selector>,
    /// An optional namespace filter.
    pub namespace: Option<ExprId>,
    /// An optional name filter (`resource(Kind, ns, name)`): the result is one document or
    /// undefined instead of a list.
    pub name: Option<ExprId>,
    /// Labels the documents' selectors must select (`selecting(Kind, ns, labels)`; see
    /// [`crate::scan::selector_of`]).
    pub labels: Option<ExprId>,
    /// A value the documents must hold at a path (`resources_with(Kind, ns, path, value)`).
    pub with: Option<ValueMatch>,
}

/// The filter of `resources_with(Kind, ns, path, value)`: the documents that hold `value`
/// somewhere `path` reaches, found through an index of the targets by their values at `path`.
#[derive(Clone, Debug)]
pub struct ValueMatch {
    /// The path as written (`spec.rules[].host`); it names the index.
    pub path: Str,
    /// The path's steps.
    pub steps: Arc<[ValueStep]>,
    /// The value to look for.
    pub value: ExprId,
}

/// One step of a [`ValueMatch`] path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueStep {
    /// A map key: `spec` or `["app.kubernetes.io/name"]`.
    Key(Str),
    /// Every element of a list: `[]`.
    Each,
}

/// Parses a `resources_with` path: keys separated by `.`, `[]` for every element of a list,
/// `["key"]` for a key that is not a plain name. The error says what is wrong with it.
pub fn parse_value_path(path: &str) -> Result<Vec<ValueStep>, String> {
    let mut steps = Vec::new();
    let mut rest = path;
    let mut after_dot = true;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[]") {
            steps.push(ValueStep::Each);
            rest = r;
            after_dot = false;
        } else if let Some(r) = rest.strip_prefix("[\"") {
            let Some(end) = r.find("\"]") else {
                return Err("a `[\"` key has no closing `\"]`".into());
            };
            let (key, r) = r.split_at(end);
            steps.push(ValueStep::Key(Str::from(key)));
            rest = r.get(2..).unwrap_or_default();
            after_dot = false;
        } else if let Some(r) = rest.strip_prefix('.') {
            if after_dot {
                return Err("an empty key (`..`, or `.` at the start)".into());
            }
            rest = r;
            after_dot = true;
            if rest.is_empty() {
                return Err("the path ends with `.`".into());
            }
        } else {
            if !after_dot {
                return Err(format!("expected `.`, `[]` or `[\"` before `{rest}`"));
            }
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let (key, r) = rest.split_at(end);
            if !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!(
                    "`{key}` is not a plain key: write it as `[\"{key}\"]`"
                ));
            }
            steps.push(ValueStep::Key(Str::from(key)));
            rest = r;
            after_dot = false;
        }
    }
    if steps.is_empty() {
        return Err("the path is empty".into());
    }
    Ok(steps)
}

/// An expression.
#[derive(Clone, Debug)]
pub enum Expr {
    /// A constant.
    Lit(Value),
    /// A local variable.
    Var(Slot),
    /// A rule-set parameter, by index into [`Program::params`].
    Param(u32),
    /// `e.key`
    Field(ExprId, Str),
    /// `e[i]` (list index or map key)
    Index(ExprId, ExprId),
    /// `not e`
    Not(ExprId),
    /// `-e`
    Neg(ExprId),
    /// `a and b` (short-circuit)
    And(ExprId, ExprId),
    /// `a or b` (short-circuit)
    Or(ExprId, ExprId),
    /// A comparison.
    Cmp(CmpOp, ExprId, ExprId),
    /// `x in collection`
    In(ExprId, ExprId),
    /// Arithmetic.
    Arith(ArithOp, ExprId, ExprId),
    /// `a ++ b` (list concatenation; undefined and null count as empty)
    Concat(ExprId, ExprId),
    /// `a ?? b`
    Default(ExprId, ExprId),
    /// `if c then a else b`
    If(ExprId, ExprId, ExprId),
    /// `s matches "literal"`, compiled once.
    MatchesLit(ExprId, Arc<regex::Regex>),
    /// `s matches pattern_expr`
    Matches(ExprId, ExprId),
    /// `[a, b, c]`
    List(Vec<ExprId>),
    /// `{"k": v}`
    Map(Vec<(Str, ExprId)>),
    /// `"text {expr} text"`
    Interp(Vec<InterpPart>),
    /// `any/all/none x in domain : cond`
    Quant(Quantifier, Slot, ExprId, ExprId),
    /// `[out for x in domain if filter]`
    Comprehension {
        /// The element variable.
        slot: Slot,
        /// The collection.
        domain: ExprId,
        /// Optional filter.
        filter: Option<ExprId>,
        /// The produced element.
        out: ExprId,
    },
    /// `let x = v in body` (also used for function bodies with local lets)
    Let(Slot, ExprId, ExprId),
    /// A builtin call, by index into [`crate::builtins::BUILTINS`].
    Builtin(u32, Vec<ExprId>),
    /// A call of a native function an embedder registered, by index into [`Program::natives`].
    Native(u32, Vec<ExprId>),
    /// A user-defined function call, by index into [`Program::functions`].
    Call(u32, Vec<ExprId>),
    /// `exists(e)`: defined and not null.
    Exists(ExprId),
    /// A cross-document query.
    Resources(Box<Query>),
}

impl Expr {
    /// Calls `f` on each direct sub-expression, in evaluation order.
    pub fn for_each_child(&self, mut f: impl FnMut(ExprId)) {
        match self {
            Expr::Lit(_) | Expr::Var(_) | Expr::Param(_) => {}
            Expr::Field(x, _)
            | Expr::Not(x)
            | Expr::Neg(x)
            | Expr::MatchesLit(x, _)
            | Expr::Exists(x) => f(*x),
            Expr::Index(a, b)
            | Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::Cmp(_, a, b)
            | Expr::In(a, b)
            | Expr::Arith(_, a, b)
            | Expr::Concat(a, b)
            | Expr::Default(a, b)
            | Expr::Matches(a, b)
            | Expr::Quant(_, _, a, b)
            | Expr::Let(_, a, b) => {
                f(*a);
                f(*b);
            }
            Expr::If(c, a, b) => {
                f(*c);
                f(*a);
                f(*b);
            }
            Expr::List(xs) | Expr::Builtin(_, xs) | Expr::Native(_, xs) | Expr::Call(_, xs) => {
                xs.iter().copied().for_each(f);
            }
            Expr::Map(entries) => entries.iter().for_each(|(_, x)| f(*x)),
            Expr::Interp(parts) => parts.iter().for_each(|p| {
                if let InterpPart::Expr(x) = p {
                    f(*x);
                }
            }),
            Expr::Comprehension {
                domain,
                filter,
                out,
                ..
            } => {
                f(*domain);
                if let Some(x) = filter {
                    f(*x);
                }
                f(*out);
            }
            Expr::Resources(q) => {
                q.namespace
                    .into_iter()
                    .chain(q.name)
                    .chain(q.labels)
                    .chain(q.with.as_ref().map(|w| w.value))
                    .for_each(f);
            }
        }
    }
}

/// What a rule matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// A normalized view, such as `workload`.
    View(Str),
    /// A raw kind, optionally with an apiVersion (`apps/v1`) or group (`apps`).
    Kind {
        /// The kind, as in the document.
        kind: Str,
        /// `apiVersion` or group to require, if any.
        api_version: Option<Str>,
    },
    /// Every document.
    Any,
}

/// A statement of a rule body.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// `let x = e`
    Let(Slot, ExprId),
    /// `when cond`: the rest runs only when `cond` is true.
    When(ExprId),
    /// `each x in xs`: the body runs once per element.
    Each {
        /// The element variable.
        slot: Slot,
        /// The collection.
        domain: ExprId,
        /// What runs per element.
        body: Vec<Stmt>,
    },
    /// `deny cond at e message "..."`
    Deny(Deny),
}

/// A `deny` statement.
#[derive(Clone, Debug)]
pub struct Deny {
    /// The condition: a finding is produced when it is true.
    pub cond: ExprId,
    /// Where the finding points; the matched document when absent.
    pub at: Option<ExprId>,
    /// The message; the rule title when absent.
    pub message: Option<ExprId>,
    /// The `related` expressions: places that bear on the finding (see
    /// [`crate::Related`]).
    pub related: Vec<ExprId>,
}

/// Finding severity, from most to least severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `critical`
    Critical,
    /// `high`
    High,
    /// `medium`
    Medium,
    /// `low`
    Low,
    /// `info`
    Info,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// Parses `critical`, `high`, `medium`, `low` or `info`.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The 4C layer a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// Cloud: the trusted computing base.
    Cloud,
    /// Cluster.
    Cluster,
    /// Container.
    Container,
    /// Code.
    Code,
}

impl Layer {
    /// Every layer, outermost first.
    pub const ALL: [Layer; 4] = [Layer::Cloud, Layer::Cluster, Layer::Container, Layer::Code];

    /// Parses `cloud`, `cluster`, `container` or `code`.
    pub fn parse(s: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Cloud => "cloud",
            Layer::Cluster => "cluster",
            Layer::Container => "container",
            Layer::Code => "code",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's metadata.
#[derive(Clone, Debug)]
pub struct RuleMeta {
    /// Stable, unique id.
    pub id: Str,
    /// One-line title.
    pub title: Str,
    /// Longer description.
    pub description: Option<Str>,
    /// Control keys from the 4C catalogue.
    pub controls: Vec<Str>,
    /// Severity.
    pub severity: Severity,
    /// Layer.
    pub layer: Layer,
    /// Profiles (such as `pss-baseline`) and free tags.
    pub tags: Vec<Str>,
    /// How to fix a finding.
    pub remediation: Option<Str>,
    /// Reference URLs.
    pub references: Vec<Str>,
    /// Where the rule is defined: its id.
    pub span: SrcSpan,
    /// The whole rule definition, from `rule` to its closing brace (for `fourc rules show`).
    pub definition: SrcSpan,
    /// Where a rule of another backend is defined (`policies/replicas.rego:12`); `None` for a
    /// rule of the rule language, which `span` and `definition` locate.
    pub origin: Option<Str>,
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Metadata.
    pub meta: Arc<RuleMeta>,
    /// What the rule matches.
    pub selectors: Vec<Selector>,
    /// An optional `where` filter on the bound document.
    pub filter: Option<ExprId>,
    /// The body.
    pub body: Vec<Stmt>,
    /// Frame size: the bound document is slot 0.
    pub slots: u32,
    /// The remediation as text and parameters when it interpolates parameters (`remediation
    /// "allow at most {max_replicas}"`), empty otherwise: [`RuleMeta::remediation`] holds it
    /// with the defaults, and a rule set renders it again with the values it is given.
    pub remediation: Vec<TextPart>,
}

/// A part of a rule's remediation.
#[derive(Clone, Debug, PartialEq)]
pub enum TextPart {
    /// Literal text.
    Text(Str),
    /// A parameter, by index into [`Program::params`].
    Param(u32),
}

/// Renders text parts with `param` giving each parameter's value: strings bare, other values
/// as JSON, as messages print them.
pub fn render_text<'v>(parts: &[TextPart], param: impl Fn(u32) -> Option<&'v Value>) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            TextPart::Text(t) => out.push_str(t),
            TextPart::Param(i) => match param(*i) {
                Some(Value::String(s)) => out.push_str(s),
                Some(v) => out.push_str(&v.to_string()),
                None => {}
            },
        }
    }
    out
}

/// A user-defined function.
#[derive(Clone, Debug)]
pub struct Function {
    /// Qualified name, for messages.
    pub name: Str,
    /// Number of parameters: they occupy the first slots.
    pub arity: u32,
    /// Frame size.
    pub slots: u32,
    /// The body.
    pub body: ExprId,
}

/// The declared type of a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// Any value.
    Any,
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `float` (ints accepted)
    Float,
    /// `string`
    String,
    /// `[T]`
    List(Box<ParamType>),
    /// `{T}`: a map with string keys
    Map(Box<ParamType>),
}

impl ParamType {
    /// Whether `v` has this type.
    pub fn accepts(&self, v: &Value) -> bool {
        match (self, v) {
            (ParamType::Any, _) => true,
            (ParamType::Bool, Value::Bool(_)) => true,
            (ParamType::Int, Value::Int(_)) => true,
            (ParamType::Float, Value::Int(_) | Value::Float(_)) => true,
            (ParamType::String, Value::String(_)) => true,
            (ParamType::List(t), Value::List(l)) => l.iter().all(|n| t.accepts(&n.value)),
            (ParamType::Map(t), Value::Map(m)) => m.iter().all(|(_, n)| t.accepts(&n.value)),
            _ => false,
        }
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamType::Any => f.write_str("any"),
            ParamType::Bool => f.write_str("bool"),
            ParamType::Int => f.write_str("int"),
            ParamType::Float => f.write_str("float"),
            ParamType::String => f.write_str("string"),
            ParamType::List(t) => write!(f, "[{t}]"),
            ParamType::Map(t) => write!(f, "{{{t}}}"),
        }
    }
}

/// A declared parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// Its name.
    pub name: Str,
    /// Its type.
    pub ty: ParamType,
    /// Its default value.
    pub default: Value,
    /// Its description, if any.
    pub doc: Option<Str>,
    /// Where it is declared.
    pub span: SrcSpan,
}

/// What a test case expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The rule must produce at least one finding (or exactly `n` when given).
    Deny(Option<u32>),
    /// The rule must produce no finding.
    Allow,
}

/// Where a test case's documents come from.
#[derive(Clone, Debug)]
pub enum Fixture {
    /// A file, resolved relative to the rule file.
    File(Str),
    /// Inline YAML.
    Inline(Str),
}

/// One case of a `test` block.
#[derive(Clone, Debug)]
pub struct TestCase {
    /// The expectation.
    pub expect: Expect,
    /// The documents.
    pub fixture: Fixture,
    /// Where the case is written.
    pub span: SrcSpan,
}

/// A `test` block.
#[derive(Clone, Debug)]
pub struct TestBlock {
    /// The rule under test.
    pub rule: Str,
    /// Its cases.
    pub cases: Vec<TestCase>,
    /// Where the block is written.
    pub span: SrcSpan,
}

/// A whole compiled rule set.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// The expression table.
    pub exprs: Vec<Expr>,
    /// The span of each expression, indexed by [`ExprId`].
    pub spans: Vec<SrcSpan>,
    /// The rule sources.
    pub sources: Vec<RuleSource>,
    /// The rules.
    pub rules: Vec<Rule>,
    /// The user-defined functions.
    pub functions: Vec<Function>,
    /// The parameters.
    pub params: Vec<Param>,
    /// The test blocks.
    pub tests: Vec<TestBlock>,
    /// The native functions rules may call.
    pub natives: Vec<crate::builtins::Native>,
    /// How deeply each expression nests, worked out on first use (see [`Program::nesting`]).
    nesting: std::sync::OnceLock<Vec<u32>>,
}

impl Program {
    /// The expression with id `id`.
    pub fn expr(&self, id: ExprId) -> Option<&Expr> {
        self.exprs.get(id.0 as usize)
    }

    /// The span of expression `id`.
    pub fn span(&self, id: ExprId) -> SrcSpan {
        self.spans.get(id.0 as usize).copied().unwrap_or_default()
    }

    /// How deeply expression `id` nests: 1 for a leaf, one more for each operator, call or
    /// comprehension around it. The evaluator recurses once per level, so a chain of calls
    /// needs native stack in proportion to the sum of its functions' nesting; see
    /// [`crate::eval::Limits::max_nesting`]. Worked out once, on first use, for the program as
    /// it is then.
    pub fn nesting(&self, id: ExprId) -> u32 {
        self.nesting
            .get_or_init(|| self.expression_depths())
            .get(id.0 as usize)
            .copied()
            .unwrap_or(0)
    }

    /// How deeply the body of function `f` nests (see [`Program::nesting`]).
    pub fn function_nesting(&self, f: u32) -> u32 {
        self.functions
            .get(f as usize)
            .map_or(0, |func| self.nesting(func.body))
    }

    /// How deeply a rule body nests: its deepest expression, one more level for each `each`
    /// around it (see [`Program::nesting`]).
    pub fn body_nesting(&self, filter: Option<ExprId>, body: &[Stmt]) -> u32 {
        let mut deepest = filter.map_or(0, |f| self.nesting(f));
        for st in body {
            let d = match st {
                Stmt::Let(_, e) | Stmt::When(e) => self.nesting(*e),
                Stmt::Each { domain, body, .. } => self
                    .nesting(*domain)
                    .max(self.body_nesting(None, body).saturating_add(1)),
                Stmt::Deny(d) => [Some(d.cond), d.at, d.message]
                    .into_iter()
                    .flatten()
                    .chain(d.related.iter().copied())
                    .map(|e| self.nesting(e))
                    .max()
                    .unwrap_or(0),
            };
            deepest = deepest.max(d);
        }
        deepest
    }

    /// The nesting depth of every expression, by [`ExprId`], walked without recursion.
    fn expression_depths(&self) -> Vec<u32> {
        let mut depth = vec![0u32; self.exprs.len()];
        let mut stack: Vec<(ExprId, bool)> = Vec::new();
        for root in 0..self.exprs.len() {
            if depth.get(root).copied().unwrap_or(1) != 0 {
                continue;
            }
            stack.push((ExprId(u32::try_from(root).unwrap_or(u32::MAX)), false));
            while let Some((id, children_done)) = stack.pop() {
                let Some(e) = self.expr(id) else { continue };
                if children_done {
                    let mut deepest = 0;
                    e.for_each_child(|c| {
                        deepest = deepest.max(depth.get(c.0 as usize).copied().unwrap_or(0));
                    });
                    if let Some(d) = depth.get_mut(id.0 as usize) {
                        *d = deepest.saturating_add(1);
                    }
                } else {
                    stack.push((id, true));
                    e.for_each_child(|c| {
                        if depth.get(c.0 as usize).copied() == Some(0) {
                            stack.push((c, false));
                        }
                    });
                }
            }
        }
        depth
    }

    /// Adds an expression and returns its id.
    pub fn push(&mut self, e: Expr, span: SrcSpan) -> ExprId {
        let id = ExprId(u32::try_from(self.exprs.len()).unwrap_or(u32::MAX));
        self.exprs.push(e);
        self.spans.push(span);
        id
    }

    /// The source a span points into.
    pub fn source(&self, span: SrcSpan) -> Option<&RuleSource> {
        self.sources.get(span.source as usize)
    }

    /// The source text a span covers (an expression as the rule author wrote it).
    pub fn text(&self, span: SrcSpan) -> Option<&str> {
        let src = self.source(span)?;
        src.text.get(span.start as usize..span.end as usize)
    }

    /// `name:line:col` of a span, for messages.
    pub fn describe(&self, span: SrcSpan) -> String {
        match self.source(span) {
            Some(src) => {
                let (l, c) = src.line_col(span.start);
                format!("{}:{l}:{c}", src.name)
            }
            None => "<unknown>".to_string(),
        }
    }
}
