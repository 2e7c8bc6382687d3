//! The graph's compact form and its maintenance: renumbering for locality, delete repair
//! and compaction; and the decoder of the CSR coding version 1 index files hold (sorted
//! neighbour ids, delta + LEB128 varint; read only, `index::legacy`).
//!
//! CSR coding of one layer-0 list (node `v`, neighbours sorted `a0 < a1 < ...`):
//! `varint(count) zigzag_varint(a0 - v) varint(a1 - a0 - 1) varint(a2 - a1 - 1) ...`.
//! After BFS renumbering neighbours sit close to their node, so most deltas take one
//! byte. Upper layers follow as `varint(node gap) { varint(count) ids... }` per layer.

use std::collections::VecDeque;

use super::insert::select_heuristic;
use super::{Degrees, Graph, Near};
use crate::error::{Error, Result};
use crate::format::varint::{Reader, unzigzag};

/// A breadth-first order from the entry point over layer 0 (unreached nodes last):
/// `order[new_id] = old_id`. Neighbours end up with nearby ids.
pub fn locality_order(graph: &Graph) -> Vec<u32> {
    let n = graph.len();
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut queue = VecDeque::new();
    let starts = graph.entry().map(|e| e.0).into_iter().chain(0..n as u32);
    for s in starts {
        if seen[s as usize] {
            continue;
        }
        seen[s as usize] = true;
        queue.push_back(s);
        while let Some(v) = queue.pop_front() {
            order.push(v);
            graph.for_each_neighbour(v, 0, |u| {
                if !seen[u as usize] {
                    seen[u as usize] = true;
                    queue.push_back(u);
                }
            });
        }
    }
    order
}

impl Graph {
    /// The same graph with nodes renumbered: `order[new] = old`.
    pub fn permute(&self, order: &[u32]) -> Graph {
        let mut new_of = vec![0u32; self.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old as usize] = new as u32;
        }
        let mut g = Graph::new(self.degrees);
        for &old in order {
            g.push_node(self.level(old));
        }
        for (new, &old) in order.iter().enumerate() {
            for layer in 0..=self.level(old) {
                let ids: Vec<u32> = self.neighbours(old, layer).iter().map(|&u| new_of[u as usize]).collect();
                g.set_neighbours(new as u32, layer, &ids);
            }
        }
        if let Some((e, l)) = self.entry() {
            g.set_entry(new_of[e as usize], l);
        }
        g
    }

    /// Remove `x`'s in-edges from its neighbours, reconnecting each of them with the
    /// heuristic over its remaining neighbours and `x`'s (usable) neighbours. `x` keeps its
    /// own list so searches passing through it still flow.
    pub fn repair_around(&mut self, x: u32, usable: &impl Fn(u32) -> bool, between: &impl Fn(u32, u32) -> f32) {
        for layer in 0..=self.level(x) {
            let around = self.neighbours(x, layer);
            for &y in &around {
                let mine = self.neighbours(y, layer);
                if !mine.contains(&x) {
                    continue;
                }
                let mut cands: Vec<Near> =
                    mine.iter().chain(&around).copied().filter(|&c| c != x && c != y && usable(c)).map(|c| Near { dist: between(y, c), id: c }).collect();
                cands.sort_unstable();
                cands.dedup_by_key(|c| c.id);
                let mut chosen = Vec::new();
                select_heuristic(&cands, self.cap(layer), between, &mut chosen);
                self.set_neighbours(y, layer, &chosen);
            }
        }
    }

    /// A graph of the kept nodes only (ids renumbered in order; returns `new_of`, NONE for
    /// dropped nodes). Lists that lost neighbours are refilled with the heuristic from the
    /// dropped neighbours' neighbours.
    pub fn compact(&self, keep: &[bool], between: &impl Fn(u32, u32) -> f32) -> (Graph, Vec<u32>) {
        let mut new_of = vec![super::NONE; self.len()];
        let mut g = Graph::new(self.degrees);
        for v in 0..self.len() as u32 {
            if keep[v as usize] {
                new_of[v as usize] = g.push_node(self.level(v));
            }
        }
        let mut chosen = Vec::new();
        for v in 0..self.len() as u32 {
            if !keep[v as usize] {
                continue;
            }
            for layer in 0..=self.level(v) {
                let mine = self.neighbours(v, layer);
                let mut ids: Vec<u32> = mine.iter().copied().filter(|&u| keep[u as usize]).collect();
                if ids.len() < mine.len() {
                    let mut cands: Vec<u32> = ids.clone();
                    for &d in mine.iter().filter(|&&u| !keep[u as usize]) {
                        cands.extend(self.neighbours(d, layer).into_iter().filter(|&u| keep[u as usize] && u != v));
                    }
                    cands.sort_unstable();
                    cands.dedup();
                    let mut near: Vec<Near> = cands.iter().map(|&c| Near { dist: between(v, c), id: c }).collect();
                    near.sort_unstable();
                    select_heuristic(&near, self.cap(layer), between, &mut chosen);
                    ids.clone_from(&chosen);
                }
                let mapped: Vec<u32> = ids.iter().map(|&u| new_of[u as usize]).collect();
                g.set_neighbours(new_of[v as usize], layer, &mapped);
            }
        }
        let entry = self
            .entry()
            .filter(|(e, _)| keep[*e as usize])
            .map(|(e, l)| (new_of[e as usize], l))
            .or_else(|| (0..g.len() as u32).max_by_key(|&v| (g.level(v), std::cmp::Reverse(v))).map(|v| (v, g.level(v))));
        if let Some((e, l)) = entry {
            g.set_entry(e, l);
        }
        (g, new_of)
    }
}

fn get_list(v: u32, n: usize, cap: usize, r: &mut Reader<'_>, ids: &mut Vec<u32>) -> Result<()> {
    let count = r.varint()? as usize;
    if count > cap {
        return Err(Error::Corrupt(format!("node {v} has {count} neighbours, more than the limit {cap}")));
    }
    ids.clear();
    let mut prev: Option<i64> = None;
    for _ in 0..count {
        let id = match prev {
            None => v as i64 + unzigzag(r.varint()?),
            Some(p) => {
                let gap = i64::try_from(r.varint()?).unwrap_or(i64::MAX);
                p.saturating_add(1).saturating_add(gap)
            }
        };
        if id < 0 || id >= n as i64 || id == v as i64 {
            return Err(Error::Corrupt(format!("node {v} links to invalid node {id}")));
        }
        ids.push(id as u32);
        prev = Some(id);
    }
    Ok(())
}

/// Decode a graph in the CSR coding of version 1 index files (`index::legacy`; nothing
/// writes it any more) for nodes with the given levels.
pub fn decode_csr(bytes: &[u8], levels: &[u8], degrees: Degrees, entry: Option<(u32, u8)>) -> Result<Graph> {
    let n = levels.len();
    let mut g = Graph::new(degrees);
    for &l in levels {
        g.push_node(l);
    }
    let mut r = Reader::new(bytes);
    let mut ids = Vec::new();
    for v in 0..n as u32 {
        get_list(v, n, degrees.cap0, &mut r, &mut ids)?;
        g.set_neighbours(v, 0, &ids);
    }
    for v in 0..n as u32 {
        for layer in 1..=levels[v as usize] {
            get_list(v, n, degrees.cap, &mut r, &mut ids)?;
            if ids.iter().any(|&u| levels[u as usize] < layer) {
                return Err(Error::Corrupt(format!("node {v} links on layer {layer} to a node below it")));
            }
            g.set_neighbours(v, layer, &ids);
        }
    }
    if !r.is_empty() {
        return Err(Error::Corrupt("graph section has trailing bytes".into()));
    }
    if let Some((e, l)) = entry {
        if e as usize >= n || levels[e as usize] != l {
            return Err(Error::Corrupt("entry point is not a node of its level".into()));
        }
        g.set_entry(e, l);
    } else if n > 0 {
        return Err(Error::Corrupt("a non-empty graph needs an entry point".into()));
    }
    Ok(g)
}
