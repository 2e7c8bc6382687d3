//! The proximity graph: HNSW layers (Malkov & Yashunin) with lock-free reads.
//!
//! This module owns graph topology only: which node links to which, on which layer.
//! It knows nothing of vectors; every algorithm takes distances as closures
//! (`dist(node)` to the current query, `between(a, b)` for two nodes), so the same code
//! serves exact vectors, PQ codes, or anything a caller can measure.
//!
//! Layout: layer 0 is one flat array with a fixed stride per node (`1 + cap0` slots: a
//! count then the neighbour ids), the cache-friendly hnswlib layout. Upper layers are a
//! small per-node array (few nodes have them). Slots are `AtomicU32` so a batch can be
//! inserted by several threads at once (per-node striped locks serialise writers;
//! readers never lock); relaxed atomic loads compile to plain loads.

mod compact;
mod insert;
mod prune;
mod scratch;
mod search;

pub use compact::{decode_csr, locality_order};
pub use insert::{Linker, parallel_each, select_heuristic};
pub use prune::{PruneParams, hub_flags};
pub use scratch::{Near, SearchScratch};

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};

use crate::rng::Rng;

/// Marks "no node" (an empty graph's entry point).
pub const NONE: u32 = u32::MAX;

const LOCK_STRIPES: usize = 1024;

/// Degree limits of a graph. Paper names: `m` is M (neighbours chosen per insert),
/// `cap0` is M_max0 (layer-0 degree limit, 2M for HNSW), `cap` is M_max (upper layers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Degrees {
    pub m: usize,
    pub cap0: usize,
    pub cap: usize,
}

impl Degrees {
    /// HNSW defaults: choose M, keep up to 2M on layer 0 and M above.
    pub fn hnsw(m: usize) -> Self {
        Degrees { m, cap0: 2 * m, cap: m }
    }
}

/// A layered proximity graph.
pub struct Graph {
    degrees: Degrees,
    stride0: usize,
    links0: Vec<AtomicU32>,
    levels: Vec<u8>,
    upper: Vec<Box<[AtomicU32]>>,
    /// Entry point (low 32 bits) and its level (high 32 bits), or NONE when empty.
    entry: AtomicU64,
    locks: Vec<Mutex<()>>,
    entry_lock: Mutex<()>,
}

fn pack_entry(id: u32, level: u8) -> u64 {
    ((level as u64) << 32) | id as u64
}

impl Graph {
    pub fn new(degrees: Degrees) -> Self {
        Graph {
            degrees,
            stride0: 1 + degrees.cap0,
            links0: Vec::new(),
            levels: Vec::new(),
            upper: Vec::new(),
            entry: AtomicU64::new(pack_entry(NONE, 0)),
            locks: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
            entry_lock: Mutex::new(()),
        }
    }

    pub fn degrees(&self) -> Degrees {
        self.degrees
    }

    /// Number of nodes (including nodes not yet linked).
    pub fn len(&self) -> usize {
        self.levels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// Draw a level with the paper's distribution, mL = 1 / ln(M).
    pub fn random_level(&self, rng: &mut Rng) -> u8 {
        let ml = 1.0 / (self.degrees.m.max(2) as f64).ln();
        let r = rng.next_f64().max(f64::MIN_POSITIVE);
        ((-r.ln() * ml).floor() as usize).min(30) as u8
    }

    /// Add a node with no links at `level`; returns its id. Link it with [`Graph::insert`].
    pub fn push_node(&mut self, level: u8) -> u32 {
        let id = self.levels.len() as u32;
        self.links0.extend((0..self.stride0).map(|_| AtomicU32::new(0)));
        self.levels.push(level);
        let slots = level as usize * (1 + self.degrees.cap);
        self.upper.push((0..slots).map(|_| AtomicU32::new(0)).collect());
        id
    }

    pub fn level(&self, node: u32) -> u8 {
        self.levels[node as usize]
    }

    /// Entry point and top level, or None when no node is linked yet.
    pub fn entry(&self) -> Option<(u32, u8)> {
        let e = self.entry.load(Acquire);
        let id = e as u32;
        (id != NONE).then_some((id, (e >> 32) as u8))
    }

    pub fn set_entry(&self, id: u32, level: u8) {
        self.entry.store(pack_entry(id, level), Release);
    }

    fn slots(&self, node: u32, layer: u8) -> &[AtomicU32] {
        if layer == 0 {
            let s = node as usize * self.stride0;
            &self.links0[s..s + self.stride0]
        } else {
            let w = 1 + self.degrees.cap;
            let s = (layer as usize - 1) * w;
            &self.upper[node as usize][s..s + w]
        }
    }

    pub fn cap(&self, layer: u8) -> usize {
        if layer == 0 { self.degrees.cap0 } else { self.degrees.cap }
    }

    /// Call `f` for each neighbour of `node` on `layer`.
    #[inline]
    pub fn for_each_neighbour(&self, node: u32, layer: u8, mut f: impl FnMut(u32)) {
        let slots = self.slots(node, layer);
        let count = (slots[0].load(Acquire) as usize).min(slots.len() - 1);
        for s in &slots[1..=count] {
            f(s.load(Relaxed));
        }
    }

    /// The neighbours of `node` on `layer`, copied.
    pub fn neighbours(&self, node: u32, layer: u8) -> Vec<u32> {
        let mut out = Vec::new();
        self.for_each_neighbour(node, layer, |n| out.push(n));
        out
    }

    /// Replace the neighbour list (caller holds the node's lock or `&mut`).
    fn write_links(&self, node: u32, layer: u8, ids: &[u32]) {
        let slots = self.slots(node, layer);
        let n = ids.len().min(slots.len() - 1);
        for (s, &id) in slots[1..=n].iter().zip(ids) {
            s.store(id, Relaxed);
        }
        slots[0].store(n as u32, Release);
    }

    /// Set a node's links directly (loading, renumbering, repair).
    pub fn set_neighbours(&mut self, node: u32, layer: u8, ids: &[u32]) {
        self.write_links(node, layer, ids);
    }

    fn lock(&self, node: u32) -> std::sync::MutexGuard<'_, ()> {
        // A poisoned stripe only means another insert panicked; the data are plain ids.
        self.locks[node as usize % LOCK_STRIPES].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of directed edges on layer 0.
    pub fn edges0(&self) -> usize {
        (0..self.len() as u32).map(|i| self.slots(i, 0)[0].load(Relaxed) as usize).sum()
    }

    /// Bytes this graph occupies in memory (approximately).
    pub fn memory_bytes(&self) -> usize {
        self.links0.len() * 4 + self.levels.len() + self.upper.iter().map(|u| 16 + u.len() * 4).sum::<usize>()
    }
}
