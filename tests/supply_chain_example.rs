//! `examples/supply-chain/`: a small service with its Dockerfile, manifests, scanner reports and
//! image policy gives known findings of each of the nine Container and Code controls, each on
//! the file and line of its evidence.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::Path;

use fourc::Engine;

#[test]
fn the_example_has_findings_of_every_container_and_code_control() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/supply-chain");
    let scan = Engine::builder().build().unwrap().check_paths(&[&dir]);
    assert!(scan.load_errors.is_empty(), "{:?}", scan.load_errors);
    assert!(scan.report.errors.is_empty(), "{:?}", scan.report.errors);
    let has = |control: &str, file: &str, rule: &str| {
        scan.report.findings.iter().any(|f| {
            f.source().name().ends_with(file)
                && &*f.rule().id == rule
                && f.rule().controls.iter().any(|c| &**c == control)
        })
    };
    for (control, file, rule) in [
        (
            "container.vulnerability-scan",
            "trivy-web.json",
            "image-vulnerability-fixable",
        ),
        (
            "container.vulnerability-scan",
            "deployment.yaml",
            "image-without-scan-report",
        ),
        (
            "container.image-signing",
            "deployment.yaml",
            "image-digest-pinned",
        ),
        (
            "container.image-signing",
            "deployment.yaml",
            "image-signature-not-enforced",
        ),
        (
            "container.image-signing",
            "image-policy.yaml",
            "signature-policy-not-enforcing",
        ),
        (
            "container.image-signing",
            "Dockerfile",
            "dockerfile-base-image-digest",
        ),
        (
            "container.non-root",
            "Dockerfile",
            "dockerfile-final-stage-root",
        ),
        (
            "container.non-root",
            "deployment.yaml",
            "pss-restricted-run-as-non-root",
        ),
        (
            "container.isolation",
            "deployment.yaml",
            "workload-sandbox-runtime",
        ),
        ("code.tls", "deployment.yaml", "plaintext-http-url"),
        ("code.tls", "service.yaml", "service-plaintext-port"),
        ("code.ports", "service.yaml", "service-loadbalancer-open"),
        ("code.ports", "Dockerfile", "dockerfile-expose-remote-admin"),
        (
            "code.ports",
            "deployment.yaml",
            "container-remote-admin-port",
        ),
        (
            "code.dependencies",
            "osv.json",
            "dependency-vulnerability-fixable",
        ),
        ("code.static-analysis", "semgrep.sarif", "sast-result"),
        ("code.dynamic-probing", "zap.json", "zap-high-risk-alert"),
    ] {
        assert!(has(control, file, rule), "no {rule} ({control}) on {file}");
    }
    let first = |rule: &str| {
        scan.report
            .findings
            .iter()
            .find(|f| &*f.rule().id == rule)
            .unwrap()
    };
    // The image report's finding sits on the vulnerability and names the workload running it.
    let f = first("image-vulnerability-fixable");
    assert_eq!(
        f.message(),
        "Deployment shop/web runs ghcr.io/example/shop-web:1.4.2, which has CVE-2024-5535 in \
         libssl3 3.1.4-r5 (critical, fixed in 3.1.6-r0)"
    );
    assert_eq!(f.line(), 16);
    // ... and points at the Deployment's `image:` line as a related place.
    let related: Vec<String> = f.related().iter().map(|r| r.summary()).collect();
    assert_eq!(
        related,
        [format!(
            "{}:23:9 (spec.template.spec.containers[0].image of Deployment shop/web)",
            dir.join("deployment.yaml").display()
        )]
    );
    // The SARIF result's finding sits on the result, not on its rule's default level.
    assert_eq!(first("sast-result").line(), 19);
}
