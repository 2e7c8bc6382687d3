//! Filters, deletes, compaction, persistence round trips and bad input, on both indexes.

mod common;

use common::{brute_force, clustered, queries, recall, seed};
use nook::index::{IndexParams, PqParams, PruneParams, PrunedIndex, TwoLevelParams, VectorIndex};
use nook::{Error, Metric, TableVectors};

const DIMS: usize = 24;

fn build(n: usize, s: u64) -> (Vec<f32>, VectorIndex) {
    let base = clustered(n, DIMS, 20, s);
    let mut idx = VectorIndex::new(IndexParams { m: 10, ef_construction: 80, ..IndexParams::new(Metric::L2, DIMS) }).unwrap();
    let ids: Vec<u64> = (0..n as u64).collect();
    idx.add_batch(&ids, &base, 2).unwrap();
    (base, idx)
}

fn pruned_of(idx: &VectorIndex) -> PrunedIndex {
    PrunedIndex::build(idx, &PruneParams { m_hub: 10, m: 4, ..Default::default() }, &PqParams { subspaces: 6, ..Default::default() }, 2).unwrap()
}

#[test]
fn filter_applies_during_traversal_and_still_returns_k() {
    let s = seed(21);
    let (base, idx) = build(3000, s);
    let pruned = pruned_of(&idx);
    let mut scratch = idx.scratch();
    let mut provider = TableVectors { vectors: &base, dims: DIMS };
    let tl = TwoLevelParams { ef: 64, rerank: 32, batch: 8, ..TwoLevelParams::default() };
    for modulus in [2u64, 7, 50, 600] {
        let keep = move |id: u64| id % modulus == 3 % modulus;
        let matching = (0..3000u64).filter(|&i| keep(i)).count();
        let mut total = 0.0;
        for q in queries(30, DIMS, 20, s).chunks_exact(DIMS) {
            let truth = brute_force(&base, DIMS, Metric::L2, q, 10, |i| keep(i as u64));
            let hits = idx.search(q, 10, 64, Some(&keep), &mut scratch).unwrap();
            assert_eq!(hits.len(), 10.min(matching), "filter 1/{modulus}: k results when k match");
            assert!(hits.iter().all(|h| keep(h.id)), "a result fails the filter");
            total += recall(&hits.iter().map(|h| h.id).collect::<Vec<_>>(), &truth);
            let (phits, _) = pruned.search(q, 10, &tl, Some(&keep), &mut provider, &mut scratch).unwrap();
            assert_eq!(phits.len(), 10.min(matching));
            assert!(phits.iter().all(|h| keep(h.id)));
        }
        println!("filter 1/{modulus}: recall@10 {:.3}", total / 30.0);
        assert!(total / 30.0 >= 0.9, "filtered recall too low for 1/{modulus}");
    }
}

#[test]
fn deleted_ids_never_come_back_and_compaction_keeps_recall() {
    let s = seed(22);
    let (base, mut idx) = build(2000, s);
    let mut pruned = pruned_of(&idx);
    let gone = |id: u64| id.is_multiple_of(5);
    for id in (0..2000u64).filter(|&i| gone(i)) {
        idx.delete(id).unwrap();
        pruned.delete(id).unwrap();
    }
    assert_eq!(idx.delete(0), Err(Error::UnknownId(0)));
    assert_eq!(pruned.delete(5), Err(Error::UnknownId(5)));
    assert_eq!(idx.len(), 1600);
    let qs = queries(40, DIMS, 20, s);
    let mut provider = TableVectors { vectors: &base, dims: DIMS };
    let tl = TwoLevelParams { ef: 64, rerank: 32, batch: 8, ..TwoLevelParams::default() };
    for round in 0..2 {
        let mut scratch = idx.scratch();
        let mut total = 0.0;
        for q in qs.chunks_exact(DIMS) {
            let hits = idx.search(q, 10, 64, None, &mut scratch).unwrap();
            assert!(hits.iter().all(|h| !gone(h.id)), "deleted id returned");
            let (phits, _) = pruned.search(q, 10, &tl, None, &mut provider, &mut scratch).unwrap();
            assert!(phits.iter().all(|h| !gone(h.id)), "deleted id returned by pruned index");
            let truth = brute_force(&base, DIMS, Metric::L2, q, 10, |i| !gone(i as u64));
            total += recall(&hits.iter().map(|h| h.id).collect::<Vec<_>>(), &truth);
        }
        println!("round {round}: recall@10 after deletes {:.3}", total / 40.0);
        assert!(total / 40.0 >= 0.93);
        idx.compact();
        pruned.compact();
        assert_eq!(idx.ids().nodes(), 1600);
        assert_eq!(pruned.ids().nodes(), 1600);
    }
}

#[test]
fn save_load_round_trip_gives_identical_results() {
    let s = seed(23);
    let (base, mut idx) = build(1500, s);
    idx.delete(7).unwrap();
    let pruned = pruned_of(&idx);
    let idx2 = VectorIndex::load(&idx.save()).unwrap();
    let pruned2 = PrunedIndex::load(&pruned.save()).unwrap();
    assert_eq!(idx2.save(), idx.save());
    assert_eq!(pruned2.save(), pruned.save());
    let mut scratch = idx.scratch();
    let mut provider = TableVectors { vectors: &base, dims: DIMS };
    let tl = TwoLevelParams::default();
    for q in queries(20, DIMS, 20, s).chunks_exact(DIMS) {
        assert_eq!(idx.search(q, 10, 50, None, &mut scratch).unwrap(), idx2.search(q, 10, 50, None, &mut scratch).unwrap());
        assert_eq!(
            pruned.search(q, 10, &tl, None, &mut provider, &mut scratch).unwrap(),
            pruned2.search(q, 10, &tl, None, &mut provider, &mut scratch).unwrap()
        );
    }
}

#[test]
fn bad_vectors_and_ids_are_refused_without_changes() {
    let (_, mut idx) = build(200, 5);
    let before = idx.save();
    let v = vec![0.5f32; DIMS];
    assert_eq!(idx.add(1, &v), Err(Error::DuplicateId(1)));
    assert_eq!(idx.add_batch(&[900, 900], &[v.clone(), v.clone()].concat(), 1), Err(Error::DuplicateId(900)));
    assert_eq!(idx.add(901, &v[1..]), Err(Error::DimensionMismatch { expected: DIMS, got: DIMS - 1 }));
    let mut nan = v.clone();
    nan[3] = f32::NAN;
    assert_eq!(idx.add(902, &nan), Err(Error::NonFiniteValue(3)));
    assert_eq!(idx.save(), before, "a refused add must not change the index");
    let mut scratch = idx.scratch();
    assert!(matches!(idx.search(&v, 0, 10, None, &mut scratch), Err(Error::InvalidParameter(_))));
    assert!(matches!(idx.search(&v[..3], 5, 10, None, &mut scratch), Err(Error::DimensionMismatch { .. })));
    assert_eq!(idx.search(&v, 1000, 10, None, &mut scratch).unwrap().len(), 200, "k above count returns all");
    let empty = VectorIndex::new(IndexParams::new(Metric::Cosine, 4)).unwrap();
    assert!(empty.search(&[1.0, 0.0, 0.0, 0.0], 3, 10, None, &mut empty.scratch()).unwrap().is_empty());
    assert!(VectorIndex::new(IndexParams { m: 1, ..IndexParams::new(Metric::L2, 4) }).is_err());
    assert!(VectorIndex::new(IndexParams::new(Metric::L2, 0)).is_err());
}

#[test]
fn provider_failures_surface_as_errors() {
    struct Broken;
    impl nook::ExactVectors for Broken {
        fn exact_vectors(&mut self, ids: &[u64], out: &mut Vec<f32>) -> nook::Result<()> {
            out.extend(std::iter::repeat_n(1.0, ids.len())); // wrong length
            Ok(())
        }
    }
    let (_, idx) = build(300, 6);
    let pruned = pruned_of(&idx);
    let q = vec![0.1f32; DIMS];
    let r = pruned.search(&q, 5, &TwoLevelParams::default(), None, &mut Broken, &mut pruned.scratch());
    assert!(matches!(r, Err(Error::Provider(_))), "{r:?}");
    let short = TableVectors { vectors: &[0.0; DIMS], dims: DIMS };
    let mut short = short;
    let r = pruned.search(&q, 5, &TwoLevelParams::default(), None, &mut short, &mut pruned.scratch());
    assert!(matches!(r, Err(Error::UnknownId(_))), "{r:?}");
}

#[test]
fn k_results_whenever_k_documents_match_even_if_unreachable() {
    // Repeat builds on 2 threads: whatever the graph looks like, asking for more than
    // there are returns every live document, and a filter matching 3 returns those 3.
    for s in 0..8u64 {
        let (base, mut idx) = build(200, 100 + s);
        let mut scratch = idx.scratch();
        assert_eq!(idx.search(&base[..DIMS], 1000, 10, None, &mut scratch).unwrap().len(), 200);
        let three = |id: u64| id == 5 || id == 77 || id == 199;
        let hits = idx.search(&base[..DIMS], 10, 10, Some(&three), &mut scratch).unwrap();
        assert_eq!(hits.len(), 3);
        idx.delete(77).unwrap();
        assert_eq!(idx.search(&base[..DIMS], 10, 10, Some(&three), &mut scratch).unwrap().len(), 2);
        assert_eq!(idx.search(&base[..DIMS], 1000, 10, None, &mut scratch).unwrap().len(), 199);
    }
}
