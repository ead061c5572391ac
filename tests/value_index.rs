//! Cross-document queries through the value index: `resources_with(Kind, ns, path, value)`
//! gives the list a `==` filter over `resources(Kind, ns)` gives, and a rule that looks up
//! every document's value among the others stays linear.
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
rule host-index-agrees {
  title "resources_with agrees with a filter over hosts"
  controls [code.ports]
  severity low
  on Ingress as ing
  each r in ing.spec.rules
  let fast = [o.metadata.name for o in resources_with(Ingress, ing.metadata.namespace, "spec.rules[].host", r.host)]
  let slow = [o.metadata.name for o in resources(Ingress, ing.metadata.namespace)
              if exists(r.host) and any x in o.spec.rules : x.host == r.host]
  deny fast != slow
    message "resources_with gave {fast}, the filter {slow}"
}

rule selector-index-agrees {
  title "resources_with agrees with a filter over whole selectors, in any namespace"
  controls [code.ports]
  severity low
  on Service as s
  let fast = [o.metadata.name for o in resources_with(Service, null, "spec.selector", s.spec.selector)]
  let slow = [o.metadata.name for o in resources(Service)
              if exists(s.spec.selector) and o.spec.selector == s.spec.selector]
  deny fast != slow
    message "resources_with gave {fast}, the filter {slow}"
}

rule port-index-agrees {
  title "resources_with agrees with a filter over numbers, through a quoted key"
  controls [code.ports]
  severity low
  on Service as s
  let want = s.metadata.annotations["example.com/port"]
  let fast = [o.metadata.name for o in resources_with(Service, null, "spec.ports[][\"port\"]", want)]
  let slow = [o.metadata.name for o in resources(Service)
              if exists(want) and any p in o.spec.ports : p.port == want]
  deny fast != slow
    message "resources_with gave {fast}, the filter {slow}"
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

const HOSTS: &[&str] = &[
    "a.example.com",
    "b.example.com",
    "c.example.com",
    "*.example.com",
];
const NAMESPACES: &[&str] = &["shop", "ops"];
const PORTS: &[&str] = &["80", "80.0", "443", "8080"];

fn corpus(seed: u64) -> String {
    let mut r = Rng(seed);
    let mut docs = Vec::new();
    for i in 0..30 {
        let ns = r.pick(NAMESPACES);
        let rules: Vec<String> = (0..r.next() % 3)
            .map(|_| match r.next() % 4 {
                0 => "{http: {}}".to_string(),
                _ => format!("{{host: \"{}\"}}", r.pick(HOSTS)),
            })
            .collect();
        docs.push(format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: ing{i}, namespace: {ns}}}\nspec:\n  rules: [{}]\n",
            rules.join(", ")
        ));
        let ns = r.pick(NAMESPACES);
        // The same selectors with their keys in either order, and some without a selector.
        let selector = match r.next() % 4 {
            0 => String::new(),
            1 => "  selector: {app: web, tier: a}\n".to_string(),
            2 => "  selector: {tier: a, app: web}\n".to_string(),
            _ => format!("  selector: {{app: {}}}\n", r.pick(&["web", "db"])),
        };
        let ports: Vec<String> = (0..1 + r.next() % 2)
            .map(|_| format!("{{port: {}}}", r.pick(PORTS)))
            .collect();
        docs.push(format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: svc{i}, namespace: {ns}, annotations: {{example.com/port: {}}}}}\nspec:\n{selector}  ports: [{}]\n",
            r.pick(PORTS),
            ports.join(", ")
        ));
    }
    docs.join("---\n")
}

#[test]
fn resources_with_agrees_with_a_filter() {
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

/// The agreement above is not vacuous: lookups find several documents, including ones whose
/// selector has its keys in another order and ports written as `80.0`.
#[test]
fn the_agreement_corpus_finds_several_and_leaves_some_out() {
    let rules = r#"
rule found-several {
  title "found several"
  controls [code.ports]
  severity low
  on Service as s
  let n = count(resources_with(Service, null, "spec.selector", s.spec.selector))
  deny n > 1 and n < count([o for o in resources(Service) if exists(o.spec.selector)])
}

rule mixed-numbers {
  title "an int finds a float"
  controls [code.ports]
  severity low
  on Service as s
  deny any o in resources_with(Service, null, "spec.ports[].port", 80) : any p in o.spec.ports : type_of(p.port) == "float"
}
"#;
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("found.fourc", rules)
        .build()
        .unwrap();
    let (mut several, mut mixed) = (0, 0);
    for seed in 1..=25 {
        let scan = engine.check_str("corpus.yaml", &corpus(seed));
        assert!(scan.report.errors.is_empty(), "{:?}", scan.report.errors);
        for f in &scan.report.findings {
            match &*f.rule().id {
                "found-several" => several += 1,
                _ => mixed += 1,
            }
        }
    }
    assert!(several > 25 * 30 / 4, "{several}");
    assert!(mixed > 0, "{mixed}");
}

/// 40,000 Ingresses with hosts of their own: the duplicate-host rule once compared each host
/// with every Ingress, 1.6 billion comparisons, and ran out of its step budget; through the
/// index it reads one list per host, and still finds the one duplicate at the end.
#[test]
fn many_distinct_hosts_leave_the_duplicate_host_rule_within_budget() {
    let mut docs = String::new();
    for i in 0..40_000 {
        docs.push_str(&format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: ing{i}, namespace: shop}}\nspec:\n  rules: [{{host: h{i}.example.com}}]\n---\n"
        ));
    }
    docs.push_str("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: late, namespace: other}\nspec:\n  rules: [{host: h7.example.com}]\n");
    let engine = Engine::builder()
        .config(fourc::Config::default().enable_rule("ingress-duplicate-host"))
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
    let found: Vec<String> = scan
        .report
        .findings
        .iter()
        .map(|f| f.resource().to_string())
        .collect();
    assert_eq!(found, ["Ingress/other/late"]);
}

fn compile_error(body: &str) -> String {
    let rules = format!(
        "rule r {{\n  title \"r\"\n  controls [code.ports]\n  severity low\n  on Service as s\n  deny {body}\n}}\n"
    );
    let err = Engine::builder()
        .stdlib(false)
        .rule_source("r.fourc", &rules)
        .build()
        .expect_err("a compile error");
    format!("{err} {err:?}")
}

#[test]
fn a_path_that_is_not_a_literal_is_a_compile_error() {
    let text = compile_error(r#"count(resources_with(Service, null, s.metadata.name, 1)) > 0"#);
    assert!(text.contains("must be a string literal"), "{text}");
}

#[test]
fn a_malformed_path_is_a_compile_error_that_says_why() {
    for (path, why) in [
        ("spec..ports", "empty key"),
        ("spec.ports[0].port", "expected `.`"),
        ("spec.my port", "not a plain key"),
        ("spec.ports.", "ends with `.`"),
        ("", "empty"),
        (r#"metadata.labels[\"app"#, "no closing"),
    ] {
        let text = compile_error(&format!(
            "count(resources_with(Service, null, \"{path}\", 1)) > 0"
        ));
        assert!(
            text.contains("is not a path") && text.contains(why),
            "{path}: {text}"
        );
    }
}

#[test]
fn resources_with_takes_four_arguments() {
    let text = compile_error(r#"count(resources_with(Service, null, "spec.ports")) > 0"#);
    assert!(text.contains("resources_with(Kind, namespace"), "{text}");
}
