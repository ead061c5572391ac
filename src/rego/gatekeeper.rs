//! Gatekeeper ConstraintTemplates and Constraints as a rule backend.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;

use policy_core::backend::RuleBackend;
use policy_core::ir::SrcSpan;
use policy_core::value::{Node, Str};
use policy_core::{Document, EvalError, Layer, LoadOptions, Report, RuleMeta, Severity, Source};
use serde_json::Value as Json;

/// A policy file that cannot be used: the file, the line and why.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct RegoError {
    /// The policy file.
    pub file: String,
    /// The line in it (1-based; 0 when unknown).
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

struct Template {
    /// The CRD kind Constraints of it have.
    kind: String,
    package: String,
    /// The Rego, for the hints of known regorus differences.
    rego: String,
    title: String,
    description: Option<String>,
    /// The template's `fourc.dev/rules` and `fourc.dev/controls` annotations.
    pairing: (Vec<String>, Vec<String>),
    /// `spec.crd.spec.validation.openAPIV3Schema`: what Constraints' parameters must be.
    schema: Option<Json>,
    /// Policies added, time limit set.
    engine: regorus::Engine,
}

struct Constraint {
    template: usize,
    parameters: regorus::Value,
    matcher: Match,
}

/// Gatekeeper Constraints (each one rule) over their ConstraintTemplates, evaluated by regorus.
pub struct RegoBackend {
    templates: Vec<Template>,
    constraints: Vec<Constraint>,
    metas: Vec<Arc<RuleMeta>>,
}

impl std::fmt::Debug for RegoBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegoBackend")
            .field("templates", &self.templates.len())
            .field("constraints", &self.metas)
            .finish()
    }
}

/// A YAML document of a policy file, with its line.
struct Doc {
    json: Json,
    line: u32,
    /// The JSON of named fields' lines: `spec.targets` for a template's Rego.
    root: Node,
    source: Arc<Source>,
}

impl Doc {
    fn line_of(&self, path: &[&str]) -> u32 {
        self.root
            .get_path(path)
            .map_or(self.line, |n| self.source.line_col(n.span.start()).0)
    }
}

fn read_docs(file: &str, text: &str) -> Result<Vec<Doc>, RegoError> {
    let source = Source::new(file, text);
    let loaded = policy_core::yaml::load_str(&source, &LoadOptions::default());
    if let Some(e) = loaded.errors.first() {
        return Err(RegoError {
            file: file.to_string(),
            line: e.line(),
            message: e.message().to_string(),
        });
    }
    Ok(loaded
        .documents
        .into_iter()
        .map(|d| Doc {
            json: d.root().value.to_json(),
            line: source.line_col(d.root().span.start()).0,
            root: d.root().clone(),
            source: source.clone(),
        })
        .collect())
}

fn str_at<'a>(v: &'a Json, path: &[&str]) -> Option<&'a str> {
    let mut v = v;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str()
}

fn strings(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A map of strings (labels); values that are not strings read as empty.
fn string_map(v: Option<&Json>) -> BTreeMap<String, String> {
    v.and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The package a Rego module declares.
fn package_of(rego: &str) -> Option<String> {
    rego.lines().find_map(|l| {
        l.trim()
            .strip_prefix("package ")
            .map(|p| p.trim().to_string())
    })
}

impl RegoBackend {
    /// Reads every ConstraintTemplate and Constraint of `files` (name, text); documents of
    /// other kinds are ignored. Templates are compiled here.
    pub fn load(files: &[(String, String)]) -> Result<Self, RegoError> {
        let mut templates = Vec::new();
        let mut constraint_docs = Vec::new();
        for (file, text) in files {
            for d in read_docs(file, text)? {
                let kind = str_at(&d.json, &["kind"]).unwrap_or_default();
                let api = str_at(&d.json, &["apiVersion"]).unwrap_or_default();
                if kind == "ConstraintTemplate" && api.starts_with("templates.gatekeeper.sh/") {
                    templates.push(template(file, &d)?);
                } else if api.starts_with("constraints.gatekeeper.sh/") {
                    constraint_docs.push((file.clone(), d));
                }
            }
        }
        let mut constraints = Vec::new();
        let mut metas = Vec::new();
        for (file, d) in constraint_docs {
            let (c, meta) = constraint(&file, &d, &templates)?;
            if let Some(first) = metas.iter().find(|m: &&Arc<RuleMeta>| m.id == meta.id) {
                return Err(RegoError {
                    file,
                    line: d.line,
                    message: format!(
                        "a second Constraint `{}` (kind and name make the rule id; the first is at {})",
                        meta.id,
                        first.origin.as_deref().unwrap_or("?")
                    ),
                });
            }
            constraints.push(c);
            metas.push(Arc::new(meta));
        }
        Ok(RegoBackend {
            templates,
            constraints,
            metas,
        })
    }

    /// Whether it holds no Constraint (templates alone define no rule).
    pub fn is_empty(&self) -> bool {
        self.constraints.is_empty()
    }

    /// The CRD kinds of its templates.
    pub fn template_kinds(&self) -> Vec<&str> {
        self.templates.iter().map(|t| t.kind.as_str()).collect()
    }

    /// Reviews `docs` with the enabled Constraints, `inventory` forming `data.inventory`
    /// (a scan passes its documents as both; a gator suite case its own inventory).
    pub fn review(&self, docs: &[Document], inventory: &[Document], enabled: &[bool]) -> Report {
        let mut report = Report {
            documents: docs.len(),
            ..Report::default()
        };
        // Each document converted to a Rego value once, for the inventory and its review.
        let objects = super::to_rego(docs);
        let data = if std::ptr::eq(docs, inventory) {
            inventory_data(inventory, &objects)
        } else {
            inventory_data(inventory, &super::to_rego(inventory))
        };
        let mut prepared: Vec<regorus::Engine> = Vec::with_capacity(self.templates.len());
        for t in &self.templates {
            let mut e = t.engine.clone();
            if let Err(err) = e.add_data(data.clone()) {
                // Only when the inventory is not an object: it always is.
                for (i, c) in self.constraints.iter().enumerate() {
                    if c.template == prepared.len()
                        && let (Some(m), Some(d)) = (self.metas.get(i), docs.first())
                    {
                        report.errors.push(EvalError::new(
                            m.clone(),
                            d,
                            format!("cannot add the inventory: {err}"),
                            m.origin.as_deref().unwrap_or_default().to_string(),
                        ));
                    }
                }
            }
            prepared.push(e);
        }
        let namespaces = namespace_labels(docs, inventory);
        let items: Vec<(&Document, &regorus::Value)> = docs.iter().zip(&objects).collect();
        let reviewed = super::in_chunks(&items, &prepared, |engines, (d, object), out| {
            self.review_one(engines, d, object, &namespaces, enabled, out);
        });
        report.findings.extend(reviewed.findings);
        report.errors.extend(reviewed.errors);
        report
    }

    fn review_one(
        &self,
        engines: &mut [regorus::Engine],
        doc: &Document,
        object: &regorus::Value,
        namespaces: &BTreeMap<String, BTreeMap<String, String>>,
        enabled: &[bool],
        out: &mut Report,
    ) {
        let Some(info) = ObjectInfo::of_doc(doc) else {
            return;
        };
        // Built once per document, whatever the number of Constraints.
        let review = review_value(doc, object, &info);
        for (i, c) in self.constraints.iter().enumerate() {
            if !enabled.get(i).copied().unwrap_or(false)
                || !c.matcher.matches(&info, Some(namespaces))
            {
                continue;
            }
            let (Some(t), Some(engine), Some(meta)) = (
                self.templates.get(c.template),
                engines.get_mut(c.template),
                self.metas.get(i),
            ) else {
                continue;
            };
            let mut input = BTreeMap::new();
            input.insert(regorus::Value::from("review"), review.clone());
            input.insert(regorus::Value::from("parameters"), c.parameters.clone());
            engine.set_input(regorus::Value::from(input));
            super::record(
                engine,
                &t.rego,
                format!("data.{}.violation", t.package),
                meta,
                doc,
                out,
            );
        }
    }

    /// The Constraints that select `doc`.
    fn applicable_to(&self, doc: &Document) -> Vec<usize> {
        let Some(info) = ObjectInfo::of_doc(doc) else {
            return Vec::new();
        };
        self.constraints
            .iter()
            .enumerate()
            .filter(|(_, c)| c.matcher.matches(&info, None))
            .map(|(i, _)| i)
            .collect()
    }
}

impl RuleBackend for RegoBackend {
    fn name(&self) -> &str {
        "rego"
    }

    fn rules(&self) -> &[Arc<RuleMeta>] {
        &self.metas
    }

    fn evaluate(&self, docs: &[Document], enabled: &[bool]) -> Report {
        self.review(docs, docs, enabled)
    }

    fn applicable(&self, doc: &Document) -> Vec<usize> {
        self.applicable_to(doc)
    }
}

fn compile_error(file: &str, line: u32, kind: &str, e: impl std::fmt::Display) -> RegoError {
    let e = e.to_string();
    RegoError {
        file: file.to_string(),
        line,
        message: format!(
            "the Rego of template {kind} does not compile: {e}{}",
            super::gap_hint(&e, "")
        ),
    }
}

fn template(file: &str, d: &Doc) -> Result<Template, RegoError> {
    let err = |line: u32, message: String| RegoError {
        file: file.to_string(),
        line,
        message,
    };
    let kind = str_at(&d.json, &["spec", "crd", "spec", "names", "kind"])
        .ok_or_else(|| {
            err(
                d.line,
                "a ConstraintTemplate without `spec.crd.spec.names.kind`".to_string(),
            )
        })?
        .to_string();
    let line = d.line_of(&["spec", "targets"]);
    let targets = d
        .json
        .pointer("/spec/targets")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let mut rego = None;
    let mut libs = Vec::new();
    let mut v1 = false;
    for t in &targets {
        if let Some(r) = t.get("rego").and_then(Json::as_str) {
            rego = Some(r.to_string());
            libs.extend(strings(t.get("libs")));
        }
        for c in t.get("code").and_then(Json::as_array).into_iter().flatten() {
            if c.get("engine").and_then(Json::as_str) == Some("Rego")
                && let Some(src) = c.get("source")
            {
                v1 = src.get("version").and_then(Json::as_str) == Some("v1");
                if let Some(r) = src.get("rego").and_then(Json::as_str) {
                    rego = Some(r.to_string());
                    libs = strings(src.get("libs"));
                }
            }
        }
    }
    let rego = rego.ok_or_else(|| {
        err(
            line,
            format!("template {kind} has no Rego (`spec.targets[].rego`)"),
        )
    })?;
    let package = package_of(&rego).ok_or_else(|| {
        err(
            line,
            format!("the Rego of template {kind} has no `package`"),
        )
    })?;
    // Chained bodies (Rego v0) and the arguments of negated calls rewritten as OPA reads them
    // (exact; see `compat`).
    let fix = |r: String| {
        let r = if v1 {
            r
        } else {
            super::compat::split_chained_bodies(&r).unwrap_or(r)
        };
        super::compat::hoist_negated_call_args(&r).unwrap_or(r)
    };
    let rego = fix(rego);
    let libs: Vec<String> = libs.into_iter().map(fix).collect();
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(!v1);
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: super::TIME_LIMIT,
        check_interval: NonZeroU32::MIN.saturating_add(999),
    });
    engine
        .add_policy(format!("{file}:{kind}.rego"), rego.clone())
        .map_err(|e| compile_error(file, line, &kind, e))?;
    for (i, lib) in libs.into_iter().enumerate() {
        engine
            .add_policy(format!("{file}:{kind}.lib{i}.rego"), lib)
            .map_err(|e| compile_error(file, line, &kind, e))?;
    }
    let entry: regorus::Rc<str> = format!("data.{package}.violation").into();
    engine
        .clone()
        .compile_with_entrypoint(&entry)
        .map_err(|e| compile_error(file, line, &kind, e))?;
    super::cache_regex_match(&mut engine).map_err(|e| compile_error(file, line, &kind, e))?;
    let annotations = d.json.pointer("/metadata/annotations");
    let title = annotations
        .and_then(|a| a.get("metadata.gatekeeper.sh/title"))
        .and_then(Json::as_str)
        .map_or_else(|| kind.clone(), str::to_string);
    let description = annotations
        .and_then(|a| a.get("description"))
        .and_then(Json::as_str)
        .map(|s| s.trim().to_string());
    let schema = d
        .json
        .pointer("/spec/crd/spec/validation/openAPIV3Schema")
        .cloned();
    let pairing = pairing_of(annotations);
    Ok(Template {
        pairing,
        kind,
        package,
        rego,
        schema,
        title,
        description,
        engine,
    })
}

/// The severity of an `enforcementAction` (the table of the module docs).
pub(crate) fn severity_of(action: Option<&str>) -> Severity {
    match action.map(str::to_ascii_lowercase).as_deref() {
        Some("warn") => Severity::Medium,
        Some("dryrun") => Severity::Low,
        _ => Severity::High,
    }
}

fn constraint(
    file: &str,
    d: &Doc,
    templates: &[Template],
) -> Result<(Constraint, RuleMeta), RegoError> {
    let kind = str_at(&d.json, &["kind"]).unwrap_or_default();
    let name = str_at(&d.json, &["metadata", "name"]).unwrap_or_default();
    let Some(ti) = templates.iter().position(|t| t.kind == kind) else {
        let known: Vec<&str> = templates.iter().map(|t| t.kind.as_str()).collect();
        return Err(RegoError {
            file: file.to_string(),
            line: d.line,
            message: format!(
                "Constraint `{name}` is of kind {kind}, which no ConstraintTemplate defines (the templates define: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        });
    };
    let t = templates.get(ti).ok_or_else(|| RegoError {
        file: file.to_string(),
        line: d.line,
        message: "internal: template index".to_string(),
    })?;
    let spec = d.json.get("spec");
    let parameters = spec
        .and_then(|s| s.get("parameters"))
        .cloned()
        .unwrap_or_else(|| Json::Object(serde_json::Map::new()));
    if let Some(schema) = &t.schema {
        let mut at = vec!["spec".to_string(), "parameters".to_string()];
        if let Some(why) = check_schema(schema, &parameters, &mut at) {
            let steps = super::locate::parse_path(&at.join("."));
            let line = (0..=steps.len())
                .rev()
                .find_map(|n| super::locate::resolve(&d.root, steps.get(..n).unwrap_or_default()))
                .map_or(d.line, |node| d.source.line_col(node.span.start()).0);
            return Err(RegoError {
                file: file.to_string(),
                line,
                message: format!(
                    "the parameters of Constraint `{name}` do not fit template {kind}'s schema: `{}` {why}",
                    at.join(".")
                ),
            });
        }
    }
    let matcher = Match::of(spec.and_then(|s| s.get("match")));
    let action = spec
        .and_then(|s| s.get("enforcementAction"))
        .and_then(Json::as_str);
    let own = pairing_of(d.json.pointer("/metadata/annotations"));
    let (pair_rules, pair_controls) = if own.0.is_empty() && own.1.is_empty() {
        &t.pairing
    } else {
        &own
    };
    let (controls, pair_tags) = super::compare::pairing(pair_rules, pair_controls);
    let meta = RuleMeta {
        id: Str::from(format!("{}.{name}", kind.to_ascii_lowercase()).as_str()),
        title: Str::from(t.title.as_str()),
        description: t.description.as_deref().map(Str::from),
        controls,
        severity: severity_of(action),
        layer: Layer::Cluster,
        tags: std::iter::once(Str::from("gatekeeper"))
            .chain(pair_tags)
            .collect(),
        remediation: None,
        references: Vec::new(),
        span: SrcSpan::default(),
        definition: SrcSpan::default(),
        origin: Some(Str::from(format!("{file}:{}", d.line).as_str())),
    };
    Ok((
        Constraint {
            template: ti,
            parameters: regorus::Value::from(parameters),
            matcher,
        },
        meta,
    ))
}

/// The `fourc.dev/rules` and `fourc.dev/controls` annotations (for `--compare-rego`): each a
/// comma-separated string or a YAML list written as a string.
fn pairing_of(annotations: Option<&Json>) -> (Vec<String>, Vec<String>) {
    let get = |key: &str| {
        annotations
            .and_then(|a| a.get(key))
            .and_then(Json::as_str)
            .map(super::compare::list)
            .unwrap_or_default()
    };
    (
        get(super::compare::RULES_KEY),
        get(super::compare::CONTROLS_KEY),
    )
}

/// Where and why `value` does not fit the OpenAPI v3 `schema`: the types, `properties`,
/// `additionalProperties`, `items` and `enum` are checked; fields the schema does not describe
/// are allowed (Gatekeeper prunes or preserves them). `at` is the path so far (list positions as
/// `[i]` in the last key), left pointing at the value that does not fit.
fn check_schema(schema: &Json, value: &Json, at: &mut Vec<String>) -> Option<String> {
    let found = |v: &Json| match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    };
    if let Some(t) = schema.get("type").and_then(Json::as_str) {
        let ok = match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            _ => true,
        };
        let nullable = schema.get("nullable").and_then(Json::as_bool) == Some(true);
        if !(ok || (nullable && value.is_null())) {
            return Some(format!("must be {t}, found {}", found(value)));
        }
    }
    if let Some(options) = schema.get("enum").and_then(Json::as_array)
        && !options.contains(value)
    {
        let names: Vec<String> = options.iter().map(Json::to_string).collect();
        return Some(format!(
            "must be one of {}, found {value}",
            names.join(", ")
        ));
    }
    match value {
        Json::Object(m) => {
            let props = schema.get("properties").and_then(Json::as_object);
            let extra = schema.get("additionalProperties").filter(|a| a.is_object());
            for (k, v) in m {
                let Some(sub) = props.and_then(|p| p.get(k)).or(extra) else {
                    continue;
                };
                at.push(k.clone());
                if let Some(why) = check_schema(sub, v, at) {
                    return Some(why);
                }
                at.pop();
            }
        }
        Json::Array(items) => {
            if let Some(sub) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    let last = at.pop().unwrap_or_default();
                    at.push(format!("{last}[{i}]"));
                    if let Some(why) = check_schema(sub, v, at) {
                        return Some(why);
                    }
                    at.pop();
                    at.push(last);
                }
            }
        }
        _ => {}
    }
    None
}

/// What matching needs of an object.
pub(crate) struct ObjectInfo {
    group: String,
    version: String,
    kind: String,
    name: String,
    namespace: String,
    labels: BTreeMap<String, String>,
}

impl ObjectInfo {
    /// The facts of a Kubernetes document (documents of other formats are not reviewed).
    fn of_doc(doc: &Document) -> Option<Self> {
        if doc.format() == policy_core::document::KUBERNETES {
            Self::of(doc.root())
        } else {
            None
        }
    }

    fn of(root: &Node) -> Option<Self> {
        let text = |path: &[&str]| {
            root.get_path(path)
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let kind = root.get("kind").and_then(Node::as_str)?.to_string();
        let api = text(&["apiVersion"]);
        let (group, version) = api.rsplit_once('/').unwrap_or(("", &api));
        let labels = match root.get_path(&["metadata", "labels"]).map(|n| &n.value) {
            Some(policy_core::Value::Map(m)) => m
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
            _ => BTreeMap::new(),
        };
        Some(ObjectInfo {
            group: group.to_string(),
            version: version.to_string(),
            kind,
            name: text(&["metadata", "name"]),
            namespace: text(&["metadata", "namespace"]),
            labels,
        })
    }

    fn is_namespace(&self) -> bool {
        self.kind == "Namespace" && self.group.is_empty()
    }
}

/// `input.review` for a document: an AdmissionReview's `request` (with `kind`, `name` and
/// `namespace` filled from the object when it lacks them), else a CREATE of the object.
fn review_value(doc: &Document, object: &regorus::Value, info: &ObjectInfo) -> regorus::Value {
    let key = |s: &str| regorus::Value::from(s);
    let mut review = match doc
        .context()
        .map(|c| regorus::Value::from(c.value.to_json()))
    {
        Some(r @ regorus::Value::Object(_)) => r,
        _ => {
            let mut m = BTreeMap::new();
            m.insert(key("object"), object.clone());
            m.insert(key("operation"), key("CREATE"));
            regorus::Value::from(m)
        }
    };
    if let Ok(m) = review.as_object_mut() {
        let mut kind = BTreeMap::new();
        kind.insert(key("group"), key(info.group.as_str()));
        kind.insert(key("version"), key(info.version.as_str()));
        kind.insert(key("kind"), key(info.kind.as_str()));
        let mut fill = |k: &'static str, v: regorus::Value| {
            if !m.contains_key(&key(k)) {
                m.insert(key(k), v);
            }
        };
        fill("kind", regorus::Value::from(kind));
        fill("name", key(info.name.as_str()));
        if !info.namespace.is_empty() {
            fill("namespace", key(info.namespace.as_str()));
        }
    }
    review
}

/// Objects by apiVersion, kind and name.
type Tree = BTreeMap<String, BTreeMap<String, BTreeMap<String, regorus::Value>>>;

/// `{"inventory": ...}` of the documents, whose Rego values are `objects`.
fn inventory_data(docs: &[Document], objects: &[regorus::Value]) -> regorus::Value {
    let mut cluster = Tree::new();
    let mut namespaced: BTreeMap<String, Tree> = BTreeMap::new();
    for (d, object) in docs.iter().zip(objects) {
        let Some(info) = ObjectInfo::of_doc(d) else {
            continue;
        };
        let api = d
            .root()
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string();
        if info.name.is_empty() {
            continue;
        }
        let tree = if info.namespace.is_empty() {
            &mut cluster
        } else {
            namespaced.entry(info.namespace.clone()).or_default()
        };
        tree.entry(api)
            .or_default()
            .entry(info.kind)
            .or_default()
            .insert(info.name, object.clone());
    }
    fn value(t: Tree) -> regorus::Value {
        let map = |m: BTreeMap<String, regorus::Value>| -> regorus::Value {
            let m: BTreeMap<regorus::Value, regorus::Value> = m
                .into_iter()
                .map(|(k, v)| (regorus::Value::from(k), v))
                .collect();
            regorus::Value::from(m)
        };
        map(t
            .into_iter()
            .map(|(api, kinds)| {
                (
                    api,
                    map(kinds
                        .into_iter()
                        .map(|(k, names)| (k, map(names)))
                        .collect()),
                )
            })
            .collect())
    }
    let namespaces: BTreeMap<regorus::Value, regorus::Value> = namespaced
        .into_iter()
        .map(|(ns, t)| (regorus::Value::from(ns), value(t)))
        .collect();
    let mut inventory = BTreeMap::new();
    inventory.insert(regorus::Value::from("cluster"), value(cluster));
    inventory.insert(
        regorus::Value::from("namespace"),
        regorus::Value::from(namespaces),
    );
    let mut data = BTreeMap::new();
    data.insert(
        regorus::Value::from("inventory"),
        regorus::Value::from(inventory),
    );
    regorus::Value::from(data)
}

/// The labels of every Namespace object among the documents.
fn namespace_labels(a: &[Document], b: &[Document]) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for d in a.iter().chain(b) {
        if d.kind() != Some("Namespace") {
            continue;
        }
        if let Some(info) = ObjectInfo::of_doc(d)
            && info.is_namespace()
        {
            out.insert(info.name, info.labels);
        }
    }
    out
}

/// A `prefix-*`, `*-suffix` or exact name.
fn wildcard(pattern: &str, s: &str) -> bool {
    if let Some(p) = pattern.strip_suffix('*') {
        s.starts_with(p)
    } else if let Some(p) = pattern.strip_prefix('*') {
        s.ends_with(p)
    } else {
        pattern == s
    }
}

/// A Kubernetes label selector.
#[derive(Default)]
struct Selector {
    labels: Vec<(String, String)>,
    /// Key, operator, values.
    exprs: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    fn of(v: &Json) -> Self {
        let labels = string_map(v.get("matchLabels")).into_iter().collect();
        let exprs = v
            .get("matchExpressions")
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            str_at(e, &["key"]).unwrap_or_default().to_string(),
                            str_at(e, &["operator"]).unwrap_or_default().to_string(),
                            strings(e.get("values")),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Selector { labels, exprs }
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.labels
            .iter()
            .all(|(k, v)| labels.get(k).is_some_and(|l| l == v))
            && self.exprs.iter().all(|(k, op, values)| {
                let l = labels.get(k);
                match op.as_str() {
                    "In" => l.is_some_and(|l| values.contains(l)),
                    "NotIn" => l.is_none_or(|l| !values.contains(l)),
                    "Exists" => l.is_some(),
                    "DoesNotExist" => l.is_none(),
                    // An operator Kubernetes does not know selects nothing.
                    _ => false,
                }
            })
    }
}

/// A Constraint's `spec.match`, as Gatekeeper's matcher reads it.
#[derive(Default)]
struct Match {
    /// (apiGroups, kinds) entries; none matches every kind.
    kinds: Vec<(Vec<String>, Vec<String>)>,
    scope: Option<String>,
    namespaces: Vec<String>,
    excluded: Vec<String>,
    label_selector: Option<Selector>,
    namespace_selector: Option<Selector>,
    name: Option<String>,
}

impl Match {
    fn of(v: Option<&Json>) -> Self {
        let Some(v) = v else {
            return Match::default();
        };
        Match {
            kinds: v
                .get("kinds")
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .map(|k| (strings(k.get("apiGroups")), strings(k.get("kinds"))))
                        .collect()
                })
                .unwrap_or_default(),
            scope: str_at(v, &["scope"]).map(str::to_string),
            namespaces: strings(v.get("namespaces")),
            excluded: strings(v.get("excludedNamespaces")),
            label_selector: v.get("labelSelector").map(Selector::of),
            namespace_selector: v.get("namespaceSelector").map(Selector::of),
            name: str_at(v, &["name"])
                .filter(|n| !n.is_empty())
                .map(str::to_string),
        }
    }

    /// Whether the object is selected; `ns` holds the labels of the scan's Namespaces, `None`
    /// when they are not known (the namespace selector is then not applied).
    fn matches(
        &self,
        o: &ObjectInfo,
        ns: Option<&BTreeMap<String, BTreeMap<String, String>>>,
    ) -> bool {
        let any =
            |set: &[String], x: &str| set.is_empty() || set.iter().any(|s| s == "*" || s == x);
        let kinds = self.kinds.is_empty()
            || self
                .kinds
                .iter()
                .any(|(groups, kinds)| any(kinds, &o.kind) && any(groups, &o.group));
        // The namespace the object is in, for the namespace matchers: a Namespace's own name.
        let namespace = if o.is_namespace() {
            Some(o.name.as_str())
        } else if o.namespace.is_empty() {
            None
        } else {
            Some(o.namespace.as_str())
        };
        let has_namespace = !o.namespace.is_empty();
        let scope = match self.scope.as_deref() {
            Some("Cluster") => o.is_namespace() || !has_namespace,
            Some("Namespaced") => !o.is_namespace() && has_namespace,
            _ => true,
        };
        let namespaces = self.namespaces.is_empty()
            || namespace.is_none_or(|n| self.namespaces.iter().any(|p| wildcard(p, n)));
        let excluded = namespace.is_none_or(|n| !self.excluded.iter().any(|p| wildcard(p, n)));
        let labels = self
            .label_selector
            .as_ref()
            .is_none_or(|s| s.matches(&o.labels));
        let ns_selector = self.namespace_selector.as_ref().is_none_or(|s| {
            let Some(ns) = ns else { return true };
            if o.is_namespace() {
                s.matches(&o.labels)
            } else if let Some(n) = namespace {
                // A namespace the scan does not hold has no labels.
                s.matches(ns.get(n).unwrap_or(&BTreeMap::new()))
            } else {
                true
            }
        });
        let name = self.name.as_deref().is_none_or(|p| wildcard(p, &o.name));
        kinds && scope && namespaces && excluded && labels && ns_selector && name
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;

    #[test]
    fn enforcement_actions_map_to_severities() {
        assert_eq!(severity_of(None), Severity::High);
        assert_eq!(severity_of(Some("deny")), Severity::High);
        assert_eq!(severity_of(Some("warn")), Severity::Medium);
        assert_eq!(severity_of(Some("dryrun")), Severity::Low);
    }

    #[test]
    fn wildcards_match_prefixes_and_suffixes() {
        assert!(wildcard("kube-*", "kube-system"));
        assert!(wildcard("*-system", "gatekeeper-system"));
        assert!(!wildcard("kube-*", "default"));
        assert!(wildcard("default", "default"));
    }
}
