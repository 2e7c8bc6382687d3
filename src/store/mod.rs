//! Persistence of a collection as keyed byte records, one atomic commit per operation.
//! The record types themselves ([`Table`], [`Write`], [`Snapshot`]) and [`Failure`] are
//! defined in `crate::records`, under both the collection and the stores.
//!
//! Three tables: `Meta` (the manifest, key 0; the PQ codebook, key 1), `Docs` (pages of
//! small documents, keyed from 2^52, and large documents alone under their internal key:
//! `collection::pages`) and `Blocks` (index blocks, keyed by block number). A [`Store`] commits a list of [`Write`]s atomically: all or nothing. The
//! collection decides *what* to write (only what changed, the manifest generation bumped
//! in the same commit); a store only moves bytes.
//!
//! - [`MemoryStore`]: the portable default (tests, native use).
//! - `IdbStore` (wasm32 + feature `web`): IndexedDB, one readwrite transaction per commit.

#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub mod idb;
mod memory;

// The record and failure types live below both the collection and the stores
// (`crate::records`); re-exported here, where callers meet them with a `Store`.
pub use crate::records::{CODEBOOK_KEY, Failure, Kind, MANIFEST_KEY, MODEL_KEY, Records, Result, Snapshot, Table, Write};
pub use memory::MemoryStore;

/// A backend. Futures are not `Send`: IndexedDB lives on one thread.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// Every record of every table.
    async fn load(&self) -> Result<Snapshot>;
    /// One record.
    async fn get(&self, table: Table, key: u64) -> Result<Option<Vec<u8>>>;
    /// Apply all writes atomically, in order (of two writes to one key, the later one
    /// stands): after an `Err`, none of them is visible.
    async fn commit(&self, writes: &[Write]) -> Result<()>;
    /// Remove every record (atomically).
    async fn clear(&self) -> Result<()>;
}
