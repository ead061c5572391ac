//! Where a violation points in the reviewed object (the rule is in the module docs).

use std::collections::{HashMap, HashSet};

use policy_core::backend::{Locator, PathStep};
use policy_core::value::{Node, Str, Value};

/// The locator of a violation with `message` and `details` on the object `root`.
pub(crate) fn locate(root: &Node, message: &str, details: Option<&serde_json::Value>) -> Locator {
    if let Some(d) = details.and_then(|d| d.as_object())
        && let Some(p) = d.get("path").or_else(|| d.get("field"))
        && let Some(steps) = path_of(p)
        && !steps.is_empty()
    {
        return Locator::Path(steps);
    }
    by_message(root, message).map_or(Locator::Document, Locator::Path)
}

/// A field path given as `spec.containers[0].image` or as a list of keys and indexes.
fn path_of(v: &serde_json::Value) -> Option<Vec<PathStep>> {
    match v {
        serde_json::Value::String(s) => Some(parse_path(s)),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                serde_json::Value::String(s) => Some(PathStep::Key(Str::from(s.as_str()))),
                serde_json::Value::Number(n) => n
                    .as_u64()
                    .map(|n| PathStep::Index(usize::try_from(n).unwrap_or(usize::MAX))),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// `spec.containers[0].image` as steps.
pub(crate) fn parse_path(s: &str) -> Vec<PathStep> {
    let mut steps = Vec::new();
    for part in s.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(b) = rest.find('[') {
            let (key, idx) = rest.split_at(b);
            if !key.is_empty() {
                steps.push(PathStep::Key(Str::from(key)));
            }
            rest = idx;
            while let Some(r) = rest.strip_prefix('[') {
                let Some(end) = r.find(']') else { break };
                let (n, after) = r.split_at(end);
                match n.parse::<usize>() {
                    Ok(i) => steps.push(PathStep::Index(i)),
                    Err(_) => steps.push(PathStep::Key(Str::from(n.trim_matches('"')))),
                }
                rest = after.strip_prefix(']').unwrap_or(after);
            }
        } else {
            steps.push(PathStep::Key(Str::from(rest)));
        }
    }
    steps
}

/// The deepest place whose key or string value is a word of the message found exactly once in
/// the object.
fn by_message(root: &Node, message: &str) -> Option<Vec<PathStep>> {
    let words: HashSet<&str> = message
        .split(|c: char| !(c.is_alphanumeric() || "-_.:/@".contains(c)))
        .map(|w| w.trim_matches(|c: char| c == '.' || c == ':'))
        .filter(|w| w.len() >= 2)
        .collect();
    if words.is_empty() {
        return None;
    }
    let found = unique_deepest(root, Vec::new(), &words)?;
    // A word found once names a list item (a container, say): a word found once within that
    // item (a field of the container) is more precise.
    let Some(item) = found.iter().rposition(|s| matches!(s, PathStep::Index(_))) else {
        return Some(found);
    };
    let scope: Vec<PathStep> = found.iter().take(item + 1).cloned().collect();
    let Some(node) = resolve(root, &scope) else {
        return Some(found);
    };
    match unique_deepest(node, scope, &words) {
        Some(inner) if inner.len() > found.len() => Some(inner),
        _ => Some(found),
    }
}

/// The node at `path` under `root`.
pub(crate) fn resolve<'n>(root: &'n Node, path: &[PathStep]) -> Option<&'n Node> {
    let mut node = root;
    for s in path {
        node = match (s, &node.value) {
            (PathStep::Key(k), Value::Map(m)) => m.get(k)?,
            (PathStep::Index(i), Value::List(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The deepest place under `root` (at `base`) whose key or string value is one of `words` found
/// exactly once there; the first in document order on a tie.
fn unique_deepest(
    root: &Node,
    base: Vec<PathStep>,
    words: &HashSet<&str>,
) -> Option<Vec<PathStep>> {
    // Every place each word is found, numbered in document order.
    let mut seen: HashMap<String, Vec<(usize, Vec<PathStep>)>> = HashMap::new();
    let mut seq = 0usize;
    let mut stack: Vec<(&Node, Vec<PathStep>)> = vec![(root, base)];
    while let Some((node, path)) = stack.pop() {
        seq += 1;
        match &node.value {
            Value::Map(m) => {
                let mut kids = Vec::new();
                for (k, v) in m.iter() {
                    let mut p = path.clone();
                    p.push(PathStep::Key(k.clone()));
                    if words.contains(&**k) {
                        seq += 1;
                        seen.entry(k.to_string())
                            .or_default()
                            .push((seq, p.clone()));
                    }
                    kids.push((v, p));
                }
                // Children pushed in reverse, so they are visited in document order.
                stack.extend(kids.into_iter().rev());
            }
            Value::List(l) => {
                let kids: Vec<_> = l
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let mut p = path.clone();
                        p.push(PathStep::Index(i));
                        (v, p)
                    })
                    .collect();
                stack.extend(kids.into_iter().rev());
            }
            Value::String(s) if words.contains(&**s) => {
                seen.entry(s.to_string())
                    .or_default()
                    .push((seq, path.clone()));
            }
            _ => {}
        }
    }
    let mut unique: Vec<(usize, Vec<PathStep>)> = seen
        .into_values()
        .filter(|v| v.len() == 1)
        .flatten()
        .collect();
    unique.sort_by_key(|(n, _)| *n);
    let mut best: Option<Vec<PathStep>> = None;
    for (_, p) in unique {
        if best.as_ref().is_none_or(|b| p.len() > b.len()) {
            best = Some(p);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("spec.containers[0].image"),
            vec![
                PathStep::Key(Str::from("spec")),
                PathStep::Key(Str::from("containers")),
                PathStep::Index(0),
                PathStep::Key(Str::from("image")),
            ]
        );
    }
}
