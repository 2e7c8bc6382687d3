//! Linking a node into the graph (paper Alg. 1) with the neighbour-selection heuristic
//! (paper Alg. 4), and a small parallel driver so a batch is inserted by several threads.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Graph, Near, SearchScratch};

/// Paper Alg. 4 (heuristic, without extending or keeping pruned candidates): walk the
/// candidates closest first and keep one only if it is closer to the base than to every
/// neighbour kept so far. `cands` must be sorted closest first.
pub fn select_heuristic(cands: &[Near], m: usize, between: &impl Fn(u32, u32) -> f32, out: &mut Vec<u32>) {
    out.clear();
    for c in cands {
        if out.len() >= m {
            break;
        }
        if out.iter().all(|&s| between(s, c.id) > c.dist) {
            out.push(c.id);
        }
    }
}

/// What an insert needs to know besides the graph: how far things are, and which nodes
/// may become neighbours (deleted ones may not).
pub struct Linker<'a, D, B, U> {
    /// Distance from the node being inserted to any node.
    pub dist: &'a D,
    /// Distance between two nodes already in the graph.
    pub between: &'a B,
    /// Whether a node may be chosen as a neighbour.
    pub usable: &'a U,
}

impl Graph {
    /// Link node `x` (already added with [`Graph::push_node`]) into the graph: descend to
    /// its level, then on each layer beam-search `ef_construction` candidates, keep
    /// `m_select` by the heuristic, and add the reverse edges (shrinking a neighbour's list
    /// with the heuristic when it overflows). Safe to call from several threads at once.
    pub fn insert<D, B, U>(&self, x: u32, ef_construction: usize, m_select: usize, link: &Linker<'_, D, B, U>, scratch: &mut SearchScratch)
    where
        D: Fn(u32) -> f32,
        B: Fn(u32, u32) -> f32,
        U: Fn(u32) -> bool,
    {
        let level = self.level(x);
        let (entry, top) = match self.entry() {
            Some(e) => e,
            None => {
                let _g = self.entry_lock.lock().unwrap_or_else(|e| e.into_inner());
                match self.entry() {
                    Some(e) => e,
                    None => {
                        self.set_entry(x, level);
                        return;
                    }
                }
            }
        };
        let dist = link.dist;
        let mut cur = Near { dist: dist(entry), id: entry };
        for layer in ((level + 1)..=top).rev() {
            cur = self.greedy(cur, layer, dist);
        }
        let mut entries = vec![cur];
        let mut chosen = Vec::new();
        let mut cands: Vec<Near> = Vec::new();
        for layer in (0..=level.min(top)).rev() {
            let usable = |n: u32| n != x && (link.usable)(n);
            self.search_layer(&entries, layer, ef_construction, dist, &usable, scratch);
            cands.clear();
            cands.extend(scratch.results.drain());
            cands.sort_unstable();
            let m = if layer == 0 { m_select } else { self.degrees.m };
            select_heuristic(&cands, m, link.between, &mut chosen);
            {
                let _g = self.lock(x);
                self.write_links(x, layer, &chosen);
            }
            for &n in &chosen {
                self.add_link(n, x, layer, link.between);
            }
            if !cands.is_empty() {
                entries.clear();
                entries.extend(cands.iter().take(1));
            }
        }
        if level > top {
            let _g = self.entry_lock.lock().unwrap_or_else(|e| e.into_inner());
            if self.entry().is_none_or(|(_, t)| level > t) {
                self.set_entry(x, level);
            }
        }
    }

    /// Add the edge `n -> x` on `layer`; if `n` is full, re-select its list with the
    /// heuristic (which may drop `x` or an older neighbour).
    pub fn add_link(&self, n: u32, x: u32, layer: u8, between: &impl Fn(u32, u32) -> f32) {
        let _g = self.lock(n);
        let mut current = self.neighbours(n, layer);
        if current.contains(&x) {
            return;
        }
        if current.len() < self.cap(layer) {
            current.push(x);
            self.write_links(n, layer, &current);
            return;
        }
        current.push(x);
        let mut cands: Vec<Near> = current.iter().map(|&c| Near { dist: between(n, c), id: c }).collect();
        cands.sort_unstable();
        let mut chosen = Vec::with_capacity(self.cap(layer));
        select_heuristic(&cands, self.cap(layer), between, &mut chosen);
        self.write_links(n, layer, &chosen);
    }
}

/// Run `work(item, scratch)` for every item in `0..count` on `threads` threads, each with
/// its own scratch. Items are handed out in order, in small chunks.
pub fn parallel_each(count: usize, threads: usize, nodes: usize, work: &(impl Fn(usize, &mut SearchScratch) + Sync)) {
    let threads = crate::parallel::usable_threads(threads);
    if threads == 1 || count < 64 {
        let mut scratch = SearchScratch::new(nodes);
        (0..count).for_each(|i| work(i, &mut scratch));
        return;
    }
    let next = AtomicUsize::new(0);
    const CHUNK: usize = 16;
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut scratch = SearchScratch::new(nodes);
                loop {
                    let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= count {
                        break;
                    }
                    for i in start..(start + CHUNK).min(count) {
                        work(i, &mut scratch);
                    }
                }
            });
        }
    });
}
