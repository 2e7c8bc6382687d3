//! The indexes callers use. Both map the caller's `u64` document ids to graph nodes,
//! support filters during search, deletes (tombstones + neighbour repair + compaction)
//! and save to / load from bytes.
//!
//! - [`VectorIndex`]: HNSW with stored f32 vectors, for callers who bring their own.
//! - [`PrunedIndex`]: LEANN-style. A pruned graph plus PQ codes, no full vectors; search
//!   navigates on PQ distances and asks an [`ExactVectors`](provider::ExactVectors)
//!   provider for the few exact vectors the final ranking needs.

mod blocks;
mod flat;
mod ids;
mod kept;
mod legacy;
mod linking;
mod persist;
pub mod provider;
mod pruned;
mod shape;
mod stored;
mod two_level;

pub use crate::format::Kind;
pub use crate::graph::{PruneParams, SearchScratch};
pub use crate::quant::PqParams;
pub use blocks::{BLOCK_NODES, block_count, head_kind};
pub use ids::Ids;
pub use kept::KeptIndex;
pub use linking::Linking;
pub use pruned::{Navigation, PartSizes, PrunedIndex, Walk};
pub use stored::VectorIndex;
pub use two_level::{SearchStats, Stop, TwoLevelParams};

use crate::distance::Metric;
use crate::error::{Error, Result};

/// Graph-construction parameters, named as in the HNSW paper.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IndexParams {
    pub metric: Metric,
    pub dims: usize,
    /// M: neighbours chosen per node (layer 0 keeps up to 2M).
    pub m: usize,
    /// ef_construction: candidate list size while linking.
    pub ef_construction: usize,
    /// Seed for level draws (builds are reproducible for a given insertion order).
    pub seed: u64,
}

impl IndexParams {
    pub fn new(metric: Metric, dims: usize) -> Self {
        IndexParams { metric, dims, m: 16, ef_construction: 200, seed: 42 }
    }

    pub fn validate(&self) -> Result<()> {
        if self.dims == 0 || self.dims > 1 << 16 {
            return Err(Error::InvalidParameter(format!("dims must be within 1..=65536, got {}", self.dims)));
        }
        if self.m < 2 || self.m > 127 {
            return Err(Error::InvalidParameter(format!("M must be within 2..=127, got {}", self.m)));
        }
        if self.ef_construction < 1 || self.ef_construction > 10_000 {
            return Err(Error::InvalidParameter("ef_construction must be within 1..=10000".into()));
        }
        Ok(())
    }
}

/// One search result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// The caller's document id.
    pub id: u64,
    /// Distance to the query under the index's metric (smaller is closer).
    pub distance: f32,
    /// False for a two-level search's extra candidates (past `k`) that got no exact
    /// distance: theirs is the PQ estimate, corrected by the query's measured error mean.
    pub exact: bool,
}

/// A predicate over document ids, applied during traversal.
pub type Filter<'a> = &'a dyn Fn(u64) -> bool;

/// Check a batch of vectors and prepare them for the metric (normalised for cosine).
pub(crate) fn prepared(vectors: &[f32], count: usize, params: &IndexParams) -> Result<Vec<f32>> {
    let dims = params.dims;
    if vectors.len() != count * dims {
        return Err(Error::DimensionMismatch { expected: count * dims, got: vectors.len() });
    }
    let mut out = vectors.to_vec();
    for row in out.chunks_exact_mut(dims) {
        crate::distance::validate(row, dims)?;
        params.metric.prepare(row);
    }
    Ok(out)
}

pub(crate) fn check_k(k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::InvalidParameter("k must be at least 1".into()));
    }
    Ok(())
}
