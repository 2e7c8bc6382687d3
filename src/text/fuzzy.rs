//! Typo tolerance for the keyword side: edit distance between a query word the index does
//! not know and the index's terms. Optimal string alignment distance (Damerau-Levenshtein
//! where each substring is edited once: insert, delete, substitute, swap two neighbours),
//! bounded, so most comparisons stop after a few characters; [`Near`] measures one query
//! word against a whole dictionary, term after term.

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

/// A query word's typo distance to the terms of a dictionary, one term after another
/// (`KeywordIndex`'s scans): the word's characters, its bound and the table's rows are
/// made once per word, and a term and word both ASCII are compared byte by byte (the same
/// distance: there a byte is a character), so a scan allocates nothing per term. Most
/// terms are turned away before the table: each edit adds or removes at most one of the
/// letters a word holds (a substitution one of each, a swap none), so two words `d` edits
/// apart differ in at most `2d` of them ([`letters`]).
pub struct Near {
    /// The word as typed (its bytes serve when it and a term are ASCII).
    text: String,
    ascii: bool,
    letters: u64,
    chars: Vec<char>,
    max: usize,
    swap_only: bool,
    term: Vec<char>,
    rows: Rows,
}

impl Near {
    /// For query word `word`; None when it is too short for any typo ([`max_edits`] 0).
    pub fn new(word: &str) -> Option<Near> {
        let chars: Vec<char> = word.chars().collect();
        let max = max_edits(chars.len());
        (max > 0).then(|| Near {
            swap_only: swap_only(chars.len()),
            text: word.to_string(),
            ascii: word.is_ascii(),
            letters: letters(word.bytes()),
            chars,
            max,
            term: Vec::new(),
            rows: Rows::default(),
        })
    }

    /// The distance from the word to `term` if within its bound (for a four-letter word,
    /// only a swap of neighbours, distance 1), else None.
    pub fn distance(&mut self, term: &str) -> Option<usize> {
        let Near { text, ascii, letters: held, chars, max, swap_only, term: tc, rows } = self;
        // A term whose length in bytes is this far from the word's is not compared (a bound
        // in bytes: with characters of several bytes it can turn away a term a few
        // characters away, as the keyword scans always have).
        if term.len().abs_diff(text.len()) > *max + 2 {
            return None;
        }
        if *ascii && term.is_ascii() {
            if (*held ^ letters(term.bytes())).count_ones() as usize > 2 * *max {
                return None;
            }
            return judge(*swap_only, *max, rows, text.as_bytes(), term.as_bytes());
        }
        tc.clear();
        tc.extend(term.chars());
        judge(*swap_only, *max, rows, chars, tc)
    }
}

/// Which of 64 classes of bytes an ASCII word holds (a byte's low six bits; two characters
/// sharing a class, as `a` and `!` do, only let more terms through to the table).
fn letters(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0, |m, b| m | 1 << (b & 63))
}

fn judge<T: PartialEq>(swap_only: bool, max: usize, rows: &mut Rows, a: &[T], b: &[T]) -> Option<usize> {
    if swap_only { is_swap(a, b).then_some(1) } else { within(a, b, max, rows) }
}

/// `a` and `b` differ exactly by one swap of two neighbouring characters.
pub fn is_swap<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = (0..a.len()).filter(|&i| a[i] != b[i]);
    let (Some(i), Some(j), None) = (diff.next(), diff.next(), diff.next()) else { return false };
    j == i + 1 && a[i] == b[j] && a[j] == b[i]
}

/// The rows of [`within`]'s table, kept between calls.
#[derive(Default)]
pub struct Rows {
    back: Vec<usize>,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

/// The OSA distance between `a` and `b` if it is at most `max`, else `None`.
pub fn within<T: PartialEq>(a: &[T], b: &[T], max: usize, rows: &mut Rows) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let n = b.len();
    // Three rows: two back (for swaps), previous, current.
    let Rows { back, prev, cur } = rows;
    back.clear();
    back.resize(n + 1, 0);
    prev.clear();
    prev.extend(0..=n);
    cur.clear();
    cur.resize(n + 1, 0);
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
        std::mem::swap(back, prev);
        std::mem::swap(prev, cur);
    }
    Some(prev[n]).filter(|&d| d <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str, max: usize) -> Option<usize> {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        within(&a, &b, max, &mut Rows::default())
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

    /// A word's distance to a term, on characters as the scan computed it before it took
    /// ASCII pairs byte by byte (after its bound on the lengths in bytes, which it applied
    /// before the table): the same for every pair, over seeded random words near and far,
    /// ASCII and not (accents, Cyrillic, CJK, emoji), of every bound.
    #[test]
    fn near_measures_bytes_as_it_measures_characters() {
        let alphabet: Vec<char> = "abcdeéxyz".chars().chain("жяç日本😀".chars()).collect();
        let mut rng = crate::rng::Rng::new(11);
        let word = |rng: &mut crate::rng::Rng, ascii: bool| -> String {
            let len = 1 + rng.below(10);
            (0..len).map(|_| if ascii { alphabet[rng.below(5)] } else { alphabet[rng.below(alphabet.len())] }).collect()
        };
        let mut compared = 0;
        for _ in 0..20_000 {
            let ascii = rng.below(4) > 0;
            let w = word(&mut rng, ascii);
            // A term near the word (a few random edits) or an unrelated one.
            let mut t: Vec<char> = w.chars().collect();
            for _ in 0..rng.below(4) {
                let at = rng.below(t.len() + 1);
                match rng.below(4) {
                    0 => t.insert(at, alphabet[rng.below(5)]),
                    1 if at < t.len() => drop(t.remove(at)),
                    2 if at < t.len() => t[at] = alphabet[rng.below(alphabet.len())],
                    _ if at + 1 < t.len() => t.swap(at, at + 1),
                    _ => {}
                }
            }
            let t: String = if rng.below(5) == 0 { word(&mut rng, true) } else { t.into_iter().collect() };
            let Some(mut near) = Near::new(&w) else { continue };
            let (a, b): (Vec<char>, Vec<char>) = (w.chars().collect(), t.chars().collect());
            let max = max_edits(a.len());
            let by_chars = if t.len().abs_diff(w.len()) > max + 2 {
                None
            } else if swap_only(a.len()) {
                is_swap(&a, &b).then_some(1)
            } else {
                within(&a, &b, max, &mut Rows::default())
            };
            assert_eq!(near.distance(&t), by_chars, "{w:?} -> {t:?}");
            compared += usize::from(w.is_ascii() && t.is_ascii());
        }
        assert!(compared > 5_000, "too few ASCII pairs: {compared}");
    }
}
