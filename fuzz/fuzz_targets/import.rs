//! Fuzz `Nook.import`: any export body (its crc recomputed, as a crafted file would have)
//! must decode and open with an `Err`, or open and survive searches, an add and a delete;
//! never panic, hang or allocate without bound. Seeds: the v1 fixtures' exports.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/formats_support/mod.rs"]
mod formats_support;

fuzz_target!(|data: &[u8]| {
    if let Ok(snap) = nook::collection::export::decode(&formats_support::with_crc(data)) {
        formats_support::exercise(&snap);
    }
});
