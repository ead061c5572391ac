//! OWASP ZAP's traditional JSON report (and its "plus" variant).
//!
//! Every alert of every site is one `zap_alert` document at the alert's bytes: `site`,
//! `plugin_id`, `name`, `risk` (the `riskcode`: 0 informational, 1 low, 2 medium, 3 high),
//! `confidence` (0 false positive, 1 low, 2 medium, 3 high, 4 user confirmed), `cwe`, `urls`
//! (the instances' URIs, each once), `count` and `location` (`site[i].alerts[j]`). ZAP writes
//! the codes as strings; they read as numbers.

use std::path::Path;
use std::sync::Arc;

use super::{failed, has_keys, items, json_name, number, read_json, text};
use crate::document::{Document, LoadOptions, Loaded, ResourceId, Source};
use crate::input::tree::{int, list, map, string};
use crate::input::{Confidence, InputFormat};
use crate::yaml::Pick;

/// The format's name.
pub const ZAP: &str = "zap";
/// The type of one alert.
pub const ZAP_ALERT: &str = "zap_alert";

/// ZAP traditional JSON reports, recognised by content.
#[derive(Clone, Copy, Debug, Default)]
pub struct Zap;

impl InputFormat for Zap {
    fn name(&self) -> &str {
        ZAP
    }

    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence {
        if !json_name(path, &["json"]) || head.is_empty() {
            return Confidence::No;
        }
        if has_keys(head, &["site"])
            && (has_keys(head, &["@programName"])
                || has_keys(head, &["alerts"])
                || has_keys(head, &["@version"]))
        {
            Confidence::Content
        } else {
            Confidence::No
        }
    }

    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
        let json = match read_json(source, opts, "site", &ZAP_PICK) {
            Ok(j) => j,
            Err(e) => return failed(e),
        };
        let mut out = Loaded::default();
        for (si, site) in items(json.root.get("site")).iter().enumerate() {
            let site_name = text(site, "@name").unwrap_or("");
            for (ai, a) in items(site.get("alerts")).iter().enumerate() {
                let span = json.span(a);
                let num = |k: &str| {
                    a.get(k)
                        .and_then(|n| number(Some(n)).map(|x| int(x as i64, json.span(n))))
                };
                let mut urls: Vec<&str> = items(a.get("instances"))
                    .iter()
                    .filter_map(|i| text(i, "uri"))
                    .collect();
                urls.dedup();
                let plugin = text(a, "pluginid").unwrap_or("");
                let name = text(a, "name").or_else(|| text(a, "alert")).unwrap_or("");
                let location = format!("site[{si}].alerts[{ai}]");
                let doc = map(
                    span,
                    vec![
                        ("site", Some(string(site_name, span))),
                        ("plugin_id", Some(string(plugin, span))),
                        ("name", Some(string(name, span))),
                        ("risk", num("riskcode")),
                        ("confidence", num("confidence")),
                        ("cwe", num("cweid")),
                        ("count", num("count")),
                        (
                            "urls",
                            Some(list(span, urls.iter().map(|u| string(u, span)).collect())),
                        ),
                        ("location", Some(string(&location, span))),
                    ],
                );
                let id = ResourceId::new(ZAP, ZAP_ALERT)
                    .with_name(name)
                    .with_scope(site_name)
                    .with_address(&format!("ZAP plugin {plugin} ({name}) on {site_name}"));
                let index = u32::try_from(out.documents.len()).unwrap_or(u32::MAX);
                out.documents
                    .push(Document::with_identity(source.clone(), index, doc, id));
            }
        }
        out
    }
}

/// What a ZAP report is read for; an alert's `desc`, `solution`, `reference` and `otherinfo`,
/// and each instance's evidence, are passed over.
static ZAP_PICK: Pick = Pick::Keys(&[("site", &SITE)]);
static SITE: Pick = Pick::Keys(&[("@name", &Pick::All), ("alerts", &ALERT)]);
static ALERT: Pick = Pick::Keys(&[
    ("pluginid", &Pick::All),
    ("name", &Pick::All),
    ("alert", &Pick::All),
    ("riskcode", &Pick::All),
    ("confidence", &Pick::All),
    ("cweid", &Pick::All),
    ("count", &Pick::All),
    ("instances", &INSTANCE),
]);
static INSTANCE: Pick = Pick::Keys(&[("uri", &Pick::All)]);
