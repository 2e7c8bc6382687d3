//! Two-level search (LEANN Alg. 2, simplified): navigate the pruned graph with PQ (ADC)
//! distances, then ask the exact-vector provider for the most promising candidates only,
//! in batches, and rank the final result on exact distances.
//!
//! The approximate beam (width `ef`) decides where the search goes; the exact queue holds
//! the `rerank` best candidates by approximate distance once their exact distances are
//! known. Cost per query is `rerank` exact vectors (for nook: recomputed embeddings).

use std::cell::Cell;

use super::Hit;
use super::provider::ExactVectors;
use crate::distance::Metric;
use crate::error::{Error, Result};
use crate::graph::{Graph, Near, SearchScratch};

/// Knobs of one two-level search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TwoLevelParams {
    /// Beam width of the approximate (PQ) traversal.
    pub ef: usize,
    /// How many of the best approximate candidates get exact distances (at least k).
    pub rerank: usize,
    /// Exact vectors requested per provider call.
    pub batch: usize,
}

impl Default for TwoLevelParams {
    fn default() -> Self {
        TwoLevelParams { ef: 64, rerank: 32, batch: 16 }
    }
}

/// What a two-level search cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SearchStats {
    /// Nodes whose approximate distance was computed.
    pub visited: usize,
    /// Exact vectors requested from the provider.
    pub exact: usize,
    /// Provider calls.
    pub batches: usize,
}

pub(super) struct TwoLevel<'a> {
    pub graph: &'a Graph,
    pub metric: Metric,
    pub dims: usize,
    pub label: &'a dyn Fn(u32) -> u64,
}

impl TwoLevel<'_> {
    /// Run the search; `approx(node)` is the PQ distance to the (prepared) query `q`.
    #[allow(clippy::too_many_arguments)]
    pub fn search(
        &self,
        q: &[f32],
        k: usize,
        params: &TwoLevelParams,
        approx: &impl Fn(u32) -> f32,
        accept: &impl Fn(u32) -> bool,
        provider: &mut dyn ExactVectors,
        scratch: &mut SearchScratch,
    ) -> Result<(Vec<Hit>, SearchStats)> {
        let visited = Cell::new(0usize);
        let counted = |n: u32| {
            visited.set(visited.get() + 1);
            approx(n)
        };
        let rerank = params.rerank.max(k);
        self.graph.search(rerank, params.ef.max(rerank), &counted, accept, scratch);
        let (hits, mut stats) = self.rerank(q, k, &scratch.out, params, provider)?;
        stats.visited = visited.get();
        Ok((hits, stats))
    }

    /// Exact distances for `candidates` (best approximate first), in provider batches of
    /// `params.batch`; the `k` best by exact distance.
    pub fn rerank(
        &self,
        q: &[f32],
        k: usize,
        candidates: &[Near],
        params: &TwoLevelParams,
        provider: &mut dyn ExactVectors,
    ) -> Result<(Vec<Hit>, SearchStats)> {
        let mut stats = SearchStats::default();
        let mut exact: Vec<Near> = Vec::with_capacity(candidates.len());
        let mut ids = Vec::with_capacity(params.batch.max(1));
        let mut buf = Vec::with_capacity(params.batch.max(1) * self.dims);
        for chunk in candidates.chunks(params.batch.max(1)) {
            ids.clear();
            ids.extend(chunk.iter().map(|c| (self.label)(c.id)));
            buf.clear();
            provider.exact_vectors(&ids, &mut buf)?;
            if buf.len() != ids.len() * self.dims {
                return Err(Error::Provider(format!("asked for {} vectors of {} dimensions, got {} values", ids.len(), self.dims, buf.len())));
            }
            stats.batches += 1;
            stats.exact += ids.len();
            for (c, v) in chunk.iter().zip(buf.chunks_exact_mut(self.dims)) {
                crate::distance::validate(v, self.dims).map_err(|e| Error::Provider(e.to_string()))?;
                self.metric.prepare(v);
                exact.push(Near { dist: self.metric.distance(q, v), id: c.id });
            }
        }
        exact.sort_unstable();
        exact.truncate(k);
        let hits = exact.iter().map(|n| Hit { id: (self.label)(n.id), distance: n.dist }).collect();
        Ok((hits, stats))
    }
}
