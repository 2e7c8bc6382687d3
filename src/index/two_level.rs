//! Two-level search (LEANN Alg. 2, simplified), its second level: the first found the
//! candidates by PQ (ADC) distance (`PrunedIndex`: every code scanned, or the pruned graph
//! walked with beam `ef`); this one asks the exact-vector provider for the most promising
//! only, in batches, and ranks the final result on exact distances.
//!
//! Up to `rerank` of the best candidates by approximate distance get exact distances, best
//! first. Cost per query
//! is the exact vectors asked for (for nook: recomputed embeddings), so [`Stop`] decides
//! how many: all `rerank` of them, or only while a candidate can still reach the top `k`.
//!
//! [`Stop::Bound`] learns how far this query's PQ distances are off from the candidates
//! already measured (their errors' mean and spread: the error depends on the query and on
//! the region of space, so no global constant fits), and asks for the next candidates only
//! while the best remaining approximate distance, corrected by that mean and `z` spreads,
//! is below the current k-th exact distance. A query whose top `k` stand clear of the rest
//! costs its first batch; one with a flat tail reads on up to `rerank`. The stop depends on
//! distances alone, never on what a cache holds: the same query gives the same results.
//! Candidates the provider has for nothing ([`ExactVectors::is_free`]: long documents'
//! kept embeddings) are all measured first and count toward the first batch, so the stop
//! spends only on the others.

use super::Hit;
use super::provider::ExactVectors;
use crate::distance::Metric;
use crate::error::{Error, Result};
use crate::graph::Near;

/// Knobs of one two-level search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TwoLevelParams {
    /// Beam width of the approximate (PQ) traversal.
    pub ef: usize,
    /// How many of the best approximate candidates may get exact distances (at least k).
    pub rerank: usize,
    /// Exact vectors requested per provider call.
    pub batch: usize,
    /// When to stop asking for exact distances.
    pub stop: Stop,
    /// Candidates returned past `k` (for fusion with keyword evidence): the measured ones
    /// with their exact distance, the others with their estimate (`Hit::exact` false).
    pub extra: usize,
}

impl Default for TwoLevelParams {
    fn default() -> Self {
        TwoLevelParams { ef: 64, rerank: 32, batch: 16, stop: Stop::All, extra: 0 }
    }
}

/// How many of the `rerank` candidates get exact distances.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stop {
    /// All of them.
    All,
    /// The first `first` (at least k), then `step` at a time while the best remaining
    /// candidate's approximate distance, corrected by the measured errors' mean minus `z`
    /// of their standard deviations, could still beat the k-th exact distance.
    Bound { first: usize, step: usize, z: f32 },
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
    pub metric: Metric,
    pub dims: usize,
    pub label: &'a dyn Fn(u32) -> u64,
}

impl TwoLevel<'_> {
    /// Exact distances for `candidates` (best approximate first), in provider batches of
    /// at most `params.batch`, as many as `params.stop` says; the `k` best by exact distance.
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
        let mut errors = ErrorStats::default();
        // Candidates whose exact vector costs nothing are all measured first; the stop
        // rule then spends only on the others (which count toward its first batch).
        let (free, candidates): (Vec<Near>, Vec<Near>) = candidates.iter().copied().partition(|c| provider.is_free((self.label)(c.id)));
        for chunk in free.chunks(params.batch.max(1)) {
            self.measure(q, chunk, provider, &mut exact, &mut errors, &mut stats)?;
        }
        let mut done = 0;
        while done < candidates.len() {
            let want = match params.stop {
                Stop::All => candidates.len() - done,
                Stop::Bound { first, .. } if done == 0 && free.len() < first.max(k) => first.max(k) - free.len(),
                Stop::Bound { step, z, .. } => match kth(&mut exact, k) {
                    None => step,
                    Some(bar) => {
                        let reach = bar - errors.mean() + z * errors.spread();
                        let open = candidates[done..].iter().take_while(|c| c.dist <= reach).count();
                        open.min(step.max(1))
                    }
                },
            };
            if want == 0 {
                break;
            }
            let end = (done + want).min(candidates.len());
            for chunk in candidates[done..end].chunks(params.batch.max(1)) {
                self.measure(q, chunk, provider, &mut exact, &mut errors, &mut stats)?;
            }
            done = end;
        }
        exact.sort_unstable();
        let hit = |n: &Near, exact: bool| Hit { id: (self.label)(n.id), distance: n.dist, exact };
        let mut hits: Vec<Hit> = exact.iter().take(k).map(|n| hit(n, true)).collect();
        if params.extra > 0 {
            // Past k: the other measured candidates and the unmeasured ones (the tail of
            // `candidates`), the latter at their estimated exact distance.
            let shift = errors.mean();
            let mut rest: Vec<Hit> = exact.iter().skip(k).map(|n| hit(n, true)).collect();
            rest.extend(candidates[done..].iter().map(|c| hit(&Near { dist: c.dist + shift, id: c.id }, false)));
            rest.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.id.cmp(&b.id)));
            hits.extend(rest.into_iter().take(params.extra));
        }
        Ok((hits, stats))
    }

    /// Exact distances of `chunk` (one provider call), appended to `exact`; their errors
    /// against the approximate distances recorded.
    fn measure(
        &self,
        q: &[f32],
        chunk: &[Near],
        provider: &mut dyn ExactVectors,
        exact: &mut Vec<Near>,
        errors: &mut ErrorStats,
        stats: &mut SearchStats,
    ) -> Result<()> {
        let ids: Vec<u64> = chunk.iter().map(|c| (self.label)(c.id)).collect();
        let mut buf = Vec::with_capacity(ids.len() * self.dims);
        provider.exact_vectors(&ids, &mut buf)?;
        if buf.len() != ids.len() * self.dims {
            return Err(Error::Provider(format!("asked for {} vectors of {} dimensions, got {} values", ids.len(), self.dims, buf.len())));
        }
        stats.batches += 1;
        stats.exact += ids.len();
        for (c, v) in chunk.iter().zip(buf.chunks_exact_mut(self.dims)) {
            crate::distance::validate(v, self.dims).map_err(|e| Error::Provider(e.to_string()))?;
            self.metric.prepare(v);
            let dist = self.metric.distance(q, v);
            errors.add(dist - c.dist);
            exact.push(Near { dist, id: c.id });
        }
        Ok(())
    }
}

/// The k-th smallest exact distance so far (None with fewer than k); reorders `exact`.
fn kth(exact: &mut [Near], k: usize) -> Option<f32> {
    if exact.len() < k || k == 0 {
        return None;
    }
    exact.select_nth_unstable(k - 1);
    Some(exact[k - 1].dist)
}

/// Running mean and standard deviation of exact minus approximate distance.
#[derive(Default)]
struct ErrorStats {
    n: f64,
    sum: f64,
    squares: f64,
}

impl ErrorStats {
    fn add(&mut self, e: f32) {
        let e = f64::from(e);
        self.n += 1.0;
        self.sum += e;
        self.squares += e * e;
    }

    fn mean(&self) -> f32 {
        if self.n == 0.0 { 0.0 } else { (self.sum / self.n) as f32 }
    }

    /// Sample standard deviation, never below a floor (a handful of equal errors must not
    /// make the bound exact).
    fn spread(&self) -> f32 {
        const FLOOR: f64 = 1e-3;
        if self.n < 2.0 {
            return f32::INFINITY;
        }
        let var = (self.squares - self.sum * self.sum / self.n) / (self.n - 1.0);
        var.max(0.0).sqrt().max(FLOOR) as f32
    }
}
