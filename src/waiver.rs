//! Waivers: accepted findings, kept visible as suppressed.
//!
//! A waiver in `fourc.yaml` names a rule (or a control, for all its rules), selects resources by
//! kind, namespace and name (`*` and `?` match any text and any one character) and optionally a
//! field path prefix such as `spec.template.spec.containers[1]`, and says why (`reason`,
//! required), who owns it (`owner`) and until when (`expires`, `YYYY-MM-DD`, inclusive).
//!
//! A resource can also waive rules itself, with annotations next to the code they excuse:
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     fourc.dev/waive: "pss-baseline-host-namespaces,pss-baseline-host-ports"
//!     fourc.dev/waive-reason: "the node exporter reads host metrics"
//! ```
//!
//! A waived finding does not fail the run, but is still reported as suppressed: counted in the
//! text summary, listed in JSON and in SARIF as a result with `suppressions`. What a waiver
//! cannot do is reported as a [`Notice`]: an expired waiver no longer applies (its findings count
//! again), a waiver that matches nothing is stale, an inline waiver without a reason or naming
//! an unknown rule is ignored.

use std::fmt;

use crate::Finding;
use crate::config::Location;
use crate::date::Date;

/// The annotation listing the rules a resource waives, comma-separated.
pub const ANNOTATION_WAIVE: &str = "fourc.dev/waive";
/// The annotation giving the reason for [`ANNOTATION_WAIVE`]; required.
pub const ANNOTATION_REASON: &str = "fourc.dev/waive-reason";

/// What a waiver waives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// One rule, by id.
    Rule(String),
    /// Every rule serving a control, by key.
    Control(String),
}

/// A configured waiver.
#[derive(Clone, Debug)]
pub struct Waiver {
    pub(crate) target: Target,
    pub(crate) target_at: Option<Location>,
    pub(crate) kind: Option<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) reason: String,
    pub(crate) owner: Option<String>,
    pub(crate) expires: Option<Date>,
    pub(crate) at: Option<Location>,
}

impl Waiver {
    /// Waives `target` on every resource, for `reason`; narrow it with the other methods.
    pub fn new(target: Target, reason: &str) -> Self {
        Waiver {
            target,
            target_at: None,
            kind: None,
            namespace: None,
            name: None,
            path: None,
            reason: reason.to_string(),
            owner: None,
            expires: None,
            at: None,
        }
    }

    /// Only resources of this kind.
    pub fn kind(mut self, kind: &str) -> Self {
        self.kind = Some(kind.to_string());
        self
    }

    /// Only resources in namespaces matching this pattern.
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.to_string());
        self
    }

    /// Only resources with names matching this pattern.
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Only findings at this field path or below it.
    pub fn path(mut self, path: &str) -> Self {
        self.path = Some(path.to_string());
        self
    }

    /// Who answers for the waiver.
    pub fn owner(mut self, owner: &str) -> Self {
        self.owner = Some(owner.to_string());
        self
    }

    /// The last day the waiver applies.
    pub fn expires(mut self, date: Date) -> Self {
        self.expires = Some(date);
        self
    }

    /// What it waives.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Where it is written, when it came from a file.
    pub fn location(&self) -> Option<&Location> {
        self.at.as_ref()
    }

    /// Whether it covers a finding (expiry aside).
    pub fn matches(&self, f: &Finding) -> bool {
        let target_ok = match &self.target {
            Target::Rule(id) => *f.rule().id == **id,
            Target::Control(key) => f.rule().controls.iter().any(|c| **c == **key),
        };
        let field = |want: &Option<String>, have: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| have.is_some_and(|h| glob_match(w, h)))
        };
        target_ok
            && field(&self.kind, f.resource().kind.as_deref())
            && field(&self.namespace, f.resource().namespace.as_deref())
            && field(&self.name, f.resource().name.as_deref())
            && self.path.as_deref().is_none_or(|p| path_under(f.path(), p))
    }

    /// Whether the waiver has expired on `today`.
    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| today > e)
    }

    /// The suppression it gives a finding.
    pub(crate) fn suppression(&self) -> Suppression {
        Suppression {
            kind: SuppressionKind::Config,
            reason: self.reason.clone(),
            owner: self.owner.clone(),
            expires: self.expires,
            location: self.at.clone(),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Rule(id) => write!(f, "rule `{id}`"),
            Target::Control(key) => write!(f, "control `{key}`"),
        }
    }
}

/// Where a suppression comes from (SARIF's `external` and `inSource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    /// A waiver in the configuration file.
    Config,
    /// An annotation on the resource itself.
    Inline,
}

/// Why a finding is suppressed.
#[derive(Clone, Debug)]
pub struct Suppression {
    /// Configuration or annotation.
    pub kind: SuppressionKind,
    /// The justification.
    pub reason: String,
    /// Who answers for it.
    pub owner: Option<String>,
    /// Its last day.
    pub expires: Option<Date>,
    /// Where the waiver is written.
    pub location: Option<Location>,
}

/// A finding that a waiver covers.
#[derive(Clone, Debug)]
pub struct Suppressed {
    /// The finding.
    pub finding: Finding,
    /// The waiver's justification.
    pub suppression: Suppression,
}

/// What a waiver could not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// Past its `expires` date: it no longer applies.
    Expired,
    /// It matched no finding.
    Stale,
    /// An inline waiver without `fourc.dev/waive-reason`: ignored.
    MissingReason,
    /// An inline waiver naming a rule the rule set does not have: ignored.
    UnknownRule,
    /// An inline waiver the settings do not allow (inline waivers off, or not for that rule or
    /// namespace, or a finding reported once per namespace): ignored.
    InlineNotAllowed,
    /// Settings found beside the inputs that weaken the scan (rules left out, paths excluded,
    /// blanket waivers...): applied, and said.
    WeakenedScan,
    /// No rule is enabled: the scan checks nothing.
    NoRules,
    /// Waivers cover every finding: nothing fails the run.
    AllWaived,
}

impl NoticeKind {
    /// The name used in JSON: `expired`, `stale`, `missing-reason`, `unknown-rule`,
    /// `inline-not-allowed`, `weakened-scan`, `no-rules`, `all-waived`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Expired => "expired",
            NoticeKind::Stale => "stale",
            NoticeKind::MissingReason => "missing-reason",
            NoticeKind::UnknownRule => "unknown-rule",
            NoticeKind::InlineNotAllowed => "inline-not-allowed",
            NoticeKind::WeakenedScan => "weakened-scan",
            NoticeKind::NoRules => "no-rules",
            NoticeKind::AllWaived => "all-waived",
        }
    }
}

/// A waiver problem or a weakened scan, reported as a warning.
#[derive(Clone, Debug)]
pub struct Notice {
    /// What kind of problem.
    pub kind: NoticeKind,
    /// The message, lowercase.
    pub message: String,
    /// Where the waiver is written.
    pub location: Option<Location>,
}

/// Whether `path` is `prefix` or lies below it (`a.b[1]` is below `a.b` and `a`, not `a.bc`).
pub(crate) fn path_under(path: &str, prefix: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}

/// `*` matches any text, `?` one character; everything else matches itself.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point: linear enough for names.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_path_prefixes() {
        assert!(glob_match("web", "web"));
        assert!(glob_match("web-*", "web-1"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("*-prod-*", "shop-prod-eu"));
        assert!(!glob_match("web", "web2"));
        assert!(!glob_match("web-*", "api-1"));
        assert!(path_under("spec.containers[1].image", "spec.containers[1]"));
        assert!(path_under("spec.containers[1]", "spec.containers[1]"));
        assert!(!path_under("spec.containers[10]", "spec.containers[1"));
        assert!(!path_under("spec.containersX", "spec.containers"));
    }
}
