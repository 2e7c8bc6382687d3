//! Fuzz a store snapshot (the records IndexedDB returns to `open`), past every checksum:
//! the records come framed as an export body, then the manifest's block and codebook
//! crcs and its own crc are recomputed, so the block, codebook, document and manifest
//! decoders see the fuzzer's bytes. Opening must fail with an `Err` or give a collection
//! that survives use; never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut snap) = nook::collection::export::decode(&common::with_crc(data)) {
        common::fix_checksums(&mut snap);
        common::exercise(&snap);
    }
});
