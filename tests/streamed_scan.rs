//! A scan handed to a sink part by part (`Engine::check_paths_into`) gives the findings,
//! errors and checked documents of the collected scan (`Engine::check_paths`), in the same
//! order, over several parts and files, with cross-document rules seeing every file.

use std::fmt::Write as _;

use fourc::{Engine, ScanPart, ScanSink, ScanStart};

#[derive(Default)]
struct Record {
    started: usize,
    parts: usize,
    documents: usize,
    findings: Vec<(String, String, u32, u32)>,
    checked: usize,
    errors: usize,
    finished: usize,
}

impl ScanSink for Record {
    fn start(&mut self, s: &ScanStart<'_>) -> std::io::Result<()> {
        self.started += 1;
        self.documents = s.documents;
        Ok(())
    }
    fn part(&mut self, p: &ScanPart<'_>) -> std::io::Result<()> {
        self.parts += 1;
        self.checked += p.checked.len();
        self.errors += p.errors.len();
        self.findings.extend(p.findings.iter().map(|f| {
            (
                f.source().name().to_string(),
                f.rule().id.to_string(),
                f.line(),
                f.col(),
            )
        }));
        Ok(())
    }
    fn finish(&mut self, _: &[fourc::waiver::Notice]) -> std::io::Result<()> {
        self.finished += 1;
        Ok(())
    }
}

fn pods(n: usize, privileged_every: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let privileged = i % privileged_every == 0;
        let _ = write!(
            s,
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: shop\n  labels: {{app: a{i}}}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25.3\n    securityContext: {{privileged: {privileged}}}\n"
        );
    }
    s
}

/// Removed when the test ends.
struct Dir(std::path::PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn parts_give_the_collected_scan() {
    let dir = std::env::temp_dir().join(format!("fourc-streamed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir = Dir(dir);
    // Written in the order b, a, c: reports are sorted by file, whatever the input order.
    std::fs::write(dir.0.as_path().join("b.yaml"), pods(700, 7)).unwrap();
    std::fs::write(dir.0.as_path().join("a.yaml"), pods(600, 5)).unwrap();
    // A default-deny policy in the last file changes the verdict of every Pod in the others.
    std::fs::write(
        dir.0.as_path().join("c.yaml"),
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    )
    .unwrap();
    let engine = Engine::builder().build().unwrap();
    let paths = [
        dir.0.as_path().join("b.yaml"),
        dir.0.as_path().join("a.yaml"),
        dir.0.as_path().join("c.yaml"),
    ];
    let whole = engine.check_paths(&paths);
    let mut rec = Record::default();
    engine
        .check_paths_into(&paths, &mut |_| {}, &mut rec)
        .unwrap();
    assert_eq!((rec.started, rec.finished), (1, 1));
    assert_eq!(rec.documents, 1301);
    assert_eq!(rec.checked, whole.checked.len());
    assert!(rec.parts >= 3, "{} parts", rec.parts);
    assert_eq!(rec.errors, whole.report.errors.len());
    let collected: Vec<(String, String, u32, u32)> = whole
        .report
        .findings
        .iter()
        .map(|f| {
            (
                f.source().name().to_string(),
                f.rule().id.to_string(),
                f.line(),
                f.col(),
            )
        })
        .collect();
    assert_eq!(rec.findings, collected);
    // Not vacuous: privileged Pods of both files are found, in file order.
    let privileged: Vec<&str> = rec
        .findings
        .iter()
        .filter(|f| f.1 == "pss-baseline-privileged")
        .map(|f| f.0.rsplit('/').next().unwrap_or(""))
        .collect();
    assert_eq!(privileged.len(), 120 + 100);
    assert!(privileged.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(privileged.first(), Some(&"a.yaml"));
    // The policy in c.yaml covers the Pods of a.yaml and b.yaml: no Pod lacks one.
    assert!(
        !rec.findings.iter().any(|f| f.1.starts_with("netpol-")),
        "{:?}",
        rec.findings.iter().find(|f| f.1.starts_with("netpol-"))
    );
    let sorted = rec
        .findings
        .windows(2)
        .all(|w| (&w[0].0, w[0].2, w[0].3) <= (&w[1].0, w[1].2, w[1].3));
    assert!(sorted, "findings across parts are in report order");
}

/// Every report written while scanning (a part at a time, a file's findings spread over
/// parts) is byte for byte the report of the collected scan, evaluation errors included.
#[test]
fn reports_written_while_scanning_are_the_reports_of_the_collected_scan() {
    use fourc::output::{
        HtmlSink, JsonSink, JunitSink, SarifSink, TextOptions, TextSink, write_html, write_json,
        write_junit, write_sarif, write_text,
    };
    let dir = std::env::temp_dir().join(format!("fourc-streamed-reports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir = Dir(dir);
    std::fs::write(dir.0.join("a.yaml"), pods(1100, 9)).unwrap();
    std::fs::write(dir.0.join("b.yaml"), pods(30, 4)).unwrap();
    let engine = Engine::builder()
        .rule_source(
            "broken.fourc",
            "rule broken-on-two {\n  title \"broken on two pods\"\n  controls [cluster.pod-security]\n  severity low\n  on Pod as p\n  deny (p.metadata.name == \"p3\" or p.metadata.name == \"p650\") and p.metadata.name.x\n}\n",
        )
        .build()
        .unwrap();
    let paths = [dir.0.join("b.yaml"), dir.0.join("a.yaml")];
    let whole = engine.check_paths(&paths);
    assert_eq!(whole.report.errors.len(), 3, "{:?}", whole.report.errors);
    let full = TextOptions::default().show_suppressed(true);
    let compact = TextOptions::default().compact(true);
    let mut text = TextSink::new(Vec::new(), full);
    let mut lines = TextSink::new(Vec::new(), compact);
    let mut json = JsonSink::new(Vec::new());
    let mut sarif = SarifSink::new(Vec::new());
    let mut junit = JunitSink::new(Vec::new());
    let mut html = HtmlSink::new(Vec::new());
    let mut rec = Record::default();
    engine
        .check_paths_into(
            &paths,
            &mut |_| {},
            &mut fourc::Tee(vec![
                &mut text, &mut lines, &mut json, &mut sarif, &mut junit, &mut html, &mut rec,
            ]),
        )
        .unwrap();
    assert!(rec.parts >= 3, "{} parts", rec.parts);
    let expect = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    };
    let got = |v: Vec<u8>| String::from_utf8(v).unwrap();
    let text_whole = expect(&|o| write_text(&whole, &full, o).unwrap());
    assert!(text_whole.contains("evaluation errors (3;"), "{text_whole}");
    assert_eq!(
        text_whole.matches("a.yaml\n").count(),
        1,
        "one heading for a file spread over parts"
    );
    assert_eq!(got(text.into_inner()), text_whole);
    assert_eq!(
        got(lines.into_inner()),
        expect(&|o| write_text(&whole, &compact, o).unwrap())
    );
    assert_eq!(
        got(json.into_inner()),
        expect(&|o| write_json(&whole, o).unwrap())
    );
    assert_eq!(
        got(sarif.into_inner()),
        expect(&|o| write_sarif(&whole, o).unwrap())
    );
    assert_eq!(
        got(junit.into_inner()),
        expect(&|o| write_junit(&whole, o).unwrap())
    );
    assert_eq!(
        got(html.into_inner()),
        expect(&|o| write_html(&whole, o).unwrap())
    );
}

/// A scan for reports that show no source lines frees each file's text once its documents are
/// built; every location stays exact. A text that is not all ASCII keeps its text (its columns
/// count characters).
#[test]
fn released_source_text_keeps_every_location() {
    use fourc::output::write_json;
    let dir = std::env::temp_dir().join(format!("fourc-released-text-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir = Dir(dir);
    std::fs::write(dir.0.join("a.yaml"), pods(40, 3)).unwrap();
    // Non-ASCII before the findings' columns on the same lines.
    std::fs::write(
        dir.0.join("u.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: \"ü\", namespace: shop}\nspec: {containers: [{name: \"é\", image: nginx, securityContext: {privileged: true}}]}\n",
    )
    .unwrap();
    let paths = [dir.0.join("a.yaml"), dir.0.join("u.yaml")];
    let kept = Engine::builder().build().unwrap().check_paths(&paths);
    let released = Engine::builder()
        .build()
        .unwrap()
        .keep_source_text(false)
        .check_paths(&paths);
    let json = |s: &fourc::Scan| {
        let mut out = Vec::new();
        write_json(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(!kept.report.findings.is_empty());
    assert_eq!(json(&released), json(&kept));
    let source_of = |name: &str| {
        released
            .report
            .findings
            .iter()
            .find(|f| f.source().name().ends_with(name))
            .map(|f| f.source().clone())
            .unwrap()
    };
    assert!(source_of("a.yaml").text_released());
    assert!(source_of("a.yaml").text().is_empty());
    assert!(!source_of("u.yaml").text_released());
    assert!(
        kept.report
            .findings
            .iter()
            .all(|f| !f.source().text_released())
    );
}
