//! Cross-document queries through the selector index: `selecting(Kind, ns, labels)` gives the
//! list a filter over `resources(Kind, ns)` gives, and its cost does not grow with the objects
//! that cannot match.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use fourc::Engine;

/// Rules that fire when the index and a plain filter disagree.
const AGREE: &str = r#"
rule netpol-index-agrees {
  title "selecting agrees with a filter over NetworkPolicies"
  controls [cluster.network-policy]
  severity low
  on Deployment as w
  let ns = w.metadata.namespace ?? "default"
  let labels = w.spec.template.metadata.labels
  let fast = [p.metadata.name for p in selecting(NetworkPolicy, ns, labels)]
  let slow = [p.metadata.name for p in resources(NetworkPolicy, ns)
              if selector_matches(p.spec.podSelector ?? {}, labels ?? {})]
  deny fast != slow
    message "selecting gave {fast}, the filter {slow}"
}

rule service-index-agrees {
  title "selecting agrees with a filter over Services"
  controls [cluster.network-policy]
  severity low
  on Deployment as w
  let ns = w.metadata.namespace ?? "default"
  let labels = w.spec.template.metadata.labels
  let fast = [s.metadata.name for s in selecting(Service, ns, labels)]
  let slow = [s.metadata.name for s in resources(Service, ns)
              if labels_match(s.spec.selector, labels ?? {})]
  deny fast != slow
    message "selecting gave {fast}, the filter {slow}"
}

rule selected-somewhere {
  title "count of policies selecting in any namespace"
  controls [cluster.network-policy]
  severity low
  on Deployment as w
  let any_ns = [p.metadata.name for p in selecting(NetworkPolicy, null, w.spec.template.metadata.labels)]
  let slow = [p.metadata.name for p in resources(NetworkPolicy)
              if selector_matches(p.spec.podSelector ?? {}, w.spec.template.metadata.labels ?? {})]
  deny any_ns != slow
    message "selecting gave {any_ns}, the filter {slow}"
}
"#;

/// A small deterministic generator (xorshift), so the case set is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const KEYS: &[&str] = &["app", "tier", "team"];
const VALUES: &[&str] = &["web", "db", "a", "b"];
const NAMESPACES: &[&str] = &["shop", "ops"];

fn labels(r: &mut Rng) -> String {
    let mut m = std::collections::BTreeMap::new();
    for _ in 0..r.next() % 3 {
        m.insert(r.pick(KEYS), r.pick(VALUES));
    }
    let body: Vec<String> = m.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{{{}}}", body.join(", "))
}

fn label_selector(r: &mut Rng) -> String {
    match r.next() % 6 {
        0 => String::new(),
        1 => "    podSelector: {}\n".to_string(),
        2 => "    podSelector: null\n".to_string(),
        3 => format!("    podSelector: {{matchLabels: {}}}\n", labels(r)),
        _ => {
            let op = r.pick(&["In", "NotIn", "Exists", "DoesNotExist"]);
            let values = match op {
                "In" | "NotIn" => format!(", values: [{}, {}]", r.pick(VALUES), r.pick(VALUES)),
                _ => String::new(),
            };
            let one_value = if op == "In" && r.next().is_multiple_of(2) {
                format!(", values: [{}]", r.pick(VALUES))
            } else {
                values
            };
            format!(
                "    podSelector:\n      matchLabels: {}\n      matchExpressions: [{{key: {}, operator: {op}{one_value}}}]\n",
                labels(r),
                r.pick(KEYS)
            )
        }
    }
}

fn corpus(seed: u64) -> String {
    let mut r = Rng(seed);
    let mut docs = Vec::new();
    for i in 0..30 {
        let ns = r.pick(NAMESPACES);
        docs.push(format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np{i}, namespace: {ns}}}\nspec:\n{}",
            label_selector(&mut r)
        ));
        let ns = r.pick(NAMESPACES);
        let selector = match r.next() % 3 {
            0 => String::new(),
            1 => "  selector: {}\n".to_string(),
            _ => format!("  selector: {}\n", labels(&mut r)),
        };
        docs.push(format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: svc{i}, namespace: {ns}}}\nspec:\n{selector}  ports: [{{port: 80}}]\n"
        ));
    }
    for i in 0..40 {
        let ns = r.pick(NAMESPACES);
        docs.push(format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}, namespace: {ns}}}\nspec:\n  template:\n    metadata:\n      labels: {}\n    spec:\n      containers: [{{name: c, image: nginx}}]\n",
            labels(&mut r)
        ));
    }
    docs.join("---\n")
}

#[test]
fn selecting_agrees_with_a_filter() {
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("agree.fourc", AGREE)
        .build()
        .unwrap();
    for seed in 1..=25 {
        let scan = engine.check_str("corpus.yaml", &corpus(seed));
        assert!(scan.load_errors.is_empty(), "{:?}", scan.load_errors);
        assert!(
            scan.report.errors.is_empty(),
            "seed {seed}: {:?}",
            scan.report.errors
        );
        let disagreements: Vec<&str> = scan.report.findings.iter().map(|f| f.message()).collect();
        assert!(disagreements.is_empty(), "seed {seed}: {disagreements:?}");
    }
}

/// The agreement above is not vacuous: for most workloads the index selects some policies and
/// leaves others of the namespace out.
#[test]
fn the_agreement_corpus_selects_some_and_leaves_some_out() {
    let rules = r#"
rule partly-selected {
  title "partly selected"
  controls [cluster.network-policy]
  severity low
  on Deployment as w
  let ns = w.metadata.namespace
  let n = count(selecting(NetworkPolicy, ns, w.spec.template.metadata.labels))
  deny n > 0 and n < count(resources(NetworkPolicy, ns))
}
"#;
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("selected.fourc", rules)
        .build()
        .unwrap();
    let (mut partly, mut total) = (0, 0);
    for seed in 1..=25 {
        let scan = engine.check_str("corpus.yaml", &corpus(seed));
        partly += scan.report.findings.len();
        total += 40;
    }
    assert!(partly > total / 2, "{partly} of {total}");
}

/// 150,000 NetworkPolicies that select other pods once made the workload rule read every one of
/// them, run out of its step budget and so fail to decide; the index reads none of them.
#[test]
fn many_non_matching_network_policies_leave_the_rule_within_budget() {
    let mut docs = String::new();
    for i in 0..150_000 {
        docs.push_str(&format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np{i}, namespace: shop}}\nspec:\n  podSelector: {{matchLabels: {{app: other{i}}}}}\n---\n"
        ));
    }
    docs.push_str("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: c, image: nginx}]\n");
    let engine = Engine::builder()
        .disable_control("cluster.pod-security")
        .build()
        .unwrap();
    let scan = engine.check_str("many.yaml", &docs);
    assert!(scan.load_errors.is_empty(), "{:?}", scan.load_errors);
    let errors: Vec<String> = scan
        .report
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.rule().id, e.message()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let unisolated: Vec<_> = scan
        .report
        .findings
        .iter()
        .filter(|f| &*f.rule().id == "netpol-workload-isolated")
        .collect();
    assert_eq!(unisolated.len(), 1);
    assert_eq!(unisolated[0].resource().to_string(), "Deployment/shop/web");
}

/// `selecting` knows where each kind keeps its selector; another kind is a compile error.
#[test]
fn selecting_an_unknown_kind_is_a_compile_error() {
    let rules = r#"
rule r {
  title "r"
  controls [cluster.network-policy]
  severity low
  on Deployment as w
  deny count(selecting(ConfigMap, null, {})) > 0
}
"#;
    let err = Engine::builder()
        .stdlib(false)
        .rule_source("r.fourc", rules)
        .build()
        .expect_err("a compile error");
    let text = format!("{err}");
    let rendered = format!("{err:?}");
    assert!(
        text.contains("ConfigMap") || rendered.contains("does not know where a `ConfigMap`"),
        "{text} {rendered}"
    );
}
