//! Lloyd's k-means on small row-major blocks (one PQ subspace at a time).

use crate::distance::l2_squared;
use crate::rng::Rng;

/// Cluster `n` rows of `dims` floats into `k` centroids (row-major, `k * dims`).
/// Starts from distinct random rows; empty clusters are re-seeded from a random row.
/// With fewer rows than `k`, rows repeat (every centroid stays a real point).
pub fn kmeans(data: &[f32], dims: usize, k: usize, iterations: usize, rng: &mut Rng) -> Vec<f32> {
    kmeans_on(data, dims, k, iterations, rng, 1)
}

/// [`kmeans`] with each iteration's assignment spread over `threads` threads (same result
/// whatever the count).
pub fn kmeans_on(data: &[f32], dims: usize, k: usize, iterations: usize, rng: &mut Rng, threads: usize) -> Vec<f32> {
    let n = data.len() / dims.max(1);
    let mut centroids = vec![0.0f32; k * dims];
    if n == 0 || dims == 0 {
        return centroids;
    }
    let mut order: Vec<usize> = (0..n).collect();
    for i in 0..n.min(k) {
        let j = i + rng.below(n - i);
        order.swap(i, j);
    }
    for c in 0..k {
        let row = order[c % n];
        centroids[c * dims..(c + 1) * dims].copy_from_slice(&data[row * dims..(row + 1) * dims]);
    }
    if n <= k {
        return centroids;
    }
    let mut assign = vec![0u32; n];
    let mut sums = vec![0.0f64; k * dims];
    let mut counts = vec![0usize; k];
    for _ in 0..iterations {
        let mut changed = 0usize;
        let nearest_of = crate::parallel::map_runs(n, threads, &|i| nearest(&centroids, dims, &data[i * dims..(i + 1) * dims]) as u32);
        for (i, best) in nearest_of.into_iter().enumerate() {
            if assign[i] != best {
                changed += 1;
                assign[i] = best;
            }
        }
        sums.iter_mut().for_each(|s| *s = 0.0);
        counts.iter_mut().for_each(|c| *c = 0);
        for (i, row) in data.chunks_exact(dims).enumerate() {
            let c = assign[i] as usize;
            counts[c] += 1;
            for (s, &x) in sums[c * dims..(c + 1) * dims].iter_mut().zip(row) {
                *s += x as f64;
            }
        }
        for c in 0..k {
            let dst = &mut centroids[c * dims..(c + 1) * dims];
            if counts[c] == 0 {
                let row = rng.below(n);
                dst.copy_from_slice(&data[row * dims..(row + 1) * dims]);
            } else {
                let inv = 1.0 / counts[c] as f64;
                for (d, s) in dst.iter_mut().zip(&sums[c * dims..(c + 1) * dims]) {
                    *d = (*s * inv) as f32;
                }
            }
        }
        if changed == 0 {
            break;
        }
    }
    centroids
}

/// Index of the centroid nearest to `row` (squared L2).
pub fn nearest(centroids: &[f32], dims: usize, row: &[f32]) -> usize {
    let mut best = (f32::INFINITY, 0usize);
    for (c, cent) in centroids.chunks_exact(dims).enumerate() {
        let d = l2_squared(row, cent);
        if d < best.0 {
            best = (d, c);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_well_separated_clusters() {
        let mut rng = Rng::new(7);
        let centres = [[0.0f32, 0.0], [10.0, 10.0], [-10.0, 10.0]];
        let mut data = Vec::new();
        for i in 0..300 {
            let c = centres[i % 3];
            data.push(c[0] + (rng.next_f64() as f32 - 0.5));
            data.push(c[1] + (rng.next_f64() as f32 - 0.5));
        }
        let cents = kmeans(&data, 2, 3, 20, &mut rng);
        for c in centres {
            let best = nearest(&cents, 2, &c);
            let got = &cents[best * 2..best * 2 + 2];
            assert!(l2_squared(got, &c) < 0.1, "centre {c:?} not found: {cents:?}");
        }
    }
}
