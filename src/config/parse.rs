//! `fourc.yaml` text to [`Config`]: shape checks only, each error at its line. Whether a rule,
//! control or parameter exists is checked later against the compiled rules (`check.rs`).

use std::path::PathBuf;
use std::sync::Arc;

use super::{At, Config, ConfigError, ConfigErrors, Location};
use crate::date::Date;
use crate::waiver::{Target, Waiver};
use crate::{LoadOptions, Node, PssLevel, Severity, Source, Span, Value, YamlCompat};
use policy_core::Map;

const TOP: &[&str] = &[
    "version",
    "pss",
    "rules",
    "controls",
    "params",
    "exclude",
    "waivers",
    "inline_waivers",
    "rego",
    "terraform",
];
const REGO: &[&str] = &["conftest"];
const CONFTEST: &[&str] = &["namespaces", "all_namespaces"];
const TERRAFORM: &[&str] = &["var_files"];
const INLINE: &[&str] = &["allow", "rules", "namespaces"];
const PSS: &[&str] = &["level", "version"];
const RULES: &[&str] = &["stdlib", "dirs", "enable", "disable", "severity"];
const CONTROLS: &[&str] = &["enable", "disable"];
const EXCLUDE: &[&str] = &["paths", "namespaces"];
const WAIVER: &[&str] = &[
    "rule",
    "control",
    "kind",
    "namespace",
    "name",
    "path",
    "reason",
    "owner",
    "expires",
];

pub(super) fn parse(src: &Arc<Source>) -> Result<Config, ConfigErrors> {
    let opts = LoadOptions {
        compat: YamlCompat::Yaml12,
        ..LoadOptions::default()
    };
    let loaded = policy_core::yaml::load_str(src, &opts);
    let mut p = Parser {
        src,
        errors: Vec::new(),
    };
    for e in &loaded.errors {
        let at = src
            .byte_offset(e.line(), e.col())
            .filter(|_| e.line() > 0)
            .map(|b| {
                let end = src
                    .byte_offset(e.line(), e.col().saturating_add(1))
                    .unwrap_or(b);
                Location::new(src.clone(), Span::of_range(b..end))
            });
        p.errors
            .push(ConfigError::new(e.message().to_string()).at(at.as_ref(), Some(1)));
    }
    let mut config = Config::default();
    let mut docs = loaded.documents.iter();
    if let Some(doc) = docs.next() {
        p.top(doc.root(), &mut config);
    }
    if let Some(extra) = docs.next() {
        let at = p.loc(extra.root());
        p.errors.push(
            ConfigError::new("a configuration file holds one document")
                .at(at.as_ref(), Some(3))
                .help("remove the `---` and what follows, or merge it into the first document"),
        );
    }
    if p.errors.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors::new(p.errors))
    }
}

struct Parser<'a> {
    src: &'a Arc<Source>,
    errors: Vec<ConfigError>,
}

impl Parser<'_> {
    fn loc(&self, n: &Node) -> Option<Location> {
        n.span
            .is_known()
            .then(|| Location::new(self.src.clone(), n.span))
    }

    fn error(&mut self, n: &Node, message: String, help: Option<String>) {
        let at = match n.value {
            Value::Map(_) | Value::List(_) => self.loc(n),
            _ => self.value_loc(n),
        };
        let mut e = ConfigError::new(message).at(at.as_ref(), None);
        if let Some(h) = help {
            e = e.help(h);
        }
        self.errors.push(e);
    }

    /// The entries of a map, with an error naming each key that is not in `allowed`.
    fn map<'n>(&mut self, n: &'n Node, what: &str, allowed: &[&str]) -> Option<&'n Map> {
        let Value::Map(m) = &n.value else {
            self.error(n, format!("{what} must be a map"), None);
            return None;
        };
        for (k, v) in m.iter() {
            if !allowed.is_empty() && !allowed.contains(&&**k) {
                let keys: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                let e = ConfigError::new(format!("unknown key `{k}` in {what}"))
                    .at(self.loc(v).as_ref(), Some(k.chars().count()))
                    .help(format!("expected {}", keys.join(", ")));
                self.errors.push(e);
            }
        }
        Some(m)
    }

    /// Where a scalar's text starts: a map value's span starts at its key, so skip `key:`.
    fn value_loc(&self, n: &Node) -> Option<Location> {
        let mut at = self.loc(n)?;
        let (line, col) = self.src.line_col(n.span.start());
        let text: String = self
            .src
            .line_text(line)
            .unwrap_or_default()
            .chars()
            .skip(usize::try_from(col).unwrap_or(1).saturating_sub(1))
            .collect();
        let value = n.value.to_string();
        if !text.starts_with(&value) && !text.starts_with(['"', '\'']) {
            let after_key = text
                .find(": ")
                .or_else(|| text.strip_suffix(':').map(str::len));
            if let Some(i) = after_key {
                let rest = text.get(i + 1..).unwrap_or_default();
                let skip = i + 1 + rest.len() - rest.trim_start().len();
                let skip = text.get(..skip).map_or(0, |s| s.chars().count());
                at = at.shifted(u32::try_from(skip).unwrap_or(0));
            }
        }
        Some(at)
    }

    fn string(&mut self, n: &Node, what: &str) -> Option<At<String>> {
        match &n.value {
            Value::String(s) => Some(At {
                value: s.to_string(),
                at: self.value_loc(n),
            }),
            other => {
                let msg = format!("{what} must be a string, found {}", other.type_name());
                self.error(n, msg, None);
                None
            }
        }
    }

    /// A list of strings; a single string is a list of one.
    fn strings(&mut self, n: &Node, what: &str) -> Vec<At<String>> {
        match &n.value {
            Value::List(l) => l.iter().filter_map(|i| self.string(i, what)).collect(),
            Value::Null => Vec::new(),
            _ => self.string(n, what).into_iter().collect(),
        }
    }

    fn bool(&mut self, n: &Node, what: &str) -> Option<bool> {
        match &n.value {
            Value::Bool(b) => Some(*b),
            other => {
                let msg = format!(
                    "{what} must be `true` or `false`, found {}",
                    other.type_name()
                );
                self.error(n, msg, None);
                None
            }
        }
    }

    fn top(&mut self, root: &Node, c: &mut Config) {
        let Some(m) = self.map(root, "the configuration", TOP) else {
            return;
        };
        if let Some(v) = m.get("version")
            && !matches!(v.value, Value::Int(1))
        {
            let msg = format!("unsupported configuration version `{}`", v.value);
            self.error(v, msg, Some("this fourc reads `version: 1`".to_string()));
        }
        if let Some(n) = m.get("pss") {
            self.pss(n, c);
        }
        if let Some(n) = m.get("rules") {
            self.rules(n, c);
        }
        if let Some(n) = m.get("controls")
            && let Some(cm) = self.map(n, "`controls`", CONTROLS)
        {
            if let Some(v) = cm.get("enable") {
                c.enable_controls = self.strings(v, "a control key");
            }
            if let Some(v) = cm.get("disable") {
                c.disable_controls = self.strings(v, "a control key");
            }
        }
        if let Some(n) = m.get("params")
            && let Some(pm) = self.map(n, "`params`", &[])
        {
            for (k, v) in pm.iter() {
                c.params.push(At {
                    value: (k.to_string(), v.value.clone()),
                    at: self.loc(v),
                });
            }
        }
        if let Some(n) = m.get("exclude")
            && let Some(em) = self.map(n, "`exclude`", EXCLUDE)
        {
            if let Some(v) = em.get("paths") {
                c.exclude_paths = self.strings(v, "a path pattern");
            }
            if let Some(v) = em.get("namespaces") {
                c.exclude_namespaces = self.strings(v, "a namespace pattern");
            }
        }
        if let Some(n) = m.get("terraform")
            && let Some(tm) = self.map(n, "`terraform`", TERRAFORM)
            && let Some(v) = tm.get("var_files")
        {
            c.tf_var_files = self
                .strings(v, "a Terraform variable file")
                .into_iter()
                .map(|f| PathBuf::from(f.value))
                .collect();
        }
        if let Some(n) = m.get("inline_waivers")
            && let Some(im) = self.map(n, "`inline_waivers`", INLINE)
        {
            let mut policy = super::InlineWaivers::default();
            if let Some(v) = im.get("allow") {
                policy.allow = self.bool(v, "`inline_waivers.allow`").unwrap_or(false);
            }
            if let Some(v) = im.get("rules") {
                policy.rules = self
                    .strings(v, "a rule id")
                    .into_iter()
                    .map(|r| r.value)
                    .collect();
            }
            if let Some(v) = im.get("namespaces") {
                policy.namespaces = self
                    .strings(v, "a namespace pattern")
                    .into_iter()
                    .map(|r| r.value)
                    .collect();
            }
            c.inline = Some(At {
                value: policy,
                at: self.loc(n),
            });
        }
        if let Some(n) = m.get("rego")
            && let Some(rm) = self.map(n, "`rego`", REGO)
            && let Some(cn) = rm.get("conftest")
            && let Some(cm) = self.map(cn, "`rego.conftest`", CONFTEST)
        {
            if let Some(v) = cm.get("namespaces") {
                let names = self.strings(v, "a Rego package name");
                c.conftest_namespaces = Some(names.into_iter().map(|n| n.value).collect());
            }
            if let Some(v) = cm.get("all_namespaces") {
                c.conftest_all = self.bool(v, "`rego.conftest.all_namespaces`");
            }
        }
        if let Some(n) = m.get("waivers") {
            match &n.value {
                Value::List(l) => {
                    for w in l.iter() {
                        if let Some(w) = self.waiver(w) {
                            c.waivers.push(w);
                        }
                    }
                }
                Value::Null => {}
                other => {
                    let msg = format!("`waivers` must be a list, found {}", other.type_name());
                    self.error(n, msg, None);
                }
            }
        }
    }

    fn pss(&mut self, n: &Node, c: &mut Config) {
        let Some(m) = self.map(n, "`pss`", PSS) else {
            return;
        };
        if let Some(v) = m.get("level")
            && let Some(s) = self.string(v, "`pss.level`")
        {
            match s.value.as_str() {
                "baseline" => c.pss_level = Some(PssLevel::Baseline),
                "restricted" => c.pss_level = Some(PssLevel::Restricted),
                other => self.error(
                    v,
                    format!("unknown Pod Security level `{other}`"),
                    Some("expected `baseline` or `restricted`".to_string()),
                ),
            }
        }
        if let Some(v) = m.get("version")
            && let Some(s) = self.string(v, "`pss.version`")
        {
            if crate::profile::pod_security::is_version(&s.value) {
                c.pss_version = Some(s);
            } else {
                self.error(
                    v,
                    format!("unknown Pod Security Standards version `{}`", s.value),
                    Some("expected `latest` or `v1.N`, such as `v1.30`".to_string()),
                );
            }
        }
    }

    fn rules(&mut self, n: &Node, c: &mut Config) {
        let Some(m) = self.map(n, "`rules`", RULES) else {
            return;
        };
        if let Some(v) = m.get("stdlib") {
            c.stdlib = self.bool(v, "`rules.stdlib`");
            c.stdlib_at = self.loc(v);
        }
        if let Some(v) = m.get("dirs") {
            c.rule_dirs = self
                .strings(v, "a rules folder")
                .into_iter()
                .map(|d| PathBuf::from(d.value))
                .collect();
        }
        if let Some(v) = m.get("enable") {
            c.enable_rules = self.strings(v, "a rule id");
        }
        if let Some(v) = m.get("disable") {
            c.disable_rules = self.strings(v, "a rule id");
        }
        if let Some(v) = m.get("severity")
            && let Some(sm) = self.map(v, "`rules.severity`", &[])
        {
            for (id, s) in sm.iter() {
                let Some(text) = self.string(s, "a severity") else {
                    continue;
                };
                match Severity::parse(&text.value) {
                    Some(sev) => c.severity.push(At {
                        value: (id.to_string(), sev),
                        at: self.loc(s),
                    }),
                    None => self.error(
                        s,
                        format!("unknown severity `{}` for rule `{id}`", text.value),
                        Some("expected `critical`, `high`, `medium`, `low` or `info`".to_string()),
                    ),
                }
            }
        }
    }

    fn waiver(&mut self, n: &Node) -> Option<Waiver> {
        let m = self.map(n, "a waiver", WAIVER)?;
        let field = |p: &mut Self, key: &str| -> Option<At<String>> {
            m.get(key).and_then(|v| p.string(v, &format!("`{key}`")))
        };
        let rule = field(self, "rule");
        let control = field(self, "control");
        let target = match (rule, control) {
            (Some(r), None) => At {
                value: Target::Rule(r.value),
                at: r.at,
            },
            (None, Some(c)) => At {
                value: Target::Control(c.value),
                at: c.at,
            },
            (r, c) => {
                if r.is_none()
                    && c.is_none()
                    && (m.get("rule").is_some() || m.get("control").is_some())
                {
                    return None; // already reported as not a string
                }
                self.error(
                    n,
                    "a waiver names either a `rule` or a `control`".to_string(),
                    Some(
                        "add `rule: <id>`, or `control: <key>` to waive every rule of a control"
                            .to_string(),
                    ),
                );
                return None;
            }
        };
        let reason = field(self, "reason").map(|r| r.value).unwrap_or_default();
        if reason.trim().is_empty() {
            let at = m.get("reason").unwrap_or(n);
            self.error(
                at,
                "a waiver needs a `reason`".to_string(),
                Some(
                    "say why the finding is acceptable, for the next reader of the report"
                        .to_string(),
                ),
            );
            return None;
        }
        let mut expires = None;
        if let Some(v) = m.get("expires") {
            expires = Date::parse(&v.value.to_string());
            if expires.is_none() {
                self.error(
                    v,
                    format!(
                        "`expires` must be a date as YYYY-MM-DD, found `{}`",
                        v.value
                    ),
                    Some("for example `expires: 2026-06-30`".to_string()),
                );
                return None;
            }
        }
        Some(Waiver {
            target: target.value,
            target_at: target.at,
            kind: field(self, "kind").map(|s| s.value),
            namespace: field(self, "namespace").map(|s| s.value),
            name: field(self, "name").map(|s| s.value),
            path: field(self, "path").map(|s| s.value),
            reason,
            owner: field(self, "owner").map(|s| s.value),
            expires,
            at: self.loc(n),
        })
    }
}
