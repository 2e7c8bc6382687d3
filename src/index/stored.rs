//! [`VectorIndex`]: an HNSW graph over stored f32 vectors.

use super::{Filter, Hit, Ids, IndexParams, check_k, prepared};
use crate::distance::validate;
use crate::error::Result;
use crate::graph::{Degrees, Graph, Linker, SearchScratch, parallel_each};
use crate::rng::Rng;

/// HNSW with the caller's vectors kept in memory (stored-vector mode).
pub struct VectorIndex {
    pub(super) params: IndexParams,
    pub(super) graph: Graph,
    /// Prepared vectors (normalised for cosine), node-major.
    pub(super) vectors: Vec<f32>,
    pub(super) ids: Ids,
    pub(super) rng: Rng,
}

impl VectorIndex {
    pub fn new(params: IndexParams) -> Result<Self> {
        params.validate()?;
        Ok(VectorIndex { graph: Graph::new(Degrees::hnsw(params.m)), vectors: Vec::new(), ids: Ids::default(), rng: Rng::new(params.seed), params })
    }

    pub fn params(&self) -> &IndexParams {
        &self.params
    }

    /// Live documents.
    pub fn len(&self) -> usize {
        self.ids.live()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn ids(&self) -> &Ids {
        &self.ids
    }

    /// The stored (prepared) vector of a node.
    #[inline]
    pub(crate) fn vector(&self, node: u32) -> &[f32] {
        let d = self.params.dims;
        &self.vectors[node as usize * d..(node as usize + 1) * d]
    }

    /// The stored vector of a document (normalised for cosine).
    pub fn get(&self, id: u64) -> Option<&[f32]> {
        self.ids.node(id).map(|n| self.vector(n))
    }

    /// Search scratch sized for this index.
    pub fn scratch(&self) -> SearchScratch {
        SearchScratch::new(self.ids.nodes())
    }

    /// Add one document.
    pub fn add(&mut self, id: u64, vector: &[f32]) -> Result<()> {
        self.add_batch(&[id], vector, 1)
    }

    /// Add documents (`vectors` is `ids.len() * dims`, row-major) using `threads` threads.
    /// Everything is checked first: on error nothing was added.
    pub fn add_batch(&mut self, ids: &[u64], vectors: &[f32], threads: usize) -> Result<()> {
        let rows = prepared(vectors, ids.len(), &self.params)?;
        self.ids.check_new(ids)?;
        let first = self.ids.nodes();
        if self.vectors.is_empty() {
            self.vectors = rows; // the first batch: move, do not copy (halves peak memory)
        } else {
            self.vectors.extend_from_slice(&rows);
        }
        for &id in ids {
            let level = self.graph.random_level(&mut self.rng);
            self.graph.push_node(level);
            self.ids.push(id);
        }
        let this = &*self;
        let metric = this.params.metric;
        let work = |i: usize, scratch: &mut SearchScratch| {
            let x = (first + i) as u32;
            let vx = this.vector(x);
            let link = Linker {
                dist: &|n: u32| metric.distance(vx, this.vector(n)),
                between: &|a: u32, b: u32| metric.distance(this.vector(a), this.vector(b)),
                usable: &|n: u32| this.ids.is_live(n),
            };
            this.graph.insert(x, this.params.ef_construction, this.params.m, &link, scratch);
        };
        parallel_each(ids.len(), threads, self.ids.nodes(), &work);
        Ok(())
    }

    /// The `k` nearest live documents accepted by `filter`, closest first.
    pub fn search(&self, query: &[f32], k: usize, ef: usize, filter: Option<Filter<'_>>, scratch: &mut SearchScratch) -> Result<Vec<Hit>> {
        check_k(k)?;
        validate(query, self.params.dims)?;
        let mut q = query.to_vec();
        let metric = self.params.metric;
        metric.prepare(&mut q);
        let dist = |n: u32| metric.distance(&q, self.vector(n));
        match filter {
            None => self.graph.search(k, ef, &dist, &|n| self.ids.is_live(n), scratch),
            Some(f) => self.graph.search(k, ef, &dist, &|n| self.ids.is_live(n) && f(self.ids.label(n)), scratch),
        }
        Ok(scratch.out.iter().map(|r| Hit { id: self.ids.label(r.id), distance: r.dist, exact: true }).collect())
    }

    /// Delete a document: it is tombstoned (never returned again) and its neighbours are
    /// reconnected around it. [`VectorIndex::compact`] reclaims the space.
    pub fn delete(&mut self, id: u64) -> Result<()> {
        let node = self.ids.delete(id)?;
        let metric = self.params.metric;
        let (vectors, dims, ids) = (&self.vectors, self.params.dims, &self.ids);
        let v = |n: u32| &vectors[n as usize * dims..(n as usize + 1) * dims];
        self.graph.repair_around(node, &|n| ids.is_live(n), &|a, b| metric.distance(v(a), v(b)));
        Ok(())
    }

    /// Drop deleted documents for good, renumbering nodes.
    pub fn compact(&mut self) {
        if self.ids.deleted_count() == 0 {
            return;
        }
        let metric = self.params.metric;
        let keep = self.ids.live_flags();
        let (graph, new_of) = self.graph.compact(&keep, &|a, b| metric.distance(self.vector(a), self.vector(b)));
        let mut vectors = Vec::with_capacity(self.ids.live() * self.params.dims);
        for (node, &n) in new_of.iter().enumerate() {
            if n != crate::graph::NONE {
                vectors.extend_from_slice(self.vector(node as u32));
            }
        }
        self.ids = self.ids.compacted(&new_of);
        self.graph = graph;
        self.vectors = vectors;
    }

    /// Renumber nodes breadth-first from the entry point so neighbours sit close in
    /// memory (and in the saved file).
    pub fn reorder_for_locality(&mut self) {
        let order = crate::graph::locality_order(&self.graph);
        self.graph = self.graph.permute(&order);
        let mut vectors = Vec::with_capacity(self.vectors.len());
        for &old in &order {
            vectors.extend_from_slice(self.vector(old));
        }
        self.vectors = vectors;
        self.ids = self.ids.permuted(&order);
    }
}
