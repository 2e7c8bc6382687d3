//! How text becomes keyword terms, the way search engines do it: lowercase runs of letters
//! and digits (so a URL `https://x.org/wiki/HNSW_graph` gives `https x org wiki hnsw
//! graph`), without English function words and without 1-character tokens (the `s` of a
//! possessive, the `a` of "a theory"), which would otherwise match nearly every document.

/// Lowercase runs of letters and digits, at most 64 bytes each: every word, as written.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty() && t.len() <= 64).map(str::to_lowercase)
}

/// The keyword terms of `text`: [`words`] minus stopwords and 1-character tokens.
pub fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    words(text).filter(|t| is_term(t))
}

/// [`terms`] without a `String` per term: each is lowercased into `buf` and handed to `f`
/// (an open runs this over every document). ASCII bytes are classified as bytes; only
/// the other characters are decoded.
pub fn each_term(text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    let bytes = text.as_bytes();
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
                if !c.is_alphanumeric() {
                    break;
                }
                ascii = false;
                i += c.len_utf8();
            }
        }
        if i == start {
            // A separator: one ASCII byte or one other character.
            i += text[i..].chars().next().map_or(1, char::len_utf8);
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
        } else {
            buf.push_str(&w.to_lowercase());
        }
        if is_term(buf) {
            f(buf);
        }
    }
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
        for text in ["A famous physicist's theory", "ΣΊΣΥΦΟΣ Ödön naïve CAFÉ x", "https://en.wikipedia.org/wiki/HNSW_graph"] {
            let (mut seen, mut buf) = (Vec::new(), String::new());
            each_term(text, &mut buf, |t| seen.push(t.to_string()));
            assert_eq!(seen, terms(text).collect::<Vec<_>>());
        }
        assert_eq!(words("what is it?").count(), 3);
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
            "😀",
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
            let mut seen = Vec::new();
            each_term(&text, &mut buf, |t| seen.push(t.to_string()));
            assert_eq!(seen, terms(&text).collect::<Vec<_>>(), "{text:?}");
        }
    }
}
