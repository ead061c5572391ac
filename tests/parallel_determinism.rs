//! The same scan on one thread and on two gives byte-identical output: the YAML stream is split
//! and loaded in parallel, documents are evaluated in parallel, and the results are joined and
//! sorted so that nothing depends on the thread count.

#[path = "../benches/support/common.rs"]
#[allow(dead_code, reason = "shared with the benches, which use other parts")]
mod common;
#[path = "../benches/support/rego.rs"]
#[allow(dead_code, reason = "shared with the benches, which use other parts")]
mod rego;

use fourc::output::Format;

#[test]
fn one_thread_and_two_give_byte_identical_output() {
    let engine = common::engine(
        true,
        &[
            ("reference.fourc", rego::REFERENCE_RULES),
            ("cross_doc.fourc", common::CROSS_DOC_RULES),
        ],
    );
    // 1.7 MB: large enough for the loader to split the stream.
    let text = common::corpus_yaml(1000);
    let render = |threads: usize| {
        let scan = common::pool(threads).install(|| engine.check_str("k8s-1000.yaml", &text));
        assert!(
            scan.load_errors.is_empty(),
            "{:?}",
            scan.load_errors.first()
        );
        assert!(
            scan.report.errors.is_empty(),
            "{:?}",
            scan.report.errors.first()
        );
        assert!(scan.report.findings.len() > 3000);
        [Format::Json, Format::Text, Format::Sarif].map(|f| f.render(&scan))
    };
    let one = render(1);
    let two = render(2);
    for (a, b) in one.iter().zip(&two) {
        assert!(a == b, "output differs between 1 and 2 threads");
    }
}
