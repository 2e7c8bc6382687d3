//! Frozen formats: bytes written by today's nook (export version 1, manifest 1, block
//! head 1, index file 1), committed under `tests/fixtures/formats/v1/`, must open, search
//! with the recorded results and take new writes forever: an update of nook must never
//! make a user re-index (80,000 bookmarks are an hour of CPU). Bytes that claim a newer
//! version are refused with a `Version` error that names both versions.
//!
//! The fixtures were written by this file with `NOOK_WRITE_FIXTURES=1` (they embed with
//! the deterministic `HashEmbed`, so no model is needed). Never regenerate them for an
//! existing version: a format change bumps its version and adds a `v2/` folder, and
//! this test keeps reading `v1/`. A missing fixture fails the test.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

mod formats_support;

use formats_support::{COLLECTIONS, DIMS, doc, results, settings};
use nook::collection::{Collection, Doc, HashEmbed, export};
use nook::format::fvecs::parse_fvecs;
use nook::index::{IndexParams, PqParams, PruneParams, PrunedIndex, TwoLevelParams, VectorIndex};
use nook::store::{Kind, MemoryStore, Snapshot, Store, Table};
use nook::{Metric, TableVectors};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats/v1");

fn writing() -> bool {
    std::env::var_os("NOOK_WRITE_FIXTURES").is_some()
}

fn read(name: &str) -> Vec<u8> {
    let path = format!("{DIR}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path} is missing ({e}): it is committed with the repository"))
}

fn write(name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(DIR).unwrap();
    std::fs::write(format!("{DIR}/{name}"), bytes).unwrap();
}

/// MemoryStore's futures are ready at once: poll once.
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("memory store future was not ready"),
    }
}

fn load(snap: &Snapshot) -> Collection {
    Collection::load(settings(), DIMS, snap).expect("a v1 collection opens")
}

fn build(n: usize, deleted: usize) -> Snapshot {
    let store = MemoryStore::new();
    let mut c = Collection::load(settings(), DIMS, &ready(store.load()).unwrap()).unwrap();
    for chunk in (0..n).collect::<Vec<_>>().chunks(64) {
        let (w, _) = c.add(&mut HashEmbed { dims: DIMS }, chunk.iter().map(|&i| doc(i)).collect()).unwrap();
        ready(store.commit(&w)).unwrap();
    }
    let ids: Vec<String> = (0..deleted).map(|i| format!("doc-{}", i * 7)).collect();
    let w = c.delete(&ids).unwrap();
    ready(store.commit(&w)).unwrap();
    ready(store.load()).unwrap()
}

#[test]
fn collections_written_by_v1_open_search_and_grow() {
    for (name, n, deleted) in COLLECTIONS {
        if writing() {
            let snap = build(n, deleted);
            write(&format!("{name}.export"), &export::encode(&snap));
            write(&format!("{name}.results"), results(&mut load(&snap)).as_bytes());
        }
        let snap = export::decode(&read(&format!("{name}.export"))).expect("a v1 export decodes");
        let mut c = load(&snap);
        assert_eq!(c.phase(), name, "{name}: the fixture's phase");
        assert_eq!(c.len(), n - deleted);
        let want = String::from_utf8(read(&format!("{name}.results"))).unwrap();
        assert_eq!(results(&mut c), want, "{name}: search results differ from those recorded when the fixture was written");

        // Old records take new writes: add and delete through a store holding them.
        let store = MemoryStore::new();
        ready(store.commit(&snap.writes())).unwrap();
        let (w, _) =
            c.add(&mut HashEmbed { dims: DIMS }, vec![Doc { id: "new".into(), text: "a brand new river garden note".into(), ..Doc::default() }]).unwrap();
        ready(store.commit(&w)).unwrap();
        let w = c.delete(&["doc-1".to_string()]).unwrap();
        ready(store.commit(&w)).unwrap();
        let mut again = load(&ready(store.load()).unwrap());
        assert_eq!(again.len(), n - deleted);
        assert!(again.key_of("new").is_some() && again.key_of("doc-1").is_none(), "{name}: the writes after reopening persist");
        assert_eq!(results(&mut again), results(&mut c), "{name}: reopened after new writes, the same results");
    }
}

#[test]
fn a_newer_export_or_manifest_is_refused_naming_both_versions() {
    let bytes = read("flat.export");
    let mut newer = bytes.clone();
    newer[7] = 2;
    let e = export::decode(&newer).unwrap_err();
    assert_eq!(e.kind, Kind::Version);
    assert!(e.message.contains('2') && e.message.contains('1'), "{}", e.message);

    let mut snap = export::decode(&bytes).unwrap();
    let manifest = snap.table_mut(Table::Meta).iter_mut().find(|(k, _)| *k == nook::store::MANIFEST_KEY).expect("a manifest record");
    manifest.1[4] = 2;
    let e = Collection::load(settings(), DIMS, &snap).err().expect("a newer manifest is refused");
    assert_eq!(e.kind, Kind::Version);
    assert!(e.message.contains("version 2") && e.message.contains("reads 1"), "{}", e.message);
}

/// Index files (`nook build`): a stored HNSW index and a pruned (LEANN) one over 300
/// 16-d vectors, searched for 10 queries with their recorded results.
#[test]
fn index_files_written_by_v1_load_and_search() {
    let d = 16;
    if writing() {
        let mut rng = nook::rng::Rng::new(42);
        let vectors: Vec<f32> = (0..310 * d).map(|_| rng.next_f64() as f32 - 0.5).collect();
        let mut fvecs = Vec::new();
        for row in vectors.chunks_exact(d) {
            fvecs.extend_from_slice(&(d as u32).to_le_bytes());
            row.iter().for_each(|x| fvecs.extend_from_slice(&x.to_le_bytes()));
        }
        write("vectors.fvecs", &fvecs);
        let mut stored = VectorIndex::new(IndexParams { m: 8, ef_construction: 64, ..IndexParams::new(Metric::L2, d) }).unwrap();
        stored.add_batch(&(0..300).collect::<Vec<u64>>(), &vectors[..300 * d], 1).unwrap();
        write("stored.nook", &stored.save());
        let pruned = PrunedIndex::build(&stored, &PruneParams::default(), &PqParams { subspaces: 8, bits: 4, ..PqParams::default() }, 1).unwrap();
        write("pruned.nook", &pruned.save());
    }
    let (dims, vectors) = parse_fvecs(&read("vectors.fvecs")).expect("fvecs");
    assert_eq!((dims, vectors.len()), (d, 310 * d));
    let (base, queries) = vectors.split_at(300 * d);
    let stored = VectorIndex::load(&read("stored.nook")).expect("a v1 stored index file loads");
    let pruned = PrunedIndex::load(&read("pruned.nook")).expect("a v1 pruned index file loads");
    let mut lines = String::new();
    for q in queries.chunks_exact(d) {
        let a: Vec<u64> = stored.search(q, 5, 64, None, &mut stored.scratch()).unwrap().iter().map(|h| h.id).collect();
        let mut exact = TableVectors { vectors: base, dims: d };
        let (b, _) = pruned.search(q, 5, &TwoLevelParams::default(), None, &mut exact, &mut pruned.scratch()).unwrap();
        let b: Vec<u64> = b.iter().map(|h| h.id).collect();
        lines.push_str(&format!("{a:?} {b:?}\n"));
    }
    if writing() {
        write("index.results", lines.as_bytes());
    }
    assert_eq!(lines, String::from_utf8(read("index.results")).unwrap(), "index file search results differ from those recorded");

    let mut newer = read("stored.nook");
    newer[8..12].copy_from_slice(&2u32.to_le_bytes());
    match VectorIndex::load(&newer) {
        Err(nook::Error::NewerFormat { found: 2, supported: 1 }) => {}
        other => panic!("a newer index file must be refused naming both versions, got {:?}", other.err()),
    }
}
