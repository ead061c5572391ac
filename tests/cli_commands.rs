//! `fourc rules --format json` (the catalogue for tools) and `fourc completions`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

mod common;

use common::{fourc, stderr};

fn catalogue(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["rules", "--format", "json", "--no-config"];
    all.extend(args);
    let o = fourc(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn rules_json_describes_each_rule() {
    // The team's rules import the standard library's helpers, so it stays in.
    let c = catalogue(&[
        "--rules",
        "tests/data/rule-tests/caps",
        "--param",
        "team_allowed_caps=[SYS_ADMIN]",
    ]);
    assert_eq!(c["version"], 1);
    let rules = c["rules"].as_array().unwrap();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(
        *rule("team-caps"),
        serde_json::json!({
            "id": "team-caps",
            "title": "Containers add only the team's allowed capabilities",
            "description": null,
            "severity": "high",
            "layer": "cluster",
            "controls": ["cluster.pod-security"],
            "tags": ["team"],
            "backend": "fourc",
            "origin": "tests/data/rule-tests/caps/caps.fourc:6:6",
            "on": ["workload"],
            "parameters": [{
                "name": "team_allowed_caps",
                "type": "[string]",
                "default": ["NET_BIND_SERVICE"],
                "value": ["SYS_ADMIN"],
                "description": "capabilities a container may add",
            }],
            "remediation": "Drop the capability, or add it to `team_allowed_caps`.",
            "references": ["https://kubernetes.io/docs/concepts/security/pod-security-standards/"],
        })
    );
    assert_eq!(rule("team-no-latest")["parameters"], serde_json::json!([]));
    // Coverage: every control of the catalogue, with the rules serving it.
    let controls = c["controls"].as_array().unwrap();
    let pod_security = controls
        .iter()
        .find(|k| k["key"] == "cluster.pod-security")
        .unwrap();
    let serving = pod_security["rules"].as_array().unwrap();
    assert!(serving.contains(&"team-caps".into()), "{serving:?}");
    assert!(
        serving.contains(&"pss-baseline-privileged".into()),
        "{serving:?}"
    );
    assert_eq!(c["summary"]["rules"], rules.len());
    assert_eq!(c["summary"]["controls"], controls.len());
    assert_eq!(
        c["summary"]["covered"].as_u64().unwrap() + c["summary"]["gaps"].as_u64().unwrap(),
        controls.len() as u64
    );
}

#[test]
fn rules_json_lists_the_same_rules_as_the_table() {
    let c = catalogue(&["--pss-level", "baseline"]);
    let ids: Vec<&str> = c["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let table = fourc(&["rules", "--no-config", "--pss-level", "baseline"]);
    let text = common::stdout(&table);
    let listed: Vec<&str> = text
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(ids, listed);
    assert!(!ids.contains(&"pss-restricted-seccomp"), "{ids:?}");
    for r in c["rules"].as_array().unwrap() {
        assert_eq!(r["backend"], "fourc");
        assert!(r["origin"].as_str().unwrap().starts_with("stdlib/"), "{r}");
    }
}

#[cfg(feature = "rego")]
#[test]
fn rules_json_names_the_backend_of_gatekeeper_rules() {
    let c = catalogue(&[
        "--no-stdlib",
        "--rules",
        "tests/data/gatekeeper/library/general/uniqueingresshost",
    ]);
    let rules = c["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "{c}");
    assert_eq!(rules[0]["id"], "k8suniqueingresshost.unique-ingress-host");
    assert_eq!(rules[0]["backend"], "rego");
    assert!(
        rules[0]["origin"].as_str().unwrap().contains(".yaml"),
        "{}",
        rules[0]
    );
}

#[test]
fn markdown_is_also_a_format() {
    let a = fourc(&["rules", "--no-config", "--markdown"]);
    let b = fourc(&["rules", "--no-config", "--format", "markdown"]);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
    assert!(String::from_utf8_lossy(&a.stdout).starts_with("# Rule catalogue"));
}

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let o = fourc(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = common::stdout(&o);
        for sub in ["check", "rules", "explain", "test", "completions"] {
            assert!(script.contains(sub), "{shell}: no `{sub}` in\n{script}");
        }
        // Flags of the subcommands too.
        assert!(script.contains("fail-on"), "{shell}");
    }
    let o = fourc(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}
