//! Exact ground truth by brute force: the top-100 base ids of every query, cached as
//! `<data>/<set>[-<base>]-gt.ivecs` and recomputed when missing or found stale.
//!
//! Candidates are scored in f32 with a blocked dot-product kernel (AVX2+FMA when the CPU
//! has it), the best 128 kept per query, then re-ranked by the exact f64 distance of
//! [`data::exact_distance`] so that rounding cannot reorder the top 100.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::data::{self, Dataset, Metric};

/// Neighbours per query in the ground truth files.
pub const GT_K: usize = 100;
/// Candidates kept by the f32 pass before the exact re-rank.
const CANDIDATES: usize = GT_K + 28;
const QUERY_BLOCK: usize = 64;
const BASE_BLOCK: usize = 64;

/// What recall@10 needs of the ground truth of the first `n` queries of a set.
pub struct GroundTruth {
    /// Exact distance of each query's 10th neighbour: the recall@10 threshold.
    pub kth: Vec<f64>,
}

pub fn cache_path(dir: &Path, ds: &Dataset) -> PathBuf {
    if ds.n_base() == ds.base_total { dir.join(format!("{}-gt.ivecs", ds.name)) } else { dir.join(format!("{}-{}-gt.ivecs", ds.name, ds.n_base())) }
}

/// Base and queries as the exact distance wants them (normalised for cosine).
pub fn prepared(ds: &Dataset) -> (std::borrow::Cow<'_, [f32]>, std::borrow::Cow<'_, [f32]>) {
    match ds.metric {
        Metric::L2 => (ds.base.as_slice().into(), ds.queries.as_slice().into()),
        Metric::Cosine => (data::normalized(&ds.base, ds.dims).into(), data::normalized(&ds.queries, ds.dims).into()),
    }
}

/// Load the cached ground truth for `ds` (all its queries), checking it against a fresh
/// brute-force answer for a few queries; compute and cache it when missing or stale.
pub fn ensure(dir: &Path, ds: &Dataset, threads: usize) -> Result<Vec<u32>, String> {
    let path = cache_path(dir, ds);
    let (base, queries) = prepared(ds);
    let nq = ds.n_queries();
    if path.exists() {
        let (ids, k, rows) = data::read_ivecs(&path)?;
        if k == GT_K && rows == nq && spot_check(ds, &base, &queries, &ids) {
            eprintln!("ground truth: {} ({rows} x {k}, spot-checked)", path.display());
            return Ok(ids);
        }
        eprintln!("ground truth: {} is stale or malformed, recomputing", path.display());
    }
    let t = Instant::now();
    eprintln!("ground truth: brute force, {nq} queries x {} base, {threads} threads ...", ds.n_base());
    let ids = compute(ds.metric, &base, &queries, ds.dims, threads);
    eprintln!("ground truth: {:.1} s, writing {}", t.elapsed().as_secs_f64(), path.display());
    data::write_ivecs(&path, &ids, GT_K)?;
    Ok(ids)
}

/// Load the (already ensured) cache for the first `nq` queries, with recall thresholds.
pub fn load(dir: &Path, ds: &Dataset, queries_prepared: &[f32], base_prepared: &[f32]) -> Result<GroundTruth, String> {
    let path = cache_path(dir, ds);
    let (ids, k, rows) = data::read_ivecs(&path)?;
    let nq = ds.n_queries();
    if k != GT_K || rows < nq {
        return Err(format!("{}: {rows} x {k}, need {nq} x {GT_K}", path.display()));
    }
    let d = ds.dims;
    let kth = (0..nq)
        .map(|q| {
            let b = ids[q * GT_K + 9] as usize;
            data::exact_distance(ds.metric, &queries_prepared[q * d..(q + 1) * d], &base_prepared[b * d..(b + 1) * d])
        })
        .collect();
    Ok(GroundTruth { kth })
}

/// Recompute the top 10 of a few fixed queries plainly and compare distances.
fn spot_check(ds: &Dataset, base: &[f32], queries: &[f32], ids: &[u32]) -> bool {
    let d = ds.dims;
    let nq = queries.len() / d;
    let n = base.len() / d;
    if ids.iter().any(|&i| i as usize >= n) {
        return false;
    }
    (0..8).map(|i| (i * 7919 + 13) % nq).all(|q| {
        let qv = &queries[q * d..(q + 1) * d];
        let mut all: Vec<f64> = base.chunks_exact(d).map(|b| data::exact_distance(ds.metric, qv, b)).collect();
        all.select_nth_unstable_by(9, |a, b| a.total_cmp(b));
        all.truncate(10);
        all.sort_by(|a, b| a.total_cmp(b));
        let cached: Vec<f64> =
            ids[q * GT_K..q * GT_K + 10].iter().map(|&b| data::exact_distance(ds.metric, qv, &base[b as usize * d..(b as usize + 1) * d])).collect();
        all.iter().zip(&cached).all(|(a, c)| (a - c).abs() <= 1e-9 * a.abs().max(1.0))
    })
}

/// A candidate: (f32 score, base id), ordered by score then id.
#[derive(Clone, Copy)]
struct Scored(f32, u32);
impl Ord for Scored {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0).then(self.1.cmp(&o.1))
    }
}
impl PartialOrd for Scored {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl PartialEq for Scored {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Scored {}

/// Exact top-`GT_K` ids of every query, nearest first (ties by id).
pub fn compute(metric: Metric, base: &[f32], queries: &[f32], d: usize, threads: usize) -> Vec<u32> {
    let nq = queries.len() / d;
    let n = base.len() / d;
    // score = w[j] - s * dot(q, b_j): |b|^2 - 2 q.b ranks as L2, -q.b as cosine (normalised).
    let (w, s): (Vec<f32>, f32) = match metric {
        Metric::L2 => (base.chunks_exact(d).map(|b| dot(b, b)).collect(), 2.0),
        Metric::Cosine => (vec![0.0; n], 1.0),
    };
    let mut out = vec![0u32; nq * GT_K];
    let per = nq.div_ceil(threads.max(1)).max(1);
    let done = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|sc| {
        for (t, chunk) in out.chunks_mut(per * GT_K).enumerate() {
            let (w, done) = (&w, &done);
            sc.spawn(move || {
                let q0 = t * per;
                let nthis = chunk.len() / GT_K;
                for qb in (0..nthis).step_by(QUERY_BLOCK) {
                    let qe = (qb + QUERY_BLOCK).min(nthis);
                    let mut heaps: Vec<BinaryHeap<Scored>> = (qb..qe).map(|_| BinaryHeap::with_capacity(CANDIDATES + 1)).collect();
                    for bb in (0..n).step_by(BASE_BLOCK) {
                        let be = (bb + BASE_BLOCK).min(n);
                        for (hi, qi) in (qb..qe).enumerate() {
                            let qv = &queries[(q0 + qi) * d..(q0 + qi + 1) * d];
                            let heap = &mut heaps[hi];
                            for j in bb..be {
                                let sc = w[j] - s * dot(qv, &base[j * d..(j + 1) * d]);
                                if heap.len() < CANDIDATES {
                                    heap.push(Scored(sc, j as u32));
                                } else if sc < heap.peek().map_or(f32::INFINITY, |t| t.0) {
                                    heap.pop();
                                    heap.push(Scored(sc, j as u32));
                                }
                            }
                        }
                    }
                    for (hi, heap) in heaps.into_iter().enumerate() {
                        let q = q0 + qb + hi;
                        let qv = &queries[q * d..(q + 1) * d];
                        let mut exact: Vec<(f64, u32)> =
                            heap.into_iter().map(|Scored(_, j)| (data::exact_distance(metric, qv, &base[j as usize * d..(j as usize + 1) * d]), j)).collect();
                        exact.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                        let row = &mut chunk[(qb + hi) * GT_K..(qb + hi + 1) * GT_K];
                        for (o, (_, j)) in row.iter_mut().zip(exact) {
                            *o = j;
                        }
                    }
                    let total = done.fetch_add(qe - qb, std::sync::atomic::Ordering::Relaxed) + qe - qb;
                    if total % 1024 < QUERY_BLOCK {
                        eprintln!("  ground truth {total}/{nq}");
                    }
                }
            });
        }
    });
    out
}

/// f32 dot product; AVX2+FMA when available.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static AVX2: OnceLock<bool> = OnceLock::new();
        if *AVX2.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            // SAFETY: the CPU supports AVX2 and FMA (checked above).
            return unsafe { dot_avx2(a, b) };
        }
    }
    dot_plain(a, b)
}

fn dot_plain(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::*;
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut acc0 = _mm256_setzero_ps();
    let mut acc1 = _mm256_setzero_ps();
    let mut i = 0;
    // SAFETY: every load reads 8 floats at i < n - 7 (or n - 15) within both slices.
    unsafe {
        while i + 16 <= n {
            acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i + 8)), _mm256_loadu_ps(pb.add(i + 8)), acc1);
            i += 16;
        }
        if i + 8 <= n {
            acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)), acc0);
            i += 8;
        }
    }
    let mut lanes = [0f32; 8];
    // SAFETY: `lanes` holds 8 floats.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), _mm256_add_ps(acc0, acc1)) };
    let mut s: f32 = lanes.iter().sum();
    while i < n {
        s += a[i] * b[i];
        i += 1;
    }
    s
}
