//! The block form of every index: what IndexedDB stores (a record per block, so a change
//! rewrites only the blocks it touched), what an export carries, and what an index file
//! holds (`index::persist`). One codec.
//!
//! An index is cut into a small *head* (parameters, degree limits, node count, entry
//! point), the PQ *codebook* (pruned indexes; written once, when PQ is trained) and
//! *blocks* of [`BLOCK_NODES`] consecutive nodes. A caller keeps a checksum per block and,
//! after a change, rewrites only the blocks whose bytes differ: an add touches the new
//! nodes' blocks and the blocks of the neighbours it linked to.
//!
//! ```text
//! head:  b"NKBH" u8(version=1) u8(kind: format::Kind, 1 stored | 2 pruned | 3 flat) u8(metric) varint(dims)
//!        varint(m ef_construction seed degree_m cap0 cap nodes entry+1 entry_level)
//!        [pruned: varint(m_hub m_small ef) f32(hub_fraction)]
//! block: per node: varint(id) u8(flags: 1 deleted, 2 hub) u8(level)
//!        per layer 0..=level: varint(count) then sorted ids, first absolute, then gaps
//!        payload: pruned = `subspaces` code bytes; stored = `dims` f32 LE
//! flat (kind 3, a pruned index without graph; head as pruned):
//! block: per node: zigzag_varint(id - previous id - 1) then the code (a block's first
//!        node counts from id 0), then a bitmap of deleted nodes (bit i of byte i/8)
//! ```
//! Pure: bytes in, bytes out. Checksums of records are the store's business.

use std::sync::OnceLock;

use super::pruned::{Navigation, Walk};
use super::shape::{MAX_LEVEL, Topology, put_shape, read_shape};
use super::{Ids, IndexParams, PrunedIndex, VectorIndex};
use crate::distance::Metric;
use crate::error::{Error, Result};
use crate::format::Kind;
use crate::format::varint::{Reader, put_f32s, put_varint, unzigzag, zigzag};
use crate::graph::{Degrees, Graph, PruneParams};
use crate::quant::ProductQuantizer;
use crate::rng::Rng;

/// Nodes per block.
pub const BLOCK_NODES: usize = 256;

const HEAD_MAGIC: &[u8; 4] = b"NKBH";
const HEAD_VERSION: u8 = 1;

struct Head {
    kind: Kind,
    params: IndexParams,
    degrees: Degrees,
    nodes: usize,
    entry: Option<(u32, u8)>,
    prune: Option<PruneParams>,
}

fn write_head(kind: Kind, params: &IndexParams, topology: Topology, prune: Option<&PruneParams>) -> Vec<u8> {
    let mut out = HEAD_MAGIC.to_vec();
    out.extend_from_slice(&[HEAD_VERSION, kind.code(), params.metric.code()]);
    put_varint(&mut out, params.dims as u64);
    put_shape(&mut out, params, topology, prune);
    out
}

fn read_head(bytes: &[u8]) -> Result<Head> {
    let mut r = Reader::new(bytes);
    if r.take(4).ok() != Some(HEAD_MAGIC.as_slice()) {
        return Err(Error::Corrupt("index head record does not start with its magic".into()));
    }
    let version = r.u8()?;
    if version > HEAD_VERSION {
        return Err(Error::NewerFormat { found: version as u32, supported: HEAD_VERSION as u32 });
    }
    let kind = Kind::from_code(r.u8()?)?;
    let metric = Metric::from_code(r.u8()?)?;
    let dims = r.count(1 << 16, "dims")?;
    let shape = read_shape(&mut r, metric, dims, u32::MAX as usize - 1, kind != Kind::Stored)?;
    if !r.is_empty() {
        return Err(Error::Corrupt("index head record has trailing bytes".into()));
    }
    Ok(Head { kind, params: shape.params, degrees: shape.degrees, nodes: shape.nodes, entry: shape.entry, prune: shape.prune })
}

/// The kind of index a head record describes (to pick the loader).
pub fn head_kind(head: &[u8]) -> Result<Kind> {
    read_head(head).map(|h| h.kind)
}

fn wrong_block_count(blocks: usize, nodes: usize) -> Error {
    Error::Corrupt(format!("{blocks} blocks for {nodes} nodes (expected {})", block_count(nodes)))
}

/// Number of blocks an index of `nodes` nodes has.
pub fn block_count(nodes: usize) -> usize {
    nodes.div_ceil(BLOCK_NODES)
}

fn encode_nodes(graph: &Graph, ids: &Ids, hubs: Option<&[bool]>, block: usize, payload: &dyn Fn(u32, &mut Vec<u8>), out: &mut Vec<u8>) {
    let start = block * BLOCK_NODES;
    let end = (start + BLOCK_NODES).min(graph.len());
    let mut list = Vec::new();
    for node in start as u32..end as u32 {
        put_varint(out, ids.label(node));
        let hub = hubs.is_some_and(|h| h[node as usize]);
        out.push(u8::from(!ids.is_live(node)) | (u8::from(hub) << 1));
        let level = graph.level(node);
        out.push(level);
        for layer in 0..=level {
            list.clear();
            graph.for_each_neighbour(node, layer, |n| list.push(n));
            list.sort_unstable();
            put_varint(out, list.len() as u64);
            let mut prev = 0u32;
            for (i, &n) in list.iter().enumerate() {
                put_varint(out, if i == 0 { n as u64 } else { (n - prev) as u64 });
                prev = n;
            }
        }
        payload(node, out);
    }
}

/// What loading one node yields before the graph is assembled.
struct NodeRec {
    id: u64,
    flags: u8,
    level: u8,
    links: Vec<Vec<u32>>,
}

fn decode_nodes(bytes: &[u8], first: usize, count: usize, head: &Head, payload_len: usize, payload: &mut Vec<u8>) -> Result<Vec<NodeRec>> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let node = first + i;
        let id = r.varint()?;
        let flags = r.u8()?;
        let level = r.u8()?;
        if flags > 3 || level > MAX_LEVEL {
            return Err(Error::Corrupt(format!("node {node}: bad flags {flags} or level {level}")));
        }
        let mut links = Vec::with_capacity(level as usize + 1);
        for layer in 0..=level {
            let cap = if layer == 0 { head.degrees.cap0 } else { head.degrees.cap };
            let n = r.count(cap, "neighbour count")?;
            let mut list = Vec::with_capacity(n);
            let mut prev = 0u64;
            for j in 0..n {
                let v = r.varint()?;
                let id = if j == 0 {
                    v
                } else {
                    prev.checked_add(v).filter(|_| v > 0).ok_or_else(|| Error::Corrupt(format!("node {node}: neighbour list not increasing")))?
                };
                if id >= head.nodes as u64 {
                    return Err(Error::Corrupt(format!("node {node} links to node {id}, beyond {} nodes", head.nodes)));
                }
                list.push(id as u32);
                prev = id;
            }
            links.push(list);
        }
        payload.extend_from_slice(r.take(payload_len)?);
        out.push(NodeRec { id, flags, level, links });
    }
    if !r.is_empty() {
        return Err(Error::Corrupt(format!("block at node {first} has trailing bytes")));
    }
    Ok(out)
}

/// `nodes x per_node` bytes, but never more than the blocks hold: what a head's counts may
/// reserve before the blocks are decoded (the head is outside input, its crc recomputable).
fn bounded(nodes: usize, per_node: usize, blocks: &[&[u8]]) -> usize {
    nodes.saturating_mul(per_node).min(blocks.iter().map(|b| b.len()).sum())
}

/// Assemble graph + ids (+ hub flags) from decoded blocks; payload bytes in `payload`.
fn assemble(head: &Head, blocks: &[&[u8]], payload_len: usize, payload: &mut Vec<u8>) -> Result<(Graph, Ids, Vec<bool>)> {
    if blocks.len() != block_count(head.nodes) {
        return Err(wrong_block_count(blocks.len(), head.nodes));
    }
    let mut graph = Graph::new(head.degrees);
    let mut ids = Ids::default();
    // Capacities from the head are only hints: bounded by the bytes present (a node takes
    // at least 3), so a crafted head cannot make us allocate what the blocks do not hold.
    let nodes = bounded(head.nodes, 1, blocks) / 3;
    let mut hubs = Vec::with_capacity(nodes);
    let mut recs = Vec::with_capacity(nodes);
    for (b, bytes) in blocks.iter().enumerate() {
        let first = b * BLOCK_NODES;
        let count = (head.nodes - first).min(BLOCK_NODES);
        recs.extend(decode_nodes(bytes, first, count, head, payload_len, payload)?);
    }
    let mut deleted = Vec::new();
    for rec in &recs {
        graph.push_node(rec.level);
        if ids.node(rec.id).is_some() {
            return Err(Error::Corrupt(format!("document id {} appears twice", rec.id)));
        }
        ids.push(rec.id);
        hubs.push(rec.flags & 2 != 0);
        if rec.flags & 1 != 0 {
            deleted.push(rec.id);
        }
    }
    for id in deleted {
        ids.delete(id)?;
    }
    for (node, rec) in recs.iter().enumerate() {
        for (layer, list) in rec.links.iter().enumerate() {
            if let Some(&bad) = list.iter().find(|&&n| graph.level(n) < layer as u8) {
                return Err(Error::Corrupt(format!("node {node} links on layer {layer} to node {bad}, which is not on it")));
            }
            graph.set_neighbours(node as u32, layer as u8, list);
        }
    }
    match head.entry {
        Some((e, l)) if (e as usize) < head.nodes && graph.level(e) == l => graph.set_entry(e, l),
        Some(_) => return Err(Error::Corrupt("entry point is not a node of its level".into())),
        None if head.nodes > 0 => return Err(Error::Corrupt("a non-empty graph without entry point".into())),
        None => {}
    }
    Ok((graph, ids, hubs))
}

impl PrunedIndex {
    /// The head record (see the module docs).
    pub fn head_bytes(&self) -> Vec<u8> {
        match &self.navigation {
            Navigation::Scan(_) => write_head(Kind::Flat, &self.params, Topology::flat(self.ids.nodes()), Some(&self.prune)),
            Navigation::Graph(w) => write_head(Kind::Pruned, &self.params, Topology::of(&w.graph), Some(&self.prune)),
        }
    }

    /// The PQ codebook record; it changes only when PQ is trained.
    pub fn codebook_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.pq.to_bytes(&mut out);
        out
    }

    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        block_count(self.ids.nodes())
    }

    /// Append block `b`'s bytes to `out`.
    pub fn encode_block(&self, b: usize, out: &mut Vec<u8>) {
        let walk = match &self.navigation {
            Navigation::Scan(_) => return self.encode_flat_block(b, out),
            Navigation::Graph(walk) => walk,
        };
        let m = self.pq.code_len();
        let payload = |n: u32, out: &mut Vec<u8>| out.extend_from_slice(&self.codes[n as usize * m..(n as usize + 1) * m]);
        encode_nodes(&walk.graph, &self.ids, Some(&walk.hubs), b, &payload, out);
    }

    fn encode_flat_block(&self, b: usize, out: &mut Vec<u8>) {
        let start = b * BLOCK_NODES;
        let end = (start + BLOCK_NODES).min(self.ids.nodes());
        let mut prev = 0u64;
        let mut deleted = vec![0u8; (end - start).div_ceil(8)];
        for node in start as u32..end as u32 {
            let id = self.ids.label(node);
            put_varint(out, zigzag(id.wrapping_sub(prev).wrapping_sub(1) as i64));
            prev = id;
            out.extend_from_slice(self.code(node));
            if !self.ids.is_live(node) {
                let i = node as usize - start;
                deleted[i / 8] |= 1 << (i % 8);
            }
        }
        out.extend_from_slice(&deleted);
    }

    /// Rebuild from a head, the codebook and all blocks in order; damage gives `Err`.
    pub fn from_blocks(head: &[u8], codebook: &[u8], blocks: &[&[u8]]) -> Result<Self> {
        let h = read_head(head)?;
        let prune = match (h.kind, h.prune) {
            (Kind::Pruned | Kind::Flat, Some(p)) => p,
            _ => return Err(Error::Corrupt("the head record is not a pruned index's".into())),
        };
        let pq = ProductQuantizer::from_bytes(codebook, h.params.metric, h.params.dims)?;
        if h.kind == Kind::Flat {
            return Self::from_flat_blocks(&h, prune, pq, blocks);
        }
        let mut codes = Vec::with_capacity(bounded(h.nodes, pq.code_len(), blocks));
        let (graph, ids, hubs) = assemble(&h, blocks, pq.code_len(), &mut codes)?;
        Ok(PrunedIndex {
            rng: Rng::new(h.params.seed ^ h.nodes as u64),
            params: h.params,
            prune,
            pq,
            codes,
            ids,
            sdc: OnceLock::new(),
            navigation: Navigation::Graph(Walk { graph, hubs }),
            memo: Default::default(),
        })
    }

    fn from_flat_blocks(h: &Head, prune: PruneParams, pq: ProductQuantizer, blocks: &[&[u8]]) -> Result<Self> {
        if blocks.len() != block_count(h.nodes) {
            return Err(wrong_block_count(blocks.len(), h.nodes));
        }
        let m = pq.code_len();
        let mut codes = Vec::with_capacity(bounded(h.nodes, m, blocks));
        let mut ids = Ids::default();
        let mut deleted = Vec::new();
        for (b, bytes) in blocks.iter().enumerate() {
            let first = b * BLOCK_NODES;
            let mut r = Reader::new(bytes);
            let count = (h.nodes - first).min(BLOCK_NODES);
            let mut prev = 0u64;
            let mut block_ids = Vec::with_capacity(count);
            for node in first..first + count {
                let id = prev.wrapping_add(1).wrapping_add(unzigzag(r.varint()?) as u64);
                if ids.node(id).is_some() {
                    return Err(Error::Corrupt(format!("node {node}: document id {id} appears twice")));
                }
                ids.push(id);
                block_ids.push(id);
                prev = id;
                codes.extend_from_slice(r.take(m)?);
            }
            let bits = r.take(count.div_ceil(8))?;
            deleted.extend(block_ids.iter().enumerate().filter(|(i, _)| bits[i / 8] & (1 << (i % 8)) != 0).map(|(_, &id)| id));
            if !r.is_empty() {
                return Err(Error::Corrupt(format!("block at node {first} has trailing bytes")));
            }
        }
        for id in deleted {
            ids.delete(id)?;
        }
        Ok(PrunedIndex {
            rng: Rng::new(h.params.seed ^ h.nodes as u64),
            params: h.params,
            prune,
            pq,
            codes,
            ids,
            sdc: OnceLock::new(),
            navigation: Navigation::Scan(None),
            memo: Default::default(),
        })
    }
}

impl VectorIndex {
    /// The head record (see the module docs).
    pub fn head_bytes(&self) -> Vec<u8> {
        write_head(Kind::Stored, &self.params, Topology::of(&self.graph), None)
    }

    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        block_count(self.graph.len())
    }

    /// Append block `b`'s bytes to `out`.
    pub fn encode_block(&self, b: usize, out: &mut Vec<u8>) {
        let payload = |n: u32, out: &mut Vec<u8>| put_f32s(out, self.vector(n));
        encode_nodes(&self.graph, &self.ids, None, b, &payload, out);
    }

    /// Rebuild from a head and all blocks in order; damage gives `Err`.
    pub fn from_blocks(head: &[u8], blocks: &[&[u8]]) -> Result<Self> {
        let h = read_head(head)?;
        if h.kind != Kind::Stored {
            return Err(Error::Corrupt("the head record is not a stored-vector index's".into()));
        }
        let mut raw = Vec::with_capacity(bounded(h.nodes, h.params.dims.saturating_mul(4), blocks));
        let (graph, ids, _) = assemble(&h, blocks, h.params.dims * 4, &mut raw)?;
        let vectors = crate::format::varint::f32s_from_le(&raw)?;
        if let Some(i) = vectors.iter().position(|x| !x.is_finite()) {
            return Err(Error::Corrupt(format!("vector value {i} is not finite")));
        }
        Ok(VectorIndex { rng: Rng::new(h.params.seed ^ h.nodes as u64), params: h.params, graph, vectors, ids })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TableVectors;
    use crate::index::{PqParams, TwoLevelParams};

    fn data(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        (0..n * dims).map(|_| rng.next_f64() as f32 - 0.5).collect()
    }

    fn blocks_of(n: usize, enc: impl Fn(usize, &mut Vec<u8>)) -> Vec<Vec<u8>> {
        (0..n)
            .map(|b| {
                let mut v = Vec::new();
                enc(b, &mut v);
                v
            })
            .collect()
    }

    /// A head claiming `nodes` nodes of `dims` dimensions, the rest copied from `head`.
    fn crafted_head(head: &[u8], dims: u64, nodes: u64) -> Vec<u8> {
        let mut r = Reader::new(head);
        let mut out = r.take(7).unwrap().to_vec();
        r.varint().unwrap();
        put_varint(&mut out, dims);
        for i in 0..9 {
            let v = r.varint().unwrap();
            put_varint(&mut out, if i == 6 { nodes } else { v });
        }
        out.extend_from_slice(&head[head.len() - r.remaining()..]);
        out
    }

    #[test]
    fn a_crafted_head_allocates_nothing_it_claims() {
        // The head's crc is recomputable by anyone who crafts an import: its node count and
        // dimensions must not size an allocation (30M nodes x 65,535 dims x 4 B = 7.9 TB).
        let v = data(300, 16, 3);
        let mut idx = VectorIndex::new(IndexParams::new(Metric::Cosine, 16)).unwrap();
        idx.add_batch(&(0..300u64).collect::<Vec<_>>(), &v, 1).unwrap();
        let head = crafted_head(&idx.head_bytes(), 65_535, 30_000_000);
        assert_eq!(read_head(&head).unwrap().nodes, 30_000_000);
        let empty: Vec<&[u8]> = vec![&[]; block_count(30_000_000)];
        assert!(VectorIndex::from_blocks(&head, &empty).is_err());
        let p = PrunedIndex::build_flat(&idx, &PruneParams::default(), &PqParams { subspaces: 4, ..PqParams::default() }, 1).unwrap();
        let head = crafted_head(&p.head_bytes(), 16, 30_000_000);
        assert!(PrunedIndex::from_blocks(&head, &p.codebook_bytes(), &empty).is_err());
        assert_eq!(bounded(usize::MAX, 64, &[&[0u8; 10]]), 10);
    }

    #[test]
    fn stored_round_trip_gives_same_results() {
        let (n, dims) = (700, 16);
        let v = data(n, dims, 7);
        let mut idx = VectorIndex::new(IndexParams::new(Metric::Cosine, dims)).unwrap();
        idx.add_batch(&(0..n as u64).collect::<Vec<_>>(), &v, 1).unwrap();
        idx.delete(5).unwrap();
        let blocks = blocks_of(idx.blocks(), |b, o| idx.encode_block(b, o));
        let refs: Vec<&[u8]> = blocks.iter().map(|b| b.as_slice()).collect();
        let back = VectorIndex::from_blocks(&idx.head_bytes(), &refs).unwrap();
        assert_eq!(back.len(), idx.len());
        for q in 0..20 {
            let query = &v[q * dims..(q + 1) * dims];
            let a = idx.search(query, 10, 40, None, &mut idx.scratch()).unwrap();
            let b = back.search(query, 10, 40, None, &mut back.scratch()).unwrap();
            assert_eq!(a, b);
        }
        // The re-encoded blocks are byte-identical.
        assert_eq!(blocks, blocks_of(back.blocks(), |b, o| back.encode_block(b, o)));
    }

    #[test]
    fn pruned_round_trip_and_damage() {
        let (n, dims) = (900, 16);
        let v = data(n, dims, 9);
        let mut idx = VectorIndex::new(IndexParams::new(Metric::Cosine, dims)).unwrap();
        idx.add_batch(&(0..n as u64).collect::<Vec<_>>(), &v, 1).unwrap();
        let pq = PqParams { subspaces: 4, ..PqParams::default() };
        let p = PrunedIndex::build(&idx, &PruneParams::default(), &pq, 1).unwrap();
        let blocks = blocks_of(p.blocks(), |b, o| p.encode_block(b, o));
        let refs: Vec<&[u8]> = blocks.iter().map(|b| b.as_slice()).collect();
        let back = PrunedIndex::from_blocks(&p.head_bytes(), &p.codebook_bytes(), &refs).unwrap();
        let mut exact = TableVectors { vectors: &v, dims };
        for q in 0..20 {
            let query = &v[q * dims..(q + 1) * dims];
            let a = p.search(query, 10, &TwoLevelParams::default(), None, &mut exact, &mut p.scratch()).unwrap();
            let b = back.search(query, 10, &TwoLevelParams::default(), None, &mut exact, &mut back.scratch()).unwrap();
            assert_eq!(a.0, b.0);
        }
        // Truncations and flipped bytes never panic.
        for cut in [0, 1, blocks[0].len() / 2] {
            let mut bad = refs.clone();
            bad[0] = &blocks[0][..cut];
            assert!(PrunedIndex::from_blocks(&p.head_bytes(), &p.codebook_bytes(), &bad).is_err());
        }
        for i in 0..blocks[1].len().min(300) {
            let mut b1 = blocks[1].clone();
            b1[i] ^= 0xA5;
            let mut bad = refs.clone();
            bad[1] = &b1;
            let _ = PrunedIndex::from_blocks(&p.head_bytes(), &p.codebook_bytes(), &bad);
        }
        assert!(PrunedIndex::from_blocks(&p.head_bytes(), &p.codebook_bytes(), &refs[1..]).is_err());
        let mut head = p.head_bytes();
        head[4] = 9;
        assert!(matches!(PrunedIndex::from_blocks(&head, &p.codebook_bytes(), &refs), Err(Error::NewerFormat { .. })));
    }
}
