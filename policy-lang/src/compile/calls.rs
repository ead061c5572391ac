//! Calls: builtins (with constant folding), user functions, imports and cross-document queries.

use policy_core::builtins;
use policy_core::ir::{Expr as IrExpr, ExprId, Query, Selector, ValueMatch, parse_value_path};
use policy_core::value::{Str, Value};

use super::{Compiler, suggest};
use crate::ast::{self, ExprKind};

impl Compiler<'_> {
    pub(super) fn arity_error(
        &mut self,
        name: &str,
        span: &ast::Span,
        want: String,
        got: usize,
        sig: &str,
    ) -> ExprId {
        self.error(
            "fourc::arity",
            span,
            format!(
                "`{name}` takes {want}, but {got} {} given",
                if got == 1 { "was" } else { "were" }
            ),
            "wrong number of arguments",
        );
        self.set_help(format!("signature: {sig}"));
        self.lit(Value::Null, span)
    }

    pub(super) fn call(
        &mut self,
        module: Option<&ast::Ident>,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: &ast::Span,
    ) -> ExprId {
        if let Some(m) = module {
            let target = self
                .modules
                .get(self.cur)
                .and_then(|md| md.imports.get(&m.name))
                .copied();
            let Some(target) = target else {
                let reported = self
                    .modules
                    .get(self.cur)
                    .is_some_and(|md| md.unresolved.contains(&m.name));
                if reported {
                    // The import itself is the error, reported once at the import.
                    return self.lit(Value::Null, span);
                }
                self.error(
                    "fourc::unknown-module",
                    &m.span,
                    format!("`{}` is not an imported module", m.name),
                    "not imported",
                );
                self.set_help(format!(
                    "add `import <module path> as {}` at the top of the file",
                    m.name
                ));
                return self.lit(Value::Null, span);
            };
            let sig = self
                .modules
                .get(target)
                .and_then(|md| md.functions.get(&name.name))
                .map(|s| (s.id, s.arity));
            return match sig {
                Some((id, arity)) => self.user_call(id, arity, &name.name, args, span),
                None => {
                    let names: Vec<String> = self
                        .modules
                        .get(target)
                        .map(|md| md.functions.keys().cloned().collect())
                        .unwrap_or_default();
                    let hint =
                        suggest(&name.name, names.iter().map(String::as_str)).map(str::to_string);
                    self.error(
                        "fourc::unknown-function",
                        &name.span,
                        format!("module `{}` has no function `{}`", m.name, name.name),
                        "unknown function",
                    );
                    if let Some(h) = hint {
                        self.set_help(format!("did you mean `{}.{h}`?", m.name));
                    }
                    self.lit(Value::Null, span)
                }
            };
        }
        match name.name.as_str() {
            "exists" => {
                if args.len() != 1 {
                    return self.arity_error(
                        "exists",
                        span,
                        "1 argument".into(),
                        args.len(),
                        "exists(x) -> bool",
                    );
                }
                let x = args.first().map(|a| self.expr(a));
                return match x {
                    Some(x) => self.push(IrExpr::Exists(x), span),
                    None => self.lit(Value::Bool(false), span),
                };
            }
            "resources" | "resource" | "selecting" | "resources_with" => {
                return self.query(&name.name, args, span);
            }
            _ => {}
        }
        let local = self
            .modules
            .get(self.cur)
            .and_then(|md| md.functions.get(&name.name))
            .map(|s| (s.id, s.arity));
        if let Some((id, arity)) = local {
            return self.user_call(id, arity, &name.name, args, span);
        }
        if let Some((bi, def)) = builtins::lookup(&name.name) {
            if args.len() < def.min_args || args.len() > def.max_args {
                let want = if def.min_args == def.max_args {
                    format!(
                        "{} argument{}",
                        def.min_args,
                        if def.min_args == 1 { "" } else { "s" }
                    )
                } else {
                    format!("{} to {} arguments", def.min_args, def.max_args)
                };
                return self.arity_error(&name.name, span, want, args.len(), def.signature);
            }
            let ids: Vec<ExprId> = args.iter().map(|a| self.expr(a)).collect();
            // Constant folding: a call on literals runs now, so a bad literal is a compile error.
            let lits: Option<Vec<Value>> = ids
                .iter()
                .map(|i| match self.prog.expr(*i) {
                    Some(IrExpr::Lit(v)) => Some(v.clone()),
                    _ => None,
                })
                .collect();
            if let Some(lits) = lits {
                let argv: Vec<Option<&Value>> = lits.iter().map(Some).collect();
                match (def.func)(&argv) {
                    Ok(Some(v)) => return self.lit(v, span),
                    Ok(None) => {}
                    Err(err) => {
                        self.error(
                            "fourc::type",
                            span,
                            err.to_string(),
                            "fails on these arguments",
                        );
                        self.set_help(format!("signature: {}", def.signature));
                        return self.lit(Value::Null, span);
                    }
                }
            }
            return self.push(
                IrExpr::Builtin(u32::try_from(bi).unwrap_or(u32::MAX), ids),
                span,
            );
        }
        let native = self
            .natives
            .iter()
            .enumerate()
            .find(|(_, n)| *n.name == *name.name)
            .map(|(i, n)| (i, n.min_args, n.max_args, n.signature.clone()));
        if let Some((i, min, max, signature)) = native {
            if args.len() < min || args.len() > max {
                let want = if min == max {
                    format!("{min} argument{}", if min == 1 { "" } else { "s" })
                } else {
                    format!("{min} to {max} arguments")
                };
                return self.arity_error(&name.name, span, want, args.len(), &signature);
            }
            let ids: Vec<ExprId> = args.iter().map(|a| self.expr(a)).collect();
            return self.push(
                IrExpr::Native(u32::try_from(i).unwrap_or(u32::MAX), ids),
                span,
            );
        }
        let mut names: Vec<String> = builtins::BUILTINS
            .iter()
            .map(|b| b.name.to_string())
            .chain(self.natives.iter().map(|n| n.name.to_string()))
            .collect();
        if let Some(md) = self.modules.get(self.cur) {
            names.extend(md.functions.keys().cloned());
        }
        names.extend([
            "exists".to_string(),
            "resources".to_string(),
            "resource".to_string(),
            "selecting".to_string(),
            "resources_with".to_string(),
        ]);
        let hint = suggest(&name.name, names.iter().map(String::as_str)).map(str::to_string);
        self.error(
            "fourc::unknown-function",
            &name.span,
            format!("unknown function `{}`", name.name),
            "not a builtin or a function of this module",
        );
        self.set_help(match hint {
            Some(h) => format!("did you mean `{h}`?"),
            None => {
                "functions of other modules are called as `alias.name(...)` after `import`".into()
            }
        });
        self.lit(Value::Null, span)
    }

    pub(super) fn user_call(
        &mut self,
        id: u32,
        arity: usize,
        name: &str,
        args: &[ast::Expr],
        span: &ast::Span,
    ) -> ExprId {
        if args.len() != arity {
            return self.arity_error(
                name,
                span,
                format!("{arity} argument{}", if arity == 1 { "" } else { "s" }),
                args.len(),
                &format!("fn {name}({arity} parameters)"),
            );
        }
        let ids = args.iter().map(|a| self.expr(a)).collect();
        self.push(IrExpr::Call(id, ids), span)
    }

    pub(super) fn query(&mut self, fname: &str, args: &[ast::Expr], span: &ast::Span) -> ExprId {
        let (min, max) = match fname {
            "resources" => (1, 2),
            "resources_with" => (4, 4),
            _ => (3, 3),
        };
        if args.len() < min || args.len() > max {
            let sig = match fname {
                "resource" => "resource(Kind, namespace, name) -> document or undefined",
                "selecting" => "selecting(Kind, namespace, labels) -> [document]",
                "resources_with" => {
                    "resources_with(Kind, namespace, \"path[].to.field\", value) -> [document]"
                }
                _ => "resources(Kind [, namespace]) -> [document]",
            };
            let want = if min == max {
                format!("{min} arguments")
            } else {
                format!("{min} or {max} arguments")
            };
            return self.arity_error(fname, span, want, args.len(), sig);
        }
        let mut targets = Vec::new();
        let mut kinds: Vec<&ast::Expr> = Vec::new();
        match args.first().map(|a| &a.kind) {
            Some(ExprKind::List(items)) => kinds.extend(items.iter()),
            Some(_) => kinds.extend(args.first()),
            None => {}
        }
        for k in kinds {
            match &k.kind {
                ExprKind::Ident(n) => {
                    let id = ast::Ident {
                        name: n.clone(),
                        span: k.span.clone(),
                    };
                    if let Some(s) = self.selector(None, &id) {
                        targets.push(s);
                    }
                }
                _ => {
                    self.error(
                        "fourc::query",
                        &k.span,
                        format!("`{fname}` takes a kind or view name first"),
                        "expected a name such as `NetworkPolicy` or `workload`",
                    );
                    self.set_help(
                        "write `resources(NetworkPolicy, ns)` or `resources([Role, ClusterRole])`"
                            .into(),
                    );
                }
            }
        }
        if fname == "selecting" {
            self.check_selecting(&targets, args.first(), span);
        }
        let namespace = args.get(1).map(|a| self.expr(a));
        if fname == "resources_with" {
            let with = self.value_match(args.get(2), args.get(3));
            return self.push(
                IrExpr::Resources(Box::new(Query {
                    targets,
                    namespace,
                    name: None,
                    labels: None,
                    with,
                })),
                span,
            );
        }
        let third = args.get(2).map(|a| self.expr(a));
        let (name, labels) = if fname == "selecting" {
            (None, third)
        } else {
            (third, None)
        };
        self.push(
            IrExpr::Resources(Box::new(Query {
                targets,
                namespace,
                name,
                labels,
                with: None,
            })),
            span,
        )
    }

    /// The path and value of `resources_with`: the path must be a string literal, so the
    /// index it names is known when the rules compile.
    fn value_match(
        &mut self,
        path: Option<&ast::Expr>,
        value: Option<&ast::Expr>,
    ) -> Option<ValueMatch> {
        let value = value.map(|v| self.expr(v))?;
        let path = path?;
        let text = match &path.kind {
            ExprKind::Str(parts) => match parts.as_slice() {
                [] => Some(String::new()),
                [ast::StrPart::Text(t)] => Some(t.clone()),
                _ => None,
            },
            _ => None,
        };
        let Some(text) = text else {
            self.error(
                "fourc::query",
                &path.span,
                "the path of `resources_with` must be a string literal".to_string(),
                "expected a path such as \"spec.rules[].host\"",
            );
            self.set_help(
                "the engine indexes the documents by the path once per scan, so the path is \
                 fixed when the rules compile"
                    .into(),
            );
            return None;
        };
        match parse_value_path(&text) {
            Ok(steps) => Some(ValueMatch {
                path: Str::from(text.as_str()),
                steps: steps.into(),
                value,
            }),
            Err(why) => {
                self.error(
                    "fourc::query",
                    &path.span,
                    format!("`{text}` is not a path: {why}"),
                    "expected keys separated by `.`, `[]` for every element of a list",
                );
                self.set_help(
                    "write `\"spec.rules[].host\"`; a key with dots or slashes is written `[\"key\"]`"
                        .into(),
                );
                None
            }
        }
    }

    /// `selecting` reads each target's label selector, so every target must be a kind whose
    /// selector fourc knows.
    fn check_selecting(
        &mut self,
        targets: &[Selector],
        first: Option<&ast::Expr>,
        span: &ast::Span,
    ) {
        let unknown = targets.iter().find_map(|t| match t {
            Selector::Kind { kind, .. } if policy_core::scan::selector_of(kind).is_some() => None,
            Selector::Kind { kind, .. } => Some(kind.to_string()),
            Selector::View(v) => Some(v.to_string()),
            Selector::Any => Some("any".to_string()),
        });
        if let Some(k) = unknown {
            let at = first.map_or(span, |a| &a.span);
            self.error(
                "fourc::query",
                at,
                format!("`selecting` does not know where a `{k}` keeps its label selector"),
                "expected a kind with a label selector",
            );
            self.set_help(
                "`selecting` reads NetworkPolicy `spec.podSelector` and the `spec.selector` of \
                 Service, ReplicationController, PodDisruptionBudget, Deployment, ReplicaSet, \
                 StatefulSet, DaemonSet and Job; filter `resources(...)` for others"
                    .into(),
            );
        }
    }
}
