use std::collections::HashSet;

use super::html;
use crate::{Engine, Scan};

const RULES: &str = r#"
rule t-privileged {
  title       "Privileged containers are not allowed"
  controls    [cluster.pod-security]
  severity    high
  remediation "Set securityContext.privileged to false."
  on workload as w
  each c in w.pod.containers
  deny c.securityContext.privileged == true
    at c.securityContext.privileged
    message "container \"{c.name}\" is privileged"
}

rule t-host-network {
  title    "Pods do not use the host network"
  controls [cluster.pod-security]
  severity critical
  on workload as w
  deny w.pod.hostNetwork == true at w.pod.hostNetwork
}

rule t-replicas {
  title    "Deployments ask for few replicas"
  controls [cluster.resources]
  severity low
  on Deployment as d
  deny d.spec.replicas > 5 at d.spec.replicas
}

rule t-whole {
  title    "Pods named whole are reported as a whole"
  controls [code.ports]
  severity info
  on Pod as p
  deny p.metadata.name == "whole"
}
"#;

fn scan(name: &str, docs: &str) -> Scan {
    let engine = Engine::builder()
        .stdlib(false)
        .rule_source("t.fourc", RULES)
        .config(crate::Config::default().inline_waivers(&[], &[]))
        .build()
        .unwrap();
    engine.check_str(name, docs)
}

fn pod(name: &str, body: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n{body}---\n")
}

const PRIVILEGED: &str = "  containers:\n    - name: app\n      image: app\n      securityContext:\n        privileged: true\n";

/// A tag of the page: its name, whether it closes, and its attributes' text.
struct Tag<'a> {
    name: String,
    closing: bool,
    self_closing: bool,
    attrs: &'a str,
}

/// The tags of a page, in order; the text of `<style>` is skipped. Fails on a `<` that starts
/// no tag (unescaped text).
fn tags(page: &str) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix("!DOCTYPE html>") {
            rest = r;
            continue;
        }
        let end = rest.find('>').expect("an unclosed tag");
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/');
        let name_len = inner
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(inner.len());
        let name = inner[..name_len].to_string();
        assert!(!name.is_empty(), "`<` that starts no tag near {inner:?}");
        let self_closing = inner.ends_with('/');
        if name == "style" && !closing {
            let close = rest.find("</style>").expect("style is closed");
            rest = &rest[close..];
        }
        out.push(Tag {
            name,
            closing,
            self_closing,
            attrs: &inner[name_len..],
        });
    }
    out
}

fn attr<'a>(attrs: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!(" {key}=\"");
    let start = attrs.find(&pat)? + pat.len();
    let len = attrs[start..].find('"')?;
    Some(&attrs[start..start + len])
}

const VOID: [&str; 2] = ["meta", "br"];

/// Balanced elements, unique ids, links to ids that exist, headings without skipped levels,
/// header cells with a scope, and the document's head.
fn assert_well_formed(page: &str) {
    assert!(
        page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{page:.80}"
    );
    assert!(page.contains("<meta charset=\"utf-8\">"));
    let tags = tags(page);
    let mut stack: Vec<&str> = Vec::new();
    let mut ids = HashSet::new();
    let mut links = Vec::new();
    let mut level = 0;
    for t in &tags {
        if t.closing {
            let open = stack.pop();
            assert_eq!(
                open,
                Some(t.name.as_str()),
                "`</{}>` closes {open:?}",
                t.name
            );
            continue;
        }
        if let Some(id) = attr(t.attrs, "id") {
            assert!(ids.insert(id.to_string()), "id `{id}` appears twice");
        }
        if let Some(href) = attr(t.attrs, "href") {
            links.push(href.trim_start_matches('#').to_string());
        }
        if let Some(n) = t.name.strip_prefix('h').and_then(|n| n.parse::<u32>().ok()) {
            assert!(n <= level + 1, "h{n} after h{level}");
            level = n;
        }
        if t.name == "th" {
            assert!(
                attr(t.attrs, "scope").is_some(),
                "th without scope: {}",
                t.attrs
            );
        }
        if !t.self_closing && !VOID.contains(&t.name.as_str()) {
            stack.push(&t.name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    for l in links {
        assert!(ids.contains(&l), "link to missing id `{l}`");
    }
    // Nothing is fetched: no scripts, stylesheets, images or fonts from elsewhere.
    for banned in [
        "<script", "<link", "<img", "src=", "url(", "@import", "https://",
    ] {
        assert!(!page.contains(banned), "the page has `{banned}`");
    }
}

#[test]
fn page_is_well_formed_with_unique_ids() {
    let docs = pod("a", PRIVILEGED) + &pod("b", "  hostNetwork: true\n  containers: []\n");
    let page = html(&scan("pods.yaml", &docs));
    assert_well_formed(&page);
    assert!(page.contains("id=\"finding-2\""), "{page}");
}

#[test]
fn empty_scan_is_well_formed() {
    let page = html(&Scan::default());
    assert_well_formed(&page);
    assert!(page.contains("<p class=\"empty\">No findings.</p>"));
    for l in ["cloud", "cluster", "container", "code"] {
        assert!(page.contains(&format!("id=\"layer-{l}\" data-findings=\"0\"")));
    }
}

#[test]
fn checker_rejects_unbalanced_markup_and_duplicate_ids() {
    let ok = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"></head></html>";
    assert_well_formed(ok);
    for bad in [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"></head><p></html>",
        "<!DOCTYPE html>\n<html lang=\"en\"><meta charset=\"utf-8\"><p id=\"x\"></p><p id=\"x\"></p></html>",
        "<!DOCTYPE html>\n<html lang=\"en\"><meta charset=\"utf-8\"><h1></h1><h3></h3></html>",
        "<!DOCTYPE html>\n<html lang=\"en\"><meta charset=\"utf-8\"><table><tr><th>x</th></tr></table></html>",
    ] {
        assert!(
            std::panic::catch_unwind(|| assert_well_formed(bad)).is_err(),
            "accepted {bad}"
        );
    }
}

#[test]
fn hostile_file_names_and_messages_are_escaped() {
    let name = "<script>alert('file')</script>.yaml";
    let body = "  containers:\n    - name: \"<script>alert(1)</script>\\e[31m\"\n      image: x\n      securityContext:\n        privileged: true\n";
    let s = scan(name, &pod("evil", body));
    assert_eq!(s.report.findings.len(), 1, "{:?}", s.report);
    let page = html(&s);
    assert!(!page.contains("<script"), "{page}");
    assert!(
        !page.contains('\u{1b}'),
        "a control character reached the page"
    );
    assert!(page.contains("<code>&lt;script&gt;alert(&#39;file&#39;)&lt;/script&gt;.yaml</code>"));
    assert!(page.contains(
        "container &quot;&lt;script&gt;alert(1)&lt;/script&gt;\u{241b}[31m&quot; is privileged"
    ));
    assert_well_formed(&page);
}

#[test]
fn snippet_shows_numbered_context_and_marks_the_span() {
    let page = html(&scan("p.yaml", &pod("a", PRIVILEGED)));
    // `privileged: true` is line 10, column 9.
    assert!(page.contains("p.yaml:10:9</a>"), "{page}");
    assert!(
        page.contains(
            "<span class=\"line hit\"><span class=\"ln\">10</span>        <mark>privileged: true</mark>\n</span>"
        ),
        "{page}"
    );
    assert!(
        page.contains("<span class=\"line\"><span class=\"ln\">8</span>      image: app\n</span>")
    );
    assert!(
        page.contains("<span class=\"label\">Fix</span> Set securityContext.privileged to false.")
    );
}

#[test]
fn long_spans_are_cut_and_counted() {
    let body = "  containers:\n".to_string()
        + &(0..12)
            .map(|i| format!("    - name: c{i}\n      image: x\n"))
            .collect::<String>();
    let page = html(&scan("w.yaml", &pod("whole", &body)));
    // The finding is on the whole document: 30 lines, of which 6 are shown, and no line after
    // them (those are the span's too).
    assert!(
        page.contains("24 more lines of the span\n</span></code></pre>"),
        "{page}"
    );
    assert_well_formed(&page);
}

#[test]
fn long_lines_are_cut_around_the_mark() {
    let line = format!("{}MARK{}", "a".repeat(1000), "b".repeat(1000));
    let mut out = Vec::new();
    super::findings::line(&mut out, &line, line.chars().count(), Some((1000, 1004))).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with('\u{2026}') && out.ends_with('\u{2026}'),
        "{out}"
    );
    assert!(out.contains("<mark>MARK</mark>"));
    assert!(out.chars().count() < 450, "{}", out.chars().count());
}

#[test]
fn waived_findings_are_listed_and_marked_with_their_reason() {
    let waived = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\n  annotations:\n    \
                  fourc.dev/waive: t-privileged\n    fourc.dev/waive-reason: reads host logs\nspec:\n"
        .to_string()
        + PRIVILEGED;
    let s = scan("w.yaml", &waived);
    assert_eq!((s.report.findings.len(), s.suppressed.len()), (0, 1));
    let page = html(&s);
    assert!(
        page.contains("<article class=\"finding sev-high waived\" id=\"waived-1\""),
        "{page}"
    );
    assert!(page.contains("<span class=\"badge waived-badge\">waived</span>"));
    assert!(page.contains("<span class=\"label\">Waived</span> reads host logs <span class=\"detail\">(inline annotation)</span>"));
    assert!(
        page.contains("<div class=\"stat\" id=\"stat-waived\"><dt>Waived</dt><dd>1</dd></div>")
    );
    // Waived findings do not fail the control.
    assert!(page.contains(
        "<tr class=\"control passing\" id=\"control-cluster.pod-security\" data-failing=\"0\">"
    ));
    assert_well_formed(&page);
}

#[test]
fn controls_show_status_and_worst_resources_by_severity_then_count() {
    let two = "  containers:\n    - name: a\n      image: a\n      securityContext: {privileged: true}\n    \
               - name: b\n      image: b\n      securityContext: {privileged: true}\n";
    let docs = pod("one-high", PRIVILEGED)
        + &pod("two-high", two)
        + &pod("critical", "  hostNetwork: true\n  containers: []\n");
    let page = html(&scan("p.yaml", &docs));
    let row_start = page.find("id=\"control-cluster.pod-security\"").unwrap();
    let row = &page[row_start..row_start + page[row_start..].find("</tr>").unwrap()];
    assert!(row.contains("data-failing=\"4\""), "{row}");
    let order: Vec<usize> = ["Pod/critical", "Pod/two-high", "Pod/one-high"]
        .iter()
        .map(|r| {
            row.find(r)
                .unwrap_or_else(|| panic!("{r} missing in {row}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{row}");
    assert!(row.contains("\u{d7}2</span>"));
    assert!(row.contains("<summary>2 rules</summary>"));
    assert!(row.contains("<span class=\"status failing\">failing</span>"));
    // A control no rule serves, and one whose rules found nothing to check.
    assert!(page.contains("<tr class=\"control gap\" id=\"control-cloud.api-exposure\""));
    assert!(page.contains("<tr class=\"control unassessed\" id=\"control-cluster.resources\""));
    assert!(
        page.contains("<td class=\"num\" data-layer=\"cluster\" data-severity=\"high\">3</td>")
    );
    assert!(
        page.contains("<td class=\"num\" data-layer=\"cluster\" data-severity=\"critical\">1</td>")
    );
}

#[test]
fn output_is_deterministic() {
    let docs = pod("a", PRIVILEGED) + &pod("b", "  hostNetwork: true\n  containers: []\n");
    let first = html(&scan("pods.yaml", &docs));
    for _ in 0..3 {
        assert_eq!(html(&scan("pods.yaml", &docs)), first);
    }
}

#[test]
fn load_and_evaluation_errors_are_listed_with_their_location() {
    let bad = scan(
        "bad<1>.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n",
    );
    assert_eq!(bad.load_errors.len(), 1, "{:?}", bad.load_errors);
    let page = html(&bad);
    let e = &bad.load_errors[0];
    assert!(page.contains(&format!(
        "<tr><td>load</td><td><code>bad&lt;1&gt;.yaml:{}:{}</code></td>",
        e.line(),
        e.col()
    )));
    assert!(
        page.contains("<div class=\"stat hot\" id=\"stat-errors\"><dt>Errors</dt><dd>1</dd></div>")
    );
    assert_well_formed(&page);

    let docs =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: many\n";
    let s = scan("d.yaml", docs);
    assert_eq!(s.report.errors.len(), 1, "{:?}", s.report);
    let page = html(&s);
    assert!(
        page.contains("<tr><td>evaluation</td><td><code>d.yaml:"),
        "{page}"
    );
    assert!(page.contains("<code>t-replicas</code>"));
    // The control whose rule could not be evaluated says so.
    assert!(page.contains("<span class=\"status error\">1 error</span>"));
    assert_well_formed(&page);
}

#[test]
fn waiver_warnings_and_skipped_inputs_have_their_sections() {
    let docs = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    \
                fourc.dev/waive: t-privileged\nspec:\n  containers: []\n";
    let mut s = scan("n.yaml", docs);
    assert!(
        !s.notices.is_empty(),
        "a waiver without a reason is reported"
    );
    s.skipped.push(crate::Skipped {
        path: "odd<.bin".to_string(),
        reason: "no input format recognises it".to_string(),
    });
    let page = html(&s);
    assert!(page.contains("<h2 id=\"notices-h\">Warnings</h2>"));
    assert!(
        page.contains("<span class=\"status unassessed\">missing-reason</span>"),
        "{page}"
    );
    assert!(page.contains("<li><code>odd&lt;.bin</code> no input format recognises it</li>"));
    assert_well_formed(&page);
    assert!(!html(&scan("p.yaml", &pod("a", PRIVILEGED))).contains("id=\"notices\""));
}
