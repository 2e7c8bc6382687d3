//! The exact-vector provider: how two-level search gets the few full vectors it needs.
//!
//! A pruned index keeps no full vectors. At query time it asks the caller (later the
//! embedder, which recomputes a document's embedding from its text) for the exact vectors
//! of the most promising candidates, in batches.

use crate::error::Result;

/// Supplies exact vectors for documents, identified by their caller-assigned ids.
pub trait ExactVectors {
    /// Append to `out` the exact vectors of `ids`, in order (`ids.len() * dims` floats).
    /// Vectors for a cosine index need not be normalised; the index normalises them.
    fn exact_vectors(&mut self, ids: &[u64], out: &mut Vec<f32>) -> Result<()>;

    /// Is `id`'s exact vector at hand for nothing (for nook: an embedding a long document
    /// keeps), so that a search measures it whenever it is a candidate? A property of the
    /// document, never of a cache: the same query must give the same results.
    fn is_free(&self, _id: u64) -> bool {
        false
    }

    /// Does the search rank `id` by its approximate distance instead of asking for its
    /// exact vector? True where the provider has none at hand and is not to make one (for
    /// nook: a preview's candidate neither kept nor cached, whose code's vector would be
    /// all it could give: the distance the search already has, without decoding the code).
    /// Such a candidate counts as measured at that distance. False by default.
    fn keeps_estimate(&mut self, _id: u64) -> bool {
        false
    }

    /// A second estimate of each of `ids`' distance to the query, made without its exact
    /// vector and independent of the index's codes (for nook: the query's and the
    /// documents' token ids, [`crate::collection::bag::TokenBag`]), appended to `out` in
    /// order; false (and `out` untouched) if there is none. A function of the documents
    /// and the query alone, never of a cache. Two-level search fits it with the codes'
    /// distances to the exact ones it measured, and orders the rest by the fit.
    fn estimates(&mut self, _ids: &[u64], _out: &mut Vec<f32>) -> bool {
        false
    }
}

/// A provider over an in-memory table: `vectors[id]` is the vector of document `id`.
/// Used by tests and benchmarks where the "recomputation" is a lookup.
pub struct TableVectors<'a> {
    pub vectors: &'a [f32],
    pub dims: usize,
}

impl ExactVectors for TableVectors<'_> {
    fn exact_vectors(&mut self, ids: &[u64], out: &mut Vec<f32>) -> Result<()> {
        for &id in ids {
            let start = usize::try_from(id).ok().and_then(|i| i.checked_mul(self.dims));
            match start.and_then(|s| self.vectors.get(s..s + self.dims)) {
                Some(v) => out.extend_from_slice(v),
                None => return Err(crate::Error::UnknownId(id)),
            }
        }
        Ok(())
    }
}
