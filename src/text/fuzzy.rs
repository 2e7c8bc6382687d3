//! Typo tolerance for the keyword side: edit distance between a query word the index does
//! not know and the index's terms. Optimal string alignment distance (Damerau-Levenshtein
//! where each substring is edited once: insert, delete, substitute, swap two neighbours),
//! bounded, so most comparisons stop after a few characters.

/// Most edits a query word of `len` characters may be away from a term: none below 4
/// characters (too many short words are one edit apart), 1 up to 7, 2 from 8. Four-letter
/// words get one edit only if it is a swap of neighbours ("grpe" -> "grep"): see
/// [`swap_only`].
pub fn max_edits(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Words this short only match a term that differs by one swap of neighbours.
pub fn swap_only(len: usize) -> bool {
    len == 4
}

/// `a` and `b` differ exactly by one swap of two neighbouring characters.
pub fn is_swap(a: &[char], b: &[char]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    diff.len() == 2 && diff[1] == diff[0] + 1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]]
}

/// The OSA distance between `a` and `b` if it is at most `max`, else `None`.
pub fn within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let n = b.len();
    // Three rows: two back (for swaps), previous, current.
    let mut back: Vec<usize> = vec![0; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur: Vec<usize> = vec![0; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(back[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut back, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[n]).filter(|&d| d <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str, max: usize) -> Option<usize> {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        within(&a, &b, max)
    }

    #[test]
    fn counts_edits_and_swaps() {
        assert_eq!(d("wireshark", "wireshark", 2), Some(0));
        assert_eq!(d("wirehsark", "wireshark", 2), Some(1));
        assert_eq!(d("wiresark", "wireshark", 2), Some(1));
        assert_eq!(d("wyreshrk", "wireshark", 2), Some(2));
        assert_eq!(d("grpe", "grep", 1), Some(1));
        assert_eq!(d("kitten", "sitting", 2), None);
        assert_eq!(d("kitten", "sitting", 3), Some(3));
        assert_eq!(d("abc", "abcdef", 2), None);
        assert_eq!(max_edits(3), 0);
        let c = |s: &str| s.chars().collect::<Vec<char>>();
        assert!(is_swap(&c("grpe"), &c("grep")) && !is_swap(&c("grap"), &c("grep")) && !is_swap(&c("grep"), &c("grep")));
        assert_eq!(max_edits(9), 2);
    }
}
