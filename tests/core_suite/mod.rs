//! The core's behaviour checked inside WebAssembly (browser window and dedicated worker):
//! recall against brute force, filters, deletes, two-level search, save/load, bad bytes.
//! Same assertions as the native suite, smaller sizes.

use crate::common::{brute_force, clustered, queries, recall};
use nook::index::{IndexParams, PqParams, PruneParams, PrunedIndex, TwoLevelParams, VectorIndex};
use nook::{Error, Metric, TableVectors};

const DIMS: usize = 16;

pub fn stored_and_pruned_recall_filters_deletes_and_persistence() {
    let base = clustered(1500, DIMS, 15, 77);
    let qs = queries(40, DIMS, 15, 77);
    let mut idx = VectorIndex::new(IndexParams { m: 10, ef_construction: 80, ..IndexParams::new(Metric::Cosine, DIMS) }).unwrap();
    // threads = 2 must quietly run on one thread in wasm, not panic.
    idx.add_batch(&(0..1500).collect::<Vec<u64>>(), &base, 2).unwrap();
    let mut scratch = idx.scratch();
    let mut total = 0.0;
    for q in qs.chunks_exact(DIMS) {
        let got: Vec<u64> = idx.search(q, 10, 64, None, &mut scratch).unwrap().iter().map(|h| h.id).collect();
        total += recall(&got, &brute_force(&base, DIMS, Metric::Cosine, q, 10, |_| true));
    }
    assert!(total / 40.0 >= 0.95, "stored recall {} in wasm", total / 40.0);

    let keep = |id: u64| id % 9 == 1;
    for q in qs.chunks_exact(DIMS).take(5) {
        let hits = idx.search(q, 10, 32, Some(&keep), &mut scratch).unwrap();
        assert_eq!(hits.len(), 10);
        assert!(hits.iter().all(|h| keep(h.id)));
    }

    let pruned = PrunedIndex::build(&idx, &PruneParams { m_hub: 10, m: 4, ..Default::default() }, &PqParams { subspaces: 8, ..Default::default() }, 2).unwrap();
    let mut provider = TableVectors { vectors: &base, dims: DIMS };
    let tl = TwoLevelParams { ef: 64, rerank: 32, batch: 8, ..TwoLevelParams::default() };
    let mut total = 0.0;
    for q in qs.chunks_exact(DIMS) {
        let (hits, stats) = pruned.search(q, 10, &tl, None, &mut provider, &mut scratch).unwrap();
        assert!(stats.exact <= 32);
        let got: Vec<u64> = hits.iter().map(|h| h.id).collect();
        total += recall(&got, &brute_force(&base, DIMS, Metric::Cosine, q, 10, |_| true));
    }
    assert!(total / 40.0 >= 0.9, "pruned recall {} in wasm", total / 40.0);

    let bytes = pruned.save();
    let again = PrunedIndex::load(&bytes).unwrap();
    let q = &qs[..DIMS];
    assert_eq!(pruned.search(q, 10, &tl, None, &mut provider, &mut scratch).unwrap(), again.search(q, 10, &tl, None, &mut provider, &mut scratch).unwrap());
    let mut torn = bytes.clone();
    torn.truncate(bytes.len() / 2);
    assert!(PrunedIndex::load(&torn).is_err());
    assert_eq!(PrunedIndex::load(b"garbage").err(), Some(Error::NotAnIndex));

    idx.delete(3).unwrap();
    assert!(idx.search(&base[3 * DIMS..4 * DIMS], 10, 64, None, &mut scratch).unwrap().iter().all(|h| h.id != 3));
}

/// The fast scan's byte sums (in wasm, `i8x16.swizzle` sixteen codes at a time) stand for
/// the distance table's own sums within their bound, for a partial last block too; and a
/// flat index, whose scan runs on them, finds what a brute-force ranking finds.
pub fn fast_scan_sums_stay_within_their_bound() {
    use nook::quant::ProductQuantizer;
    use nook::quant::fastscan::{Blocks, ByteTable};
    let n = 1003;
    let base = clustered(n, DIMS, 12, 31);
    let qs = queries(20, DIMS, 12, 31);
    let params = PqParams { subspaces: 8, bits: 4, iterations: 6, sample: n, ..Default::default() };
    let pq = ProductQuantizer::train(&base, DIMS, Metric::Cosine, &params, 1).unwrap();
    let m = pq.code_len();
    let mut codes = vec![0u8; n * m];
    for (x, c) in base.chunks_exact(DIMS).zip(codes.chunks_exact_mut(m)) {
        pq.encode(x, c);
    }
    let blocks = Blocks::of(&codes, m);
    let mut sums = Vec::new();
    for q in qs.chunks_exact(DIMS) {
        let table = pq.table(q);
        let bytes = ByteTable::of(&table).unwrap();
        bytes.sums(&blocks, &mut sums);
        assert_eq!(sums.len(), n);
        for (i, code) in codes.chunks_exact(m).enumerate() {
            let d = table.denominator(code).unwrap();
            let own = (table.distance_over(code, d) - table.bias()) * d;
            assert!((bytes.sum_of(sums[i]) - own).abs() <= bytes.bound(), "code {i}: {} vs {own}", bytes.sum_of(sums[i]));
        }
    }

    let mut stored = VectorIndex::new(IndexParams::new(Metric::Cosine, DIMS)).unwrap();
    stored.add_batch(&(0..n as u64).collect::<Vec<u64>>(), &base, 1).unwrap();
    let flat = PrunedIndex::build_flat(&stored, &PruneParams::default(), &params, 1).unwrap();
    let mut provider = TableVectors { vectors: &base, dims: DIMS };
    let tl = TwoLevelParams { ef: 64, rerank: 48, batch: 48, ..TwoLevelParams::default() };
    let mut total = 0.0;
    for q in qs.chunks_exact(DIMS) {
        let (hits, stats) = flat.search(q, 10, &tl, None, &mut provider, &mut flat.scratch()).unwrap();
        assert_eq!(stats.visited, n);
        let got: Vec<u64> = hits.iter().map(|h| h.id).collect();
        total += recall(&got, &brute_force(&base, DIMS, Metric::Cosine, q, 10, |_| true));
    }
    assert!(total / 20.0 >= 0.9, "flat recall {} in wasm", total / 20.0);
}
