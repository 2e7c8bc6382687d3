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

use super::{Ids, IndexParams, PartSizes, PrunedIndex, VectorIndex};
use crate::error::{Error, Result};
use crate::format::varint::{Reader, f32s_from_le, put_f32s, put_varint};
use crate::format::{File, Header, Kind, Writer};
use crate::graph::{Degrees, Graph, PruneParams, decode_csr, encode_csr};
use crate::quant::ProductQuantizer;
use crate::rng::Rng;

const MAX_LEVEL: u8 = 30;

struct Common {
    params: IndexParams,
    graph: Graph,
    ids: Ids,
    rest: Vec<u64>,
    hub_fraction: f32,
}

fn write_common(w: &mut Writer, params: &IndexParams, graph: &Graph, ids: &Ids, extra: &[u64], fraction: Option<f32>) {
    let d = graph.degrees();
    let (entry, level) = graph.entry().map_or((0, 0), |(e, l)| (e as u64 + 1, l as u64));
    let mut parm = Vec::new();
    for v in [params.m as u64, params.ef_construction as u64, params.seed, d.m as u64, d.cap0 as u64, d.cap as u64]
        .into_iter()
        .chain([graph.len() as u64, entry, level])
        .chain(extra.iter().copied())
    {
        put_varint(&mut parm, v);
    }
    if let Some(f) = fraction {
        put_f32s(&mut parm, &[f]);
    }
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

fn read_common(file: &File<'_>, extra: usize, fraction: bool) -> Result<Common> {
    let mut r = Reader::new(file.section(b"PARM")?);
    let small = |r: &mut Reader<'_>, what: &str| r.count(255, what);
    let m = small(&mut r, "M")?;
    let ef_construction = r.count(10_000, "ef_construction")?;
    let seed = r.varint()?;
    let degrees = Degrees { m: small(&mut r, "degree m")?, cap0: small(&mut r, "cap0")?, cap: small(&mut r, "cap")? };
    if degrees.cap0 == 0 || degrees.cap == 0 {
        return Err(Error::Corrupt("degree limits must be positive".into()));
    }
    // Every node costs at least one byte of graph, which bounds the count before allocating.
    let nodes = r.count(file.section(b"GRPH")?.len(), "node count")?;
    let levels = read_levels(file.section(b"LEVL")?, nodes)?;
    let entry = r.count(nodes, "entry point")?;
    let entry_level = r.count(MAX_LEVEL as usize, "entry level")? as u8;
    let rest = (0..extra).map(|_| r.varint()).collect::<Result<Vec<_>>>()?;
    let hub_fraction = if fraction { r.f32()? } else { 0.0 };
    if !r.is_empty() {
        return Err(Error::Corrupt("parameter section has trailing bytes".into()));
    }
    let params = IndexParams { metric: file.header.metric, dims: file.header.dims as usize, m, ef_construction, seed };
    params.validate().map_err(|e| Error::Corrupt(e.to_string()))?;
    let entry = (entry > 0).then(|| (entry as u32 - 1, entry_level));
    let graph = decode_csr(file.section(b"GRPH")?, &levels, degrees, entry)?;
    let ids = Ids::from_bytes(file.section(b"IDS ")?, nodes)?;
    Ok(Common { params, graph, ids, rest, hub_fraction })
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
        write_common(&mut w, &self.params, &self.graph, &self.ids, &[], None);
        let mut v = Vec::new();
        put_f32s(&mut v, &self.vectors);
        w.section(b"VECS", v);
        w.finish()
    }

    /// Load bytes written by [`VectorIndex::save`]; any damage gives an `Err`.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let file = File::parse(bytes)?;
        expect_kind(&file, Kind::Stored)?;
        let c = read_common(&file, 0, false)?;
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
        let p = &self.prune;
        write_common(&mut w, &self.params, &self.graph, &self.ids, &[p.m_hub as u64, p.m as u64, p.ef as u64], Some(p.hub_fraction));
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
        w.finish()
    }

    /// Load bytes written by [`PrunedIndex::save`]; any damage gives an `Err`.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let file = File::parse(bytes)?;
        expect_kind(&file, Kind::Pruned)?;
        let c = read_common(&file, 3, true)?;
        let prune = PruneParams { m_hub: c.rest[0] as usize, m: c.rest[1] as usize, ef: c.rest[2].min(1 << 20) as usize, hub_fraction: c.hub_fraction };
        prune.validate().map_err(|e| Error::Corrupt(e.to_string()))?;
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
