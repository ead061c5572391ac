//! Settings against the compiled rules: every rule id, control key and parameter must exist,
//! parameters must have their declared types. The result is a [`Plan`] the builder applies.

use std::collections::{HashMap, HashSet};

use globset::{GlobBuilder, GlobSetBuilder};
use policy_core::controls;
use policy_core::ir::{ParamType, Program};

use super::{At, Config, ConfigError, ConfigErrors, Location};
use crate::date::Date;
use crate::review::Review;
use crate::waiver::{Notice, NoticeKind, Target};
use crate::{RuleMeta, Severity, Value};

/// What settings found beside the inputs do to weaken the scan, each at its line. Settings given
/// by the caller (flags, the API, `--config`) carry no location in that file and are not listed:
/// they are the caller's choice.
fn weakenings(config: &Config, program: &Program) -> Vec<Notice> {
    let mut out = Vec::new();
    let mut say = |at: Option<&Location>, message: String| {
        if let Some(at) = at {
            out.push(Notice {
                kind: NoticeKind::WeakenedScan,
                message: format!("the settings found beside the inputs {message}"),
                location: Some(at.clone()),
            });
        }
    };
    if config.stdlib == Some(false) {
        say(
            config.stdlib_at.as_ref(),
            "turn the standard library off".to_string(),
        );
    }
    if let Some(first) = config.enable_rules.first() {
        say(
            first.at.as_ref(),
            "run only the rules of `rules.enable`".to_string(),
        );
    }
    if let Some(first) = config.enable_controls.first() {
        say(
            first.at.as_ref(),
            "run only the rules of `controls.enable`".to_string(),
        );
    }
    for r in &config.disable_rules {
        say(r.at.as_ref(), format!("leave out rule `{}`", r.value));
    }
    for c in &config.disable_controls {
        say(
            c.at.as_ref(),
            format!("leave out the rules of control `{}`", c.value),
        );
    }
    for s in &config.severity {
        let (id, sev) = &s.value;
        let before = program
            .rules
            .iter()
            .find(|r| &*r.meta.id == id.as_str())
            .map(|r| r.meta.severity);
        if let Some(before) = before
            && *sev > before
        {
            say(
                s.at.as_ref(),
                format!(
                    "lower rule `{id}` from {} to {}",
                    before.as_str(),
                    sev.as_str()
                ),
            );
        }
    }
    for p in &config.exclude_paths {
        say(
            p.at.as_ref(),
            format!("exclude the paths matching `{}`", p.value),
        );
    }
    for n in &config.exclude_namespaces {
        say(
            n.at.as_ref(),
            format!("exclude the namespaces matching `{}`", n.value),
        );
    }
    for w in &config.waivers {
        if w.kind.is_none() && w.namespace.is_none() && w.name.is_none() && w.path.is_none() {
            say(
                w.at.as_ref(),
                format!("waive {} on every resource", w.target),
            );
        }
    }
    if let Some(inline) = &config.inline
        && inline.value.allow
    {
        say(
            inline.at.as_ref(),
            "let manifests waive findings with `fourc.dev/waive` annotations".to_string(),
        );
    }
    out
}

/// Validated settings, ready to apply to a compiled program.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    enable_rules: HashSet<String>,
    enable_controls: HashSet<String>,
    disable_rules: HashSet<String>,
    disable_controls: HashSet<String>,
    severity: HashMap<String, Severity>,
    /// Parameter values, in the order they were given (later ones win).
    pub(crate) params: Vec<(String, Value)>,
    /// Waivers and exclusions, applied after evaluation.
    pub(crate) review: Review,
}

impl Plan {
    /// Checks `config` against `program` (before any rule is left out).
    pub(crate) fn new(
        config: &Config,
        program: &Program,
        rule_ids: &[&str],
        today: Date,
    ) -> Result<Plan, ConfigErrors> {
        let mut errors = Vec::new();
        let ids: HashSet<&str> = rule_ids.iter().copied().collect();
        // Prepared once: a file with many unknown names asks for a suggestion for each.
        let rule_names = Suggester::new(rule_ids.iter().copied());
        let control_keys = Suggester::new(controls::CONTROLS.iter().map(|c| c.key));
        let rule_ok = |r: &At<String>, errors: &mut Vec<ConfigError>| {
            let ok = ids.contains(r.value.as_str());
            if !ok {
                errors.push(unknown_rule(&r.value, r.at.as_ref(), &rule_names));
            }
            ok
        };
        let control_ok = |c: &At<String>, errors: &mut Vec<ConfigError>| {
            let ok = controls::find(&c.value).is_some();
            if !ok {
                errors.push(unknown_control(&c.value, c.at.as_ref(), &control_keys));
            }
            ok
        };
        let mut plan = Plan::default();
        for r in &config.enable_rules {
            if rule_ok(r, &mut errors) {
                plan.enable_rules.insert(r.value.clone());
            }
        }
        for r in &config.disable_rules {
            if rule_ok(r, &mut errors) {
                plan.disable_rules.insert(r.value.clone());
            }
        }
        for c in &config.enable_controls {
            if control_ok(c, &mut errors) {
                plan.enable_controls.insert(c.value.clone());
            }
        }
        for c in &config.disable_controls {
            if control_ok(c, &mut errors) {
                plan.disable_controls.insert(c.value.clone());
            }
        }
        for s in &config.severity {
            let (id, sev) = &s.value;
            if ids.contains(id.as_str()) {
                plan.severity.insert(id.clone(), *sev);
            } else {
                errors.push(unknown_rule(id, s.at.as_ref(), &rule_names));
            }
        }
        for p in &config.params {
            let (name, value) = &p.value;
            match program.params.iter().find(|d| &*d.name == name.as_str()) {
                None => {
                    let names: Vec<&str> = program.params.iter().map(|d| &*d.name).collect();
                    let mut e = ConfigError::new(format!("unknown parameter `{name}`"))
                        .at(p.at.as_ref(), Some(name.chars().count()));
                    e = match suggest(name, names.iter().copied()) {
                        Some(s) => e.help(format!("did you mean `{s}`?")),
                        None => e.help("`fourc rules show <id>` lists the parameters a rule reads"),
                    };
                    errors.push(e);
                }
                Some(decl) if !decl.ty.accepts(value) => {
                    errors.push(
                        ConfigError::new(format!(
                            "parameter `{name}` expects {}, found {}",
                            decl.ty,
                            describe(&decl.ty, value)
                        ))
                        .at(p.at.as_ref(), None)
                        .help(format!("the default is {}", decl.default.to_json())),
                    );
                }
                Some(_) => plan.params.push((name.clone(), value.clone())),
            }
        }
        for w in &config.waivers {
            match &w.target {
                Target::Rule(id) if !ids.contains(id.as_str()) => {
                    errors.push(unknown_rule(id, w.target_at.as_ref(), &rule_names));
                }
                Target::Control(key) if controls::find(key).is_none() => {
                    errors.push(unknown_control(key, w.target_at.as_ref(), &control_keys));
                }
                _ => plan.review.waivers.push(w.clone()),
            }
        }
        let mut globs = GlobSetBuilder::new();
        for p in &config.exclude_paths {
            match GlobBuilder::new(&p.value).literal_separator(true).build() {
                Ok(g) => {
                    globs.add(g);
                }
                Err(e) => errors.push(
                    ConfigError::new(format!("invalid path pattern `{}`: {}", p.value, e.kind()))
                        .at(p.at.as_ref(), None),
                ),
            }
        }
        match globs.build() {
            Ok(set) => plan.review.exclude_paths = set,
            Err(e) => errors.push(ConfigError::new(format!("invalid path patterns: {e}"))),
        }
        plan.review.exclude_namespaces = config
            .exclude_namespaces
            .iter()
            .map(|n| n.value.clone())
            .collect();
        plan.review.today = today;
        plan.review.known_rules = ids.iter().map(|s| s.to_string()).collect();
        if let Some(inline) = &config.inline {
            for r in &inline.value.rules {
                if !ids.contains(r.as_str()) {
                    errors.push(unknown_rule(r, inline.at.as_ref(), &rule_names));
                }
            }
            plan.review.inline = inline.value.clone();
        }
        if config.found {
            plan.review.settings_notices = weakenings(config, program);
        }
        if errors.is_empty() {
            Ok(plan)
        } else {
            Err(ConfigErrors::new(errors))
        }
    }

    /// Whether the settings keep a rule, and at which severity (`None`: left out).
    pub(crate) fn select(&self, m: &RuleMeta) -> Option<Severity> {
        let allow_all = self.enable_rules.is_empty() && self.enable_controls.is_empty();
        let enabled = allow_all
            || self.enable_rules.contains(&*m.id)
            || m.controls
                .iter()
                .any(|c| self.enable_controls.contains(&**c));
        let disabled = self.disable_rules.contains(&*m.id)
            || (!m.controls.is_empty()
                && m.controls
                    .iter()
                    .all(|c| self.disable_controls.contains(&**c)));
        (enabled && !disabled).then(|| self.severity.get(&*m.id).copied().unwrap_or(m.severity))
    }
}

fn unknown_rule(id: &str, at: Option<&super::Location>, ids: &Suggester<'_>) -> ConfigError {
    let e = ConfigError::new(format!("unknown rule `{id}`")).at(at, Some(id.chars().count()));
    match ids.suggest(id) {
        Some(s) => e.help(format!(
            "did you mean `{s}`? `fourc rules` lists the rule ids"
        )),
        None => e.help("`fourc rules` lists the rule ids"),
    }
}

fn unknown_control(key: &str, at: Option<&super::Location>, keys: &Suggester<'_>) -> ConfigError {
    let e = ConfigError::new(format!("unknown control `{key}`")).at(at, Some(key.chars().count()));
    match keys.suggest(key) {
        Some(s) => e.help(format!(
            "did you mean `{s}`? `fourc rules` lists the controls"
        )),
        None => e.help("`fourc rules` lists the controls"),
    }
}

/// The type name of a value, or of the first list or map element the type rejects.
fn describe(ty: &ParamType, v: &Value) -> String {
    match (ty, v) {
        (ParamType::List(t), Value::List(l)) => l
            .iter()
            .enumerate()
            .find(|(_, n)| !t.accepts(&n.value))
            .map_or_else(
                || "list".to_string(),
                |(i, n)| format!("{} at item {i}", n.value.type_name()),
            ),
        (ParamType::Map(t), Value::Map(m)) => {
            m.iter().find(|(_, n)| !t.accepts(&n.value)).map_or_else(
                || "map".to_string(),
                |(k, n)| format!("{} at key `{k}`", n.value.type_name()),
            )
        }
        _ => v.type_name().to_string(),
    }
}

/// The closest name within a small edit distance, for "did you mean".
pub(crate) use policy_core::suggest::{Suggester, suggest};
