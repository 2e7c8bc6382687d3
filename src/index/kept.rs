//! [`KeptIndex`]: what a collection does with its vector index whatever the phase (stored
//! vectors or PQ codes): ids, adds, deletes, compaction and the block form it is stored
//! in. Searching differs by phase (exact distances, or PQ then recomputation) and stays
//! with each index.

use super::{Ids, PrunedIndex, VectorIndex};
use crate::error::Result;

/// An index as a collection keeps it (see the module docs).
pub trait KeptIndex {
    /// Dimensions of the vectors it indexes.
    fn dims(&self) -> usize;
    /// Its document ids and node numbers.
    fn ids(&self) -> &Ids;
    /// Add documents `ids` with their vectors (row-major).
    fn add_batch(&mut self, ids: &[u64], vectors: &[f32], threads: usize) -> Result<()>;
    /// Delete a live document.
    fn delete(&mut self, id: u64) -> Result<()>;
    /// Drop deleted nodes and renumber the rest.
    fn compact(&mut self);
    /// How many blocks its block form has.
    fn blocks(&self) -> usize;
    /// Append block `b` of its block form to `out`.
    fn encode_block(&self, b: usize, out: &mut Vec<u8>);
    /// The head of its block form (kind, parameters, counts).
    fn head_bytes(&self) -> Vec<u8>;
}

/// One impl per index, each method the index's own.
macro_rules! kept {
    ($t:ty) => {
        impl KeptIndex for $t {
            fn dims(&self) -> usize {
                self.params().dims
            }
            fn ids(&self) -> &Ids {
                <$t>::ids(self)
            }
            fn add_batch(&mut self, ids: &[u64], vectors: &[f32], threads: usize) -> Result<()> {
                <$t>::add_batch(self, ids, vectors, threads)
            }
            fn delete(&mut self, id: u64) -> Result<()> {
                <$t>::delete(self, id)
            }
            fn compact(&mut self) {
                <$t>::compact(self)
            }
            fn blocks(&self) -> usize {
                <$t>::blocks(self)
            }
            fn encode_block(&self, b: usize, out: &mut Vec<u8>) {
                <$t>::encode_block(self, b, out)
            }
            fn head_bytes(&self) -> Vec<u8> {
                <$t>::head_bytes(self)
            }
        }
    };
}

kept!(VectorIndex);
kept!(PrunedIndex);
