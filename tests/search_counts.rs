//! `Collection::search_counted`: what a search reports (the wasm layer turns these counts
//! and its timing of the embedder into the embedding / traversal / recomputation split).

mod common;

use common::Counting;
use nook::collection::{Collection, Doc, Embed, HashEmbed, Precision, SearchCounts, Settings};

const DIMS: usize = 64;

fn doc(i: usize) -> Doc {
    let words = ["graph", "vector", "pasta", "river", "mountain", "music", "python", "rust", "garden", "ocean", "planet", "engine"];
    let text = format!("{} {} {} note {i}", words[i % 12], words[(i / 12) % 12], words[(i * 7) % 12]);
    Doc {
        id: format!("doc-{i}"),
        title: format!("Title {}", words[(i * 5) % 12]),
        url: format!("https://example.org/{i}"),
        text,
        meta: String::new(),
        tokens: vec![],
        kept: Vec::new(),
    }
}

fn query(e: &mut HashEmbed, text: &str) -> Vec<f32> {
    let t = e.tokenize(text).unwrap();
    let mut q = Vec::new();
    e.embed_tokens(&[&t], &mut q).unwrap();
    q
}

fn build(settings: Settings, n: usize) -> Collection {
    let mut c = Collection::new(settings, DIMS).unwrap();
    let mut e = HashEmbed { dims: DIMS };
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        c.add(&mut e, chunk.iter().map(|&i| doc(i)).collect()).unwrap();
    }
    c
}

#[test]
fn empty_collection_reports_nothing() {
    let mut c = Collection::new(Settings::default(), DIMS).unwrap();
    let mut e = Counting::new(DIMS);
    let (found, counts) = c.search_counted(&mut e, "river", &[], 5, true, None, Precision::Exact).unwrap();
    assert!(found.is_empty());
    assert_eq!(counts, SearchCounts::default());
    assert_eq!(e.seqs, 0);
    assert!(c.search_counted(&mut e, "river", &[], 0, true, None, Precision::Exact).is_err());
}

#[test]
fn stored_phase_visits_nodes_and_recomputes_nothing() {
    let mut c = build(Settings { prune_at: 1000, ..Settings::default() }, 300);
    assert!(!c.is_pruned());
    let q = query(&mut HashEmbed { dims: DIMS }, "river music");
    let mut e = Counting::new(DIMS);
    let (found, counts) = c.search_counted(&mut e, "river music", &q, 10, true, None, Precision::Exact).unwrap();
    assert_eq!(found.len(), 10);
    assert!(counts.visited >= 10, "{counts:?}");
    assert_eq!((counts.exact, counts.recomputed, counts.cache_hits), (0, 0, 0));
    assert!(counts.keyword > 0);
    assert_eq!(e.seqs, 0, "stored vectors: the embedder is not called");
}

#[test]
fn pruned_phase_counts_cold_recomputations_and_cache_hits() {
    // No cache: every exact vector is recomputed, and each is one embedder sequence.
    let mut c = build(Settings { prune_at: 300, cache: 0, ..Settings::default() }, 400);
    assert!(c.is_pruned());
    let q = query(&mut HashEmbed { dims: DIMS }, "ocean planet");
    let mut e = Counting::new(DIMS);
    let (found, counts) = c.search_counted(&mut e, "ocean planet", &q, 10, false, None, Precision::Exact).unwrap();
    assert_eq!(found.len(), 10);
    assert!(counts.visited > counts.exact, "{counts:?}");
    assert!(counts.exact >= 10, "{counts:?}");
    assert_eq!(counts.recomputed, counts.exact);
    assert_eq!(counts.cache_hits, 0);
    assert_eq!(e.seqs, counts.recomputed, "every embedder call inside the search is a recomputation");

    // With a cache: the same query again recomputes nothing.
    let mut c = build(Settings { prune_at: 300, cache: 4096, ..Settings::default() }, 400);
    c.search_counted(&mut e, "ocean planet", &q, 10, true, None, Precision::Exact).unwrap();
    e.seqs = 0;
    let (_, again) = c.search_counted(&mut e, "ocean planet", &q, 10, true, None, Precision::Exact).unwrap();
    assert_eq!(again.recomputed, 0, "{again:?}");
    assert_eq!(again.cache_hits, again.exact);
    assert!(again.exact >= 10);
    assert_eq!(e.seqs, 0);
}

#[test]
fn preview_recomputes_its_best_few_and_exact_refines_it() {
    let mut c = build(Settings { prune_at: 300, cache: 4096, ..Settings::default() }, 400);
    c.clear_cache();
    let q = query(&mut HashEmbed { dims: DIMS }, "ocean planet");
    let mut e = Counting::new(DIMS);

    // Cold cache (as after a reopen): the preview's best 4 by its own ranking are
    // recomputed, in one embedder call; every other candidate is ranked by its PQ code.
    let (preview, counts) = c.search_counted(&mut e, "ocean planet", &q, 10, true, None, Precision::Preview).unwrap();
    assert_eq!(preview.len(), 10);
    assert_eq!(e.seqs, 4, "a cold preview recomputes its best 4");
    assert_eq!((counts.exact, counts.recomputed, counts.cache_hits), (4, 4, 0), "{counts:?}");
    assert!(counts.approximated >= 10, "{counts:?}");
    let measured = preview.iter().filter(|f| c.cached(f.key)).count();
    assert_eq!(measured, 4, "the 4 recomputed are among the results");

    // Without `preview_exact` a preview never calls the embedder.
    let mut plain = build(Settings { prune_at: 300, cache: 4096, preview_exact: 0, ..Settings::default() }, 400);
    plain.clear_cache();
    let mut e0 = Counting::new(DIMS);
    let (_, counts0) = plain.search_counted(&mut e0, "ocean planet", &q, 10, true, None, Precision::Preview).unwrap();
    assert_eq!((e0.seqs, counts0.recomputed), (0, 0), "{counts0:?}");

    // The exact search recomputes the rest (the preview's 4 are cached); its ranking shares
    // most of the preview's top 10.
    e.seqs = 0;
    let (exact, counts) = c.search_counted(&mut e, "ocean planet", &q, 10, true, None, Precision::Exact).unwrap();
    assert!(counts.recomputed >= 6 && counts.cache_hits >= 4, "{counts:?}");
    assert_eq!(counts.exact, counts.recomputed + counts.cache_hits);
    let (again, _) = plain.search_counted(&mut e0, "ocean planet", &q, 10, true, None, Precision::Exact).unwrap();
    assert_eq!(again, exact, "an exact search does not depend on what its preview recomputed");
    // Every result of an exact search carries its exact similarity (keyword-only
    // candidates outside the results may have been ranked by their PQ code).
    for f in &exact {
        let mut v = Vec::new();
        e.inner.embed_tokens(&[c.doc(f.key).unwrap().tokens], &mut v).unwrap();
        let cos = nook::distance::dot(&q, &v);
        assert!((f.similarity - cos).abs() < 1e-4, "result {} similarity {} vs exact {cos}", f.key, f.similarity);
    }
    let shared = exact.iter().filter(|f| preview.iter().any(|p| p.key == f.key)).count();
    assert!(shared >= 6, "preview and exact share {shared} of 10");

    // Warm cache: a preview now ranks by the cached exact embeddings = the exact result.
    e.seqs = 0;
    let (warm, counts) = c.search_counted(&mut e, "ocean planet", &q, 10, true, None, Precision::Preview).unwrap();
    assert_eq!(e.seqs, 0);
    // Only keyword-only candidates that ranked outside the results are still approximate.
    assert!(counts.cache_hits >= 10, "{counts:?}");
    assert_eq!(warm.iter().map(|f| f.key).collect::<Vec<_>>(), exact.iter().map(|f| f.key).collect::<Vec<_>>());
}

#[test]
fn preview_in_the_stored_phase_is_the_exact_search() {
    let mut c = build(Settings { prune_at: 1000, ..Settings::default() }, 300);
    let q = query(&mut HashEmbed { dims: DIMS }, "garden rust");
    let mut e = Counting::new(DIMS);
    let (a, _) = c.search_counted(&mut e, "garden rust", &q, 10, true, None, Precision::Preview).unwrap();
    let (b, _) = c.search_counted(&mut e, "garden rust", &q, 10, true, None, Precision::Exact).unwrap();
    assert_eq!(a, b);
    assert_eq!(e.seqs, 0);
}

#[test]
fn hybrid_results_do_not_depend_on_the_cache() {
    // A warm cache (after many searches) and a cold one (after a reopen) rank alike: every
    // candidate's similarity comes from a source the cache does not change.
    let mut c = build(Settings { prune_at: 300, cache: 4096, min_score: 0.0, min_score_unknown: 0.0, ..Settings::default() }, 400);
    let mut e = HashEmbed { dims: DIMS };
    let queries = ["ocean planet", "garden rust", "river music graph", "python"];
    let run = |c: &mut Collection, e: &mut HashEmbed| -> Vec<Vec<(u64, f32)>> {
        queries
            .iter()
            .map(|t| {
                let q = query(&mut HashEmbed { dims: DIMS }, t);
                c.search_with(e, t, &q, 10, true, None).unwrap().iter().map(|f| (f.key, f.score)).collect()
            })
            .collect()
    };
    let keys = |r: &[Vec<(u64, f32)>]| r.iter().map(|l| l.iter().map(|h| h.0).collect::<Vec<_>>()).collect::<Vec<_>>();
    let warm_up = run(&mut c, &mut e);
    let warm = run(&mut c, &mut e);
    c.clear_cache();
    let cold = run(&mut c, &mut e);
    assert_eq!(keys(&warm), keys(&cold));
    assert_eq!(keys(&warm_up), keys(&warm));
    // Scores agree to rounding (an embedding recomputed alone vs in the indexing batch).
    for (a, b) in warm.iter().flatten().zip(cold.iter().flatten()) {
        assert!((a.1 - b.1).abs() < 1e-5, "{a:?} vs {b:?}");
    }
}

#[test]
fn a_warm_pass_over_more_than_4096_candidates_recomputes_nothing() {
    // The default cache (16,384 f16 embeddings) holds every candidate of a long session;
    // 4,096 (the default before) did not, and a repeated pass then recomputed them all.
    let mut c = build(Settings { prune_at: 1000, ..Settings::default() }, 6000);
    assert!(c.is_pruned());
    c.clear_cache();
    let queries: Vec<String> = (0..6000).step_by(7).map(|i| format!("{} {i}", doc(i).text)).collect();
    let mut e = Counting::new(DIMS);
    let mut pass = |c: &mut Collection| -> (usize, usize) {
        let (mut recomputed, mut hits) = (0, 0);
        for t in &queries {
            let q = query(&mut HashEmbed { dims: DIMS }, t);
            let (_, counts) = c.search_counted(&mut e, t, &q, 10, false, None, Precision::Exact).unwrap();
            recomputed += counts.recomputed;
            hits += counts.cache_hits;
        }
        (recomputed, hits)
    };
    let (cold, _) = pass(&mut c);
    assert!(cold > 4096, "the cold pass recomputes more than 4,096 embeddings ({cold})");
    let (warm, hits) = pass(&mut c);
    assert_eq!(warm, 0, "the warm pass is served from the cache");
    assert!(hits > 4096);
}

#[test]
fn documents_of_the_same_text_are_recomputed_once() {
    // Six documents filed with one text (as many packages share one description): a cold
    // search that measures them embeds that text once, and ranks all six alike.
    let mut c = build(Settings { prune_at: 300, ..Settings::default() }, 400);
    let same = |i: usize| Doc { id: format!("dup-{i}"), title: "Transitional package".into(), text: "harbour lantern quilt".into(), ..Doc::default() };
    c.add(&mut HashEmbed { dims: DIMS }, (0..6).map(same).collect()).unwrap();
    c.clear_cache();
    let text = "transitional package harbour lantern quilt";
    let q = query(&mut HashEmbed { dims: DIMS }, text);
    let mut e = Counting::new(DIMS);
    let (found, counts) = c.search_counted(&mut e, text, &q, 10, false, None, Precision::Exact).unwrap();
    let dups: Vec<f32> = found.iter().filter(|f| c.doc(f.key).unwrap().id.starts_with("dup-")).map(|f| f.score).collect();
    assert_eq!(dups.len(), 6, "the six are the best matches");
    assert!(dups.iter().all(|&s| s == dups[0]), "{dups:?}");
    assert_eq!(e.seqs, counts.recomputed, "each embedded sequence is counted once");
    assert_eq!(counts.recomputed + counts.cache_hits, counts.exact);
    assert!(counts.cache_hits >= 5, "five of the six were served by the sixth's embedding: {counts:?}");
}
