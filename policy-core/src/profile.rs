//! Profiles: named, levelled selections of rules that a rule pack declares.
//!
//! A profile groups rules by tag into levels, each level a superset of the one below (Pod
//! Security's `baseline` and `restricted`). Selecting a level leaves out the rules that carry a
//! tag of the profile but none of the level's; rules without any of the profile's tags are not
//! its business. A profile may also name the parameters its rules read the level and a version
//! from, with the versions it accepts, so a typo never silently selects some other version's
//! checks. The standard library declares the Pod Security profile; any rule pack can declare
//! its own.

use crate::ir::RuleMeta;

/// One level of a profile.
#[derive(Clone, Debug)]
pub struct ProfileLevel {
    /// The level's name (`baseline`).
    pub name: &'static str,
    /// The tags of the rules the level runs.
    pub tags: &'static [&'static str],
}

/// A profile a rule pack declares.
#[derive(Clone, Debug)]
pub struct Profile {
    /// The profile's name (`pod-security`).
    pub name: &'static str,
    /// Its levels, weakest first.
    pub levels: &'static [ProfileLevel],
    /// The level selected when none is.
    pub default_level: &'static str,
    /// The parameter that tells the profile's rules the selected level, if they read it.
    pub level_param: Option<&'static str>,
    /// The parameter the profile's rules read a version from, if they are versioned.
    pub version_param: Option<&'static str>,
    /// Whether a version is one the profile knows (`None`: any).
    pub version_ok: Option<fn(&str) -> bool>,
    /// What a version looks like, for the error on one the profile rejects.
    pub version_help: &'static str,
}

impl Profile {
    /// The level called `name`.
    pub fn level(&self, name: &str) -> Option<&ProfileLevel> {
        self.levels.iter().find(|l| l.name == name)
    }

    /// Whether a rule runs at `level`: it carries none of the profile's tags, or one of the
    /// level's.
    pub fn keeps(&self, level: &ProfileLevel, rule: &RuleMeta) -> bool {
        let ours = |t: &str| self.levels.iter().any(|l| l.tags.contains(&t));
        let tagged = rule.tags.iter().any(|t| ours(t));
        !tagged || rule.tags.iter().any(|t| level.tags.contains(&&**t))
    }

    /// The weakest level that runs a rule carrying one of the profile's tags (an index into
    /// `levels`); `None` for a rule that is not the profile's business.
    pub fn level_of(&self, rule: &RuleMeta) -> Option<usize> {
        let ours = |t: &str| self.levels.iter().any(|l| l.tags.contains(&t));
        if !rule.tags.iter().any(|t| ours(t)) {
            return None;
        }
        self.levels
            .iter()
            .position(|l| rule.tags.iter().any(|t| l.tags.contains(&&**t)))
    }

    /// Whether `version` is one the profile accepts.
    pub fn accepts_version(&self, version: &str) -> bool {
        self.version_ok.is_none_or(|ok| ok(version))
    }
}
