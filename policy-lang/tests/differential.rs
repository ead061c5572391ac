//! Differential testing: the optimized path (compile to IR, evaluate with `policy-core`) must
//! agree with a small, obviously correct interpreter that walks the syntax tree directly and
//! implements the language guide's rules for missing data line by line.
//!
//! Random expressions over a pod are generated, wrapped in a rule, and both evaluators must give
//! the same findings (messages) and fail on the same inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

mod common;

use std::sync::Arc;

use policy_core::ir::Quantifier;
use policy_core::value::{List, MapBuilder, Node};
use policy_core::{LoadOptions, Source, Value, yaml};
use policy_lang::ast::{BinOp, Expr, ExprKind, Item, Stmt, StrPart, UnOp};

type V = Option<Value>;

/// The reference interpreter: environments are plain maps, values plain `Value`s, `None` is
/// undefined. Errors are strings; their wording is not compared, only their presence.
struct Reference {
    env: Vec<(String, V)>,
}

fn list(v: Vec<Value>) -> Value {
    Value::List(List::from_vec(v.into_iter().map(Node::computed).collect()))
}

fn truth(v: &V) -> Result<bool, String> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err("condition is not a bool".into()),
    }
}

fn items(v: V) -> Result<Vec<Value>, String> {
    match v {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::List(l)) => Ok(l.iter().map(|n| n.value.clone()).collect()),
        Some(_) => Err("not a list".into()),
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

impl Reference {
    fn lookup(&self, name: &str) -> Result<V, String> {
        self.env
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("unbound {name}"))
    }

    fn with<T>(&mut self, name: &str, v: V, f: impl FnOnce(&mut Self) -> T) -> T {
        self.env.push((name.to_string(), v));
        let r = f(self);
        self.env.pop();
        r
    }

    fn eval(&mut self, e: &Expr) -> Result<V, String> {
        Ok(match &e.kind {
            ExprKind::Null => Some(Value::Null),
            ExprKind::Bool(b) => Some(Value::Bool(*b)),
            ExprKind::Int(i) => Some(Value::Int(*i)),
            ExprKind::Float(f) => Some(Value::Float(*f)),
            ExprKind::Str(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        StrPart::Text(t) => s.push_str(t),
                        StrPart::Expr(x) => match self.eval(x)? {
                            None => s.push_str("<none>"),
                            Some(v) => s.push_str(&v.to_string()),
                        },
                    }
                }
                Some(Value::string(&s))
            }
            ExprKind::Ident(n) => self.lookup(n)?,
            ExprKind::Field(b, name) => match self.eval(b)? {
                None | Some(Value::Null) => None,
                Some(Value::Map(m)) => m.get(&name.name).map(|n| n.value.clone()),
                Some(_) => return Err("field of a scalar".into()),
            },
            ExprKind::Index(b, i) => {
                let b = self.eval(b)?;
                let i = self.eval(i)?;
                match (b, i) {
                    (None | Some(Value::Null), _) | (_, None | Some(Value::Null)) => None,
                    (Some(Value::List(l)), Some(Value::Int(k))) => usize::try_from(k)
                        .ok()
                        .and_then(|k| l.get(k))
                        .map(|n| n.value.clone()),
                    (Some(Value::Map(m)), Some(Value::String(k))) => {
                        m.get(&k).map(|n| n.value.clone())
                    }
                    _ => return Err("bad index".into()),
                }
            }
            ExprKind::Unary(UnOp::Not, x) => {
                let v = self.eval(x)?;
                Some(Value::Bool(!truth(&v)?))
            }
            ExprKind::Unary(UnOp::Neg, x) => match self.eval(x)? {
                None | Some(Value::Null) => None,
                Some(Value::Int(i)) => Some(Value::Int(i.checked_neg().ok_or("overflow")?)),
                Some(Value::Float(f)) => Some(Value::Float(-f)),
                Some(_) => return Err("negate".into()),
            },
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b)?,
            ExprKind::If(c, a, b) => {
                let c = self.eval(c)?;
                if truth(&c)? {
                    self.eval(a)?
                } else {
                    self.eval(b)?
                }
            }
            ExprKind::Quant(q, var, domain, cond) => {
                let xs = items(self.eval(domain)?)?;
                let mut results = Vec::new();
                for x in xs {
                    let c = self.with(&var.name, Some(x), |me| me.eval(cond))?;
                    let t = truth(&c)?;
                    results.push(t);
                    // Short-circuit exactly where the guide says the result is decided.
                    match q {
                        Quantifier::Any if t => break,
                        Quantifier::All if !t => break,
                        Quantifier::None if t => break,
                        _ => {}
                    }
                }
                Some(Value::Bool(match q {
                    Quantifier::Any => results.iter().any(|t| *t),
                    Quantifier::All => results.iter().all(|t| *t),
                    Quantifier::None => !results.iter().any(|t| *t),
                }))
            }
            ExprKind::Comprehension {
                out,
                var,
                domain,
                filter,
            } => {
                let xs = items(self.eval(domain)?)?;
                let mut res = Vec::new();
                for x in xs {
                    let keep = match filter {
                        Some(f) => {
                            let c = self.with(&var.name, Some(x.clone()), |me| me.eval(f))?;
                            truth(&c)?
                        }
                        None => true,
                    };
                    if keep && let Some(v) = self.with(&var.name, Some(x), |me| me.eval(out))? {
                        res.push(v);
                    }
                }
                Some(list(res))
            }
            ExprKind::List(xs) => {
                let mut res = Vec::new();
                for x in xs {
                    if let Some(v) = self.eval(x)? {
                        res.push(v);
                    }
                }
                Some(list(res))
            }
            ExprKind::Map(entries) => {
                let mut b = MapBuilder::new();
                for (k, x) in entries {
                    if let Some(v) = self.eval(x)? {
                        b.insert(Arc::from(k.as_str()), Node::computed(v));
                    }
                }
                Some(Value::Map(b.finish()))
            }
            ExprKind::Call { name, args, .. } => {
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.eval(a)?);
                }
                match name.name.as_str() {
                    "exists" => Some(Value::Bool(!matches!(
                        vals.first(),
                        Some(None | Some(Value::Null)) | None
                    ))),
                    other => {
                        let (_, def) =
                            policy_core::builtins::lookup(other).ok_or("unknown builtin")?;
                        let argv: Vec<Option<&Value>> = vals.iter().map(Option::as_ref).collect();
                        (def.func)(&argv).map_err(|e| e.to_string())?
                    }
                }
            }
        })
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr) -> Result<V, String> {
        if op == BinOp::And {
            let x = self.eval(a)?;
            if !truth(&x)? {
                return Ok(Some(Value::Bool(false)));
            }
            let y = self.eval(b)?;
            return Ok(Some(Value::Bool(truth(&y)?)));
        }
        if op == BinOp::Or {
            let x = self.eval(a)?;
            if truth(&x)? {
                return Ok(Some(Value::Bool(true)));
            }
            let y = self.eval(b)?;
            return Ok(Some(Value::Bool(truth(&y)?)));
        }
        if op == BinOp::Default {
            let x = self.eval(a)?;
            return if matches!(x, None | Some(Value::Null)) {
                self.eval(b)
            } else {
                Ok(x)
            };
        }
        let x = self.eval(a)?;
        let y = self.eval(b)?;
        Ok(match op {
            BinOp::Eq => Some(Value::Bool(x == y)),
            BinOp::Ne => Some(Value::Bool(x != y)),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let ord = match (&x, &y) {
                    (None, _) | (_, None) | (Some(Value::Null), _) | (_, Some(Value::Null)) => {
                        return Ok(Some(Value::Bool(false)));
                    }
                    (Some(Value::String(p)), Some(Value::String(q))) => p.cmp(q),
                    (Some(Value::Int(p)), Some(Value::Int(q))) => p.cmp(q),
                    (Some(p), Some(q)) => match (num(p), num(q)) {
                        (Some(p), Some(q)) => match p.partial_cmp(&q) {
                            Some(o) => o,
                            None => return Ok(Some(Value::Bool(false))),
                        },
                        _ => return Err("compare".into()),
                    },
                };
                Some(Value::Bool(match op {
                    BinOp::Lt => ord.is_lt(),
                    BinOp::Le => ord.is_le(),
                    BinOp::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                }))
            }
            BinOp::In => Some(Value::Bool(match (&x, &y) {
                (None, _) | (_, None | Some(Value::Null)) => false,
                (Some(n), Some(Value::List(l))) => l.iter().any(|e| e.value == *n),
                (Some(n), Some(Value::Map(m))) => n.as_str().is_some_and(|k| m.contains_key(k)),
                (Some(Value::String(n)), Some(Value::String(s))) => s.contains(&**n),
                _ => return Err("in".into()),
            })),
            BinOp::Matches => match (&x, &y) {
                (None | Some(Value::Null), _) => Some(Value::Bool(false)),
                (Some(Value::String(s)), Some(Value::String(p))) => {
                    let re = policy_core::builtins::compile_regex(p).map_err(|e| e.to_string())?;
                    Some(Value::Bool(re.is_match(s)))
                }
                _ => return Err("matches".into()),
            },
            BinOp::Concat => {
                let mut v = items(x).map_err(|_| "++")?;
                v.extend(items(y).map_err(|_| "++")?);
                Some(list(v))
            }
            _ => {
                let (Some(p), Some(q)) = (x, y) else {
                    return Ok(None);
                };
                match (&p, &q) {
                    (Value::Null, _) | (_, Value::Null) => None,
                    (Value::String(s), Value::String(t)) if op == BinOp::Add => {
                        Some(Value::string(&format!("{s}{t}")))
                    }
                    (Value::Int(i), Value::Int(j)) => {
                        let r = match op {
                            BinOp::Add => i.checked_add(*j),
                            BinOp::Sub => i.checked_sub(*j),
                            BinOp::Mul => i.checked_mul(*j),
                            _ if *j == 0 => return Err("division by zero".into()),
                            BinOp::Div if i.checked_rem(*j) == Some(0) => i.checked_div(*j),
                            BinOp::Div => return Ok(Some(Value::Float(*i as f64 / *j as f64))),
                            _ => i.checked_rem(*j),
                        };
                        Some(Value::Int(r.ok_or("overflow")?))
                    }
                    _ => {
                        let (Some(i), Some(j)) = (num(&p), num(&q)) else {
                            return Err("arith".into());
                        };
                        if matches!(op, BinOp::Div | BinOp::Rem) && j == 0.0 {
                            return Err("division by zero".into());
                        }
                        Some(Value::Float(match op {
                            BinOp::Add => i + j,
                            BinOp::Sub => i - j,
                            BinOp::Mul => i * j,
                            BinOp::Div => i / j,
                            _ => i % j,
                        }))
                    }
                }
            }
        })
    }

    /// Runs statements, collecting messages; the first error stops the rule.
    fn exec(&mut self, stmts: &[Stmt], out: &mut Vec<String>) -> Result<(), String> {
        for (i, s) in stmts.iter().enumerate() {
            match s {
                Stmt::Let(n, e) => {
                    let v = self.eval(e)?;
                    let rest = &stmts[i + 1..];
                    return self.with(&n.name, v, |me| me.exec(rest, out));
                }
                Stmt::When(c) => {
                    let v = self.eval(c)?;
                    if !truth(&v)? {
                        return Ok(());
                    }
                }
                Stmt::Each { var, domain, block } => {
                    let xs = items(self.eval(domain)?)?;
                    let body = block.as_deref().unwrap_or(&stmts[i + 1..]);
                    for x in xs {
                        self.with(&var.name, Some(x), |me| me.exec(body, out))?;
                    }
                    if block.is_none() {
                        return Ok(());
                    }
                }
                Stmt::Deny { cond, message, .. } => {
                    let v = self.eval(cond)?;
                    if truth(&v)? {
                        let m = match message {
                            Some(m) => match self.eval(m)? {
                                None => "<none>".to_string(),
                                Some(v) => v.to_string(),
                            },
                            None => "t".to_string(),
                        };
                        out.push(m);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Runs a one-rule file (`on Pod as p`) with the reference interpreter.
fn reference(text: &str, doc: &Value) -> Result<Vec<String>, String> {
    let file = policy_lang::parse("r.fourc", text).map_err(|e| e.to_string())?;
    let Some(Item::Rule(rule)) = file.items.into_iter().next() else {
        return Err("no rule".into());
    };
    let mut r = Reference {
        env: vec![(rule.on.binding.name.clone(), Some(doc.clone()))],
    };
    let mut out = Vec::new();
    r.exec(&rule.body, &mut out)?;
    out.sort();
    Ok(out)
}

fn optimized(text: &str, yaml_text: &str) -> Result<Vec<String>, String> {
    let rules = common::rules(text);
    let loaded = yaml::load_str(&Source::new("d.yaml", yaml_text), &LoadOptions::default());
    let report = rules.evaluate(&loaded.documents);
    if !report.errors.is_empty() {
        return Err(report.errors[0].message().to_string());
    }
    let mut m: Vec<String> = report
        .findings
        .iter()
        .map(|f| f.message().to_string())
        .collect();
    m.sort();
    Ok(m)
}

const DOC: &str = "
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  hostNetwork: false
  nothing: null
  priority: 7
  ratio: 0.5
  containers:
  - name: app
    image: nginx:1.27
    ports: [{containerPort: 80}, {containerPort: 443, hostPort: 8443}]
    securityContext: {privileged: true, capabilities: {drop: [ALL], add: [NET_ADMIN]}}
  - name: side
    image: envoy
    args: [\"-c\", \"x\"]
";

/// Random expressions over the document.
struct Gen {
    rng: u64,
    depth: u32,
}

impl Gen {
    fn next(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn path(&mut self) -> String {
        self.pick(&[
            "p.metadata.name",
            "p.metadata.labels",
            "p.metadata.labels.app",
            "p.metadata.missing",
            "p.spec.hostNetwork",
            "p.spec.hostPID",
            "p.spec.nothing",
            "p.spec.priority",
            "p.spec.ratio",
            "p.spec.containers",
            "p.spec.containers[0].name",
            "p.spec.containers[1].image",
            "p.spec.containers[0].ports",
            "p.spec.containers[0].ports[1].hostPort",
            "p.spec.containers[0].securityContext.privileged",
            "p.spec.containers[0].securityContext.capabilities.drop",
            "p.spec.containers[1].securityContext.privileged",
            "p.spec.containers[5]",
            "p.spec.initContainers",
        ])
        .to_string()
    }
    fn lit(&mut self) -> String {
        self.pick(&[
            "null",
            "true",
            "false",
            "0",
            "1",
            "7",
            "-3",
            "2.5",
            "\"web\"",
            "\"ALL\"",
            "\"\"",
            "[]",
            "[1, 2]",
            "[\"app\", \"side\"]",
            "{\"a\": 1}",
        ])
        .to_string()
    }
    /// A condition: mostly boolean-valued, sometimes anything (to exercise type errors).
    fn cond(&mut self) -> String {
        self.depth += 1;
        let c = match self.next() % 8 {
            0 | 1 => format!(
                "({} {} {})",
                self.expr(),
                self.pick(&["==", "!=", "<", ">="]),
                self.expr()
            ),
            2 => format!("exists({})", self.expr()),
            3 if self.depth < 4 => format!("(not {})", self.cond()),
            4 if self.depth < 4 => format!(
                "({} {} {})",
                self.cond(),
                self.pick(&["and", "or"]),
                self.cond()
            ),
            5 => format!("({} in {})", self.expr(), self.expr()),
            6 => format!(
                "(any c in p.spec.containers : {})",
                self.pick(&[
                    "c.name == \"app\"",
                    "exists(c.ports)",
                    "c.securityContext.privileged"
                ])
            ),
            _ => self.expr(),
        };
        self.depth -= 1;
        c
    }

    fn expr(&mut self) -> String {
        if self.depth > 3 {
            return if self.next().is_multiple_of(2) {
                self.path()
            } else {
                self.lit()
            };
        }
        self.depth += 1;
        let e = match self.next() % 16 {
            0 | 1 => self.path(),
            2 => self.lit(),
            3 => format!(
                "({} {} {})",
                self.expr(),
                self.pick(&["==", "!=", "<", "<=", ">", ">="]),
                self.expr()
            ),
            4 => format!(
                "({} {} {})",
                self.expr(),
                self.pick(&["and", "or"]),
                self.expr()
            ),
            5 => format!("(not {})", self.expr()),
            6 => format!(
                "({} {} {})",
                self.expr(),
                self.pick(&["+", "-", "*", "/", "%"]),
                self.expr()
            ),
            7 => format!("({} in {})", self.expr(), self.expr()),
            8 => format!("({} ?? {})", self.expr(), self.expr()),
            9 => format!("({} ++ {})", self.expr(), self.expr()),
            10 => format!(
                "(if {} then {} else {})",
                self.expr(),
                self.expr(),
                self.expr()
            ),
            11 => format!(
                "({} c in p.spec.containers : {})",
                self.pick(&["any", "all", "none"]),
                self.pick(&[
                    "c.name == \"app\"",
                    "exists(c.ports)",
                    "c.securityContext.privileged",
                    "\"ALL\" in c.securityContext.capabilities.drop",
                    "c.image matches \"^n\""
                ])
            ),
            12 => format!(
                "[c.name for c in {} if exists(c.image)]",
                self.pick(&[
                    "p.spec.containers",
                    "p.spec.initContainers",
                    "p.spec.containers ++ p.spec.containers"
                ])
            ),
            13 => format!(
                "{}({})",
                self.pick(&["exists", "count", "lower", "to_string", "type_of"]),
                self.expr()
            ),
            14 => format!("-{}", self.expr()),
            _ => format!("[{}, {}]", self.expr(), self.expr()),
        };
        self.depth -= 1;
        e
    }
}

#[test]
fn random_rules_agree_with_the_reference_interpreter() {
    let loaded = yaml::load_str(&Source::new("d.yaml", DOC), &LoadOptions::default());
    let doc = loaded.documents[0].root().value.clone();
    let mut g = Gen { rng: 1, depth: 0 };
    let mut agreed_fire = 0;
    let mut agreed_error = 0;
    for i in 0..1500 {
        let cond = g.cond();
        let msg = if g.next().is_multiple_of(4) {
            g.expr()
        } else {
            g.path()
        };
        let body = match i % 3 {
            0 => format!("  deny {cond} message \"{{{msg}}}\""),
            1 => format!(
                "  each c in p.spec.containers\n  let n = c.name\n  deny {cond} message \"{{n}} {{{msg}}}\""
            ),
            _ => format!(
                "  when {cond} or true\n  each x in [1, 2]\n  deny {cond} message \"{{x}} {{{msg}}}\""
            ),
        };
        let text = common::pod_rule(&body);
        // Rules the compiler rejects (a constant-folded literal error, say) are not compared.
        let mut c = policy_lang::RuleCompiler::new();
        c.add_source("r.fourc", &text);
        if c.compile().is_err() {
            continue;
        }
        let a = reference(&text, &doc);
        let b = optimized(&text, DOC);
        match (&a, &b) {
            (Ok(x), Ok(y)) => {
                assert_eq!(x, y, "findings differ for rule:\n{text}");
                if !x.is_empty() {
                    agreed_fire += 1;
                }
            }
            (Err(_), Err(_)) => agreed_error += 1,
            _ => panic!(
                "one evaluator failed and the other did not for rule:\n{text}\nreference: {a:?}\noptimized: {b:?}"
            ),
        }
    }
    // The generator must exercise both outcomes, or the test proves little.
    println!("differential: {agreed_fire} rules fired, {agreed_error} failed in both evaluators");
    assert!(agreed_fire > 250, "only {agreed_fire} rules fired");
    assert!(agreed_error > 150, "only {agreed_error} rules failed");
}

#[test]
fn reference_interpreter_sanity() {
    let loaded = yaml::load_str(&Source::new("d.yaml", DOC), &LoadOptions::default());
    let doc = loaded.documents[0].root().value.clone();
    let text = common::pod_rule(
        "  each c in p.spec.containers\n  deny c.securityContext.privileged != false message \"{c.name}\"",
    );
    assert_eq!(
        reference(&text, &doc).unwrap(),
        vec!["app".to_string(), "side".to_string()]
    );
}
