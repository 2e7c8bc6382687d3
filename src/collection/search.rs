//! Search: vector ranking (stored or two-level), optionally fused with BM25.
//!
//! Fusion is score-based, not rank-based: final = cosine similarity + w * BM25 / max BM25
//! over the keyword candidates (w = `Settings::keyword_weight`, small). Plain reciprocal
//! rank fusion gives a weak keyword hit the same pull as a strong one and measurably
//! costs paraphrase queries; adding a small normalised keyword term keeps the vector
//! order unless the keyword evidence is strong (an exact rare word, a URL fragment, an
//! acronym), which then lifts that document. Keyword-only candidates get an exact
//! similarity (the first `keyword_exact` of them; others get the lowest vector score).

use std::collections::HashMap;

use super::cache::Recompute;
use super::embed::Embed;
use super::{Collection, Doc, Phase};

use crate::store::{Failure, Result};

/// One result: the document's internal key and its score (higher is better).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Found {
    pub key: u64,
    pub score: f32,
    /// Cosine similarity to the query (when known exactly).
    pub similarity: f32,
    /// Normalised keyword score (0 when hybrid is off or no keyword matched).
    pub keyword: f32,
}

/// How a pruned collection gets the distances it ranks by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precision {
    /// Recompute the re-ranked candidates' embeddings (or take them from the cache).
    #[default]
    Exact,
    /// Cached embeddings where present, PQ codes for the rest: no recomputation, a few
    /// milliseconds, the ranking an exact search then refines. Same as exact below
    /// `prune_at` (stored vectors are exact and cheap).
    Preview,
}

/// Largest `k` a search accepts.
pub const MAX_K: usize = 1000;

/// What one search did, in counts (the core has no clock: callers time the embedder).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SearchCounts {
    /// Graph nodes reached: PQ distances computed (pruned), or layer-0 nodes checked (stored).
    pub visited: usize,
    /// Exact vectors requested (re-ranking and keyword-only candidates; pruned phase).
    pub exact: usize,
    /// Of those, embeddings recomputed cold by the embedder.
    pub recomputed: usize,
    /// Of those, served by the cache of recomputed embeddings.
    pub cache_hits: usize,
    /// Candidates a preview ranked by their PQ code instead (not counted in `exact`).
    pub approximated: usize,
    /// Documents matched by the keyword index (hybrid).
    pub keyword: usize,
}

impl Collection {
    /// The `k` best documents for `query`. `k` must be 1..=1000; fewer come back when
    /// fewer documents pass `filter`. An empty collection gives no results.
    pub fn search(&mut self, embed: &mut dyn Embed, query: &str, k: usize, hybrid: bool, filter: Option<&dyn Fn(&Doc) -> bool>) -> Result<Vec<Found>> {
        if k == 0 || k > MAX_K {
            return Err(Failure::input(format!("k must be between 1 and {MAX_K}, got {k}")));
        }
        if self.docs.is_empty() {
            return Ok(Vec::new());
        }
        let tokens = embed.tokenize(query)?;
        let mut q = Vec::with_capacity(self.dims);
        embed.embed_for_query(&[&tokens], &mut q)?;
        self.search_with(embed, query, &q, k, hybrid, filter)
    }

    /// [`Collection::search`] with the query's embedding already computed (`q`, unit length).
    pub fn search_with(&mut self, embed: &mut dyn Embed, query: &str, q: &[f32], k: usize, hybrid: bool, filter: Option<&dyn Fn(&Doc) -> bool>) -> Result<Vec<Found>> {
        Ok(self.search_counted(embed, query, q, k, hybrid, filter, Precision::Exact)?.0)
    }

    /// [`Collection::search_with`], also saying what the search did. Every call `embed`
    /// receives here is a recomputation of documents (the query is already embedded), so
    /// a caller that times `embed` splits embedding, recomputation and the rest.
    #[allow(clippy::too_many_arguments)]
    pub fn search_counted(
        &mut self,
        embed: &mut dyn Embed,
        query: &str,
        q: &[f32],
        k: usize,
        hybrid: bool,
        filter: Option<&dyn Fn(&Doc) -> bool>,
        precision: Precision,
    ) -> Result<(Vec<Found>, SearchCounts)> {
        if k == 0 || k > MAX_K {
            return Err(Failure::input(format!("k must be between 1 and {MAX_K}, got {k}")));
        }
        let mut counts = SearchCounts::default();
        if self.docs.is_empty() {
            return Ok((Vec::new(), counts));
        }
        let (hits0, misses0, approx0) = (self.cache.hits, self.cache.misses, self.cache.approximated);
        let k = k.min(self.docs.len());
        let docs = &self.docs;
        let checked = std::cell::Cell::new(0usize);
        let accept = |key: u64| {
            checked.set(checked.get() + 1);
            docs.get(&key).is_some_and(|d| filter.is_none_or(|f| f(d)))
        };
        let hits = match &self.index {
            Phase::Stored(i) => {
                let hits = i.search(q, k, self.settings.ef.max(k), Some(&accept), &mut i.scratch())?;
                counts.visited = checked.get();
                hits
            }
            Phase::Pruned(i) => {
                let mut params = self.settings.two_level;
                params.rerank = params.rerank.max(k);
                params.ef = params.ef.max(params.rerank);
                let preview = (precision == Precision::Preview).then_some(i);
                let mut provider = Recompute { embed: &mut *embed, docs, cache: &mut self.cache, preview };
                let (hits, stats) = i.search(q, k, &params, Some(&accept), &mut provider, &mut i.scratch())?;
                counts.visited = stats.visited;
                hits
            }
        };
        let mut found: Vec<Found> = hits.iter().map(|h| Found { key: h.id, score: 1.0 - h.distance, similarity: 1.0 - h.distance, keyword: 0.0 }).collect();
        if hybrid {
            let kw = self.keywords.search(query, k, &accept);
            counts.keyword = kw.len();
            if let Some(&(_, best)) = kw.first() {
                let norm = match self.settings.keyword_norm {
                    super::KeywordNorm::Max => best,
                    super::KeywordNorm::Coverage => self.keywords.max_possible(query).max(best),
                };
                self.fuse(embed, q, &mut found, &kw, norm, precision)?;
            }
        }
        found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.key.cmp(&b.key)));
        found.truncate(k);
        counts.recomputed = (self.cache.misses - misses0) as usize;
        counts.cache_hits = (self.cache.hits - hits0) as usize;
        counts.approximated = (self.cache.approximated - approx0) as usize;
        counts.exact = counts.recomputed + counts.cache_hits;
        Ok((found, counts))
    }

    fn fuse(&mut self, embed: &mut dyn Embed, q: &[f32], found: &mut Vec<Found>, kw: &[(u64, f32)], best: f32, precision: Precision) -> Result<()> {
        let w = self.settings.keyword_weight;
        let floor = found.iter().map(|f| f.similarity).fold(f32::INFINITY, f32::min);
        let floor = if floor.is_finite() { floor } else { 0.0 };
        let at: HashMap<u64, usize> = found.iter().enumerate().map(|(i, f)| (f.key, i)).collect();
        let mut only: Vec<(u64, f32)> = Vec::new();
        for &(key, s) in kw {
            let s = s / best;
            match at.get(&key) {
                Some(&i) => {
                    found[i].keyword = s;
                    found[i].score += w * s;
                }
                None => only.push((key, s)),
            }
        }
        let exact: Vec<u64> = only.iter().take(self.settings.keyword_exact).map(|o| o.0).collect();
        let sims = self.exact_similarities(embed, q, &exact, precision)?;
        for (i, &(key, s)) in only.iter().enumerate() {
            let sim = sims.get(i).copied().unwrap_or(floor);
            found.push(Found { key, score: sim + w * s, similarity: sim, keyword: s });
        }
        Ok(())
    }

    /// Cosine similarities of documents to the prepared query (exact, or from PQ codes
    /// where a preview has no cached embedding).
    fn exact_similarities(&mut self, embed: &mut dyn Embed, q: &[f32], keys: &[u64], precision: Precision) -> Result<Vec<f32>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut vectors = Vec::with_capacity(keys.len() * self.dims);
        match &self.index {
            Phase::Stored(i) => {
                for &k in keys {
                    vectors.extend_from_slice(i.get(k).ok_or_else(|| Failure::corrupt("keyword index and vector index disagree"))?);
                }
            }
            Phase::Pruned(i) => {
                use crate::index::provider::ExactVectors;
                let preview = (precision == Precision::Preview).then_some(i);
                let mut provider = Recompute { embed, docs: &self.docs, cache: &mut self.cache, preview };
                provider.exact_vectors(keys, &mut vectors)?;
            }
        }
        // PQ reconstructions are not unit length: cosine, not a bare dot product.
        Ok(vectors.chunks_exact(self.dims).map(|v| crate::distance::dot(q, v) / crate::distance::dot(v, v).sqrt().max(f32::MIN_POSITIVE)).collect())
    }
}

impl Collection {
    /// Keyword (BM25) ranking alone: the best `k` document keys.
    pub fn keyword_search(&self, query: &str, k: usize) -> Vec<u64> {
        self.keywords.search(query, k, &|_| true).into_iter().map(|(key, _)| key).collect()
    }
}
