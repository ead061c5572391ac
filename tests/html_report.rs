//! The posture page (`fourc check --format html=FILE`) as a browser shows it: the examples are
//! rendered in headless Chromium, and the dumped DOM is checked against the JSON report of the
//! same run (layers, controls, counts, a known finding, a waived one); the screenshot must be a
//! real PNG of the window's size.
//!
//! Chromium (Debian's `chromium`) is installed with apt-get when it is not on `PATH`; when that
//! is impossible the test fails and says why. Every Chromium run is bounded and killed on hang.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

/// How long one Chromium run may take.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(120);
/// How long one apt-get step may take.
const APT_TIMEOUT: Duration = Duration::from_secs(1200);

/// The waiver the run applies: the privileged log shipper of the example Deployment.
const CONFIG: &str = "version: 1
waivers:
  - rule: pss-baseline-privileged
    kind: Deployment
    namespace: shop
    name: web
    path: spec.template.spec.containers[1]
    reason: the log shipper reads host logs until OPS-812 lands
    owner: platform-team
";

/// Runs `cmd` with its output in `out` and `err`, killing its whole process group when it takes
/// longer than `timeout`; `None` when it was killed.
fn run_bounded(mut cmd: Command, out: &Path, err: &Path, timeout: Duration) -> Option<ExitStatus> {
    cmd.stdin(Stdio::null())
        .stdout(File::create(out).unwrap())
        .stderr(File::create(err).unwrap())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() > deadline {
            // The group holds the browser's helper processes too.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

/// `apt-get ARGS` as root, non-interactive; its output goes to `log`.
fn apt_get(args: &[&str], log: &Path) -> bool {
    let mut cmd = Command::new("apt-get");
    cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    let err = log.with_extension("err");
    let ok = run_bounded(cmd, log, &err, APT_TIMEOUT).is_some_and(|s| s.success());
    let mut text = std::fs::read_to_string(log).unwrap_or_default();
    text.push_str(&std::fs::read_to_string(&err).unwrap_or_default());
    std::fs::write(log, text).unwrap();
    ok
}

/// The Chromium binary, installed when it is missing (`apt-get install -y chromium`, after
/// `apt-get update` when the first try fails).
fn chromium() -> PathBuf {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = on_path("chromium") {
        return p;
    }
    let uid = Command::new("id").arg("-u").output().map_or_else(
        |e| format!("unknown (`id -u` did not run: {e})"),
        |o| String::from_utf8_lossy(&o.stdout).trim().to_string(),
    );
    assert!(
        uid == "0",
        "chromium is not on PATH, and installing it needs root (user id {uid}): run \
         `apt-get install -y chromium` (Debian) first"
    );
    assert!(
        on_path("apt-get").is_some(),
        "chromium is not on PATH and there is no apt-get to install it with: install Chromium \
         as `chromium` on PATH"
    );
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chromium-install.log");
    let installed = apt_get(&["install", "-y", "chromium"], &log)
        || (apt_get(&["update"], &log) && apt_get(&["install", "-y", "chromium"], &log));
    let found = on_path("chromium");
    assert!(
        installed && found.is_some(),
        "chromium is not on PATH and `apt-get install -y chromium` failed (log in {}):\n{}",
        log.display(),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    found.unwrap()
}

/// Runs headless Chromium on `page` with `args` added; returns its standard output.
fn browse(dir: &Path, page: &Path, name: &str, args: &[&str]) -> String {
    let profile = dir.join(format!("profile-{name}"));
    std::fs::create_dir_all(&profile).unwrap();
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(format!("file://{}", page.display()));
    let (out, err) = (
        dir.join(format!("{name}.out")),
        dir.join(format!("{name}.err")),
    );
    let status = run_bounded(cmd, &out, &err, CHROMIUM_TIMEOUT);
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    match status {
        None => panic!("chromium did not finish within {CHROMIUM_TIMEOUT:?}:\n{stderr}"),
        Some(s) => assert!(s.success(), "chromium failed ({s}):\n{stderr}"),
    }
    std::fs::read_to_string(&out).unwrap()
}

/// Where the `tag` element opening at byte `start` of `dom` closes.
fn element_end(dom: &str, start: usize, tag: &str) -> usize {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut depth = 0usize;
    let mut i = start;
    loop {
        let next_open = dom[i..].find(&open).map(|k| k + i);
        let next_close = dom[i..]
            .find(&close)
            .map(|k| k + i)
            .expect("the element closes");
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                i = o + open.len();
            }
            _ => {
                depth -= 1;
                i = next_close + close.len();
                if depth == 0 {
                    return next_close;
                }
            }
        }
    }
}

/// The number that follows `marker` in `dom`.
fn number_after(dom: &str, marker: &str) -> usize {
    let at = dom
        .find(marker)
        .unwrap_or_else(|| panic!("`{marker}` is not in the page"));
    let digits: String = dom[at + marker.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after `{marker}`"))
}

/// The number of a summary card.
fn stat(dom: &str, key: &str) -> usize {
    let at = dom
        .find(&format!("id=\"stat-{key}\""))
        .unwrap_or_else(|| panic!("no `{key}` card"));
    number_after(&dom[at..], "<dd>")
}

fn count(v: &Value) -> usize {
    usize::try_from(v.as_u64().unwrap()).unwrap()
}

#[test]
fn posture_page_renders_in_chromium_and_agrees_with_json() {
    let dir = common::scratch("html_report", "examples");
    let (page, json, config) = (
        dir.join("report.html"),
        dir.join("report.json"),
        dir.join("fourc.yaml"),
    );
    std::fs::write(&config, CONFIG).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(["check", "examples", "--config"])
        .arg(&config)
        .arg("--format")
        .arg(format!("html={},json={}", page.display(), json.display()))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let summary = &report["summary"];
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));

    let dom = browse(&dir, &page, "dom", &["--dump-dom"]);
    assert!(dom.contains("<html lang=\"en\">"), "{dom:.300}");

    // The four layers, outer to inner, each nested in the one before.
    let layers = ["cloud", "cluster", "container", "code"];
    let at: Vec<usize> = layers
        .iter()
        .map(|l| dom.find(&format!("id=\"layer-{l}\"")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "layers out of order");
    let cloud_end = element_end(&dom, dom[..at[0]].rfind("<div").unwrap(), "div");
    assert!(
        at[3] < cloud_end,
        "the code layer is not inside the cloud layer"
    );
    for l in layers {
        let n = count(&summary["by_layer"][l]);
        assert_eq!(
            number_after(&dom, &format!("id=\"layer-{l}\" data-findings=\"")),
            n,
            "{l}"
        );
        assert_eq!(
            number_after(
                &dom,
                &format!("<td class=\"num total\" data-layer=\"{l}\">")
            ),
            n,
            "{l} total in the chart's table"
        );
    }

    // Every control of the catalogue has a row, failing as often as the JSON findings name it.
    let mut per_control: BTreeMap<&str, usize> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        for c in f["controls"].as_array().unwrap() {
            *per_control.entry(c.as_str().unwrap()).or_default() += 1;
        }
    }
    assert_eq!(
        dom.matches("<tr class=\"control ").count(),
        fourc::controls::CONTROLS.len()
    );
    for c in fourc::controls::CONTROLS {
        let failing = number_after(&dom, &format!("id=\"control-{}\" data-failing=\"", c.key));
        assert_eq!(
            failing,
            per_control.get(c.key).copied().unwrap_or(0),
            "{}",
            c.key
        );
    }

    // The summary cards and the severity counts.
    assert_eq!(stat(&dom, "findings"), count(&summary["findings"]));
    assert_eq!(stat(&dom, "documents"), count(&summary["documents"]));
    assert_eq!(stat(&dom, "waived"), count(&summary["suppressed"]));
    assert_eq!(stat(&dom, "errors"), count(&summary["errors"]));
    for (sev, n) in summary["by_severity"].as_object().unwrap() {
        assert_eq!(
            number_after(&dom, &format!("data-severity=\"{sev}\"><span class=\"n\">")),
            count(n),
            "{sev}"
        );
    }

    // A known finding, at its file and line, with its fix.
    assert!(
        dom.contains("examples/manifests/cronjob.yaml:19:43</a>"),
        "the SYS_ADMIN finding of the CronJob is missing"
    );
    // The waived finding: listed, marked, with its reason and owner.
    assert_eq!(count(&summary["suppressed"]), 1);
    let waived = dom
        .find("<article class=\"finding sev-high waived\" id=\"waived-1\"")
        .expect("the waived finding is listed and marked");
    let article = &dom[waived..waived + dom[waived..].find("</article>").unwrap()];
    assert!(
        article.contains("examples/manifests/deployment.yaml:27:13"),
        "{article}"
    );
    assert!(article.contains(">waived</span>"), "{article}");
    assert!(
        article.contains("the log shipper reads host logs until OPS-812 lands"),
        "{article}"
    );
    assert!(article.contains("owner platform-team"), "{article}");

    // The screenshot: a PNG of the window's size, with something drawn in it.
    let shot = dir.join("shot.png");
    browse(
        &dir,
        &page,
        "shot",
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote no screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    assert_eq!((be(&png[16..20]), be(&png[20..24])), (1280, 2000));
    // A blank page of that size compresses to a few KB; the dashboard is far larger.
    assert!(
        png.len() > 100_000,
        "screenshot is only {} bytes",
        png.len()
    );
}

#[test]
fn html_on_standard_output_is_the_same_page_every_run() {
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_fourc"))
            .args([
                "check",
                "examples/manifests",
                "--no-config",
                "--format",
                "html",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.status.code(), Some(1));
    let page = String::from_utf8(a.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page:.200}");
    assert!(page.trim_end().ends_with("</html>"));
    assert_eq!(page.as_bytes(), b.stdout.as_slice());
}
