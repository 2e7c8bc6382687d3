//! The inverted index: terms -> `(document key, term frequency)`, BM25 ranking, and the
//! keyword *evidence* hybrid fusion adds to the vector similarity.

use crate::FastMap;

use super::fuzzy;
use super::terms::{Rules, each_term, length_halves, pack, terms_by};

/// BM25 parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bm25Params {
    pub k1: f32,
    pub b: f32,
}

impl Default for Bm25Params {
    fn default() -> Self {
        Bm25Params { k1: 1.2, b: 0.75 }
    }
}

/// How text becomes counted terms (`terms::each_term`, [`Counts`]): terms stored with
/// documents (`collection::pages`) are used only when they were counted by this version.
/// Bump it with any change to what a document's terms are. Version 1 was
/// [`Rules::Runs`]; version 2 was [`Rules::Folded`] (accents folded, CJK bigrams); version 3
/// is [`Rules::Unspaced`] (and Thai, Lao, Khmer and Myanmar as pairs of units).
pub const TERMS_VERSION: u64 = 3;

/// An inverted index from terms to `(document key, term frequency)`.
#[derive(Default)]
pub struct KeywordIndex {
    params: Bm25Params,
    postings: FastMap<String, Vec<(u64, u32)>>,
    lengths: FastMap<u64, u32>,
    total: u64,
    /// Reused by every insert (see [`Counts`]).
    counts: Counts,
    /// Set when only part of an index is loaded (a static site's term shards, see
    /// `site::paged`): the whole index's document count, which `lengths` then does not give.
    whole_docs: Option<usize>,
    /// How a query is split into terms: the rules its documents were counted by.
    rules: Rules,
}

/// One document's keyword match for fusion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evidence {
    pub key: u64,
    /// BM25 score (typo-matched terms discounted).
    pub bm25: f32,
    /// How much of the query's information this document matches, 0..=1: each matched
    /// query word's BM25 contribution, weighted by how specific the term is (its idf over
    /// the largest idf possible here), over what matching every query word once would give.
    /// A document sharing only a common word with the query gets almost nothing; one
    /// holding the query's rare name or identifier gets most of it.
    pub share: f32,
}

/// A query word resolved against the index: the terms it stands for (itself, or the
/// terms a typo is near) with their discount.
struct Resolved {
    word: String,
    variants: Vec<(String, f32)>,
    /// idf of the word (its best variant; the largest idf if the index lacks it).
    idf: f32,
}

/// A document's distinct terms with their weighted frequencies, sorted, in one buffer: an
/// open counts the terms of every document, and a `String` (or a map) per term was most of
/// its time. The index keeps one and refills it for each document (its buffers reused).
#[derive(Default)]
struct Counts {
    text: String,
    /// (start, end) of a term in `text`, its weighted frequency.
    terms: Vec<(u32, u32, u32)>,
    /// Scratch: each term's span with its first 8 bytes packed, and a lowercasing buffer.
    spans: Vec<(u64, u32, u32, u32)>,
    buf: String,
}

impl Counts {
    fn of(fields: &[(&str, u32)]) -> Counts {
        let mut c = Counts::default();
        c.fill(fields);
        c
    }

    /// Count `fields` (this document's), forgetting the last one's.
    fn fill(&mut self, fields: &[(&str, u32)]) {
        // Spans carry their term's first 8 bytes packed into an integer, so sorting and
        // merging compare integers, and strings only when those are equal (same order).
        let Counts { text, terms, spans, buf } = self;
        text.clear();
        terms.clear();
        spans.clear();
        for &(field, weight) in fields {
            each_term(field, buf, |t| {
                let start = text.len() as u32;
                text.push_str(t);
                spans.push((pack(t.as_bytes()), start, text.len() as u32, weight));
            });
        }
        let term = |s: &(u64, u32, u32, u32)| &text[s.1 as usize..s.2 as usize];
        spans.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| term(a).cmp(term(b))));
        let mut last_key = None;
        for s in spans.iter() {
            match terms.last_mut() {
                Some(last) if last_key == Some(s.0) && text[last.0 as usize..last.1 as usize] == *term(s) => last.2 += s.3,
                _ => {
                    terms.push((s.1, s.2, s.3));
                    last_key = Some(s.0);
                }
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        self.terms.iter().map(|s| (&self.text[s.0 as usize..s.1 as usize], s.2))
    }
}

/// A document's distinct terms and weighted frequencies, as [`KeywordIndex::insert`]
/// counts them from its `fields`, handed to `f` in sorted order (what
/// [`KeywordIndex::insert_counted`] takes).
pub fn count_terms(fields: &[(&str, u32)], mut f: impl FnMut(&str, u32)) {
    for (t, n) in Counts::of(fields).iter() {
        f(t, n);
    }
}

/// Discount of a term reached through `edits` typo corrections.
fn typo_discount(edits: usize) -> f32 {
    match edits {
        0 => 1.0,
        1 => 0.8,
        _ => 0.6,
    }
}

/// The query's last term, split by `rules`, if the query ends inside it and it may be
/// completed: at least [`MIN_COMPLETED_CHARS`] letters or digits that make one term (so
/// never CJK text, split into character pairs). A static site's search loads the term
/// shards where its completions lie ([`KeywordIndex::partial`]). With the byte where the
/// word starts in `query`.
pub fn unfinished(rules: Rules, query: &str) -> Option<(usize, String)> {
    let tail = query.len() - query.chars().rev().take_while(|c| c.is_alphanumeric()).map(char::len_utf8).sum::<usize>();
    let word = &query[tail..];
    if word.chars().count() < MIN_COMPLETED_CHARS {
        return None;
    }
    let mut terms = terms_by(rules, word);
    let (Some(term), None) = (terms.next(), terms.next()) else { return None };
    let last = terms_by(rules, query).last();
    (last.as_deref() == Some(term.as_str())).then_some((tail, term))
}

/// A query's unfinished last word completed ([`KeywordIndex::completion`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The byte where the word starts in the query.
    pub start: usize,
    /// The word as typed, as a term (folded).
    pub typed: String,
    /// The most frequent term it begins.
    pub word: String,
}

/// A query's words resolved against the index once ([`KeywordIndex::query`]), for both
/// [`KeywordIndex::evidence`] and [`Query::knows`]: typo resolution scans the whole term
/// dictionary, so a search does it once.
pub struct Query(Vec<Resolved>);

impl Query {
    /// Does the query word `word` match a term of the index, exactly or as a typo?
    pub fn knows(&self, word: &str) -> bool {
        self.0.iter().any(|r| r.word == word && !r.variants.is_empty())
    }
}

/// Does `term` complete `prefix` (begin with it and go on)?
fn completes(term: &str, prefix: &str) -> bool {
    term.len() > prefix.len() && term.starts_with(prefix)
}

/// Typo candidates kept per query word (the most frequent terms at the least distance).
const MAX_VARIANTS: usize = 3;

/// Completions kept for the query's unfinished last word: the most frequent terms that
/// begin with it.
const MAX_COMPLETIONS: usize = 3;
/// Fewest characters of an unfinished word that is completed ("py" would stand for too
/// much of a dictionary).
const MIN_COMPLETED_CHARS: usize = 3;
/// Discount of a completion when the word is no term of the index ("pyth" -> "python"): a
/// typo's of one edit.
const COMPLETION: f32 = 0.8;
/// Discount of a completion beside the word itself ("java" -> "javascript" while "java" is
/// a term too): the word as typed is the likelier intent.
const COMPLETION_BESIDE_WORD: f32 = 0.5;

impl KeywordIndex {
    pub fn new(params: Bm25Params) -> Self {
        KeywordIndex { params, ..Default::default() }
    }

    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// Index a document's fields, each with a weight (term frequency multiplier).
    pub fn insert(&mut self, key: u64, fields: &[(&str, u32)]) {
        self.remove(key, fields);
        let mut counts = std::mem::take(&mut self.counts);
        counts.fill(fields);
        self.insert_counted(key, counts.iter());
        self.counts = counts;
    }

    /// Index a document whose distinct terms and weighted frequencies are already counted
    /// (as [`count_terms`] gives them for its fields, stored with the document):
    /// what [`KeywordIndex::insert`] does without tokenising. A key already indexed is
    /// left as it is.
    pub fn insert_counted<'t>(&mut self, key: u64, terms: impl Iterator<Item = (&'t str, u32)>) {
        let std::collections::hash_map::Entry::Vacant(slot) = self.lengths.entry(key) else { return };
        let slot = slot.insert(0);
        let mut len = 0u32;
        for (t, n) in terms {
            len = len.saturating_add(n.saturating_mul(length_halves(t)));
            match self.postings.get_mut(t) {
                Some(list) => list.push((key, n)),
                None => {
                    self.postings.insert(t.to_string(), vec![(key, n)]);
                }
            }
        }
        *slot = len;
        self.total += len as u64;
    }

    /// Index a page of documents whose terms were counted when it was written: `dict` the
    /// page's distinct terms, `docs` each document's key and `(term number, weighted
    /// frequency)` pairs. The index [`KeywordIndex::insert_counted`] makes document by
    /// document, in this order (same postings, in the same order), with one postings lookup
    /// per distinct term of the page instead of one per term of each document. Pairs whose
    /// term number is past `dict` are ignored; a key already indexed is left as it is.
    pub fn insert_page(&mut self, dict: &[&str], docs: &[(u64, &[(u32, u32)])]) {
        let known = |t: u32| (t as usize) < dict.len();
        let halves: Vec<u32> = dict.iter().map(|t| length_halves(t)).collect();
        // Group the pairs by term (a counting sort), keeping the documents' order.
        let mut start = vec![0usize; dict.len() + 1];
        let mut fresh = Vec::with_capacity(docs.len());
        for &(key, terms) in docs {
            let std::collections::hash_map::Entry::Vacant(slot) = self.lengths.entry(key) else { continue };
            let mut len = 0u32;
            for &(t, n) in terms.iter().filter(|&&(t, _)| known(t)) {
                len = len.saturating_add(n.saturating_mul(halves[t as usize]));
                start[t as usize + 1] += 1;
            }
            slot.insert(len);
            self.total += len as u64;
            fresh.push((key, terms));
        }
        for j in 0..dict.len() {
            start[j + 1] += start[j];
        }
        let mut grouped = vec![(0u64, 0u32); start[dict.len()]];
        let mut at = start.clone();
        for &(key, terms) in &fresh {
            for &(t, n) in terms.iter().filter(|&&(t, _)| known(t)) {
                grouped[at[t as usize]] = (key, n);
                at[t as usize] += 1;
            }
        }
        for (j, term) in dict.iter().enumerate() {
            let group = &grouped[start[j]..start[j + 1]];
            if group.is_empty() {
                continue;
            }
            match self.postings.get_mut(*term) {
                Some(list) => list.extend_from_slice(group),
                None => {
                    self.postings.insert(term.to_string(), group.to_vec());
                }
            }
        }
    }

    /// Room for `docs` more documents' lengths (a load that knows how many come).
    pub fn reserve(&mut self, docs: usize) {
        self.lengths.reserve(docs);
    }

    /// Forget a document; `fields` must be what it was inserted with.
    pub fn remove(&mut self, key: u64, fields: &[(&str, u32)]) {
        let Some(len) = self.lengths.remove(&key) else { return };
        self.total -= len as u64;
        for (t, _) in Counts::of(fields).iter() {
            if let Some(list) = self.postings.get_mut(t) {
                list.retain(|&(k, _)| k != key);
                if list.is_empty() {
                    self.postings.remove(t);
                }
            }
        }
    }

    /// Part of an index: the postings of some terms (with every document they name in
    /// `lengths`) and the whole index's document count and total length, so BM25 scores
    /// what it finds exactly as the whole index would; `rules` are those its terms were
    /// counted by. A query's unfinished last word is completed from the terms given: the
    /// caller gives those it begins (a site's search loads their shards).
    pub fn partial(params: Bm25Params, postings: FastMap<String, Vec<(u64, u32)>>, lengths: FastMap<u64, u32>, docs: usize, total: u64, rules: Rules) -> Self {
        KeywordIndex { params, postings, lengths, total, whole_docs: Some(docs), counts: Counts::default(), rules }
    }

    /// Every term with its postings `(document key, weighted frequency)`, in no order.
    pub fn postings(&self) -> impl Iterator<Item = (&str, &[(u64, u32)])> {
        self.postings.iter().map(|(t, l)| (t.as_str(), l.as_slice()))
    }

    /// A document's length in weighted terms, counted in halves of a word (`terms::length_halves`; 0 if unknown).
    pub fn length(&self, key: u64) -> u32 {
        self.lengths.get(&key).copied().unwrap_or(0)
    }

    /// The sum of every document's length.
    pub fn total_length(&self) -> u64 {
        self.total
    }

    pub fn params(&self) -> Bm25Params {
        self.params
    }

    fn docs(&self) -> usize {
        self.whole_docs.unwrap_or(self.lengths.len())
    }

    fn idf(&self, df: usize) -> f32 {
        let n = self.docs() as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The query's words (deduplicated) resolved against the index: exact terms, else the
    /// nearest terms within [`fuzzy::max_edits`], else nothing (the word still counts in
    /// the query's total with the largest idf: an unknown word is information the
    /// documents do not match). The last word, when the query ends inside it (no space or
    /// punctuation after it: a search box sends what is typed so far), also stands for the
    /// terms it begins, as search boxes complete it ([`unfinished`]).
    pub fn query(&self, query: &str) -> Query {
        let unfinished = unfinished(self.rules, query).map(|(_, term)| term);
        let mut words: Vec<String> = terms_by(self.rules, query).collect();
        words.sort();
        words.dedup();
        let unknown_idf = self.idf(0);
        Query(
            words
                .into_iter()
                .map(|w| {
                    let open = unfinished.as_deref() == Some(w.as_str());
                    self.resolve(w, unknown_idf, open)
                })
                .collect(),
        )
    }

    /// The query's unfinished last word when the index lacks it but has terms it begins,
    /// with the most frequent of them.
    pub fn completion(&self, query: &str) -> Option<Completion> {
        let (start, typed) = unfinished(self.rules, query)?;
        if self.postings.contains_key(&typed) {
            return None;
        }
        let word = self.completions(&typed).first()?.1.clone();
        Some(Completion { start, typed, word })
    }

    /// The most frequent terms (at most [`MAX_COMPLETIONS`]) that begin with `prefix` and
    /// are longer, ties by term.
    fn completions(&self, prefix: &str) -> Vec<(usize, &String)> {
        let mut found: Vec<(usize, &String)> = self.postings.iter().filter(|(t, _)| completes(t, prefix)).map(|(t, l)| (l.len(), t)).collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        found.truncate(MAX_COMPLETIONS);
        found
    }

    /// One query word: itself if the index has it, else its nearest terms as typos; an
    /// unfinished word (`open`) also the terms it begins.
    fn resolve(&self, w: String, unknown_idf: f32, open: bool) -> Resolved {
        let completions = if open { self.completions(&w) } else { Vec::new() };
        if let Some(list) = self.postings.get(&w) {
            let idf = self.idf(list.len());
            let mut variants = vec![(w.clone(), 1.0)];
            variants.extend(completions.into_iter().map(|(_, t)| (t.clone(), COMPLETION_BESIDE_WORD)));
            return Resolved { variants, idf, word: w };
        }
        if let Some(&(df, _)) = completions.first() {
            let variants = completions.into_iter().map(|(_, t)| (t.clone(), COMPLETION)).collect();
            return Resolved { variants, idf: self.idf(df), word: w };
        }
        let Some(mut typo) = fuzzy::Near::new(&w) else {
            return Resolved { word: w, variants: Vec::new(), idf: unknown_idf };
        };
        let mut near: Vec<(usize, usize, &String)> = Vec::new();
        for (t, list) in &self.postings {
            if let Some(d) = typo.distance(t) {
                near.push((d, list.len(), t));
            }
        }
        let Some(best) = near.iter().map(|n| n.0).min() else {
            return Resolved { word: w, variants: Vec::new(), idf: unknown_idf };
        };
        near.retain(|n| n.0 == best);
        near.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(b.2)));
        near.truncate(MAX_VARIANTS);
        let idf = self.idf(near[0].1);
        let variants = near.into_iter().map(|(d, _, t)| (t.clone(), typo_discount(d))).collect();
        Resolved { word: w, variants, idf }
    }

    /// Does `word` (a query term) match a term of the index, exactly or as a typo?
    pub fn knows(&self, word: &str) -> bool {
        // What `self.query(word).knows(word)` says, without ranking what matches: the word
        // as a term, else a term it begins (an unfinished word), else a term it is a typo of.
        if !terms_by(self.rules, word).any(|t| t == word) {
            return false;
        }
        if self.postings.contains_key(word) {
            return true;
        }
        let open = unfinished(self.rules, word).is_some_and(|(_, t)| t == word);
        if open && self.postings.keys().any(|t| completes(t, word)) {
            return true;
        }
        let Some(mut typo) = fuzzy::Near::new(word) else { return false };
        self.postings.keys().any(|t| typo.distance(t).is_some())
    }

    /// BM25 with per-word contributions: calls `f(key, contribution, word idf)` for every
    /// (document, query word) pair that matches (the best variant of a typo).
    fn score_words(&self, words: &[Resolved], mut f: impl FnMut(u64, f32, f32)) {
        let n = self.docs() as f32;
        if n == 0.0 {
            return;
        }
        let avg = (self.total as f32 / n).max(1.0);
        let Bm25Params { k1, b } = self.params;
        for word in words {
            let mut best: FastMap<u64, f32> = FastMap::default();
            for (term, discount) in &word.variants {
                let Some(list) = self.postings.get(term) else { continue };
                let idf = self.idf(list.len()) * discount;
                for &(key, tf) in list {
                    let len = self.lengths.get(&key).copied().unwrap_or(1) as f32;
                    let tf = tf as f32;
                    let s = idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avg));
                    let e = best.entry(key).or_default();
                    *e = e.max(s);
                }
            }
            for (key, s) in best {
                f(key, s, word.idf);
            }
        }
    }

    /// The `k` best documents for `query` by BM25 that `accept` lets through, best first
    /// (score > 0 only).
    pub fn search(&self, query: &str, k: usize, accept: &dyn Fn(u64) -> bool) -> Vec<(u64, f32)> {
        self.evidence(&self.query(query), k, 1.0, accept).into_iter().map(|e| (e.key, e.bm25)).collect()
    }

    /// The `k` best documents by BM25 with their [`Evidence`] for a query made by
    /// [`KeywordIndex::query`]; `specificity` is the exponent of the per-term specificity
    /// weight (0: plain BM25 coverage).
    pub fn evidence(&self, query: &Query, k: usize, specificity: f32, accept: &dyn Fn(u64) -> bool) -> Vec<Evidence> {
        if self.docs() == 0 || k == 0 {
            return Vec::new();
        }
        let words = &query.0;
        // Specificity is relative to a term only one document has.
        let top_idf = self.idf(1).max(f32::MIN_POSITIVE);
        let total: f32 = words.iter().map(|w| w.idf * (self.params.k1 + 1.0)).sum();
        let mut found: FastMap<u64, (f32, f32)> = FastMap::default();
        self.score_words(words, |key, s, idf| {
            let e = found.entry(key).or_default();
            e.0 += s;
            e.1 += s * (idf / top_idf).clamp(0.0, 1.0).powf(specificity);
        });
        let mut out: Vec<Evidence> = found
            .into_iter()
            .filter(|&(key, (s, _))| s > 0.0 && accept(key))
            .map(|(key, (bm25, weighted))| Evidence { key, bm25, share: (weighted / total.max(f32::MIN_POSITIVE)).clamp(0.0, 1.0) })
            .collect();
        out.sort_by(|a, b| b.bm25.total_cmp(&a.bm25).then(a.key.cmp(&b.key)));
        out.truncate(k);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every term's postings, in their order, sorted by term.
    fn all(k: &KeywordIndex) -> Vec<(String, Vec<(u64, u32)>)> {
        let mut v: Vec<_> = k.postings().map(|(t, l)| (t.to_string(), l.to_vec())).collect();
        v.sort();
        v
    }

    #[test]
    fn a_page_indexes_as_its_documents_one_by_one() {
        let mut rng = crate::rng::Rng::new(11);
        let dict = ["https", "www", "com", "bread", "rust", "simd", "garden", "bees"];
        for _ in 0..200 {
            // A few pages of documents with random terms (some already indexed).
            let (mut by_doc, mut by_page) = (KeywordIndex::default(), KeywordIndex::default());
            for page in 0..3u64 {
                let docs: Vec<(u64, Vec<(u32, u32)>)> = (0..1 + rng.below(10) as u64)
                    .map(|i| {
                        let mut terms: Vec<u32> = (0..rng.below(6)).map(|_| rng.below(dict.len()) as u32).collect();
                        terms.sort();
                        terms.dedup();
                        (page * 100 + i, terms.into_iter().map(|t| (t, 1 + rng.below(4) as u32)).collect())
                    })
                    .collect();
                let again = docs.first().map(|d| d.0);
                for (key, terms) in &docs {
                    by_doc.insert_counted(*key, terms.iter().map(|&(t, n)| (dict[t as usize], n)));
                }
                // The first document once more: left as it is, by both.
                if let Some(key) = again {
                    by_doc.insert_counted(key, [("bees", 9)].into_iter());
                }
                let mut page_docs: Vec<(u64, &[(u32, u32)])> = docs.iter().map(|(k, t)| (*k, t.as_slice())).collect();
                page_docs.extend(again.map(|k| (k, &[(7u32, 9u32)][..])));
                by_page.insert_page(&dict, &page_docs);
            }
            assert_eq!(all(&by_page), all(&by_doc));
            assert_eq!((by_page.len(), by_page.total_length()), (by_doc.len(), by_doc.total_length()));
        }
        // A term number past the page's terms is ignored, not a panic.
        let mut k = KeywordIndex::default();
        k.insert_page(&["a"], &[(1, &[(0, 2), (5, 3)])]);
        assert_eq!((all(&k), k.length(1)), (vec![("a".to_string(), vec![(1, 2)])], 4));
    }

    #[test]
    fn counts_are_each_distinct_term_once_in_byte_order_with_summed_weights() {
        let mut rng = crate::rng::Rng::new(5);
        for _ in 0..5_000 {
            let (a, b) = (crate::text::terms::tests::random_text(&mut rng), crate::text::terms::tests::random_text(&mut rng));
            let fields = [(a.as_str(), 2), (b.as_str(), 1)];
            let mut want: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
            for &(f, w) in &fields {
                for t in crate::text::terms(f) {
                    *want.entry(t).or_default() += w;
                }
            }
            let counts = Counts::of(&fields);
            let got: Vec<(String, u32)> = counts.iter().map(|(t, n)| (t.to_string(), n)).collect();
            assert_eq!(got, want.into_iter().collect::<Vec<_>>(), "{a:?} {b:?}");
            // The document's length is the sum of its weighted term frequencies, in halves of
            // a word (a character pair is half of one).
            let mut idx = KeywordIndex::new(Bm25Params::default());
            idx.insert(1, &fields);
            assert_eq!(idx.length(1), got.iter().map(|g| g.1 * length_halves(&g.0)).sum::<u32>());
        }
    }

    fn index(docs: &[(u64, &str, &str, &str)]) -> KeywordIndex {
        let mut idx = KeywordIndex::new(Bm25Params::default());
        for &(k, t, u, x) in docs {
            idx.insert(k, &[(t, 2), (u, 1), (x, 1)]);
        }
        idx
    }

    #[test]
    fn ranks_exact_terms_and_forgets_removed() {
        let docs = [
            (1, "Graph search", "https://example.org/wiki/HNSW_graph", "hierarchical navigable small world graphs"),
            (2, "Cooking", "https://food.example/pasta", "boil the pasta in salted water"),
            (3, "Graphs", "", "a graph is a set of nodes and edges"),
        ];
        let mut idx = index(&docs);
        assert_eq!(idx.search("HNSW", 10, &|_| true)[0].0, 1);
        assert_eq!(idx.search("pasta water", 10, &|_| true)[0].0, 2);
        assert_eq!(idx.search("graph", 10, &|k| k != 1).first().map(|h| h.0), Some(3));
        assert!(idx.search("nothing-here", 10, &|_| true).is_empty());
        idx.remove(2, &[(docs[1].1, 2), (docs[1].2, 1), (docs[1].3, 1)]);
        assert!(idx.search("pasta", 10, &|_| true).is_empty());
        assert_eq!(idx.len(), 2);
    }

    #[test]
    fn stopwords_and_possessives_match_nothing() {
        let idx = index(&[(1, "Harry S. Truman", "", "a president"), (2, "borrower's card", "", "")]);
        assert!(idx.search("a famous physicist's theory", 10, &|_| true).is_empty());
        assert!(idx.search("what is the", 10, &|_| true).is_empty());
    }

    #[test]
    fn typos_find_the_term_at_a_discount() {
        let idx = index(&[(1, "Wireshark", "", "network protocol analyzer"), (2, "Wiring", "", "electric cables")]);
        let hits = idx.evidence(&idx.query("wirehsark"), 10, 1.0, &|_| true);
        assert_eq!(hits.iter().map(|h| h.key).collect::<Vec<_>>(), [1]);
        let exact = idx.evidence(&idx.query("wireshark"), 10, 1.0, &|_| true);
        assert!(hits[0].bm25 < exact[0].bm25 && hits[0].bm25 > 0.5 * exact[0].bm25);
        // Short words are not corrected: too many are one edit apart.
        let idx = index(&[(1, "grep", "", "print lines that match patterns"), (2, "grip", "", "")]);
        assert!(idx.search("grap", 10, &|_| true).is_empty());
        // (A query ending inside a word completes it: finished by a space, it is a word.)
        assert!(idx.search("gre ", 10, &|_| true).is_empty());
        // ... unless the typo is a swap of neighbours.
        assert_eq!(idx.search("grpe", 10, &|_| true).iter().map(|h| h.0).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn an_unfinished_last_word_stands_for_the_terms_it_begins() {
        let idx = index(&[
            (1, "Python tutorial", "", "learn python"),
            (2, "Pythagoras", "", "a theorem on triangles"),
            (3, "Java", "", "the language"),
            (4, "JavaScript", "", "the language of the web"),
            (5, "Cooking", "", "boil the pasta"),
        ]);
        let keys = |q: &str| idx.search(q, 10, &|_| true).iter().map(|h| h.0).collect::<Vec<_>>();
        // Typed so far: the most frequent completions first ("python" twice in document 1).
        assert_eq!(keys("pyth"), [1, 2]);
        assert_eq!(keys("learn pytha"), [2, 1], "the last word completes; learn matches 1 only");
        assert!(idx.query("pyth").knows("pyth"));
        // Finished (a space or punctuation after it), too short, or not the last word: a word.
        assert!(keys("pyth ").is_empty() && keys("pyth.").is_empty());
        assert!(keys("py").is_empty());
        assert_eq!(keys("pyth tutorial"), [1]);
        // A word of the index itself comes before what it begins.
        assert_eq!(keys("java"), [3, 4]);
        let e = idx.evidence(&idx.query("java"), 10, 1.0, &|_| true);
        assert!(e[1].bm25 < 0.6 * e[0].bm25, "{e:?}");
        // Character pairs (CJK, Thai...) are never completed.
        let cjk = index(&[(1, "東京タワー", "", ""), (2, "東京都", "", "")]);
        assert_eq!(cjk.search("東京タ", 10, &|_| true).iter().map(|h| h.0).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(unfinished(Rules::CURRENT, "ภาษาไท"), None);
        assert_eq!(unfinished(Rules::CURRENT, "ไปโรงเรียน"), None);
        // A partial index (a site's loaded term shards) completes from the terms it holds.
        let part = |keep: &dyn Fn(&str) -> bool| {
            let postings = idx.postings.iter().filter(|(t, _)| keep(t)).map(|(t, l)| (t.clone(), l.clone())).collect();
            KeywordIndex::partial(Bm25Params::default(), postings, idx.lengths.clone(), 5, idx.total, Rules::CURRENT)
        };
        assert_eq!(part(&|_| true).search("pyth", 10, &|_| true).iter().map(|h| h.0).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(part(&|t| t != "python").search("pyth", 10, &|_| true).iter().map(|h| h.0).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn a_common_word_is_weak_evidence_a_rare_one_strong() {
        let mut docs: Vec<(u64, String)> = (0..50).map(|i| (i, format!("edit file number {i}"))).collect();
        docs.push((100, "strncpy copy a string".into()));
        let mut idx = KeywordIndex::new(Bm25Params::default());
        for (k, t) in &docs {
            idx.insert(*k, &[(t.as_str(), 2)]);
        }
        let common = idx.evidence(&idx.query("edit my photos"), 10, 1.0, &|_| true);
        let rare = idx.evidence(&idx.query("strncpy"), 10, 1.0, &|_| true);
        assert!(common[0].share < 0.1, "{:?}", common[0]);
        assert!(rare[0].share > 0.5, "{:?}", rare[0]);
        // Unknown words count in the total: half the query unmatched, half the share at most.
        let half = idx.evidence(&idx.query("strncpy zzyzzx"), 10, 1.0, &|_| true);
        assert!(half[0].share < 0.5 * rare[0].share + 1e-6);
    }

    /// `knows` (a vector search's question: is this word of the documents, exactly, as a
    /// word they begin, or as a typo?) answers what resolving the word as a query does,
    /// for the index's own terms, their prefixes, typos of them and unrelated words.
    #[test]
    fn knows_answers_what_resolving_the_word_says() {
        let idx = index(&[
            (1, "Wireshark network analyzer", "https://www.wireshark.org/", "captures packets on a network"),
            (2, "Crème brûlée", "", "a dessert of custard and caramel"),
            (3, "Пример текста", "", "русский текст о погоде"),
            (4, "東京の天気", "", "weather in tokyo 😀"),
            (5, "grep", "", "print lines that match patterns"),
            (6, "Photosynthesis", "", "how plants turn light into sugar"),
        ]);
        let terms: Vec<String> = idx.postings().map(|(t, _)| t.to_string()).collect();
        let mut rng = crate::rng::Rng::new(5);
        let extra: Vec<char> = "aeixzéжя日😀".chars().collect();
        let mut words: Vec<String> = vec!["".into(), "zzzzzzzz".into(), "the".into(), "wireshrk".into(), "grpe".into(), "photosynth".into()];
        for t in &terms {
            let c: Vec<char> = t.chars().collect();
            words.push(t.clone());
            for cut in 1..c.len() {
                words.push(c[..cut].iter().collect());
            }
            for _ in 0..20 {
                let mut w = c.clone();
                let at = rng.below(w.len());
                match rng.below(4) {
                    0 => w.insert(at, extra[rng.below(extra.len())]),
                    1 => drop(w.remove(at)),
                    2 => w[at] = extra[rng.below(extra.len())],
                    _ if at + 1 < w.len() => w.swap(at, at + 1),
                    _ => {}
                }
                words.push(w.into_iter().collect());
            }
        }
        let mut known = 0;
        for w in &words {
            let expected = idx.query(w).knows(w);
            assert_eq!(idx.knows(w), expected, "{w:?}");
            known += usize::from(expected);
        }
        assert!(known > words.len() / 4 && known < words.len(), "{known} of {} known", words.len());
    }
}
