//! Hints for a name that is not defined: the closest defined name (by edit
//! distance), or else the list of defined names.

/// How many names a "defined ...:" hint lists before it says "...".
const LISTED: usize = 12;

/// The Levenshtein distance between `a` and `b` in characters, ignoring
/// ASCII case.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `name`, if one is close enough to be a likely
/// typo (at most a third of the name's length apart, at least 1); the first
/// declared wins a tie.
pub(crate) fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for &candidate in candidates {
        let d = distance(name, candidate);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// A hint for the undefined `name` of a kind of entry (`what`, plural:
/// "events"): "did you mean `X`?", else "defined events: A, B, C", else "no
/// events are defined".
pub(crate) fn hint(name: &str, candidates: &[&str], what: &str) -> String {
    if let Some(c) = closest(name, candidates) {
        return format!("did you mean `{c}`?");
    }
    if candidates.is_empty() {
        return format!("no {what} are defined");
    }
    format!("defined {what}: {}", list(candidates))
}

/// `names` as a comma-separated list, cut after [`LISTED`] names.
pub(crate) fn list(names: &[&str]) -> String {
    let mut out = names
        .iter()
        .take(LISTED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED {
        out.push_str(&format!(", ... ({} in all)", names.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("TicketClose", "TicketClosed"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("createon", "createOn"), 0);
    }

    #[test]
    fn closest_only_when_close() {
        let names = ["TicketCreated", "TicketClosed", "UserCreated"];
        assert_eq!(closest("TicketClose", &names), Some("TicketClosed"));
        assert_eq!(closest("Nothing", &names), None);
    }

    #[test]
    fn hint_lists_or_suggests() {
        assert_eq!(hint("Foo", &[], "events"), "no events are defined");
        assert_eq!(hint("Xyz", &["A", "B"], "events"), "defined events: A, B");
        assert_eq!(hint("Ab", &["A", "B"], "events"), "did you mean `A`?");
    }
}
