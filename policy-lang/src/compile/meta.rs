//! Rule metadata and `on` selectors: validation against the control catalogue.

use std::sync::Arc;

use policy_core::controls;
use policy_core::ir::{Layer, RuleMeta, Selector, Severity};

use super::{Compiler, suggest};
use crate::ast::{self, MetaValue};

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

    pub(super) fn rule_meta(&mut self, r: &ast::Rule) -> Option<RuleMeta> {
        let mut title = None;
        let mut description = None;
        let mut controls_v: Vec<Arc<str>> = Vec::new();
        let mut have_controls = false;
        let mut severity = None;
        let mut layer = None;
        let mut tags: Vec<Arc<str>> = Vec::new();
        let mut remediation = None;
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
        Some(RuleMeta {
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
        })
    }
}
