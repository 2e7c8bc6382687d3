//! The embedder in headless Chromium (wasm32, `+simd128`): the real model and tokenizer,
//! fetched as bytes like the product does, must reproduce the onnxruntime reference
//! embeddings, agree batched vs single, and turn bad input into errors, never traps.
//!
//! Run with `scripts/test_embed.sh`, or by hand (model prepared by scripts/fetch_model.sh):
//! `CHROMEDRIVER=/usr/bin/chromedriver
//!  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//!  cargo test --target wasm32-unknown-unknown --features embed --test embed_browser`
//!
//! wasm-bindgen-test-runner serves the crate directory, so the files are fetched from
//! `/models/` (override the URL prefix at compile time with `NOOK_MODEL_URL`).

#![cfg(all(target_arch = "wasm32", feature = "embed"))]

mod embed_support;

use embed_support::wasm;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn matches_reference_in_browser() {
    wasm::matches_reference("browser").await;
}

#[wasm_bindgen_test]
async fn bad_input_is_an_error_not_a_trap() {
    wasm::bad_input_is_an_error_not_a_trap("browser").await;
}

#[wasm_bindgen_test]
async fn read_where_it_lies_in_browser() {
    wasm::read_where_it_lies("browser").await;
}
