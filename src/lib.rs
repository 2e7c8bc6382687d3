//! nook: private semantic search that lives in the browser.
//!
//! The core (this crate without features) is pure Rust: no I/O, no JS, no async.
//! - [`distance`]: cosine / dot / L2 kernels.
//! - [`graph`]: HNSW construction and search, LEANN pruning, locality renumbering.
//! - [`quant`]: product quantization (ADC) and int8 scalar quantization.
//! - [`index`]: the indexes callers use: [`VectorIndex`] (stored vectors) and
//!   [`PrunedIndex`] (no stored vectors; two-level search with recomputation).
//! - [`format`]: the versioned container of index files (`save -> Vec<u8>`, `load(&[u8])`),
//!   which holds the block form IndexedDB stores (`index::blocks`).

pub mod distance;
#[cfg(feature = "embed")]
pub mod embed;
pub mod error;
pub mod format;
pub mod graph;
pub mod index;
pub mod options;
pub mod parallel;
pub mod quant;
pub mod rng;

pub use distance::Metric;

/// The hash map of the maps an open fills per document and per term (ids, keys, postings):
/// std's map with foldhash instead of SipHash. Keys are the user's own data, in their own
/// browser, so denial-of-service hashing buys nothing there.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// The set kind of [`FastMap`].
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
pub use error::{Error, Result};
pub use index::provider::{ExactVectors, TableVectors};
pub mod collection;
pub mod records;
pub mod site;
pub mod store;
pub mod text;
#[cfg(all(target_arch = "wasm32", feature = "web", feature = "embed"))]
pub mod wasm;
