//! The embedder in a dedicated Web Worker (where the product runs it: pkg/src/worker.js),
//! headless Chromium, wasm32 + simd128: same checks as tests/embed_browser.rs.
//! Run by `scripts/test_embed.sh`.

#![cfg(all(target_arch = "wasm32", feature = "embed"))]

mod embed_support;

use embed_support::wasm;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
async fn matches_reference_in_worker() {
    wasm::matches_reference("worker").await;
}

#[wasm_bindgen_test]
async fn bad_input_is_an_error_not_a_trap_in_worker() {
    wasm::bad_input_is_an_error_not_a_trap("worker").await;
}

#[wasm_bindgen_test]
async fn read_where_it_lies_in_worker() {
    wasm::read_where_it_lies("worker").await;
}
