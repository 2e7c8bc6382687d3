//! How text becomes keyword terms, the way search engines do it: lowercase runs of letters
//! and digits (so a URL `https://x.org/wiki/HNSW_graph` gives `https x org wiki hnsw
//! graph`), without English function words and without 1-character tokens (the `s` of a
//! possessive, the `a` of "a theory"), which would otherwise match nearly every document.
//!
//! Two more rules since [`Rules::Folded`] (keyword terms version 2), for text that is not
//! English:
//! - Accents are folded in the Latin, Greek and Cyrillic letters (`Zürich`, `café`,
//!   `naïve` -> `zurich`, `cafe`, `naive`, written composed or with combining accents,
//!   which then belong to their word), as the embedder's normaliser strips them, and
//!   a few letters that have no decomposition are spelled as people type them without
//!   their key (`ß` -> `ss`, `æ` -> `ae`, `œ` -> `oe`, `ø` -> `o`, `ł` -> `l`, `đ` -> `d`,
//!   `þ` -> `th`): a query typed either way finds the word.
//! - Chinese, Japanese and Korean are written without spaces between words, so a run of
//!   their characters was one term no query matched unless it was the whole run (and was
//!   dropped past 64 bytes, 21 characters). Such a run now gives its overlapping pairs of
//!   characters (`東京の天気` -> `東京 京の の天 天気`), a lone character itself: the
//!   bigrams of Lucene's CJK analyser, which need no dictionary. A query is split the
//!   same way, so `天気` finds every text holding those two characters together.
//!
//! - One more since [`Rules::Unspaced`] (version 3): Thai, Lao, Khmer and Myanmar are
//!   written without spaces between words too, and their letters carry combining vowel
//!   and tone marks. A run of them was one term (dropped past 64 bytes: ~21 Thai
//!   characters, shorter than most sentences), so a word inside a run was never found.
//!   Such a run now gives its overlapping pairs of *units*, a letter with the marks that
//!   follow it (`ภาษาไทย` -> `ภา าษ ษา าไ ไท ทย`; `ที่นี่` -> `ที่นี่` as one pair of
//!   `ที่` and `นี่`), a lone unit itself: the same dictionary-free bigrams, over what a
//!   reader sees as one character. Marks are kept (these scripts are typed with them).
//!
//! A result's snippet is cut around where the query's terms match the same way
//! ([`snippet`]).

/// Which rules split text into terms: stored with counted terms (`TERMS_VERSION`) and
/// implied by a paged site's format, so what was counted by one set of rules is queried
/// by the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    /// Keyword terms version 1 (paged sites of format 4): runs of letters and digits,
    /// lowercased as written.
    Runs,
    /// Keyword terms version 2: accents folded, CJK runs as bigrams.
    Folded,
    /// Keyword terms version 3: [`Rules::Folded`], and Thai, Lao, Khmer and Myanmar runs as
    /// pairs of units (a letter and its marks).
    Unspaced,
}

impl Rules {
    /// The rules this nook counts new documents by.
    pub const CURRENT: Rules = Rules::Unspaced;
}

impl Default for Rules {
    fn default() -> Self {
        Rules::CURRENT
    }
}

use unicode_normalization_alignments::char::{decompose_canonical, is_combining_mark};

/// Lowercase runs of letters and digits, at most 64 bytes each: every word, as written.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty() && t.len() <= 64).map(str::to_lowercase)
}

/// The keyword terms of `text` by the current rules: [`words`] minus stopwords and
/// 1-character tokens, accents folded, CJK runs as bigrams, Thai, Lao, Khmer and Myanmar
/// runs as pairs of units.
pub fn terms(text: &str) -> impl Iterator<Item = String> {
    terms_by(Rules::CURRENT, text)
}

/// The keyword terms of `text` by `rules`.
pub fn terms_by(rules: Rules, text: &str) -> impl Iterator<Item = String> {
    let mut out = Vec::new();
    each_term_by(rules, text, &mut String::new(), |t| out.push(t.to_string()));
    out.into_iter()
}

/// [`terms`] without a `String` per term: each is written into `buf` and handed to `f`
/// (an open runs this over every document).
pub fn each_term(text: &str, buf: &mut String, f: impl FnMut(&str)) {
    each_term_by(Rules::CURRENT, text, buf, f)
}

/// [`each_term`] by `rules`. ASCII bytes are classified as bytes; only the other
/// characters are decoded.
pub fn each_term_by(rules: Rules, text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    let bytes = text.as_bytes();
    let folded = rules != Rules::Runs;
    let units = rules == Rules::Unspaced;
    // A character that starts a run of pairs instead of a word.
    let paired = |c: char| (folded && is_cjk(c)) || (units && is_abugida_unspaced(c));
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let mut ascii = true;
        while i < bytes.len() {
            if bytes[i].is_ascii() {
                if !bytes[i].is_ascii_alphanumeric() {
                    break;
                }
                i += 1;
            } else {
                // `i` is a character boundary: every step went over whole characters.
                let Some(c) = text[i..].chars().next() else { break };
                if !(c.is_alphanumeric() || (folded && i > start && is_combining_mark(c))) || paired(c) {
                    break;
                }
                ascii = false;
                i += c.len_utf8();
            }
        }
        if i == start {
            let Some(c) = text[i..].chars().next() else { break };
            if folded && is_cjk(c) {
                // A run of CJK characters: its bigrams.
                let run = &text[i..];
                let end = run.char_indices().find(|&(_, c)| !is_cjk(c)).map_or(run.len(), |(at, _)| at);
                bigrams(&run[..end], buf, &mut f);
                i += end;
            } else if units && is_abugida_unspaced(c) {
                // A run of Thai, Lao, Khmer or Myanmar: the pairs of its units.
                let run = &text[i..];
                let end = run.char_indices().find(|&(_, c)| !is_abugida_unspaced(c)).map_or(run.len(), |(at, _)| at);
                unit_pairs(&run[..end], &mut f);
                i += end;
            } else {
                // A separator: one ASCII byte or one other character.
                i += c.len_utf8();
            }
            continue;
        }
        let w = &text[start..i];
        if w.len() > 64 {
            continue;
        }
        buf.clear();
        if ascii {
            buf.push_str(w);
            buf.make_ascii_lowercase();
        } else if folded {
            fold_into(w, buf);
        } else {
            buf.push_str(&w.to_lowercase());
        }
        if is_term(buf) {
            f(buf);
        }
    }
}

/// The overlapping character pairs of `run` (CJK characters only), or the character
/// itself when it stands alone.
fn bigrams(run: &str, buf: &mut String, f: &mut impl FnMut(&str)) {
    let mut chars = run.chars();
    let Some(mut prev) = chars.next() else { return };
    let mut alone = true;
    for c in chars {
        alone = false;
        buf.clear();
        buf.push(prev);
        buf.push(c);
        f(buf);
        prev = c;
    }
    if alone {
        buf.clear();
        buf.push(prev);
        f(buf);
    }
}

/// The overlapping pairs of `run`'s units (a character with the combining marks after
/// it), or the unit itself when it stands alone. Each is a slice of `run`.
fn unit_pairs(run: &str, f: &mut impl FnMut(&str)) {
    // Where each unit starts (the first character starts one even if it is a mark).
    let mut starts = run.char_indices().filter(|&(at, c)| at == 0 || !is_combining_mark(c)).map(|(at, _)| at);
    let (Some(mut a), Some(mut b)) = (starts.next(), starts.next()) else {
        if !run.is_empty() {
            f(run);
        }
        return;
    };
    // Units i and i + 1 run from the start of i to the start of i + 2 (or the end).
    for c in starts.chain(std::iter::once(run.len())) {
        f(&run[a..c]);
        (a, b) = (b, c);
    }
}

/// `word` lowercased into `buf`, its Latin, Greek and Cyrillic letters without accents.
fn fold_into(word: &str, buf: &mut String) {
    for c in word.chars() {
        fold_char(c, buf);
    }
}

/// `c` lowercased onto `buf`, without accents if it is Latin, Greek or Cyrillic.
fn fold_char(c: char, buf: &mut String) {
    if c.is_ascii() {
        buf.push(c.to_ascii_lowercase());
        return;
    }
    for l in c.to_lowercase() {
        match l {
            'ß' => buf.push_str("ss"),
            'æ' => buf.push_str("ae"),
            'œ' => buf.push_str("oe"),
            'ø' => buf.push('o'),
            'ł' => buf.push('l'),
            'đ' => buf.push('d'),
            'þ' => buf.push_str("th"),
            // Latin, IPA, Greek and Cyrillic (and their combining marks, which a word
            // written decomposed carries as characters of their own).
            l if (l as u32) < 0x530 => {
                if !is_combining_mark(l) {
                    decompose_canonical(l, |d| {
                        if !is_combining_mark(d) {
                            buf.push(d);
                        }
                    });
                }
            }
            l => buf.push(l),
        }
    }
}

/// `text` folded as terms fold words (whole, separators and all).
fn folded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// The byte offset in `text` of the character whose folded form holds byte `at` of
/// [`folded`]`(text)`.
fn unfold_offset(text: &str, at: usize) -> usize {
    let (mut n, mut buf) = (0, String::new());
    for (i, c) in text.char_indices() {
        buf.clear();
        fold_char(c, &mut buf);
        n += buf.len();
        if n > at {
            return i;
        }
    }
    text.len()
}

/// Up to ~240 characters of `text` around the first of `query`'s terms (longer than two
/// bytes) it holds, as terms match (accents folded; CJK by pairs), or its start.
pub fn snippet(text: &str, query: &str) -> String {
    const WIDTH: usize = 240;
    let f = folded(text);
    let at = terms(query).filter(|t| t.len() > 2).find_map(|t| f.find(&t)).map_or(0, |at| unfold_offset(text, at));
    let mut start = at.saturating_sub(WIDTH / 3);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + WIDTH).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let mut s = String::new();
    if start > 0 {
        s.push('…');
    }
    s.push_str(text[start..end].trim());
    if end < text.len() {
        s.push('…');
    }
    s
}

/// The CJK Unified Ideographs blocks (not Hangul, Hiragana or Katakana): the characters
/// BERT's normaliser spaces out (`embed::wordpiece`), and part of [`is_cjk`].
pub fn is_cjk_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B920..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

/// A character of a script written without spaces between words: CJK ideographs,
/// Hiragana, Katakana (with the half-width forms and the prolonged sound mark) and Hangul.
fn is_cjk(c: char) -> bool {
    is_cjk_ideograph(c)
        || matches!(c as u32, 0x3040..=0x309F | 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F | 0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F)
}

/// What `term` adds to its document's length (BM25's `|D|`), in halves of a word: a word
/// 2, a pair of CJK characters or of Thai, Lao, Khmer or Myanmar units 1. A text split
/// into pairs gives about one term per character, twice or more its words, and BM25
/// would take such a document for a long one: beside English documents, a Thai sentence
/// holding every pair of its query had a keyword share of 0.25, just past the gate, and
/// fell under the relevance floor (0.33 in halves: `tests/quality_slice.rs`).
pub fn length_halves(term: &str) -> u32 {
    match term.chars().next() {
        Some(c) if is_cjk(c) || is_abugida_unspaced(c) => 1,
        _ => 2,
    }
}

/// A letter, digit or mark of Thai, Lao, Khmer or Myanmar (with their extensions): scripts
/// written without spaces between words, whose runs [`Rules::Unspaced`] splits into pairs
/// of units. Their punctuation (`๚`, `។`, `။`) separates, as other punctuation does.
fn is_abugida_unspaced(c: char) -> bool {
    matches!(c as u32, 0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF | 0x19E0..=0x19FF | 0xA9E0..=0xA9FF | 0xAA60..=0xAA7F)
        && (c.is_alphanumeric() || is_combining_mark(c))
}

/// A lowercased word that is a keyword term: two characters or more, not a stopword.
fn is_term(t: &str) -> bool {
    t.chars().nth(1).is_some() && !is_stopword(t)
}

/// English function words (articles, pronouns, auxiliaries, prepositions, question
/// words): they carry no topic, and a document matching only them is noise.
pub fn is_stopword(t: &str) -> bool {
    // Every stopword fits in 8 bytes: a word packs into a u64 whose order is the word's,
    // so the check is a binary search over integers (it runs for every word of every
    // document when a collection opens). Words never hold NUL (they are alphanumeric runs),
    // so zero padding cannot make one look like a shorter stopword.
    t.len() <= 8 && PACKED.binary_search(&pack(t.as_bytes())).is_ok()
}

/// The first 8 bytes of `b`, big-endian, zero-padded: integer order = byte order (for
/// strings without NUL, as words and terms are).
pub(super) const fn pack(b: &[u8]) -> u64 {
    let mut x = 0u64;
    let mut i = 0;
    while i < 8 {
        x = (x << 8) | if i < b.len() { b[i] as u64 } else { 0 };
        i += 1;
    }
    x
}

const PACKED: [u64; STOPWORDS.len()] = {
    let mut out = [0u64; STOPWORDS.len()];
    let mut i = 0;
    while i < STOPWORDS.len() {
        assert!(STOPWORDS[i].len() <= 8);
        out[i] = pack(STOPWORDS[i].as_bytes());
        i += 1;
    }
    out
};

// Sorted (binary search); checked by a test.
const STOPWORDS: &[&str] = &[
    "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "between", "both", "but", "by",
    "can", "could", "did", "do", "does", "doing", "during", "each", "for", "from", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his",
    "how", "if", "in", "into", "is", "it", "its", "just", "me", "more", "most", "my", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other",
    "our", "ours", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there",
    "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while",
    "who", "whom", "whose", "why", "will", "with", "would", "you", "your", "yours",
];

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted_and_unique() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(PACKED.windows(2).all(|w| w[0] < w[1]));
        assert!(STOPWORDS.iter().all(|w| is_stopword(w)));
        for w in ["a", "abo", "abouts", "zzz", "theirs2", "somethingelse", "", "wh"] {
            assert!(!is_stopword(w), "{w}");
        }
    }

    #[test]
    fn drops_function_words_possessives_and_single_characters() {
        let t: Vec<String> = terms("A famous physicist's theory of the Universe, in 3 parts").collect();
        assert_eq!(t, ["famous", "physicist", "theory", "universe", "parts"]);
        let t: Vec<String> = terms("https://en.wikipedia.org/wiki/HNSW_graph").collect();
        assert_eq!(t, ["https", "en", "wikipedia", "org", "wiki", "hnsw", "graph"]);
        assert_eq!(terms("what is it?").count(), 0);
        assert_eq!(words("what is it?").count(), 3);
    }

    #[test]
    fn folds_accents_in_european_scripts_and_splits_cjk_into_bigrams() {
        let t = |s: &str| terms(s).collect::<Vec<_>>();
        assert_eq!(t("Zürich CAFÉ naïve Ödön Straße Ærø Łódź"), ["zurich", "cafe", "naive", "odon", "strasse", "aero", "lodz"]);
        // The same word written decomposed (a combining accent after its letter).
        assert_eq!(t("cafe\u{301} Zu\u{308}rich"), ["cafe", "zurich"]);
        assert_eq!(t("ΣΊΣΥΦΟΣ Москва́ ёлка"), ["σισυφοσ", "москва", "елка"]);
        // Other scripts keep their marks: folding them would merge different words.
        assert_eq!(t("कुल कल"), ["कुल", "कल"]);
        assert_eq!(t("東京の天気予報"), ["東京", "京の", "の天", "天気", "気予", "予報"]);
        assert_eq!(t("猫 と 犬"), ["猫", "と", "犬"]);
        assert_eq!(t("iPhone用ケース"), ["iphone", "用ケ", "ケー", "ース"]);
        assert_eq!(t("한국어 검색"), ["한국", "국어", "검색"]);
        // A run of any length: past 64 bytes it was dropped whole.
        assert_eq!(terms(&"天気".repeat(40)).count(), 79);
        // The first rules, as site format 4 counted them.
        let v1 = |s: &str| terms_by(Rules::Runs, s).collect::<Vec<_>>();
        assert_eq!(v1("Zürich CAFÉ 東京の天気予報"), ["zürich", "café", "東京の天気予報"]);
    }

    #[test]
    fn splits_thai_lao_khmer_and_myanmar_runs_into_pairs_of_letters_with_their_marks() {
        let t = |s: &str| terms(s).collect::<Vec<_>>();
        // ภาษาไทย ("Thai language"): no marks, so pairs of characters.
        assert_eq!(t("ภาษาไทย"), ["ภา", "าษ", "ษา", "าไ", "ไท", "ทย"]);
        // ที่นี่ ("here"): two units, ที่ and นี่, each a letter with a vowel and a tone mark.
        assert_eq!(t("ที่นี่"), ["ที่นี่"]);
        assert_eq!(t("ข้าว ณ"), ["ข้า", "าว", "ณ"]);
        // Lao, Khmer (a subscript consonant is a coeng mark, which ends the unit before,
        // and a letter, which starts one) and Myanmar.
        assert_eq!(t("ພາສາລາວ"), ["ພາ", "າສ", "ສາ", "າລ", "ລາ", "າວ"]);
        assert_eq!(t("ខ្មែរ"), pairs_of(&["ខ្", "មែ", "រ"]));
        assert_eq!(t("မြန်မာ"), pairs_of(&["မြ", "န်", "မာ"]));
        // Their punctuation separates; Latin next to them is a word of its own.
        assert_eq!(t("ไทย๚ลาว Thai"), ["ไท", "ทย", "ลา", "าว", "thai"]);
        // A word inside a sentence is found by its pairs: every pair of the query is a pair
        // of the sentence (a run of any length; past 64 bytes it was dropped whole).
        let sentence = t("ฉันไปโรงเรียนทุกวันตอนเช้ากับเพื่อนของฉัน");
        let word = t("โรงเรียน");
        assert!(word.len() > 3 && word.iter().all(|p| sentence.contains(p)), "{word:?} in {sentence:?}");
        // By the rules of version 2, the sentence was one term (too long: none at all).
        assert_eq!(terms_by(Rules::Folded, "ฉันไปโรงเรียนทุกวันตอนเช้ากับเพื่อนของฉัน").count(), 0);
        assert_eq!(terms_by(Rules::Folded, "ภาษาไทย").collect::<Vec<_>>(), ["ภาษาไทย"]);
    }

    /// The overlapping pairs of `units`, concatenated.
    fn pairs_of(units: &[&str]) -> Vec<String> {
        units.windows(2).map(|p| p.concat()).collect()
    }

    /// Where `text`, folded as terms fold words, first holds `term`: the byte offset in
    /// `text` of the character it starts in.
    fn find_term(text: &str, term: &str) -> Option<usize> {
        folded(text).find(term).map(|at| unfold_offset(text, at))
    }

    #[test]
    fn a_snippet_is_cut_around_the_first_term_as_terms_match() {
        let text = format!("{}Le Café de Zürich, 東京の天気予報 {}", "filler ".repeat(60), "more ".repeat(60));
        for (query, at) in [("cafe", "Café"), ("zurich", "Zürich"), ("天気", "天気"), ("Straße zürich", "Zürich")] {
            let s = snippet(&text, query);
            assert!(s.starts_with('…') && s.ends_with('…') && s.contains(at), "{query}: {s}");
            let before = &s[..s.find(at).unwrap()];
            assert!(before.chars().count() >= 40 && before.chars().count() <= 90, "{query}: {before:?}");
        }
        assert!(snippet(&text, "nothing").starts_with("filler"));
        assert_eq!(find_term("Ça va, CAFE\u{301}!", "cafe"), Some(8));
        assert_eq!(find_term("x İstanbul", "istanbul"), Some(2));
        assert_eq!(find_term("abc", "d"), None);
    }

    /// The terms of `text` by `rules`, character by character: what the byte fast path of
    /// [`each_term_by`] must find.
    fn reference(rules: Rules, text: &str) -> Vec<String> {
        let folded = rules != Rules::Runs;
        let units = rules == Rules::Unspaced;
        let chars: Vec<char> = text.chars().collect();
        let (mut out, mut i) = (Vec::new(), 0);
        while i < chars.len() {
            if units && is_abugida_unspaced(chars[i]) {
                let j = (i..chars.len()).find(|&j| !is_abugida_unspaced(chars[j])).unwrap_or(chars.len());
                // Units: a character and the marks after it.
                let mut unit: Vec<String> = Vec::new();
                for (n, &c) in chars[i..j].iter().enumerate() {
                    match unit.last_mut() {
                        Some(u) if n > 0 && is_combining_mark(c) => u.push(c),
                        _ => unit.push(c.to_string()),
                    }
                }
                match unit.len() {
                    1 => out.push(unit[0].clone()),
                    _ => out.extend(unit.windows(2).map(|p| p.concat())),
                }
                i = j;
                continue;
            }
            if folded && is_cjk(chars[i]) {
                let j = (i..chars.len()).find(|&j| !is_cjk(chars[j])).unwrap_or(chars.len());
                match j - i {
                    1 => out.push(chars[i].to_string()),
                    _ => out.extend(chars[i..j].windows(2).map(|p| p.iter().collect::<String>())),
                }
                i = j;
                continue;
            }
            if !chars[i].is_alphanumeric() {
                i += 1;
                continue;
            }
            let in_word = |j: usize| chars[j].is_alphanumeric() || (folded && j > i && is_combining_mark(chars[j]));
            let j = (i..chars.len()).find(|&j| !in_word(j) || (folded && is_cjk(chars[j])) || (units && is_abugida_unspaced(chars[j]))).unwrap_or(chars.len());
            let w: String = chars[i..j].iter().collect();
            i = j;
            let t = match folded {
                true => {
                    let mut b = String::new();
                    fold_into(&w, &mut b);
                    b
                }
                false => w.to_lowercase(),
            };
            if w.len() <= 64 && is_term(&t) {
                out.push(t);
            }
        }
        out
    }

    /// Random texts over the characters the byte fast path must treat as the character
    /// path does: ASCII letters, digits and separators, non-ASCII letters (some whose
    /// lowercase is longer: `İ`), non-ASCII separators, combining marks, CJK, emoji, and
    /// words past 64 bytes.
    pub(crate) fn random_text(rng: &mut crate::rng::Rng) -> String {
        const PIECES: &[&str] = &[
            "a",
            "B",
            "z",
            "Q",
            "7",
            "0",
            " ",
            " ",
            ".",
            "/",
            "_",
            "-",
            "'",
            "\n",
            "é",
            "Σ",
            "ς",
            "ß",
            "İ",
            "Ö",
            "ﬁ",
            "\u{301}",
            "\u{200b}",
            "\u{a0}",
            "—",
            "中",
            "文",
            "の",
            "ー",
            "한",
            "ｶ",
            "😀",
            "ไทย",
            "ภา",
            "\u{e35}",
            "\u{e48}",
            "๚",
            "ລາວ",
            "ខ្មែរ",
            "မြန်မာ",
            "\u{102c}",
            "٣",
            "Ⅻ",
            "the",
            "of",
            "is",
            "HNSW",
            "https://x.org/wiki/A_b",
            "supercalifragilisticexpialidocious",
        ];
        let n = rng.below(40);
        let mut s: String = (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect();
        if rng.below(8) == 0 {
            s.push_str(&"x".repeat(60 + rng.below(10)));
        }
        s
    }

    #[test]
    fn the_byte_fast_path_finds_the_terms_the_character_path_finds() {
        let mut rng = crate::rng::Rng::new(11);
        let mut buf = String::new();
        for _ in 0..20_000 {
            let text = random_text(&mut rng);
            for rules in [Rules::Runs, Rules::Folded, Rules::Unspaced] {
                let mut seen = Vec::new();
                each_term_by(rules, &text, &mut buf, |t| seen.push(t.to_string()));
                assert_eq!(seen, reference(rules, &text), "{rules:?} {text:?}");
            }
        }
    }
}
