//! The evidence corpus: real scanner reports, SARIF logs, ZAP reports, Dockerfiles and
//! supply-chain and mesh manifests (`tests/data/evidence/`, copied from the shared samples with
//! their licences and SOURCE notes), each row of `INDEX.tsv` giving the verdict the corpus's
//! README defaults expect for one file and one control.
//!
//! fourc checks each row's file with the standard library and defaults: a `fail` row must get a
//! finding of that control on that file, a `pass` row none, a `warn` row findings of severity low
//! only (at least one), an `error` row a load error naming the file. `n/a` rows are not judged.
//! Rows fourc disagrees with are listed in [`KNOWN`] with the reason; the test prints the figure
//! (`evidence: N/M`) and fails when agreement drops below the floor or a known row starts to
//! agree (so the list stays honest).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::{Path, PathBuf};

use fourc::Engine;
use fourc::Severity;

/// Rows where fourc's verdict differs from the corpus's, with why. Keyed by file and control.
const KNOWN: &[(&str, &str, &str)] = &[];

/// Files read together with a row's file, because the row's verdict depends on them (the
/// corpus's note says so); findings are still counted on the row's file only.
const CONTEXT: &[(&str, &str)] = &[(
    "runtimeclass/gvisor/docker-in-gvisor-pod.yaml",
    "runtimeclass/gvisor/runtimeclass-v1beta1-and-pod.yaml",
)];

/// The least agreement accepted.
const FLOOR: usize = 81;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/evidence")
}

#[test]
fn evidence_rows_agree_with_the_corpus_defaults() {
    let engine = Engine::builder().build().unwrap();
    let index = std::fs::read_to_string(data().join("INDEX.tsv")).unwrap();
    let mut judged = 0;
    let mut agreed = 0;
    let mut disagreements = Vec::new();
    let mut known_agreeing = Vec::new();
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, control, expected) = (cols[0], cols[5], cols[6]);
        if expected == "n/a" {
            continue;
        }
        judged += 1;
        let path = data().join(file);
        let mut inputs = vec![path.clone()];
        for (f, ctx) in CONTEXT {
            if *f == file {
                inputs.push(data().join(ctx));
            }
        }
        let scan = engine.check_paths(&inputs);
        let name = path.display().to_string();
        let findings: Vec<_> = scan
            .report
            .findings
            .iter()
            .filter(|f| {
                f.source().name() == name && f.rule().controls.iter().any(|c| &**c == control)
            })
            .collect();
        let errors: Vec<_> = scan
            .load_errors
            .iter()
            .filter(|e| *e.source_name() == *name)
            .collect();
        let eval_errors = &scan.report.errors;
        let ok = match expected {
            "fail" => !findings.is_empty(),
            "pass" => findings.is_empty() && errors.is_empty(),
            "warn" => {
                !findings.is_empty()
                    && findings
                        .iter()
                        .all(|f| matches!(f.rule().severity, Severity::Low | Severity::Info))
            }
            "error" => !errors.is_empty(),
            other => panic!("unknown verdict {other} in INDEX.tsv"),
        };
        let known = KNOWN.iter().find(|(f, c, _)| *f == file && *c == control);
        if ok {
            agreed += 1;
            if known.is_some() {
                known_agreeing.push(format!("{file} {control}"));
            }
        } else if known.is_none() {
            disagreements.push(format!(
                "{file} {control}: expected {expected}, got {} finding(s) {:?}, load errors {:?}, evaluation errors {:?}",
                findings.len(),
                findings
                    .iter()
                    .map(|f| format!("{} {:?}: {}", f.rule().id, f.rule().severity, f.message()))
                    .collect::<Vec<_>>(),
                errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
                eval_errors.iter().map(|e| e.message().to_string()).collect::<Vec<_>>(),
            ));
        }
    }
    println!("evidence: {agreed}/{judged}");
    assert!(
        disagreements.is_empty(),
        "rows that disagree and are not in KNOWN:\n{}",
        disagreements.join("\n")
    );
    assert!(
        known_agreeing.is_empty(),
        "rows in KNOWN that now agree (remove them): {known_agreeing:?}"
    );
    assert!(
        agreed >= FLOOR,
        "evidence: {agreed}/{judged} is below the floor {FLOOR}"
    );
}

/// Bad evidence is an error naming the file and line, and the other inputs are still scanned:
/// a truncated report, a report of an unknown schema version, a failed `npm audit`, and a
/// Dockerfile with an unknown instruction, beside a Dockerfile that is fine.
#[test]
fn bad_evidence_is_an_error_naming_file_and_line_and_the_rest_is_scanned() {
    let dir = std::env::temp_dir().join(format!("fourc-evidence-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let truncated = write(
        "trivy-truncated.json",
        "{\n  \"SchemaVersion\": 2,\n  \"ArtifactName\": \"alpine:3.9\",\n  \"Results\": [\n    {\"Target\": \"x\",\n",
    );
    let future = write(
        "trivy-future.json",
        "{\n  \"SchemaVersion\": 3,\n  \"ArtifactName\": \"alpine:3.9\",\n  \"Results\": []\n}\n",
    );
    let npm = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/evidence/npm-audit/generated/npm11-audit-endpoint-error.json");
    let unknown = write("Dockerfile", "FROM alpine:3.20\nFROBNICATE now\nUSER app\n");
    let root = write("root.Dockerfile", "FROM alpine:3.20\nUSER root\n");
    let scan = Engine::builder()
        .build()
        .unwrap()
        .check_paths(&[&truncated, &future, &npm, &unknown, &root]);
    let errors: Vec<String> = scan.load_errors.iter().map(ToString::to_string).collect();
    let find = |file: &std::path::Path, line: u32, text: &str| {
        scan.load_errors.iter().any(|e| {
            *e.source_name() == *file.display().to_string()
                && e.line() == line
                && e.message().contains(text)
        })
    };
    assert!(find(&future, 2, "SchemaVersion must be 2"), "{errors:?}");
    assert!(find(&npm, 1, "npm audit failed"), "{errors:?}");
    assert!(
        find(&unknown, 2, "unknown instruction `FROBNICATE`"),
        "{errors:?}"
    );
    assert!(
        scan.load_errors
            .iter()
            .any(|e| *e.source_name() == *truncated.display().to_string() && e.line() >= 5),
        "{errors:?}"
    );
    // The Dockerfile with the unknown instruction is still judged (its USER is app), and the
    // other Dockerfile still gets its finding.
    let rules: Vec<(&str, String)> = scan
        .report
        .findings
        .iter()
        .filter(|f| {
            f.rule()
                .controls
                .iter()
                .any(|c| &**c == "container.non-root")
        })
        .map(|f| (&*f.rule().id, f.source().name().to_string()))
        .collect();
    assert_eq!(
        rules,
        [("dockerfile-final-stage-root", root.display().to_string())]
    );
    std::fs::remove_dir_all(&dir).ok();
}
