//! Crafted records: what a user's IndexedDB or an `import` file can hold after damage or
//! by design. Starting from the v1 fixtures (tests/formats.rs), thousands of seeded
//! mutants — bytes flipped, zeroed, maxed, varints blown up, records cut, grown or
//! dropped — each with every checksum recomputed (an export's crc, the manifest's crc
//! and its per-block and codebook crcs are all recomputable by whoever crafts the bytes),
//! so the decoders behind the checksums are what gets tested. Each mutant must open with
//! a clear error or open and then search, add and delete without panicking.
//! A mutant that panics is written to tests/fuzz-crashers/ (a regression test in
//! tests/malformed.rs then keeps it) and fails this test.
//! `NOOK_MUTANTS=N` runs N mutants per fixture (default 1,500).

mod formats_support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use formats_support::{DIMS, exercise, fix_checksums, settings};
use nook::collection::{Collection, export};
use nook::rng::Rng;
use nook::store::{Snapshot, Table};

const FIXTURES: [&str; 3] = ["stored", "flat", "graph"];

fn fixture(name: &str) -> Snapshot {
    let path = format!("{}/tests/fixtures/formats/v1/{name}.export", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path} is missing ({e}): it is committed with the repository"));
    export::decode(&bytes).expect("the fixture decodes")
}

fn below(rng: &mut Rng, n: usize) -> usize {
    (rng.next_f64() * n as f64) as usize % n.max(1)
}

/// Damage `bytes` in one to four random ways.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..1 + below(rng, 4) {
        let at = below(rng, bytes.len().max(1));
        match below(rng, 9) {
            0 if !bytes.is_empty() => bytes[at] ^= 1 << below(rng, 8),
            1 if !bytes.is_empty() => bytes[at] = 0,
            2 if !bytes.is_empty() => bytes[at] = 0xFF,
            3 if !bytes.is_empty() => bytes[at] = below(rng, 256) as u8,
            // A varint (or length) blown up to 2^32..2^63.
            4 => {
                let big: &[u8] = if below(rng, 2) == 0 { &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F] } else { &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] };
                let end = (at + big.len()).min(bytes.len());
                bytes.splice(at..end, big.iter().copied());
            }
            5 => bytes.truncate(at),
            6 => {
                let extra: Vec<u8> = (0..1 + below(rng, 16)).map(|_| below(rng, 256) as u8).collect();
                bytes.splice(at..at, extra);
            }
            7 if !bytes.is_empty() => {
                let end = (at + 1 + below(rng, 8)).min(bytes.len());
                bytes.drain(at..end);
            }
            _ if !bytes.is_empty() => {
                let end = (at + 1 + below(rng, 8)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = below(rng, bytes.len());
                bytes.splice(to..to, copy);
            }
            _ => bytes.push(below(rng, 256) as u8),
        }
    }
}

fn save_crasher(name: &str, i: usize, snap: &Snapshot) -> String {
    let dir = format!("{}/tests/fuzz-crashers", env!("CARGO_MANIFEST_DIR"));
    let path = format!("{dir}/mutant-{name}-{i}.export");
    std::fs::write(&path, export::encode(snap)).unwrap();
    path
}

#[test]
fn crafted_records_with_valid_checksums_never_panic() {
    let per_fixture: usize = std::env::var("NOOK_MUTANTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_500);
    let mut crashers = Vec::new();
    let (mut opened, mut refused) = (0usize, 0usize);
    // Each fixture as v1 wrote it (every document its own record) and as this nook writes
    // it (small documents packed into pages).
    let sources = FIXTURES.iter().flat_map(|name| {
        let v1 = fixture(name);
        let packed = Snapshot { docs: Collection::load(settings(), DIMS, &v1).expect("the fixture loads").snapshot().docs, ..v1.clone() };
        assert!(packed.docs.len() < v1.docs.len(), "{name}: pages hold several documents");
        [(name.to_string(), v1), (format!("{name}-paged"), packed)]
    });
    for (f, (name, clean)) in sources.enumerate() {
        let name = name.as_str();
        let mut rng = Rng::new(0x6D75_7461 + f as u64);
        for i in 0..per_fixture {
            let mut snap = clean.clone();
            // Which record: any table, weighted toward the index's own (manifest, blocks).
            let tables: Vec<Table> = Table::ALL.iter().copied().filter(|&t| !snap.table(t).is_empty()).collect();
            let t = if below(&mut rng, 3) == 0 { Table::Meta } else { tables[below(&mut rng, tables.len())] };
            let recs = snap.table_mut(t);
            let r = below(&mut rng, recs.len());
            match below(&mut rng, 20) {
                0 => {
                    recs.remove(r);
                }
                1 => {
                    let copy = recs[r].clone();
                    recs.push((copy.0 + 1 + below(&mut rng, 3) as u64, copy.1));
                }
                _ => mutate(&mut rng, &mut recs[r].1),
            }
            if below(&mut rng, 8) != 0 {
                fix_checksums(&mut snap);
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let ok = Collection::load(settings(), DIMS, &snap).is_ok();
                exercise(&snap);
                // The export route: encode, decode (its crc is recomputed by encode).
                if let Ok(back) = export::decode(&export::encode(&snap)) {
                    exercise(&back);
                }
                ok
            }));
            match outcome {
                Ok(true) => opened += 1,
                Ok(false) => refused += 1,
                Err(_) => crashers.push(save_crasher(name, i, &snap)),
            }
        }
    }
    eprintln!("mutants: {opened} opened and were used, {refused} refused with an error, {} panicked", crashers.len());
    assert!(refused > 0, "no mutant was refused: the mutations do not reach the decoders");
    assert!(crashers.is_empty(), "mutants panicked (saved as regression inputs): {crashers:#?}");
}

/// Export bytes crafted directly (the file a user imports), crc recomputed.
#[test]
fn crafted_export_bytes_never_panic() {
    let per_fixture: usize = std::env::var("NOOK_MUTANTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_500);
    let mut crashers = Vec::new();
    for (f, name) in FIXTURES.iter().enumerate() {
        let clean = export::encode(&fixture(name));
        let mut rng = Rng::new(0x6578_7074 + f as u64);
        for i in 0..per_fixture {
            let mut bytes = clean.clone();
            // Keep the magic and version most of the time: past them is the decoder.
            let body = bytes.split_off(8.min(bytes.len()));
            let mut body = body[..body.len().saturating_sub(4)].to_vec();
            mutate(&mut rng, &mut body);
            bytes.extend_from_slice(&body);
            let crc = crc32fast::hash(&bytes);
            bytes.extend_from_slice(&crc.to_le_bytes());
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                if let Ok(snap) = export::decode(&bytes) {
                    exercise(&snap);
                }
            }));
            if outcome.is_err() {
                let path = format!("{}/tests/fuzz-crashers/export-{name}-{i}.export", env!("CARGO_MANIFEST_DIR"));
                std::fs::write(&path, &bytes).unwrap();
                crashers.push(path);
            }
        }
    }
    assert!(crashers.is_empty(), "crafted exports panicked (saved as regression inputs): {crashers:#?}");
}

/// The fixtures as this nook writes them (small documents in pages), as fuzz seeds beside
/// the v1 exports (fuzz/README.md): `cargo test --test mutations -- --ignored`.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    for name in FIXTURES {
        let packed = Collection::load(settings(), DIMS, &fixture(name)).expect("the fixture loads").snapshot();
        let bytes = export::encode(&packed);
        for t in ["import", "records"] {
            let dir = format!("{}/fuzz/corpus/{t}", env!("CARGO_MANIFEST_DIR"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(format!("{dir}/paged-{name}"), &bytes[..bytes.len() - 4]).unwrap();
        }
    }
}
