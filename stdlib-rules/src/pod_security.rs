//! The Pod Security profile: the Pod Security Standards' levels over the standard library's Pod
//! Security rules, and the versions of their checks.
//!
//! `baseline` runs the rules tagged `pss-baseline`; `restricted` (the default, as it includes
//! `baseline`) also those tagged `pss-restricted`. The rules read the level from `pss_level` (at
//! `restricted` the baseline capabilities and seccomp rules exempt Windows pods from v1.25, as
//! Kubernetes' restricted checks that replace them do) and the version from `pss_version`.

use policy_core::profile::{Profile, ProfileLevel};

/// The profile's name.
pub const NAME: &str = "pod-security";

/// The tag of baseline Pod Security rules.
pub const TAG_BASELINE: &str = "pss-baseline";

/// The tag of restricted-only Pod Security rules.
pub const TAG_RESTRICTED: &str = "pss-restricted";

/// The parameter the Pod Security rules read their version from (`latest` or `v1.N`).
pub const PARAM_VERSION: &str = "pss_version";

/// The parameter the Pod Security rules read their level from (`baseline` or `restricted`).
pub const PARAM_LEVEL: &str = "pss_level";

/// The Pod Security profile.
pub const PROFILE: Profile = Profile {
    name: NAME,
    levels: &[
        ProfileLevel {
            name: "baseline",
            tags: &[TAG_BASELINE],
        },
        ProfileLevel {
            name: "restricted",
            tags: &[TAG_BASELINE, TAG_RESTRICTED],
        },
    ],
    default_level: "restricted",
    level_param: Some(PARAM_LEVEL),
    version_param: Some(PARAM_VERSION),
    version_ok: Some(is_version),
    version_help: "expected `latest` or `v1.N`, such as `v1.25`",
};

/// Whether `v` names a Pod Security Standards version as Kubernetes spells it: `latest`, or `v1.`
/// followed by a minor version without leading zeros (`v1.0`, `v1.25`). Later minors than the
/// newest known check revision behave as `latest`, as in Kubernetes.
pub fn is_version(v: &str) -> bool {
    if v == "latest" {
        return true;
    }
    v.strip_prefix("v1.").is_some_and(|minor| {
        !minor.is_empty()
            && minor.bytes().all(|b| b.is_ascii_digit())
            && (minor == "0" || !minor.starts_with('0'))
            && minor.len() <= 9
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_spelled_as_kubernetes_spells_them() {
        for ok in ["latest", "v1.0", "v1.25", "v1.37", "v1.99"] {
            assert!(is_version(ok), "{ok}");
        }
        for bad in ["", "12", "1.25", "v1.025", "v1.", "v2.0", "V1.25", "v1.x"] {
            assert!(!is_version(bad), "{bad}");
        }
    }
}
