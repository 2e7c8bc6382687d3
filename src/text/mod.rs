//! Keyword index (BM25, Robertson & Zaragoza) over a document's title, URL and text, for
//! hybrid ranking: exact words, URL fragments and acronyms that an embedding blurs.
//!
//! Derived data: rebuilt from the documents at load, never stored. Pure, in memory.
//! Terms are lowercase alphanumeric runs (so a URL `https://x.org/wiki/HNSW_graph` gives
//! `https x org wiki hnsw graph`); the title counts twice.

use std::collections::HashMap;

/// Terms of `text`: lowercase runs of letters and digits, at most 64 bytes each.
pub fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty() && t.len() <= 64).map(str::to_lowercase)
}

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

/// An inverted index from terms to `(document key, term frequency)`.
#[derive(Default)]
pub struct KeywordIndex {
    params: Bm25Params,
    postings: HashMap<String, Vec<(u64, u32)>>,
    lengths: HashMap<u64, u32>,
    total: u64,
}

fn counts(fields: &[(&str, u32)]) -> (HashMap<String, u32>, u32) {
    let mut tf: HashMap<String, u32> = HashMap::new();
    let mut len = 0;
    for &(text, weight) in fields {
        for t in terms(text) {
            *tf.entry(t).or_default() += weight;
            len += weight;
        }
    }
    (tf, len)
}

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
        let (tf, len) = counts(fields);
        for (t, n) in tf {
            self.postings.entry(t).or_default().push((key, n));
        }
        self.lengths.insert(key, len);
        self.total += len as u64;
    }

    /// Forget a document; `fields` must be what it was inserted with.
    pub fn remove(&mut self, key: u64, fields: &[(&str, u32)]) {
        let Some(len) = self.lengths.remove(&key) else { return };
        self.total -= len as u64;
        let (tf, _) = counts(fields);
        for t in tf.keys() {
            if let Some(list) = self.postings.get_mut(t) {
                list.retain(|&(k, _)| k != key);
                if list.is_empty() {
                    self.postings.remove(t);
                }
            }
        }
    }

    /// The largest BM25 score any document could reach for `query`: the sum over query
    /// terms that occur in the index of idf * (k1 + 1) (term-frequency saturation). Dividing
    /// by it gives a coverage in 0..1 that, unlike dividing by the best hit, stays small
    /// when only a common word matched.
    pub fn max_possible(&self, query: &str) -> f32 {
        let n = self.lengths.len() as f32;
        let mut q: Vec<String> = terms(query).collect();
        q.sort();
        q.dedup();
        q.iter()
            .filter_map(|t| self.postings.get(t))
            .map(|list| {
                let df = list.len() as f32;
                (1.0 + (n - df + 0.5) / (df + 0.5)).ln() * (self.params.k1 + 1.0)
            })
            .sum()
    }

    /// The `k` best documents for `query` by BM25 that `accept` lets through, best first
    /// (score > 0 only).
    pub fn search(&self, query: &str, k: usize, accept: &dyn Fn(u64) -> bool) -> Vec<(u64, f32)> {
        let n = self.lengths.len() as f32;
        if n == 0.0 || k == 0 {
            return Vec::new();
        }
        let avg = (self.total as f32 / n).max(1.0);
        let mut q: Vec<String> = terms(query).collect();
        q.sort();
        q.dedup();
        let mut scores: HashMap<u64, f32> = HashMap::new();
        let Bm25Params { k1, b } = self.params;
        for t in &q {
            let Some(list) = self.postings.get(t) else { continue };
            let df = list.len() as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(key, tf) in list {
                let len = self.lengths[&key] as f32;
                let tf = tf as f32;
                *scores.entry(key).or_default() += idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avg));
            }
        }
        let mut out: Vec<(u64, f32)> = scores.into_iter().filter(|&(key, s)| s > 0.0 && accept(key)).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out.truncate(k);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_exact_terms_and_forgets_removed() {
        let mut idx = KeywordIndex::new(Bm25Params::default());
        let docs = [
            (1, "Graph search", "https://example.org/wiki/HNSW_graph", "hierarchical navigable small world graphs"),
            (2, "Cooking", "https://food.example/pasta", "boil the pasta in salted water"),
            (3, "Graphs", "", "a graph is a set of nodes and edges"),
        ];
        for (k, t, u, x) in docs {
            idx.insert(k, &[(t, 2), (u, 1), (x, 1)]);
        }
        assert_eq!(idx.search("HNSW", 10, &|_| true)[0].0, 1);
        assert_eq!(idx.search("pasta water", 10, &|_| true)[0].0, 2);
        assert_eq!(idx.search("graph", 10, &|k| k != 1).first().map(|h| h.0), Some(3));
        assert!(idx.search("nothing-here", 10, &|_| true).is_empty());
        idx.remove(2, &[(docs[1].1, 2), (docs[1].2, 1), (docs[1].3, 1)]);
        assert!(idx.search("pasta", 10, &|_| true).is_empty());
        assert_eq!(idx.len(), 2);
    }
}
