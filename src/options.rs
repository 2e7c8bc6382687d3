//! The option names of the JavaScript API that reach the core: one list, read by the wasm
//! parser (`wasm/convert.rs`, which refuses any other name), and against which a test
//! (`tests/option_names.rs`) checks the client's `SETTINGS` (`pkg/src/index.js`) and the
//! declarations (`pkg/src/index.d.ts`), so a new knob cannot be added in one place only.

/// The collection's knobs (`collection::Settings`).
pub const SETTINGS: [&str; 13] = [
    "pruneAt",
    "graphAt",
    "cacheSize",
    "maxTextBytes",
    "keywordWeight",
    "minScore",
    "rerank",
    "ef",
    "pqSubspaces",
    "pqBits",
    "keepEmbeddingsFrom",
    "warmUp",
    "rememberSearches",
];

/// The embedder's (`embed::EmbedConfig`), for a model other than the default.
pub const EMBEDDER: [&str; 3] = ["maxTokens", "pooling", "heads"];

/// Options the client handles itself (which files, which worker, how many helpers); the
/// core never sees them.
pub const CLIENT: [&str; 10] =
    ["modelUrl", "model", "tokenizerUrl", "tokenizer", "wasmUrl", "wasmRelaxedUrl", "workerUrl", "persist", "indexWorkers", "searchWorkers"];

/// Whether `name` is an option the core reads.
pub fn is_core_option(name: &str) -> bool {
    SETTINGS.contains(&name) || EMBEDDER.contains(&name)
}
