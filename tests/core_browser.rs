//! The core suite in a browser window (wasm32 only; run by scripts/test.sh).
#![cfg(target_arch = "wasm32")]

mod common;
mod core_suite;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn core_suite_in_window() {
    core_suite::stored_and_pruned_recall_filters_deletes_and_persistence();
}

#[wasm_bindgen_test]
fn fast_scan_in_window() {
    core_suite::fast_scan_sums_stay_within_their_bound();
}
