//! The one "did you mean" helper: the closest known name to a likely typo, for compile errors,
//! settings errors and the command line alike.

/// The Levenshtein distance between two strings, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = (Vec::new(), Vec::new());
    distance_within(&a, &b, usize::MAX, &mut rows).unwrap_or(usize::MAX)
}

/// The Levenshtein distance between `a` and `b` when it is at most `limit`, else `None`, found
/// without finishing the table once every entry of a row is over the limit. `rows` are reused
/// from call to call.
fn distance_within(
    a: &[char],
    b: &[char],
    limit: usize,
    rows: &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    // The lengths alone bound the distance from below.
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let (prev, cur) = rows;
    prev.clear();
    prev.extend(0..=b.len());
    for (i, ca) in a.iter().enumerate() {
        cur.clear();
        cur.push(i + 1);
        let mut row_min = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            let d = sub.min(del).min(ins);
            row_min = row_min.min(d);
            cur.push(d);
        }
        // Entries never decrease down the table: this row's least is a lower bound.
        if row_min > limit {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    prev.last().copied().filter(|&d| d <= limit)
}

/// The closest candidate to `name`, if close enough to be a likely typo: at most a third of the
/// longer name's characters differ. Ties go to the candidate that sorts first.
pub fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    Suggester::new(candidates).suggest(name)
}

/// Buckets of a character count: two strings differ in at least as many characters as their
/// bucket counts do, so the counts bound the edit distance from below.
const BUCKETS: usize = 32;
type Bag = [u16; BUCKETS];

fn bag(chars: &[char]) -> Bag {
    let mut b = [0u16; BUCKETS];
    for c in chars {
        let k = usize::try_from(u32::from(*c)).unwrap_or(0) % BUCKETS;
        if let Some(n) = b.get_mut(k) {
            *n = n.saturating_add(1);
        }
    }
    b
}

/// Whether two strings with these bags are more than `limit` edits apart for certain: what one
/// has more of, or the other, is a lower bound of their distance.
fn bags_exceed(a: &Bag, b: &Bag, limit: usize) -> bool {
    let (mut more, mut less) = (0usize, 0usize);
    for (x, y) in a.iter().zip(b) {
        if x > y {
            more += usize::from(x - y);
        } else {
            less += usize::from(y - x);
        }
        if more > limit || less > limit {
            return true;
        }
    }
    false
}

/// Candidates prepared once (their characters and character counts) for many suggestions: a
/// settings file with many unknown names asks one suggester for each, and each candidate that
/// its length or characters rule out costs no distance table.
#[derive(Debug)]
pub struct Suggester<'a> {
    candidates: Vec<(&'a str, Vec<char>, Bag)>,
}

impl<'a> Suggester<'a> {
    /// Prepares `candidates`.
    pub fn new(candidates: impl IntoIterator<Item = &'a str>) -> Self {
        let candidates = candidates
            .into_iter()
            .map(|c| {
                let chars: Vec<char> = c.chars().collect();
                let b = bag(&chars);
                (c, chars, b)
            })
            .collect();
        Suggester { candidates }
    }

    /// The closest candidate to `name`, as [`suggest`] finds it. Each candidate costs at most
    /// one distance table, cut short once it cannot beat the best so far.
    pub fn suggest(&self, name: &str) -> Option<&'a str> {
        let a: Vec<char> = name.chars().collect();
        let a_bag = bag(&a);
        let mut rows = (Vec::new(), Vec::new());
        let mut best: Option<(usize, &'a str)> = None;
        for (c, b, b_bag) in &self.candidates {
            let mut limit = a.len().max(b.len()).div_ceil(3);
            if let Some((d, _)) = best {
                limit = limit.min(d);
            }
            if a.len().abs_diff(b.len()) > limit || bags_exceed(&a_bag, b_bag, limit) {
                continue;
            }
            let Some(d) = distance_within(&a, b, limit, &mut rows) else {
                continue;
            };
            if best.is_none_or(|bd| (d, *c) < bd) {
                best = Some((d, *c));
            }
        }
        best.map(|(_, c)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_names() {
        let names = ["pss-baseline-privileged", "pss-baseline-host-path"];
        assert_eq!(
            suggest("pss-baseline-privileg", names.iter().copied()),
            Some("pss-baseline-privileged")
        );
        assert_eq!(suggest("team-label", names.iter().copied()), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            suggest("workloads", ["workload"].into_iter()),
            Some("workload")
        );
        // Ties go to the candidate that sorts first, in any candidate order.
        assert_eq!(suggest("ab", ["ac", "aa"].into_iter()), Some("aa"));
        assert_eq!(suggest("ab", ["aa", "ac"].into_iter()), Some("aa"));
    }

    #[test]
    fn filters_agree_with_the_full_distance() {
        let words = [
            "pss-baseline-privileged",
            "pss-baseline-host-path",
            "netpol-default-deny-ingress",
            "resources-namespace-quota",
            "image-tag-latest",
            "x",
            "",
            "caf\u{e9}-r\u{e8}gle",
        ];
        for a in words {
            for b in words {
                let (ca, cb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                let d = edit_distance(a, b);
                assert!(!bags_exceed(&bag(&ca), &bag(&cb), d), "{a} {b}");
                let mut rows = (Vec::new(), Vec::new());
                assert_eq!(distance_within(&ca, &cb, d, &mut rows), Some(d), "{a} {b}");
                if d > 0 {
                    assert_eq!(distance_within(&ca, &cb, d - 1, &mut rows), None, "{a} {b}");
                }
            }
        }
    }
}
