//! The store conformance suite and collection persistence, natively on MemoryStore.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use nook::store::MemoryStore;

mod store_conformance;
use store_conformance as conformance;

/// MemoryStore's futures are ready at once: poll once.
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("memory store future was not ready"),
    }
}

#[test]
fn memory_store_conforms() {
    ready(conformance::run(&MemoryStore::new()));
}

mod collection {
    use super::ready;
    use nook::collection::{Collection, Doc, Embed, FirstRecomputed, HashEmbed, Precision, Precomputed, Settings, export, split_sequences};
    use nook::store::{Kind, MemoryStore, Store, Table};

    const DIMS: usize = 64;

    fn settings() -> Settings {
        Settings { prune_at: 300, ..Settings::default() }
    }

    fn doc(i: usize) -> Doc {
        let words = ["graph", "vector", "pasta", "river", "mountain", "music", "python", "rust", "garden", "ocean", "planet", "engine"];
        let text = format!("{} {} {} note {i}", words[i % 12], words[(i / 12) % 12], words[(i * 7) % 12]);
        Doc {
            id: format!("doc-{i}"),
            title: format!("Title {}", words[(i * 5) % 12]),
            url: format!("https://example.org/{i}"),
            text,
            meta: format!("{{\"n\":{i}}}"),
            tokens: vec![],
            kept: Vec::new(),
        }
    }

    fn open(store: &MemoryStore) -> Collection {
        open_with(store, settings())
    }

    fn open_with(store: &MemoryStore, s: Settings) -> Collection {
        Collection::load(s, DIMS, &ready(store.load()).unwrap()).unwrap()
    }

    fn add(c: &mut Collection, store: &MemoryStore, docs: Vec<Doc>) {
        let (w, _) = c.add(&mut HashEmbed { dims: DIMS }, docs).unwrap();
        ready(store.commit(&w)).unwrap();
    }

    /// Ids and scores to 5 decimals (a recomputed embedding may differ from the one
    /// computed at add time in the last bits).
    fn query(c: &mut Collection, q: &str, hybrid: bool) -> Vec<(String, i64)> {
        c.search(&mut HashEmbed { dims: DIMS }, q, 10, hybrid, None)
            .unwrap()
            .iter()
            .map(|f| (c.doc(f.key).unwrap().id.to_string(), (f.score as f64 * 1e5).round() as i64))
            .collect()
    }

    #[test]
    fn persists_across_phases_and_reloads_identically() {
        persists_across_phases(settings(), false);
    }

    /// The same with the pruned graph built over the codes at 400 documents.
    #[test]
    fn persists_across_phases_with_graph() {
        persists_across_phases(Settings { graph_at: 400, ..settings() }, true);
    }

    fn persists_across_phases(settings: Settings, graph: bool) {
        let open = |store: &MemoryStore| open_with(store, settings.clone());
        let store = MemoryStore::new();
        let mut c = open(&store);
        assert!(c.search(&mut HashEmbed { dims: DIMS }, "x", 5, true, None).unwrap().is_empty());
        for chunk in (0..500).collect::<Vec<_>>().chunks(50) {
            add(&mut c, &store, chunk.iter().map(|&i| doc(i)).collect());
            let mut again = open(&store);
            assert_eq!(again.len(), c.len());
            assert_eq!(again.phase(), c.phase());
            if c.len() >= 300 {
                assert_eq!(query(&mut again, "river music", false), query(&mut c, "river music", false));
            }
        }
        assert!(c.is_pruned(), "switched to pruned at 300 documents");
        assert_eq!(c.phase(), if graph { "graph" } else { "flat" });
        let queries = ["graph vector", "pasta river", "ocean planet engine", "https://example.org/42", "Title rust"];
        let before: Vec<_> = queries.iter().map(|q| query(&mut c, q, true)).collect();
        let mut back = open(&store);
        let after: Vec<_> = queries.iter().map(|q| query(&mut back, q, true)).collect();
        assert_eq!(before, after);
        // The URL query finds its document through the keyword index.
        assert_eq!(after[3][0].0, "doc-42");
        // Upsert: same content is a no-op, changed content re-embeds.
        let (w, r) = c.add(&mut HashEmbed { dims: DIMS }, vec![doc(1)]).unwrap();
        assert!(w.is_empty() && r.unchanged == 1);
        let mut d = doc(1);
        d.text = "completely different words about violins".into();
        add(&mut c, &store, vec![d]);
        assert_eq!(query(&mut c, "violins", false)[0].0, "doc-1");
        // Delete: unknown ids change nothing.
        let err = c.delete(&["doc-2".into(), "nope".into()]).unwrap_err();
        assert_eq!(err.kind, Kind::NotFound);
        let w = c.delete(&(0..200).map(|i| format!("doc-{i}")).collect::<Vec<_>>()).unwrap();
        ready(store.commit(&w)).unwrap();
        let mut back = open(&store);
        assert_eq!(back.len(), 300);
        // After the deletes, the collection in memory and the reopened one search alike.
        for q in queries {
            assert_eq!(query(&mut back, q, true), query(&mut c, q, true), "{q}");
        }
        assert!(query(&mut back, "graph vector", false).iter().all(|(id, _)| id.trim_start_matches("doc-").parse::<usize>().unwrap() >= 200));
        // Export / import round trip.
        let bytes = export::encode(&back.snapshot());
        let snap = export::decode(&bytes).unwrap();
        let mut imported = Collection::load(settings.clone(), DIMS, &snap).unwrap();
        assert_eq!(query(&mut imported, "pasta", true), query(&mut back, "pasta", true));
    }

    /// An embedder that knows no word of its own (as MiniLM lacks "presid"): what a search
    /// embeds for a query then completes an unfinished last word the documents begin.
    struct Unread(HashEmbed);

    impl Embed for Unread {
        fn dims(&self) -> usize {
            self.0.dims()
        }
        fn tokenize(&self, text: &str) -> nook::store::Result<Vec<u32>> {
            self.0.tokenize(text)
        }
        fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> nook::store::Result<()> {
            self.0.embed_tokens(seqs, out)
        }
        fn knows_word(&self, _word: &str) -> bool {
            false
        }
    }

    #[test]
    fn an_unfinished_last_word_is_embedded_completed() {
        let store = MemoryStore::new();
        let mut c = open(&store);
        add(&mut c, &store, (0..50).map(doc).collect());
        let unread = Unread(HashEmbed { dims: DIMS });
        // "mountain" and "music" begin with "m", "mountain" with "mou"; the word as typed,
        // its case and what comes before it are kept.
        assert_eq!(c.query_text(&unread, "Snowy MOU"), "Snowy mountain");
        assert_eq!(c.query_text(&unread, "rivers and mus"), "rivers and music");
        // A finished word, a word of the documents, one the model knows, or one nothing
        // begins: the query as it is.
        for q in ["snowy mou ", "snowy mountain", "mo", "snowy xyzzy"] {
            assert_eq!(c.query_text(&unread, q), q);
        }
        assert_eq!(c.query_text(&HashEmbed { dims: DIMS }, "snowy mou"), "snowy mou");
        // The search embeds the completed text: the same results as asking for it whole,
        // but for the keyword side, which completes "mou" at a discount.
        let ids = |c: &mut Collection, q: &str| {
            c.search(&mut Unread(HashEmbed { dims: DIMS }), q, 5, false, None).unwrap().iter().map(|f| c.doc(f.key).unwrap().id.to_string()).collect::<Vec<_>>()
        };
        assert_eq!(ids(&mut c, "snowy mou"), ids(&mut c, "snowy mountain"));
    }

    /// Codes keep the length they were trained with (`pqSubspaces` at `prune_at`): a later
    /// open with other settings reads the stored codebook, and answers as before.
    #[test]
    fn codes_keep_the_length_they_were_trained_with() {
        let sizes = |subspaces: usize| {
            let trained = Settings { pq: nook::quant::PqParams { subspaces, ..settings().pq }, ..settings() };
            let store = MemoryStore::new();
            let mut c = open_with(&store, trained);
            add(&mut c, &store, (0..400).map(doc).collect());
            assert!(c.is_pruned());
            let mut back = open(&store);
            for q in ["graph vector", "pasta river", "Title rust"] {
                assert_eq!(query(&mut back, q, true), query(&mut c, q, true), "{q}");
            }
            let (now, reopened) = (c.stats(), back.stats());
            assert_eq!((now.index_bytes, now.codebook_bytes), (reopened.index_bytes, reopened.codebook_bytes), "counted alike after a reopen");
            reopened.index_bytes
        };
        let (short, long) = (sizes(32), sizes(64));
        // 64 dimensions: 32 subspaces code a document in 16 bytes, 64 in 32 (the codebook
        // holds 16 centroids of every dimension either way).
        assert_eq!(long - short, 400 * 16, "index bytes {short} -> {long}");
    }

    /// The document records cut where `doc_splits` says, as the IndexedDB reader cuts
    /// them (first part unbounded below, last unbounded above).
    fn parts(snap: &nook::store::Snapshot, cuts: &[u64]) -> Vec<Vec<(u64, Vec<u8>)>> {
        let mut bounds = vec![0u64];
        bounds.extend_from_slice(cuts);
        let part = |i: usize| snap.docs.iter().filter(|(k, _)| (i == 0 || *k >= bounds[i]) && (i + 1 == bounds.len() || *k < bounds[i + 1])).cloned().collect();
        (0..bounds.len()).map(part).collect()
    }

    /// An open that takes the documents in parts (as IndexedDB hands them over) rebuilds
    /// the collection the whole snapshot does, in any order of parts; a part missing, or
    /// a record past the manifest's next key, is damage.
    #[test]
    fn loads_in_parts_as_it_loads_whole() {
        use nook::collection::pages::{self, PAGE_BASE};
        use nook::collection::{Loading, doc_splits};
        let store = MemoryStore::new();
        let mut c = open(&store);
        add(&mut c, &store, (0..500).map(doc).collect());
        let w = c.delete(&(100..250).map(|i| format!("doc-{i}")).collect::<Vec<_>>()).unwrap();
        ready(store.commit(&w)).unwrap();
        let snap = ready(store.load()).unwrap();
        let manifest = snap.meta.iter().find(|(k, _)| *k == nook::store::MANIFEST_KEY).map(|(_, b)| b.as_slice());
        let cuts = doc_splits(manifest, 7, 1);
        let alone = cuts.iter().filter(|&&k| k < PAGE_BASE).count();
        assert!(alone == 6 && cuts.len() > alone + 2 && cuts[alone] == PAGE_BASE, "{cuts:?}");
        assert!(cuts.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(doc_splits(manifest, 8, 4096), vec![PAGE_BASE], "few documents: one part alone, one of pages");
        assert!(doc_splits(None, 8, 1).is_empty() && doc_splits(Some(b"junk"), 8, 1).is_empty());
        let split = parts(&snap, &cuts);
        assert_eq!(split.iter().map(Vec::len).sum::<usize>(), snap.docs.len());
        assert!(split[..=alone].iter().all(Vec::is_empty), "every document is small: all in pages");
        assert!(split[alone + 1..].iter().filter(|p| !p.is_empty()).count() >= 3);
        let mut whole = open(&store);
        let queries = ["graph vector", "pasta river", "https://example.org/42", "Title rust"];
        let want: Vec<_> = queries.iter().map(|q| query(&mut whole, q, true)).collect();
        for reversed in [false, true] {
            let mut l = Loading::begin(settings(), DIMS, &snap.meta, &snap.blocks).unwrap();
            let order: Vec<&Vec<(u64, Vec<u8>)>> = if reversed { split.iter().rev().collect() } else { split.iter().collect() };
            for p in order {
                l.docs(p).unwrap();
            }
            let mut c = l.finish().unwrap();
            assert_eq!(c.len(), whole.len());
            assert_eq!(queries.iter().map(|q| query(&mut c, q, true)).collect::<Vec<_>>(), want);
        }
        // Begun before the embedder is known (a browser open indexes parts while the model's
        // files arrive): the width is the stored index's, and the embedder's is checked after.
        let mut l = Loading::stored(settings(), &snap.meta, &snap.blocks).unwrap().expect("a stored collection");
        assert_eq!(l.check_dims(DIMS + 1).unwrap_err().kind, Kind::Input, "an embedder of another width");
        for p in &split {
            l.docs(p).unwrap();
        }
        l.check_dims(DIMS).unwrap();
        let mut c = l.finish().unwrap();
        assert_eq!(queries.iter().map(|q| query(&mut c, q, true)).collect::<Vec<_>>(), want);
        assert_eq!(Loading::begin(settings(), DIMS + 1, &snap.meta, &snap.blocks).err().map(|e| e.kind), Some(Kind::Input));
        assert!(Loading::stored(settings(), &[], &[]).unwrap().is_none(), "a new database: begun with the embedder's width");
        assert_eq!(Loading::stored(settings(), &[], &snap.blocks).err().map(|e| e.kind), Some(Kind::Corrupt));
        let mut l = Loading::begin(settings(), DIMS, &snap.meta, &snap.blocks).unwrap();
        for p in split.iter().filter(|p| !p.is_empty()).skip(1) {
            l.docs(p).unwrap();
        }
        assert_eq!(l.finish().err().map(|e| e.kind), Some(Kind::Corrupt), "a part never given");
        let (_, page) = snap.docs[0].clone();
        let alone = pages::read(PAGE_BASE, &page).unwrap().docs[0].1.to_vec();
        for (key, bytes) in [(10_000, alone), (7, page.clone()), (PAGE_BASE + 1, page)] {
            let mut l = Loading::begin(settings(), DIMS, &snap.meta, &snap.blocks).unwrap();
            assert_eq!(l.docs(&[(key, bytes)]).unwrap_err().kind, Kind::Corrupt, "a record past the next key, a page under a document's key or another page's");
        }
        // A new database: no manifest, so no document may be stored.
        let mut l = Loading::begin(settings(), DIMS, &[], &[]).unwrap();
        assert_eq!(l.docs(&snap.docs[..1]).unwrap_err().kind, Kind::Corrupt);
        assert_eq!(Loading::begin(settings(), DIMS, &[], &snap.blocks).err().map(|e| e.kind), Some(Kind::Corrupt));
    }

    /// `pack_loose(pages)` until it has nothing left to do, each time committed to `store`
    /// and the store reopened: the reopened collection has `c`'s count of what is left, and
    /// `check` sees it (with the commits so far). Returns the commits.
    fn pack_all(c: &mut Collection, store: &MemoryStore, pages: usize, check: impl Fn(&mut Collection, usize)) -> usize {
        let mut commits = 0;
        loop {
            let w = c.pack_loose(pages);
            if w.is_empty() {
                return commits;
            }
            ready(store.commit(&w)).unwrap();
            commits += 1;
            let mut back = open(store);
            assert_eq!(back.loose(), c.loose());
            check(&mut back, commits);
        }
    }

    /// A database written before pages (every document its own record) opens as it is
    /// and searches the same; `pack_loose` moves its small documents into pages a few
    /// pages per commit, each commit a state that reopens with the same results, until
    /// only pages and large documents are left. A loose document deleted meanwhile goes
    /// with its own record.
    #[test]
    fn documents_stored_alone_move_into_pages() {
        use nook::collection::pages::{self, PAGE_BASE};
        let store = MemoryStore::new();
        let mut c = open(&store);
        let mut docs: Vec<Doc> = (0..700).map(doc).collect();
        docs[3].text = "long ".repeat(400);
        add(&mut c, &store, docs);
        let mut old = ready(store.load()).unwrap();
        old.docs = old.docs.iter().flat_map(|(k, b)| pages::read(*k, b).unwrap().docs.into_iter().map(|(k, b)| (k, b.to_vec()))).collect();
        old.docs.sort_by_key(|(k, _)| *k);
        assert_eq!(old.docs.len(), 700);
        let store = MemoryStore::new();
        ready(store.commit(&old.writes())).unwrap();
        let queries = ["graph vector", "pasta river", "https://example.org/42", "Title rust", "long"];
        let want: Vec<_> = queries.iter().map(|q| query(&mut c, q, true)).collect();
        let mut c = open(&store);
        assert_eq!(c.loose(), 699, "all but the large document");
        assert_eq!(queries.iter().map(|q| query(&mut c, q, true)).collect::<Vec<_>>(), want);
        let w = c.delete(&["doc-5".to_string()]).unwrap();
        assert!(w.iter().any(|w| w.table == Table::Docs && w.key == c.key_of("doc-6").unwrap() - 1 && w.value.is_none()), "the loose record deleted");
        ready(store.commit(&w)).unwrap();
        let want: Vec<_> = queries.iter().map(|q| query(&mut c, q, true)).collect();
        let commits = pack_all(&mut c, &store, 4, |back, commits| {
            assert_eq!(queries.iter().map(|q| query(back, q, true)).collect::<Vec<_>>(), want, "after {commits} commits");
        });
        assert_eq!((commits, c.loose()), (3, 0), "11 pages, 4 a commit");
        let snap = ready(store.load()).unwrap();
        let keys: Vec<u64> = snap.docs.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys[0], c.key_of("doc-3").unwrap(), "the large document alone");
        assert!(keys[1..].iter().all(|&k| k >= PAGE_BASE) && keys.len() == 12, "{keys:?}");
        assert_eq!(snap.docs, c.snapshot().docs, "the packed table is what an export writes");
    }

    /// The terms version byte of a page record set to `version`, its crc made anew: the
    /// page as a nook counting by other rules would have written it.
    fn restamp(page: &[u8], version: u8) -> Vec<u8> {
        fn varint(b: &[u8], at: &mut usize) -> u64 {
            let (mut v, mut shift) = (0u64, 0);
            loop {
                let byte = b[*at];
                *at += 1;
                v |= u64::from(byte & 0x7f) << shift;
                if byte < 0x80 {
                    return v;
                }
                shift += 7;
            }
        }
        let mut at = 3;
        varint(page, &mut at);
        for _ in 0..varint(page, &mut at) {
            varint(page, &mut at);
            let len = varint(page, &mut at) as usize;
            at += len;
        }
        assert_eq!(u64::from(page[at]), nook::text::TERMS_VERSION);
        let mut out = page[..page.len() - 4].to_vec();
        out[at] = version;
        nook::records::Frame::seal(&mut out);
        out
    }

    /// Pages whose terms were counted by an earlier version of the rules (no accent
    /// folding, no CJK bigrams) open with their text tokenised by this nook's, so a query
    /// finds what a fresh collection finds, and count as still to be rewritten until
    /// `pack_loose` has rewritten them with their terms counted anew.
    #[test]
    fn pages_counted_by_earlier_rules_are_tokenised_then_rewritten() {
        use nook::collection::pages::PAGE_BASE;
        let store = MemoryStore::new();
        let mut c = open(&store);
        let mut docs: Vec<Doc> = (0..130).map(doc).collect();
        docs[7].title = "Zürich: Straße und Café".into();
        docs[70].title = "東京の天気予報".into();
        docs[129].text = "Łódź naïve résumé".into();
        add(&mut c, &store, docs);
        let queries = ["zurich strasse", "cafe", "天気", "予報 東京", "lodz resume", "Zürich", "graph vector"];
        let want: Vec<_> = queries.iter().map(|q| query(&mut c, q, true)).collect();
        // The keyword side finds each by words typed without accents, or by two characters.
        let keyword = |c: &Collection, q: &str| c.keyword_search(q, 3).first().map(|&k| c.doc(k).unwrap().id.to_string());
        let found = |c: &Collection| ["zurich strasse", "cafe", "天気", "予報 東京", "lodz resume"].map(|q| keyword(c, q));
        let ids = ["doc-7", "doc-7", "doc-70", "doc-70", "doc-129"].map(|id| Some(id.to_string()));
        assert_eq!(found(&c), ids);
        let mut old = ready(store.load()).unwrap();
        for (k, b) in old.docs.iter_mut() {
            assert!(*k >= PAGE_BASE);
            *b = restamp(b, 1);
        }
        let store = MemoryStore::new();
        ready(store.commit(&old.writes())).unwrap();
        let mut c = open(&store);
        assert_eq!(c.loose(), 130, "three pages to rewrite");
        assert_eq!(found(&c), ids);
        assert_eq!(queries.iter().map(|q| query(&mut c, q, true)).collect::<Vec<_>>(), want);
        let commits = pack_all(&mut c, &store, 2, |back, commits| {
            assert_eq!(found(back), ids);
            assert_eq!(queries.iter().map(|q| query(back, q, true)).collect::<Vec<_>>(), want, "after {commits} commits");
        });
        assert_eq!((commits, c.loose()), (2, 0), "3 pages, 2 a commit");
        assert_eq!(ready(store.load()).unwrap().docs, c.snapshot().docs, "the pages as this nook writes them");
    }

    /// A document that grows past a page's limit leaves its page for a record of its own,
    /// and goes back when it shrinks; deleting the last document of a page deletes the
    /// page. Every state reopens as it was.
    #[test]
    fn documents_move_between_pages_and_records_of_their_own() {
        use nook::collection::pages::{PACK_MAX, PAGE_BASE};
        let store = MemoryStore::new();
        let mut c = open(&store);
        add(&mut c, &store, (0..70).map(doc).collect());
        let docs_table = |store: &MemoryStore| ready(store.load()).unwrap().docs.iter().map(|(k, _)| *k).collect::<Vec<u64>>();
        assert_eq!(docs_table(&store), vec![PAGE_BASE, PAGE_BASE + 1], "keys 1..=70: pages 0 and 1");
        let queries = ["graph vector", "long", "pasta"];
        let check = |c: &mut Collection, store: &MemoryStore| {
            let mut back = open(store);
            assert_eq!(queries.iter().map(|q| query(&mut back, q, true)).collect::<Vec<_>>(), queries.iter().map(|q| query(c, q, true)).collect::<Vec<_>>());
        };
        let mut big = doc(5);
        big.text = "long ".repeat(PACK_MAX / 5 + 1);
        add(&mut c, &store, vec![big]);
        let key = c.key_of("doc-5").unwrap();
        assert_eq!(docs_table(&store), vec![key, PAGE_BASE, PAGE_BASE + 1], "alone under its new key ({key})");
        check(&mut c, &store);
        add(&mut c, &store, vec![doc(5)]);
        assert_eq!(docs_table(&store), vec![PAGE_BASE, PAGE_BASE + 1], "back in a page");
        check(&mut c, &store);
        let w = c.delete(&(63..70).map(|i| format!("doc-{i}")).chain(["doc-5".to_string()]).collect::<Vec<_>>()).unwrap();
        ready(store.commit(&w)).unwrap();
        assert_eq!(docs_table(&store), vec![PAGE_BASE], "page 1 emptied: deleted");
        check(&mut c, &store);
    }

    #[test]
    fn writes_only_what_changed() {
        let store = MemoryStore::new();
        let mut c = open(&store);
        add(&mut c, &store, (0..1000).map(doc).collect());
        let (w, _) = c.add(&mut HashEmbed { dims: DIMS }, vec![doc(5000)]).unwrap();
        let blocks = w.iter().filter(|w| w.table == Table::Blocks).count();
        assert!(blocks < 4, "one add rewrote {blocks} blocks");
        assert_eq!(w.iter().filter(|w| w.table == Table::Docs).count(), 1, "the new document's page");
        let mut big = doc(5001);
        big.text = "long ".repeat(400);
        let (w, _) = c.add(&mut HashEmbed { dims: DIMS }, vec![big]).unwrap();
        let docs: Vec<_> = w.iter().filter(|w| w.table == Table::Docs).collect();
        assert!(docs.len() == 1 && docs[0].key == c.key_of("doc-5001").unwrap(), "a large document is its own record");
    }

    #[test]
    fn bad_input_and_faults() {
        let store = MemoryStore::new();
        let mut c = open(&store);
        let e = c.add(&mut HashEmbed { dims: DIMS }, vec![doc(1), doc(1)]).unwrap_err();
        assert_eq!(e.kind, Kind::Input);
        let mut big = doc(2);
        big.text = "x".repeat(5 << 20);
        assert_eq!(c.add(&mut HashEmbed { dims: DIMS }, vec![big]).unwrap_err().kind, Kind::Input);
        add(&mut c, &store, (0..20).map(doc).collect());
        assert_eq!(c.search(&mut HashEmbed { dims: DIMS }, "x", 0, true, None).unwrap_err().kind, Kind::Input);
        // k above the collection size gives every document (no relevance floor: the
        // default floor is calibrated for MiniLM, not for this hashing stand-in).
        c.tune(|s| {
            s.min_score = 0.0;
            s.min_score_unknown = 0.0;
        });
        assert_eq!(c.search(&mut HashEmbed { dims: DIMS }, "x", 500, true, None).unwrap().len(), 20);
        // A failed commit: reload gives the last committed state.
        *store.fail_next.borrow_mut() = Some(Kind::Quota);
        let (w, _) = c.add(&mut HashEmbed { dims: DIMS }, (20..40).map(doc).collect()).unwrap();
        assert!(ready(store.commit(&w)).is_err());
        assert_eq!(open(&store).len(), 20);
        // Corrupt records are refused with a Corrupt error, never a panic.
        let snap = ready(store.load()).unwrap();
        for t in [Table::Meta, Table::Docs, Table::Blocks] {
            let mut bad = snap.clone();
            let rec = &mut bad.table_mut(t)[0].1;
            let mid = rec.len() / 2;
            rec[mid] ^= 0x40;
            let e = Collection::load(settings(), DIMS, &bad).err().expect("damage detected");
            assert_eq!(e.kind, Kind::Corrupt, "{t:?}: {e}");
        }
        let mut newer = snap.clone();
        newer.meta[0].1[4] = 99;
        assert_eq!(Collection::load(settings(), DIMS, &newer).err().unwrap().kind, Kind::Version);
        assert_eq!(Collection::load(settings(), DIMS + 1, &snap).err().unwrap().kind, Kind::Input);
    }

    /// Counts the bulk embedding calls that reach it (the helper workers' share must not).
    struct Counting {
        inner: HashEmbed,
        embedded: usize,
    }

    impl Embed for Counting {
        fn dims(&self) -> usize {
            self.inner.dims
        }
        fn tokenize(&self, text: &str) -> nook::store::Result<Vec<u32>> {
            self.inner.tokenize(text)
        }
        fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> nook::store::Result<()> {
            self.embedded += seqs.len();
            self.inner.embed_tokens(seqs, out)
        }
    }

    /// What the package does with helper workers: another embedder embeds the sequences
    /// `tokens_to_embed` gives; the collection indexes them through `Precomputed`. Same
    /// writes, same exports, same results as embedding in place, across the flat and
    /// graph phases, with updates and unchanged documents in the batches; sequences the
    /// helper did not embed are embedded in place.
    #[test]
    fn embeddings_made_elsewhere_index_identically() {
        let settings = Settings { graph_at: 400, ..settings() };
        let (here, there) = (MemoryStore::new(), MemoryStore::new());
        let mut a = open_with(&here, settings.clone());
        let mut b = open_with(&there, settings.clone());
        let mut own = Counting { inner: HashEmbed { dims: DIMS }, embedded: 0 };
        for (n, chunk) in (0..520).collect::<Vec<_>>().chunks(40).enumerate() {
            let mut docs: Vec<Doc> = chunk.iter().map(|&i| doc(i)).collect();
            if n > 0 {
                docs.push(doc(3)); // unchanged: embedded by no one
                let mut changed = doc(10 + n);
                changed.text = format!("rewritten {n} violins");
                docs.push(changed);
            }
            let seqs = b.tokens_to_embed(&own, &docs).unwrap();
            assert_eq!(seqs.len(), docs.len() - usize::from(n > 0));
            // The helper skips the last sequence of every third chunk: the collection embeds it.
            let helped = if n % 3 == 2 { seqs.len() - 1 } else { seqs.len() };
            let refs: Vec<&[u32]> = seqs[..helped].iter().map(Vec::as_slice).collect();
            let mut vectors = Vec::new();
            HashEmbed { dims: DIMS }.embed_tokens(&refs, &mut vectors).unwrap();
            let before = own.embedded;
            let (wb, rb) = {
                let mut pre = Precomputed::new(&mut own, &refs, &vectors).unwrap();
                b.add(&mut pre, docs.clone()).unwrap()
            };
            assert_eq!(own.embedded - before, seqs.len() - helped);
            let (wa, ra) = a.add(&mut HashEmbed { dims: DIMS }, docs).unwrap();
            assert_eq!((ra.added, ra.updated, ra.unchanged), (rb.added, rb.updated, rb.unchanged));
            assert_eq!(format!("{wa:?}"), format!("{wb:?}"), "chunk {n}: the writes differ");
            ready(here.commit(&wa)).unwrap();
            ready(there.commit(&wb)).unwrap();
        }
        assert_eq!(b.phase(), "graph");
        assert_eq!(export::encode(&a.snapshot()), export::encode(&b.snapshot()));
        assert_eq!(query(&mut a, "river violins", true), query(&mut b, "river violins", true));
    }

    /// What the package does with helper workers on a cold search: the search stops where
    /// it would recompute, the sequences it names are embedded elsewhere, and it runs
    /// again with every embedding made so far (`Precomputed` over `FirstRecomputed`) until
    /// it completes. Same hits, same scores, same counts as recomputing in place, flat and
    /// with a graph, vector-only and hybrid, with nothing embedded by the collection's own
    /// embedder; and the first batch alone, given, leaves the rest to it.
    #[test]
    fn recomputations_made_elsewhere_search_identically() {
        for graph_at in [100_000, 400] {
            let settings = Settings { graph_at, ..settings() };
            let store = MemoryStore::new();
            let mut c = open_with(&store, settings.clone());
            for chunk in (0..520).collect::<Vec<_>>().chunks(130) {
                add(&mut c, &store, chunk.iter().map(|&i| doc(i)).collect());
            }
            assert!(c.is_pruned());
            for text in ["river violins", "quiet mountain garden", "note 7", "planet engine music"] {
                for hybrid in [false, true] {
                    let what = format!("{text:?}, hybrid {hybrid}, graph_at {graph_at}");
                    let (mut plain, mut helped) = (open_with(&store, settings.clone()), open_with(&store, settings.clone()));
                    let mut e = HashEmbed { dims: DIMS };
                    let mut q = Vec::new();
                    e.embed_query(&e.tokenize(text).unwrap(), &mut q).unwrap();
                    let mut own = Counting { inner: HashEmbed { dims: DIMS }, embedded: 0 };
                    let (want, want_counts) = plain.search_counted(&mut own, text, &q, 10, hybrid, None, Precision::Exact).unwrap();
                    let alone = own.embedded;
                    // Round by round, as the worker does.
                    let (mut seqs, mut vectors, mut rounds): (Vec<Vec<u32>>, Vec<f32>, Vec<usize>) = (Vec::new(), Vec::new(), Vec::new());
                    let mut own = Counting { inner: HashEmbed { dims: DIMS }, embedded: 0 };
                    let (got, got_counts) = loop {
                        let refs: Vec<&[u32]> = seqs.iter().map(Vec::as_slice).collect();
                        let mut first = FirstRecomputed::new(&mut own);
                        let outcome = {
                            let mut pre = Precomputed::new(&mut first, &refs, &vectors).unwrap();
                            helped.search_counted(&mut pre, text, &q, 10, hybrid, None, Precision::Exact)
                        };
                        let Some(next) = first.seqs else { break outcome.unwrap() };
                        assert!(outcome.is_err(), "{what}: the recording stops the search");
                        assert!(next.iter().all(|s| !seqs.contains(s)), "{what}: asked again for a sequence it was given");
                        let next_refs: Vec<&[u32]> = next.iter().map(Vec::as_slice).collect();
                        HashEmbed { dims: DIMS }.embed_tokens(&next_refs, &mut vectors).unwrap();
                        rounds.push(next.len());
                        seqs.extend(next);
                    };
                    assert_eq!(format!("{got:?}"), format!("{want:?}"), "{what}");
                    // Embeddings given in one round enter the cache in the next: the last round
                    // counts as recomputed only what it was given new; all rounds, all of them.
                    assert_eq!(got_counts.exact, want_counts.exact, "{what}");
                    assert_eq!((seqs.len(), alone), (want_counts.recomputed, want_counts.recomputed), "{what}: rounds {rounds:?}");
                    assert_eq!(own.embedded, 0, "{what}: embedded here");
                    assert!(rounds[0] >= 10 && rounds[0] <= 16, "{what}: first round {rounds:?}");
                    // The first round's embeddings alone: the collection embeds the rest.
                    let mut cold = open_with(&store, settings.clone());
                    let first_refs: Vec<&[u32]> = seqs[..rounds[0]].iter().map(Vec::as_slice).collect();
                    let mut own = Counting { inner: HashEmbed { dims: DIMS }, embedded: 0 };
                    let (again, _) = {
                        let mut pre = Precomputed::new(&mut own, &first_refs, &vectors[..rounds[0] * DIMS]).unwrap();
                        cold.search_counted(&mut pre, text, &q, 10, hybrid, None, Precision::Exact).unwrap()
                    };
                    assert_eq!(format!("{again:?}"), format!("{want:?}"), "{what}");
                    assert_eq!(own.embedded, alone - rounds[0], "{what}");
                }
            }
        }
    }

    #[test]
    fn embeddings_made_elsewhere_are_checked() {
        let c = open(&MemoryStore::new());
        let mut e = HashEmbed { dims: DIMS };
        let seqs = c.tokens_to_embed(&e, &[doc(1), doc(2)]).unwrap();
        let refs: Vec<&[u32]> = seqs.iter().map(Vec::as_slice).collect();
        let short = vec![0.1f32; DIMS * 2 - 1];
        assert_eq!(Precomputed::new(&mut e, &refs, &short).err().unwrap().kind, Kind::Input);
        let mut nan = vec![0.1f32; DIMS * 2];
        nan[DIMS + 3] = f32::NAN;
        assert_eq!(Precomputed::new(&mut e, &refs, &nan).err().unwrap().kind, Kind::Input);
        let flat: Vec<u32> = seqs.concat();
        let ok = split_sequences(&flat, &[seqs[0].len() as u32, seqs[1].len() as u32], 256).unwrap();
        assert_eq!(ok, refs);
        for lengths in [vec![0, flat.len() as u32], vec![1], vec![flat.len() as u32 + 1], vec![u32::MAX, 1]] {
            assert_eq!(split_sequences(&flat, &lengths, 256).unwrap_err().kind, Kind::Input, "{lengths:?}");
        }
        assert_eq!(split_sequences(&flat, &[flat.len() as u32], 4).unwrap_err().kind, Kind::Input);
        // Duplicate ids are refused here as by add.
        assert_eq!(c.tokens_to_embed(&e, &[doc(1), doc(1)]).unwrap_err().kind, Kind::Input);
    }
}
