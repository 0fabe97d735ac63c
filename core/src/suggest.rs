//! "Did you mean …?": the closest of the names in scope to one that was misspelt.
//!
//! Terraform suggests a name within a Levenshtein distance of 2 of what was written; Hangar does
//! the same, choosing the closest candidate (the first among equals) rather than the first
//! close one, and also catches a wrong letter case (`Name` for `name`). It never suggests the
//! name itself.

/// The candidate closest to `given`, if one is close enough to be a likely misspelling.
pub fn closest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == given {
            continue;
        }
        let d = if c.eq_ignore_ascii_case(given) {
            0
        } else {
            strsim::levenshtein(given, c)
        };
        if d < 3 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// ` Did you mean "NAME"?` for the closest candidate, or nothing: to append to a diagnostic's
/// detail.
pub fn did_you_mean<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(given, candidates)
        .map(|c| format!(" Did you mean \"{c}\"?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name_within_two_edits() {
        let names = ["region", "regions", "name"];
        assert_eq!(closest("regoin", names), Some("region"));
        assert_eq!(closest("nmae", names), Some("name"));
        assert_eq!(closest("Name", names), Some("name"));
        assert_eq!(closest("zone", ["region"]), None);
        assert_eq!(closest("region", ["region"]), None);
        assert_eq!(
            did_you_mean("lenght", ["length", "lower"]),
            " Did you mean \"length\"?"
        );
        assert_eq!(did_you_mean("xyz", ["length"]), "");
    }
}
