//! IndexedDB store and collection persistence in a browser window (headless Chromium):
//! `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//!  cargo test --target wasm32-unknown-unknown --features web --test wasm_window`
#![cfg(all(target_arch = "wasm32", feature = "web"))]

use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_browser);

mod wasm_common;

#[wasm_bindgen_test]
async fn idb_store_conforms_in_window() {
    wasm_common::idb_conforms("nook-test-conformance-window").await;
}

#[wasm_bindgen_test]
async fn collection_survives_reopen_in_window() {
    wasm_common::collection_survives_reopen("nook-test-collection-window").await;
}

#[wasm_bindgen_test]
async fn long_documents_keep_their_embedding_in_window() {
    wasm_common::long_documents_keep_their_embedding_through_indexeddb("nook-test-kept-window").await;
}

#[wasm_bindgen_test]
async fn v1_records_open_from_indexeddb_in_window() {
    wasm_common::v1_records_open_from_indexeddb("nook-test-v1-window").await;
}
