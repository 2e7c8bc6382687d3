//! Shared by tests/wasm_window.rs and tests/wasm_worker.rs: the store conformance suite on
//! IndexedDB, and a collection persisted in IndexedDB across "reloads" (reopen).

use nook::collection::{Collection, Doc, HashEmbed, Settings};
use nook::store::idb::IdbStore;
use nook::store::{Kind, Store, Table, Write};

#[path = "../store_conformance/mod.rs"]
mod conformance;

const DIMS: usize = 48;

fn doc(i: usize) -> Doc {
    let w = ["graph", "vector", "pasta", "river", "mountain", "music", "python", "rust", "garden", "ocean"];
    Doc {
        id: format!("d{i}"),
        title: format!("T {}", w[(i * 3) % 10]),
        url: format!("https://ex.org/{i}"),
        text: format!("{} {} {} {i}", w[i % 10], w[(i / 10) % 10], w[(i * 7) % 10]),
        meta: String::new(),
        tokens: vec![],
        kept: Vec::new(),
    }
}

pub async fn idb_conforms(db: &str) {
    IdbStore::delete_database(db).await.unwrap();
    let store = IdbStore::open(db).await.unwrap();
    conformance::run(&store).await;
    store.close();
    IdbStore::delete_database(db).await.unwrap();
}

fn ids(c: &mut Collection, q: &str) -> Vec<String> {
    c.search(&mut HashEmbed { dims: DIMS }, q, 10, true, None).unwrap().iter().map(|f| c.doc(f.key).unwrap().id.to_string()).collect()
}

pub async fn collection_survives_reopen(db: &str) {
    // 48-d test vectors: the default PQ (64 subspaces, for 384-d MiniLM) does not fit them.
    let settings = Settings { prune_at: 300, pq: nook::index::PqParams { subspaces: 16, ..Settings::default().pq }, ..Settings::default() };
    IdbStore::delete_database(db).await.unwrap();
    let store = IdbStore::open(db).await.unwrap();
    let mut c = Collection::load(settings.clone(), DIMS, &store.load().await.unwrap()).unwrap();
    for start in (0..400).step_by(100) {
        let (w, _) = c.add(&mut HashEmbed { dims: DIMS }, (start..start + 100).map(doc).collect()).unwrap();
        store.commit(&w).await.unwrap();
    }
    assert!(c.is_pruned());
    let qs = ["graph river", "pasta music", "https://ex.org/77", "ocean"];
    let before: Vec<_> = qs.iter().map(|q| ids(&mut c, q)).collect();
    store.close();

    let store = IdbStore::open(db).await.unwrap();
    let mut back = Collection::load(settings.clone(), DIMS, &store.load().await.unwrap()).unwrap();
    let after: Vec<_> = qs.iter().map(|q| ids(&mut back, q)).collect();
    assert_eq!(before, after, "same results after reopening");
    assert!(after[2].iter().any(|id| id == "d77"), "the URL query finds its document: {:?}", after[2]);

    // Read as an open reads: the documents in key ranges cut where the manifest says, part
    // by part into a `Loading`; the same records, the same collection.
    let whole = store.load().await.unwrap();
    let mut pending = store.begin_load(Box::new(|m| nook::collection::doc_splits(m, 6, 1))).unwrap();
    pending.issued().await.unwrap();
    let (meta, blocks) = pending.head().await.unwrap();
    assert_eq!((&meta, &blocks), (&whole.meta, &whole.blocks));
    let mut loading = nook::collection::Loading::begin(settings.clone(), DIMS, &meta, &blocks).unwrap();
    let (mut parts, mut keys) = (0, Vec::new());
    while let Some(part) = pending.next_docs().await.unwrap() {
        parts += 1;
        keys.extend(part.iter().map(|(k, _)| *k));
        loading.docs(&part).unwrap();
    }
    assert_eq!(parts, 10, "six key ranges of documents stored alone (none here), four of pages");
    assert_eq!(keys, whole.docs.iter().map(|(k, _)| *k).collect::<Vec<_>>(), "every document once, in key order");
    let mut parted = loading.finish().unwrap();
    assert_eq!(qs.iter().map(|q| ids(&mut parted, q)).collect::<Vec<_>>(), after);

    // A damaged record is refused with NookCorruptError, never a panic.
    let snap = store.load().await.unwrap();
    let (key, mut rec) = snap.blocks[0].clone();
    rec[3] ^= 0xFF;
    store.commit(&[Write { table: Table::Blocks, key, value: Some(rec) }]).await.unwrap();
    let e = Collection::load(settings, DIMS, &store.load().await.unwrap()).err().expect("damage detected");
    assert_eq!(e.kind, Kind::Corrupt);
    store.close();
    IdbStore::delete_database(db).await.unwrap();
}

/// Long documents keep their embedding in their IndexedDB records: after a reopen they
/// are still kept (stats), a cold search recomputes none of them, and it gives the results
/// it gave before.
pub async fn long_documents_keep_their_embedding_through_indexeddb(db: &str) {
    let settings = Settings { prune_at: 300, pq: nook::index::PqParams { subspaces: 16, ..Settings::default().pq }, min_score: 0.0, ..Settings::default() };
    let long = |i: usize| {
        let mut d = doc(i);
        if i.is_multiple_of(4) {
            d.text = (0..150).map(|j| format!("{} w{}", ["graph", "river", "pasta", "ocean"][(i + j) % 4], (i * 3 + j) % 50)).collect::<Vec<_>>().join(" ");
        }
        d
    };
    IdbStore::delete_database(db).await.unwrap();
    let store = IdbStore::open(db).await.unwrap();
    let mut c = Collection::load(settings.clone(), DIMS, &store.load().await.unwrap()).unwrap();
    let (w, _) = c.add(&mut HashEmbed { dims: DIMS }, (0..400).map(long).collect()).unwrap();
    store.commit(&w).await.unwrap();
    assert!(c.is_pruned());
    assert_eq!(c.stats().kept_vectors, 100);
    let qs = ["graph w7", "river pasta w12", "ocean music", "rust"];
    let before: Vec<_> = qs.iter().map(|q| ids(&mut c, q)).collect();
    store.close();

    let store = IdbStore::open(db).await.unwrap();
    let mut back = Collection::load(settings, DIMS, &store.load().await.unwrap()).unwrap();
    assert_eq!(back.stats().kept_vectors, 100);
    let mut after = Vec::new();
    for q in qs {
        back.clear_cache();
        after.push(ids(&mut back, q));
        // Among the long documents alone, a cold search recomputes nothing.
        back.clear_cache();
        let mut e = HashEmbed { dims: DIMS };
        let mut qv = Vec::new();
        let tokens = nook::collection::Embed::tokenize(&e, q).unwrap();
        nook::collection::Embed::embed_tokens(&mut e, &[&tokens], &mut qv).unwrap();
        let is_long = |d: nook::collection::DocRef| nook::collection::doc::kept_dims(d.kept) == DIMS;
        let (found, counts) = back.search_counted(&mut e, q, &qv, 10, false, Some(&is_long), nook::collection::Precision::Exact).unwrap();
        assert!(found.len() == 10 && counts.exact >= 10 && counts.recomputed == 0, "{q}: {counts:?}");
    }
    assert_eq!(before, after, "same results after reopening");
    assert!(
        after.iter().flatten().any(|id| id.strip_prefix('d').and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| n.is_multiple_of(4))),
        "long documents are found: {after:?}"
    );
    store.close();
    IdbStore::delete_database(db).await.unwrap();
}

#[path = "../formats_support/mod.rs"]
mod formats_support;

/// The v1 fixtures (tests/formats.rs) as IndexedDB holds them: their records written
/// raw into a database, read back through `IdbStore`, must open and search with the
/// results recorded natively when they were written.
#[allow(dead_code)] // run in a window only (tests/wasm_window.rs)
pub async fn v1_records_open_from_indexeddb(db: &str) {
    let fixtures: [(&str, &[u8], &str); 3] = [
        ("stored", include_bytes!("../fixtures/formats/v1/stored.export"), include_str!("../fixtures/formats/v1/stored.results")),
        ("flat", include_bytes!("../fixtures/formats/v1/flat.export"), include_str!("../fixtures/formats/v1/flat.results")),
        ("graph", include_bytes!("../fixtures/formats/v1/graph.export"), include_str!("../fixtures/formats/v1/graph.results")),
    ];
    for (name, bytes, want) in fixtures {
        IdbStore::delete_database(db).await.unwrap();
        let store = IdbStore::open(db).await.unwrap();
        let snap = nook::collection::export::decode(bytes).expect("a v1 export decodes");
        store.commit(&snap.writes()).await.unwrap();
        store.close();
        let store = IdbStore::open(db).await.unwrap();
        let mut c = Collection::load(formats_support::settings(), formats_support::DIMS, &store.load().await.unwrap()).expect("v1 records open");
        assert_eq!(c.phase(), name);
        formats_support::assert_recorded(&formats_support::results(&mut c), want, &format!("{name}: results from IndexedDB"));
        // Its small documents move into pages, a few pages per commit; each state reopens
        // with the same results, and in the end the table holds pages only.
        assert!(c.loose() > 100, "{name}: v1 stores every document alone");
        loop {
            let w = c.pack_loose(3);
            if w.is_empty() {
                break;
            }
            store.commit(&w).await.unwrap();
            let mut back = Collection::load(formats_support::settings(), formats_support::DIMS, &store.load().await.unwrap()).unwrap();
            assert_eq!(back.loose(), c.loose(), "{name}: packed in part");
            formats_support::assert_recorded(&formats_support::results(&mut back), want, &format!("{name}: packed in part"));
        }
        let docs = store.load().await.unwrap().docs;
        assert!(docs.iter().all(|(k, _)| *k >= nook::collection::pages::PAGE_BASE), "{name}: pages only");
        store.close();
    }
    IdbStore::delete_database(db).await.unwrap();
}
