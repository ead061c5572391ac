//! Embedding fourc: compile a custom rule from a string, evaluate documents, print findings.
//!
//! Run with `cargo run --example embed`.

use fourc::{Engine, Value};

const RULE: &str = r#"
param allowed_registries: [string] = ["registry.example.com/"]

rule trusted-registry {
  title       "Images come from a trusted registry"
  controls    [container.image-signing]
  severity    high
  remediation "Push the image to a trusted registry and reference it from there."

  on workload as w
  each c in w.pod.containers ++ w.pod.initContainers
  deny not any r in allowed_registries : starts_with(c.image, r)
    at c.image
    message "container {c.name} runs {c.image} from an untrusted registry"
}

test trusted-registry {
  deny  """
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      containers: [{name: app, image: docker.io/library/nginx}]
  """
  allow """
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      containers: [{name: app, image: registry.example.com/app:1}]
  """
}
"#;

const MANIFESTS: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/shop/web:1.4
        - name: cache
          image: docker.io/library/redis:7
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: quay.io/acme/report:2
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Build once (rules compile before any document is read); the engine is Send + Sync and
    // can be shared by every request of an admission webhook or every file of a CI scan.
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("custom/trusted-registry.fourc", RULE)
        .param(
            "allowed_registries",
            Value::from_json(&serde_json::json!(["registry.example.com/", "quay.io/acme/"])),
        )
        .build()?;

    // The rule's own test blocks.
    let tests = engine.run_tests();
    println!("rule tests: {} passed, {} failed", tests.passed(), tests.failed());

    let scan = engine.check_str("manifests.yaml", MANIFESTS);
    for e in &scan.load_errors {
        eprintln!("{e}");
    }
    for f in &scan.report.findings {
        println!(
            "{}:{}:{}: {} [{}] {} ({}; field {})",
            f.source.name(),
            f.span.line,
            f.span.col,
            f.rule.severity,
            f.rule.id,
            f.message,
            f.resource,
            f.path
        );
    }
    println!("{} finding(s)", scan.report.findings.len());
    Ok(())
}
