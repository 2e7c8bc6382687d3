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
    words(text).filter(|t| t.chars().nth(1).is_some() && !is_stopword(t))
}

/// English function words (articles, pronouns, auxiliaries, prepositions, question
/// words): they carry no topic, and a document matching only them is noise.
pub fn is_stopword(t: &str) -> bool {
    STOPWORDS.binary_search(&t).is_ok()
}

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
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted_and_unique() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
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
}
