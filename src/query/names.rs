//! How well a name matches what someone typed: exact, then the name starts with it, then a
//! word of the name starts with it, then it appears inside the name, then a close spelling
//! (one edit for up to six letters, two beyond; a swap of neighbours is one edit, so
//! "Whitechaple" finds Whitechapel). Case, apostrophes and other punctuation do not count
//! ("kings cross" is "King's Cross").
//!
//! ```
//! use london_atlas::query::names::{key, Match};
//! assert_eq!(Match::of(&key("whitechapel"), &key("Whitechapel")), Some(Match::Exact));
//! assert_eq!(Match::of(&key("Whitechaple"), &key("Whitechapel")), Some(Match::Close(1)));
//! assert_eq!(Match::of(&key("green"), &key("Bethnal Green")), Some(Match::Word));
//! assert_eq!(Match::of(&key("kings cross"), &key("King's Cross")), Some(Match::Exact));
//! assert_eq!(Match::of(&key("Hackney"), &key("Whitechapel")), None);
//! ```

/// A match, best first (the derived order ranks them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    Exact,
    Prefix,
    /// A later word of the name starts with the text.
    Word,
    Contains,
    /// Spelt differently by this many edits.
    Close(u8),
}

/// Lower case, letters, digits and single spaces only.
pub fn key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c == '-' || c == ',')
            && !out.ends_with(' ')
            && !out.is_empty()
        {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

impl Match {
    /// How `name` (a [`key`]) matches the typed `text` (a [`key`]), if at all.
    pub fn of(text: &str, name: &str) -> Option<Match> {
        if text.is_empty() {
            return None;
        }
        if name == text {
            return Some(Match::Exact);
        }
        if name.starts_with(text) {
            return Some(Match::Prefix);
        }
        if name
            .match_indices(text)
            .any(|(i, _)| name.as_bytes()[i - 1] == b' ')
        {
            return Some(Match::Word);
        }
        if name.contains(text) {
            return Some(Match::Contains);
        }
        let n = text.chars().count();
        if n < 4 {
            return None;
        }
        let most = if n <= 6 { 1 } else { 2 };
        edits(text, name, most).map(Match::Close)
    }
}

/// Edits (insert, delete, substitute, swap neighbours) from `a` to `b`, if at most `most`.
fn edits(a: &str, b: &str, most: usize) -> Option<u8> {
    if a.len().abs_diff(b.len()) > 4 * most {
        return None; // byte lengths this far apart cannot be `most` characters apart
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > most {
        return None;
    }
    // Optimal string alignment distance, three rows.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > most {
            return None;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= most).then_some(d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_count_swaps_as_one() {
        assert_eq!(edits("whitechaple", "whitechapel", 2), Some(1));
        assert_eq!(edits("spitalfeilds", "spitalfields", 2), Some(1));
        assert_eq!(edits("bethnal gren", "bethnal green", 2), Some(1));
        assert_eq!(edits("hackney", "whitechapel", 2), None);
        assert_eq!(edits("abc", "abc", 0), Some(0));
    }

    #[test]
    fn matches_rank_in_order() {
        let m = |t: &str, n: &str| Match::of(&key(t), &key(n));
        assert!(m("bethnal", "Bethnal Green") < m("green", "Bethnal Green"));
        assert_eq!(m("hapel", "Whitechapel"), Some(Match::Contains));
        assert_eq!(m("  Tower   Hamlets ", "Tower Hamlets"), Some(Match::Exact));
        assert_eq!(m("abc", "abd"), None, "short texts need an exact part");
    }
}
