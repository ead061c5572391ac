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

/// The two rules of the language requirements' example, as written there.
const SPEC_EXAMPLE: &str = r#"
rule pss-baseline-privileged {
  title       "Privileged containers are not allowed"
  controls    [cluster.pod-security]
  profile     pss-baseline
  severity    high
  remediation "Remove securityContext.privileged or set it to false."

  on workload as w                       # any document with a pod template, normalized
  each c in w.pod.containers ++ w.pod.initContainers ++ w.pod.ephemeralContainers
  deny c.securityContext.privileged == true
    at c.securityContext.privileged      # where the finding points in the user's file
    message "container {c.name} runs privileged"
}

rule netpol-namespace-covered {
  title    "Namespaces with workloads have a NetworkPolicy"
  controls [cluster.network-policy]
  severity medium

  on Namespace as ns
  when any w in resources(workload) : w.metadata.namespace == ns.metadata.name
  deny not any p in resources(NetworkPolicy) : p.metadata.namespace == ns.metadata.name
    message "namespace {ns.metadata.name} runs workloads but no NetworkPolicy selects them"
}
"#;

const MANIFESTS: &str = r#"
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
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
          securityContext:
            privileged: true
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

/// Builds the engine, runs the rules' tests, scans the manifests and returns the report lines.
fn run() -> Result<Vec<String>, Box<dyn std::error::Error>> {
    // Build once (rules compile before any document is read); the engine is Send + Sync and
    // can be shared by every request of an admission webhook or every file of a CI scan.
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("custom/trusted-registry.fourc", RULE)
        .rule_source("custom/spec-example.fourc", SPEC_EXAMPLE)
        .param(
            "allowed_registries",
            Value::from_json(&serde_json::json!([
                "registry.example.com/",
                "quay.io/acme/"
            ])),
        )
        .build()?;

    // The rules' own test blocks.
    let tests = engine.run_tests();
    let mut lines = vec![format!(
        "rule tests: {} passed, {} failed",
        tests.passed(),
        tests.failed()
    )];

    let scan = engine.check_str("manifests.yaml", MANIFESTS);
    lines.extend(scan.load_errors.iter().map(|e| e.to_string()));
    for f in &scan.report.findings {
        lines.push(format!(
            "{}:{}:{}: {} [{}] {} ({}; field {})",
            f.source().name(),
            f.line(),
            f.col(),
            f.rule().severity,
            f.rule().id,
            f.message(),
            f.resource(),
            if f.path().is_empty() {
                "<document>"
            } else {
                f.path()
            }
        ));
    }
    lines.push(format!("{} finding(s)", scan.report.findings.len()));
    Ok(lines)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for line in run()? {
        println!("{line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_finds_what_it_says() {
        let lines = super::run().unwrap();
        assert_eq!(
            lines,
            vec![
                "rule tests: 2 passed, 0 failed",
                "manifests.yaml:2:1: medium [netpol-namespace-covered] namespace shop runs workloads but no NetworkPolicy selects them (Namespace/shop; field <document>)",
                "manifests.yaml:19:11: high [trusted-registry] container cache runs docker.io/library/redis:7 from an untrusted registry (Deployment/shop/web; field spec.template.spec.containers[1].image)",
                "manifests.yaml:21:13: high [pss-baseline-privileged] container cache runs privileged (Deployment/shop/web; field spec.template.spec.containers[1].securityContext.privileged)",
                "3 finding(s)",
            ]
        );
    }
}
