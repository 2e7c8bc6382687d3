//! Version 1 index files, read only: files written by `nook build` before format 2 still
//! open. Nothing writes this form any more; format 2 holds the block form
//! (`index::persist`), so files, IndexedDB and exports share one codec.
//!
//! Version 1 sections (all indexes):
//! - `PARM`: the parameter record (`index::shape`).
//! - `LEVL`: the nodes above layer 0 (about 1 in M): `varint(count)`, then per node
//!   `varint(gap to the previous such node) u8(level)`.
//! - `GRPH`: the graph in compact CSR coding (see `graph::compact`).
//! - `IDS `: document ids and tombstones (see `index::ids`).
//!
//! Stored-vector index (kind 1): `VECS`, `nodes * dims` f32 LE (prepared vectors).
//! Pruned index (kind 2): `PQCB` codebook, `CODE` `nodes * subspaces` bytes, `HUBS` a
//! bitmap of hub nodes; an empty `FLAT` section marks an index scanned without its graph.

use std::sync::OnceLock;

use super::pruned::{Navigation, Walk};
use super::shape::{MAX_LEVEL, read_shape};
use super::{Ids, IndexParams, PrunedIndex, VectorIndex};
use crate::error::{Error, Result};
use crate::format::File;
use crate::format::varint::{Reader, f32s_from_le};
use crate::graph::{Graph, PruneParams, decode_csr};
use crate::quant::ProductQuantizer;
use crate::rng::Rng;

struct Common {
    params: IndexParams,
    graph: Graph,
    ids: Ids,
    prune: Option<PruneParams>,
}

fn read_common(file: &File<'_>, pruned: bool) -> Result<Common> {
    let mut r = Reader::new(file.section(b"PARM")?);
    // Every node costs at least one byte of graph, which bounds the count before allocating.
    let max_nodes = file.section(b"GRPH")?.len();
    let shape = read_shape(&mut r, file.header.metric, file.header.dims as usize, max_nodes, pruned)?;
    if !r.is_empty() {
        return Err(Error::Corrupt("parameter section has trailing bytes".into()));
    }
    let levels = read_levels(file.section(b"LEVL")?, shape.nodes)?;
    let graph = decode_csr(file.section(b"GRPH")?, &levels, shape.degrees, shape.entry)?;
    let ids = Ids::from_bytes(file.section(b"IDS ")?, shape.nodes)?;
    Ok(Common { params: shape.params, graph, ids, prune: shape.prune })
}

fn read_levels(bytes: &[u8], nodes: usize) -> Result<Vec<u8>> {
    let mut r = Reader::new(bytes);
    let mut levels = vec![0u8; nodes];
    let count = r.count(nodes, "nodes above layer 0")?;
    let mut at = 0usize;
    for i in 0..count {
        at += r.count(nodes, "node gap")?;
        let level = r.u8()?;
        if at >= nodes || (i > 0 && levels[at] != 0) || level == 0 || level > MAX_LEVEL {
            return Err(Error::Corrupt(format!("level entry {i} (node {at}, level {level}) is invalid")));
        }
        levels[at] = level;
    }
    if !r.is_empty() {
        return Err(Error::Corrupt("level section has trailing bytes".into()));
    }
    Ok(levels)
}

/// A version 1 stored-vector index file.
pub(super) fn stored(file: &File<'_>) -> Result<VectorIndex> {
    let c = read_common(file, false)?;
    let raw = file.section(b"VECS")?;
    if raw.len() != c.graph.len() * c.params.dims * 4 {
        return Err(Error::Corrupt("vector section does not match nodes x dimensions".into()));
    }
    let vectors = f32s_from_le(raw)?;
    if let Some(i) = vectors.iter().position(|x| !x.is_finite()) {
        return Err(Error::Corrupt(format!("vector value {i} is not finite")));
    }
    Ok(VectorIndex { rng: Rng::new(c.params.seed ^ c.graph.len() as u64), params: c.params, graph: c.graph, vectors, ids: c.ids })
}

/// A version 1 pruned index file.
pub(super) fn pruned(file: &File<'_>) -> Result<PrunedIndex> {
    let c = read_common(file, true)?;
    let prune = c.prune.ok_or_else(|| Error::Corrupt("pruned index without pruning parameters".into()))?;
    let pq = ProductQuantizer::from_bytes(file.section(b"PQCB")?, c.params.metric, c.params.dims)?;
    let n = c.graph.len();
    let codes = file.section(b"CODE")?;
    if codes.len() != n * pq.code_len() {
        return Err(Error::Corrupt("code section does not match nodes x subspaces".into()));
    }
    let hub_bits = file.section(b"HUBS")?;
    if hub_bits.len() != n.div_ceil(8) {
        return Err(Error::Corrupt("hub bitmap does not match the node count".into()));
    }
    let navigation = if file.section(b"FLAT").is_ok() {
        Navigation::Scan(None) // its graph was nodes without links
    } else {
        Navigation::Graph(Walk { graph: c.graph, hubs: (0..n).map(|i| hub_bits[i / 8] & (1 << (i % 8)) != 0).collect() })
    };
    Ok(PrunedIndex {
        rng: Rng::new(c.params.seed ^ n as u64),
        params: c.params,
        prune,
        pq,
        codes: codes.to_vec(),
        ids: c.ids,
        sdc: OnceLock::new(),
        navigation,
        memo: Default::default(),
    })
}
