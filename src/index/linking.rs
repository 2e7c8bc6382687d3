//! Building the pruned graph of a flat [`PrunedIndex`] from its codes, all at once
//! ([`PrunedIndex::link_all`]) or a few nodes a call ([`PrunedIndex::link_some`]), so that a
//! collection crossing `graph_at` spreads the build over its next adds instead of stopping
//! in one call for the whole of it (18-19 s natively at 100,000 codes, ~60 s at 250,000).
//!
//! Owns the graph in the making ([`Linking`], held by `Navigation::Scan`): searches scan the
//! codes meanwhile and the index is saved flat, so nothing of a build is stored; a reopened
//! index starts it again. Documents added during the build get a node in it and are linked
//! in their turn; a deleted document is skipped when its turn comes, or, linked already,
//! its neighbours are reconnected by the graph phase's own delete; a compaction renumbers the nodes
//! and drops the build. Linked in node order on one thread, the finished graph is the one
//! `link_all(1)` makes, bit for bit, however the work was cut.

use super::PrunedIndex;
use super::pruned::{Navigation, Walk};
use crate::graph::{Degrees, Graph, Linker, SearchScratch, locality_order, parallel_each};

/// A pruned graph being built from the codes: one node per code, nodes `0..linked` done.
pub struct Linking {
    graph: Graph,
    linked: usize,
    scratch: SearchScratch,
}

impl Linking {
    /// Nodes linked (or skipped as deleted) so far, and nodes in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.linked, self.graph.len())
    }
}

impl PrunedIndex {
    /// Build the pruned graph of a flat index from its codes: every live node is linked
    /// with the pruned degree rules (`m` neighbours, lists capped at `m_hub`) using SDC
    /// distances, then nodes are renumbered for locality. Deleted nodes are dropped first.
    /// Finishes a build [`PrunedIndex::link_some`] began; does nothing if the index has a
    /// graph already.
    pub fn link_all(&mut self, threads: usize) {
        let Some(from) = self.begin_linking() else { return };
        let nodes = self.ids.nodes();
        let this = &*self;
        let Navigation::Scan(Some(build)) = &this.navigation else { return };
        let work = |i: usize, scratch: &mut SearchScratch| this.link_node(&build.graph, (from + i) as u32, scratch);
        parallel_each(nodes - from, threads, nodes, &work);
        self.finish_linking();
    }

    /// Link the next `budget` nodes of the graph being built (starting the build if the
    /// index is flat: deleted nodes are dropped first); once every node is linked, renumber
    /// for locality and walk the graph from then on. True when the index has its graph.
    pub fn link_some(&mut self, budget: usize) -> bool {
        let Some(from) = self.begin_linking() else { return true };
        // Held apart while its nodes are linked (linking reads the codes and ids, not it).
        let Navigation::Scan(Some(mut build)) = std::mem::replace(&mut self.navigation, Navigation::Scan(None)) else { return true };
        let nodes = self.ids.nodes();
        let to = from.saturating_add(budget).min(nodes);
        for x in from..to {
            self.link_node(&build.graph, x as u32, &mut build.scratch);
        }
        build.linked = to;
        self.navigation = Navigation::Scan(Some(build));
        if to < nodes {
            return false;
        }
        self.finish_linking();
        true
    }

    /// How far the graph's build has got: `(linked, nodes)`, `None` when none is under way.
    pub fn linking(&self) -> Option<(usize, usize)> {
        match &self.navigation {
            Navigation::Scan(Some(build)) => Some(build.progress()),
            _ => None,
        }
    }

    /// The build under way (started now if there is none: the index compacted, a node
    /// drawn for every code) and the first node not yet linked; `None` with a graph.
    fn begin_linking(&mut self) -> Option<usize> {
        match &self.navigation {
            Navigation::Graph(_) => return None,
            Navigation::Scan(Some(build)) => return Some(build.linked),
            Navigation::Scan(None) => {}
        }
        self.compact_flat();
        let n = self.ids.nodes();
        let degrees = Degrees { m: self.prune.m, cap0: self.prune.m_hub, cap: self.params.m.max(self.prune.m) };
        let mut graph = Graph::new(degrees);
        for _ in 0..n {
            let level = graph.random_level(&mut self.rng);
            graph.push_node(level);
        }
        self.navigation = Navigation::Scan(Some(Box::new(Linking { graph, linked: 0, scratch: SearchScratch::new(n) })));
        Some(0)
    }

    /// Link node `x` into `graph` by SDC distances among the live codes; a deleted node is
    /// left unlinked (no list, not an entry: nothing leads to it).
    fn link_node(&self, graph: &Graph, x: u32, scratch: &mut SearchScratch) {
        if !self.ids.is_live(x) {
            return;
        }
        let sdc = self.sdc();
        let between = |a: u32, b: u32| self.pq.sdc_distance(sdc, self.code(a), self.code(b));
        let link = Linker { dist: &|v: u32| between(x, v), between: &between, usable: &|v: u32| v != x && self.ids.is_live(v) };
        graph.insert(x, self.params.ef_construction, self.prune.m, &link, scratch);
    }

    /// Every node linked: renumber for locality and walk the graph from now on.
    fn finish_linking(&mut self) {
        self.memo.clear();
        let Navigation::Scan(Some(build)) = std::mem::replace(&mut self.navigation, Navigation::Scan(None)) else { return };
        let graph = build.graph;
        let order = locality_order(&graph);
        let m = self.pq.code_len();
        let mut codes = Vec::with_capacity(order.len() * m);
        for &old in &order {
            codes.extend_from_slice(self.code(old));
        }
        self.navigation = Navigation::Graph(Walk { graph: graph.permute(&order), hubs: vec![false; order.len()] });
        self.ids = self.ids.permuted(&order);
        self.codes = codes;
    }

    /// A node for each document added to a flat index while its graph is being built
    /// (linked in its turn).
    pub(super) fn grow_linking(&mut self, added: usize) {
        let Navigation::Scan(Some(build)) = &mut self.navigation else { return };
        for _ in 0..added {
            let level = build.graph.random_level(&mut self.rng);
            build.graph.push_node(level);
        }
    }
}

impl Navigation {
    /// The graph that holds node `node`'s links: the index's graph, or the one being built
    /// once it has linked that node (a delete then reconnects its neighbours); `None` else.
    pub(super) fn graph_linking_mut(&mut self, node: u32) -> Option<&mut Graph> {
        match self {
            Navigation::Graph(walk) => Some(&mut walk.graph),
            Navigation::Scan(Some(build)) if (node as usize) < build.linked => Some(&mut build.graph),
            Navigation::Scan(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::flat::tests::{DIMS, Offset, data, flat, recall_labels};
    use super::*;
    use crate::TableVectors;
    use crate::index::two_level::TwoLevelParams;

    fn blocks(p: &PrunedIndex) -> Vec<Vec<u8>> {
        (0..p.blocks())
            .map(|b| {
                let mut o = Vec::new();
                p.encode_block(b, &mut o);
                o
            })
            .collect()
    }

    fn search(p: &PrunedIndex, v: &[f32], q: usize) -> Vec<crate::index::Hit> {
        let params = TwoLevelParams { ef: 64, rerank: 40, batch: 16, ..TwoLevelParams::default() };
        let mut exact = Offset(TableVectors { vectors: v, dims: DIMS });
        p.search(&v[q * DIMS..(q + 1) * DIMS], 10, &params, None, &mut exact, &mut p.scratch()).unwrap().0
    }

    /// However the work is cut, the graph is the one `link_all(1)` builds, bit for bit, and
    /// until the last step the index searches and saves as a flat one.
    #[test]
    fn steps_build_the_graph_link_all_builds() {
        let v = data(900, 7);
        let mut whole = flat(&v);
        let flat_blocks = blocks(&whole);
        whole.link_all(1);
        assert!(whole.linking().is_none() && !whole.is_flat());
        for budget in [1, 37, 899, 900] {
            let mut steps = flat(&v);
            let mut calls = 0;
            while !steps.link_some(budget) {
                calls += 1;
                assert_eq!(steps.linking(), Some((calls * budget, 900)));
                assert!(steps.is_flat() && steps.graph().is_none());
                assert_eq!(blocks(&steps), flat_blocks, "saved flat while the graph is built");
                if calls % 97 == 1 {
                    assert_eq!(search(&steps, &v, calls % 50), search(&flat(&v), &v, calls % 50), "searches scan meanwhile");
                }
            }
            assert_eq!(calls + 1, 900usize.div_ceil(budget), "budget {budget}");
            assert!(steps.linking().is_none() && !steps.is_flat());
            assert_eq!(blocks(&steps), blocks(&whole), "budget {budget}");
            assert!(steps.link_some(5), "a graph is finished");
        }
        // link_all finishes a build under way the same way.
        let mut mixed = flat(&v);
        assert!(!mixed.link_some(300));
        mixed.link_all(1);
        assert_eq!(blocks(&mixed), blocks(&whole));
    }

    /// Adds and deletes while the graph is built: the added documents are linked in their
    /// turn, the deleted never reached again, and the finished graph searches as well as
    /// one built at once over the same documents.
    #[test]
    fn changes_during_the_build_reach_the_graph() {
        let v = data(1300, 8);
        let mut idx = flat(&v[..1000 * DIMS]);
        assert!(!idx.link_some(400));
        // Deleted: linked already (neighbours reconnected), and not yet linked (skipped).
        let gone = [100u64, 150, 399, 700, 999];
        for id in gone {
            idx.delete(id).unwrap();
        }
        idx.add_batch(&(1100..1400).collect::<Vec<_>>(), &v[1000 * DIMS..], 1).unwrap();
        assert_eq!(idx.linking(), Some((400, 1300)));
        for q in [3, 40] {
            assert!(search(&idx, &v, q).iter().all(|h| !gone.contains(&h.id)));
        }
        while !idx.link_some(250) {}
        let graph = idx.graph().expect("built");
        assert_eq!(graph.len(), 1300);
        assert_eq!(idx.ids.deleted_count(), gone.len());
        // Deleted before their turn: never linked, nothing leads to them.
        let skipped: Vec<u32> = (0..1300u32).filter(|&n| !idx.ids.is_live(n) && [700, 999].contains(&idx.ids.label(n))).collect();
        assert_eq!(skipped.len(), 2);
        for n in 0..1300u32 {
            let list = graph.neighbours(n, 0);
            match skipped.contains(&n) {
                true => assert!(list.is_empty(), "node {n} was deleted before its turn"),
                false if idx.ids.is_live(n) => {
                    assert!(!list.is_empty(), "node {n} linked");
                    assert!(list.iter().all(|m| !skipped.contains(m)), "node {n} leads to a node never linked");
                }
                false => {}
            }
        }
        // Labels 100 + i for row i: the rows added during the build are labelled 1100 + j.
        let mut all = v.clone();
        all.truncate(1000 * DIMS);
        let mut relabelled = vec![0.0; 100 * DIMS];
        relabelled.extend_from_slice(&v[1000 * DIMS..]);
        all.extend_from_slice(&relabelled);
        let params = TwoLevelParams { ef: 64, rerank: 40, batch: 16, ..TwoLevelParams::default() };
        let built = recall_labels(&idx, &all, &params);
        let mut at_once = flat(&v[..1000 * DIMS]);
        for id in gone {
            at_once.delete(id).unwrap();
        }
        at_once.add_batch(&(1100..1400).collect::<Vec<_>>(), &v[1000 * DIMS..], 1).unwrap();
        let scanned = recall_labels(&at_once, &all, &params);
        at_once.link_all(1);
        let linked = recall_labels(&at_once, &all, &params);
        assert!(built > 0.8 && built > linked - 0.05 && built > scanned - 0.1, "built {built}, at once {linked}, scanned {scanned}");
    }

    /// A compaction renumbers the nodes: the build under way is dropped and starts again.
    #[test]
    fn a_compaction_drops_the_build() {
        let v = data(600, 9);
        let mut idx = flat(&v);
        assert!(!idx.link_some(200));
        idx.compact();
        assert_eq!(idx.linking(), Some((200, 600)), "nothing deleted: nothing renumbered");
        idx.delete(120).unwrap();
        idx.compact();
        assert_eq!(idx.linking(), None);
        assert!(!idx.link_some(100));
        assert_eq!(idx.linking(), Some((100, 599)));
        while !idx.link_some(100) {}
        assert_eq!(idx.graph().map(Graph::len), Some(599));
    }
}
