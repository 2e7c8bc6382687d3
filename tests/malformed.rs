//! Corrupt, truncated, foreign and newer-version bytes must give a clear `Err`, never a
//! panic or a huge allocation. Also replays every committed fuzz crash input.

mod formats_support;

mod common;

use nook::index::{IndexParams, PqParams, PruneParams, PrunedIndex, VectorIndex};
use nook::{Error, Metric};

fn small_indexes() -> (Vec<u8>, Vec<u8>) {
    let dims = 8;
    let base = common::clustered(300, dims, 6, 3);
    let mut idx = VectorIndex::new(IndexParams { m: 6, ef_construction: 30, ..IndexParams::new(Metric::Cosine, dims) }).unwrap();
    idx.add_batch(&(0..300).collect::<Vec<u64>>(), &base, 1).unwrap();
    idx.delete(17).unwrap();
    let pruned =
        PrunedIndex::build(&idx, &PruneParams { m_hub: 6, m: 3, ..Default::default() }, &PqParams { subspaces: 4, iterations: 4, ..Default::default() }, 1)
            .unwrap();
    (idx.save(), pruned.save())
}

fn both_refuse(bytes: &[u8]) {
    assert!(VectorIndex::load(bytes).is_err());
    assert!(PrunedIndex::load(bytes).is_err());
}

#[test]
fn every_truncation_is_an_error() {
    let (stored, pruned) = small_indexes();
    for bytes in [&stored, &pruned] {
        for len in (0..bytes.len()).step_by(7).chain([bytes.len() - 1]) {
            both_refuse(&bytes[..len]);
        }
    }
}

#[test]
fn every_flipped_byte_is_an_error() {
    let (stored, pruned) = small_indexes();
    for bytes in [stored, pruned] {
        for i in (0..bytes.len()).step_by(13) {
            let mut b = bytes.clone();
            b[i] ^= 0x5A;
            both_refuse(&b);
        }
    }
}

#[test]
fn foreign_and_newer_bytes_say_what_is_wrong() {
    let (stored, pruned) = small_indexes();
    assert_eq!(VectorIndex::load(b"PK\x03\x04 a zip file").err(), Some(Error::NotAnIndex));
    assert_eq!(VectorIndex::load(&[]).err(), Some(Error::NotAnIndex));
    let mut newer = stored.clone();
    newer[8..12].copy_from_slice(&7u32.to_le_bytes());
    let err = VectorIndex::load(&newer).err().unwrap();
    assert_eq!(err, Error::NewerFormat { found: 7, supported: nook::format::VERSION });
    assert!(err.to_string().contains("upgrade nook"));
    assert!(matches!(VectorIndex::load(&pruned), Err(Error::Corrupt(_))), "kind mismatch must be refused");
    assert!(matches!(PrunedIndex::load(&stored), Err(Error::Corrupt(_))));
    let mut longer = stored.clone();
    longer.push(0);
    assert!(VectorIndex::load(&longer).is_err());
}

#[test]
fn huge_declared_lengths_do_not_allocate() {
    let (stored, _) = small_indexes();
    let mut b = stored.clone();
    // The first section's length field sits at offset 24 + 4.
    b[28..36].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(VectorIndex::load(&b), Err(Error::Checksum(_)) | Err(Error::Truncated(_))));
    let mut b = stored;
    b[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(VectorIndex::load(&b).is_err());
}

#[test]
fn committed_fuzz_crashers_return_err() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-crashers");
    // The folder is committed (its README says what goes in it): missing means a broken checkout.
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries.flatten().filter(|e| e.path().extension().is_none_or(|x| x != "md")) {
        let bytes = std::fs::read(e.path()).unwrap();
        if e.path().extension().is_some_and(|x| x == "export") {
            // Crafted collections (tests/mutations.rs): they may open, but nothing panics.
            let used = std::panic::catch_unwind(|| {
                if let Ok(snap) = nook::collection::export::decode(&bytes) {
                    formats_support::exercise(&snap);
                }
            });
            assert!(used.is_ok(), "{} panics", e.path().display());
            continue;
        }
        assert!(VectorIndex::load(&bytes).is_err(), "{} loads as a stored index", e.path().display());
        assert!(PrunedIndex::load(&bytes).is_err(), "{} loads as a pruned index", e.path().display());
    }
}
