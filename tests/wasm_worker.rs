//! IndexedDB store and collection persistence in a dedicated worker (headless Chromium):
//! `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//!  cargo test --target wasm32-unknown-unknown --features web --test wasm_worker`
#![cfg(all(target_arch = "wasm32", feature = "web"))]

use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_dedicated_worker);

mod wasm_common;

#[wasm_bindgen_test]
async fn idb_store_conforms_in_worker() {
    wasm_common::idb_conforms("nook-test-conformance-worker").await;
}

#[wasm_bindgen_test]
async fn collection_survives_reopen_in_worker() {
    wasm_common::collection_survives_reopen("nook-test-collection-worker").await;
}

#[wasm_bindgen_test]
async fn long_documents_keep_their_embedding_in_worker() {
    wasm_common::long_documents_keep_their_embedding_through_indexeddb("nook-test-kept-worker").await;
}
