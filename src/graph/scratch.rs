//! Reusable search state: heaps and a visited set reset by a generation counter, so a
//! query allocates nothing once the scratch has grown to the graph's size.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A node and its distance to the query; ordered by distance (total order on f32).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    pub dist: f32,
    pub id: u32,
}

impl Eq for Near {}

impl Ord for Near {
    fn cmp(&self, other: &Self) -> Ordering {
        self.dist.total_cmp(&other.dist).then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for Near {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Min-heap wrapper: the closest candidate on top.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Closest(pub std::cmp::Reverse<Near>);

/// Heaps, visited marks and output buffers for one searching thread.
#[derive(Default)]
pub struct SearchScratch {
    pub(crate) visited: Vec<u32>,
    pub(crate) generation: u32,
    pub(crate) candidates: BinaryHeap<Closest>,
    pub(crate) results: BinaryHeap<Near>,
    /// The last search's result, closest first.
    pub out: Vec<Near>,
}

impl SearchScratch {
    pub fn new(nodes: usize) -> Self {
        SearchScratch { visited: vec![0; nodes], ..Default::default() }
    }

    /// Start a new search over `nodes` nodes: everything unvisited, heaps empty.
    pub(crate) fn reset(&mut self, nodes: usize) {
        if self.visited.len() < nodes {
            self.visited.resize(nodes, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.visited.iter_mut().for_each(|v| *v = 0);
            self.generation = 1;
        }
        self.candidates.clear();
        self.results.clear();
    }

    /// Mark `node` visited; true if it was not visited before in this search.
    #[inline]
    pub(crate) fn visit(&mut self, node: u32) -> bool {
        let slot = &mut self.visited[node as usize];
        let fresh = *slot != self.generation;
        *slot = self.generation;
        fresh
    }
}
