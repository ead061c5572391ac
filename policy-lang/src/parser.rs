//! Turns pest pairs into the crate's own syntax tree. pest types never leave this module.

use std::sync::LazyLock;

use pest::Parser as _;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use policy_core::ir::Quantifier;

use crate::SourceFile;
use crate::ast::*;
use crate::diag::Diagnostic;

mod slips;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct RuleParser;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op))
        .op(Op::infix(Rule::eq, Assoc::Left)
            | Op::infix(Rule::ne, Assoc::Left)
            | Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left)
            | Op::infix(Rule::in_op, Assoc::Left)
            | Op::infix(Rule::matches_op, Assoc::Left))
        .op(Op::infix(Rule::default_op, Assoc::Left))
        .op(Op::infix(Rule::concat, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left)
            | Op::infix(Rule::div, Assoc::Left)
            | Op::infix(Rule::rem, Assoc::Left))
        .op(Op::prefix(Rule::neg))
        .op(Op::postfix(Rule::field) | Op::postfix(Rule::index))
});

/// The deepest expression nesting accepted; pest also guards the native stack.
const MAX_NESTING: usize = 200;

/// Parses a whole file. On a syntax error, the file is cut at top-level items and each item is
/// parsed alone, so that one mistake per item is reported rather than only the first.
pub(crate) fn parse(src: &SourceFile) -> Result<File, Vec<Diagnostic>> {
    if let Some(d) = nesting_guard(src) {
        return Err(vec![d]);
    }
    match RuleParser::parse(Rule::file, &src.text) {
        Ok(mut pairs) => {
            let mut items = Vec::new();
            if let Some(file) = pairs.next() {
                for p in file.into_inner() {
                    if p.as_rule() != Rule::EOI {
                        items.push(item(p));
                    }
                }
            }
            Ok(File { items })
        }
        Err(first) => {
            let mut diags = Vec::new();
            for (start, chunk) in chunks(&src.text) {
                if let Err(e) = RuleParser::parse(Rule::item_only, chunk) {
                    diags.push(syntax_error(src, &e, start));
                }
            }
            if diags.is_empty() {
                diags.push(syntax_error(src, &first, 0));
            }
            Err(diags)
        }
    }
}

/// Rejects absurd bracket nesting before pest sees it.
fn nesting_guard(src: &SourceFile) -> Option<Diagnostic> {
    let mut depth = 0usize;
    for (i, c) in src.text.char_indices() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::error(
                            "fourc::too-deep",
                            src,
                            format!("brackets nested deeper than {MAX_NESTING} levels"),
                        )
                        .label(i..i + 1, "too deep here"),
                    );
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Splits a source at lines that start a top-level item.
fn chunks(text: &str) -> Vec<(usize, &str)> {
    let mut starts = vec![0usize];
    let mut off = 0usize;
    for line in text.split_inclusive('\n') {
        if off > 0
            && ["rule ", "test ", "fn ", "param ", "import "]
                .iter()
                .any(|k| line.starts_with(k))
        {
            starts.push(off);
        }
        off += line.len();
    }
    starts.push(text.len());
    starts
        .windows(2)
        .filter_map(|w| match w {
            [a, b] => text.get(*a..*b).map(|s| (*a, s)),
            _ => None,
        })
        .filter(|(_, s)| {
            s.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .collect()
}

/// The diagnostic of a pest error in the item that starts at byte `offset`: what was expected
/// and found, pointing at a slip from another language (`=`, `&&`, `!`, an unclosed `{` in a
/// string) with its fix when there is one.
fn syntax_error(src: &SourceFile, e: &pest::error::Error<Rule>, offset: usize) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    } + offset;
    let mut expected_operator = false;
    let (message, label) = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<String> = positives.iter().filter_map(|r| describe(*r)).collect();
            expected_operator = names.iter().any(|n| n == "an operator");
            if names.iter().any(|n| n == "an expression") {
                names.retain(|n| !matches!(n.as_str(), "a name" | "a string" | "`\"\"\"`"));
            }
            names.sort();
            names.dedup();
            let expected = match names.len() {
                0 => "something else".to_string(),
                1 => names.concat(),
                _ => {
                    let last = names.pop().unwrap_or_default();
                    format!("{} or {last}", names.join(", "))
                }
            };
            let found = src
                .text
                .get(pos..)
                .and_then(|s| s.split_whitespace().next())
                .map(|w| w.chars().take(20).collect::<String>());
            match found {
                Some(w) => (
                    format!("expected {expected}, found `{w}`"),
                    format!("expected {expected}"),
                ),
                None => (
                    format!("expected {expected}, found the end of the file"),
                    format!("expected {expected}"),
                ),
            }
        }
        ErrorVariant::CustomError { message } => (message.clone(), "here".to_string()),
    };
    let len = src
        .text
        .get(pos..)
        .and_then(|s| s.chars().next())
        .map_or(0, char::len_utf8);
    let Some(slip) = slips::find(&src.text, offset, pos, expected_operator) else {
        return Diagnostic::error("fourc::syntax", src, message)
            .label(pos..pos + len, label)
            .help("see docs/language.md for the syntax of rules, functions, parameters and tests");
    };
    let mut d = Diagnostic::error("fourc::syntax", src, slip.message.unwrap_or(message))
        .label(slip.span, slip.label);
    if slip.keep_error_label {
        d = d.label(pos..pos + len, label);
    }
    d.help(slip.help)
}

fn describe(r: Rule) -> Option<String> {
    Some(
        match r {
            Rule::expr
            | Rule::primary
            | Rule::postfixed
            | Rule::quantifier
            | Rule::int
            | Rule::float
            | Rule::true_lit
            | Rule::false_lit
            | Rule::null_lit
            | Rule::if_expr
            | Rule::quant
            | Rule::list
            | Rule::map
            | Rule::paren
            | Rule::call
            | Rule::raw_string
            | Rule::not_op
            | Rule::neg => "an expression",
            Rule::ident | Rule::callee => "a name",
            Rule::rule_id => "a rule id",
            Rule::string | Rule::doc_string => "a string",
            Rule::triple_string => "`\"\"\"`",
            Rule::meta => "metadata",
            Rule::on_clause => "`on`",
            Rule::let_stmt => "`let`",
            Rule::when_stmt => "`when`",
            Rule::each_stmt => "`each`",
            Rule::deny_stmt => "`deny`",
            Rule::at_clause => "`at`",
            Rule::message_clause => "`message`",
            Rule::related_clause => "`related`",
            Rule::block => "a block",
            Rule::test_case | Rule::expect => "`deny` or `allow`",
            Rule::import => "`import`",
            Rule::param_decl => "`param`",
            Rule::fn_decl => "`fn`",
            Rule::rule => "`rule`",
            Rule::test_block => "`test`",
            Rule::type_expr => "a type",
            Rule::selector | Rule::kind_name => "a kind or view",
            Rule::EOI => "the end of the file",
            Rule::infix
            | Rule::or_op
            | Rule::and_op
            | Rule::eq
            | Rule::ne
            | Rule::lt
            | Rule::le
            | Rule::gt
            | Rule::ge
            | Rule::in_op
            | Rule::matches_op
            | Rule::default_op
            | Rule::concat
            | Rule::add
            | Rule::sub
            | Rule::mul
            | Rule::div
            | Rule::rem => "an operator",
            Rule::field | Rule::index | Rule::postfix => "`.` or `[`",
            Rule::comp_for => "`for`",
            Rule::map_entry => "a map entry",
            Rule::bare_word | Rule::meta_list => "a value",
            _ => return None,
        }
        .to_string(),
    )
}

fn span(p: &Pair<'_, Rule>) -> Span {
    let s = p.as_span();
    s.start()..s.end()
}

fn ident(p: Pair<'_, Rule>) -> Ident {
    Ident {
        name: p.as_str().to_string(),
        span: span(&p),
    }
}

fn item(p: Pair<'_, Rule>) -> Item {
    let sp = span(&p);
    match p.as_rule() {
        Rule::import => {
            let mut it = p.into_inner();
            let path = it.next().map(ident).unwrap_or_else(|| empty_ident(&sp));
            Item::Import(Import {
                path,
                alias: it.next().map(ident),
            })
        }
        Rule::param_decl => {
            let mut it = p.into_inner();
            let name = it.next().map(ident).unwrap_or_else(|| empty_ident(&sp));
            let ty = it
                .next()
                .map(type_expr)
                .unwrap_or(TypeExpr::Named(empty_ident(&sp)));
            let default = it.next().map(expr).unwrap_or_else(|| null_expr(&sp));
            let doc = it.next().map(|d| string_text(d.into_inner().next()));
            Item::Param(ParamDecl {
                name,
                ty,
                default,
                doc,
                span: sp,
            })
        }
        Rule::fn_decl => {
            let mut it = p.into_inner();
            let name = it.next().map(ident).unwrap_or_else(|| empty_ident(&sp));
            let params = it
                .next()
                .map(|ps| ps.into_inner().map(ident).collect())
                .unwrap_or_default();
            let mut lets = Vec::new();
            let mut body = null_expr(&sp);
            if let Some(b) = it.next() {
                if b.as_rule() == Rule::fn_block {
                    for s in b.into_inner() {
                        if s.as_rule() == Rule::let_stmt {
                            let mut li = s.into_inner();
                            if let (Some(n), Some(e)) = (li.next(), li.next()) {
                                lets.push((ident(n), expr(e)));
                            }
                        } else {
                            body = expr(s);
                        }
                    }
                } else {
                    body = expr(b);
                }
            }
            Item::Fn(FnDecl {
                name,
                params,
                lets,
                body,
                span: sp,
            })
        }
        Rule::rule => {
            let mut it = p.into_inner();
            let id = it.next().map(ident).unwrap_or_else(|| empty_ident(&sp));
            let mut meta = Vec::new();
            let mut on = None;
            let mut body = Vec::new();
            for q in it {
                match q.as_rule() {
                    Rule::meta => meta.push(meta_entry(q)),
                    Rule::on_clause => on = Some(on_clause(q)),
                    _ => body.push(stmt(q)),
                }
            }
            Item::Rule(Rule_ {
                id,
                meta,
                on: on.unwrap_or(On {
                    selectors: Vec::new(),
                    binding: empty_ident(&sp),
                    filter: None,
                }),
                body,
                span: sp,
            })
        }
        _ => {
            let mut it = p.into_inner();
            let rule = it.next().map(ident).unwrap_or_else(|| empty_ident(&sp));
            let cases = it.map(test_case).collect();
            Item::Test(Test {
                rule,
                cases,
                span: sp,
            })
        }
    }
}

type Rule_ = crate::ast::Rule;

fn empty_ident(sp: &Span) -> Ident {
    Ident {
        name: String::new(),
        span: sp.clone(),
    }
}

fn null_expr(sp: &Span) -> Expr {
    Expr {
        kind: ExprKind::Null,
        span: sp.clone(),
    }
}

fn type_expr(p: Pair<'_, Rule>) -> TypeExpr {
    let sp = span(&p);
    let Some(inner) = p.into_inner().next() else {
        return TypeExpr::Named(empty_ident(&sp));
    };
    match inner.as_rule() {
        Rule::list_type => TypeExpr::List(Box::new(
            inner
                .into_inner()
                .next()
                .map(type_expr)
                .unwrap_or(TypeExpr::Named(empty_ident(&sp))),
        )),
        Rule::map_type => TypeExpr::Map(Box::new(
            inner
                .into_inner()
                .next()
                .map(type_expr)
                .unwrap_or(TypeExpr::Named(empty_ident(&sp))),
        )),
        _ => TypeExpr::Named(ident(inner)),
    }
}

fn meta_entry(p: Pair<'_, Rule>) -> Meta {
    let sp = span(&p);
    let mut it = p.into_inner();
    let key = it.next().map(ident).unwrap_or_else(|| empty_ident(&sp));
    let Some(v) = it.next() else {
        return Meta {
            key,
            value: MetaValue::Word(String::new()),
            value_span: sp,
            parts: None,
        };
    };
    let value_span = span(&v);
    let parts = match v.as_rule() {
        Rule::string => match primary(v.clone()).kind {
            ExprKind::Str(parts) => Some(parts),
            _ => None,
        },
        _ => None,
    };
    let value = match v.as_rule() {
        Rule::meta_list => MetaValue::List(
            v.into_inner()
                .map(|a| {
                    let s = span(&a);
                    (atom_text(a), s)
                })
                .collect(),
        ),
        _ => MetaValue::Word(atom_text(v)),
    };
    Meta {
        key,
        value,
        value_span,
        parts,
    }
}

fn atom_text(p: Pair<'_, Rule>) -> String {
    if p.as_rule() == Rule::string {
        string_text(Some(p))
    } else {
        p.as_str().to_string()
    }
}

/// The literal text of a string (interpolations kept as written).
fn string_text(p: Option<Pair<'_, Rule>>) -> String {
    let Some(p) = p else {
        return String::new();
    };
    let mut s = String::new();
    for part in p.into_inner() {
        match part.as_rule() {
            Rule::text => s.push_str(part.as_str()),
            Rule::escape => s.push_str(&unescape(part.as_str())),
            _ => s.push_str(part.as_str()),
        }
    }
    s
}

fn unescape(e: &str) -> String {
    match e {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\r" => "\r".into(),
        _ => {
            if let Some(hex) = e.strip_prefix("\\u{").and_then(|h| h.strip_suffix('}')) {
                u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .map(String::from)
                    .unwrap_or_default()
            } else {
                e.chars().skip(1).collect()
            }
        }
    }
}

fn on_clause(p: Pair<'_, Rule>) -> On {
    let sp = span(&p);
    let mut selectors = Vec::new();
    let mut binding = empty_ident(&sp);
    let mut filter = None;
    for q in p.into_inner() {
        match q.as_rule() {
            Rule::selector => {
                let ssp = span(&q);
                let mut api = None;
                let mut name = None;
                for s in q.into_inner() {
                    match s.as_rule() {
                        Rule::any_kind => selectors.push(SelectorAst::Any(ssp.clone())),
                        Rule::api_version => api = Some(string_text(s.into_inner().next())),
                        _ => name = Some(ident(s)),
                    }
                }
                if let Some(name) = name {
                    selectors.push(SelectorAst::Name {
                        api_version: api,
                        name,
                    });
                }
            }
            Rule::ident => binding = ident(q),
            _ => filter = Some(expr(q)),
        }
    }
    On {
        selectors,
        binding,
        filter,
    }
}

fn stmt(p: Pair<'_, Rule>) -> Stmt {
    let sp = span(&p);
    let kind = p.as_rule();
    let mut it = p.into_inner();
    match kind {
        Rule::let_stmt => {
            let name = it.next().map(ident).unwrap_or_else(|| empty_ident(&sp));
            Stmt::Let(name, it.next().map(expr).unwrap_or_else(|| null_expr(&sp)))
        }
        Rule::when_stmt => Stmt::When(it.next().map(expr).unwrap_or_else(|| null_expr(&sp))),
        Rule::each_stmt => {
            let var = it.next().map(ident).unwrap_or_else(|| empty_ident(&sp));
            let domain = it.next().map(expr).unwrap_or_else(|| null_expr(&sp));
            let block = it.next().map(|b| b.into_inner().map(stmt).collect());
            Stmt::Each { var, domain, block }
        }
        _ => {
            let cond = it.next().map(expr).unwrap_or_else(|| null_expr(&sp));
            let mut at = None;
            let mut message = None;
            let mut related = Vec::new();
            for c in it {
                let clause = c.as_rule();
                let e = c.into_inner().next().map(expr);
                match clause {
                    Rule::at_clause => at = e,
                    Rule::related_clause => related.extend(e),
                    _ => message = e,
                }
            }
            Stmt::Deny {
                cond,
                at,
                message,
                related,
                span: sp,
            }
        }
    }
}

fn test_case(p: Pair<'_, Rule>) -> TestCaseAst {
    let sp = span(&p);
    let mut deny = false;
    let mut count = None;
    let mut inline = false;
    let mut text = String::new();
    for q in p.into_inner() {
        match q.as_rule() {
            Rule::expect => deny = q.as_str() == "deny",
            Rule::count => count = q.as_str().parse().ok(),
            Rule::triple_string => {
                inline = true;
                text = dedent(q.into_inner().next().map_or("", |t| t.as_str()));
            }
            _ => text = string_text(Some(q)),
        }
    }
    TestCaseAst {
        deny,
        count,
        inline,
        text,
        span: sp,
    }
}

/// Removes the common indentation of a triple-quoted string, and its first line if blank.
pub(crate) fn dedent(s: &str) -> String {
    let s = s
        .strip_prefix('\n')
        .or_else(|| s.strip_prefix("\r\n"))
        .unwrap_or(s);
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(s.len());
    for l in s.lines() {
        out.push_str(l.get(indent..).unwrap_or(l.trim_start()));
        out.push('\n');
    }
    out
}

fn expr(p: Pair<'_, Rule>) -> Expr {
    let sp = span(&p);
    PRATT
        .map_primary(primary)
        .map_prefix(|op, rhs| {
            let s = op.as_span().start()..rhs.span.end;
            let u = if op.as_rule() == Rule::not_op {
                UnOp::Not
            } else {
                UnOp::Neg
            };
            Expr {
                kind: ExprKind::Unary(u, Box::new(rhs)),
                span: s,
            }
        })
        .map_postfix(|lhs, op| {
            let s = lhs.span.start..op.as_span().end();
            let kind = if op.as_rule() == Rule::field {
                let name = op
                    .into_inner()
                    .next()
                    .map(ident)
                    .unwrap_or_else(|| empty_ident(&s));
                ExprKind::Field(Box::new(lhs), name)
            } else {
                let ix = op
                    .into_inner()
                    .next()
                    .map(expr)
                    .unwrap_or_else(|| null_expr(&s));
                ExprKind::Index(Box::new(lhs), Box::new(ix))
            };
            Expr { kind, span: s }
        })
        .map_infix(|lhs, op, rhs| {
            let s = lhs.span.start..rhs.span.end;
            let b = match op.as_rule() {
                Rule::or_op => BinOp::Or,
                Rule::and_op => BinOp::And,
                Rule::eq => BinOp::Eq,
                Rule::ne => BinOp::Ne,
                Rule::lt => BinOp::Lt,
                Rule::le => BinOp::Le,
                Rule::gt => BinOp::Gt,
                Rule::ge => BinOp::Ge,
                Rule::in_op => BinOp::In,
                Rule::matches_op => BinOp::Matches,
                Rule::default_op => BinOp::Default,
                Rule::concat => BinOp::Concat,
                Rule::add => BinOp::Add,
                Rule::sub => BinOp::Sub,
                Rule::mul => BinOp::Mul,
                Rule::div => BinOp::Div,
                _ => BinOp::Rem,
            };
            Expr {
                kind: ExprKind::Binary(b, Box::new(lhs), Box::new(rhs)),
                span: s,
            }
        })
        .parse(p.into_inner())
        .with_span_if_empty(sp)
}

trait WithSpan {
    fn with_span_if_empty(self, sp: Span) -> Self;
}

impl WithSpan for Expr {
    fn with_span_if_empty(mut self, sp: Span) -> Self {
        if self.span.is_empty() {
            self.span = sp;
        }
        self
    }
}

fn primary(p: Pair<'_, Rule>) -> Expr {
    let sp = span(&p);
    let kind = match p.as_rule() {
        Rule::int => match p.as_str().parse::<i64>() {
            Ok(i) => ExprKind::Int(i),
            Err(_) => ExprKind::Float(p.as_str().parse().unwrap_or(f64::INFINITY)),
        },
        Rule::float => ExprKind::Float(p.as_str().parse().unwrap_or(f64::NAN)),
        Rule::true_lit => ExprKind::Bool(true),
        Rule::false_lit => ExprKind::Bool(false),
        Rule::null_lit => ExprKind::Null,
        Rule::string => {
            let mut parts: Vec<StrPart> = Vec::new();
            for q in p.into_inner() {
                match q.as_rule() {
                    Rule::interp => {
                        if let Some(e) = q.into_inner().next() {
                            parts.push(StrPart::Expr(expr(e)));
                        }
                    }
                    r => {
                        let t = if r == Rule::escape {
                            unescape(q.as_str())
                        } else {
                            q.as_str().to_string()
                        };
                        if let Some(StrPart::Text(prev)) = parts.last_mut() {
                            prev.push_str(&t);
                        } else {
                            parts.push(StrPart::Text(t));
                        }
                    }
                }
            }
            ExprKind::Str(parts)
        }
        Rule::raw_string => ExprKind::Str(vec![StrPart::Text(
            p.into_inner().next().map_or("", |t| t.as_str()).to_string(),
        )]),
        Rule::triple_string => ExprKind::Str(vec![StrPart::Text(dedent(
            p.into_inner().next().map_or("", |t| t.as_str()),
        ))]),
        Rule::ident => ExprKind::Ident(p.as_str().to_string()),
        Rule::paren => {
            return p
                .into_inner()
                .next()
                .map(expr)
                .unwrap_or_else(|| null_expr(&sp));
        }
        Rule::if_expr => {
            let mut it = p.into_inner().map(expr);
            let c = it.next().unwrap_or_else(|| null_expr(&sp));
            let a = it.next().unwrap_or_else(|| null_expr(&sp));
            let b = it.next().unwrap_or_else(|| null_expr(&sp));
            ExprKind::If(Box::new(c), Box::new(a), Box::new(b))
        }
        Rule::quant => {
            let mut it = p.into_inner();
            let q = match it.next().map(|q| q.as_str().to_string()).as_deref() {
                Some("all") => Quantifier::All,
                Some("none") => Quantifier::None,
                _ => Quantifier::Any,
            };
            let var = it.next().map(ident).unwrap_or_else(|| empty_ident(&sp));
            let domain = it.next().map(expr).unwrap_or_else(|| null_expr(&sp));
            let cond = it.next().map(expr).unwrap_or_else(|| null_expr(&sp));
            ExprKind::Quant(q, var, Box::new(domain), Box::new(cond))
        }
        Rule::list => {
            let mut it = p.into_inner().peekable();
            match it.next() {
                Some(first) if it.peek().is_some_and(|n| n.as_rule() == Rule::comp_for) => {
                    let mut c = it.next().map(|n| n.into_inner()).into_iter().flatten();
                    let var = c.next().map(ident).unwrap_or_else(|| empty_ident(&sp));
                    let domain = c.next().map(expr).unwrap_or_else(|| null_expr(&sp));
                    let filter = c.next().map(|f| Box::new(expr(f)));
                    ExprKind::Comprehension {
                        out: Box::new(expr(first)),
                        var,
                        domain: Box::new(domain),
                        filter,
                    }
                }
                Some(first) => ExprKind::List(std::iter::once(first).chain(it).map(expr).collect()),
                None => ExprKind::List(Vec::new()),
            }
        }
        Rule::map => ExprKind::Map(
            p.into_inner()
                .filter_map(|e| {
                    let mut it = e.into_inner();
                    let k = it.next()?;
                    let key = atom_text(k);
                    Some((key, it.next().map(expr)?))
                })
                .collect(),
        ),
        Rule::call => {
            let mut it = p.into_inner();
            let callee = it.next();
            let (module, name) = match callee {
                Some(c) => {
                    let cs = span(&c);
                    let text = c.as_str();
                    match text.split_once('.') {
                        Some((m, n)) => (
                            Some(Ident {
                                name: m.to_string(),
                                span: cs.start..cs.start + m.len(),
                            }),
                            Ident {
                                name: n.to_string(),
                                span: cs.start + m.len() + 1..cs.end,
                            },
                        ),
                        None => (
                            None,
                            Ident {
                                name: text.to_string(),
                                span: cs,
                            },
                        ),
                    }
                }
                None => (None, empty_ident(&sp)),
            };
            ExprKind::Call {
                module,
                name,
                args: it.map(expr).collect(),
            }
        }
        _ => ExprKind::Null,
    };
    Expr { kind, span: sp }
}
