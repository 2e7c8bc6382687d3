//! The site's proximity graph: every document's neighbours, which a search follows from the
//! candidates its clusters gave (k-means cells split MiniLM's neighbourhoods: a query's true
//! neighbours sit in many cells, and one hop from the best candidates reaches most of them).
//!
//! Built deterministically (the same input gives the same lists whatever the thread count,
//! so a site's build id stays a function of its content): each document's candidates are the
//! members of its `probe` nearest clusters (documents are numbered cluster by cluster, so a
//! cluster is a contiguous run of rows), the nearest are thinned by the selection heuristic
//! of HNSW and DiskANN (a neighbour is kept only if no neighbour kept before it is much
//! closer to it) and the list topped up with the nearest dropped; then each list is chosen
//! again from itself, its neighbours' lists and the documents that list it (one step of
//! NN-descent), and last from itself and its reverse edges. No insertion order, no locks:
//! each list is a function of the rows alone.

use crate::distance::dot;
use crate::graph::Near;

/// How the graph is built.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GraphParams {
    /// Most neighbours a document keeps.
    pub degree: usize,
    /// Clusters whose members are a document's candidates.
    pub probe: usize,
}

/// DiskANN's relaxation of the heuristic: a candidate is dropped only when a kept neighbour
/// is closer to it by this factor, so lists keep more of the near neighbourhood.
const ALPHA: f32 = 1.2;

/// Up to `degree` of `cands` (nearest first): the relaxed heuristic's choice, then the
/// nearest of those it dropped until the list is full (a search scores every neighbour by
/// code, so a full list costs bytes, not round trips).
fn select(cands: &[Near], degree: usize, between: &impl Fn(u32, u32) -> f32) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::with_capacity(degree);
    let mut dropped: Vec<u32> = Vec::new();
    for c in cands {
        if out.len() >= degree {
            break;
        }
        if out.iter().all(|&s| ALPHA * between(s, c.id) > c.dist) {
            out.push(c.id);
        } else {
            dropped.push(c.id);
        }
    }
    let room = degree - out.len();
    out.extend(dropped.into_iter().take(room));
    out
}

/// Nearest-first candidates kept before the heuristic thins them.
fn pool(degree: usize) -> usize {
    (degree * 3).max(32)
}

/// The neighbour lists of `rows` (unit vectors in site order, `starts` cutting them into
/// clusters as in the head; `centroids` one unit row per cluster), each sorted by position.
pub fn neighbours(rows: &[f32], dims: usize, starts: &[u32], centroids: &[f32], params: GraphParams, threads: usize) -> Vec<Vec<u32>> {
    let n = starts.last().map_or(0, |&e| e as usize);
    if n < 2 || params.degree == 0 || dims == 0 {
        return vec![Vec::new(); n];
    }
    let row = |i: u32| &rows[i as usize * dims..(i as usize + 1) * dims];
    let between = |a: u32, b: u32| 1.0 - dot(row(a), row(b));
    let clusters = starts.len() - 1;
    let probe = params.probe.clamp(1, clusters);
    let keep = pool(params.degree);
    let first: Vec<Vec<u32>> = crate::parallel::map_runs(n, threads, &|p| {
        let p = p as u32;
        let v = row(p);
        let mut near: Vec<Near> = centroids.chunks_exact(dims).enumerate().map(|(c, cent)| Near { dist: 1.0 - dot(v, cent), id: c as u32 }).collect();
        if probe < near.len() {
            near.select_nth_unstable(probe - 1);
            near.truncate(probe);
        }
        let mut cands: Vec<Near> = Vec::new();
        for c in &near {
            let (s, e) = (starts[c.id as usize], starts[c.id as usize + 1]);
            cands.extend((s..e).filter(|&q| q != p).map(|q| Near { dist: 1.0 - dot(v, row(q)), id: q }));
        }
        if cands.len() > keep {
            cands.select_nth_unstable(keep - 1);
            cands.truncate(keep);
        }
        cands.sort_unstable();
        select(&cands, params.degree, &between)
    });
    // Neighbours of neighbours, and reverse edges, find what the clusters missed.
    let reverse = reversed(&first);
    let second: Vec<Vec<u32>> = crate::parallel::map_runs(n, threads, &|p| {
        let mut ids: Vec<u32> = first[p].iter().chain(&reverse[p]).copied().collect();
        for &q in &first[p] {
            ids.extend_from_slice(&first[q as usize]);
        }
        let mut cands = candidates(p as u32, ids, &row);
        cands.truncate(keep);
        select(&cands, params.degree, &between)
    });
    let reverse = reversed(&second);
    crate::parallel::map_runs(n, threads, &|p| {
        let ids: Vec<u32> = second[p].iter().chain(&reverse[p]).copied().collect();
        let mut out = select(&candidates(p as u32, ids, &row), params.degree, &between);
        out.sort_unstable();
        out
    })
}

/// Every edge turned around: the documents that list each document.
fn reversed(lists: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = vec![Vec::new(); lists.len()];
    for (p, list) in lists.iter().enumerate() {
        for &q in list {
            out[q as usize].push(p as u32);
        }
    }
    out
}

/// `ids` (without `p` and repeats) by distance to `p`, nearest first.
fn candidates<'a>(p: u32, mut ids: Vec<u32>, row: &impl Fn(u32) -> &'a [f32]) -> Vec<Near> {
    ids.sort_unstable();
    ids.dedup();
    let v = row(p);
    let mut cands: Vec<Near> = ids.into_iter().filter(|&q| q != p).map(|q| Near { dist: 1.0 - dot(v, row(q)), id: q }).collect();
    cands.sort_unstable();
    cands
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn unit_rows(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        let mut rows: Vec<f32> = (0..n * dims).map(|_| rng.next_f64() as f32 - 0.5).collect();
        for r in rows.chunks_exact_mut(dims) {
            let norm = dot(r, r).sqrt();
            r.iter_mut().for_each(|x| *x /= norm);
        }
        rows
    }

    #[test]
    fn lists_are_bounded_sorted_free_of_self_and_the_same_on_any_thread_count() {
        let (n, dims) = (600, 8);
        let rows = unit_rows(n, dims, 3);
        let starts: Vec<u32> = (0..=10).map(|c| (c * n / 10) as u32).collect();
        let centroids: Vec<f32> = (0..10).flat_map(|c| rows[starts[c] as usize * dims..(starts[c] as usize + 1) * dims].to_vec()).collect();
        let params = GraphParams { degree: 12, probe: 3 };
        let one = neighbours(&rows, dims, &starts, &centroids, params, 1);
        assert_eq!(one, neighbours(&rows, dims, &starts, &centroids, params, 4));
        assert_eq!(one.len(), n);
        for (p, list) in one.iter().enumerate() {
            assert!(!list.is_empty() && list.len() <= 12, "{p}: {list:?}");
            assert!(list.windows(2).all(|w| w[0] < w[1]) && !list.contains(&(p as u32)));
        }
        // Probing every cluster, a document's nearest other document is always kept (the
        // heuristic never drops the closest candidate).
        let all = neighbours(&rows, dims, &starts, &centroids, GraphParams { degree: 12, probe: 10 }, 2);
        for p in 0..n as u32 {
            let v = &rows[p as usize * dims..(p as usize + 1) * dims];
            let best = (0..n as u32).filter(|&q| q != p).max_by(|&a, &b| {
                let (x, y) = (dot(v, &rows[a as usize * dims..(a as usize + 1) * dims]), dot(v, &rows[b as usize * dims..(b as usize + 1) * dims]));
                x.total_cmp(&y).then(b.cmp(&a))
            });
            assert!(all[p as usize].contains(&best.unwrap()), "{p}");
        }
    }

    #[test]
    fn tiny_inputs_have_no_edges_to_invent() {
        assert_eq!(neighbours(&[1.0, 0.0], 2, &[0, 1], &[1.0, 0.0], GraphParams { degree: 4, probe: 2 }, 2), vec![Vec::<u32>::new()]);
        assert!(neighbours(&[], 2, &[0], &[], GraphParams { degree: 4, probe: 2 }, 2).is_empty());
    }
}
