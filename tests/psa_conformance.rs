//! Conformance with Kubernetes' own Pod Security Standards fixtures: every case of the
//! pod-security-admission corpus, vendored at `tests/data/conformance/pod-security-admission/`
//! (see the README there), at its level and version, through the standard library's Pod Security
//! rules. The corpus stores each distinct pod once (`pods/<hash>.yaml`); every case is judged
//! under its upstream fixture path (the index's `file` column), so a failure names the fixture.
//!
//! A `pass` fixture must draw no finding from any Pod Security rule of that level and version. A
//! `fail` fixture must draw a finding from the rule implementing the named check, the rule tagged
//! `psa:<check>` (at the restricted level it may draw findings of restricted rules as well: a
//! hostPath volume is also a restricted volume type). Every finding must point at a field of the
//! fixture, and no rule may fail to evaluate.
//!
//! One engine is built per level and version, never per fixture. These engines compile only the
//! standard library files the Pod Security rules live in (`lib/` and `cluster/pod-security-*`),
//! so the test's cost does not grow with the rest of the library; engines over the whole standard
//! library judge the newest version's cases again, to show the rules compose with it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fourc::profile::pod_security::TAG_RESTRICTED as TAG_PSS_RESTRICTED;
use fourc::{Engine, Finding, PssLevel};

/// The corpus folder, relative to the workspace root.
const CORPUS: &str = "tests/data/conformance/pod-security-admission";

/// The agreement reached: the test fails below it.
const FLOOR: usize = 4537;

/// Cases left out on purpose, by `case_id`, with the reason. None at present.
const SKIPPED: &[(&str, &str)] = &[];

/// The tag of baseline Pod Security rules.
const TAG_PSS_BASELINE: &str = "pss-baseline";

/// The tag prefix naming the pod-security-admission check a rule implements.
const TAG_PSA: &str = "psa:";

struct Case {
    id: String,
    /// The fixture's upstream path: the name it is judged under.
    file: String,
    /// The vendored pod, relative to the corpus folder.
    pod: String,
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
             it is vendored in the repository, see tests/data/conformance/README.md",
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
    let (id, file, pod, check, expected, level, version) = (
        col("case_id"),
        col("file"),
        col("pod"),
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
                pod: get(pod),
                check: get(check),
                expected_fail: expected == "fail",
                level: get(level),
                version: get(version),
            }
        })
        .collect()
}

/// An engine at a level and version: over the Pod Security files of the standard library, or
/// over all of it.
fn engine_with(level: &str, version: &str, whole_stdlib: bool) -> Engine {
    let level = match level {
        "baseline" => PssLevel::Baseline,
        "restricted" => PssLevel::Restricted,
        other => panic!("unknown level `{other}` in INDEX.tsv"),
    };
    let mut b = Engine::builder()
        .stdlib(whole_stdlib)
        .pss_level(level)
        .pss_version(version);
    if !whole_stdlib {
        for (path, text) in stdlib_rules::SOURCES {
            if path.starts_with("lib/") || path.starts_with("cluster/pod-security-") {
                b = b.rule_source(path, text);
            }
        }
    }
    b.build()
        .unwrap_or_else(|e| panic!("the standard library does not build: {e}"))
}

fn build_engine(level: &str, version: &str) -> Engine {
    engine_with(level, version, false)
}

fn is_pss_rule(f: &Finding) -> bool {
    f.rule()
        .tags
        .iter()
        .any(|t| &**t == TAG_PSS_BASELINE || &**t == TAG_PSS_RESTRICTED)
}

fn psa_checks(f: &Finding) -> impl Iterator<Item = &str> {
    f.rule().tags.iter().filter_map(|t| t.strip_prefix(TAG_PSA))
}

/// Judges one case: `Ok` when fourc agrees, else why not.
fn judge(
    engine: &Engine,
    dir: &Path,
    case: &Case,
    unlocated: &mut Vec<String>,
) -> Result<(), String> {
    let path = dir.join(&case.pod);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {} ({}): {e}", path.display(), case.file))?;
    let scan = engine.check_str(&case.file, &text);
    if let Some(e) = scan.load_errors.first() {
        return Err(format!("load error: {e}"));
    }
    let errors: Vec<String> = scan
        .report
        .errors
        .iter()
        .map(|e| {
            format!(
                "{} failed at {}: {}",
                e.rule().id,
                e.rule_location(),
                e.message()
            )
        })
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
    // A finding points at the offending field, or the nearest parent of a missing one: never
    // at the document as a whole.
    for f in &findings {
        if f.line() == 0 || f.path().is_empty() {
            unlocated.push(format!("{}: {} ({})", case.id, f.message(), f.rule().id));
        }
    }
    let describe = || {
        findings
            .iter()
            .map(|f| format!("{}: {}", f.rule().id, f.message()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if case.expected_fail {
        if findings
            .iter()
            .any(|f| psa_checks(f).any(|c| c == case.check))
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
    let all = engine_with("restricted", "latest", true);
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

    // The whole standard library, at `latest`, gives the newest version's cases the same verdicts.
    let newest = cases
        .iter()
        .map(|c| c.version.as_str())
        .max_by_key(|v| v.trim_start_matches("v1.").parse::<u32>().unwrap_or(0))
        .unwrap_or("latest");
    let mut whole_disagreements = Vec::new();
    let whole_baseline = engine_with("baseline", "latest", true);
    for (level, engine) in [("baseline", &whole_baseline), ("restricted", &all)] {
        for case in groups
            .iter()
            .filter(|((l, v), _)| *l == level && *v == newest)
            .flat_map(|(_, g)| g)
        {
            if let Err(why) = judge(engine, &dir, case, &mut Vec::new()) {
                whole_disagreements.push(format!("{} (whole stdlib, latest): {why}", case.id));
            }
        }
    }

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
        whole_disagreements.is_empty(),
        "{}",
        whole_disagreements.join("\n")
    );
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
            matches!(err, fourc::BuildError::ProfileVersion { .. }),
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

/// A pod with the given pod-level `securityContext`, extra pod spec fields (one line of YAML, or
/// empty) and container `securityContext`, each in YAML flow style.
fn pod(pod_sc: &str, spec: &str, container_sc: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {{}}\nspec:\n  {spec}\n  \
         securityContext: {pod_sc}\n  containers:\n  - name: app\n    image: nginx\n    \
         securityContext: {container_sc}\n"
    )
}

/// What Kubernetes checks differently from one version to the next, beyond what the corpus's
/// fixtures vary: each case is a pod, a level and a version, and the Pod Security rules that
/// must fire (no other may).
#[test]
fn version_gates_match_pod_security_admission() {
    // Restricted-valid at every version, apart from what a case adds.
    const POD_SC: &str = "{runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}";
    const C_SC: &str = "{allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}";
    let windows_bare = pod("{runAsNonRoot: true}", "os: {name: windows}", "{}");
    let windows_sys_admin = pod(
        "{runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}",
        "os: {name: windows}",
        "{allowPrivilegeEscalation: false, capabilities: {add: [SYS_ADMIN]}}",
    );
    let sysctl = pod(
        "{runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}, sysctls: [{name: net.ipv4.tcp_notsent_lowat, value: '16384'}]}",
        "",
        C_SC,
    );
    let engine_t = pod(
        POD_SC,
        "",
        "{allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seLinuxOptions: {type: container_engine_t}}",
    );
    let probe_host = pod(POD_SC, "", C_SC).replace(
        "    image: nginx\n",
        "    image: nginx\n    livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}\n",
    );
    let apparmor_field = pod("{appArmorProfile: {type: Unconfined}}", "", "{}");
    let image_volume = pod(
        POD_SC,
        "volumes: [{name: tools, image: {reference: 'tools:1'}}]",
        "{allowPrivilegeEscalation: false}",
    );
    let seccomp_annotation = pod("{}", "", "{}").replace(
        "annotations: {}",
        "annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}",
    );
    let seccomp_field = pod(
        "{runAsNonRoot: true, seccompProfile: {type: Unconfined}}",
        "",
        C_SC,
    );
    let userns_no_non_root = pod(
        "{seccompProfile: {type: RuntimeDefault}}",
        "hostUsers: false",
        C_SC,
    );
    let userns_root = pod(
        "{runAsNonRoot: true, runAsUser: 0, seccompProfile: {type: RuntimeDefault}}",
        "hostUsers: false",
        C_SC,
    );
    let userns_unmasked = pod(
        POD_SC,
        "hostUsers: false",
        "{allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, procMount: Unmasked}",
    );
    let no_ape = pod("{runAsNonRoot: true}", "", "{}");
    let no_drop = pod(POD_SC, "", "{allowPrivilegeEscalation: false}");
    let host_path = pod(
        POD_SC,
        "volumes: [{name: d, hostPath: {path: /var/run/docker.sock}}]",
        C_SC,
    );

    let windows_unconfined = pod(
        "{runAsNonRoot: true, seccompProfile: {type: Unconfined}}",
        "os: {name: windows}",
        C_SC,
    );
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "restricted",
            "v1.24",
            &windows_bare,
            &[
                "pss-restricted-capabilities",
                "pss-restricted-privilege-escalation",
                "pss-restricted-seccomp",
            ],
        ),
        ("restricted", "v1.25", &windows_bare, &[]),
        ("restricted", "latest", &windows_bare, &[]),
        // At the restricted level Kubernetes' restricted checks replace the baseline capabilities
        // and seccomp checks, and exempt Windows pods from v1.25: so do the baseline rules.
        ("restricted", "v1.25", &windows_sys_admin, &[]),
        ("restricted", "v1.25", &windows_unconfined, &[]),
        (
            "restricted",
            "v1.24",
            &windows_sys_admin,
            &["pss-baseline-capabilities", "pss-restricted-capabilities"],
        ),
        (
            "restricted",
            "v1.24",
            &windows_unconfined,
            &["pss-baseline-seccomp", "pss-restricted-seccomp"],
        ),
        (
            "restricted",
            "v1.21",
            &windows_sys_admin,
            &["pss-baseline-capabilities"],
        ),
        (
            "baseline",
            "v1.25",
            &windows_sys_admin,
            &["pss-baseline-capabilities"],
        ),
        (
            "baseline",
            "v1.25",
            &windows_unconfined,
            &["pss-baseline-seccomp"],
        ),
        ("baseline", "v1.36", &sysctl, &["pss-baseline-sysctls"]),
        ("baseline", "v1.37", &sysctl, &[]),
        ("restricted", "latest", &sysctl, &[]),
        ("restricted", "v1.30", &engine_t, &["pss-baseline-selinux"]),
        ("restricted", "v1.31", &engine_t, &[]),
        ("restricted", "v1.33", &probe_host, &[]),
        (
            "restricted",
            "v1.34",
            &probe_host,
            &["pss-baseline-host-probes"],
        ),
        // AppArmor fields and image volumes are checked (allowed) at every version, as in
        // Kubernetes, which amended its 1.0 checks in place.
        (
            "baseline",
            "v1.0",
            &apparmor_field,
            &["pss-baseline-apparmor"],
        ),
        ("restricted", "v1.0", &image_volume, &[]),
        (
            "baseline",
            "v1.18",
            &seccomp_annotation,
            &["pss-baseline-seccomp"],
        ),
        ("baseline", "v1.19", &seccomp_annotation, &[]),
        ("baseline", "v1.18", &seccomp_field, &[]),
        (
            "baseline",
            "v1.19",
            &seccomp_field,
            &["pss-baseline-seccomp"],
        ),
        ("restricted", "v1.18", &seccomp_field, &[]),
        (
            "restricted",
            "v1.19",
            &seccomp_field,
            &["pss-baseline-seccomp", "pss-restricted-seccomp"],
        ),
        (
            "restricted",
            "v1.34",
            &userns_no_non_root,
            &["pss-restricted-run-as-non-root"],
        ),
        ("restricted", "v1.35", &userns_no_non_root, &[]),
        ("restricted", "v1.22", &userns_root, &[]),
        (
            "restricted",
            "v1.34",
            &userns_root,
            &["pss-restricted-run-as-user"],
        ),
        ("restricted", "v1.35", &userns_root, &[]),
        (
            "baseline",
            "v1.34",
            &userns_unmasked,
            &["pss-baseline-proc-mount"],
        ),
        ("baseline", "v1.35", &userns_unmasked, &[]),
        (
            "restricted",
            "v1.34",
            &userns_unmasked,
            &["pss-baseline-proc-mount"],
        ),
        (
            "restricted",
            "v1.35",
            &userns_unmasked,
            &["pss-restricted-proc-mount"],
        ),
        ("restricted", "v1.7", &no_ape, &[]),
        (
            "restricted",
            "v1.8",
            &no_ape,
            &["pss-restricted-privilege-escalation"],
        ),
        ("restricted", "v1.21", &no_drop, &[]),
        (
            "restricted",
            "v1.22",
            &no_drop,
            &["pss-restricted-capabilities"],
        ),
        (
            "baseline",
            "latest",
            &host_path,
            &["pss-baseline-host-path"],
        ),
        (
            "restricted",
            "v1.0",
            &host_path,
            &["pss-baseline-host-path", "pss-restricted-volume-types"],
        ),
    ];
    let mut engines: BTreeMap<(&str, &str), Engine> = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, (level, version, yaml, want)) in cases.iter().enumerate() {
        let engine = engines
            .entry((level, version))
            .or_insert_with(|| build_engine(level, version));
        let scan = engine.check_str("case.yaml", yaml);
        assert!(
            scan.load_errors.is_empty(),
            "case {i}: {:?}",
            scan.load_errors
        );
        assert!(
            scan.report.errors.is_empty(),
            "case {i}: {:?}",
            scan.report.errors
        );
        let mut got: Vec<&str> = scan
            .report
            .findings
            .iter()
            .filter(|f| is_pss_rule(f))
            .map(|f| &*f.rule().id)
            .collect();
        got.sort_unstable();
        got.dedup();
        if got != *want {
            failures.push(format!(
                "case {i} ({level} {version}): want {want:?}, got {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
