//! The syntax tree of a rule file. Every node carries its byte span in the source; spans do not
//! take part in equality, so tests can compare structure.

use std::ops::Range;

use policy_core::ir::Quantifier;

/// A byte range in a rule source.
pub type Span = Range<usize>;

/// A name with its span.
#[derive(Clone, Debug)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

impl PartialEq for Ident {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// A parsed rule file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    /// Its items, in order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `import lib.k8s as k`
    Import(Import),
    /// `param name: type = default`
    Param(ParamDecl),
    /// `fn name(a, b) = expr`
    Fn(FnDecl),
    /// `rule id { ... }`
    Rule(Rule),
    /// `test id { ... }`
    Test(Test),
}

/// `import a.b.c [as x]`
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// The module path, dotted.
    pub path: Ident,
    /// The local alias; the last path segment when absent.
    pub alias: Option<Ident>,
}

/// A declared parameter type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    /// A named type (`string`, `int`, ...).
    Named(Ident),
    /// `[T]`
    List(Box<TypeExpr>),
    /// `{T}`
    Map(Box<TypeExpr>),
}

/// `param name: type = default "doc"`
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    /// The name.
    pub name: Ident,
    /// The type.
    pub ty: TypeExpr,
    /// The default value (a constant expression).
    pub default: Expr,
    /// An optional description.
    pub doc: Option<String>,
    /// The whole declaration.
    pub span: Span,
}

/// `fn name(params) = body` or `fn name(params) { let ... expr }`
#[derive(Clone, Debug, PartialEq)]
pub struct FnDecl {
    /// The name.
    pub name: Ident,
    /// The parameters.
    pub params: Vec<Ident>,
    /// Local `let` bindings before the body.
    pub lets: Vec<(Ident, Expr)>,
    /// The body.
    pub body: Expr,
    /// The whole declaration.
    pub span: Span,
}

/// A metadata value.
#[derive(Clone, Debug, PartialEq)]
pub enum MetaValue {
    /// A string or bare word.
    Word(String),
    /// A list of strings or bare words.
    List(Vec<(String, Span)>),
}

/// A metadata entry such as `severity high`.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    /// The key.
    pub key: Ident,
    /// The value.
    pub value: MetaValue,
    /// The value's span.
    pub value_span: Span,
    /// When the value is one string: its text and interpolations (`remediation "raise
    /// {max_replicas}"`), escapes resolved.
    pub parts: Option<Vec<StrPart>>,
}

/// What an `on` clause names.
#[derive(Clone, Debug, PartialEq)]
pub enum SelectorAst {
    /// `*`
    Any(Span),
    /// A kind or a view, optionally with an apiVersion string before it.
    Name {
        /// `"apps/v1"` in `on "apps/v1" Deployment`.
        api_version: Option<String>,
        /// The kind or view name.
        name: Ident,
    },
}

/// `on A, B as x where cond`
#[derive(Clone, Debug, PartialEq)]
pub struct On {
    /// What is matched.
    pub selectors: Vec<SelectorAst>,
    /// The binding.
    pub binding: Ident,
    /// The filter.
    pub filter: Option<Expr>,
}

/// A rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The id.
    pub id: Ident,
    /// Metadata entries.
    pub meta: Vec<Meta>,
    /// The `on` clause.
    pub on: On,
    /// The body.
    pub body: Vec<Stmt>,
    /// The whole rule.
    pub span: Span,
}

/// A statement in a rule body.
#[derive(Clone, Debug, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "statements are parsed once per compile and lowered straight away; `deny` is the \
              common statement, so boxing it would only add an allocation to most"
)]
pub enum Stmt {
    /// `let x = e`
    Let(Ident, Expr),
    /// `when cond`
    When(Expr),
    /// `each x in xs [{ ... }]`: without a block, the rest of the enclosing block is the body.
    Each {
        /// The element variable.
        var: Ident,
        /// The collection.
        domain: Expr,
        /// The block, if written.
        block: Option<Vec<Stmt>>,
    },
    /// `deny cond [at e] [message m] [related r]...`
    Deny {
        /// The condition.
        cond: Expr,
        /// The location expression.
        at: Option<Expr>,
        /// The message expression.
        message: Option<Expr>,
        /// The `related` expressions, in order: places that bear on the finding.
        related: Vec<Expr>,
        /// The whole statement.
        span: Span,
    },
}

/// A test block.
#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    /// The rule under test.
    pub rule: Ident,
    /// Its cases.
    pub cases: Vec<TestCaseAst>,
    /// The whole block.
    pub span: Span,
}

/// `deny [n] "file"`, `allow """yaml"""`
#[derive(Clone, Debug, PartialEq)]
pub struct TestCaseAst {
    /// True for `deny`.
    pub deny: bool,
    /// The exact count of findings expected, if given.
    pub count: Option<u32>,
    /// True when the fixture is inline YAML.
    pub inline: bool,
    /// The path or the YAML text.
    pub text: String,
    /// The case's span.
    pub span: Span,
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
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
    /// `in`
    In,
    /// `matches`
    Matches,
    /// `??`
    Default,
    /// `++`
    Concat,
    /// `+`
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

/// A part of a string literal.
#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    /// Literal text (escapes resolved).
    Text(String),
    /// An interpolated expression.
    Expr(Expr),
}

/// An expression with its span.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `null`
    Null,
    /// `true`, `false`
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string, possibly interpolated.
    Str(Vec<StrPart>),
    /// A name.
    Ident(String),
    /// `e.name`
    Field(Box<Expr>, Ident),
    /// `e[i]`
    Index(Box<Expr>, Box<Expr>),
    /// A prefix operator.
    Unary(UnOp, Box<Expr>),
    /// A binary operator.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `any x in xs : cond`
    Quant(Quantifier, Ident, Box<Expr>, Box<Expr>),
    /// `[out for x in xs if cond]`
    Comprehension {
        /// The produced element.
        out: Box<Expr>,
        /// The element variable.
        var: Ident,
        /// The collection.
        domain: Box<Expr>,
        /// The filter.
        filter: Option<Box<Expr>>,
    },
    /// `[a, b]`
    List(Vec<Expr>),
    /// `{k: v}`
    Map(Vec<(String, Expr)>),
    /// `f(args)` or `module.f(args)`
    Call {
        /// The module alias, if qualified.
        module: Option<Ident>,
        /// The function name.
        name: Ident,
        /// The arguments.
        args: Vec<Expr>,
    },
}
