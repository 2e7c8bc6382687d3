//! Frozen formats: bytes written by nook (export version 1, manifest 1, block head 1,
//! index file 1 under `tests/fixtures/formats/v1/`; index file 2, the block form in the
//! file container, under `v2/`), must open, search
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

use formats_support::{COLLECTIONS, DIMS, assert_recorded, doc, results, settings};
use nook::TableVectors;
use nook::collection::{Collection, Doc, HashEmbed, export};
use nook::format::fvecs::parse_fvecs;
use nook::index::{PqParams, PruneParams, PrunedIndex, TwoLevelParams, VectorIndex};
use nook::store::{Kind, MemoryStore, Snapshot, Store, Table};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats/v1");
const DIR2: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats/v2");

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
        assert_recorded(&results(&mut c), &want, &format!("{name}: search results against those recorded when the fixture was written"));

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

/// The 300 base and 10 query vectors (16-d) the index file fixtures index and search.
fn index_vectors() -> (Vec<f32>, Vec<f32>) {
    let (dims, vectors) = parse_fvecs(&read("vectors.fvecs")).expect("fvecs");
    assert_eq!((dims, vectors.len()), (16, 310 * 16));
    let (base, queries) = vectors.split_at(300 * 16);
    (base.to_vec(), queries.to_vec())
}

/// Each query's top 5 ids from the stored index, then from the pruned one: a line each.
fn index_results(stored: &VectorIndex, pruned: &PrunedIndex) -> String {
    let d = 16;
    let (base, queries) = index_vectors();
    let mut lines = String::new();
    for q in queries.chunks_exact(d) {
        let a: Vec<u64> = stored.search(q, 5, 64, None, &mut stored.scratch()).unwrap().iter().map(|h| h.id).collect();
        let mut exact = TableVectors { vectors: &base, dims: d };
        let (b, _) = pruned.search(q, 5, &TwoLevelParams::default(), None, &mut exact, &mut pruned.scratch()).unwrap();
        let b: Vec<u64> = b.iter().map(|h| h.id).collect();
        lines.push_str(&format!("{a:?} {b:?}\n"));
    }
    lines
}

/// A newer format version must be refused naming both versions.
fn refuses_newer(file: &[u8]) {
    let mut newer = file.to_vec();
    newer[8..12].copy_from_slice(&3u32.to_le_bytes());
    match VectorIndex::load(&newer) {
        Err(nook::Error::NewerFormat { found: 3, supported: 2 }) => {}
        other => panic!("a newer index file must be refused naming both versions, got {:?}", other.err()),
    }
}

/// Index files (`nook build`) of format 1: a stored HNSW index and a pruned (LEANN) one
/// over 300 16-d vectors, searched for 10 queries with their recorded results. Nothing
/// writes format 1 any more; these files were written by the format 1 code.
#[test]
fn index_files_written_by_v1_load_and_search() {
    let stored = VectorIndex::load(&read("stored.nook")).expect("a v1 stored index file loads");
    let pruned = PrunedIndex::load(&read("pruned.nook")).expect("a v1 pruned index file loads");
    assert_eq!(index_results(&stored, &pruned), String::from_utf8(read("index.results")).unwrap(), "index file search results differ from those recorded");
    refuses_newer(&read("stored.nook"));
}

fn read2(name: &str) -> Vec<u8> {
    let path = format!("{DIR2}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path} is missing ({e}): it is committed with the repository"))
}

/// Index files of format 2 (the block form IndexedDB stores, in the file container): the
/// format 1 indexes saved again, and the pruned index before it has a graph (flat). The
/// same indexes in the other coding give the format 1 results; each file saves again to
/// the same bytes.
#[test]
fn index_files_written_by_v2_load_and_search() {
    let flat_file = format!("{DIR2}/flat.nook");
    if writing() && !std::path::Path::new(&flat_file).exists() {
        std::fs::create_dir_all(DIR2).unwrap();
        let stored = VectorIndex::load(&read("stored.nook")).unwrap();
        std::fs::write(format!("{DIR2}/stored.nook"), stored.save()).unwrap();
        std::fs::write(format!("{DIR2}/pruned.nook"), PrunedIndex::load(&read("pruned.nook")).unwrap().save()).unwrap();
        let flat = PrunedIndex::build_flat(&stored, &PruneParams::default(), &PqParams { subspaces: 8, bits: 4, ..PqParams::default() }, 1).unwrap();
        std::fs::write(&flat_file, flat.save()).unwrap();
        std::fs::write(format!("{DIR2}/flat.results"), index_results(&stored, &flat)).unwrap();
    }
    let stored = VectorIndex::load(&read2("stored.nook")).expect("a v2 stored index file loads");
    let pruned = PrunedIndex::load(&read2("pruned.nook")).expect("a v2 pruned index file loads");
    let flat = PrunedIndex::load(&read2("flat.nook")).expect("a v2 flat index file loads");
    assert!(flat.is_flat() && !pruned.is_flat());
    assert_eq!(index_results(&stored, &pruned), String::from_utf8(read("index.results")).unwrap(), "v2 files must search as the v1 files did");
    assert_eq!(index_results(&stored, &flat), String::from_utf8(read2("flat.results")).unwrap(), "flat index file results differ from those recorded");
    assert_eq!(stored.save(), read2("stored.nook"));
    assert_eq!(pruned.save(), read2("pruned.nook"));
    assert_eq!(flat.save(), read2("flat.nook"));
    refuses_newer(&read2("stored.nook"));
    // The header's kind and the head record's must agree (header crc recomputed).
    let mut bytes = read2("pruned.nook");
    bytes[12] = 3;
    let header_len = 24 + 16 * u32::from_le_bytes(bytes[20..24].try_into().unwrap()) as usize;
    let crc = crc32fast::hash(&bytes[..header_len]);
    bytes[header_len..header_len + 4].copy_from_slice(&crc.to_le_bytes());
    match PrunedIndex::load(&bytes) {
        Err(nook::Error::Corrupt(m)) => assert!(m.contains("head record"), "{m}"),
        other => panic!("a kind mismatch must be refused, got {:?}", other.err()),
    }
    // The one codec: a format 2 file's blocks are the blocks IndexedDB stores.
    let mut block0 = Vec::new();
    pruned.encode_block(0, &mut block0);
    assert!(read2("pruned.nook").windows(block0.len()).any(|w| w == block0.as_slice()));
}
