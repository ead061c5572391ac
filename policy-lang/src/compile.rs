//! Name resolution, static checks and lowering to `policy-core`'s IR.

use std::collections::HashMap;
use std::sync::Arc;

use policy_core::builtins;
use policy_core::ir::{
    self, ArithOp, CmpOp, Deny, Expect, Expr as IrExpr, ExprId, Fixture, Function, InterpPart,
    Param, ParamType, Program, Selector, SrcSpan, TestBlock, TestCase,
};
use policy_core::value::{List, MapBuilder, Node, Str, Value};

use crate::SourceFile;
use crate::ast::{self, BinOp, ExprKind, Item, SelectorAst, Stmt, StrPart, UnOp};
use crate::diag::Diagnostic;

mod calls;
mod meta;

struct FnSig {
    id: u32,
    arity: usize,
}

/// Per-module names: functions and import aliases.
#[derive(Default)]
struct Module {
    functions: HashMap<String, FnSig>,
    imports: HashMap<String, usize>,
    /// Aliases of imports that name no module: already reported, so their uses are not.
    unresolved: std::collections::HashSet<String>,
}

/// The name an import binds: its alias, else the last part of the module path.
fn import_alias(imp: &ast::Import) -> String {
    imp.alias.as_ref().map_or_else(
        || imp.path.name.rsplit('.').next().unwrap_or("").to_string(),
        |a| a.name.clone(),
    )
}

pub(crate) struct Compiler<'s> {
    sources: &'s [SourceFile],
    files: Vec<ast::File>,
    prog: Program,
    diags: Vec<Diagnostic>,
    modules: Vec<Module>,
    params: HashMap<String, u32>,
    /// Index of the source being compiled.
    cur: usize,
    scopes: Vec<(String, u32)>,
    /// For each entry of `scopes`, the expression a `let` bound it to: an `at` naming a
    /// `let` variable locates through its definition, so a missing field still points at its
    /// nearest existing parent.
    let_defs: Vec<Option<ast::Expr>>,
    next_slot: u32,
    max_slot: u32,
    /// The names of the views rules may select.
    views: &'s [String],
    /// The native functions rules may call.
    natives: &'s [policy_core::builtins::Native],
}

pub(crate) fn compile(
    sources: &[SourceFile],
    files: Vec<ast::File>,
    views: &[String],
    natives: &[policy_core::builtins::Native],
) -> (Program, Vec<Diagnostic>) {
    let mut c = Compiler {
        sources,
        files,
        prog: Program::default(),
        diags: Vec::new(),
        modules: Vec::new(),
        params: HashMap::new(),
        cur: 0,
        scopes: Vec::new(),
        let_defs: Vec::new(),
        next_slot: 0,
        max_slot: 0,
        views,
        natives,
    };
    c.prog.sources = sources
        .iter()
        .map(|s| ir::RuleSource {
            name: s.name.clone(),
            text: s.text.clone(),
        })
        .collect();
    c.declare();
    c.lower();
    (c.prog, c.diags)
}

pub(crate) use policy_core::suggest::suggest;

impl<'s> Compiler<'s> {
    fn src(&self) -> &'s SourceFile {
        let sources: &'s [SourceFile] = self.sources;
        sources
            .get(self.cur)
            .or_else(|| sources.first())
            .unwrap_or(&*crate::EMPTY_SOURCE)
    }

    fn sp(&self, s: &ast::Span) -> SrcSpan {
        SrcSpan {
            source: u32::try_from(self.cur).unwrap_or(u32::MAX),
            start: u32::try_from(s.start).unwrap_or(u32::MAX),
            end: u32::try_from(s.end).unwrap_or(u32::MAX),
        }
    }

    fn error(
        &mut self,
        code: &'static str,
        span: &ast::Span,
        msg: String,
        label: &str,
    ) -> &mut Diagnostic {
        let d = Diagnostic::error(code, self.src(), msg).label(span.clone(), label);
        self.diags.push(d);
        let n = self.diags.len() - 1;
        #[expect(
            clippy::indexing_slicing,
            reason = "n is the index of the element just pushed"
        )]
        &mut self.diags[n]
    }

    fn set_help(&mut self, help: String) {
        if let Some(d) = self.diags.pop() {
            self.diags.push(d.help(help));
        }
    }

    /// First pass: modules, imports, function signatures, parameters, rule ids.
    fn declare(&mut self) {
        let module_index: HashMap<&str, usize> = self
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.module.as_str(), i))
            .collect();
        let files = std::mem::take(&mut self.files);
        let mut rule_ids: HashMap<String, (usize, ast::Span)> = HashMap::new();
        for (fi, file) in files.iter().enumerate() {
            self.cur = fi;
            let mut m = Module::default();
            for item in &file.items {
                match item {
                    Item::Import(imp) => match module_index.get(imp.path.name.as_str()) {
                        Some(&target) => {
                            m.imports.insert(import_alias(imp), target);
                        }
                        None => {
                            m.unresolved.insert(import_alias(imp));
                            let known: Vec<&str> = module_index.keys().copied().collect();
                            let hint = suggest(&imp.path.name, known.iter().copied());
                            self.error(
                                "fourc::unknown-module",
                                &imp.path.span,
                                format!("unknown module `{}`", imp.path.name),
                                "no rule file has this module name",
                            );
                            self.set_help(match hint {
                                Some(h) => format!("did you mean `{h}`?"),
                                None => "modules are named by their path under the rules folder: `lib/k8s.fourc` is `lib.k8s`".to_string(),
                            });
                        }
                    },
                    Item::Fn(f) => {
                        let id = u32::try_from(self.prog.functions.len()).unwrap_or(u32::MAX);
                        if m.functions.contains_key(&f.name.name) {
                            self.error(
                                "fourc::duplicate",
                                &f.name.span,
                                format!(
                                    "function `{}` is defined twice in this module",
                                    f.name.name
                                ),
                                "second definition",
                            );
                            continue;
                        }
                        m.functions.insert(
                            f.name.name.clone(),
                            FnSig {
                                id,
                                arity: f.params.len(),
                            },
                        );
                        self.prog.functions.push(Function {
                            name: Arc::from(format!("{}.{}", self.src().module, f.name.name)),
                            arity: u32::try_from(f.params.len()).unwrap_or(u32::MAX),
                            slots: 0,
                            body: ExprId(0),
                        });
                    }
                    Item::Param(p) => self.declare_param(p),
                    Item::Rule(r) => {
                        if let Some((other, _)) = rule_ids.get(&r.id.name) {
                            let other_name = self
                                .sources
                                .get(*other)
                                .map_or("", |s| &*s.name)
                                .to_string();
                            self.error(
                                "fourc::duplicate",
                                &r.id.span,
                                format!("rule id `{}` is already used", r.id.name),
                                "second rule with this id",
                            );
                            self.set_help(format!(
                                "rule ids are unique across the rule set; the first is in `{other_name}`"
                            ));
                        } else {
                            rule_ids.insert(r.id.name.clone(), (fi, r.id.span.clone()));
                        }
                    }
                    Item::Test(_) => {}
                }
            }
            self.modules.push(m);
        }
        self.files = files;
        // Tests may name rules of any file.
        let files = std::mem::take(&mut self.files);
        for (fi, file) in files.iter().enumerate() {
            self.cur = fi;
            for item in &file.items {
                if let Item::Test(t) = item
                    && !rule_ids.contains_key(&t.rule.name)
                {
                    {
                        let hint = suggest(&t.rule.name, rule_ids.keys().map(String::as_str))
                            .map(str::to_string);
                        self.error(
                            "fourc::unknown-rule",
                            &t.rule.span,
                            format!("test names unknown rule `{}`", t.rule.name),
                            "no rule has this id",
                        );
                        if let Some(h) = hint {
                            self.set_help(format!("did you mean `{h}`?"));
                        }
                    }
                }
            }
        }
        self.files = files;
    }

    fn declare_param(&mut self, p: &ast::ParamDecl) {
        let ty = match self.param_type(&p.ty) {
            Some(t) => t,
            None => return,
        };
        let default = match self.const_value(&p.default) {
            Some(v) => v,
            None => return,
        };
        if !ty.accepts(&default) {
            self.error(
                "fourc::type",
                &p.default.span,
                format!(
                    "default of parameter `{}` is a {}, not {ty}",
                    p.name.name,
                    default.type_name()
                ),
                "wrong type",
            );
            return;
        }
        if let Some(&i) = self.params.get(&p.name.name) {
            let same = self
                .prog
                .params
                .get(i as usize)
                .is_some_and(|q| q.ty == ty && q.default == default);
            if !same {
                self.error(
                    "fourc::duplicate",
                    &p.name.span,
                    format!(
                        "parameter `{}` is declared again with another type or default",
                        p.name.name
                    ),
                    "conflicting declaration",
                );
                self.set_help("parameters are shared by the whole rule set; declare each once, or identically".into());
            }
            return;
        }
        let i = u32::try_from(self.prog.params.len()).unwrap_or(u32::MAX);
        self.params.insert(p.name.name.clone(), i);
        self.prog.params.push(Param {
            name: Arc::from(p.name.name.as_str()),
            ty,
            default,
            doc: p.doc.as_deref().map(Arc::from),
            span: self.sp(&p.span),
        });
    }

    fn param_type(&mut self, t: &ast::TypeExpr) -> Option<ParamType> {
        Some(match t {
            ast::TypeExpr::List(inner) => ParamType::List(Box::new(self.param_type(inner)?)),
            ast::TypeExpr::Map(inner) => ParamType::Map(Box::new(self.param_type(inner)?)),
            ast::TypeExpr::Named(n) => match n.name.as_str() {
                "any" => ParamType::Any,
                "bool" => ParamType::Bool,
                "int" => ParamType::Int,
                "float" => ParamType::Float,
                "string" => ParamType::String,
                other => {
                    let hint =
                        suggest(other, ["any", "bool", "int", "float", "string"].into_iter());
                    self.error(
                        "fourc::unknown-type",
                        &n.span,
                        format!("unknown type `{other}`"),
                        "not a type",
                    );
                    self.set_help(match hint {
                        Some(h) => format!("did you mean `{h}`? types are any, bool, int, float, string, [T] and {{T}}"),
                        None => "types are any, bool, int, float, string, [T] and {T}".into(),
                    });
                    return None;
                }
            },
        })
    }

    /// Evaluates a constant expression (parameter defaults).
    fn const_value(&mut self, e: &ast::Expr) -> Option<Value> {
        Some(match &e.kind {
            ExprKind::Null => Value::Null,
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Str(parts) => match parts.as_slice() {
                [] => Value::string(""),
                [StrPart::Text(t)] => Value::string(t),
                _ => return self.not_const(e),
            },
            ExprKind::Unary(UnOp::Neg, x) => match self.const_value(x)? {
                Value::Int(i) => Value::Int(i.checked_neg()?),
                Value::Float(f) => Value::Float(-f),
                _ => return self.not_const(e),
            },
            ExprKind::List(items) => {
                let mut v = Vec::new();
                for it in items {
                    v.push(Node::computed(self.const_value(it)?));
                }
                Value::List(List::from_vec(v))
            }
            ExprKind::Map(entries) => {
                let mut b = MapBuilder::new();
                for (k, v) in entries {
                    b.insert(Arc::from(k.as_str()), Node::computed(self.const_value(v)?));
                }
                Value::Map(b.finish())
            }
            _ => return self.not_const(e),
        })
    }

    fn not_const(&mut self, e: &ast::Expr) -> Option<Value> {
        self.error(
            "fourc::not-constant",
            &e.span,
            "a parameter default must be a constant".into(),
            "not a literal",
        );
        None
    }

    /// Second pass: function bodies, rules and tests.
    fn lower(&mut self) {
        let files = std::mem::take(&mut self.files);
        let mut fn_ids: Vec<u32> = Vec::new();
        for (fi, file) in files.iter().enumerate() {
            self.cur = fi;
            for item in &file.items {
                match item {
                    Item::Fn(f) => {
                        let Some(sig) = self
                            .modules
                            .get(fi)
                            .and_then(|m| m.functions.get(&f.name.name))
                        else {
                            continue;
                        };
                        let id = sig.id;
                        if fn_ids.contains(&id) {
                            continue;
                        }
                        fn_ids.push(id);
                        self.lower_fn(f, id);
                    }
                    Item::Rule(r) => self.lower_rule(r),
                    Item::Test(t) => self.lower_test(t),
                    Item::Import(_) | Item::Param(_) => {}
                }
            }
        }
        self.files = files;
    }

    fn error_count(&self) -> usize {
        self.diags
            .iter()
            .filter(|d| d.level() == crate::diag::Level::Error)
            .count()
    }

    fn reset_scope(&mut self) {
        self.scopes.clear();
        self.let_defs.clear();
        self.next_slot = 0;
        self.max_slot = 0;
    }

    fn bind(&mut self, name: &str) -> u32 {
        let s = self.next_slot;
        self.scopes.push((name.to_string(), s));
        self.let_defs.push(None);
        self.next_slot += 1;
        self.max_slot = self.max_slot.max(self.next_slot);
        s
    }

    fn unbind(&mut self, mark: (usize, u32)) {
        self.scopes.truncate(mark.0);
        self.let_defs.truncate(mark.0);
        self.next_slot = mark.1;
    }

    fn mark(&self) -> (usize, u32) {
        (self.scopes.len(), self.next_slot)
    }

    fn lower_fn(&mut self, f: &ast::FnDecl, id: u32) {
        self.reset_scope();
        for p in &f.params {
            self.bind(&p.name);
        }
        // `let` bindings become nested Let expressions around the body.
        let mut lets = Vec::new();
        for (name, e) in &f.lets {
            let v = self.expr(e);
            let slot = self.bind(&name.name);
            lets.push((slot, v, e.span.clone()));
        }
        let mut body = self.expr(&f.body);
        for (slot, v, span) in lets.into_iter().rev() {
            body = self.prog.push(IrExpr::Let(slot, v, body), self.sp(&span));
        }
        if let Some(func) = self.prog.functions.get_mut(id as usize) {
            func.body = body;
            func.slots = self.max_slot;
        }
    }

    fn lower_rule(&mut self, r: &ast::Rule) {
        let errors_before = self.error_count();
        let meta = self.rule_meta(r);
        self.reset_scope();
        let mut selectors = Vec::new();
        for s in &r.on.selectors {
            match s {
                SelectorAst::Any(_) => selectors.push(Selector::Any),
                SelectorAst::Name { api_version, name } => {
                    if let Some(sel) = self.selector(api_version.as_deref(), name) {
                        selectors.push(sel);
                    }
                }
            }
        }
        self.bind(&r.on.binding.name);
        let filter = r.on.filter.as_ref().map(|f| self.expr(f));
        let body = self.stmts(&r.body);
        if self.error_count() > errors_before {
            return;
        }
        if let Some((meta, remediation)) = meta {
            self.prog.rules.push(ir::Rule {
                meta: Arc::new(meta),
                selectors,
                filter,
                body,
                slots: self.max_slot,
                remediation,
            });
        }
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> Vec<ir::Stmt> {
        let mark = self.mark();
        let mut out = Vec::new();
        for (i, s) in stmts.iter().enumerate() {
            match s {
                Stmt::Let(name, e) => {
                    let v = self.expr(e);
                    let slot = self.bind(&name.name);
                    if let Some(d) = self.let_defs.last_mut() {
                        *d = Some(e.clone());
                    }
                    out.push(ir::Stmt::Let(slot, v));
                }
                Stmt::When(e) => {
                    self.check_constant_condition(e, "when");
                    out.push(ir::Stmt::When(self.expr(e)));
                }
                Stmt::Each { var, domain, block } => {
                    let d = self.expr(domain);
                    let inner = self.mark();
                    let slot = self.bind(&var.name);
                    let body = match block {
                        Some(b) => self.stmts(b),
                        None => {
                            let rest = stmts.get(i + 1..).unwrap_or(&[]);
                            let body = self.stmts(rest);
                            self.unbind(inner);
                            out.push(ir::Stmt::Each {
                                slot,
                                domain: d,
                                body,
                            });
                            break;
                        }
                    };
                    self.unbind(inner);
                    out.push(ir::Stmt::Each {
                        slot,
                        domain: d,
                        body,
                    });
                }
                Stmt::Deny {
                    cond,
                    at,
                    message,
                    related,
                    ..
                } => {
                    self.check_constant_condition(cond, "deny");
                    let c = self.expr(cond);
                    let a = at.as_ref().map(|a| {
                        let def = self.let_definition(a);
                        self.expr(def.as_ref().unwrap_or(a))
                    });
                    let m = message.as_ref().map(|m| self.expr(m));
                    let r = related
                        .iter()
                        .map(|r| {
                            self.check_related(r, true);
                            self.expr(r)
                        })
                        .collect();
                    out.push(ir::Stmt::Deny(Deny {
                        cond: c,
                        at: a,
                        message: m,
                        related: r,
                    }));
                }
            }
        }
        self.unbind(mark);
        out
    }

    /// The definition of a `let` variable named by an `at`, when re-evaluating it at the `deny`
    /// means the same thing (no name it uses was rebound since).
    fn let_definition(&self, at: &ast::Expr) -> Option<ast::Expr> {
        let ExprKind::Ident(name) = &at.kind else {
            return None;
        };
        let idx = self.scopes.iter().rposition(|(n, _)| n == name)?;
        let def = self.let_defs.get(idx)?.as_ref()?;
        let mut used = Vec::new();
        idents(def, &mut used);
        let rebound = self
            .scopes
            .get(idx..)
            .unwrap_or(&[])
            .iter()
            .any(|(n, _)| used.contains(n));
        (!rebound).then(|| def.clone())
    }

    /// Rejects a `related` expression that can never name a place: a literal scalar (a place
    /// is a value read from a document, or a map with a `uri` and a `line`), or a map literal
    /// without `uri` or `line`. A list literal is checked element by element (`top`: the
    /// expression is the clause's own, not an element).
    fn check_related(&mut self, e: &ast::Expr, top: bool) {
        let what = match &e.kind {
            ExprKind::Null => "`null`",
            ExprKind::Bool(_) => "a boolean",
            ExprKind::Int(_) | ExprKind::Float(_) => "a number",
            ExprKind::Str(_) => "a string",
            ExprKind::List(items) if top => {
                for it in items {
                    self.check_related(it, false);
                }
                return;
            }
            ExprKind::Map(entries) => {
                let has = |k: &str| entries.iter().any(|(name, _)| name == k);
                let lacking: Vec<&str> = ["uri", "line"].into_iter().filter(|k| !has(k)).collect();
                if lacking.is_empty() {
                    return;
                }
                let list = lacking
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" and ");
                self.error(
                    "fourc::related",
                    &e.span,
                    format!("a `related` place outside the inputs needs {list}"),
                    "this map names no place",
                );
                self.set_help(
                    "write `{\"uri\": file, \"line\": n}` (optionally `column`, `end_line`, `end_column`, `message`), or give a value read from a document".into(),
                );
                return;
            }
            _ => return,
        };
        self.error(
            "fourc::related",
            &e.span,
            format!("`related` takes places, found {what}"),
            "not a place",
        );
        self.set_help(
            "give a value read from a document (`related c.image`), a list of them, or a map with `uri` and `line`".into(),
        );
    }

    fn check_constant_condition(&mut self, e: &ast::Expr, what: &str) {
        if let ExprKind::Bool(b) = e.kind {
            let d = Diagnostic::warning(
                "fourc::constant-condition",
                self.src(),
                format!("`{what}` condition is always {b}"),
            )
            .label(e.span.clone(), "constant")
            .help("a constant condition makes the rule fire everywhere or nowhere");
            self.diags.push(d);
        }
    }

    fn lower_test(&mut self, t: &ast::Test) {
        let mut cases = Vec::new();
        for c in &t.cases {
            if !c.deny && c.count.is_some() {
                self.error(
                    "fourc::test",
                    &c.span,
                    "`allow` takes no count".into(),
                    "remove the count",
                );
                continue;
            }
            cases.push(TestCase {
                expect: if c.deny {
                    Expect::Deny(c.count)
                } else {
                    Expect::Allow
                },
                fixture: if c.inline {
                    Fixture::Inline(Arc::from(c.text.as_str()))
                } else {
                    Fixture::File(Arc::from(c.text.as_str()))
                },
                span: self.sp(&c.span),
            });
        }
        self.prog.tests.push(TestBlock {
            rule: Arc::from(t.rule.name.as_str()),
            cases,
            span: self.sp(&t.span),
        });
    }

    fn push(&mut self, e: IrExpr, span: &ast::Span) -> ExprId {
        let s = self.sp(span);
        self.prog.push(e, s)
    }

    fn lit(&mut self, v: Value, span: &ast::Span) -> ExprId {
        self.push(IrExpr::Lit(v), span)
    }

    /// The values of `ids` when every one is a constant.
    fn literals(&self, ids: impl Iterator<Item = ExprId>) -> Option<Vec<Value>> {
        ids.map(|id| match self.prog.expr(id) {
            Some(IrExpr::Lit(v)) => Some(v.clone()),
            _ => None,
        })
        .collect()
    }

    fn expr(&mut self, e: &ast::Expr) -> ExprId {
        let span = &e.span;
        match &e.kind {
            ExprKind::Null => self.lit(Value::Null, span),
            ExprKind::Bool(b) => self.lit(Value::Bool(*b), span),
            ExprKind::Int(i) => self.lit(Value::Int(*i), span),
            ExprKind::Float(f) => self.lit(Value::Float(*f), span),
            ExprKind::Str(parts) => {
                if parts.iter().all(|p| matches!(p, StrPart::Text(_))) {
                    let s: String = parts
                        .iter()
                        .map(|p| match p {
                            StrPart::Text(t) => t.as_str(),
                            StrPart::Expr(_) => "",
                        })
                        .collect();
                    return self.lit(Value::string(&s), span);
                }
                let mut out = Vec::new();
                for p in parts {
                    out.push(match p {
                        StrPart::Text(t) => InterpPart::Text(Arc::from(t.as_str())),
                        StrPart::Expr(x) => InterpPart::Expr(self.expr(x)),
                    });
                }
                self.push(IrExpr::Interp(out), span)
            }
            ExprKind::Ident(name) => self.ident(name, span),
            ExprKind::Field(base, name) => {
                let b = self.expr(base);
                self.push(IrExpr::Field(b, Arc::from(name.name.as_str())), span)
            }
            ExprKind::Index(base, ix) => {
                let b = self.expr(base);
                let i = self.expr(ix);
                self.push(IrExpr::Index(b, i), span)
            }
            ExprKind::Unary(op, x) => {
                let v = self.expr(x);
                match op {
                    UnOp::Not => self.push(IrExpr::Not(v), span),
                    UnOp::Neg => self.push(IrExpr::Neg(v), span),
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, span),
            ExprKind::If(c, a, b) => {
                let c = self.expr(c);
                let a = self.expr(a);
                let b = self.expr(b);
                self.push(IrExpr::If(c, a, b), span)
            }
            ExprKind::Quant(q, var, domain, cond) => {
                let d = self.expr(domain);
                let mark = self.mark();
                let slot = self.bind(&var.name);
                let c = self.expr(cond);
                self.unbind(mark);
                self.push(IrExpr::Quant(*q, slot, d, c), span)
            }
            ExprKind::Comprehension {
                out,
                var,
                domain,
                filter,
            } => {
                let d = self.expr(domain);
                let mark = self.mark();
                let slot = self.bind(&var.name);
                let f = filter.as_ref().map(|f| self.expr(f));
                let o = self.expr(out);
                self.unbind(mark);
                self.push(
                    IrExpr::Comprehension {
                        slot,
                        domain: d,
                        filter: f,
                        out: o,
                    },
                    span,
                )
            }
            ExprKind::List(items) => {
                let ids: Vec<ExprId> = items.iter().map(|i| self.expr(i)).collect();
                // A list of constants is one constant, built once rather than per evaluation.
                match self.literals(ids.iter().copied()) {
                    Some(vs) => {
                        let nodes = vs.into_iter().map(Node::computed).collect();
                        self.lit(Value::List(List::from_vec(nodes)), span)
                    }
                    None => self.push(IrExpr::List(ids), span),
                }
            }
            ExprKind::Map(entries) => {
                let ids: Vec<(Str, ExprId)> = entries
                    .iter()
                    .map(|(k, v)| (Arc::from(k.as_str()), self.expr(v)))
                    .collect();
                // A map of constants (a lookup table) is one constant too.
                match self.literals(ids.iter().map(|(_, id)| *id)) {
                    Some(vs) => {
                        let mut b = MapBuilder::with_capacity(ids.len());
                        for ((k, _), v) in ids.iter().zip(vs) {
                            b.insert(k.clone(), Node::computed(v));
                        }
                        self.lit(Value::Map(b.finish()), span)
                    }
                    None => self.push(IrExpr::Map(ids), span),
                }
            }
            ExprKind::Call { module, name, args } => self.call(module.as_ref(), name, args, span),
        }
    }

    fn ident(&mut self, name: &str, span: &ast::Span) -> ExprId {
        if let Some((_, slot)) = self.scopes.iter().rev().find(|(n, _)| n == name) {
            let slot = *slot;
            return self.push(IrExpr::Var(slot), span);
        }
        if let Some(&p) = self.params.get(name) {
            return self.push(IrExpr::Param(p), span);
        }
        let mut candidates: Vec<String> = self.scopes.iter().map(|(n, _)| n.clone()).collect();
        candidates.extend(self.params.keys().cloned());
        let hint = suggest(name, candidates.iter().map(String::as_str)).map(str::to_string);
        self.error(
            "fourc::unknown-name",
            span,
            format!("unknown name `{name}`"),
            "not a variable or parameter in scope",
        );
        self.set_help(match hint {
            Some(h) => format!("did you mean `{h}`?"),
            None => "names come from `on ... as x`, `let`, `each`, quantifiers, function parameters and `param` declarations".into(),
        });
        self.lit(Value::Null, span)
    }

    fn binary(&mut self, op: BinOp, a: &ast::Expr, b: &ast::Expr, span: &ast::Span) -> ExprId {
        if op == BinOp::Matches {
            let x = self.expr(a);
            if let ExprKind::Str(parts) = &b.kind
                && let [StrPart::Text(p)] = parts.as_slice()
            {
                {
                    {
                        return match builtins::compile_regex(p) {
                            Ok(re) => self.push(IrExpr::MatchesLit(x, Arc::new(re)), span),
                            Err(err) => {
                                self.error(
                                    "fourc::regex",
                                    &b.span,
                                    err.to_string(),
                                    "this pattern",
                                );
                                self.set_help("patterns use the `regex` crate's syntax (RE2-like, no backreferences); write `\\{` for a literal brace".into());
                                self.lit(Value::Bool(false), span)
                            }
                        };
                    }
                }
            }
            let y = self.expr(b);
            return self.push(IrExpr::Matches(x, y), span);
        }
        let x = self.expr(a);
        let y = self.expr(b);
        let e = match op {
            BinOp::Or => IrExpr::Or(x, y),
            BinOp::And => IrExpr::And(x, y),
            BinOp::Eq => IrExpr::Cmp(CmpOp::Eq, x, y),
            BinOp::Ne => IrExpr::Cmp(CmpOp::Ne, x, y),
            BinOp::Lt => IrExpr::Cmp(CmpOp::Lt, x, y),
            BinOp::Le => IrExpr::Cmp(CmpOp::Le, x, y),
            BinOp::Gt => IrExpr::Cmp(CmpOp::Gt, x, y),
            BinOp::Ge => IrExpr::Cmp(CmpOp::Ge, x, y),
            BinOp::In => IrExpr::In(x, y),
            BinOp::Default => IrExpr::Default(x, y),
            BinOp::Concat => IrExpr::Concat(x, y),
            BinOp::Add => IrExpr::Arith(ArithOp::Add, x, y),
            BinOp::Sub => IrExpr::Arith(ArithOp::Sub, x, y),
            BinOp::Mul => IrExpr::Arith(ArithOp::Mul, x, y),
            BinOp::Div => IrExpr::Arith(ArithOp::Div, x, y),
            BinOp::Rem => IrExpr::Arith(ArithOp::Rem, x, y),
            BinOp::Matches => IrExpr::Matches(x, y),
        };
        self.push(e, span)
    }
}

/// Every name an expression mentions (over-approximating: bound names count too).
fn idents(e: &ast::Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Ident(n) => out.push(n.clone()),
        ExprKind::Str(parts) => {
            for p in parts {
                if let StrPart::Expr(x) = p {
                    idents(x, out);
                }
            }
        }
        ExprKind::Field(b, _) | ExprKind::Unary(_, b) => idents(b, out),
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
            idents(a, out);
            idents(b, out);
        }
        ExprKind::If(a, b, c) => {
            idents(a, out);
            idents(b, out);
            idents(c, out);
        }
        ExprKind::Quant(_, v, a, b) => {
            out.push(v.name.clone());
            idents(a, out);
            idents(b, out);
        }
        ExprKind::Comprehension {
            out: o,
            var,
            domain,
            filter,
        } => {
            out.push(var.name.clone());
            idents(o, out);
            idents(domain, out);
            if let Some(f) = filter {
                idents(f, out);
            }
        }
        ExprKind::List(xs) | ExprKind::Call { args: xs, .. } => {
            for x in xs {
                idents(x, out);
            }
        }
        ExprKind::Map(entries) => {
            for (_, x) in entries {
                idents(x, out);
            }
        }
        ExprKind::Null | ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::Float(_) => {}
    }
}
