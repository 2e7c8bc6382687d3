//! Shared helpers for the native integration tests: seeded synthetic data with cluster
//! structure, and a brute-force oracle.
#![allow(dead_code)]

use nook::Metric;
use nook::rng::Rng;

/// The seed for a test: `NOOK_TEST_SEED` if set, else `default`; always printed.
pub fn seed(default: u64) -> u64 {
    let s = std::env::var("NOOK_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    println!("seed = {s} (set NOOK_TEST_SEED to reproduce)");
    s
}

fn gauss(rng: &mut Rng) -> f32 {
    let u1 = rng.next_f64().max(1e-12);
    let u2 = rng.next_f64();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

/// `n` vectors of `dims` with the structure of real embeddings: a Gaussian mixture of
/// `clusters` centres in an 8-dimensional latent space, mapped linearly into `dims`
/// dimensions, plus a little isotropic noise (row-major). The same seed gives the same
/// centres and map, so base and query sets drawn with different `draw` seeds match.
pub fn clustered_draw(n: usize, dims: usize, clusters: usize, seed: u64, draw: u64) -> Vec<f32> {
    const LATENT: usize = 8;
    let mut rng = Rng::new(seed);
    let centres: Vec<f32> = (0..clusters * LATENT).map(|_| gauss(&mut rng) * 2.0).collect();
    let map: Vec<f32> = (0..LATENT * dims).map(|_| gauss(&mut rng)).collect();
    let mut rng = Rng::new(seed ^ draw.wrapping_mul(0x9E37_79B9));
    let mut out = Vec::with_capacity(n * dims);
    let mut z = [0.0f32; LATENT];
    for _ in 0..n {
        let c = rng.below(clusters);
        for (l, zl) in z.iter_mut().enumerate() {
            *zl = centres[c * LATENT + l] + gauss(&mut rng);
        }
        for d in 0..dims {
            let mut x = 0.1 * gauss(&mut rng);
            for (l, zl) in z.iter().enumerate() {
                x += zl * map[l * dims + d];
            }
            out.push(x);
        }
    }
    out
}

/// Base vectors (draw 0) of [`clustered_draw`].
pub fn clustered(n: usize, dims: usize, clusters: usize, seed: u64) -> Vec<f32> {
    clustered_draw(n, dims, clusters, seed, 0)
}

/// Query vectors: same distribution as [`clustered`] with `seed`, different draws.
pub fn queries(n: usize, dims: usize, clusters: usize, seed: u64) -> Vec<f32> {
    clustered_draw(n, dims, clusters, seed, 1)
}

/// Exact k nearest rows of `base` to `q` among rows where `keep(row)` holds.
pub fn brute_force(base: &[f32], dims: usize, metric: Metric, q: &[f32], k: usize, keep: impl Fn(usize) -> bool) -> Vec<u64> {
    let mut qp = q.to_vec();
    metric.prepare(&mut qp);
    let mut all: Vec<(f32, u64)> = base
        .chunks_exact(dims)
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(i, row)| {
            let mut r = row.to_vec();
            metric.prepare(&mut r);
            (metric.distance(&qp, &r), i as u64)
        })
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    all.into_iter().take(k).map(|x| x.1).collect()
}

/// Fraction of `truth` found in `got`.
pub fn recall(got: &[u64], truth: &[u64]) -> f64 {
    if truth.is_empty() {
        return 1.0;
    }
    truth.iter().filter(|t| got.contains(t)).count() as f64 / truth.len() as f64
}

/// An embedder that counts what a search asks of it: every document sequence embedded
/// (`seqs`) and the lengths of those recomputed for re-ranking (`recomputed`); the query's
/// own embedding is neither.
pub struct Counting {
    pub inner: nook::collection::HashEmbed,
    pub seqs: usize,
    pub recomputed: Vec<usize>,
}

impl Counting {
    pub fn new(dims: usize) -> Self {
        Counting { inner: nook::collection::HashEmbed { dims }, seqs: 0, recomputed: Vec::new() }
    }
}

impl nook::collection::Embed for Counting {
    fn dims(&self) -> usize {
        self.inner.dims()
    }
    fn tokenize(&self, text: &str) -> nook::store::Result<Vec<u32>> {
        self.inner.tokenize(text)
    }
    fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> nook::store::Result<()> {
        self.seqs += seqs.len();
        self.inner.embed_tokens(seqs, out)
    }
    fn embed_recomputed(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> nook::store::Result<()> {
        self.recomputed.extend(seqs.iter().map(|s| s.len()));
        self.embed_tokens(seqs, out)
    }
    fn embed_query(&mut self, seq: &[u32], out: &mut Vec<f32>) -> nook::store::Result<()> {
        self.inner.embed_tokens(&[seq], out)
    }
    fn add_token_vector(&self, id: u32, weight: f32, out: &mut [f32]) -> bool {
        self.inner.add_token_vector(id, weight, out)
    }
}
