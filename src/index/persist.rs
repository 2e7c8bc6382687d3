//! Saving and loading both indexes in the container of [`crate::format`].
//!
//! Sections (all indexes):
//! - `PARM`: varints `m, ef_construction, seed, degree_m, cap0, cap, nodes, entry + 1
//!   (0 = empty), entry_level`; pruned indexes append `m_hub, m, ef, hub_fraction (f32)`.
//! - `LEVL`: the nodes above layer 0 (about 1 in M): `varint(count)`, then per node
//!   `varint(gap to the previous such node) u8(level)`.
//! - `GRPH`: the graph in compact CSR coding (see `graph::compact`).
//! - `IDS `: document ids and tombstones (see `index::ids`).
//!
//! Stored-vector index (kind 1): `VECS`, `nodes * dims` f32 LE (prepared vectors).
//! Pruned index (kind 2): `PQCB` codebook, `CODE` `nodes * subspaces` bytes, `HUBS` a
//! bitmap of hub nodes.

use std::sync::OnceLock;

use super::shape::{MAX_LEVEL, put_shape, read_shape};
use super::{Ids, IndexParams, PartSizes, PrunedIndex, VectorIndex};
use crate::error::{Error, Result};
use crate::format::varint::{Reader, f32s_from_le, put_f32s, put_varint};
use crate::format::{File, Header, Kind, Writer};
use crate::graph::{Graph, PruneParams, decode_csr, encode_csr};
use crate::quant::ProductQuantizer;
use crate::rng::Rng;

struct Common {
    params: IndexParams,
    graph: Graph,
    ids: Ids,
    prune: Option<PruneParams>,
}

fn write_common(w: &mut Writer, params: &IndexParams, graph: &Graph, ids: &Ids, prune: Option<&PruneParams>) {
    let mut parm = Vec::new();
    put_shape(&mut parm, params, graph, prune);
    w.section(b"PARM", parm);
    let mut levels = Vec::new();
    let upper: Vec<u32> = (0..graph.len() as u32).filter(|&v| graph.level(v) > 0).collect();
    put_varint(&mut levels, upper.len() as u64);
    let mut prev = 0;
    for v in upper {
        put_varint(&mut levels, (v - prev) as u64);
        levels.push(graph.level(v));
        prev = v;
    }
    w.section(b"LEVL", levels);
    let mut g = Vec::new();
    encode_csr(graph, &mut g);
    w.section(b"GRPH", g);
    let mut i = Vec::new();
    ids.to_bytes(&mut i);
    w.section(b"IDS ", i);
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

fn header(kind: Kind, params: &IndexParams) -> Header {
    Header { kind, metric: params.metric, dims: params.dims as u32 }
}

fn expect_kind(file: &File<'_>, kind: Kind) -> Result<()> {
    if file.header.kind != kind {
        return Err(Error::Corrupt(format!("this file holds a {:?} index, not a {:?} one", file.header.kind, kind)));
    }
    Ok(())
}

impl VectorIndex {
    /// Serialise to the versioned binary format.
    pub fn save(&self) -> Vec<u8> {
        let mut w = Writer::new(header(Kind::Stored, &self.params));
        write_common(&mut w, &self.params, &self.graph, &self.ids, None);
        let mut v = Vec::new();
        put_f32s(&mut v, &self.vectors);
        w.section(b"VECS", v);
        w.finish()
    }

    /// Load bytes written by [`VectorIndex::save`]; any damage gives an `Err`.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let file = File::parse(bytes)?;
        expect_kind(&file, Kind::Stored)?;
        let c = read_common(&file, false)?;
        let raw = file.section(b"VECS")?;
        if raw.len() != c.graph.len() * c.params.dims * 4 {
            return Err(Error::Corrupt("vector section does not match nodes x dimensions".into()));
        }
        let vectors = f32s_from_le(raw)?;
        if let Some(i) = vectors.iter().position(|x| !x.is_finite()) {
            return Err(Error::Corrupt(format!("vector value {i} is not finite")));
        }
        let index = VectorIndex { rng: Rng::new(c.params.seed ^ c.graph.len() as u64), params: c.params, graph: c.graph, vectors, ids: c.ids };
        index.check_dims(file.header.dims as usize)?;
        Ok(index)
    }
}

impl PrunedIndex {
    /// Serialise to the versioned binary format.
    pub fn save(&self) -> Vec<u8> {
        let mut w = Writer::new(header(Kind::Pruned, &self.params));
        write_common(&mut w, &self.params, &self.graph, &self.ids, Some(&self.prune));
        let mut cb = Vec::new();
        self.pq.to_bytes(&mut cb);
        w.section(b"PQCB", cb);
        w.section(b"CODE", self.codes.clone());
        let mut hubs = vec![0u8; self.hubs.len().div_ceil(8)];
        for (i, &h) in self.hubs.iter().enumerate() {
            if h {
                hubs[i / 8] |= 1 << (i % 8);
            }
        }
        w.section(b"HUBS", hubs);
        if self.is_flat() {
            w.section(b"FLAT", Vec::new());
        }
        w.finish()
    }

    /// Load bytes written by [`PrunedIndex::save`]; any damage gives an `Err`.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let file = File::parse(bytes)?;
        expect_kind(&file, Kind::Pruned)?;
        let c = read_common(&file, true)?;
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
        Ok(PrunedIndex {
            rng: Rng::new(c.params.seed ^ n as u64),
            params: c.params,
            prune,
            graph: c.graph,
            pq,
            codes: codes.to_vec(),
            ids: c.ids,
            hubs: (0..n).map(|i| hub_bits[i / 8] & (1 << (i % 8)) != 0).collect(),
            sdc: OnceLock::new(),
            navigation: if file.section(b"FLAT").is_ok() { super::pruned::Navigation::Scan } else { super::pruned::Navigation::Graph },
        })
    }

    /// Bytes of each part in the saved form.
    pub fn sizes(&self) -> PartSizes {
        let bytes = self.save();
        let mut s = PartSizes { total: bytes.len(), ..Default::default() };
        if let Ok(file) = File::parse(&bytes) {
            for (tag, len) in file.section_sizes() {
                match tag.as_str() {
                    "GRPH" | "LEVL" | "HUBS" => s.graph += len,
                    "CODE" => s.codes += len,
                    "PQCB" => s.codebook += len,
                    "IDS " => s.ids += len,
                    _ => {}
                }
            }
        }
        s
    }
}
