//! Searching the graph: greedy descent through the upper layers, then a beam search
//! (width `ef`) on a layer. A filter is applied *during* the beam search: rejected nodes
//! are still walked through (they keep the graph connected) but never enter the result
//! set, and the search does not stop until it holds `ef` accepted nodes or runs out of
//! candidates. If the walk still found fewer than `ef`, the nodes it never reached are
//! scanned, so a query gets k results whenever k acceptable nodes exist.

use std::cmp::Reverse;

use super::scratch::Closest;
use super::{Graph, Near, SearchScratch};

impl Graph {
    /// Greedy walk on `layer` from `start` to a local minimum of `dist`.
    pub fn greedy(&self, mut cur: Near, layer: u8, dist: &impl Fn(u32) -> f32) -> Near {
        loop {
            let mut best = cur;
            self.for_each_neighbour(cur.id, layer, |n| {
                let d = dist(n);
                if d < best.dist {
                    best = Near { dist: d, id: n };
                }
            });
            if best.id == cur.id {
                return cur;
            }
            cur = best;
        }
    }

    /// Beam search on one layer from `entries`. Afterwards `scratch.results` holds up to
    /// `ef` accepted nodes (a max-heap, worst on top).
    pub fn search_layer(&self, entries: &[Near], layer: u8, ef: usize, dist: &impl Fn(u32) -> f32, accept: &impl Fn(u32) -> bool, scratch: &mut SearchScratch) {
        scratch.reset(self.len());
        let ef = ef.max(1);
        for &e in entries {
            if scratch.visit(e.id) {
                scratch.candidates.push(Closest(Reverse(e)));
                if accept(e.id) {
                    scratch.results.push(e);
                }
            }
        }
        while let Some(Closest(Reverse(c))) = scratch.candidates.pop() {
            if scratch.results.len() >= ef
                && let Some(worst) = scratch.results.peek()
                && c.dist > worst.dist
            {
                break;
            }
            let SearchScratch { candidates, results, visited, generation, .. } = &mut *scratch;
            let generation = *generation;
            self.for_each_neighbour(c.id, layer, |n| {
                let slot = &mut visited[n as usize];
                if *slot == generation {
                    return;
                }
                *slot = generation;
                let d = dist(n);
                let full = results.len() >= ef;
                if full && results.peek().is_some_and(|w| d >= w.dist) {
                    return;
                }
                candidates.push(Closest(Reverse(Near { dist: d, id: n })));
                if accept(n) {
                    results.push(Near { dist: d, id: n });
                    if results.len() > ef {
                        results.pop();
                    }
                }
            });
        }
    }

    /// k nearest accepted nodes: descend the upper layers greedily, then beam-search layer
    /// 0 with `max(ef, k)`. The result is in `scratch.out`, closest first.
    pub fn search(&self, k: usize, ef: usize, dist: &impl Fn(u32) -> f32, accept: &impl Fn(u32) -> bool, scratch: &mut SearchScratch) {
        scratch.out.clear();
        let Some((entry, top)) = self.entry() else { return };
        let mut cur = Near { dist: dist(entry), id: entry };
        for layer in (1..=top).rev() {
            cur = self.greedy(cur, layer, dist);
        }
        let ef = ef.max(k);
        self.search_layer(&[cur], 0, ef, dist, accept, scratch);
        if scratch.results.len() < ef {
            self.scan_unvisited(ef, dist, accept, scratch);
        }
        let mut out = std::mem::take(&mut scratch.out);
        out.extend(scratch.results.drain());
        out.sort_unstable();
        out.truncate(k);
        scratch.out = out;
    }

    /// The traversal found fewer than `ef` accepted nodes: a very selective filter, or k
    /// close to the number of documents (and HNSW does not promise every node is reachable).
    /// Look at every node not visited yet, so k results come back whenever k exist.
    fn scan_unvisited(&self, ef: usize, dist: &impl Fn(u32) -> f32, accept: &impl Fn(u32) -> bool, scratch: &mut SearchScratch) {
        for n in 0..self.len() as u32 {
            if scratch.visit(n) && accept(n) {
                scratch.results.push(Near { dist: dist(n), id: n });
                if scratch.results.len() > ef {
                    scratch.results.pop();
                }
            }
        }
    }
}
