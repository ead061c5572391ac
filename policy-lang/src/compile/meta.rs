//! Rule metadata and `on` selectors: validation against the control catalogue.

use std::sync::Arc;

use policy_core::controls;
use policy_core::ir::{Layer, RuleMeta, Selector, Severity, TextPart, render_text};

use super::{Compiler, suggest};
use crate::ast::{self, ExprKind, MetaValue, StrPart};

/// Metadata keys a rule may state.
pub(super) const META_KEYS: &[&str] = &[
    "title",
    "description",
    "controls",
    "severity",
    "layer",
    "profile",
    "tags",
    "remediation",
    "references",
];

impl Compiler<'_> {
    /// What an `on` name selects: a view of the registry the rules are compiled for, a type
    /// written as documents spell it (`Deployment`, or a snake_case type such as
    /// `aws_eks_cluster`), or nothing (an error that suggests the view meant).
    pub(super) fn selector(&mut self, api: Option<&str>, name: &ast::Ident) -> Option<Selector> {
        let n = name.name.as_str();
        if self.views.iter().any(|v| v == n) {
            return Some(Selector::View(Arc::from(n)));
        }
        let hint = suggest(n, self.views.iter().map(String::as_str));
        let kind = n.starts_with(|c: char| c.is_ascii_uppercase());
        if kind || n.contains('_') {
            return Some(Selector::Kind {
                kind: Arc::from(n),
                api_version: api.map(Arc::from),
            });
        }
        self.error(
            "fourc::unknown-view",
            &name.span,
            format!("unknown view `{n}`"),
            "not a view or a type",
        );
        self.set_help(match hint {
            Some(h) => {
                format!("did you mean `{h}`? kinds start with a capital letter (`Deployment`)")
            }
            None => format!(
                "views are {}; kinds start with a capital letter (`Deployment`), and other types \
                 are written in snake_case (`aws_eks_cluster`)",
                self.views.join(", ")
            ),
        });
        None
    }

    /// The metadata of a rule, and its remediation as text and parameters when it interpolates
    /// parameters (see [`Compiler::remediation`]).
    pub(super) fn rule_meta(&mut self, r: &ast::Rule) -> Option<(RuleMeta, Vec<TextPart>)> {
        let mut title = None;
        let mut description = None;
        let mut controls_v: Vec<Arc<str>> = Vec::new();
        let mut have_controls = false;
        let mut severity = None;
        let mut layer = None;
        let mut tags: Vec<Arc<str>> = Vec::new();
        let mut remediation = None;
        let mut remediation_parts = Vec::new();
        let mut references = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut ok = true;
        for m in &r.meta {
            let key = m.key.name.as_str();
            if !META_KEYS.contains(&key) {
                let hint = suggest(key, META_KEYS.iter().copied());
                self.error(
                    "fourc::unknown-metadata",
                    &m.key.span,
                    format!("unknown metadata `{key}`"),
                    "not a metadata key",
                );
                self.set_help(match hint {
                    Some(h) => format!("did you mean `{h}`?"),
                    None => format!("metadata keys are {}", META_KEYS.join(", ")),
                });
                ok = false;
                continue;
            }
            if seen.contains(&key) {
                self.error(
                    "fourc::duplicate",
                    &m.key.span,
                    format!("metadata `{key}` is given twice"),
                    "second time",
                );
                ok = false;
                continue;
            }
            seen.push(key);
            let words: Vec<(String, ast::Span)> = match &m.value {
                MetaValue::Word(w) => vec![(w.clone(), m.value_span.clone())],
                MetaValue::List(l) => l.clone(),
            };
            let single = match &m.value {
                MetaValue::Word(w) => Some(w.clone()),
                MetaValue::List(_) => None,
            };
            let need_single = |this: &mut Self| {
                this.error(
                    "fourc::metadata",
                    &m.value_span,
                    format!("metadata `{key}` takes a single value"),
                    "a list here",
                );
            };
            match key {
                "remediation" if single.is_some() => match self.remediation(m) {
                    Some((text, parts)) => {
                        remediation = Some(text);
                        remediation_parts = parts;
                    }
                    None => ok = false,
                },
                "title" | "description" | "remediation" => match single {
                    Some(s) => {
                        let v = Some(Arc::<str>::from(s.as_str()));
                        match key {
                            "title" => title = v,
                            "description" => description = v,
                            _ => remediation = v,
                        }
                    }
                    None => {
                        need_single(self);
                        ok = false;
                    }
                },
                "severity" => match single.as_deref().map(Severity::parse) {
                    Some(Some(s)) => severity = Some(s),
                    _ => {
                        self.error(
                            "fourc::metadata",
                            &m.value_span,
                            format!("unknown severity `{}`", single.unwrap_or_default()),
                            "not a severity",
                        );
                        self.set_help("severities are critical, high, medium, low and info".into());
                        ok = false;
                    }
                },
                "layer" => match single.as_deref().map(Layer::parse) {
                    Some(Some(l)) => layer = Some(l),
                    _ => {
                        self.error(
                            "fourc::metadata",
                            &m.value_span,
                            format!("unknown layer `{}`", single.unwrap_or_default()),
                            "not a layer",
                        );
                        self.set_help("layers are cloud, cluster, container and code".into());
                        ok = false;
                    }
                },
                "controls" => {
                    have_controls = true;
                    for (w, span) in words {
                        if controls::find(&w).is_none() {
                            let hint = suggest(&w, controls::CONTROLS.iter().map(|c| c.key));
                            self.error(
                                "fourc::unknown-control",
                                &span,
                                format!("unknown control `{w}`"),
                                "not in the 4C control catalogue",
                            );
                            self.set_help(match hint {
                                Some(h) => format!("did you mean `{h}`?"),
                                None => "`fourc rules` lists the control keys".into(),
                            });
                            ok = false;
                        } else {
                            controls_v.push(Arc::from(w.as_str()));
                        }
                    }
                }
                "profile" | "tags" => {
                    tags.extend(words.into_iter().map(|(w, _)| Arc::from(w.as_str())))
                }
                _ => references.extend(words.into_iter().map(|(w, _)| Arc::from(w.as_str()))),
            }
        }
        for (present, key) in [
            (title.is_some() || seen.contains(&"title"), "title"),
            (have_controls, "controls"),
            (severity.is_some() || seen.contains(&"severity"), "severity"),
        ] {
            if !present {
                self.error(
                    "fourc::missing-metadata",
                    &r.id.span,
                    format!("rule `{}` has no `{key}`", r.id.name),
                    "in this rule",
                );
                self.set_help(match key {
                    "title" => {
                        "add a one-line title: `title \"Privileged containers are not allowed\"`"
                            .to_string()
                    }
                    "controls" => {
                        "name the controls the rule serves: `controls [cluster.pod-security]`"
                            .to_string()
                    }
                    _ => "add `severity critical|high|medium|low|info`".to_string(),
                });
                ok = false;
            }
        }
        if have_controls && controls_v.is_empty() && ok {
            self.error(
                "fourc::missing-metadata",
                &r.id.span,
                format!("rule `{}` names no control", r.id.name),
                "in this rule",
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        let derived = controls_v
            .first()
            .and_then(|c| controls::find(c))
            .map(|c| c.layer);
        let meta = RuleMeta {
            id: Arc::from(r.id.name.as_str()),
            title: title.unwrap_or_else(|| Arc::from("")),
            description,
            controls: controls_v,
            severity: severity.unwrap_or(Severity::Medium),
            layer: layer.or(derived).unwrap_or(Layer::Cluster),
            tags,
            remediation,
            references,
            span: self.sp(&r.id.span),
            definition: self.sp(&r.span),
            origin: None,
        };
        Some((meta, remediation_parts))
    }

    /// A remediation string: its text with the parameters' defaults, and its parts when it
    /// interpolates any. A remediation is per rule, not per finding, so only parameters can be
    /// interpolated; any other name or expression is an error.
    fn remediation(&mut self, m: &ast::Meta) -> Option<(Arc<str>, Vec<TextPart>)> {
        let Some(parts) = &m.parts else {
            // A bare word.
            let MetaValue::Word(w) = &m.value else {
                return None;
            };
            return Some((Arc::from(w.as_str()), Vec::new()));
        };
        let mut out: Vec<TextPart> = Vec::new();
        let mut ok = true;
        for p in parts {
            match p {
                StrPart::Text(t) => out.push(TextPart::Text(Arc::from(t.as_str()))),
                StrPart::Expr(e) => match &e.kind {
                    ExprKind::Ident(name) if self.params.contains_key(name) => {
                        if let Some(&i) = self.params.get(name) {
                            out.push(TextPart::Param(i));
                        }
                    }
                    ExprKind::Ident(name) => {
                        let hint = suggest(name, self.params.keys().map(String::as_str))
                            .map(str::to_string);
                        self.error(
                            "fourc::unknown-name",
                            &e.span,
                            format!("unknown parameter `{name}` in a remediation"),
                            "not a parameter",
                        );
                        self.set_help(match hint {
                            Some(h) => format!("did you mean `{h}`?"),
                            None => REMEDIATION_HELP.to_string(),
                        });
                        ok = false;
                    }
                    _ => {
                        self.error(
                            "fourc::remediation",
                            &e.span,
                            "a remediation interpolates parameters only".to_string(),
                            "not a parameter name",
                        );
                        self.set_help(REMEDIATION_HELP.to_string());
                        ok = false;
                    }
                },
            }
        }
        if !ok {
            return None;
        }
        let text = render_text(&out, |i| {
            self.prog.params.get(i as usize).map(|p| &p.default)
        });
        if !out.iter().any(|p| matches!(p, TextPart::Param(_))) {
            out.clear();
        }
        Some((Arc::from(text), out))
    }
}

/// Why a remediation cannot interpolate what a message can.
const REMEDIATION_HELP: &str = "a remediation is the same for every finding of the rule: it can \
     name parameters (`{max_replicas}`), not the document; write `\\{` for a literal brace";
