//! Recall of both indexes against a brute-force oracle on seeded clustered data.

mod common;

use common::{brute_force, clustered, queries, recall, seed};
use nook::index::{IndexParams, PqParams, PruneParams, PrunedIndex, TwoLevelParams, VectorIndex};
use nook::{Metric, TableVectors};

const DIMS: usize = 32;

fn stored(base: &[f32], metric: Metric, threads: usize) -> VectorIndex {
    let n = base.len() / DIMS;
    let mut idx = VectorIndex::new(IndexParams { m: 12, ef_construction: 100, ..IndexParams::new(metric, DIMS) }).unwrap();
    let ids: Vec<u64> = (0..n as u64).collect();
    idx.add_batch(&ids, base, threads).unwrap();
    idx
}

fn mean_recall(idx: &VectorIndex, base: &[f32], queries: &[f32], ef: usize) -> f64 {
    let mut scratch = idx.scratch();
    let metric = idx.params().metric;
    let mut total = 0.0;
    for q in queries.chunks_exact(DIMS) {
        let got: Vec<u64> = idx.search(q, 10, ef, None, &mut scratch).unwrap().iter().map(|h| h.id).collect();
        total += recall(&got, &brute_force(base, DIMS, metric, q, 10, |_| true));
    }
    total / (queries.len() / DIMS) as f64
}

#[test]
fn stored_index_recall_l2_and_cosine() {
    let s = seed(11);
    let base = clustered(4000, DIMS, 40, s);
    let queries = queries(200, DIMS, 40, s);
    for metric in [Metric::L2, Metric::Cosine, Metric::Dot] {
        let idx = stored(&base, metric, 2);
        let r = mean_recall(&idx, &base, &queries, 64);
        println!("{metric:?}: recall@10 = {r:.4}");
        assert!(r >= 0.95, "{metric:?} recall@10 {r} < 0.95 (seed {s})");
    }
}

#[test]
fn single_and_multi_threaded_builds_both_reach_recall() {
    let s = seed(12);
    let base = clustered(3000, DIMS, 30, s);
    let queries = queries(100, DIMS, 30, s);
    let one = mean_recall(&stored(&base, Metric::L2, 1), &base, &queries, 64);
    let two = mean_recall(&stored(&base, Metric::L2, 2), &base, &queries, 64);
    println!("1 thread {one:.4}, 2 threads {two:.4}");
    assert!(one >= 0.95 && two >= 0.95);
}

fn pruned_recall(idx: &PrunedIndex, base: &[f32], queries: &[f32], tl: &TwoLevelParams) -> (f64, f64) {
    let mut scratch = idx.scratch();
    let mut provider = TableVectors { vectors: base, dims: DIMS };
    let (mut total, mut exact) = (0.0, 0.0);
    for q in queries.chunks_exact(DIMS) {
        let (hits, stats) = idx.search(q, 10, tl, None, &mut provider, &mut scratch).unwrap();
        assert!(stats.exact <= tl.rerank.max(10) && stats.batches >= 1);
        let got: Vec<u64> = hits.iter().map(|h| h.id).collect();
        total += recall(&got, &brute_force(base, DIMS, idx.params().metric, q, 10, |i| i < base.len() / DIMS));
        exact += stats.exact as f64;
    }
    let nq = (queries.len() / DIMS) as f64;
    (total / nq, exact / nq)
}

#[test]
fn pruned_two_level_search_reaches_recall_with_few_exact_vectors() {
    let s = seed(13);
    let base = clustered(4000, DIMS, 40, s);
    let queries = queries(200, DIMS, 40, s);
    let idx = stored(&base, Metric::L2, 2);
    let pruned = PrunedIndex::build(&idx, &PruneParams { m_hub: 12, m: 5, ..Default::default() }, &PqParams { subspaces: 8, ..Default::default() }, 2).unwrap();
    let tl = TwoLevelParams { ef: 80, rerank: 40, batch: 8, ..TwoLevelParams::default() };
    let (r, exact) = pruned_recall(&pruned, &base, &queries, &tl);
    let sizes = pruned.sizes();
    println!("pruned recall@10 {r:.4}, exact/query {exact:.1}, sizes {sizes:?}, stored bytes {}", idx.save().len());
    assert!(r >= 0.90, "pruned recall {r} (seed {s})");
    assert!(sizes.total * 4 < idx.save().len(), "pruned index should be far smaller than the stored one");

    // 4-bit codes: same code bytes with twice the subspaces, a 16x smaller codebook.
    let four = PrunedIndex::build(&idx, &PruneParams { m_hub: 12, m: 5, ..Default::default() }, &PqParams { subspaces: 16, bits: 4, ..Default::default() }, 2)
        .unwrap();
    let (r4, _) = pruned_recall(&four, &base, &queries, &tl);
    let s4 = four.sizes();
    println!("4-bit: recall@10 {r4:.4}, sizes {s4:?}");
    assert!(r4 >= 0.90, "4-bit pruned recall {r4} (seed {s})");
    assert_eq!(s4.codes, sizes.codes);
    assert!(s4.codebook * 8 < sizes.codebook);
    let again = PrunedIndex::load(&four.save()).unwrap();
    assert_eq!(again.save(), four.save());
}

#[test]
fn growing_a_pruned_index_by_half_keeps_recall() {
    let s = seed(14);
    let all = clustered(6000, DIMS, 40, s);
    let queries = queries(300, DIMS, 40, s);
    let prune = PruneParams { m_hub: 12, m: 5, ..Default::default() };
    let pq = PqParams { subspaces: 8, ..Default::default() };
    let tl = TwoLevelParams { ef: 60, rerank: 30, batch: 8, ..TwoLevelParams::default() };
    let fresh = PrunedIndex::build(&stored(&all, Metric::L2, 2), &prune, &pq, 2).unwrap();
    let (fresh_r, _) = pruned_recall(&fresh, &all, &queries, &tl);
    let first = &all[..4000 * DIMS];
    let mut grown = PrunedIndex::build(&stored(first, Metric::L2, 2), &prune, &pq, 2).unwrap();
    let new_ids: Vec<u64> = (4000..6000).collect();
    grown.add_batch(&new_ids, &all[4000 * DIMS..], 2).unwrap();
    let (grown_r, _) = pruned_recall(&grown, &all, &queries, &tl);
    println!("fresh {fresh_r:.4}, grown {grown_r:.4}");
    assert!(grown_r >= fresh_r - 0.01, "grown {grown_r} vs fresh {fresh_r} (seed {s})");
}
