//! Conformance with the cloud-layer corpus (186 rows, vendored at
//! `tests/data/conformance/cloud/`, see the README there): trivy-checks' Terraform and
//! CloudFormation examples and kube-apiserver / etcd / kubelet Rego test inputs, and kops cluster
//! specs. Each row names a file, a control and a verdict: the file is scanned alone by the whole
//! standard library, and the row agrees when `fail` comes with at least one finding of a rule of
//! that control and `pass` with none.
//!
//! Upstream verdicts are per check while fourc judges per control. Rows whose notes say
//! `contradicted at control level` (a "good" example sets only the flag its own check reads and
//! fails a sibling check of the same control) or `mislabeled for this control` are judged at the
//! control level: the control's verdict is the opposite of the row's (see the corpus README).
//! They are counted apart from the eligible rows.
//!
//! Rows where fourc deliberately disagrees are listed in [`DISAGREE`] with the reason; a listed
//! row that starts to agree is an error, so the list stays exact.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::{Path, PathBuf};

use fourc::Engine;

/// The corpus folder, relative to the workspace root.
const CORPUS: &str = "tests/data/conformance/cloud";

/// Eligible rows that must agree: the test fails below it.
const FLOOR: usize = 139;

/// Rows fourc judges otherwise on purpose, with the reason.
const DISAGREE: &[(&str, &str)] = &[
    (
        "trivy/AWS-0057/cloudformation/bad_0",
        "the template's indentation puts `Version` and `Statement` at its top level, outside \
         the resource: the AWS::IAM::Policy has an empty PolicyDocument and grants nothing, so \
         fourc reads no statement to judge (upstream's example is malformed)",
    ),
    (
        "trivy/GCP-0064/terraform/good_0",
        "judged at the control level this row expects a failure of CKV_GCP_13 (client \
         certificates); the cluster omits master_auth, and the Google provider's default for \
         issue_client_certificate is false (GKE issues no client certificate since 1.12), see \
         policy-core/src/view/cloud/defaults.json: fourc reports nothing",
    ),
    (
        "trivy/KCV-0001/test_anonymous_requests_args_no_apiserver",
        "the input is a Pod in namespace default (no kube-apiserver) that automounts the token \
         of ServiceAccount default: fourc's automount-token (cluster.authentication) reports it, \
         while the upstream check looks only at kube-apiserver flags",
    ),
];

struct Row {
    id: String,
    file: String,
    control: String,
    expected_fail: bool,
    /// Judged at the control level (contradicted or mislabeled row).
    control_level: bool,
}

fn read_index(dir: &Path) -> Vec<Row> {
    let index = dir.join("INDEX.tsv");
    let text = std::fs::read_to_string(&index).unwrap_or_else(|e| {
        panic!(
            "the cloud corpus is missing: cannot read {} ({e}); it is vendored in the repository",
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
    let (id, file, control, expected, notes) = (
        col("case_id"),
        col("file"),
        col("control"),
        col("expected"),
        col("notes"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let expected_fail = match f[expected] {
                "fail" => true,
                "pass" => false,
                other => panic!("row {}: unknown expectation `{other}`", f[id]),
            };
            let n = f.get(notes).copied().unwrap_or_default();
            Row {
                id: f[id].to_string(),
                file: f[file].to_string(),
                control: f[control].to_string(),
                expected_fail,
                control_level: n.contains("contradicted at control level")
                    || n.contains("mislabeled for this control"),
            }
        })
        .collect()
}

/// Whether the scan of `path` has a finding of a rule of `control`, and the rules that fired.
fn verdict(engine: &Engine, path: &Path, control: &str) -> (bool, Vec<String>) {
    let scan = engine.check_paths(&[path]);
    assert!(
        scan.load_errors.is_empty(),
        "{}: {:?}",
        path.display(),
        scan.load_errors
    );
    assert!(
        scan.skipped.is_empty(),
        "{}: skipped: {:?}",
        path.display(),
        scan.skipped
    );
    let fired: Vec<String> = scan
        .report
        .findings
        .iter()
        .filter(|f| f.rule().controls.iter().any(|c| &**c == control))
        .map(|f| format!("{} ({})", f.rule().id, f.message()))
        .collect();
    (!fired.is_empty(), fired)
}

#[test]
fn cloud_corpus_agrees() {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    let rows = read_index(&dir);
    assert_eq!(rows.len(), 186, "the corpus has 186 rows");
    let engine = Engine::builder().build().unwrap();
    let (mut eligible, mut agree, mut cl_total, mut cl_agree) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for row in &rows {
        let (fails, fired) = verdict(&engine, &dir.join(&row.file), &row.control);
        let want_fail = if row.control_level {
            !row.expected_fail
        } else {
            row.expected_fail
        };
        let ok = fails == want_fail;
        if row.control_level {
            cl_total += 1;
            cl_agree += usize::from(ok);
        } else {
            eligible += 1;
            agree += usize::from(ok);
        }
        let listed = DISAGREE.iter().find(|(id, _)| *id == row.id);
        match (ok, listed) {
            (true, Some(_)) => problems.push(format!("{}: listed in DISAGREE but agrees", row.id)),
            (false, None) => problems.push(format!(
                "{} [{}] expected {}, got {}{}",
                row.id,
                row.control,
                if want_fail { "fail" } else { "pass" },
                if fails { "fail: " } else { "pass" },
                fired.join("; ")
            )),
            _ => {}
        }
    }
    let pct = |a: usize, n: usize| 100.0 * a as f64 / n.max(1) as f64;
    println!(
        "cloud conformance: {agree}/{eligible} ({:.1}%) eligible rows; {cl_agree}/{cl_total} ({:.1}%) contradicted or mislabeled rows judged at the control level",
        pct(agree, eligible),
        pct(cl_agree, cl_total)
    );
    for p in &problems {
        println!("  {p}");
    }
    assert!(
        agree >= FLOOR,
        "agreement {agree} fell below the floor {FLOOR}"
    );
    assert!(
        problems.iter().all(|p| !p.contains("listed in DISAGREE")),
        "{problems:#?}"
    );
}
