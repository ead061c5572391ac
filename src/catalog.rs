//! Describing a rule set: the rule list with per-control coverage (`fourc rules`), one rule in
//! full (`fourc rules show ID`), and the Markdown catalogue kept in `docs/rules.md`.

use std::collections::HashSet;
use std::fmt::Write as _;

use policy_core::controls::{self, Control};
use policy_core::ir::{Expr, ExprId, Param, Program, Rule, Selector, Stmt};

use crate::{Engine, Layer, RuleMeta};

/// The rules of an engine's catalogue (every backend's, with the settings applied) serving each
/// control of the 4C catalogue, in control order.
pub fn coverage(engine: &Engine) -> Vec<(&'static Control, Vec<&RuleMeta>)> {
    controls::CONTROLS
        .iter()
        .map(|c| {
            let serving = engine
                .catalog()
                .rules()
                .map(|m| &**m)
                .filter(|m| m.controls.iter().any(|k| &**k == c.key))
                .collect();
            (c, serving)
        })
        .collect()
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i == last {
                s.push_str(c);
            } else {
                let _ = write!(s, "{c:<w$}  ");
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(header.to_vec()));
    for r in rows {
        let _ = writeln!(out, "{}", line(r.iter().map(String::as_str).collect()));
    }
}

/// `fourc rules`: every rule (id, severity, layer, controls, title), then every control of the
/// catalogue with the rules that cover it; a control no rule covers is shown as a gap.
pub fn list(engine: &Engine) -> String {
    let mut out = String::new();
    let rows: Vec<Vec<String>> = engine
        .catalog()
        .rules()
        .map(|m| {
            vec![
                m.id.to_string(),
                m.severity.to_string(),
                m.layer.to_string(),
                m.controls.join(","),
                m.title.to_string(),
            ]
        })
        .collect();
    table(
        &mut out,
        &["RULE", "SEVERITY", "LAYER", "CONTROLS", "TITLE"],
        &rows,
    );
    out.push('\n');
    let cov = coverage(engine);
    let rows: Vec<Vec<String>> = cov
        .iter()
        .map(|(c, serving)| {
            let ids = if serving.is_empty() {
                "GAP: no rule".to_string()
            } else {
                serving
                    .iter()
                    .map(|m| &*m.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![c.key.to_string(), c.layer.to_string(), ids]
        })
        .collect();
    table(&mut out, &["CONTROL", "LAYER", "RULES"], &rows);
    providers_text(&mut out, &cov);
    let covered = cov.iter().filter(|(_, s)| !s.is_empty()).count();
    let n = engine.catalog().entries().len();
    let _ = writeln!(
        out,
        "\n{n} rule{}; {covered} of {} controls covered, {} gap{}",
        if n == 1 { "" } else { "s" },
        cov.len(),
        cov.len() - covered,
        if cov.len() - covered == 1 { "" } else { "s" }
    );
    out
}

/// The parameters a rule reads, directly or through the functions it calls, in declaration
/// order.
pub fn params_of<'p>(prog: &'p Program, rule: &Rule) -> Vec<&'p Param> {
    let mut w = Walker {
        prog,
        params: HashSet::new(),
        functions: HashSet::new(),
    };
    if let Some(f) = rule.filter {
        w.expr(f);
    }
    w.stmts(&rule.body);
    prog.params
        .iter()
        .enumerate()
        .filter(|(i, _)| u32::try_from(*i).is_ok_and(|i| w.params.contains(&i)))
        .map(|(_, p)| p)
        .collect()
}

struct Walker<'p> {
    prog: &'p Program,
    params: HashSet<u32>,
    functions: HashSet<u32>,
}

impl Walker<'_> {
    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Let(_, e) | Stmt::When(e) => self.expr(*e),
                Stmt::Each { domain, body, .. } => {
                    self.expr(*domain);
                    self.stmts(body);
                }
                Stmt::Deny(d) => {
                    self.expr(d.cond);
                    for e in [d.at, d.message]
                        .into_iter()
                        .flatten()
                        .chain(d.related.iter().copied())
                    {
                        self.expr(e);
                    }
                }
            }
        }
    }

    fn expr(&mut self, id: ExprId) {
        let Some(e) = self.prog.expr(id) else {
            return;
        };
        let mut kids: Vec<ExprId> = Vec::new();
        e.for_each_child(|c| kids.push(c));
        match e {
            Expr::Param(i) => {
                self.params.insert(*i);
            }
            Expr::Call(f, _) => {
                if self.functions.insert(*f)
                    && let Some(func) = self.prog.functions.get(*f as usize)
                {
                    kids.push(func.body);
                }
            }
            _ => {}
        }
        for k in kids {
            self.expr(k);
        }
    }
}

fn selector(s: &Selector) -> String {
    match s {
        Selector::Any => "*".to_string(),
        Selector::View(v) => v.to_string(),
        Selector::Kind {
            kind,
            api_version: Some(a),
        } => format!("\"{a}\" {kind}"),
        Selector::Kind { kind, .. } => kind.to_string(),
    }
}

/// `fourc rules show ID`: the metadata, the parameters the rule reads (type, default, current
/// value when it differs), the remediation and the rule's source text with line numbers.
pub fn show(engine: &Engine, id: &str) -> Option<String> {
    let entry = engine.catalog().get(id)?;
    let rules = engine.rules();
    let prog = rules.program();
    let m = &entry.meta;
    let Some(rule) = prog
        .rules
        .iter()
        .find(|r| &*r.meta.id == id && entry.backend == 0)
    else {
        // A rule of another backend: its metadata and where it is defined.
        let mut out = format!("{}: {}\n\n", m.id, m.title);
        let _ = writeln!(out, "  {:<12} {}", "severity", m.severity);
        let _ = writeln!(out, "  {:<12} {}", "layer", m.layer);
        for c in &m.controls {
            let _ = writeln!(out, "  {:<12} {c}", "control");
        }
        if let Some(o) = &m.origin {
            let _ = writeln!(out, "  {:<12} {o}", "defined at");
        }
        if let Some(d) = &m.description {
            let _ = writeln!(out, "  {:<12} {d}", "description");
        }
        if let Some(r) = &m.remediation {
            let _ = writeln!(out, "  {:<12} {r}", "remediation");
        }
        return Some(out);
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}\n", m.id, m.title);
    let field = |out: &mut String, k: &str, v: &str| {
        if !v.is_empty() {
            let _ = writeln!(out, "  {k:<12} {v}");
        }
    };
    field(&mut out, "severity", m.severity.as_str());
    field(&mut out, "layer", m.layer.as_str());
    for c in &m.controls {
        let title = controls::find(c).map(|c| c.title).unwrap_or_default();
        field(&mut out, "control", &format!("{c} ({title})"));
    }
    field(&mut out, "tags", &m.tags.join(", "));
    let on: Vec<String> = rule.selectors.iter().map(selector).collect();
    field(&mut out, "on", &on.join(", "));
    field(&mut out, "defined at", &prog.describe(m.span));
    if let Some(d) = &m.description {
        field(&mut out, "description", d);
    }
    if let Some(r) = &m.remediation {
        field(&mut out, "remediation", r);
    }
    for r in &m.references {
        field(&mut out, "reference", r);
    }
    let params = params_of(prog, rule);
    if !params.is_empty() {
        let _ = writeln!(out, "\nparameters");
        for p in params {
            let _ = write!(out, "  {}: {} = {}", p.name, p.ty, p.default.to_json());
            if let Some(v) = rules.param(&p.name)
                && *v != p.default
            {
                let _ = write!(out, " (set to {})", v.to_json());
            }
            out.push('\n');
            if let Some(d) = &p.doc {
                let _ = writeln!(out, "      {d}");
            }
        }
    }
    if let (Some(src), Some(text)) = (prog.source(m.definition), prog.text(m.definition)) {
        let (first, _) = src.line_col(m.definition.start);
        let _ = writeln!(out, "\nsource ({}:{first})", src.name);
        for (i, l) in text.lines().enumerate() {
            let n = first as usize + i;
            let _ = writeln!(out, "{n:>5} | {l}");
        }
    }
    Some(out)
}

fn md_cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn code_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Markdown catalogue of a rule set (`docs/rules.md` for the standard library): every rule
/// by layer with its metadata, remediation and parameters, the per-control coverage, and the
/// parameters.
pub fn markdown(engine: &Engine) -> String {
    let prog = engine.rules().program();
    let mut out = String::new();
    let cov = coverage(engine);
    let covered = cov.iter().filter(|(_, s)| !s.is_empty()).count();
    let n = engine.catalog().entries().len();
    let _ = writeln!(
        out,
        "# Rule catalogue\n\n<!-- Generated by `fourc rules --markdown --no-config`. Do not edit: \
         `cargo test --test rules_catalog` fails when this file is stale, and \
         `FOURC_UPDATE_DOCS=1 cargo test --test rules_catalog` rewrites it. -->\n\n\
         The standard library: {n} rules covering {covered} of {} controls of the 4C catalogue.\n\
         Rules are listed by layer, then in definition order.\n",
        cov.len()
    );
    for layer in Layer::ALL {
        let in_layer: Vec<&Rule> = prog
            .rules
            .iter()
            .filter(|r| r.meta.layer == layer && engine.catalog().get(&r.meta.id).is_some())
            .collect();
        if in_layer.is_empty() {
            continue;
        }
        let name = layer.as_str();
        let mut title = name.to_string();
        if let Some(first) = title.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let _ = writeln!(out, "## {title}\n");
        for r in in_layer {
            rule_md(&mut out, prog, r);
        }
    }
    let _ = writeln!(
        out,
        "## Coverage\n\n| Control | Layer | Rules |\n|---|---|---|"
    );
    for (c, serving) in &cov {
        let ids = if serving.is_empty() {
            "**gap**".to_string()
        } else {
            code_list(serving.iter().map(|m| &*m.id))
        };
        let _ = writeln!(out, "| `{}` | {} | {ids} |", c.key, c.layer);
    }
    providers_md(&mut out, &cov);
    if !prog.params.is_empty() {
        let _ = writeln!(
            out,
            "\n## Parameters\n\nSet them in `fourc.yaml` under `params`, or with \
             `--param NAME=VALUE`.\n\n| Parameter | Type | Default | Description |\n|---|---|---|---|"
        );
        for p in &prog.params {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | `{}` | {} |",
                p.name,
                md_cell(&p.ty.to_string()),
                md_cell(&p.default.to_json().to_string()),
                md_cell(p.doc.as_deref().unwrap_or(""))
            );
        }
    }
    out
}

/// The providers of the Cloud layer, by the tag their rules carry, with the name people read.
const PROVIDERS: &[(&str, &str)] = &[
    ("aws", "AWS"),
    ("gcp", "Google Cloud"),
    ("azure", "Azure"),
    ("alibaba", "Alibaba Cloud"),
    ("oracle", "Oracle Cloud"),
    ("ibm", "IBM Cloud"),
    ("kops", "kops"),
    ("vsphere", "vSphere"),
    ("cluster-api", "Cluster API"),
    ("tmc", "Tanzu Mission Control"),
    ("self-managed", "self-managed"),
];

/// Why a provider has no rule for a Cloud control: its configuration has no setting for it
/// (`docs/cloud.md` says more). A pair missing here and without a rule is a gap.
const NO_KNOB: &[(&str, &str, &str)] = &[
    ("aws", "cloud.etcd-access", "provider-run etcd"),
    ("gcp", "cloud.etcd-access", "provider-run etcd"),
    ("azure", "cloud.etcd-access", "provider-run etcd"),
    ("alibaba", "cloud.etcd-access", "provider-run etcd"),
    ("oracle", "cloud.etcd-access", "provider-run etcd"),
    ("ibm", "cloud.etcd-access", "provider-run etcd"),
    ("vsphere", "cloud.node-access", "no knob"),
    ("vsphere", "cloud.iam-least-privilege", "no knob"),
    (
        "vsphere",
        "cloud.etcd-access",
        "platform-run etcd (TanzuKubernetesCluster); a KubeadmControlPlane: Cluster API",
    ),
    (
        "vsphere",
        "cloud.etcd-encryption",
        "no knob: encrypted platform-side (TanzuKubernetesCluster); a KubeadmControlPlane: Cluster API",
    ),
    ("cluster-api", "cloud.node-access", "no knob"),
    ("cluster-api", "cloud.iam-least-privilege", "no knob"),
    (
        "tmc",
        "cloud.iam-least-privilege",
        "no knob: role ARNs defined elsewhere",
    ),
    ("tmc", "cloud.etcd-access", "provider-run etcd"),
    ("tmc", "cloud.etcd-encryption", "no knob"),
    (
        "self-managed",
        "cloud.api-exposure",
        "no knob in static pods",
    ),
    ("self-managed", "cloud.iam-least-privilege", "no knob"),
];

/// What serves a Cloud control for one provider.
enum ProviderCell<'r> {
    /// The rules tagged with the provider.
    Rules(Vec<&'r str>),
    /// None: the provider's configuration has no setting for the control (why).
    NoKnob(&'static str),
    /// None, and a gap.
    Gap,
}

fn provider_cell<'r>(tag: &str, c: &Control, serving: &[&'r RuleMeta]) -> ProviderCell<'r> {
    let ids: Vec<&str> = serving
        .iter()
        .filter(|m| m.tags.iter().any(|t| &**t == tag))
        .map(|m| &*m.id)
        .collect();
    if !ids.is_empty() {
        return ProviderCell::Rules(ids);
    }
    NO_KNOB
        .iter()
        .find(|(p, k, _)| *p == tag && *k == c.key)
        .map_or(ProviderCell::Gap, |(_, _, why)| ProviderCell::NoKnob(why))
}

/// The Cloud layer's controls with the rules that serve them.
fn cloud_controls<'c, 'r>(
    cov: &'c [(&'static Control, Vec<&'r RuleMeta>)],
) -> Vec<&'c (&'static Control, Vec<&'r RuleMeta>)> {
    cov.iter()
        .filter(|(c, _)| c.layer == Layer::Cloud)
        .collect()
}

/// `fourc rules`' table of the Cloud layer's controls by provider: per provider, how many rules
/// serve each control, `no knob` where its configuration has no setting for it, `GAP` else.
fn providers_text(out: &mut String, cov: &[(&'static Control, Vec<&RuleMeta>)]) {
    let cloud = cloud_controls(cov);
    if cloud.is_empty() {
        return;
    }
    let mut header = vec!["PROVIDER"];
    header.extend(cloud.iter().map(|(c, _)| c.key));
    let rows: Vec<Vec<String>> = PROVIDERS
        .iter()
        .map(|(tag, name)| {
            let mut row = vec![(*name).to_string()];
            row.extend(
                cloud
                    .iter()
                    .map(|(c, serving)| match provider_cell(tag, c, serving) {
                        ProviderCell::Rules(ids) if ids.len() == 1 => "1 rule".to_string(),
                        ProviderCell::Rules(ids) => format!("{} rules", ids.len()),
                        ProviderCell::NoKnob(_) => "no knob".to_string(),
                        ProviderCell::Gap => "GAP".to_string(),
                    }),
            );
            row
        })
        .collect();
    out.push('\n');
    table(out, &header, &rows);
}

/// The Cloud layer's controls by provider: the rules tagged with the provider, else why there
/// is none.
fn providers_md(out: &mut String, cov: &[(&'static Control, Vec<&RuleMeta>)]) {
    let cloud = cloud_controls(cov);
    if cloud.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n## Cloud controls by provider\n\nThe rules of each Cloud control that read each \
         provider's configuration (by the rules' tags). \"No knob\" means the provider's \
         configuration has no setting for the control; a dash is a gap. See `docs/cloud.md` for \
         what each provider's inputs express.\n"
    );
    let head: Vec<&str> = PROVIDERS.iter().map(|(_, name)| *name).collect();
    let _ = writeln!(out, "| Control | {} |", head.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(PROVIDERS.len()));
    for (c, serving) in cloud {
        let cells: Vec<String> = PROVIDERS
            .iter()
            .map(|(tag, _)| match provider_cell(tag, c, serving) {
                ProviderCell::Rules(ids) => code_list(ids.into_iter()),
                ProviderCell::NoKnob(why) => md_cell(why),
                ProviderCell::Gap => "—".to_string(),
            })
            .collect();
        let _ = writeln!(out, "| `{}` | {} |", c.key, cells.join(" | "));
    }
}

fn rule_md(out: &mut String, prog: &Program, r: &Rule) {
    let m = &r.meta;
    let _ = writeln!(out, "### `{}`: {}\n", m.id, md_cell(&m.title));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Severity | {} |", m.severity);
    let _ = writeln!(
        out,
        "| Controls | {} |",
        code_list(m.controls.iter().map(|c| &**c))
    );
    if !m.tags.is_empty() {
        let _ = writeln!(out, "| Tags | {} |", code_list(m.tags.iter().map(|t| &**t)));
    }
    let on: Vec<String> = r.selectors.iter().map(selector).collect();
    let _ = writeln!(out, "| Applies to | {} |", md_cell(&on.join(", ")));
    let params = params_of(prog, r);
    if !params.is_empty() {
        let _ = writeln!(
            out,
            "| Parameters | {} |",
            code_list(params.iter().map(|p| &*p.name))
        );
    }
    out.push('\n');
    if let Some(d) = &m.description {
        let _ = writeln!(out, "{}\n", d.trim());
    }
    if let Some(rem) = &m.remediation {
        let _ = writeln!(out, "**Remediation:** {}\n", rem.trim());
    }
    if !m.references.is_empty() {
        let refs: Vec<String> = m.references.iter().map(|u| format!("<{u}>")).collect();
        let _ = writeln!(out, "References: {}\n", refs.join(", "));
    }
}

/// The version of the catalogue's JSON schema ([`json`]); fields are only ever added.
pub const CATALOG_SCHEMA_VERSION: u32 = 1;

/// `fourc rules --format json`: every rule of the catalogue with its metadata, the parameters it
/// reads and where it is defined, then the per-control coverage (schema in `docs/cli.md`).
pub fn json(engine: &Engine) -> serde_json::Value {
    use serde_json::{Value as Json, json};
    let rules = engine.rules();
    let prog = rules.program();
    let entries: Vec<Json> = engine
        .catalog()
        .entries()
        .iter()
        .map(|e| {
            let m = &e.meta;
            let rule = (e.backend == 0)
                .then(|| prog.rules.get(e.index))
                .flatten()
                .filter(|r| r.meta.id == m.id);
            let params: Vec<Json> = rule
                .map(|r| params_of(prog, r))
                .unwrap_or_default()
                .into_iter()
                .map(|p| {
                    let value = rules.param(&p.name).unwrap_or(&p.default);
                    json!({
                        "name": &*p.name,
                        "type": p.ty.to_string(),
                        "default": p.default.to_json(),
                        "value": value.to_json(),
                        "description": p.doc.as_deref(),
                    })
                })
                .collect();
            let origin = match (rule, &m.origin) {
                (Some(_), _) => Some(prog.describe(m.span)),
                (None, Some(o)) => Some(o.to_string()),
                (None, None) => None,
            };
            json!({
                "id": &*m.id,
                "title": &*m.title,
                "description": m.description.as_deref(),
                "severity": m.severity.as_str(),
                "layer": m.layer.as_str(),
                "controls": str_list(&m.controls),
                "tags": str_list(&m.tags),
                "backend": engine.backends.get(e.backend).map(|b| b.name()),
                "origin": origin,
                "on": rule.map_or_else(Vec::new, |r| r.selectors.iter().map(selector).collect()),
                "parameters": params,
                "remediation": m.remediation.as_deref(),
                "references": str_list(&m.references),
            })
        })
        .collect();
    let cov = coverage(engine);
    let controls: Vec<Json> = cov
        .iter()
        .map(|(c, serving)| {
            json!({
                "key": c.key,
                "layer": c.layer.as_str(),
                "title": c.title,
                "rules": serving.iter().map(|m| &*m.id).collect::<Vec<_>>(),
            })
        })
        .collect();
    let covered = cov.iter().filter(|(_, s)| !s.is_empty()).count();
    let n = entries.len();
    json!({
        "version": CATALOG_SCHEMA_VERSION,
        "rules": entries,
        "controls": controls,
        "summary": {
            "rules": n,
            "controls": cov.len(),
            "covered": covered,
            "gaps": cov.len() - covered,
        },
    })
}

fn str_list(v: &[policy_core::Str]) -> Vec<&str> {
    v.iter().map(|s| &**s).collect()
}
