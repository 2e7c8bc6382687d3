//! [`PrunedIndex`]: LEANN's low-storage index. A pruned graph and one PQ code per
//! document; no full vectors. New documents join without a rebuild: they are linked with
//! the pruned degree rules using ADC distances from their exact vector to the codes, and
//! SDC distances between codes.

use std::cell::Cell;
use std::sync::{Mutex, OnceLock};

use super::linking::Linking;
use super::provider::ExactVectors;
use super::two_level::{SearchStats, TwoLevel, TwoLevelParams};
use super::{Filter, Hit, Ids, IndexParams, VectorIndex, check_k, prepared};
use crate::distance::validate;
use crate::error::Result;
use crate::graph::{Graph, Linker, Near, PruneParams, SearchScratch, locality_order, parallel_each};
use crate::quant::fastscan::{Blocks, ByteTable};
use crate::quant::{PqParams, ProductQuantizer};
use crate::rng::Rng;

/// A pruned proximity graph over PQ codes (LEANN).
pub struct PrunedIndex {
    pub(super) params: IndexParams,
    pub(super) prune: PruneParams,
    pub(super) pq: ProductQuantizer,
    /// One code per node, `pq.code_len()` bytes each.
    pub(super) codes: Vec<u8>,
    pub(super) ids: Ids,
    pub(super) rng: Rng,
    pub(super) sdc: OnceLock<Vec<f32>>,
    /// How searches reach their candidates, with the graph when there is one.
    pub(super) navigation: Navigation,
    /// The last unfiltered search's candidates, cleared by every change to the index.
    pub(super) memo: Memo,
}

/// What searches keep between calls, forgotten at every change to the index. The
/// candidates (best approximate first) the last unfiltered search found, and what it was
/// asked: a search asked again the same (its preview then its exact search, the rounds of a
/// cold search shared with a helper) re-ranks them without scanning or walking again. And
/// each code's distance denominator (for cosine, the length of its reconstruction: the
/// same for every query), so a scan looks up half as many table entries, and the codes
/// regrouped for the fast scan ([`crate::quant::fastscan`]).
#[derive(Default)]
pub struct Memo(Box<Kept>);

#[derive(Default)]
struct Kept {
    last: Mutex<Option<Candidates>>,
    denominators: OnceLock<Vec<f32>>,
    /// The codes in the fast scan's blocks of 16.
    blocks: OnceLock<Blocks>,
}

struct Candidates {
    query: Vec<f32>,
    keep: usize,
    ef: usize,
    list: Vec<Near>,
    visited: usize,
}

impl Memo {
    fn get(&self, query: &[f32], keep: usize, ef: usize) -> Option<(Vec<Near>, usize)> {
        let memo = self.0.last.lock().ok()?;
        let c = memo.as_ref().filter(|c| c.keep == keep && c.ef == ef && c.query.len() == query.len())?;
        // Bit for bit: the same query, not a close one.
        c.query.iter().zip(query).all(|(a, b)| a.to_bits() == b.to_bits()).then(|| (c.list.clone(), c.visited))
    }

    fn set(&self, query: &[f32], keep: usize, ef: usize, list: &[Near], visited: usize) {
        if let Ok(mut memo) = self.0.last.lock() {
            *memo = Some(Candidates { query: query.to_vec(), keep, ef, list: list.to_vec(), visited });
        }
    }

    /// How many candidates are held (tests).
    #[cfg(test)]
    pub(super) fn held(&self) -> Option<usize> {
        self.0.last.lock().ok()?.as_ref().map(|c| c.list.len())
    }

    /// Forget (the index changed).
    pub(super) fn clear(&mut self) {
        if let Ok(memo) = self.0.last.get_mut() {
            *memo = None;
        }
        self.0.denominators.take();
        self.0.blocks.take();
    }
}

/// How a [`PrunedIndex`] search reaches its candidates.
pub enum Navigation {
    /// No graph yet: every code is scanned (see [`super::flat`]), while the graph may be
    /// in the making (see [`super::linking`]).
    Scan(Option<Box<Linking>>),
    /// The pruned graph is walked (LEANN).
    Graph(Walk),
}

/// The pruned graph of a [`PrunedIndex`] (node `i` is the node of code `i`) and which of
/// its nodes are hubs (kept `m_hub` neighbours when pruned).
pub struct Walk {
    pub(super) graph: Graph,
    pub(super) hubs: Vec<bool>,
}

/// Bytes of each part of a saved pruned index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartSizes {
    pub graph: usize,
    pub codes: usize,
    pub codebook: usize,
    pub ids: usize,
    /// The whole saved file (header, parameters and checksums included).
    pub total: usize,
}

impl PrunedIndex {
    /// Build from a stored-vector index (which has the exact vectors): prune its graph
    /// (LEANN Alg. 3), train PQ, encode, renumber for locality. The stored index is left
    /// as it is; drop it afterwards to free the vectors.
    pub fn build(stored: &VectorIndex, prune: &PruneParams, pq: &PqParams, threads: usize) -> Result<Self> {
        if stored.ids.deleted_count() > 0 {
            let mut copy = VectorIndex::load(&stored.save())?;
            copy.compact();
            return Self::build(&copy, prune, pq, threads);
        }
        let metric = stored.params.metric;
        let v = |n: u32| stored.vector(n);
        let dist = |a: u32, b: u32| metric.distance(v(a), v(b));
        let (graph, hubs) = stored.graph.prune(prune, threads, &dist, &dist)?;
        let quantizer = ProductQuantizer::train(&stored.vectors, stored.params.dims, metric, pq, threads)?;
        let m = quantizer.code_len();
        let n = stored.ids.nodes();
        let order = locality_order(&graph);
        let mut codes = vec![0u8; n * m];
        for (new, &old) in order.iter().enumerate() {
            quantizer.encode(v(old), &mut codes[new * m..(new + 1) * m]);
        }
        Ok(PrunedIndex {
            params: stored.params,
            prune: *prune,
            pq: quantizer,
            codes,
            ids: stored.ids.permuted(&order),
            rng: Rng::new(stored.params.seed ^ 0x5EED),
            sdc: OnceLock::new(),
            navigation: Navigation::Graph(Walk { graph: graph.permute(&order), hubs: order.iter().map(|&o| hubs[o as usize]).collect() }),
            memo: Default::default(),
        })
    }

    pub fn params(&self) -> &IndexParams {
        &self.params
    }

    pub fn prune_params(&self) -> &PruneParams {
        &self.prune
    }

    pub fn len(&self) -> usize {
        self.ids.live()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pruned graph (`None` while the index is scanned, see [`super::flat`]).
    pub fn graph(&self) -> Option<&Graph> {
        match &self.navigation {
            Navigation::Scan(_) => None,
            Navigation::Graph(w) => Some(&w.graph),
        }
    }

    pub fn ids(&self) -> &Ids {
        &self.ids
    }

    pub fn scratch(&self) -> SearchScratch {
        SearchScratch::new(self.ids.nodes())
    }

    pub(super) fn code(&self, node: u32) -> &[u8] {
        let m = self.pq.code_len();
        &self.codes[node as usize * m..(node as usize + 1) * m]
    }

    /// The cosine similarity of a unit query `q` to the vectors the PQ codes of `ids` stand
    /// for, in order, from one distance table (no code decoded: under a rotation a decode is
    /// a 384 x 384 product); `None` when an id is unknown or deleted. For a cosine index
    /// only (`None` otherwise): the table's distance is then `1 - <q, x̂> / |x̂|`.
    pub fn code_similarities(&self, q: &[f32], ids: &[u64]) -> Option<Vec<f32>> {
        if self.params.metric != crate::distance::Metric::Cosine {
            return None;
        }
        let table = self.pq.table(q);
        ids.iter().map(|&id| self.ids.node(id).filter(|&n| self.ids.is_live(n)).map(|n| 1.0 - table.distance(self.code(n)))).collect()
    }

    /// Append the vector live document `id`'s PQ code stands for (its distance to a query
    /// is the approximate one the search ranks by); false for an unknown or deleted id.
    pub fn decode_into(&self, id: u64, out: &mut Vec<f32>) -> bool {
        let Some(node) = self.ids.node(id).filter(|&n| self.ids.is_live(n)) else { return false };
        let mut v = Vec::with_capacity(self.params.dims);
        self.pq.decode(self.code(node), &mut v);
        out.extend_from_slice(&v);
        true
    }

    /// Live documents' ids by the approximate distance of their codes to the mean of the
    /// vectors the codes of `around` stand for (its live ids; all live documents when it
    /// names none), for cosine by the cosine between a code's vector and that mean,
    /// nearest first, ties by id: with all of them, the hubs first, which many queries'
    /// nearest lists share; with some, their neighbourhood first.
    pub fn by_centrality(&self, around: &[u64]) -> Vec<u64> {
        let live: Vec<u32> = (0..self.ids.nodes() as u32).filter(|&n| self.ids.is_live(n)).collect();
        let chosen: Vec<u32> = around.iter().filter_map(|&id| self.ids.node(id)).filter(|&n| self.ids.is_live(n)).collect();
        let centre = if chosen.is_empty() { &live } else { &chosen };
        let table = self.pq.table(&self.pq.mean(centre.iter().map(|&n| self.code(n))));
        let mut scored: Vec<(f32, u64)> = live.iter().map(|&n| (table.distance(self.code(n)), self.ids.label(n))).collect();
        scored.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, id)| id).collect()
    }

    pub(super) fn sdc(&self) -> &[f32] {
        self.sdc.get_or_init(|| self.pq.sdc_tables())
    }

    /// Two-level search: the `k` nearest live documents accepted by `filter`, ranked by
    /// exact distance, with what it cost.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        params: &TwoLevelParams,
        filter: Option<Filter<'_>>,
        provider: &mut dyn ExactVectors,
        scratch: &mut SearchScratch,
    ) -> Result<(Vec<Hit>, SearchStats)> {
        check_k(k)?;
        validate(query, self.params.dims)?;
        let mut q = query.to_vec();
        self.params.metric.prepare(&mut q);
        let keep = params.rerank.max(k + params.extra);
        let (candidates, visited) = match filter {
            None => match self.memo.get(&q, keep, params.ef) {
                Some(found) => found,
                None => {
                    let (list, visited) = self.candidates(&q, keep, params.ef, &|n| self.ids.is_live(n), scratch);
                    self.memo.set(&q, keep, params.ef, &list, visited);
                    (list, visited)
                }
            },
            Some(f) => self.candidates(&q, keep, params.ef, &|n| self.ids.is_live(n) && f(self.ids.label(n)), scratch),
        };
        let label = |n: u32| self.ids.label(n);
        let two = TwoLevel { metric: self.params.metric, dims: self.params.dims, label: &label };
        let (hits, mut stats) = two.rerank(&q, k, &candidates, params, provider)?;
        stats.visited = visited;
        Ok((hits, stats))
    }

    /// The `keep` best nodes `accept` lets through by approximate (ADC) distance to the
    /// prepared query `q`, best first, and how many distances that computed: every accepted
    /// code scanned (flat), or the graph walked with beam `ef`.
    pub(super) fn candidates(&self, q: &[f32], keep: usize, ef: usize, accept: &impl Fn(u32) -> bool, scratch: &mut SearchScratch) -> (Vec<Near>, usize) {
        let table = self.pq.table(q);
        let approx = |n: u32| table.distance(self.code(n));
        let walk = match &self.navigation {
            Navigation::Scan(_) => {
                // Every code is read: its denominator once per change to the index, not per query.
                let nodes = self.ids.nodes() as u32;
                let kept = self.memo.0.denominators.get_or_init(|| (0..nodes).map_while(|n| table.denominator(self.code(n))).collect());
                if kept.len() != nodes as usize {
                    return self.scan(keep, &approx, accept);
                }
                if let Some(bytes) = ByteTable::of(&table) {
                    let blocks = self.memo.0.blocks.get_or_init(|| Blocks::of(&self.codes, self.pq.code_len()));
                    return self.scan_bytes(keep, &table, &bytes, blocks, kept, accept);
                }
                return self.scan(keep, &|n: u32| table.distance_over(self.code(n), kept[n as usize]), accept);
            }
            Navigation::Graph(walk) => walk,
        };
        let visited = Cell::new(0usize);
        let counted = |n: u32| {
            visited.set(visited.get() + 1);
            approx(n)
        };
        walk.graph.search(keep, ef.max(keep), &counted, accept, scratch);
        (scratch.out.clone(), visited.get())
    }

    /// Add documents with their exact vectors, without rebuilding: each is encoded and
    /// linked with the pruned degree rules (`m` neighbours, lists capped at `m_hub`).
    pub fn add_batch(&mut self, ids: &[u64], vectors: &[f32], threads: usize) -> Result<()> {
        self.memo.clear();
        let rows = prepared(vectors, ids.len(), &self.params)?;
        self.ids.check_new(ids)?;
        let m = self.pq.code_len();
        let first = self.ids.nodes();
        self.codes.resize((first + ids.len()) * m, 0);
        for (i, row) in rows.chunks_exact(self.params.dims).enumerate() {
            let at = (first + i) * m;
            self.pq.encode(row, &mut self.codes[at..at + m]);
        }
        let Navigation::Graph(walk) = &mut self.navigation else {
            for &id in ids {
                self.ids.push(id);
            }
            self.grow_linking(ids.len());
            return Ok(());
        };
        for &id in ids {
            let level = walk.graph.random_level(&mut self.rng);
            walk.graph.push_node(level);
            walk.hubs.push(false);
            self.ids.push(id);
        }
        let this = &*self;
        let Navigation::Graph(walk) = &this.navigation else { return Ok(()) };
        let sdc = this.sdc();
        let dims = this.params.dims;
        let work = |i: usize, scratch: &mut SearchScratch| {
            let x = (first + i) as u32;
            let table = this.pq.table(&rows[i * dims..(i + 1) * dims]);
            let link = Linker {
                dist: &|n: u32| table.distance(this.code(n)),
                between: &|a: u32, b: u32| this.pq.sdc_distance(sdc, this.code(a), this.code(b)),
                usable: &|n: u32| this.ids.is_live(n),
            };
            walk.graph.insert(x, this.params.ef_construction, this.prune.m, &link, scratch);
        };
        parallel_each(ids.len(), threads, self.ids.nodes(), &work);
        Ok(())
    }

    pub fn add(&mut self, id: u64, vector: &[f32]) -> Result<()> {
        self.add_batch(&[id], vector, 1)
    }

    /// Tombstone a document and reconnect its neighbours (by SDC distances).
    pub fn delete(&mut self, id: u64) -> Result<()> {
        self.memo.clear();
        let node = self.ids.delete(id)?;
        // The graph, or the one being built if it has linked the node already.
        let Some(graph) = self.navigation.graph_linking_mut(node) else { return Ok(()) };
        let sdc = self.sdc.get_or_init(|| self.pq.sdc_tables());
        let (pq, codes, ids, m) = (&self.pq, &self.codes, &self.ids, self.pq.code_len());
        let code = |n: u32| &codes[n as usize * m..(n as usize + 1) * m];
        graph.repair_around(node, &|n| ids.is_live(n), &|a, b| pq.sdc_distance(sdc, code(a), code(b)));
        Ok(())
    }

    /// Drop deleted documents for good and renumber for locality.
    pub fn compact(&mut self) {
        self.memo.clear();
        let walk = match &self.navigation {
            Navigation::Scan(_) => return self.compact_flat(),
            Navigation::Graph(walk) => walk,
        };
        if self.ids.deleted_count() == 0 {
            return;
        }
        let keep = self.ids.live_flags();
        let sdc = self.sdc();
        let (graph, new_of) = walk.graph.compact(&keep, &|a, b| self.pq.sdc_distance(sdc, self.code(a), self.code(b)));
        let ids = self.ids.compacted(&new_of);
        let order = locality_order(&graph);
        let old_of: Vec<u32> = {
            let mut v = vec![0u32; graph.len()];
            for (old, &n) in new_of.iter().enumerate() {
                if n != crate::graph::NONE {
                    v[n as usize] = old as u32;
                }
            }
            v
        };
        let m = self.pq.code_len();
        let mut codes = Vec::with_capacity(order.len() * m);
        let mut hubs = Vec::with_capacity(order.len());
        for &mid in &order {
            let old = old_of[mid as usize];
            codes.extend_from_slice(self.code(old));
            hubs.push(walk.hubs[old as usize]);
        }
        self.navigation = Navigation::Graph(Walk { graph: graph.permute(&order), hubs });
        self.ids = ids.permuted(&order);
        self.codes = codes;
    }
}
