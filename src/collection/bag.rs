//! A second estimate of a document's distance to a query from token ids alone, for the
//! two-level search's fit ([`crate::index::provider::ExactVectors::estimates`]).
//!
//! Owns the collection's token counts and the bags made from them. A text's bag is the sum
//! of the model's input vectors of its tokens (the word-embedding table the encoder starts
//! from, already in memory: [`Embed::add_token_vector`]), each weighted `A / (A + p)` by
//! its share `p` of the collection's tokens (SIF weights: a piece every document has counts
//! little), special tokens left out, at most the first `BAG_TOKENS`. One minus the cosine
//! of the query's bag and a document's is a soft lexical distance: it errs where the PQ
//! codes are right and the other way round, which is what makes it worth fitting beside
//! them. It costs no stored byte: the counts are kept in memory from the stored token ids,
//! and are the same after a reopen.

use super::embed::Embed;
use crate::FastMap;

/// SIF's smoothing: a token of share `A` of the collection weighs one half.
const A: f64 = 1e-3;

/// Tokens a bag is made of, from the start of the text: a long document (kept embedding,
/// up to 256 tokens) is measured for free anyway and only anchors the fit, so its bag need
/// not cost 4x a short one's (64 candidates of 256 tokens: ~2 ms a search in wasm).
const BAG_TOKENS: usize = 64;

/// Token ids below this are counted in an array (a vocabulary's ids are small: BERT's
/// 30,522), the others in a map (ids come from stored records, so any `u32` may appear).
const DENSE: usize = 1 << 17;

/// How often each token id occurs among the collection's documents.
#[derive(Default, Debug)]
pub struct TokenCounts {
    /// Counts of ids below [`DENSE`], by id (grown to the largest seen).
    dense: Vec<u32>,
    /// Counts of the larger ids.
    sparse: FastMap<u32, u32>,
    total: u64,
}

impl PartialEq for TokenCounts {
    /// The same counts, however the array grew.
    fn eq(&self, other: &Self) -> bool {
        let used = |d: &[u32]| d.len() - d.iter().rev().take_while(|&&c| c == 0).count();
        let (a, b) = (&self.dense[..used(&self.dense)], &other.dense[..used(&other.dense)]);
        a == b && self.sparse == other.sparse && self.total == other.total
    }
}

impl TokenCounts {
    /// Count a document's tokens in.
    pub fn add(&mut self, tokens: &[u32]) {
        for &t in tokens {
            let i = t as usize;
            if i < DENSE {
                if i >= self.dense.len() {
                    self.dense.resize((i + 1).next_power_of_two().clamp(1 << 10, DENSE), 0);
                }
                self.dense[i] += 1;
            } else {
                *self.sparse.entry(t).or_insert(0) += 1;
            }
        }
        self.total += tokens.len() as u64;
    }

    /// Count a document's tokens out (the ones `add` counted).
    /// Token ids counted in all (every document's, special tokens included).
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn remove(&mut self, tokens: &[u32]) {
        for &t in tokens {
            if let Some(c) = self.dense.get_mut(t as usize) {
                *c = c.saturating_sub(1);
            } else if let Some(c) = self.sparse.get_mut(&t) {
                *c -= 1;
                if *c == 0 {
                    self.sparse.remove(&t);
                }
            }
        }
        self.total = self.total.saturating_sub(tokens.len() as u64);
    }

    /// How many times token `id` occurs.
    fn count(&self, id: u32) -> u32 {
        match self.dense.get(id as usize) {
            Some(&c) => c,
            None => self.sparse.get(&id).copied().unwrap_or(0),
        }
    }

    /// The SIF weight of token `id` (1 for a token no document has).
    fn weight(&self, id: u32) -> f32 {
        let share = match self.total {
            0 => 0.0,
            n => f64::from(self.count(id)) / n as f64,
        };
        (A / (A + share)) as f32
    }
}

/// A query's bag, to measure documents' bags against, weighed by the counts it was made with.
pub struct TokenBag<'a> {
    query: Vec<f32>,
    counts: &'a TokenCounts,
}

impl<'a> TokenBag<'a> {
    /// The bag of `query_tokens`; `None` when the embedder has no token vectors or none of
    /// the query's tokens has one (then there is no second estimate).
    pub fn of(embed: &dyn Embed, counts: &'a TokenCounts, query_tokens: &[u32]) -> Option<TokenBag<'a>> {
        let mut query = vec![0f32; embed.dims()];
        bag_into(embed, counts, query_tokens, &mut query).then_some(TokenBag { query, counts })
    }

    /// One minus the cosine of the query's bag and the bag of `tokens` (1 for a document
    /// without a token the embedder has a vector for).
    pub fn distance(&self, embed: &dyn Embed, tokens: &[u32], scratch: &mut Vec<f32>) -> f32 {
        scratch.clear();
        scratch.resize(self.query.len(), 0.0);
        if !bag_into(embed, self.counts, tokens, scratch) {
            return 1.0;
        }
        1.0 - crate::distance::dot(&self.query, scratch)
    }
}

/// The unit-length bag of `tokens` (their first `BAG_TOKENS`) into `out` (zeros, `dims`
/// long); false if no token had a vector.
fn bag_into(embed: &dyn Embed, counts: &TokenCounts, tokens: &[u32], out: &mut [f32]) -> bool {
    let mut any = false;
    for &t in tokens.iter().take(BAG_TOKENS) {
        any |= embed.add_token_vector(t, counts.weight(t), out);
    }
    let norm = crate::distance::dot(out, out).sqrt();
    if !any || !norm.is_finite() || norm <= f32::MIN_POSITIVE {
        return false;
    }
    out.iter_mut().for_each(|x| *x /= norm);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::HashEmbed;

    #[test]
    fn counts_weigh_common_tokens_down_and_forget_removed_documents() {
        let mut c = TokenCounts::default();
        assert_eq!(c.weight(7), 1.0);
        // Ids past the array (any u32 a record holds) are counted too.
        let big = u32::MAX - 1;
        c.add(&[1, 7, 7, 9, big]);
        c.add(&[1, 7, 3, big]);
        assert!(c.weight(7) < c.weight(9) && c.weight(9) < c.weight(3 + 100));
        assert!(c.weight(big) < c.weight(9) && c.weight(big) == c.weight(1));
        assert_eq!(c.dense.len(), 1 << 10, "grown to what the ids need, not to every u32");
        c.remove(&[1, 7, 7, 9, big]);
        c.remove(&[1, 7, 3, big]);
        assert!(c.dense.iter().all(|&n| n == 0) && c.sparse.is_empty() && c.total == 0);
        assert_eq!(c, TokenCounts::default());
        // Removing what was never added changes nothing it should not.
        c.remove(&[5]);
        assert_eq!(c.total, 0);
    }

    /// The counts a collection keeps through adds, replacements and deletes are the ones
    /// its documents hold, and the ones a load from its records makes.
    #[test]
    fn a_collection_counts_its_documents_tokens_through_changes_and_loads() {
        use crate::collection::{Collection, Doc, Settings};
        let settings = Settings { prune_at: 50, ..Settings::default() };
        let mut c = Collection::new(settings.clone(), 32).unwrap();
        let e = &mut HashEmbed { dims: 32 };
        let doc = |i: usize, words: &str| Doc { id: format!("d{i}"), title: format!("t{i}"), text: words.into(), ..Doc::default() };
        c.add(e, (0..80).map(|i| doc(i, ["red apple", "green pear tree", "blue sea"][i % 3])).collect()).unwrap();
        c.add(e, vec![doc(3, "now about violins"), doc(200, "one more")]).unwrap();
        c.delete(&(10..30).map(|i| format!("d{i}")).collect::<Vec<_>>()).unwrap();
        let mut recount = TokenCounts::default();
        for d in c.docs.values() {
            recount.add(d.view().tokens);
        }
        assert_eq!(c.token_counts, recount);
        assert!(recount.total > 0);
        let loaded = Collection::load(settings, 32, &c.snapshot()).unwrap();
        assert_eq!(loaded.token_counts, recount);
    }

    #[test]
    fn bags_put_documents_sharing_the_query_words_nearer() {
        let e = HashEmbed { dims: 64 };
        let mut c = TokenCounts::default();
        let docs: Vec<Vec<u32>> = ["red apple pie", "green apple tart", "blue whale song"].iter().map(|t| e.tokenize(t).unwrap()).collect();
        for d in &docs {
            c.add(d);
        }
        let bag = TokenBag::of(&e, &c, &e.tokenize("apple pie").unwrap()).unwrap();
        let mut s = Vec::new();
        let d: Vec<f32> = docs.iter().map(|t| bag.distance(&e, t, &mut s)).collect();
        assert!(d[0] < d[1] && d[1] < d[2], "{d:?}");
        assert!(d.iter().all(|x| (-1e-5..=2.0).contains(x)));
        // A document of special tokens only has no bag: the largest distance.
        assert_eq!(bag.distance(&e, &[1], &mut s), 1.0);
    }
}
