//! LEANN's high-degree-preserving pruning (LEANN paper, Alg. 3).
//!
//! Rank the nodes of a full HNSW graph by out-degree (ties by in-degree); the top
//! `hub_fraction` are hubs. Build a new layer 0 where every node searches the original
//! graph for `ef` candidates and keeps `m_hub` (hubs) or `m` (others) by the heuristic;
//! edges are added both ways and any list that exceeds `m_hub` is shrunk with the
//! heuristic. Upper layers are tiny and copied as they are.

use super::insert::{parallel_each, select_heuristic};
use super::{Degrees, Graph, Near};
use crate::error::{Error, Result};

/// Degree limits of the pruned graph.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PruneParams {
    /// Degree limit of hubs and the cap of every list (LEANN's M).
    pub m_hub: usize,
    /// Neighbours chosen by non-hub nodes (LEANN's m < M).
    pub m: usize,
    /// Fraction of nodes that are hubs (LEANN: ~2%).
    pub hub_fraction: f32,
    /// Candidates searched in the original graph per node.
    pub ef: usize,
}

impl Default for PruneParams {
    fn default() -> Self {
        PruneParams { m_hub: 16, m: 6, hub_fraction: 0.02, ef: 64 }
    }
}

impl PruneParams {
    /// Pick `m` for a storage budget in graph bytes per node, assuming the compact coding
    /// spends about 1.6 bytes per edge and reverse edges raise the mean degree to ~1.7 m.
    pub fn for_budget(graph_bytes_per_node: f32, m_hub: usize) -> Self {
        let m = (graph_bytes_per_node / (1.6 * 1.7)).round() as usize;
        PruneParams { m: m.clamp(2, m_hub), m_hub, ..Default::default() }
    }

    pub fn validate(&self) -> Result<()> {
        if self.m < 1 || self.m > self.m_hub || self.m_hub > 255 {
            return Err(Error::InvalidParameter(format!("pruning needs 1 <= m ({}) <= m_hub ({}) <= 255", self.m, self.m_hub)));
        }
        if !(0.0..=1.0).contains(&self.hub_fraction) {
            return Err(Error::InvalidParameter("hub_fraction must be within [0, 1]".into()));
        }
        Ok(())
    }
}

/// Which nodes are hubs: the top `fraction` by layer-0 out-degree, ties by in-degree.
pub fn hub_flags(graph: &Graph, fraction: f32) -> Vec<bool> {
    let n = graph.len();
    let mut in_deg = vec![0u32; n];
    let mut out_deg = vec![0u32; n];
    for v in 0..n as u32 {
        graph.for_each_neighbour(v, 0, |u| {
            in_deg[u as usize] += 1;
            out_deg[v as usize] += 1;
        });
    }
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&v| std::cmp::Reverse((out_deg[v as usize], in_deg[v as usize])));
    let hubs = ((n as f64 * fraction as f64).ceil() as usize).min(n);
    let mut flags = vec![false; n];
    for &v in &order[..hubs] {
        flags[v as usize] = true;
    }
    flags
}

impl Graph {
    /// Build the pruned graph (see module docs). `dist_to(v)` gives the distance from node
    /// `v` to every node (exact vectors are available at build time); `between` likewise.
    pub fn prune<Q, B>(&self, params: &PruneParams, threads: usize, dist_to: &Q, between: &B) -> Result<(Graph, Vec<bool>)>
    where
        Q: Fn(u32, u32) -> f32 + Sync,
        B: Fn(u32, u32) -> f32 + Sync,
    {
        params.validate()?;
        let hubs = hub_flags(self, params.hub_fraction);
        let degrees = Degrees { m: params.m, cap0: params.m_hub, cap: self.degrees.cap };
        let mut pruned = Graph::new(degrees);
        for v in 0..self.len() as u32 {
            pruned.push_node(self.level(v));
        }
        for v in 0..self.len() as u32 {
            for layer in 1..=self.level(v) {
                let ids = self.neighbours(v, layer);
                pruned.set_neighbours(v, layer, &ids);
            }
        }
        if let Some((e, l)) = self.entry() {
            pruned.set_entry(e, l);
        }
        let work = |i: usize, scratch: &mut super::SearchScratch| {
            let v = i as u32;
            let dist = |u: u32| dist_to(v, u);
            let mut cur = match self.entry() {
                Some((e, _)) => Near { dist: dist(e), id: e },
                None => return,
            };
            for layer in (1..=self.entry().map_or(0, |e| e.1)).rev() {
                cur = self.greedy(cur, layer, &dist);
            }
            self.search_layer(&[cur], 0, params.ef, &dist, &|u| u != v, scratch);
            let mut cands: Vec<Near> = scratch.results.drain().collect();
            cands.sort_unstable();
            let m = if hubs[i] { params.m_hub } else { params.m };
            let mut chosen = Vec::with_capacity(m);
            select_heuristic(&cands, m, between, &mut chosen);
            for &u in &chosen {
                pruned.add_link(v, u, 0, between);
                pruned.add_link(u, v, 0, between);
            }
        };
        parallel_each(self.len(), threads, self.len(), &work);
        Ok((pruned, hubs))
    }
}
