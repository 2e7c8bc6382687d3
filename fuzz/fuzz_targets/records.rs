//! Fuzz a store snapshot (the records IndexedDB returns to `open`), past every checksum:
//! the records come framed as an export body, then the manifest's block and codebook
//! crcs and its own crc are recomputed, so the block, codebook, document and manifest
//! decoders see the fuzzer's bytes. Opening must fail with an `Err` or give a collection
//! that survives use; never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/formats_support/mod.rs"]
mod formats_support;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut snap) = nook::collection::export::decode(&formats_support::with_crc(data)) {
        formats_support::fix_checksums(&mut snap);
        formats_support::exercise(&snap);
    }
});
