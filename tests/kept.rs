//! Long documents keep their embedding in their record (`collection::doc`): searches use
//! it instead of recomputing, the same cold or warm and after a reload; short documents
//! keep none; and a damaged kept embedding is refused when the records are read.

mod common;
mod formats_support;

use common::Counting;
use nook::collection::doc::{KEEP_FROM_TOKENS, kept_of, widen_kept_into};
use nook::collection::{Collection, Doc, Embed, HashEmbed, Precision, Settings, StoredDoc};
use nook::format::half::{f16_to_f32, f32_to_f16};
use nook::store::{MemoryStore, Snapshot, Table, Write};

const DIMS: usize = 64;
const WORDS: [&str; 12] = ["graph", "vector", "pasta", "river", "mountain", "music", "python", "rust", "garden", "ocean", "planet", "engine"];

/// Every 3rd document is long (150 words: HashEmbed makes a token per word, plus one).
fn doc(i: usize) -> Doc {
    let n = if i.is_multiple_of(3) { 150 } else { 6 };
    let text: Vec<String> = (0..n)
        .map(|j| format!("{}{}", WORDS[(i * 7 + j * (i % 5 + 1)) % 12], if j % 4 == 0 { format!(" w{}", (i + j) % 40) } else { String::new() }))
        .collect();
    Doc { id: format!("doc-{i}"), title: format!("Title {}", WORDS[(i * 5) % 12]), text: text.join(" "), ..Doc::default() }
}

fn build(n: usize) -> Collection {
    let mut c = Collection::new(Settings { prune_at: 256, ..Settings::default() }, DIMS).unwrap();
    let mut e = HashEmbed { dims: DIMS };
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        c.add(&mut e, chunk.iter().map(|&i| doc(i)).collect()).unwrap();
    }
    c
}

/// A store holding `snap`'s records, as an open would find them.
fn store_of(snap: &Snapshot) -> MemoryStore {
    let store = MemoryStore::new();
    let tables = [(Table::Meta, &snap.meta), (Table::Docs, &snap.docs), (Table::Blocks, &snap.blocks)];
    store.apply(&tables.iter().flat_map(|(t, rs)| rs.iter().map(|(k, v)| Write { table: *t, key: *k, value: Some(v.clone()) })).collect::<Vec<_>>());
    store
}

const QUERIES: [&str; 6] = ["river music", "pasta garden w3", "python rust engine", "ocean planet", "graph vector w17", "mountain"];

/// Every query's hits (id and score to 5 decimals), cold (cache cleared) unless `warm`.
fn results(c: &mut Collection, e: &mut Counting, warm: bool) -> Vec<String> {
    let mut out = Vec::new();
    for q in QUERIES {
        if !warm {
            c.clear_cache();
        }
        for hybrid in [false, true] {
            let found = c.search(e, q, 10, hybrid, None).unwrap();
            out.push(found.iter().map(|f| format!("{}:{:.5}", c.doc(f.key).unwrap().id, f.score)).collect::<Vec<_>>().join(" "));
        }
    }
    out
}

#[test]
fn long_documents_keep_their_embedding_and_are_never_recomputed() {
    let mut c = build(600);
    assert!(c.is_pruned());
    let s = c.stats();
    assert_eq!(s.kept_vectors, 200, "every 3rd of 600 documents is long");
    assert_eq!(s.kept_bytes, 200 * (4 + DIMS), "a scale and a byte a dimension");
    for key in 1..=600u64 {
        let d = c.doc(key).unwrap();
        assert_eq!(!d.kept.is_empty(), d.tokens.len() >= KEEP_FROM_TOKENS, "{}", d.id);
    }
    // The kept embedding is the one the embedder makes, each component within half of
    // int8's step (the largest magnitude / 127).
    let d = c.doc(1).unwrap();
    let mut exact = Vec::new();
    HashEmbed { dims: DIMS }.embed_tokens(&[d.tokens], &mut exact).unwrap();
    let mut back = Vec::new();
    assert!(widen_kept_into(d.kept, &mut back));
    let step = exact.iter().fold(0f32, |m, x| m.max(x.abs())) / 127.0;
    assert!(back.iter().zip(&exact).all(|(y, x)| (y - x).abs() <= step * 0.5001), "{back:?} vs {exact:?}");
    assert!(back.iter().zip(&exact).any(|(y, x)| y != x), "int8, not the f32 values");

    let mut e = Counting::new(DIMS);
    let cold = results(&mut c, &mut e, false);
    assert!(!e.recomputed.is_empty(), "short documents are still recomputed");
    assert!(e.recomputed.iter().all(|&n| n < KEEP_FROM_TOKENS), "a long document was recomputed: {:?}", e.recomputed);
    let warm = results(&mut c, &mut e, true);
    assert_eq!(cold, warm, "a search is the same cold or warm");
    // Long documents are found: several queries rank one first.
    assert!(cold.iter().filter(|r| r.split(' ').next().is_some_and(|h| h.split(':').next().unwrap()[4..].parse::<usize>().unwrap() % 3 == 0)).count() >= 2);

    // The records carry them: a reload searches the same.
    let mut again = Collection::load(Settings { prune_at: 256, ..Settings::default() }, DIMS, &c.snapshot()).unwrap();
    assert_eq!(again.stats().kept_vectors, 200);
    let mut e2 = Counting::new(DIMS);
    assert_eq!(results(&mut again, &mut e2, false), cold);
    assert!(e2.recomputed.iter().all(|&n| n < KEEP_FROM_TOKENS));

    // A preview ranks long documents by their kept embedding, not their code.
    c.clear_cache();
    let mut q = Vec::new();
    let t = e.tokenize("graph vector w17").unwrap();
    e.embed_tokens(&[&t], &mut q).unwrap();
    let (_, counts) = c.search_counted(&mut e, "graph vector w17", &q, 10, false, None, Precision::Preview).unwrap();
    assert!(counts.cache_hits > 0, "{counts:?}");
}

#[test]
fn an_update_keeps_the_new_embedding_and_a_short_update_drops_it() {
    let mut c = build(300);
    let mut e = HashEmbed { dims: DIMS };
    let key = c.key_of("doc-3").unwrap();
    let before = c.doc(key).unwrap().kept.to_vec();
    assert!(!before.is_empty());
    c.add(&mut e, vec![Doc { id: "doc-3".into(), text: doc(6).text, ..Doc::default() }]).unwrap();
    let key = c.key_of("doc-3").unwrap();
    let after = c.doc(key).unwrap().kept.to_vec();
    assert!(!after.is_empty() && after != before);
    c.add(&mut e, vec![Doc { id: "doc-3".into(), text: "short now".into(), ..Doc::default() }]).unwrap();
    assert!(c.doc(c.key_of("doc-3").unwrap()).unwrap().kept.is_empty());
    assert_eq!(c.stats().kept_vectors, 99, "100 long documents, one of them now short");
}

#[test]
fn kept_embeddings_round_trip_and_damage_is_refused() {
    let mut d = doc(0);
    d.tokens = vec![5; 130];
    let v: Vec<f32> = (0..DIMS).map(|i| (i as f32 - 20.0) / 100.0).collect();
    d.kept = kept_of(&v);
    let bytes = d.encode();
    assert_eq!(bytes[2], 4, "a record with a kept embedding is version 4");
    assert_eq!(bytes.len(), d.view().record_len());
    assert_eq!(Doc::decode(&bytes).unwrap(), d);
    let plain = Doc { kept: Vec::new(), ..d.clone() };
    assert_eq!(plain.encode()[2], 1, "without one, the record earlier nooks wrote");

    // Re-sealed after a change, so only the body's checks can refuse it.
    let reseal = |mut b: Vec<u8>| {
        let n = b.len() - 4;
        b.truncate(n);
        let crc = crc32fast::hash(&b);
        b.extend_from_slice(&crc.to_le_bytes());
        b
    };
    let err = |b: Vec<u8>| StoredDoc::decode(&b).unwrap_err().to_string();
    // A scale that is not finite, or negative.
    let scale_at = bytes.len() - 4 - DIMS - 4;
    for bad in [f32::INFINITY, f32::NAN, -0.5] {
        let mut b = bytes.clone();
        b[scale_at..scale_at + 4].copy_from_slice(&bad.to_le_bytes());
        assert!(err(reseal(b)).contains("not a finite non-negative number"), "{bad}");
    }
    // A length past the end.
    let mut long = bytes.clone();
    long.truncate(long.len() - 4 - 2);
    assert!(err(reseal([long, vec![0; 4]].concat())).contains("document record"));

    // Version 3, as earlier nooks wrote it (f16 values): read as the int8 embedding this
    // nook keeps of those values, and written back as version 4.
    let v3 = as_version3(&d);
    let read = Doc::decode(&v3).unwrap();
    let mut widened = Vec::new();
    widen_kept_into(&d.kept, &mut widened);
    let halves: Vec<f32> = widened.iter().map(|&x| f16_to_f32(f32_to_f16(x))).collect();
    assert_eq!(read.kept, kept_of(&halves));
    assert_eq!(read.encode()[2], 4);
    // An infinity among its values.
    let mut inf = v3.clone();
    let at = inf.len() - 4 - 2;
    inf[at..at + 2].copy_from_slice(&0x7c00u16.to_le_bytes());
    assert!(err(reseal(inf)).contains("not finite"));
    // A page's version under the document's magic.
    let mut page = bytes.clone();
    page[2] = 2;
    assert!(err(reseal(page)).contains("not a document record"));
    // A newer version is refused as such.
    let mut newer = bytes.clone();
    newer[2] = 5;
    assert!(err(reseal(newer)).contains("newer nook"));

    // A kept embedding of the wrong size is refused when the collection is read.
    let c = build(300);
    let mut snap = c.snapshot();
    let long_record = snap.docs.iter().position(|(_, b)| b[2] == 4).expect("long documents are stored alone");
    let mut wrong = Doc::decode(&snap.docs[long_record].1).unwrap();
    wrong.kept.truncate(4 + DIMS - 1);
    snap.docs[long_record].1 = wrong.encode();
    let e = Collection::load(Settings { prune_at: 256, ..Settings::default() }, DIMS, &snap).err().expect("refused");
    assert!(e.to_string().contains("63-d embedding in a 64-d collection"), "{e}");
}

#[test]
fn every_long_candidate_is_measured_for_nothing() {
    // Every 3rd document is long: search only among them (a filter), where the stop rule
    // alone would measure its first 16 and stop; the kept ones are all measured.
    let mut c = build(900);
    let mut e = Counting::new(DIMS);
    let mut hits = 0;
    for q in QUERIES {
        c.clear_cache();
        let mut qv = Vec::new();
        e.inner.embed_tokens(&[&e.inner.tokenize(q).unwrap()], &mut qv).unwrap();
        let long = |d: nook::collection::DocRef| d.tokens.len() >= KEEP_FROM_TOKENS;
        let (found, counts) = c.search_counted(&mut e, q, &qv, 10, false, Some(&long), Precision::Exact).unwrap();
        assert_eq!(counts.recomputed, 0, "{q}: {counts:?}");
        assert!(counts.exact > 16, "{q}: more than the first batch is measured: {counts:?}");
        // Brute force over the long documents' own embeddings.
        let mut all: Vec<(f32, String)> = (1..=900u64)
            .filter_map(|k| c.doc(k))
            .filter(|d| long(*d))
            .map(|d| {
                let mut v = Vec::new();
                HashEmbed { dims: DIMS }.embed_tokens(&[d.tokens], &mut v).unwrap();
                (v.iter().zip(&qv).map(|(a, b)| a * b).sum::<f32>(), d.id.to_string())
            })
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0));
        let truth: Vec<&str> = all.iter().take(10).map(|(_, id)| id.as_str()).collect();
        hits += found.iter().filter(|f| truth.contains(&c.doc(f.key).unwrap().id)).count();
    }
    assert!(hits >= QUERIES.len() * 9, "recall@10 {} of {}", hits, QUERIES.len() * 10);
}

#[test]
fn long_documents_written_without_their_embedding_get_it_a_few_at_a_time() {
    let settings = Settings { prune_at: 256, ..Settings::default() };
    let fresh = build(600);
    // The records an earlier nook wrote: the same documents, no kept embedding (version 1).
    let mut snap = fresh.snapshot();
    for (key, bytes) in &mut snap.docs {
        if *key < nook::collection::pages::PAGE_BASE {
            let mut d = Doc::decode(bytes).unwrap();
            d.kept.clear();
            *bytes = d.encode();
        }
    }
    let mut old = Collection::load(settings.clone(), DIMS, &snap).unwrap();
    assert_eq!(old.stats().kept_vectors, 0);
    let store = store_of(&snap);
    let mut e = Counting::new(DIMS);
    let mut steps = 0;
    loop {
        let (writes, left) = old.keep_long(&mut e.inner, 64).unwrap();
        if writes.is_empty() {
            assert_eq!(left, 0);
            break;
        }
        store.apply(&writes);
        steps += 1;
        assert_eq!(left, 200 - 64 * steps.min(3) - if steps > 3 { 8 } else { 0 });
    }
    assert_eq!(steps, 4, "200 long documents, 64 a step");
    // Written and read back: the collection a fresh build makes, searching the same.
    let mut back = Collection::load(settings, DIMS, &store.snapshot()).unwrap();
    assert_eq!(back.stats().kept_vectors, 200);
    let mut fresh = fresh;
    assert_eq!(results(&mut back, &mut e, false), results(&mut fresh, &mut e, false));
    assert!(e.recomputed.iter().all(|&n| n < KEEP_FROM_TOKENS));
}

#[test]
fn the_threshold_is_a_setting() {
    let mut e = HashEmbed { dims: DIMS };
    for (from, kept) in [(1, 30), (usize::MAX, 0), (KEEP_FROM_TOKENS, 10)] {
        let mut c = Collection::new(Settings { keep_from_tokens: from, ..Settings::default() }, DIMS).unwrap();
        c.add(&mut e, (0..30).map(doc).collect()).unwrap();
        assert_eq!(c.stats().kept_vectors, kept, "from {from}");
        assert_eq!(c.keep_long(&mut e, 64).unwrap().1, 0, "nothing left to keep at {from}");
    }
}

/// Not a check: writes the fuzz targets' seed of a collection with long documents
/// (record version 3) in the fixtures' shape (`fuzz/README.md`):
/// `cargo test --features embed --test kept -- --ignored`.
#[test]
#[ignore]
fn write_fuzz_seed() {
    let mut c = Collection::new(formats_support::settings(), formats_support::DIMS).unwrap();
    let mut e = HashEmbed { dims: formats_support::DIMS };
    for chunk in (0..400).collect::<Vec<_>>().chunks(100) {
        let docs = chunk
            .iter()
            .map(|&i| {
                let mut d = formats_support::doc(i);
                if i % 4 == 0 {
                    d.text = (0..140).map(|j| format!("river{} garden", (i + j) % 9)).collect::<Vec<_>>().join(" ");
                }
                d
            })
            .collect();
        c.add(&mut e, docs).unwrap();
    }
    assert_eq!(c.stats().kept_vectors, 100);
    let bytes = nook::collection::export::encode(&c.snapshot());
    for t in ["import", "records"] {
        let dir = format!("{}/fuzz/corpus/{t}", env!("CARGO_MANIFEST_DIR"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/long-flat"), &bytes[..bytes.len() - 4]).unwrap();
    }
}

/// A medium document: 63 three-letter words, 64 tokens (the threshold), whose record with
/// its kept embedding is still small enough for a page.
fn medium(i: usize) -> Doc {
    let text: Vec<&str> = (0..63).map(|j| &WORDS[(i * 5 + j * (i % 7 + 1)) % 12][..3]).collect();
    Doc { id: format!("m{i}"), text: text.join(" "), ..Doc::default() }
}

#[test]
fn medium_documents_keep_theirs_in_pages_and_get_it_late_there_too() {
    let settings = Settings { prune_at: 256, ..Settings::default() };
    let docs: Vec<Doc> = (0..300).map(medium).collect();
    let mut e = Counting::new(DIMS);
    let mut fresh = Collection::new(settings.clone(), DIMS).unwrap();
    fresh.add(&mut e.inner, docs.clone()).unwrap();
    assert_eq!(fresh.stats().kept_vectors, 300);
    let snap = fresh.snapshot();
    assert!(snap.docs.iter().all(|(k, _)| *k >= nook::collection::pages::PAGE_BASE), "every record is in a page");
    let want = results(&mut fresh, &mut e, false);
    assert!(e.recomputed.is_empty(), "nothing recomputed: {:?}", e.recomputed);
    let mut back = Collection::load(settings.clone(), DIMS, &snap).unwrap();
    assert_eq!(back.stats().kept_vectors, 300);
    assert_eq!(results(&mut back, &mut e, false), want, "the same after a reload");

    // Written by a nook that kept none at this length: kept a step at a time, in their pages.
    let mut none = Collection::new(Settings { keep_from_tokens: 65, ..settings.clone() }, DIMS).unwrap();
    none.add(&mut e.inner, docs).unwrap();
    let mut old = Collection::load(settings.clone(), DIMS, &none.snapshot()).unwrap();
    assert_eq!(old.stats().kept_vectors, 0);
    let store = store_of(&none.snapshot());
    while let (writes, _) = old.keep_long(&mut e.inner, 100).unwrap()
        && !writes.is_empty()
    {
        store.apply(&writes);
    }
    let after = store.snapshot();
    assert!(after.docs.iter().all(|(k, _)| *k >= nook::collection::pages::PAGE_BASE));
    let mut back = Collection::load(settings, DIMS, &after).unwrap();
    assert_eq!(back.stats().kept_vectors, 300);
    assert_eq!(results(&mut back, &mut e, false), want);
}

/// `d`'s record as an earlier nook wrote it: its kept embedding's values as f16 (version 3).
fn as_version3(d: &Doc) -> Vec<u8> {
    let mut v = Vec::new();
    assert!(widen_kept_into(&d.kept, &mut v));
    let mut b = Doc { kept: Vec::new(), ..d.clone() }.encode();
    b.truncate(b.len() - 4);
    b[2] = 3;
    b.push(v.len() as u8);
    v.iter().for_each(|&x| b.extend_from_slice(&f32_to_f16(x).to_le_bytes()));
    let crc = crc32fast::hash(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    b
}

#[test]
fn a_version_3_record_too_large_for_a_page_is_packed_once_it_is_int8() {
    // Medium documents an earlier nook kept as f16, each record alone (over 1 KB) where
    // this nook's int8 record fits a page (their urls padded to make it 1,000 bytes).
    let settings = Settings { prune_at: 256, ..Settings::default() };
    let mut fresh = Collection::new(settings.clone(), DIMS).unwrap();
    let mut e = Counting::new(DIMS);
    fresh.add(&mut e.inner, (0..300).map(medium).collect()).unwrap();
    let mut snap = fresh.snapshot();
    let mut alone = Vec::new();
    for (key, bytes) in &snap.docs {
        for (k, b) in nook::collection::pages::read(*key, bytes).unwrap().docs {
            let mut d = Doc::decode(b).unwrap();
            d.url = (0..1024).map(|n| "u".repeat(n)).find(|u| Doc { url: u.clone(), ..d.clone() }.view().record_len() == 1000).unwrap();
            let v3 = as_version3(&d);
            assert!(v3.len() > nook::collection::pages::PACK_MAX, "{}", v3.len());
            alone.push((k, v3));
        }
    }
    snap.docs = alone;
    let store = store_of(&snap);

    let mut old = Collection::load(settings.clone(), DIMS, &store.snapshot()).unwrap();
    assert_eq!((old.stats().kept_vectors, old.loose()), (300, 300), "kept, and loose: a page is where they go");
    // A change in their page, then the packing: every document stored once.
    let (writes, _) = old.add(&mut e.inner, vec![Doc { text: "river music".into(), ..medium(1) }]).unwrap();
    store.apply(&writes);
    while let writes = old.pack_loose(2)
        && !writes.is_empty()
    {
        store.apply(&writes);
    }
    let after = store.snapshot();
    assert!(after.docs.iter().all(|(k, _)| *k >= nook::collection::pages::PAGE_BASE), "all in pages now");
    let mut back = Collection::load(settings, DIMS, &after).unwrap();
    assert_eq!((back.len(), back.stats().kept_vectors), (300, 299));
    assert_eq!(old.stats().doc_bytes, back.stats().doc_bytes, "the stored bytes counted as they are, after the rewrites");
    assert_eq!(results(&mut back, &mut e, false), results(&mut old, &mut e, false));
}
