//! The one "did you mean" helper: the closest known name to a likely typo, for compile errors,
//! settings errors and the command line alike.

/// The Levenshtein distance between two strings, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The closest candidate to `name`, if close enough to be a likely typo: at most a third of the
/// longer name's characters differ. Ties go to the candidate that sorts first.
pub fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= name.chars().count().max(c.chars().count()).div_ceil(3))
        .min()
        .map(|(_, c)| c)
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
    }
}
