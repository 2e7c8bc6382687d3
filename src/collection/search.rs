//! Search: vector ranking (stored or two-level), optionally fused with keyword evidence,
//! then cut at a relevance floor.
//!
//! Fusion is score-based: final = cosine similarity + w * gated(share), where `share` (0..1,
//! [`crate::text::Evidence`]) is how much of the query's information a document matches
//! by keywords, each matched word weighted by how specific it is in this collection. A
//! document that shares one common word with the query gains almost nothing; one holding
//! the query's rare name, identifier or URL piece gains up to `w`; shares below the gate
//! count for nothing (gated(x) = max(0, x - gate) / (1 - gate)). Every candidate is
//! ranked by a similarity of its own: keyword-only candidates get their stored vector's
//! or, once pruned, their PQ code's, and an exact search recomputes those that reach the
//! results — never a stand-in value. Parameters were chosen by
//! cross-validation across corpora (ARCHITECTURE.md, bench/quality).

use std::collections::HashMap;

use super::bag::TokenBag;
use super::cache::Recompute;
use super::embed::Embed;
use super::{Collection, DocRef, Phase, Reading};
use crate::text::Evidence;

use crate::records::{Failure, Result};

/// One result: the document's internal key and its score (higher is better).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Found {
    pub key: u64,
    pub score: f32,
    /// Cosine similarity to the query (when known exactly).
    pub similarity: f32,
    /// Keyword evidence, 0..1 (0 when hybrid is off or no keyword matched).
    pub keyword: f32,
}

/// How a pruned collection gets the distances it ranks by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precision {
    /// Recompute the re-ranked candidates' embeddings (or take them from the cache).
    #[default]
    Exact,
    /// Cached embeddings where present, PQ codes for the rest, except the preview's own
    /// best `Settings::preview_exact` (4), recomputed if need be: a few milliseconds and a
    /// few recomputations at most (which the exact search then finds cached), the ranking
    /// an exact search then refines. Same as exact below `prune_at` (stored vectors are
    /// exact and cheap).
    Preview,
}

/// Where a candidate's similarity comes from in the PQ phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// Its embedding: cached or recomputed.
    Exact,
    /// Cached embedding, else the PQ code's vector.
    Preview,
    /// The PQ code's vector, even when an embedding is cached.
    Code,
}

/// Largest `k` a search accepts.
pub const MAX_K: usize = 1000;

/// Vector and keyword candidates a hybrid search fuses (at least; `k` if larger).
const HYBRID_POOL: usize = 30;

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
    pub fn search(&mut self, embed: &mut dyn Embed, query: &str, k: usize, hybrid: bool, filter: Option<&dyn Fn(DocRef) -> bool>) -> Result<Vec<Found>> {
        if k == 0 || k > MAX_K {
            return Err(Failure::input(format!("k must be between 1 and {MAX_K}, got {k}")));
        }
        if self.docs.is_empty() || crate::text::words(query).next().is_none() {
            return Ok(Vec::new());
        }
        let tokens = embed.tokenize(&self.query_text(embed, query))?;
        let mut q = Vec::with_capacity(self.dims);
        embed.embed_query(&tokens, &mut q)?;
        self.search_with(embed, query, &q, k, hybrid, filter)
    }

    /// What a search embeds for `query`: the query, or, when its unfinished last word (a
    /// search box sends what is typed so far) is a word neither the model's vocabulary nor
    /// the documents have but begins terms of the documents, the query with that word
    /// completed to the most frequent of them ("the first presid" -> "the first
    /// president"): the model reads a word, not its first letters. The keyword side still
    /// takes the query as typed (its completions, `text::KeywordIndex::query`).
    pub fn query_text<'q>(&self, embed: &dyn Embed, query: &'q str) -> std::borrow::Cow<'q, str> {
        match self.keywords.completion(query) {
            Some(c) if !embed.knows_word(&c.typed) => std::borrow::Cow::Owned(format!("{}{}", &query[..c.start], c.word)),
            _ => std::borrow::Cow::Borrowed(query),
        }
    }

    /// [`Collection::search`] with the query's embedding already computed (`q`, unit length).
    pub fn search_with(
        &mut self,
        embed: &mut dyn Embed,
        query: &str,
        q: &[f32],
        k: usize,
        hybrid: bool,
        filter: Option<&dyn Fn(DocRef) -> bool>,
    ) -> Result<Vec<Found>> {
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
        filter: Option<&dyn Fn(DocRef) -> bool>,
        precision: Precision,
    ) -> Result<(Vec<Found>, SearchCounts)> {
        if k == 0 || k > MAX_K {
            return Err(Failure::input(format!("k must be between 1 and {MAX_K}, got {k}")));
        }
        let mut counts = SearchCounts::default();
        // The keyword side resolves the query's words once (typos scan the term dictionary)
        // for both the evidence and the relevance floor.
        let keyword_query = hybrid.then(|| self.keywords.query(query));
        // No word at all (blank, punctuation, emoji): nothing to look for.
        let Some(reading) = self.reading(embed, query, keyword_query.as_ref(), hybrid).filter(|_| !self.docs.is_empty()) else {
            return Ok((Vec::new(), counts));
        };
        let floor = reading.floor(self.settings.min_score, self.settings.min_score_unknown);
        let (hits0, misses0, approx0) = (self.cache.hits, self.cache.misses, self.cache.approximated);
        let k = k.min(self.docs.len());
        // Fusion needs more than k vector candidates: a document ranked a little below k by
        // meaning may hold the query's rare word.
        let pool = if hybrid { k.max(HYBRID_POOL).min(self.docs.len()) } else { k };
        let docs = &self.docs;
        let checked = std::cell::Cell::new(0usize);
        let accept = |key: u64| {
            checked.set(checked.get() + 1);
            docs.get(&key).is_some_and(|d| filter.is_none_or(|f| f(d.view())))
        };
        let hits = match &self.index {
            Phase::Stored(i) => {
                let hits = i.search(q, pool, self.settings.ef.max(pool), Some(&accept), &mut i.scratch())?;
                counts.visited = checked.get();
                hits
            }
            Phase::Pruned(i) => {
                // The re-ranking stop watches the k-th result; the pool's other candidates
                // come with their estimated similarity (exact if they were measured anyway),
                // and those fusion then lifts into the top k are recomputed below.
                let mut params = self.settings.two_level;
                params.extra = pool - k;
                // Each step's candidates in one provider call: the embedder runs the cold
                // ones together, one model pass (not one per document).
                params.batch = params.batch.max(params.rerank);
                let preview = (precision == Precision::Preview).then_some(i);
                // An exact search's second estimate: the query's token bag (a preview
                // recomputes nothing, so it has nothing to fit).
                let bag = match precision {
                    Precision::Exact => embed.tokenize(query).ok().and_then(|t| TokenBag::of(&*embed, &self.token_counts, &t)),
                    Precision::Preview => None,
                };
                let hints = self.settings.hints.then(|| self.hints.for_search(q));
                let mut provider = Recompute { embed: &mut *embed, docs, cache: &mut self.cache, preview, bag: bag.as_ref(), hints };
                // Without a filter every live node is a document: the scan need not look
                // each one up among the documents (a hash lookup per node, most of a
                // scan's cache misses at 80,000).
                let accept = filter.is_some().then_some(&accept as &dyn Fn(u64) -> bool);
                let (hits, stats) = i.search(q, k, &params, accept, &mut provider, &mut i.scratch())?;
                counts.visited = stats.visited;
                hits
            }
        };
        let mut approximate: std::collections::HashSet<u64> = hits.iter().filter(|h| !h.exact).map(|h| h.id).collect();
        let mut found: Vec<Found> = hits.iter().map(|h| Found { key: h.id, score: 1.0 - h.distance, similarity: 1.0 - h.distance, keyword: 0.0 }).collect();
        if let Some(keyword_query) = &keyword_query {
            let kw = self.keywords.evidence(keyword_query, pool, self.settings.keyword_specificity, &accept);
            counts.keyword = kw.len();
            let w = super::settings::keyword_weight(self.settings.keyword_weight, reading);
            approximate.extend(self.fuse(embed, q, &mut found, &kw, w, precision)?);
        }
        if precision == Precision::Preview {
            // A preview takes every cached embedding it can, estimated candidates included.
            let cached: Vec<u64> = approximate.iter().copied().filter(|&k| self.cache.contains(k)).collect();
            let sims = self.similarities(embed, q, &cached, Source::Preview)?;
            for key in &cached {
                approximate.remove(key);
            }
            set_similarities(&mut found, &cached, sims);
            // Codes order near neighbours loosely: the best few by the preview's own ranking
            // get their exact similarity, so its first results are mostly the exact search's
            // (at 80,000 bookmarks its top 1 agreed 59% -> 93% with 4, ~3 recomputed).
            if self.settings.preview_exact > 0 && matches!(self.index, Phase::Pruned(_)) {
                found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.key.cmp(&b.key)));
                let keys: Vec<u64> = found.iter().take(self.settings.preview_exact).map(|f| f.key).filter(|&k| !self.cache.contains(k)).collect();
                let sims = self.similarities(embed, q, &keys, Source::Exact)?;
                set_similarities(&mut found, &keys, sims);
            }
        }
        found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.key.cmp(&b.key)));
        // An exact search returns exact similarities: results that were ranked by their PQ
        // code are recomputed (a few at most) and the list ranked again, until none is left.
        while precision == Precision::Exact && !approximate.is_empty() {
            let keys: Vec<u64> = found.iter().take(k).filter(|f| approximate.remove(&f.key)).map(|f| f.key).collect();
            if keys.is_empty() {
                break;
            }
            let sims = self.similarities(embed, q, &keys, Source::Exact)?;
            set_similarities(&mut found, &keys, sims);
            found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.key.cmp(&b.key)));
        }
        // A document with neither title nor text is embedded as an empty string, which sits
        // close to every short query: it ranks by its keywords (URL) alone.
        for f in &mut found {
            if self.docs.get(&f.key).is_some_and(|d| d.view().is_blank()) {
                f.score -= f.similarity;
                f.similarity = 0.0;
            }
        }
        found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.key.cmp(&b.key)));
        found.retain(|f| reading.keeps(floor, f.score, f.keyword));
        found.truncate(k);
        counts.recomputed = (self.cache.misses - misses0) as usize;
        counts.cache_hits = (self.cache.hits - hits0) as usize;
        counts.approximated = (self.cache.approximated - approx0) as usize;
        counts.exact = counts.recomputed + counts.cache_hits;
        Ok((found, counts))
    }

    /// Adds `w * gated(share)` to vector candidates the keywords match, and brings in
    /// keyword-only candidates with their own similarity: their PQ code's in an exact search
    /// (the caller recomputes those that reach the results), the cache's or the code's in a
    /// preview; stored vectors' below `prune_at`.
    /// Returns the keyword-only candidates whose similarity is only approximate (PQ code).
    fn fuse(
        &mut self,
        embed: &mut dyn Embed,
        q: &[f32],
        found: &mut Vec<Found>,
        kw: &[Evidence],
        w: f32,
        precision: Precision,
    ) -> Result<std::collections::HashSet<u64>> {
        let gate = self.settings.keyword_gate.clamp(0.0, 0.99);
        let lift = |share: f32| w * ((share - gate).max(0.0) / (1.0 - gate));
        let at: HashMap<u64, usize> = found.iter().enumerate().map(|(i, f)| (f.key, i)).collect();
        let mut only: Vec<Evidence> = Vec::new();
        for e in kw {
            match at.get(&e.key) {
                Some(&i) => {
                    found[i].keyword = e.share;
                    found[i].score += lift(e.share);
                }
                None => only.push(*e),
            }
        }
        let keys: Vec<u64> = only.iter().map(|e| e.key).collect();
        // An exact search takes the code's similarity, cached embedding or not, so the
        // ranking does not depend on what the cache happens to hold (same results after a
        // reopen); a preview takes the cache where it can, as everywhere else.
        let source = if precision == Precision::Exact { Source::Code } else { Source::Preview };
        let sims = self.similarities(embed, q, &keys, source)?;
        for (e, sim) in only.iter().zip(sims) {
            found.push(Found { key: e.key, score: sim + lift(e.share), similarity: sim, keyword: e.share });
        }
        let coded = precision == Precision::Exact && matches!(self.index, Phase::Pruned(_));
        Ok(if coded { keys.into_iter().collect() } else { Default::default() })
    }

    /// Cosine similarities of documents to the prepared query, from `source` (stored
    /// vectors in the stored phase, whatever the source).
    fn similarities(&mut self, embed: &mut dyn Embed, q: &[f32], keys: &[u64], source: Source) -> Result<Vec<f32>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        if source == Source::Preview && matches!(self.index, Phase::Pruned(_)) {
            // What has an embedding at hand (kept or cached) is measured by it, the rest by
            // its code: from one distance table, not a decode each.
            let (near, coded): (Vec<u64>, Vec<u64>) = keys.iter().partition(|&&k| super::cache::at_hand(&self.docs, &self.cache, k));
            if !coded.is_empty() {
                let mut by_key: crate::FastMap<u64, f32> = near.iter().copied().zip(self.similarities(embed, q, &near, Source::Preview)?).collect();
                by_key.extend(coded.iter().copied().zip(self.similarities(embed, q, &coded, Source::Code)?));
                return keys.iter().map(|k| by_key.get(k).copied().ok_or_else(|| Failure::corrupt("a similarity went missing"))).collect();
            }
        }
        let mut vectors = Vec::with_capacity(keys.len() * self.dims);
        match &self.index {
            Phase::Stored(i) => {
                for &k in keys {
                    vectors.extend_from_slice(i.get(k).ok_or_else(|| Failure::corrupt("keyword index and vector index disagree"))?);
                }
            }
            Phase::Pruned(i) if source == Source::Code => {
                self.cache.approximated += keys.len() as u64;
                if let Some(sims) = i.code_similarities(q, keys) {
                    return Ok(sims);
                }
                for &k in keys {
                    if !i.decode_into(k, &mut vectors) {
                        return Err(Failure::corrupt("keyword index and vector index disagree"));
                    }
                }
            }
            Phase::Pruned(i) => {
                use crate::index::provider::ExactVectors;
                let preview = (source == Source::Preview).then_some(i);
                let hints = self.settings.hints.then(|| self.hints.for_search(q));
                let mut provider = Recompute { embed, docs: &self.docs, cache: &mut self.cache, preview, bag: None, hints };
                provider.exact_vectors(keys, &mut vectors)?;
            }
        }
        // PQ reconstructions are not unit length: cosine, not a bare dot product.
        Ok(vectors.chunks_exact(self.dims).map(|v| crate::distance::dot(q, v) / crate::distance::dot(v, v).sqrt().max(f32::MIN_POSITIVE)).collect())
    }
}

/// Give the results `keys` their similarity `sims` (in the same order), their scores moving
/// with it (keyword evidence kept).
fn set_similarities(found: &mut [Found], keys: &[u64], sims: Vec<f32>) {
    for (key, sim) in keys.iter().zip(sims) {
        if let Some(f) = found.iter_mut().find(|f| f.key == *key) {
            f.score += sim - f.similarity;
            f.similarity = sim;
        }
    }
}

impl Collection {
    /// Whether any content word of `query` is known to the model's vocabulary or to the
    /// documents (exactly or as a typo): `Some(false)` for "qwxzvbnmk", and for a query of
    /// function words only ("then", "only": an API name may be one); `None` when it has no
    /// word at all (blank, punctuation, emoji).
    pub fn query_known(&self, embed: &dyn Embed, query: &str) -> Option<bool> {
        self.reading(embed, query, None, false).map(|r| r.known)
    }

    /// What is known of the query's terms (the query split once), with the keyword side's
    /// resolution of the query if the search already made it (else the index is asked word
    /// by word, only for words the model does not know); `None` for a query of no word.
    fn reading(&self, embed: &dyn Embed, query: &str, keyword_query: Option<&crate::text::Query>, hybrid: bool) -> Option<Reading> {
        crate::text::words(query).next()?;
        let in_documents = |w: &str| keyword_query.map_or_else(|| self.keywords.knows(w), |q| q.knows(w));
        Some(Reading::of(embed, query, crate::text::terms(query), in_documents, hybrid))
    }

    /// Keyword (BM25) ranking alone: the best `k` document keys.
    pub fn keyword_search(&self, query: &str, k: usize) -> Vec<u64> {
        self.keywords.search(query, k, &|_| true).into_iter().map(|(key, _)| key).collect()
    }
}
