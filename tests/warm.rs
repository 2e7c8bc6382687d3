//! `Collection::warm`: the background warm-up of the cache of recomputed embeddings after
//! an open (the worker calls it in steps; see `collection/warm.rs`).

mod common;

use common::Counting;
use nook::collection::{Collection, Doc, Embed, HashEmbed, Precision, Precomputed, Settings, Warmed};

const DIMS: usize = 64;
const WORDS: [&str; 12] = ["graph", "vector", "pasta", "river", "mountain", "music", "python", "rust", "garden", "ocean", "planet", "engine"];

/// Documents of 5 tokens (HashEmbed's start token and four words), every `long`-th one of 13.
fn doc(i: usize, long: usize) -> Doc {
    let w = |j: usize| WORDS[j % 12];
    let mut text = format!("{} {} {} note{i}", w(i), w(i / 12), w(i * 7));
    if long > 0 && i.is_multiple_of(long) {
        text.push_str(" and a longer tail of eight more words here");
    }
    Doc { id: format!("doc-{i}"), title: String::new(), url: String::new(), text, meta: String::new(), tokens: vec![], kept: Vec::new() }
}

fn settings() -> Settings {
    Settings { prune_at: 300, keep_from_tokens: 10, ..Settings::default() }
}

/// A pruned collection of `n` documents, as an open finds it: loaded from its records, the
/// cache empty.
fn reopened(settings: Settings, n: usize, long: usize) -> Collection {
    let mut c = Collection::new(settings.clone(), DIMS).unwrap();
    let mut e = HashEmbed { dims: DIMS };
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        c.add(&mut e, chunk.iter().map(|&i| doc(i, long)).collect()).unwrap();
    }
    assert!(c.is_pruned());
    let c = Collection::load(settings, DIMS, &c.snapshot()).unwrap();
    assert_eq!(c.stats().cached_vectors, 0, "an open starts with an empty cache");
    c
}

/// Warm until the core says it is over; the steps' reports.
fn warm_all(c: &mut Collection, tokens: usize) -> Vec<Warmed> {
    let mut e = HashEmbed { dims: DIMS };
    let mut steps = Vec::new();
    loop {
        let w = c.warm(&mut e, tokens).unwrap();
        steps.push(w);
        if w.left == 0 {
            return steps;
        }
        assert!(steps.len() < 10_000, "the warm-up must end");
    }
}

#[test]
fn warming_fills_the_cache_in_small_steps_up_to_warm_up() {
    let mut c = reopened(Settings { warm_up: 200, ..settings() }, 600, 0);
    let steps = warm_all(&mut c, 12);
    // 5 tokens a document: a step stops once it has 12 tokens, so 3 documents.
    assert!(steps[..steps.len() - 1].iter().all(|w| w.embedded == 3), "{steps:?}");
    assert_eq!(steps.iter().map(|w| w.embedded).sum::<usize>(), 200);
    assert_eq!(c.stats().cached_vectors, 200);
    // The report of what is left never grows and never undercounts.
    let mut done = 0;
    for w in &steps {
        done += w.embedded;
        assert!(w.left >= 200 - done || w.left == 0, "{w:?} after {done}");
    }
    assert_eq!(c.warm(&mut HashEmbed { dims: DIMS }, 12).unwrap(), Warmed::default(), "over");
    // A step embeds at least one document whatever the budget.
    let mut c = reopened(Settings { warm_up: 5, ..settings() }, 600, 0);
    assert_eq!(c.warm(&mut HashEmbed { dims: DIMS }, 0).unwrap(), Warmed { embedded: 1, left: 4 });
}

#[test]
fn warm_up_is_bounded_by_three_quarters_of_the_cache_and_zero_turns_it_off() {
    let mut c = reopened(Settings { cache: 100, ..settings() }, 600, 0);
    warm_all(&mut c, 48);
    assert_eq!(c.stats().cached_vectors, 75);
    let mut c = reopened(Settings { warm_up: 0, ..settings() }, 600, 0);
    assert_eq!(c.warm(&mut HashEmbed { dims: DIMS }, 48).unwrap(), Warmed::default());
    assert_eq!(c.stats().cached_vectors, 0);
}

#[test]
fn a_warmed_search_finds_what_a_cold_one_does_and_recomputes_nothing() {
    let mut cold = reopened(settings(), 600, 0);
    let mut warmed = reopened(settings(), 600, 0);
    warm_all(&mut warmed, 48);
    assert_eq!(warmed.stats().cached_vectors, 600, "every document fits the default warm-up");
    let mut q_embed = HashEmbed { dims: DIMS };
    for query in ["river music", "ocean planet engine", "python rust note17", "garden pasta"] {
        let t = q_embed.tokenize(query).unwrap();
        let mut q = Vec::new();
        q_embed.embed_tokens(&[&t], &mut q).unwrap();
        for hybrid in [false, true] {
            // Cold for each search: the one before cached what this one would recompute.
            cold.clear_cache();
            let mut e = Counting::new(DIMS);
            let (a, ca) = cold.search_counted(&mut e, query, &q, 10, hybrid, None, Precision::Exact).unwrap();
            let mut e = Counting::new(DIMS);
            let (b, cb) = warmed.search_counted(&mut e, query, &q, 10, hybrid, None, Precision::Exact).unwrap();
            assert_eq!(a, b, "{query:?}: the same results, scores and all");
            assert!(ca.recomputed > 0, "{query:?}: cold recomputes ({ca:?})");
            assert_eq!((cb.recomputed, e.seqs), (0, 0), "{query:?}: warmed, nothing is recomputed ({cb:?})");
        }
    }
}

#[test]
fn kept_documents_are_not_warmed_and_the_stored_phase_has_nothing_to_warm() {
    // Every 4th document has 13 tokens: kept (keep_from_tokens 10), never recomputed.
    let mut c = reopened(settings(), 600, 4);
    assert_eq!(c.stats().kept_vectors, 150);
    warm_all(&mut c, 48);
    assert_eq!(c.stats().cached_vectors, 450);
    for i in (0..600).step_by(4) {
        assert!(!c.cached(c.key_of(&format!("doc-{i}")).unwrap()), "doc-{i} is kept");
    }
    let mut stored = Collection::new(settings(), DIMS).unwrap();
    stored.add(&mut HashEmbed { dims: DIMS }, (0..100).map(|i| doc(i, 0)).collect()).unwrap();
    assert!(!stored.is_pruned());
    assert_eq!(stored.warm(&mut HashEmbed { dims: DIMS }, 48).unwrap(), Warmed::default());
}

#[test]
fn the_order_is_the_same_after_every_open_and_clearing_the_cache_starts_it_over() {
    let mut a = reopened(settings(), 600, 0);
    let mut b = reopened(settings(), 600, 0);
    for _ in 0..5 {
        a.warm(&mut HashEmbed { dims: DIMS }, 12).unwrap();
        b.warm(&mut HashEmbed { dims: DIMS }, 12).unwrap();
    }
    let cached = |c: &Collection| (0..600).filter(|i| c.cached(c.key_of(&format!("doc-{i}")).unwrap())).collect::<Vec<_>>();
    let first = cached(&a);
    assert_eq!(first.len(), 15);
    assert_eq!(first, cached(&b));
    a.clear_cache();
    for _ in 0..5 {
        a.warm(&mut HashEmbed { dims: DIMS }, 12).unwrap();
    }
    assert_eq!(cached(&a), first, "a cleared cache is warmed again, in the same order");
}

#[test]
fn an_embedder_of_other_dimensions_is_refused() {
    let mut c = reopened(settings(), 600, 0);
    let e = c.warm(&mut HashEmbed { dims: 32 }, 48).expect_err("refused");
    assert!(e.message.contains("dimensions"), "{}", e.message);
    assert_eq!(c.stats().cached_vectors, 0);
}

#[test]
fn documents_nearest_the_collections_mean_direction_are_warmed_first() {
    // 480 documents about rivers and music, 120 of words no other document has: the mean
    // direction is the first group's, whose documents many queries re-rank.
    let docs = (0..600).map(|i| {
        let text = if i % 5 != 0 { format!("river music {} note{i}", WORDS[i % 12]) } else { format!("zq{i} xk{i} vv{i} pp{i}") };
        Doc { id: format!("doc-{i}"), title: String::new(), url: String::new(), text, meta: String::new(), tokens: vec![], kept: Vec::new() }
    });
    let mut c = Collection::new(settings(), DIMS).unwrap();
    c.add(&mut HashEmbed { dims: DIMS }, docs.collect()).unwrap();
    let mut c = Collection::load(settings(), DIMS, &c.snapshot()).unwrap();
    for _ in 0..40 {
        c.warm(&mut HashEmbed { dims: DIMS }, 12).unwrap();
    }
    let cached: Vec<usize> = (0..600).filter(|i| c.cached(c.key_of(&format!("doc-{i}")).unwrap())).collect();
    assert_eq!(cached.len(), 120);
    assert!(cached.iter().all(|i| i % 5 != 0), "only the common topic's documents come first: {cached:?}");
}

#[test]
fn warming_taken_and_embedded_elsewhere_caches_what_warming_in_place_does() {
    // A helper thread embeds what `warm_take` names; `warm_put` caches it through the
    // search's provider, the embedder serving the rest (a document changed meanwhile).
    let mut a = reopened(settings(), 600, 0);
    let mut b = reopened(settings(), 600, 0);
    let mut taken = 0;
    for step in 0..5 {
        a.warm(&mut HashEmbed { dims: DIMS }, 12).unwrap();
        let (keys, left) = b.warm_take(12);
        assert!(left > 0 && keys.len() == 3, "{keys:?} {left}");
        let seqs: Vec<Vec<u32>> = keys.iter().map(|&k| b.doc(k).unwrap().tokens.to_vec()).collect();
        let refs: Vec<&[u32]> = seqs.iter().map(Vec::as_slice).collect();
        let mut vectors = Vec::new();
        HashEmbed { dims: DIMS }.embed_tokens(&refs, &mut vectors).unwrap();
        // The last step's embeddings go unused: its first document is served by the embedder.
        let (refs, vectors) = if step == 4 { (&refs[1..], &vectors[DIMS..]) } else { (&refs[..], &vectors[..]) };
        let mut inner = Counting::new(DIMS);
        let mut helper = Precomputed::new(&mut inner, refs, vectors).unwrap();
        assert_eq!(b.warm_put(&mut helper, &keys).unwrap(), 3);
        assert_eq!(inner.recomputed.len(), usize::from(step == 4), "only what the helper did not embed");
        taken += keys.len();
    }
    let cached = |c: &Collection| (0..600).filter(|i| c.cached(c.key_of(&format!("doc-{i}")).unwrap())).collect::<Vec<_>>();
    assert_eq!(taken, 15);
    assert_eq!(cached(&a), cached(&b));
    // The same bits: both caches answer a search alike, recomputing the same.
    let mut answers = Vec::new();
    for c in [&mut a, &mut b] {
        let mut e = Counting::new(DIMS);
        let found = c.search(&mut e, "river music graph", 10, true, None).unwrap();
        answers.push((found.iter().map(|f| (f.key, f.score.to_bits())).collect::<Vec<_>>(), e.recomputed.len()));
    }
    assert_eq!(answers[0], answers[1]);

    // Taken, then deleted or cached by a search before the embeddings come back: skipped.
    let (keys, _) = b.warm_take(12);
    let gone = b.doc(keys[0]).unwrap().id.to_string();
    b.delete(&[gone]).unwrap();
    assert_eq!(b.warm_put(&mut HashEmbed { dims: DIMS }, &keys).unwrap(), 2);
    assert_eq!(b.warm_put(&mut HashEmbed { dims: DIMS }, &keys).unwrap(), 0, "cached already");

    // A batch taken while steps in place fill the warm-up's target: nothing past it is cached.
    let mut c = reopened(Settings { warm_up: 10, ..settings() }, 600, 0);
    let (keys, _) = c.warm_take(12);
    assert_eq!(keys.len(), 3);
    let steps = warm_all(&mut c, 12);
    assert_eq!(steps.iter().map(|w| w.embedded).sum::<usize>(), 10, "{steps:?}");
    assert_eq!(c.warm_put(&mut HashEmbed { dims: DIMS }, &keys).unwrap(), 0, "the target is reached: the batch is dropped");
    assert_eq!(c.stats().cached_vectors, 10);
    let (more, _) = c.warm_take(12);
    assert!(more.is_empty(), "over");
}

const ASKED: [&str; 3] = ["river music", "pasta garden python", "ocean planet note7"];

/// The queries' hits (id and score to 5 decimals), vector-only and hybrid, and how many
/// embeddings they recomputed.
fn asked(c: &mut Collection) -> (Vec<String>, usize) {
    let mut e = Counting::new(DIMS);
    let mut out = Vec::new();
    for q in ASKED {
        for hybrid in [false, true] {
            let found = c.search(&mut e, q, 10, hybrid, None).unwrap();
            out.push(found.iter().map(|f| format!("{}:{:.5}", c.doc(f.key).unwrap().id, f.score)).collect::<Vec<_>>().join(" "));
        }
    }
    (out, e.recomputed.len())
}

/// `c`'s records with the hints record it saves, as the next open reads them.
fn with_hints(c: &mut Collection) -> nook::store::Snapshot {
    let mut snap = c.snapshot();
    assert!(snap.meta.iter().all(|(k, _)| *k != nook::records::HINTS_KEY), "a snapshot (an export) carries no hints");
    let save = c.hints_to_save().expect("something to save");
    snap.meta.push((save.write.key, save.write.value.clone().expect("a record")));
    c.hints_saved(save);
    snap
}

#[test]
fn what_searches_needed_is_warmed_first_after_a_reopen() {
    let s = settings();
    let mut c = reopened(s.clone(), 900, 0);
    assert!(!c.hints_changed());
    let (want, cold) = asked(&mut c);
    assert!(cold > 20, "the first searches recompute: {cold}");
    assert!(c.hints_changed());
    let needed = c.stats().hinted;
    assert!(needed >= cold, "every document measured is noted, cached or not: {needed} of {cold} recomputed");
    // A save that never reached the store (a full quota) leaves them to save.
    let lost = c.hints_to_save().unwrap();
    drop(lost);
    assert!(c.hints_changed() && c.stats().hint_bytes == 0);
    let snap = with_hints(&mut c);
    assert!(!c.hints_changed(), "saved");
    assert!(c.stats().hint_bytes > 0);
    assert!(c.hints_to_save().is_none(), "nothing new to save");

    // The next open warms what those searches needed before anything else: a warm-up of
    // just that many leaves the same searches nothing to recompute.
    let budget = Settings { warm_up: needed, ..s.clone() };
    let mut hinted = Collection::load(budget.clone(), DIMS, &snap).unwrap();
    assert_eq!(hinted.stats().hinted, needed);
    assert!(hinted.stats().hint_bytes > 0);
    warm_all(&mut hinted, 48);
    assert_eq!(asked(&mut hinted), (want.clone(), 0), "warmed by the hints: the same results, nothing recomputed");

    // Without them the same warm-up goes by the mean direction and misses some; the results
    // are the same (hints order a warm-up, they change no result).
    let mut plain = Collection::load(budget, DIMS, &c.snapshot()).unwrap();
    warm_all(&mut plain, 48);
    let (got, recomputed) = asked(&mut plain);
    assert_eq!(got, want);
    assert!(recomputed > 0, "the mean-direction order alone does not cover these searches");
}

#[test]
fn remembering_can_be_turned_off_and_a_damaged_record_is_left_out() {
    let s = settings();
    let mut c = reopened(s.clone(), 600, 0);
    asked(&mut c);
    let snap = with_hints(&mut c);
    // Off: the record is not read, and the next save deletes it; nothing is noted.
    let mut off = Collection::load(Settings { hints: false, ..s.clone() }, DIMS, &snap).unwrap();
    assert_eq!(off.stats().hinted, 0);
    assert!(off.hints_changed(), "a stored record to delete");
    let del = off.hints_to_save().unwrap();
    assert_eq!((del.write.key, del.write.value.is_none()), (nook::records::HINTS_KEY, true));
    off.hints_saved(del);
    assert_eq!(off.stats().hint_bytes, 0);
    asked(&mut off);
    assert!(!off.hints_changed() && off.hints_to_save().is_none(), "nothing noted with hints off");
    assert_eq!(off.stats().hinted, 0);
    // Turned on while open: noted again from the next search.
    off.remember_searches(true);
    asked(&mut off);
    assert!(off.stats().hinted > 0 && off.hints_to_save().is_some_and(|s| s.write.value.is_some()));

    // Turned off while open: this session's tally forgotten, the stored record to delete.
    let mut live = Collection::load(s.clone(), DIMS, &snap).unwrap();
    asked(&mut live);
    assert!(live.stats().hinted > 0);
    live.remember_searches(false);
    assert_eq!(live.stats().hinted, 0);
    let del = live.hints_to_save().expect("the stored record to delete");
    assert!(del.write.value.is_none());
    live.hints_saved(del);
    asked(&mut live);
    assert!(!live.hints_changed() && live.stats().hinted == 0, "nothing noted while off");

    // A record that does not decode only orders a warm-up: the open goes on without it,
    // and the next save replaces it.
    let mut bad = snap.clone();
    let rec = bad.meta.iter_mut().find(|(k, _)| *k == nook::records::HINTS_KEY).unwrap();
    let at = rec.1.len() / 2;
    rec.1[at] ^= 0x40;
    let mut damaged = Collection::load(s.clone(), DIMS, &bad).unwrap();
    assert_eq!(damaged.stats().hinted, 0);
    asked(&mut damaged);
    assert!(damaged.hints_to_save().is_some_and(|s| s.write.value.is_some()));

    // A deleted document is no longer hinted.
    let mut back = Collection::load(s, DIMS, &snap).unwrap();
    let before = back.stats().hinted;
    let first = back.hints_ranked()[0];
    let id = back.doc(first).unwrap().id.to_string();
    back.delete(&[id]).unwrap();
    assert_eq!(back.stats().hinted, before - 1);
    assert!(!back.hints_ranked().contains(&first));
}

/// The mean cosine of `keys`' embeddings with the unit mean of `around`'s.
fn closeness(c: &Collection, keys: &[u64], around: &[u64]) -> f32 {
    let mut e = HashEmbed { dims: DIMS };
    let mut vectors = |ks: &[u64]| {
        let seqs: Vec<Vec<u32>> = ks.iter().map(|&k| c.doc(k).unwrap().tokens.to_vec()).collect();
        let refs: Vec<&[u32]> = seqs.iter().map(Vec::as_slice).collect();
        let mut out = Vec::new();
        e.embed_tokens(&refs, &mut out).unwrap();
        out
    };
    let mut centre = vec![0f32; DIMS];
    for v in vectors(around).chunks_exact(DIMS) {
        centre.iter_mut().zip(v).for_each(|(c, x)| *c += x);
    }
    let norm = centre.iter().map(|x| x * x).sum::<f32>().sqrt();
    let sims: Vec<f32> = vectors(keys).chunks_exact(DIMS).map(|v| v.iter().zip(&centre).map(|(a, b)| a * b).sum::<f32>() / norm).collect();
    sims.iter().sum::<f32>() / sims.len() as f32
}

#[test]
fn after_the_hinted_documents_their_neighbourhood_is_warmed() {
    let s = Settings { warm_up: 5000, ..settings() };
    let mut c = reopened(s.clone(), 900, 0);
    c.search(&mut Counting::new(DIMS), "pasta garden python", 10, false, None).unwrap();
    let hinted = c.hints_ranked();
    let snap = with_hints(&mut c);
    let mut back = Collection::load(s.clone(), DIMS, &snap).unwrap();
    let (first, _) = back.warm_take(5 * (hinted.len() + 100));
    assert_eq!(first[..hinted.len()], hinted[..], "the hinted documents first, in their order");
    let next: Vec<u64> = first[hinted.len()..].iter().copied().take(100).collect();
    assert_eq!(next.len(), 100);
    // Without hints the order starts from the collection's mean direction.
    let mut plain = Collection::load(s, DIMS, &c.snapshot()).unwrap();
    let (plain_first, _) = plain.warm_take(5 * (hinted.len() + 100));
    let plain_next: Vec<u64> = plain_first.iter().copied().filter(|k| !hinted.contains(k)).take(100).collect();
    let (near, far) = (closeness(&back, &next, &hinted), closeness(&back, &plain_next, &hinted));
    assert!(near > far + 0.02, "the documents after the hinted ones lie nearer them: {near} vs {far}");
}
