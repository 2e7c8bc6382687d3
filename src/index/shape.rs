//! The parameter record both persistence forms share (the `PARM` section of a saved
//! index, the tail of a block-form head): everything needed to rebuild an empty index of
//! the right shape before its nodes are read.
//!
//! `varint(m ef_construction seed degree_m cap0 cap nodes entry+1 entry_level)`, then for
//! pruned indexes `varint(m_hub m ef) f32(hub_fraction)`.

use super::IndexParams;
use crate::distance::Metric;
use crate::error::{Error, Result};
use crate::format::varint::{Reader, put_f32s, put_varint};
use crate::graph::{Degrees, Graph, PruneParams};

/// Highest level a node may have (the level draw caps at 30).
pub const MAX_LEVEL: u8 = 30;

/// What the parameter record holds.
pub struct Shape {
    pub params: IndexParams,
    pub degrees: Degrees,
    pub nodes: usize,
    pub entry: Option<(u32, u8)>,
    pub prune: Option<PruneParams>,
}

/// The record of an index with `params`, degree limits `d`, `nodes` nodes and entry point
/// `entry` (a graph's, see [`Topology::of`]; a flat index records [`Topology::flat`]).
/// What the parameter record says of the graph: degree limits, nodes, entry point.
#[derive(Clone, Copy)]
pub struct Topology {
    pub degrees: Degrees,
    pub nodes: usize,
    pub entry: Option<(u32, u8)>,
}

impl Topology {
    pub fn of(graph: &Graph) -> Topology {
        Topology { degrees: graph.degrees(), nodes: graph.len(), entry: graph.entry() }
    }

    /// A flat index's record (it has no graph): the smallest valid degree limits and node 0
    /// as entry point, as format 1 wrote them.
    pub fn flat(nodes: usize) -> Topology {
        Topology { degrees: Degrees { m: 1, cap0: 1, cap: 1 }, nodes, entry: (nodes > 0).then_some((0, 0)) }
    }
}

pub fn put_shape(out: &mut Vec<u8>, params: &IndexParams, t: Topology, prune: Option<&PruneParams>) {
    let d = t.degrees;
    let (entry, level) = t.entry.map_or((0, 0), |(e, l)| (e as u64 + 1, l as u64));
    for v in [params.m as u64, params.ef_construction as u64, params.seed, d.m as u64, d.cap0 as u64, d.cap as u64] {
        put_varint(out, v);
    }
    for v in [t.nodes as u64, entry, level] {
        put_varint(out, v);
    }
    if let Some(p) = prune {
        for v in [p.m_hub as u64, p.m as u64, p.ef as u64] {
            put_varint(out, v);
        }
        put_f32s(out, &[p.hub_fraction]);
    }
}

/// Read a record written by [`put_shape`]; `max_nodes` bounds the node count before the
/// caller allocates anything for it. Everything is validated.
pub fn read_shape(r: &mut Reader<'_>, metric: Metric, dims: usize, max_nodes: usize, pruned: bool) -> Result<Shape> {
    let m = r.count(255, "M")?;
    let ef_construction = r.count(10_000, "ef_construction")?;
    let seed = r.varint()?;
    let degrees = Degrees { m: r.count(255, "degree m")?, cap0: r.count(255, "cap0")?, cap: r.count(255, "cap")? };
    if degrees.cap0 == 0 || degrees.cap == 0 {
        return Err(Error::Corrupt("degree limits must be positive".into()));
    }
    let nodes = r.count(max_nodes, "node count")?;
    let entry = r.count(nodes, "entry point")?;
    let entry_level = r.count(MAX_LEVEL as usize, "entry level")? as u8;
    let prune = if pruned {
        let p = PruneParams { m_hub: r.count(255, "m_hub")?, m: r.count(255, "m")?, ef: r.varint()?.min(1 << 20) as usize, hub_fraction: r.f32()? };
        p.validate().map_err(|e| Error::Corrupt(e.to_string()))?;
        Some(p)
    } else {
        None
    };
    let params = IndexParams { metric, dims, m, ef_construction, seed };
    params.validate().map_err(|e| Error::Corrupt(e.to_string()))?;
    let entry = (entry > 0).then(|| (entry as u32 - 1, entry_level));
    Ok(Shape { params, degrees, nodes, entry, prune })
}
