//! Extending fourc from outside its core: an input format and a view registered by an
//! embedder, rules written `on` the format's type and on the view, findings at the right lines
//! with field paths, and a defaulted value whose finding points at the block that omitted it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::Path;
use std::sync::{Arc, LazyLock};

use fourc::Engine;
use fourc::input::{Confidence, InputFormat};
use fourc::value::{MapBuilder, Node, Span, Str, Value};
use fourc::view::{TypeKey, View, ViewBuilder};
use fourc::{Document, LoadError, LoadOptions, Loaded, ResourceId, Source};

/// A `[name]` section: its name, where it starts and ends, and its entries.
type Section = (String, usize, usize, Vec<(Str, Node)>);

/// A toy format: `*.svc` files of `[name]` sections with `key = value` lines. Each section is a
/// document of type `toy_service`.
struct Services;

const FORMAT: &str = "services";

impl InputFormat for Services {
    fn name(&self) -> &str {
        FORMAT
    }

    fn sniff(&self, path: Option<&Path>, _head: &[u8]) -> Confidence {
        match path.and_then(|p| p.extension()) {
            Some(e) if e == "svc" => Confidence::Name,
            _ => Confidence::No,
        }
    }

    fn load(&self, source: &Arc<Source>, _opts: &LoadOptions) -> Loaded {
        let mut out = Loaded::default();
        let text = source.text();
        let mut sections: Vec<Section> = Vec::new();
        let mut offset = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += line.len();
            let body = line.trim_end();
            if body.is_empty() {
                continue;
            }
            if let Some(name) = body.strip_prefix('[').and_then(|b| b.strip_suffix(']')) {
                sections.push((name.to_string(), start, start + body.len(), Vec::new()));
                continue;
            }
            let (Some((k, v)), Some(sec)) = (body.split_once('='), sections.last_mut()) else {
                out.errors.push(LoadError::new(
                    source.name(),
                    u32::try_from(i + 1).unwrap(),
                    1,
                    "expected `[name]` or `key = value`",
                ));
                continue;
            };
            let v = v.trim();
            let value = v
                .parse::<i64>()
                .map_or_else(|_| Value::string(v), Value::Int);
            let span = Span::of_range(start..start + body.len());
            sec.2 = start + body.len();
            sec.3.push((Str::from(k.trim()), Node::new(value, span)));
        }
        for (i, (name, start, end, entries)) in sections.into_iter().enumerate() {
            let mut m = MapBuilder::new();
            m.insert(
                Str::from("name"),
                Node::new(Value::string(&name), Span::of_range(start..end)),
            );
            for (k, v) in entries {
                m.insert(k, v);
            }
            let root = Node::new(Value::Map(m.finish()), Span::of_range(start..end));
            let id = ResourceId::new(FORMAT, "toy_service")
                .with_name(&name)
                .with_address(&format!("service.{name}"));
            out.documents.push(Document::with_identity(
                source.clone(),
                u32::try_from(i).unwrap(),
                root,
                id,
            ));
        }
        out
    }
}

/// A toy view over those documents: `name`, `port` (pointing at the document's node) and `tls`,
/// which defaults to `off` when the section omits it.
struct ServiceView;

impl View for ServiceView {
    fn name(&self) -> &str {
        "service"
    }

    fn applies_to(&self) -> &[TypeKey] {
        static TYPES: LazyLock<Vec<TypeKey>> =
            LazyLock::new(|| vec![TypeKey::new(FORMAT, "toy_service")]);
        &TYPES
    }

    fn build(&self, doc: &Document, b: &mut ViewBuilder<'_>) -> Option<Node> {
        let root = doc.root();
        let mut m = MapBuilder::new();
        for key in ["name", "port"] {
            if let Some(n) = root.get(key) {
                m.insert(Str::from(key), n.clone());
            }
        }
        let tls = match root.get("tls") {
            Some(n) => n.clone(),
            None => b.defaulted(Value::string("off"), root, "tls"),
        };
        m.insert(Str::from("tls"), tls);
        Some(b.derived(Value::Map(m.finish()), root))
    }
}

const RULES: &str = r#"
rule toy-plaintext {
  title    "Services use TLS"
  controls [code.tls]
  severity high
  on service as s
  deny s.tls != "on"
    at s.tls
    message "service {s.name} accepts plaintext"
}

rule toy-low-port {
  title    "Services listen above 1023"
  controls [code.ports]
  severity low
  on toy_service as d
  deny d.port < 1024
    at d.port
    message "service {d.name} listens on port {d.port}"
}
"#;

const SERVICES: &str = "[web]\nport = 8080\ntls = off\n\n[db]\nport = 80\n";

fn engine() -> Engine {
    Engine::builder()
        .stdlib(false)
        .input_format(Arc::new(Services))
        .view(Arc::new(ServiceView))
        .rule_source("toy.fourc", RULES)
        .build()
        .unwrap()
}

#[test]
fn a_registered_format_and_view_give_findings_at_the_right_lines() {
    let scan = engine().check_str("shop.svc", SERVICES);
    assert!(scan.load_errors.is_empty(), "{:?}", scan.load_errors);
    assert!(scan.report.errors.is_empty(), "{:?}", scan.report.errors);
    let got: Vec<(String, u32, u32, String, String, Option<String>)> = scan
        .report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule().id.to_string(),
                f.line(),
                f.col(),
                f.path().to_string(),
                f.resource().to_string(),
                f.note().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // The view's `tls` is the document's own node: the finding sits on its line.
            (
                "toy-plaintext".to_string(),
                3,
                1,
                "tls".to_string(),
                "service.web".to_string(),
                None
            ),
            // `db` omits `tls`: the finding points at the section that omitted it, and says so.
            (
                "toy-plaintext".to_string(),
                5,
                1,
                "tls".to_string(),
                "service.db".to_string(),
                Some(
                    "defaulted: the document does not set `tls`; the default is `off`".to_string()
                )
            ),
            // A rule on the format's type, with no view.
            (
                "toy-low-port".to_string(),
                6,
                1,
                "port".to_string(),
                "service.db".to_string(),
                None
            ),
        ]
    );
    let f = &scan.report.findings[1];
    assert_eq!(f.message(), "service db accepts plaintext");
    assert_eq!(f.resource().format.as_ref(), FORMAT);
}

#[test]
fn views_and_types_are_validated_against_the_registry() {
    // Without the view registered, `on service` is an unknown view.
    let err = Engine::builder()
        .stdlib(false)
        .input_format(Arc::new(Services))
        .rule_source("toy.fourc", RULES)
        .build()
        .unwrap_err();
    assert!(
        format!("{err:?}").contains("unknown view `service`"),
        "{err:?}"
    );
    // A Kubernetes file is still read by the standard format beside the toy one.
    let scan = engine().check_str(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
    );
    assert_eq!(scan.report.documents, 1);
    assert!(scan.skipped.is_empty());
}

/// A toy rule backend: one rule that reports every Kubernetes object whose `spec.replicas` is
/// above 3, located by field path (as a backend that returns paths, like Rego, does).
struct ReplicaBackend {
    rules: Vec<Arc<fourc::RuleMeta>>,
}

impl ReplicaBackend {
    fn new() -> Self {
        // The rule's metadata, as the rule language would give it, from a one-rule source.
        let engine = Engine::builder()
            .stdlib(false)
            .rule_source(
                "meta.fourc",
                r#"
rule toy-replicas {
  title    "Few replicas"
  controls [cluster.resources]
  severity low
  on Deployment as d
  deny false
}
"#,
            )
            .build()
            .unwrap();
        ReplicaBackend {
            rules: engine.catalog().rules().cloned().collect(),
        }
    }
}

impl fourc::RuleBackend for ReplicaBackend {
    fn name(&self) -> &str {
        "replicas"
    }

    fn rules(&self) -> &[Arc<fourc::RuleMeta>] {
        &self.rules
    }

    fn evaluate(&self, docs: &[Document], enabled: &[bool]) -> fourc::Report {
        let mut report = fourc::Report {
            documents: docs.len(),
            ..fourc::Report::default()
        };
        if !enabled.first().copied().unwrap_or(false) {
            return report;
        }
        for d in docs {
            let replicas = d.root().get_path(&["spec", "replicas"]);
            if let Some(Value::Int(n)) = replicas.map(|n| &n.value)
                && *n > 3
            {
                let at = fourc::Locator::Path(vec![
                    fourc::PathStep::Key(Str::from("spec")),
                    fourc::PathStep::Key(Str::from("replicas")),
                ]);
                report.findings.push(fourc::Finding::locate(
                    self.rules[0].clone(),
                    d,
                    &at,
                    format!("{n} replicas"),
                ));
            }
        }
        report
    }

    fn applicable(&self, doc: &Document) -> Vec<usize> {
        if doc.kind() == Some("Deployment") {
            vec![0]
        } else {
            Vec::new()
        }
    }
}

const DEPLOYMENT: &str =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n";

#[test]
fn a_registered_backend_joins_the_catalogue_and_the_report() {
    let engine = Engine::builder()
        .stdlib(false)
        .backend(Arc::new(ReplicaBackend::new()))
        .config(fourc::Config::default().severity("toy-replicas", fourc::Severity::High))
        .build()
        .unwrap();
    assert!(engine.catalog().get("toy-replicas").is_some());
    let scan = engine.check_str("deploy.yaml", DEPLOYMENT);
    let f = &scan.report.findings[0];
    assert_eq!(scan.report.findings.len(), 1);
    // Located by path: `replicas: 5` on line 6.
    assert_eq!((f.line(), f.col(), f.path()), (6, 3, "spec.replicas"));
    // The catalogue's severity override applies to another backend's rule.
    assert_eq!(f.rule().severity, fourc::Severity::High);
    assert_eq!(scan.checked[0].rules.len(), 1);
    // `fourc rules` and `rules show` work on the catalogue, whatever the backend.
    assert!(fourc::catalog::list(&engine).contains("toy-replicas"));
    let shown = fourc::catalog::show(&engine, "toy-replicas").unwrap();
    assert!(shown.contains("severity     high"), "{shown}");

    // Rule selection applies to it too.
    let off = Engine::builder()
        .stdlib(false)
        .backend(Arc::new(ReplicaBackend::new()))
        .disable_rule("toy-replicas")
        .build()
        .unwrap();
    assert!(
        off.check_str("deploy.yaml", DEPLOYMENT)
            .report
            .findings
            .is_empty()
    );
}

#[test]
fn a_rule_pack_declares_a_profile_and_a_level_selects_its_rules() {
    use fourc::profile::{Profile, ProfileLevel};
    const PACK: Profile = Profile {
        name: "team",
        levels: &[
            ProfileLevel {
                name: "essential",
                tags: &["team-essential"],
            },
            ProfileLevel {
                name: "strict",
                tags: &["team-essential", "team-strict"],
            },
        ],
        default_level: "strict",
        level_param: None,
        version_param: None,
        version_ok: None,
        version_help: "",
    };
    let rules = r#"
rule team-owner {
  title    "Workloads name an owner"
  controls [cluster.resources]
  severity low
  tags     [team-essential]
  on workload as w
  deny not exists(w.metadata.labels.owner)
}

rule team-tier {
  title    "Workloads name a tier"
  controls [cluster.resources]
  severity low
  tags     [team-strict]
  on workload as w
  deny not exists(w.metadata.labels.tier)
}
"#;
    let build = |level: Option<&str>| {
        let mut b = Engine::builder()
            .stdlib(false)
            .declare_profile(PACK)
            .rule_source("team.fourc", rules);
        if let Some(l) = level {
            b = b.profile("team", l);
        }
        b.build()
    };
    let ids =
        |e: &Engine| -> Vec<String> { e.catalog().rules().map(|m| m.id.to_string()).collect() };
    assert_eq!(ids(&build(None).unwrap()), ["team-owner", "team-tier"]);
    assert_eq!(ids(&build(Some("essential")).unwrap()), ["team-owner"]);
    let err = build(Some("lax")).unwrap_err();
    assert!(
        err.to_string().contains("unknown profile level `team:lax`"),
        "{err}"
    );
    assert!(
        err.to_string().contains("team (essential, strict)"),
        "{err}"
    );
}

#[test]
fn a_native_function_is_called_from_rules() {
    let rules = r#"
rule known-team {
  title    "Workloads belong to a known team"
  controls [cluster.resources]
  severity low
  on workload as w
  deny not team_known(w.metadata.labels.team)
    at w.metadata.labels.team
    message "team {w.metadata.labels.team ?? "<none>"} is not in the directory"
}
"#;
    let engine = Engine::builder()
        .stdlib(false)
        .function(
            "team_known",
            1,
            1,
            "team_known(team: string) -> bool",
            |args| match args.first().copied().flatten() {
                None => Ok(Some(Value::Bool(false))),
                Some(Value::String(s)) => {
                    Ok(Some(Value::Bool(["payments", "search"].contains(&&**s))))
                }
                Some(_) => Err("`team_known` expects a string".to_string()),
            },
        )
        .rule_source("team.fourc", rules)
        .build()
        .unwrap();
    let doc = |team: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    team: {team}\nspec:\n  containers: []\n"
        )
    };
    assert!(
        engine
            .check_str("a.yaml", &doc("payments"))
            .report
            .findings
            .is_empty()
    );
    let scan = engine.check_str("b.yaml", &doc("marketing"));
    assert_eq!(scan.report.findings.len(), 1);
    assert_eq!(scan.report.findings[0].line(), 6);
    assert_eq!(
        scan.report.findings[0].message(),
        "team marketing is not in the directory"
    );
    // The function's error is an evaluation error of that rule on that document.
    let scan = engine.check_str("c.yaml", &doc("7"));
    assert_eq!(scan.report.errors.len(), 1, "{:?}", scan.report);
    assert!(scan.report.errors[0].message().contains("expects a string"));
    // Arity is checked at compile time, and a builtin's name cannot be taken.
    let err = Engine::builder()
        .stdlib(false)
        .function(
            "team_known",
            1,
            1,
            "team_known(team: string) -> bool",
            |_| Ok(None),
        )
        .rule_source(
            "x.fourc",
            &rules.replace("team_known(w.metadata.labels.team)", "team_known()"),
        )
        .build()
        .unwrap_err();
    assert!(format!("{err:?}").contains("team_known"), "{err:?}");
    let err = Engine::builder()
        .function("lower", 1, 1, "lower(x)", |_| Ok(None))
        .build()
        .unwrap_err();
    assert!(matches!(err, fourc::BuildError::Function { .. }), "{err}");
}
