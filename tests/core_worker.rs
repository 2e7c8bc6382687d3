//! The core suite in a dedicated Web Worker (wasm32 only; run by scripts/test.sh).
#![cfg(target_arch = "wasm32")]

mod common;
mod core_suite;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn core_suite_in_worker() {
    core_suite::stored_and_pruned_recall_filters_deletes_and_persistence();
}

#[wasm_bindgen_test]
fn fast_scan_in_worker() {
    core_suite::fast_scan_sums_stay_within_their_bound();
}
