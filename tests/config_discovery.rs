//! Where `fourc check` finds its settings, and what it never reads as an input: the settings
//! file, rule folders, and reports fourc wrote. Also the warnings and errors a scan with nothing
//! to read gives, and `--color` on compile errors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

mod common;

use common::{stderr, stdout};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
    - name: app
      image: registry.example.com/web:1.0
";

/// A scratch repository: a `.git` folder, `manifests/pod.yaml`, and a `sub/` folder.
fn repo(name: &str) -> PathBuf {
    let dir = common::scratch("config_discovery", name);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("manifests")).unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("manifests/pod.yaml"), POD).unwrap();
    dir
}

fn fourc_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn rule_ids(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

const DISABLE_DIGEST: &str = "rules:\n  disable: [image-tag-not-digest]\n";

#[test]
fn settings_in_the_current_folder_apply_to_a_scanned_subfolder_and_are_named() {
    let dir = repo("cwd");
    std::fs::write(dir.join("fourc.yaml"), DISABLE_DIGEST).unwrap();
    let o = fourc_in(&dir, &["check", "--format", "json", "manifests"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("fourc: using settings from fourc.yaml"),
        "{}",
        stderr(&o)
    );
    let ids = rule_ids(&json(&o));
    assert!(!ids.is_empty());
    assert!(
        !ids.contains(&"image-tag-not-digest".to_string()),
        "{ids:?}"
    );
    // Without the file, the rule fires: the setting above is what silenced it.
    let o = fourc_in(
        &dir,
        &["check", "--no-config", "--format", "json", "manifests"],
    );
    assert!(rule_ids(&json(&o)).contains(&"image-tag-not-digest".to_string()));
}

#[test]
fn settings_are_found_up_to_the_repository_root_under_either_extension() {
    let dir = repo("upwards");
    std::fs::write(dir.join("fourc.yml"), DISABLE_DIGEST).unwrap();
    // From a subfolder, scanning a sibling folder: found at the repository root.
    let o = fourc_in(
        &dir.join("sub"),
        &["check", "--format", "json", "../manifests"],
    );
    assert!(stderr(&o).contains("fourc.yml"), "{}", stderr(&o));
    assert!(!rule_ids(&json(&o)).contains(&"image-tag-not-digest".to_string()));
    // Above the repository root nothing is looked for: a repository inside the first one
    // does not see the outer settings.
    let inner = dir.join("sub/inner");
    std::fs::create_dir_all(inner.join(".git")).unwrap();
    std::fs::create_dir_all(inner.join("m")).unwrap();
    std::fs::write(inner.join("m/pod.yaml"), POD).unwrap();
    let o = fourc_in(&inner, &["check", "--format", "json", "m"]);
    assert!(!stderr(&o).contains("using settings"), "{}", stderr(&o));
    assert!(rule_ids(&json(&o)).contains(&"image-tag-not-digest".to_string()));
}

#[test]
fn the_settings_file_rule_folders_and_fourcs_own_reports_are_not_inputs() {
    let dir = repo("not-inputs");
    std::fs::write(dir.join("fourc.yaml"), "rules:\n  dirs: [policies]\n").unwrap();
    std::fs::write(dir.join("fourc.yml"), "rules: {}\n").unwrap();
    // A rule folder with a test fixture that is a manifest.
    std::fs::create_dir_all(dir.join("policies/fixtures")).unwrap();
    std::fs::write(
        dir.join("policies/team.fourc"),
        "rule team-no-latest {\n  title \"no latest\"\n  controls [container.image-signing]\n  severity low\n  on Pod as p\n  each c in p.spec.containers\n  deny ends_with(c.image, \":latest\")\n    at c.image\n    message \"latest\"\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("policies/fixtures/pod.yaml"), POD).unwrap();
    // A report of an earlier run, lying in the scanned tree.
    let first = fourc_in(&dir, &["check", "--format", "sarif=old.sarif", "."]);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let o = fourc_in(&dir, &["check", "--format", "json=report.json", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = fourc_in(&dir, &["check", "--format", "json", "."]);
    let v = json(&o);
    // Only manifests/pod.yaml: not the settings files, not the rule folder's fixture, and the
    // two reports are skipped with the reason.
    assert_eq!(v["summary"]["documents"], 1, "{v}");
    let skipped: Vec<String> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{} {}", s["path"], s["reason"]))
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped.iter().all(|s| s.contains("a report fourc wrote")),
        "{skipped:?}"
    );
    // A report this run writes into the scanned folder is not read either, even while empty.
    let o = fourc_in(
        &dir,
        &["check", "--format", "json=manifests/now.json", "manifests"],
    );
    let o2 = std::fs::read_to_string(dir.join("manifests/now.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&o2).unwrap();
    assert_eq!(v["summary"]["documents"], 1, "{}", stderr(&o));
    assert_eq!(v["summary"]["skipped"], 0, "{v}");
}

#[test]
fn a_scan_that_finds_no_documents_warns() {
    let dir = repo("empty");
    std::fs::create_dir_all(dir.join("nothing")).unwrap();
    std::fs::write(dir.join("nothing/notes.txt"), "hello").unwrap();
    let o = fourc_in(&dir, &["check", "nothing"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: no documents found in `nothing`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn color_never_covers_compile_errors() {
    let dir = repo("color");
    std::fs::create_dir_all(dir.join("bad")).unwrap();
    std::fs::write(
        dir.join("bad/r.fourc"),
        "rule r {\n  title \"t\"\n  controls [cluster.nope]\n  severity low\n  on Pod as p\n  deny true\n}\n",
    )
    .unwrap();
    let o = fourc_in(
        &dir,
        &["check", "--color", "always", "--rules", "bad", "manifests"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains('\u{1b}'), "{}", stderr(&o));
    let o = fourc_in(
        &dir,
        &["check", "--color", "never", "--rules", "bad", "manifests"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown control"), "{}", stderr(&o));
    assert!(!stderr(&o).contains('\u{1b}'), "{}", stderr(&o));
}

fn notices(v: &serde_json::Value) -> Vec<(String, String)> {
    v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_string(),
                n["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn found_settings_that_weaken_the_scan_are_reported_and_chosen_ones_are_not() {
    let dir = repo("weakened");
    let weak = "rules:\n  stdlib: true\n  disable: [image-tag-not-digest]\n  severity:\n    pss-restricted-seccomp: info\nexclude:\n  paths: [\"vendor/**\"]\nwaivers:\n  - rule: pss-restricted-capabilities\n    reason: everything\n";
    std::fs::write(dir.join("fourc.yaml"), weak).unwrap();
    let o = fourc_in(&dir, &["check", "--format", "json", "manifests"]);
    let v = json(&o);
    let weakened: Vec<String> = notices(&v)
        .into_iter()
        .filter(|(k, _)| k == "weakened-scan")
        .map(|(_, m)| m)
        .collect();
    for part in [
        "leave out rule `image-tag-not-digest`",
        "lower rule `pss-restricted-seccomp` from medium to info",
        "exclude the paths matching `vendor/**`",
        "waive rule `pss-restricted-capabilities` on every resource",
    ] {
        assert!(
            weakened.iter().any(|m| m.contains(part)),
            "{part}: {weakened:?}"
        );
    }
    let text = stdout(&fourc_in(&dir, &["check", "manifests"]));
    assert!(text.contains("fourc.yaml:3:13: warning: the settings found beside the inputs leave out rule `image-tag-not-digest`"), "{text}");
    assert!(text.contains("\n  warnings   "), "{text}");
    // The same file chosen with --config is the caller's decision: applied, not flagged.
    let o = fourc_in(
        &dir,
        &[
            "check",
            "--config",
            "fourc.yaml",
            "--format",
            "json",
            "manifests",
        ],
    );
    let v = json(&o);
    assert!(notices(&v).iter().all(|(k, _)| k != "weakened-scan"), "{v}");
    assert!(!rule_ids(&v).contains(&"image-tag-not-digest".to_string()));
}

#[test]
fn a_resource_cannot_waive_what_is_said_of_its_whole_namespace() {
    let dir = repo("namespace-wide");
    std::fs::write(dir.join("fourc.yaml"), "inline_waivers:\n  allow: true\n").unwrap();
    let pod = POD.replace(
        "metadata: {name: web, namespace: shop}",
        "metadata:\n  name: web\n  namespace: shop\n  annotations:\n    fourc.dev/waive: netpol-default-deny-ingress,image-tag-not-digest\n    fourc.dev/waive-reason: mine",
    );
    std::fs::write(dir.join("manifests/pod.yaml"), pod).unwrap();
    let o = fourc_in(&dir, &["check", "--format", "json", "manifests"]);
    let v = json(&o);
    // The resource's own finding is waived; the namespace's is not.
    assert!(
        rule_ids(&v).contains(&"netpol-default-deny-ingress".to_string()),
        "{v}"
    );
    assert!(
        !rule_ids(&v).contains(&"image-tag-not-digest".to_string()),
        "{v}"
    );
    assert!(
        notices(&v).iter().any(|(k, m)| k == "inline-not-allowed"
            && m.contains(
                "cannot waive rule `netpol-default-deny-ingress` for all of namespace shop"
            )),
        "{v}"
    );
    assert!(
        notices(&v)
            .iter()
            .any(|(k, m)| k == "weakened-scan" && m.contains("fourc.dev/waive")),
        "{v}"
    );
}

#[test]
fn no_rule_enabled_and_every_finding_waived_are_warnings() {
    let dir = repo("nothing-checked");
    let o = fourc_in(
        &dir,
        &["check", "--no-stdlib", "--format", "json", "manifests"],
    );
    let v = json(&o);
    assert!(notices(&v).iter().any(|(k, _)| k == "no-rules"), "{v}");
    std::fs::write(
        dir.join("all.yaml"),
        "waivers:\n  - control: cluster.pod-security\n    reason: r\n  - control: cluster.resources\n    reason: r\n  - control: cluster.network-policy\n    reason: r\n  - control: container.image-signing\n    reason: r\n  - control: cluster.authentication\n    reason: r\n  - control: container.isolation\n    reason: r\n",
    )
    .unwrap();
    let o = fourc_in(
        &dir,
        &[
            "check",
            "--config",
            "all.yaml",
            "--format",
            "json",
            "manifests",
        ],
    );
    let v = json(&o);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{v}");
    assert!(notices(&v).iter().any(|(k, _)| k == "all-waived"), "{v}");
    assert_eq!(o.status.code(), Some(0));
}
