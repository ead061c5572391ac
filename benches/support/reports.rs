//! Generated scanner reports for the report-loading bench and the memory check: a Trivy image
//! report and a SARIF log of a given size, shaped as the tools write them (every field of a
//! Trivy vulnerability, with its description and references; a SARIF driver with rule
//! descriptions and help, results with locations, fingerprints and code flows). Deterministic:
//! entry `i` is always the same.

use std::fmt::Write as _;

const SEVERITIES: [&str; 5] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

/// A sentence-like text of about `len` bytes, varying with `i`.
fn prose(i: usize, len: usize) -> String {
    const WORDS: [&str; 12] = [
        "a",
        "crafted",
        "request",
        "allows",
        "remote",
        "attackers",
        "to",
        "cause",
        "denial",
        "of",
        "service",
        "via",
    ];
    let mut out = String::with_capacity(len + 16);
    let mut k = i;
    while out.len() < len {
        out.push_str(WORDS[k % WORDS.len()]);
        out.push(' ');
        k = k.wrapping_mul(31).wrapping_add(7);
    }
    out.push_str("(see the references).");
    out
}

/// A Trivy JSON report (schema 2) of an image scan of about `target_bytes`: one OS-package
/// result and one language-package result, each vulnerability with the fields Trivy writes.
pub fn trivy_json(target_bytes: usize) -> String {
    let mut vulns = [String::new(), String::new()];
    let mut i = 0usize;
    while vulns[0].len() + vulns[1].len() < target_bytes {
        let list = &mut vulns[i % 2];
        if !list.is_empty() {
            list.push_str(",\n");
        }
        let sev = SEVERITIES[i % SEVERITIES.len()];
        let fixed = if i.is_multiple_of(4) {
            String::new()
        } else {
            format!("1.{}.{}", i % 7, i % 13 + 1)
        };
        let year = 2015 + i % 10;
        let id = format!("CVE-{year}-{:05}", i);
        let pkg = format!("pkg{}", i % 500);
        let refs: Vec<String> = (0..6)
            .map(|r| format!("\"https://example.org/advisories/{id}/ref-{r}\""))
            .collect();
        let _ = write!(
            list,
            r#"        {{
          "VulnerabilityID": "{id}",
          "PkgID": "{pkg}@1.0.{v}",
          "PkgName": "{pkg}",
          "PkgIdentifier": {{"PURL": "pkg:apk/alpine/{pkg}@1.0.{v}?arch=x86_64&distro=3.19", "UID": "{uid:016x}"}},
          "InstalledVersion": "1.0.{v}",
          "FixedVersion": "{fixed}",
          "Status": "{status}",
          "Layer": {{"Digest": "sha256:{uid:064x}", "DiffID": "sha256:{diff:064x}"}},
          "SeveritySource": "nvd",
          "PrimaryURL": "https://avd.aquasec.com/nvd/{lower}",
          "DataSource": {{"ID": "alpine", "Name": "Alpine Secdb", "URL": "https://secdb.alpinelinux.org/"}},
          "Title": "{pkg}: {title}",
          "Description": "{desc}",
          "Severity": "{sev}",
          "CweIDs": ["CWE-{cwe}"],
          "VendorSeverity": {{"nvd": {vs}, "redhat": {vs}}},
          "CVSS": {{
            "nvd": {{"V2Vector": "AV:N/AC:L/Au:N/C:N/I:N/A:P", "V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "V2Score": 5, "V3Score": 7.5}},
            "redhat": {{"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "V3Score": 7.5}}
          }},
          "References": [{refs}],
          "PublishedDate": "{year}-03-0{d}T15:29:00Z",
          "LastModifiedDate": "2024-01-0{d}T12:00:00Z"
        }}"#,
            v = i % 9,
            uid = i.wrapping_mul(0x9e37_79b9),
            diff = i.wrapping_mul(0x85eb_ca6b),
            status = if fixed.is_empty() {
                "affected"
            } else {
                "fixed"
            },
            lower = id.to_ascii_lowercase(),
            title = prose(i, 60),
            desc = prose(i.wrapping_add(1), 400 + i % 300),
            cwe = 20 + i % 700,
            vs = i % 4 + 1,
            d = i % 9 + 1,
            refs = refs.join(", "),
        );
        i += 1;
    }
    format!(
        r#"{{
  "SchemaVersion": 2,
  "CreatedAt": "2024-06-01T10:00:00.000000000Z",
  "ArtifactName": "registry.example.com/team/app:1.4.2",
  "ArtifactType": "container_image",
  "Metadata": {{
    "OS": {{"Family": "alpine", "Name": "3.19.1"}},
    "ImageID": "sha256:{img:064x}",
    "DiffIDs": ["sha256:{img:064x}"],
    "RepoTags": ["registry.example.com/team/app:1.4.2"],
    "RepoDigests": ["registry.example.com/team/app@sha256:{img:064x}"],
    "ImageConfig": {{"architecture": "amd64", "os": "linux", "config": {{"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}}}}
  }},
  "Results": [
    {{
      "Target": "registry.example.com/team/app:1.4.2 (alpine 3.19.1)",
      "Class": "os-pkgs",
      "Type": "alpine",
      "Vulnerabilities": [
{os}
      ]
    }},
    {{
      "Target": "app/package-lock.json",
      "Class": "lang-pkgs",
      "Type": "npm",
      "Vulnerabilities": [
{lang}
      ]
    }}
  ]
}}
"#,
        img = 0xfeed_beefu64,
        os = vulns[0],
        lang = vulns[1],
    )
}

/// A SARIF 2.1.0 log of one run of about `target_bytes`: 200 rules with descriptions and help
/// in the driver, results with a message, one location, fingerprints, and a code flow on every
/// fourth.
pub fn sarif_json(target_bytes: usize) -> String {
    let rules: Vec<String> = (0..200)
        .map(|r| {
            format!(
                r##"{{"id": "rule/{r}", "name": "Rule{r}", "shortDescription": {{"text": "{short}"}}, "fullDescription": {{"text": "{full}"}}, "help": {{"text": "{help}", "markdown": "# Rule {r}\n\n{help}"}}, "defaultConfiguration": {{"level": "{level}"}}, "properties": {{"tags": ["security", "external/cwe/cwe-{cwe}"], "precision": "high", "security-severity": "{sev}"}}}}"##,
                short = prose(r, 50),
                full = prose(r + 1, 300),
                help = prose(r + 2, 600),
                level = ["error", "warning", "note"][r % 3],
                cwe = 20 + r,
                sev = ["9.8", "7.5", "5.3", "3.1"][r % 4],
            )
        })
        .collect();
    let head = format!(
        r#"{{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {{
      "tool": {{"driver": {{"name": "CodeQL", "semanticVersion": "2.17.0", "rules": [
        {rules}
      ]}}}},
      "results": [
"#,
        rules = rules.join(",\n        "),
    );
    let mut results = String::new();
    let mut i = 0usize;
    while head.len() + results.len() < target_bytes {
        if !results.is_empty() {
            results.push_str(",\n");
        }
        let rule = i.wrapping_mul(7) % 200;
        let file = format!("src/module{}/file{}.py", i % 40, i % 301);
        let line = 10 + i % 900;
        let flow = if i.is_multiple_of(4) {
            format!(
                r#", "codeFlows": [{{"threadFlows": [{{"locations": [{{"location": {{"physicalLocation": {{"artifactLocation": {{"uri": "{file}"}}, "region": {{"startLine": {a}}}}}, "message": {{"text": "source"}}}}}}, {{"location": {{"physicalLocation": {{"artifactLocation": {{"uri": "{file}"}}, "region": {{"startLine": {line}}}}}, "message": {{"text": "sink"}}}}}}]}}]}}]"#,
                a = line.saturating_sub(5),
            )
        } else {
            String::new()
        };
        let _ = write!(
            results,
            r#"        {{"ruleId": "rule/{rule}", "ruleIndex": {rule}, "rule": {{"id": "rule/{rule}", "index": {rule}}}, "message": {{"text": "{msg}"}}, "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "{file}", "uriBaseId": "%SRCROOT%", "index": {fi}}}, "region": {{"startLine": {line}, "startColumn": 5, "endColumn": 42}}}}}}], "partialFingerprints": {{"primaryLocationLineHash": "{h:016x}:1", "primaryLocationStartColumnFingerprint": "4"}}{flow}}}"#,
            msg = prose(i, 120),
            fi = i % 301,
            h = i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        );
        i += 1;
    }
    format!("{head}{results}\n      ]\n    }}\n  ]\n}}\n")
}
