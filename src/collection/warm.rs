//! Warming the cache of recomputed embeddings after an open, in the background: the
//! documents a search is most likely to re-rank are recomputed first, a few at a time, so
//! the searches of a session that starts cold get warm as it goes on.
//!
//! Owns the order and how far it has got. The cache is empty after a reopen (nothing of it
//! is stored: the index keeps no embedding, see `cache`), so the first searches recompute
//! most of their candidates (~5 ms each for a short document in Chromium). The embeddings
//! a collection's searches need are not spread evenly: points near the collection's mean
//! direction are among many queries' nearest ("hubs"), so documents are warmed by the
//! cosine between their PQ code's vector and the mean of those vectors, highest first. On
//! the 10,000-document benchmark set, the first 2,000 of that order hold 28-30% of the
//! candidates two query sets re-rank where 2,000 at random hold 20% (on other corpora it
//! does little better than chance: ARCHITECTURE.md). Better than any guess is what the
//! user's recent searches needed (`hints`, stored with the collection): those documents
//! are warmed first, and the rest by the cosine to the mean of *their* codes instead, the
//! neighbourhood of what this user searches.
//!
//! Warming stops when the cache holds `Settings::warm_up` embeddings (at most three
//! quarters of its capacity, so a search's misses do not push the warmed ones out at
//! once), or when every document not kept has one. Documents are warmed through the
//! search's own provider (`cache::Recompute`), so a warmed embedding is the one a search
//! would have recomputed: results do not depend on how warm the cache is. The order
//! (`PrunedIndex::by_centrality`: table lookups, no code decoded) took 18 ms natively at
//! 80,000 documents, once, in the first step.

use super::cache::Recompute;
use super::{Collection, Embed, Phase};
use crate::index::provider::ExactVectors;
use crate::records::Result;

/// How far the warm-up has got: the documents in warming order, and the next one to look at.
#[derive(Default, Debug)]
pub(super) struct Queue {
    order: Option<Vec<u64>>,
    next: usize,
}

/// What one warming step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Warmed {
    /// Documents embedded into the cache by this step.
    pub embedded: usize,
    /// At most this many are left to warm (0: the warm-up is over).
    pub left: usize,
}

impl Collection {
    /// How many embeddings the warm-up fills the cache to.
    fn warm_target(&self) -> usize {
        self.settings.warm_up.min(self.settings.cache / 4 * 3)
    }

    /// One warming step: embed into the cache the next documents in warming order that are
    /// neither cached nor kept (see `doc`), up to `max_tokens` tokens of them (at least one
    /// document). A collection in the stored phase (f32 vectors: nothing to recompute)
    /// has nothing to warm.
    pub fn warm(&mut self, embed: &mut dyn Embed, max_tokens: usize) -> Result<Warmed> {
        self.check_dims(embed)?;
        let (keys, left) = self.warm_take(max_tokens);
        let embedded = self.warm_put(embed, &keys)?;
        Ok(Warmed { embedded, left })
    }

    /// The next documents in warming order that are neither cached nor kept, up to
    /// `max_tokens` tokens of them (at least one), taken off the queue to be embedded
    /// elsewhere (a helper thread) and handed to [`Collection::warm_put`]; and at most how
    /// many are left after them. None, and 0 left, when the warm-up is over (a step takes
    /// none only once the whole order has been looked at).
    pub fn warm_take(&mut self, max_tokens: usize) -> (Vec<u64>, usize) {
        let target = self.warm_target();
        if self.cache.len() >= target {
            return (Vec::new(), 0);
        }
        let Phase::Pruned(index) = &self.index else { return (Vec::new(), 0) };
        // Kept documents are skipped below: they may become kept after this is made.
        // What recent searches needed first (`hints`), then by centrality around them (the
        // collection's mean direction when there are none); a document in both is skipped
        // the second time (cached by then).
        let hints = &self.hints;
        let order = self.warming.order.get_or_insert_with(|| {
            let mut order = hints.ranked();
            order.extend(index.by_centrality(&order));
            order
        });
        let room = target - self.cache.len();
        let (mut keys, mut tokens) = (Vec::new(), 0usize);
        let mut next = self.warming.next;
        while next < order.len() && keys.len() < room && (keys.is_empty() || tokens < max_tokens) {
            let key = order[next];
            next += 1;
            let Some(d) = self.docs.get(&key) else { continue };
            let d = d.view();
            if !d.kept.is_empty() || self.cache.contains(key) {
                continue;
            }
            tokens += d.tokens.len();
            keys.push(key);
        }
        let left = (order.len() - next).min(room - keys.len());
        self.warming.next = next;
        (keys, left)
    }

    /// Embed into the cache those of `keys` still present, not kept and not cached (a
    /// write or a search may have come between [`Collection::warm_take`] and this), as many
    /// as the warm-up's target still has room for (steps taken meanwhile may have filled
    /// it), through the search's own provider: what it embeds and caches is what a search
    /// would have (the same call, the same f16 rounding, token ids shared embedded once).
    /// How many it embedded.
    pub fn warm_put(&mut self, embed: &mut dyn Embed, keys: &[u64]) -> Result<usize> {
        self.check_dims(embed)?;
        let room = self.warm_target().saturating_sub(self.cache.len());
        let keys: Vec<u64> =
            keys.iter().copied().filter(|&k| self.docs.get(&k).is_some_and(|d| d.view().kept.is_empty()) && !self.cache.contains(k)).take(room).collect();
        if keys.is_empty() || !matches!(self.index, Phase::Pruned(_)) {
            return Ok(0);
        }
        let mut provider = Recompute { embed, docs: &self.docs, cache: &mut self.cache, preview: None, bag: None, hints: None };
        provider.exact_vectors(&keys, &mut Vec::with_capacity(keys.len() * self.dims))?;
        Ok(keys.len())
    }
}
