//! The graph-less ("flat") form of a [`PrunedIndex`]: PQ codes and ids only, searched by
//! scanning every code, then re-ranking the best with exact vectors like two-level search.
//!
//! Why: below a few hundred thousand documents a scan of 32-byte 4-bit codes (the fast
//! scan: [`crate::quant::fastscan`]) costs a few milliseconds in wasm — less than one
//! recomputed embedding — and ranks exactly by PQ distance,
//! while the pruned graph would cost ~20 bytes per document (as much as the codes it
//! leads to). The bytes are better spent on finer codes. When a collection grows past
//! its threshold, the pruned graph is built from the codes (SDC distances; no embedding is
//! recomputed: [`super::linking`]) and the index becomes a LEANN index.
//!
//! A flat index is codes and ids only (`Navigation::Scan`): node `i` is code `i` and id
//! `i`; it has no graph and no hubs until [`PrunedIndex::link_all`] or the last
//! [`PrunedIndex::link_some`] builds them.

use std::collections::BinaryHeap;
use std::sync::OnceLock;

use super::pruned::Navigation;
use super::{PrunedIndex, VectorIndex};
use crate::error::Result;
use crate::graph::{NONE, Near, PruneParams};
use crate::quant::fastscan::{Blocks, ByteTable};
use crate::quant::pq::AdcTable;
use crate::quant::{PqParams, ProductQuantizer};
use crate::rng::Rng;

impl PrunedIndex {
    /// A flat index from a stored-vector index: train PQ on its vectors and encode them
    /// (nodes keep their order). `prune` is kept for when the graph is built.
    pub fn build_flat(stored: &VectorIndex, prune: &PruneParams, pq: &PqParams, threads: usize) -> Result<Self> {
        if stored.ids.deleted_count() > 0 {
            let mut copy = VectorIndex::load(&stored.save())?;
            copy.compact();
            return Self::build_flat(&copy, prune, pq, threads);
        }
        prune.validate()?;
        let quantizer = ProductQuantizer::train(&stored.vectors, stored.params.dims, stored.params.metric, pq, threads)?;
        let m = quantizer.code_len();
        let n = stored.ids.nodes();
        let mut codes = vec![0u8; n * m];
        for (node, code) in codes.chunks_exact_mut(m).enumerate() {
            quantizer.encode(stored.vector(node as u32), code);
        }
        Ok(PrunedIndex {
            params: stored.params,
            prune: *prune,
            pq: quantizer,
            codes,
            ids: stored.ids.clone(),
            rng: Rng::new(stored.params.seed ^ 0x5EED),
            sdc: OnceLock::new(),
            navigation: Navigation::Scan(None),
            memo: Default::default(),
        })
    }

    /// How searches reach their candidates: scan (no graph yet) or graph.
    pub fn navigation(&self) -> &Navigation {
        &self.navigation
    }

    /// True while the index has no graph (searches scan all codes).
    pub fn is_flat(&self) -> bool {
        matches!(self.navigation, Navigation::Scan(_))
    }

    /// Scan every accepted node's code: the `keep` best by PQ distance (`approx`, to the
    /// prepared query), best first, and how many were scanned.
    pub(super) fn scan(&self, keep: usize, approx: &impl Fn(u32) -> f32, accept: &impl Fn(u32) -> bool) -> (Vec<Near>, usize) {
        let mut best: BinaryHeap<Near> = BinaryHeap::with_capacity(keep + 1);
        let mut visited = 0;
        for node in 0..self.ids.nodes() as u32 {
            if !accept(node) {
                continue;
            }
            visited += 1;
            let dist = approx(node);
            if best.len() < keep {
                best.push(Near { dist, id: node });
            } else if best.peek().is_some_and(|w| dist < w.dist) {
                best.pop();
                best.push(Near { dist, id: node });
            }
        }
        (best.into_sorted_vec(), visited)
    }

    /// What [`PrunedIndex::scan`] returns for `table`'s distances (cosine, 4-bit codes, each
    /// code's `denominators`), the same list bit for bit, by the fast scan: every code's
    /// byte sum bounds its distance ([`ByteTable::bound`]), and only codes whose lower bound
    /// is within the `keep`-th smallest upper bound are measured with the table, in node
    /// order, as the full scan measures them.
    pub(super) fn scan_bytes(
        &self,
        keep: usize,
        table: &AdcTable,
        bytes: &ByteTable,
        blocks: &Blocks,
        denominators: &[f32],
        accept: &impl Fn(u32) -> bool,
    ) -> (Vec<Near>, usize) {
        let exact = |n: u32| table.distance_over(self.code(n), denominators[n as usize]);
        let mut sums = Vec::new();
        bytes.sums(blocks, &mut sums);
        if sums.len() != self.ids.nodes() || keep == 0 {
            return self.scan(keep, &exact, accept);
        }
        let (bias, bound) = (table.bias(), bytes.bound());
        let range = |n: usize| {
            let d = denominators[n];
            let (estimate, error) = (bias + bytes.sum_of(sums[n]) / d, bound / d + 1e-6);
            (estimate - error, estimate + error)
        };
        // The keep-th smallest upper bound among the accepted codes: no code whose lower
        // bound is above it can be among the keep best.
        let (uppers, visited) = self.scan(keep, &|n: u32| range(n as usize).1, accept);
        let bar = if uppers.len() < keep { f32::INFINITY } else { uppers.last().map_or(f32::INFINITY, |w| w.dist) };
        let (found, _) = self.scan(keep, &exact, &|n: u32| range(n as usize).0 <= bar && accept(n));
        (found, visited)
    }

    /// Drop deleted nodes of a flat index (order kept).
    pub(super) fn compact_flat(&mut self) {
        self.memo.clear();
        if self.ids.deleted_count() == 0 {
            return;
        }
        let keep = self.ids.live_flags();
        let m = self.pq.code_len();
        let mut new_of = vec![NONE; keep.len()];
        let mut codes = Vec::with_capacity(self.ids.live() * m);
        let mut next = 0u32;
        for (old, &k) in keep.iter().enumerate() {
            if k {
                new_of[old] = next;
                next += 1;
                codes.extend_from_slice(self.code(old as u32));
            }
        }
        self.ids = self.ids.compacted(&new_of);
        self.codes = codes;
        // Renumbered: a graph in the making is dropped (the next build starts afresh).
        self.navigation = Navigation::Scan(None);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::TableVectors;
    use crate::distance::Metric;
    use crate::index::provider::ExactVectors;
    use crate::index::two_level::TwoLevelParams;
    use crate::index::{IndexParams, Stop};

    pub(in crate::index) const DIMS: usize = 16;

    pub(in crate::index) fn data(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        let mut v: Vec<f32> = (0..n * DIMS).map(|_| rng.next_f64() as f32 - 0.5).collect();
        for row in v.chunks_exact_mut(DIMS) {
            Metric::Cosine.prepare(row);
        }
        v
    }

    pub(in crate::index) fn flat(v: &[f32]) -> PrunedIndex {
        let n = v.len() / DIMS;
        let mut stored = VectorIndex::new(IndexParams::new(Metric::Cosine, DIMS)).unwrap();
        stored.add_batch(&(100..100 + n as u64).collect::<Vec<_>>(), v, 1).unwrap();
        PrunedIndex::build_flat(&stored, &PruneParams::default(), &PqParams { subspaces: 8, bits: 4, ..PqParams::default() }, 1).unwrap()
    }

    /// Brute-force top k labels by cosine distance.
    pub(in crate::index) fn truth(v: &[f32], q: &[f32], k: usize, keep: impl Fn(u64) -> bool) -> Vec<u64> {
        let mut s: Vec<(f32, u64)> =
            v.chunks_exact(DIMS).enumerate().map(|(i, x)| (Metric::Cosine.distance(q, x), 100 + i as u64)).filter(|x| keep(x.1)).collect();
        s.sort_by(|a, b| a.0.total_cmp(&b.0));
        s.iter().take(k).map(|x| x.1).collect()
    }

    /// TableVectors indexed by label - 100.
    pub(in crate::index) struct Offset<'a>(pub(in crate::index) TableVectors<'a>);
    impl ExactVectors for Offset<'_> {
        fn exact_vectors(&mut self, ids: &[u64], out: &mut Vec<f32>) -> Result<()> {
            let ids: Vec<u64> = ids.iter().map(|i| i - 100).collect();
            self.0.exact_vectors(&ids, out)
        }
    }

    /// A code's similarity from the distance table is the cosine to its decoded vector.
    #[test]
    fn code_similarities_are_the_decoded_vectors_cosines() {
        let v = data(400, 4);
        let idx = flat(&v);
        let q = &v[7 * DIMS..8 * DIMS];
        let ids: Vec<u64> = (100..160).collect();
        let sims = idx.code_similarities(q, &ids).unwrap();
        let mut x = Vec::new();
        for (&id, sim) in ids.iter().zip(&sims) {
            x.clear();
            assert!(idx.decode_into(id, &mut x));
            let want = crate::distance::dot(q, &x) / crate::distance::dot(&x, &x).sqrt();
            assert!((sim - want).abs() < 1e-5, "{id}: {sim} vs {want}");
        }
        assert_eq!(idx.code_similarities(q, &[100, 99_999]), None, "an unknown id");
    }

    #[test]
    fn scan_reranks_exactly_and_filters() {
        let v = data(800, 1);
        let idx = flat(&v);
        assert!(idx.is_flat() && idx.graph().is_none(), "a flat index has no graph");
        let mut exact = Offset(TableVectors { vectors: &v, dims: DIMS });
        let all = TwoLevelParams { rerank: 800, ..TwoLevelParams::default() };
        let q = &v[3 * DIMS..4 * DIMS];
        // Re-ranking every node is brute force.
        let (hits, stats) = idx.search(q, 10, &all, None, &mut exact, &mut idx.scratch()).unwrap();
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), truth(&v, q, 10, |_| true));
        assert_eq!((stats.visited, stats.exact), (800, 800));
        // A filter holds during the scan: k results whenever k nodes pass.
        let odd = |id: u64| id % 2 == 1;
        let (hits, stats) = idx.search(q, 10, &all, Some(&odd), &mut exact, &mut idx.scratch()).unwrap();
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), truth(&v, q, 10, odd));
        assert_eq!(stats.visited, 400);
        let rare = |id: u64| id % 100 == 7;
        assert_eq!(idx.search(q, 10, &all, Some(&rare), &mut exact, &mut idx.scratch()).unwrap().0.len(), 8);
    }

    /// A search asked again the same re-ranks the candidates the last unfiltered one found
    /// (same hits, same counts), a filtered one scans afresh, and any change to the index
    /// forgets them: a deleted document never comes back, an added one can.
    #[test]
    fn a_repeated_search_reuses_its_candidates_until_the_index_changes() {
        let v = data(700, 3);
        let mut idx = flat(&v[..600 * DIMS]);
        let mut exact = Offset(TableVectors { vectors: &v, dims: DIMS });
        let params = TwoLevelParams { rerank: 40, ..TwoLevelParams::default() };
        let q = v[650 * DIMS..651 * DIMS].to_vec();
        let memo = |idx: &PrunedIndex| idx.memo.held();
        let first = idx.search(&q, 10, &params, None, &mut exact, &mut idx.scratch()).unwrap();
        assert_eq!(memo(&idx), Some(40));
        assert_eq!(idx.search(&q, 10, &params, None, &mut exact, &mut idx.scratch()).unwrap(), first);
        let odd = |id: u64| id % 2 == 1;
        let (hits, stats) = idx.search(&q, 10, &params, Some(&odd), &mut exact, &mut idx.scratch()).unwrap();
        assert!(hits.iter().all(|h| odd(h.id)) && stats.visited == 300, "a filter scans");
        assert_eq!(idx.search(&q, 10, &params, None, &mut exact, &mut idx.scratch()).unwrap(), first, "the memo outlives a filtered search");
        let wider = TwoLevelParams { rerank: 60, ..params };
        assert_eq!(idx.search(&q, 10, &wider, None, &mut exact, &mut idx.scratch()).unwrap().1.visited, 600);
        assert_eq!(memo(&idx), Some(60), "other parameters: scanned again");
        let top = first.0[0].id;
        idx.delete(top).unwrap();
        assert_eq!(memo(&idx), None);
        let (hits, _) = idx.search(&q, 10, &params, None, &mut exact, &mut idx.scratch()).unwrap();
        assert!(hits.iter().all(|h| h.id != top), "a deleted document is not found again");
        // The query's own vector, added: it is its own nearest neighbour.
        idx.add_batch(&[750], &q, 1).unwrap();
        assert_eq!(memo(&idx), None);
        assert_eq!(idx.search(&q, 10, &params, None, &mut exact, &mut idx.scratch()).unwrap().0[0].id, 750);
        for change in [PrunedIndex::compact as fn(&mut PrunedIndex), |i: &mut PrunedIndex| i.link_all(1)] {
            idx.search(&q, 10, &params, None, &mut exact, &mut idx.scratch()).unwrap();
            assert!(memo(&idx).is_some());
            change(&mut idx);
            assert_eq!(memo(&idx), None);
        }
        // With the graph: a walk's candidates are reused the same way.
        let walked = idx.search(&q, 10, &params, None, &mut exact, &mut idx.scratch()).unwrap();
        assert!(!idx.is_flat() && memo(&idx).is_some());
        assert_eq!(idx.search(&q, 10, &params, None, &mut exact, &mut idx.scratch()).unwrap(), walked);
    }

    #[test]
    fn grows_deletes_persists_and_gets_its_graph() {
        let v = data(1200, 2);
        let mut idx = flat(&v[..900 * DIMS]);
        idx.add_batch(&(1000..1300).collect::<Vec<_>>(), &v[900 * DIMS..], 1).unwrap();
        assert_eq!(idx.len(), 1200);
        for id in [100, 150, 1000, 1299] {
            idx.delete(id).unwrap();
        }
        assert!(idx.delete(150).is_err(), "deleting twice is an error");
        // Block form: byte-identical re-encoding and identical results.
        let enc = |p: &PrunedIndex| {
            (0..p.blocks())
                .map(|b| {
                    let mut o = Vec::new();
                    p.encode_block(b, &mut o);
                    o
                })
                .collect::<Vec<_>>()
        };
        let blocks = enc(&idx);
        let refs: Vec<&[u8]> = blocks.iter().map(|b| b.as_slice()).collect();
        let back = PrunedIndex::from_blocks(&idx.head_bytes(), &idx.codebook_bytes(), &refs).unwrap();
        assert!(back.is_flat() && back.len() == 1196);
        assert_eq!(enc(&back), blocks);
        // About code bytes + 1 per node: no graph.
        let per_node = blocks.iter().map(Vec::len).sum::<usize>() as f64 / 1200.0;
        assert!(per_node < 4.0 + 1.3, "{per_node} bytes per node");
        // File form.
        let file = PrunedIndex::load(&idx.save()).unwrap();
        assert!(file.is_flat() && file.len() == 1196);
        // Damaged blocks are refused or at worst read as other valid data, never a panic.
        for cut in [0, 1, blocks[0].len() - 1] {
            let mut bad = refs.clone();
            bad[0] = &blocks[0][..cut];
            assert!(PrunedIndex::from_blocks(&idx.head_bytes(), &idx.codebook_bytes(), &bad).is_err());
        }
        for i in 0..blocks[1].len() {
            let mut b1 = blocks[1].clone();
            b1[i] ^= 0x81;
            let mut bad = refs.clone();
            bad[1] = &b1;
            let _ = PrunedIndex::from_blocks(&idx.head_bytes(), &idx.codebook_bytes(), &bad);
        }
        // Deleted documents never come back; then the graph is built from the codes.
        let params = TwoLevelParams { ef: 64, rerank: 40, batch: 16, ..TwoLevelParams::default() };
        let all = v.clone();
        let check = |p: &PrunedIndex| {
            let mut exact = Offset(TableVectors { vectors: &all, dims: DIMS });
            let mut exact_ok = true;
            for q in 0..30 {
                let hits = p.search(&all[q * DIMS..(q + 1) * DIMS], 10, &params, None, &mut exact, &mut p.scratch()).unwrap().0;
                exact_ok &= hits.len() == 10 && hits.iter().all(|h| ![100, 150].contains(&h.id));
            }
            exact_ok
        };
        assert!(check(&idx) && check(&back));
        let before = recall_labels(&idx, &all, &params);
        idx.link_all(1);
        assert!(!idx.is_flat() && idx.len() == 1196 && idx.ids.deleted_count() == 0);
        assert!(idx.graph().expect("linked").edges0() > 1196 * 4);
        assert!(check(&idx));
        let after = recall_labels(&idx, &all, &params);
        assert!(after > before - 0.1, "graph recall {after} vs flat {before}");
        let blocks = enc(&idx);
        let refs: Vec<&[u8]> = blocks.iter().map(|b| b.as_slice()).collect();
        let back = PrunedIndex::from_blocks(&idx.head_bytes(), &idx.codebook_bytes(), &refs).unwrap();
        assert!(!back.is_flat());
        assert_eq!(recall_labels(&back, &all, &params), after);
    }

    /// Recall@10 of the first 50 rows as queries; labels are row + 100 except rows from
    /// 900 on, which were added as 1000.. (row + 100 as well).
    pub(in crate::index) fn recall_labels(idx: &PrunedIndex, v: &[f32], params: &TwoLevelParams) -> f64 {
        let mut exact = Offset(TableVectors { vectors: v, dims: DIMS });
        let mut found = 0;
        for q in 0..50 {
            let query = &v[q * DIMS..(q + 1) * DIMS];
            let hits = idx.search(query, 10, params, None, &mut exact, &mut idx.scratch()).unwrap().0;
            let t = truth(v, query, 12, |id| idx.ids.node(id).is_some_and(|n| idx.ids.is_live(n)));
            found += hits.iter().filter(|h| t[..10].contains(&h.id)).count();
        }
        found as f64 / 500.0
    }

    #[test]
    fn the_bound_stops_early_and_extras_carry_estimates() {
        let v = data(1000, 4);
        let idx = flat(&v);
        let all = TwoLevelParams { ef: 64, rerank: 64, batch: 64, ..TwoLevelParams::default() };
        let bound = TwoLevelParams { stop: Stop::Bound { first: 16, step: 8, z: 2.0, z_fit: 2.0 }, ..all };
        let (mut fewer, mut same_top) = (0, 0);
        for q in 0..40 {
            let query = &v[q * DIMS..(q + 1) * DIMS];
            let mut exact = Offset(TableVectors { vectors: &v, dims: DIMS });
            let (a, sa) = idx.search(query, 10, &all, None, &mut exact, &mut idx.scratch()).unwrap();
            let (b, sb) = idx.search(query, 10, &bound, None, &mut exact, &mut idx.scratch()).unwrap();
            assert_eq!(sa.exact, 64);
            assert!((16..=64).contains(&sb.exact), "{} exact", sb.exact);
            assert!(b.iter().all(|h| h.exact) && b.len() == 10);
            fewer += usize::from(sb.exact < 64);
            same_top += b.iter().filter(|h| a.iter().any(|x| x.id == h.id)).count();
            // Extras: k exact hits first, then 20 more, estimated where not measured.
            let extra = TwoLevelParams { extra: 20, ..bound };
            let (c, sc) = idx.search(query, 10, &extra, None, &mut exact, &mut idx.scratch()).unwrap();
            assert_eq!(c.len(), 30);
            assert_eq!(sc.exact, sb.exact, "extras are not measured for their own sake");
            assert_eq!(c[..10].iter().map(|h| h.id).collect::<Vec<_>>(), b.iter().map(|h| h.id).collect::<Vec<_>>());
            let measured = c.iter().filter(|h| h.exact).count();
            assert!((10..=sb.exact).contains(&measured), "{measured} exact of {}", sb.exact);
            assert!(c[10..].windows(2).all(|w| w[0].distance <= w[1].distance));
        }
        assert!(fewer >= 20, "the bound stopped early in {fewer} of 40 queries");
        assert!(same_top >= 380, "{same_top} of 400 top-10 results agree with re-ranking all 64");
    }

    /// The scan (the fast scan, with what it keeps between queries and forgets at every
    /// change): its candidates are the codes' best by their distance, bit for bit, with and
    /// without a filter, for one candidate or more than pass it, after adds, deletes and a
    /// compaction that renumbers the nodes (as many as before).
    #[test]
    fn the_scan_ranks_by_the_codes_distances_across_changes() {
        let v = data(1400, 2);
        let mut idx = flat(&v[..1000 * DIMS]);
        let check = |idx: &PrunedIndex| {
            for q in 0..5 {
                let query = &v[(1300 + q) * DIMS..(1301 + q) * DIMS];
                let table = idx.pq.table(query);
                let live = |n: u32| idx.ids.is_live(n);
                let odd = |n: u32| idx.ids.is_live(n) && idx.ids.label(n) % 2 == 1;
                for (accept, keep) in [(&live as &dyn Fn(u32) -> bool, 40), (&odd, 40), (&live, 1), (&odd, 5000)] {
                    let accepted: Vec<u32> = (0..idx.ids.nodes() as u32).filter(|&n| accept(n)).collect();
                    let mut want: Vec<Near> = accepted.iter().map(|&n| Near { dist: table.distance(idx.code(n)), id: n }).collect();
                    want.sort();
                    want.truncate(keep);
                    for _ in 0..2 {
                        let (got, visited) = idx.candidates(query, keep, 64, &|n| accept(n), &mut idx.scratch());
                        assert_eq!(visited, accepted.len());
                        assert_eq!(
                            got.iter().map(|c| (c.id, c.dist.to_bits())).collect::<Vec<_>>(),
                            want.iter().map(|c| (c.id, c.dist.to_bits())).collect::<Vec<_>>()
                        );
                    }
                }
            }
        };
        check(&idx);
        for id in (100..1100).step_by(10) {
            idx.delete(id).unwrap();
        }
        check(&idx);
        idx.compact();
        idx.add_batch(&(1100..1200).collect::<Vec<_>>(), &v[1000 * DIMS..1100 * DIMS], 1).unwrap();
        assert_eq!(idx.ids.nodes(), 1000, "as many nodes as before the compaction");
        check(&idx);
        idx.add_batch(&(1200..1300).collect::<Vec<_>>(), &v[1100 * DIMS..1200 * DIMS], 1).unwrap();
        check(&idx);
    }

    /// A preview's provider: the exact vectors of the ids in `known` (a cache), the rest
    /// kept at their estimate (`decode`: handed the code's vector instead, as a provider
    /// that does not keep estimates would); the ids it was asked for.
    struct Partial<'a> {
        table: Offset<'a>,
        index: &'a PrunedIndex,
        known: std::collections::HashSet<u64>,
        decode: bool,
        asked: Vec<u64>,
    }
    impl ExactVectors for Partial<'_> {
        fn exact_vectors(&mut self, ids: &[u64], out: &mut Vec<f32>) -> Result<()> {
            self.asked.extend_from_slice(ids);
            for &id in ids {
                if self.known.contains(&id) {
                    self.table.exact_vectors(&[id], out)?;
                } else {
                    assert!(self.decode, "{id} is kept at its estimate: never asked for");
                    assert!(self.index.decode_into(id, out));
                }
            }
            Ok(())
        }
        fn keeps_estimate(&mut self, id: u64) -> bool {
            !self.decode && !self.known.contains(&id)
        }
    }

    /// Candidates kept at their estimate rank as their codes' vectors would, without being
    /// asked for; the others are measured as before.
    #[test]
    fn kept_estimates_rank_as_the_codes_vectors() {
        let v = data(1000, 6);
        let idx = flat(&v);
        let params = TwoLevelParams { ef: 64, rerank: 48, batch: 48, stop: Stop::Bound { first: 16, step: 8, z: 2.0, z_fit: 2.0 }, extra: 10 };
        for q in 0..30 {
            let query = &v[(300 + q) * DIMS..(301 + q) * DIMS];
            let known: std::collections::HashSet<u64> = (100..1100).filter(|id| id % 3 == q as u64 % 3).collect();
            let provider =
                |decode| Partial { table: Offset(TableVectors { vectors: &v, dims: DIMS }), index: &idx, known: known.clone(), decode, asked: Vec::new() };
            let (mut kept, mut decoded) = (provider(false), provider(true));
            let (a, sa) = idx.search(query, 10, &params, None, &mut kept, &mut idx.scratch()).unwrap();
            let (b, sb) = idx.search(query, 10, &params, None, &mut decoded, &mut idx.scratch()).unwrap();
            assert!(kept.asked.iter().all(|id| known.contains(id)), "only what it has is asked for");
            assert_eq!(kept.asked.len(), sa.exact);
            assert_eq!(kept.asked, decoded.asked.iter().copied().filter(|id| known.contains(id)).collect::<Vec<_>>());
            assert!(sa.exact < sb.exact || decoded.asked.iter().all(|id| known.contains(id)));
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.id, y.id, "query {q}");
                assert!((x.distance - y.distance).abs() < 1e-5, "{} vs {}", x.distance, y.distance);
                assert_eq!(x.exact, y.exact);
            }
        }
    }

    /// Offset's vectors, with a second estimate of each distance to `q`: the exact one
    /// off by a fixed pseudo-random amount up to `noise` (independent of the codes), or,
    /// `broken`, a value that is not finite.
    struct Second<'a> {
        table: Offset<'a>,
        q: Vec<f32>,
        noise: f32,
        broken: bool,
    }
    impl ExactVectors for Second<'_> {
        fn exact_vectors(&mut self, ids: &[u64], out: &mut Vec<f32>) -> Result<()> {
            self.table.exact_vectors(ids, out)
        }
        fn estimates(&mut self, ids: &[u64], out: &mut Vec<f32>) -> bool {
            let mut v = Vec::new();
            self.table.exact_vectors(ids, &mut v).unwrap();
            for (id, x) in ids.iter().zip(v.chunks_exact(DIMS)) {
                let jitter = (Rng::new(*id).next_f64() as f32 * 2.0 - 1.0) * self.noise;
                out.push(if self.broken { f32::NAN } else { Metric::Cosine.distance(&self.q, x) + jitter });
            }
            true
        }
    }

    /// With a second estimate the bound orders and stops by the fit of both: it finds the
    /// same top 10 among fewer candidates; an estimate it cannot use changes nothing.
    #[test]
    fn a_second_estimate_finds_the_top_among_fewer_candidates() {
        let v = data(1000, 4);
        let idx = flat(&v);
        let bound = TwoLevelParams { ef: 64, rerank: 64, batch: 64, stop: Stop::Bound { first: 16, step: 8, z: 2.0, z_fit: 2.0 }, extra: 0 };
        let (mut plain_cost, mut fitted_cost, mut plain_found, mut fitted_found) = (0, 0, 0, 0);
        for q in 0..40 {
            let query = v[(500 + q) * DIMS..(501 + q) * DIMS].to_vec();
            let t = truth(&v, &query, 10, |_| true);
            let table = || Offset(TableVectors { vectors: &v, dims: DIMS });
            let (a, sa) = idx.search(&query, 10, &bound, None, &mut table(), &mut idx.scratch()).unwrap();
            let mut second = Second { table: table(), q: query.clone(), noise: 0.05, broken: false };
            let (b, sb) = idx.search(&query, 10, &bound, None, &mut second, &mut idx.scratch()).unwrap();
            assert!(b.iter().all(|h| h.exact) && b.len() == 10 && sb.exact >= 16);
            plain_cost += sa.exact;
            fitted_cost += sb.exact;
            plain_found += a.iter().filter(|h| t.contains(&h.id)).count();
            fitted_found += b.iter().filter(|h| t.contains(&h.id)).count();
            let mut broken = Second { broken: true, ..second };
            assert_eq!(idx.search(&query, 10, &bound, None, &mut broken, &mut idx.scratch()).unwrap(), (a, sa), "an unusable estimate is ignored");
        }
        assert!(fitted_cost * 10 < plain_cost * 8, "{fitted_cost} exact vectors with the fit, {plain_cost} without");
        assert!(fitted_found >= plain_found, "{fitted_found} of 400 true top-10 results with the fit, {plain_found} without");
    }

    #[test]
    fn flat_recall_is_the_pq_ranking_ceiling() {
        let v = data(1000, 3);
        let idx = flat(&v);
        let r = recall_labels(&idx, &v, &TwoLevelParams { ef: 64, rerank: 64, batch: 16, ..TwoLevelParams::default() });
        assert!(r > 0.8, "recall {r}");
    }
}
