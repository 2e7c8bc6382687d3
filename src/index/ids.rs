//! Document ids: the caller's `u64` ids for graph nodes, the reverse map, and tombstones.

use crate::FastMap;

use crate::error::{Error, Result};
use crate::format::varint::{Reader, put_varint, unzigzag, zigzag};

/// Maps graph nodes to the caller's ids and back, and remembers deletions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ids {
    labels: Vec<u64>,
    nodes: FastMap<u64, u32>,
    deleted: Vec<bool>,
    deleted_count: usize,
}

impl Ids {
    /// Nodes, deleted ones included.
    pub fn nodes(&self) -> usize {
        self.labels.len()
    }

    /// Live documents.
    pub fn live(&self) -> usize {
        self.labels.len() - self.deleted_count
    }

    pub fn deleted_count(&self) -> usize {
        self.deleted_count
    }

    pub fn label(&self, node: u32) -> u64 {
        self.labels[node as usize]
    }

    pub fn node(&self, id: u64) -> Option<u32> {
        self.nodes.get(&id).copied()
    }

    #[inline]
    pub fn is_live(&self, node: u32) -> bool {
        !self.deleted[node as usize]
    }

    /// Refuse ids already present or repeated within `ids`; check before changing anything.
    pub fn check_new(&self, ids: &[u64]) -> Result<()> {
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        for &id in ids {
            if self.nodes.contains_key(&id) || !seen.insert(id) {
                return Err(Error::DuplicateId(id));
            }
        }
        Ok(())
    }

    pub fn push(&mut self, id: u64) -> u32 {
        let node = self.labels.len() as u32;
        self.labels.push(id);
        self.nodes.insert(id, node);
        self.deleted.push(false);
        node
    }

    /// Tombstone a document; returns its node.
    pub fn delete(&mut self, id: u64) -> Result<u32> {
        let node = self.nodes.remove(&id).ok_or(Error::UnknownId(id))?;
        self.deleted[node as usize] = true;
        self.deleted_count += 1;
        Ok(node)
    }

    /// Which nodes are live, for compaction.
    pub fn live_flags(&self) -> Vec<bool> {
        self.deleted.iter().map(|d| !d).collect()
    }

    /// Keep only nodes with `new_of[node] != NONE`, renumbered.
    pub fn compacted(&self, new_of: &[u32]) -> Ids {
        let mut out = Ids::default();
        for (node, &n) in new_of.iter().enumerate() {
            if n != crate::graph::NONE {
                debug_assert_eq!(n as usize, out.nodes());
                out.push(self.labels[node]);
            }
        }
        out
    }

    /// Renumber: `order[new] = old`.
    pub fn permuted(&self, order: &[u32]) -> Ids {
        let mut out = Ids::default();
        for &old in order {
            let node = out.push(self.labels[old as usize]);
            if self.deleted[old as usize] {
                out.nodes.remove(&self.labels[old as usize]);
                out.deleted[node as usize] = true;
                out.deleted_count += 1;
            }
        }
        out
    }

    /// `varint(n)`, then per node zigzag varint of the id's difference to the previous
    /// one, then the tombstone bitmap.
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        put_varint(out, self.labels.len() as u64);
        let mut prev = 0u64;
        for &l in &self.labels {
            put_varint(out, zigzag(l.wrapping_sub(prev) as i64));
            prev = l;
        }
        let mut bits = vec![0u8; self.labels.len().div_ceil(8)];
        for (i, &d) in self.deleted.iter().enumerate() {
            if d {
                bits[i / 8] |= 1 << (i % 8);
            }
        }
        out.extend_from_slice(&bits);
    }

    pub fn from_bytes(bytes: &[u8], nodes: usize) -> Result<Ids> {
        let mut r = Reader::new(bytes);
        let n = r.count(bytes.len(), "id count")?;
        if n != nodes {
            return Err(Error::Corrupt(format!("{n} ids for {nodes} nodes")));
        }
        let mut out = Ids::default();
        let mut prev = 0u64;
        for _ in 0..n {
            let id = prev.wrapping_add(unzigzag(r.varint()?) as u64);
            if out.nodes.contains_key(&id) {
                return Err(Error::Corrupt(format!("document id {id} appears twice")));
            }
            out.push(id);
            prev = id;
        }
        let bits = r.take(n.div_ceil(8))?;
        if !r.is_empty() {
            return Err(Error::Corrupt("id section has trailing bytes".into()));
        }
        for i in 0..n {
            if bits[i / 8] & (1 << (i % 8)) != 0 {
                out.nodes.remove(&out.labels[i]);
                out.deleted[i] = true;
                out.deleted_count += 1;
            }
        }
        Ok(out)
    }
}
