//! Conformance with Kubernetes' own Pod Security Standards fixtures: every case of the
//! pod-security-admission corpus (`../shared/corpus/pod-security-admission/INDEX.tsv`), at its
//! level and version, through the standard library's Pod Security rules.
//!
//! A `pass` fixture must draw no finding from any Pod Security rule of that level and version. A
//! `fail` fixture must draw a finding from the rule implementing the named check: the rule tagged
//! `psa:<check>`, or, at the restricted level, the restricted rule that replaces that baseline
//! check in Kubernetes (a hostPath volume is reported as a restricted volume type there). Every
//! finding must point into the fixture, and no rule may fail to evaluate.
//!
//! One engine is built per level and version, never per fixture.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fourc::{Engine, Finding, PssLevel, TAG_PSS_RESTRICTED};

/// The corpus folder, relative to the workspace root.
const CORPUS: &str = "../shared/corpus/pod-security-admission";

/// The agreement reached: the test fails below it.
const FLOOR: usize = 4537;

/// Cases left out on purpose, by `case_id`, with the reason. None at present.
const SKIPPED: &[(&str, &str)] = &[];

/// Restricted checks that replace a baseline check at the restricted level, from some version on
/// (pod-security-admission's `OverrideCheckIDs`): the baseline check, then the restricted one.
const OVERRIDES: &[(&str, &str)] = &[
    ("capabilities_baseline", "capabilities_restricted"),
    ("seccompProfile_baseline", "seccompProfile_restricted"),
    ("hostPathVolumes", "restrictedVolumes"),
    ("procMount", "procMount_restricted"),
];

/// The tag of baseline Pod Security rules.
const TAG_PSS_BASELINE: &str = "pss-baseline";

/// The tag prefix naming the pod-security-admission check a rule implements.
const TAG_PSA: &str = "psa:";

struct Case {
    id: String,
    file: String,
    check: String,
    expected_fail: bool,
    level: String,
    version: String,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS)
}

fn read_index(dir: &Path) -> Vec<Case> {
    let index = dir.join("INDEX.tsv");
    let text = std::fs::read_to_string(&index).unwrap_or_else(|e| {
        panic!(
            "the pod-security-admission corpus is missing: cannot read {} ({e}); \
             it is expected beside the workspace, at ../shared/corpus/pod-security-admission",
            index.display()
        )
    });
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("INDEX.tsv has no `{name}` column"))
    };
    let (id, file, check, expected, level, version) = (
        col("case_id"),
        col("file"),
        col("check"),
        col("expected"),
        col("level"),
        col("version"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let get = |i: usize| f.get(i).map(|s| s.to_string()).unwrap_or_default();
            let expected = get(expected);
            assert!(
                expected == "pass" || expected == "fail",
                "unknown expectation in {l:?}"
            );
            Case {
                id: get(id),
                file: get(file),
                check: get(check),
                expected_fail: expected == "fail",
                level: get(level),
                version: get(version),
            }
        })
        .collect()
}

fn build_engine(level: &str, version: &str) -> Engine {
    let level = match level {
        "baseline" => PssLevel::Baseline,
        "restricted" => PssLevel::Restricted,
        other => panic!("unknown level `{other}` in INDEX.tsv"),
    };
    Engine::builder()
        .pss_level(level)
        .pss_version(version)
        .build()
        .unwrap_or_else(|e| panic!("the standard library does not build: {e}"))
}

fn is_pss_rule(f: &Finding) -> bool {
    f.rule
        .tags
        .iter()
        .any(|t| &**t == TAG_PSS_BASELINE || &**t == TAG_PSS_RESTRICTED)
}

fn psa_checks(f: &Finding) -> impl Iterator<Item = &str> {
    f.rule.tags.iter().filter_map(|t| t.strip_prefix(TAG_PSA))
}

/// The checks whose finding satisfies a `fail` case of `check` at `level`.
fn accepted_checks<'a>(check: &'a str, level: &str) -> Vec<&'a str> {
    let mut out = vec![check];
    if level == "restricted" {
        out.extend(
            OVERRIDES
                .iter()
                .filter(|(base, _)| *base == check)
                .map(|(_, r)| *r),
        );
    }
    out
}

/// Judges one case: `Ok` when fourc agrees, else why not.
fn judge(
    engine: &Engine,
    dir: &Path,
    case: &Case,
    unlocated: &mut Vec<String>,
) -> Result<(), String> {
    let path = dir.join(&case.file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let scan = engine.check_str(&case.file, &text);
    if let Some(e) = scan.load_errors.first() {
        return Err(format!("load error: {e}"));
    }
    let errors: Vec<String> = scan
        .report
        .errors
        .iter()
        .map(|e| format!("{} failed at {}: {}", e.rule.id, e.rule_location, e.message))
        .collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    let findings: Vec<&Finding> = scan
        .report
        .findings
        .iter()
        .filter(|f| is_pss_rule(f))
        .collect();
    for f in &findings {
        if f.span.line == 0 {
            unlocated.push(format!("{}: {} ({})", case.id, f.message, f.rule.id));
        }
    }
    let describe = || {
        findings
            .iter()
            .map(|f| format!("{}: {}", f.rule.id, f.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if case.expected_fail {
        let accepted = accepted_checks(&case.check, &case.level);
        if findings
            .iter()
            .any(|f| psa_checks(f).any(|c| accepted.contains(&c)))
        {
            Ok(())
        } else {
            Err(format!(
                "expected a `{}` finding, got [{}]",
                case.check,
                describe()
            ))
        }
    } else if findings.is_empty() {
        Ok(())
    } else {
        Err(format!("expected no finding, got [{}]", describe()))
    }
}

#[test]
fn psa_fixtures_agree_with_kubernetes() {
    let dir = corpus_dir();
    let cases = read_index(&dir);
    assert!(!cases.is_empty(), "INDEX.tsv lists no case");

    // Every check of the corpus has a rule, so a renamed tag cannot pass silently.
    let all = build_engine("restricted", "latest");
    let known: Vec<&str> = all
        .rules()
        .program()
        .rules
        .iter()
        .flat_map(|r| r.meta.tags.iter())
        .filter_map(|t| t.strip_prefix(TAG_PSA))
        .collect();
    for case in &cases {
        assert!(
            case.check == "base" || known.contains(&case.check.as_str()),
            "no rule is tagged `{TAG_PSA}{}` (case {})",
            case.check,
            case.id
        );
    }

    let mut groups: BTreeMap<(&str, &str), Vec<&Case>> = BTreeMap::new();
    for case in &cases {
        if SKIPPED.iter().any(|(id, _)| *id == case.id) {
            continue;
        }
        groups
            .entry((case.level.as_str(), case.version.as_str()))
            .or_default()
            .push(case);
    }
    // Groups run on a few threads: building an engine (parsing the rules) dominates in debug.
    let groups: Vec<((&str, &str), Vec<&Case>)> = groups.into_iter().collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let chunk = groups.len().div_ceil(threads).max(1);
    let outcomes: Vec<(usize, Vec<String>, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .chunks(chunk)
            .map(|part| {
                let dir = &dir;
                s.spawn(move || {
                    let (mut agreed, mut disagreements, mut unlocated) =
                        (0, Vec::new(), Vec::new());
                    for ((level, version), group) in part {
                        let engine = build_engine(level, version);
                        for case in group {
                            match judge(&engine, dir, case, &mut unlocated) {
                                Ok(()) => agreed += 1,
                                Err(why) => disagreements.push(format!("{}: {why}", case.id)),
                            }
                        }
                    }
                    (agreed, disagreements, unlocated)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| panic!("a conformance thread panicked"))
            })
            .collect()
    });
    let agreed: usize = outcomes.iter().map(|o| o.0).sum();
    let disagreements: Vec<&String> = outcomes.iter().flat_map(|o| &o.1).collect();
    let unlocated: Vec<&String> = outcomes.iter().flat_map(|o| &o.2).collect();

    let total = cases.len();
    #[expect(
        clippy::cast_precision_loss,
        reason = "a percentage of a few thousand cases"
    )]
    let pct = 100.0 * agreed as f64 / total as f64;
    println!("psa conformance: {agreed}/{total} ({pct:.2}%)");
    for (id, why) in SKIPPED {
        println!("skipped {id}: {why}");
    }
    for d in disagreements.iter().take(50) {
        println!("disagree {d}");
    }
    assert!(
        unlocated.is_empty(),
        "findings without a location:\n{}",
        unlocated
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        agreed >= FLOOR,
        "psa conformance fell to {agreed}/{total}, below the floor of {FLOOR}:\n{}",
        disagreements
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_malformed_pss_version_is_rejected() {
    for bad in [
        "12", "1.25", "v1", "v1.025", "v2.0", "v1.25.0", "Latest", "",
    ] {
        let err = Engine::builder()
            .pss_version(bad)
            .build()
            .err()
            .unwrap_or_else(|| panic!("`{bad}` was accepted"));
        assert!(
            matches!(err, fourc::BuildError::PssVersion { .. }),
            "`{bad}`: {err}"
        );
        assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
    }
    for good in ["latest", "v1.0", "v1.25", "v1.37", "v1.40"] {
        assert!(
            Engine::builder().pss_version(good).build().is_ok(),
            "`{good}` was rejected"
        );
    }
}
