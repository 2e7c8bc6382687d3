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
//!
//! When the provider has a second estimate of the distances ([`ExactVectors::estimates`],
//! independent of the codes: for nook, the token ids), the measured candidates that cost
//! fit a per-query line through both (least squares, [`Fit`]), and the rest are ordered,
//! and bounded, by that fit and the spread of its residuals instead of the PQ distance
//! alone: the two err differently, so together they find the true top k among fewer
//! candidates (ARCHITECTURE.md, "A second estimate from the token ids").

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
    /// of their standard deviations, could still beat the k-th exact distance. With a
    /// second estimate, the best remaining by the fitted estimate, minus `z_fit` of the
    /// fit's residual spread.
    Bound { first: usize, step: usize, z: f32, z_fit: f32 },
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
        let mut measured = Measured::default();
        // Candidates whose exact vector costs nothing are all measured first; the stop
        // rule then spends only on the others (which count toward its first batch).
        let (free, mut candidates): (Vec<Near>, Vec<Near>) = candidates.iter().copied().partition(|c| provider.is_free((self.label)(c.id)));
        for chunk in free.chunks(params.batch.max(1)) {
            self.measure(q, chunk, provider, &mut exact, &mut measured, &mut stats)?;
        }
        // The provider's second estimates, asked once the first batch is in (by node id).
        let mut seconds: Option<Option<crate::FastMap<u32, f32>>> = None;
        let mut refitted = false;
        let mut done = 0;
        while done < candidates.len() {
            let want = match params.stop {
                Stop::All => candidates.len() - done,
                Stop::Bound { first, .. } if done == 0 && free.len() < first.max(k) => first.max(k) - free.len(),
                Stop::Bound { step, z, z_fit, .. } => match kth(&mut exact, k) {
                    None => step,
                    Some(bar) => {
                        let second = seconds.get_or_insert_with(|| self.estimates(provider, &candidates)).as_ref();
                        let open = match second.and_then(|s| Fit::of(&measured.pairs(s)).map(|f| (f, s))) {
                            Some((fit, s)) => {
                                let est = |c: &Near| fit.at(c.dist, s[&c.id]);
                                candidates[done..].sort_by(|a, b| est(a).total_cmp(&est(b)).then(a.id.cmp(&b.id)));
                                refitted = true;
                                let reach = bar + z_fit * fit.spread;
                                candidates[done..].iter().take_while(|c| est(c) <= reach).count()
                            }
                            None => {
                                if refitted {
                                    // A fit ordered them before (and cannot now): back to codes' order.
                                    candidates[done..].sort_unstable();
                                }
                                let reach = bar - measured.errors.mean() + z * measured.errors.spread();
                                candidates[done..].iter().take_while(|c| c.dist <= reach).count()
                            }
                        };
                        open.min(step.max(1))
                    }
                },
            };
            if want == 0 {
                break;
            }
            let end = (done + want).min(candidates.len());
            for chunk in candidates[done..end].chunks(params.batch.max(1)) {
                self.measure(q, chunk, provider, &mut exact, &mut measured, &mut stats)?;
            }
            done = end;
        }
        exact.sort_unstable();
        let hit = |n: &Near, exact: bool| Hit { id: (self.label)(n.id), distance: n.dist, exact };
        let mut hits: Vec<Hit> = exact.iter().take(k).map(|n| hit(n, true)).collect();
        if params.extra > 0 {
            // Past k: the other measured candidates and the unmeasured ones (the tail of
            // `candidates`), the latter at their estimated exact distance: the fit of all
            // that was measured where there is one, else the codes' shifted by their mean error.
            let second = seconds.flatten();
            let fit = second.as_ref().and_then(|s| Fit::of(&measured.pairs(s)).map(|f| (f, s)));
            let shift = measured.errors.mean();
            let estimate = |c: &Near| fit.as_ref().map_or(c.dist + shift, |(f, s)| f.at(c.dist, s[&c.id]));
            let mut rest: Vec<Hit> = exact.iter().skip(k).map(|n| hit(n, true)).collect();
            rest.extend(candidates[done..].iter().map(|c| hit(&Near { dist: estimate(c), id: c.id }, false)));
            rest.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.id.cmp(&b.id)));
            hits.extend(rest.into_iter().take(params.extra));
        }
        Ok((hits, stats))
    }

    /// The provider's second estimates for the candidates that cost (the free ones are all
    /// measured anyway: they neither need ordering nor take part in the fit), by node id;
    /// `None` if it has none (or gave the wrong count, or a value that is not finite: then
    /// it is not used).
    fn estimates(&self, provider: &mut dyn ExactVectors, candidates: &[Near]) -> Option<crate::FastMap<u32, f32>> {
        let nodes: Vec<u32> = candidates.iter().map(|c| c.id).collect();
        let ids: Vec<u64> = nodes.iter().map(|&n| (self.label)(n)).collect();
        let mut out = Vec::with_capacity(ids.len());
        if !provider.estimates(&ids, &mut out) || out.len() != ids.len() || !out.iter().all(|x| x.is_finite()) {
            return None;
        }
        Some(nodes.into_iter().zip(out).collect())
    }

    /// Exact distances of `chunk` (one provider call), appended to `exact`; their errors
    /// against the approximate distances recorded. A candidate the provider keeps at its
    /// estimate ([`ExactVectors::keeps_estimate`]) is recorded at its approximate distance.
    fn measure(
        &self,
        q: &[f32],
        chunk: &[Near],
        provider: &mut dyn ExactVectors,
        exact: &mut Vec<Near>,
        measured: &mut Measured,
        stats: &mut SearchStats,
    ) -> Result<()> {
        let (kept, chunk): (Vec<Near>, Vec<Near>) = chunk.iter().copied().partition(|c| provider.keeps_estimate((self.label)(c.id)));
        for c in &kept {
            measured.add(c, c.dist);
            exact.push(*c);
        }
        if chunk.is_empty() {
            return Ok(());
        }
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
            measured.add(c, dist);
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

/// What the measured candidates say about the approximate distances: each one's codes'
/// distance and exact distance, and the running statistics of their difference.
#[derive(Default)]
struct Measured {
    /// (node, approximate distance, exact distance), in measuring order.
    points: Vec<(u32, f32, f32)>,
    errors: ErrorStats,
}

impl Measured {
    fn add(&mut self, c: &Near, exact: f32) {
        self.errors.add(exact - c.dist);
        self.points.push((c.id, c.dist, exact));
    }

    /// (approximate, second estimate, exact) of every measured candidate that has a second
    /// estimate.
    fn pairs(&self, second: &crate::FastMap<u32, f32>) -> Vec<[f64; 3]> {
        let with = |&(id, approx, exact): &(u32, f32, f32)| second.get(&id).map(|&s| [f64::from(approx), f64::from(s), f64::from(exact)]);
        self.points.iter().filter_map(with).collect()
    }
}

/// The least-squares line `exact = a * approximate + b * second + c` through the measured
/// candidates of one query, and the spread of its residuals.
#[derive(Clone, Copy, Debug)]
struct Fit {
    a: f64,
    b: f64,
    c: f64,
    /// Residual standard deviation (three parameters fitted), never below a floor.
    spread: f32,
}

impl Fit {
    /// Fewest points a fit is made from (three parameters and some left to judge them).
    const MIN_POINTS: usize = 8;

    /// The fit through `points` ([approximate, second, exact]); `None` with fewer than
    /// [`Fit::MIN_POINTS`] or when the two estimates cannot be told apart (singular).
    fn of(points: &[[f64; 3]]) -> Option<Fit> {
        if points.len() < Self::MIN_POINTS {
            return None;
        }
        // Normal equations of [approximate, second, 1] -> exact, a little ridge on the
        // diagonal, solved by Gaussian elimination with partial pivoting.
        let mut m = [[0f64; 4]; 3];
        for p in points {
            let x = [p[0], p[1], 1.0];
            for r in 0..3 {
                for c in 0..3 {
                    m[r][c] += x[r] * x[c];
                }
                m[r][3] += x[r] * p[2];
            }
        }
        for (r, row) in m.iter_mut().enumerate() {
            row[r] += 1e-4;
        }
        for col in 0..3 {
            let pivot = (col..3).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
            m.swap(col, pivot);
            if m[col][col].abs() < 1e-12 {
                return None;
            }
            let pivot_row = m[col];
            for (r, row) in m.iter_mut().enumerate() {
                if r != col {
                    let f = row[col] / pivot_row[col];
                    row.iter_mut().zip(pivot_row).skip(col).for_each(|(x, p)| *x -= f * p);
                }
            }
        }
        let [a, b, c] = [m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]];
        let squares: f64 = points.iter().map(|p| (p[2] - (a * p[0] + b * p[1] + c)).powi(2)).sum();
        let spread = (squares / (points.len() - 3) as f64).sqrt().max(ErrorStats::FLOOR);
        [a, b, c].iter().all(|v| v.is_finite()).then_some(Fit { a, b, c, spread: spread as f32 })
    }

    /// The fitted exact distance of a candidate.
    fn at(&self, approximate: f32, second: f32) -> f32 {
        (self.a * f64::from(approximate) + self.b * f64::from(second) + self.c) as f32
    }
}

/// Running mean and standard deviation of exact minus approximate distance.
#[derive(Default)]
struct ErrorStats {
    n: f64,
    sum: f64,
    squares: f64,
}

impl ErrorStats {
    /// Least spread of an error (a handful of equal errors must not make a bound exact).
    const FLOOR: f64 = 1e-3;

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
        if self.n < 2.0 {
            return f32::INFINITY;
        }
        let var = (self.squares - self.sum * self.sum / self.n) / (self.n - 1.0);
        var.max(0.0).sqrt().max(Self::FLOOR) as f32
    }
}
