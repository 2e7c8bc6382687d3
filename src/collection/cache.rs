//! The exact-vector provider of a pruned collection: a long document's kept embedding
//! (see `doc`), else recompute a document's embedding from its stored token ids, with an
//! LRU cache of recomputed embeddings so repeated and follow-up queries are cheap.
//!
//! A recomputed document's exact vector is its embedding rounded to f16, however it is
//! obtained: the cache holds f16 (768 bytes at 384 dimensions, so the default 16,384
//! entries take ~13 MB and cover the candidates a long session of queries over a
//! 10,000-document collection needs), and a fresh recomputation is rounded the same way
//! before it is used. A long document's is the int8 one it keeps (`doc::kept_of`), never a
//! recomputation. So a search ranks by the same bits cold or warm.

use std::collections::HashMap;

use super::StoredDoc;
use super::embed::Embed;
use crate::format::half::{f16_to_f32, f32_to_f16};
use crate::index::PrunedIndex;
use crate::index::provider::ExactVectors;

/// An embedding as the cache keeps it: f16 bits (see the module docs).
pub fn rounded(v: &[f32]) -> Vec<u16> {
    v.iter().map(|&x| f32_to_f16(x)).collect()
}

/// An embedding [`rounded`] made, appended to `out` as f32 (exactly the f16 values).
fn widen_into(halves: &[u16], out: &mut Vec<f32>) {
    out.extend(halves.iter().map(|&h| f16_to_f32(h)));
}

/// Recomputed embeddings as f16, least recently used dropped first.
pub struct VectorCache {
    capacity: usize,
    tick: u64,
    map: HashMap<u64, (u64, Box<[u16]>)>,
    pub hits: u64,
    pub misses: u64,
    /// Vectors a preview search took from PQ codes instead of recomputing them.
    pub approximated: u64,
}

impl VectorCache {
    pub fn new(capacity: usize) -> Self {
        VectorCache { capacity, tick: 0, map: HashMap::new(), hits: 0, misses: 0, approximated: 0 }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Whether `key`'s embedding is cached (without touching its recency).
    pub fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }

    /// Appends `key`'s cached embedding to `out` as f32 (and makes it the most recently
    /// used); false if it is not cached.
    pub fn get_into(&mut self, key: u64, out: &mut Vec<f32>) -> bool {
        self.tick += 1;
        let tick = self.tick;
        let Some(e) = self.map.get_mut(&key) else { return false };
        e.0 = tick;
        widen_into(&e.1, out);
        true
    }

    /// Caches an embedding as [`rounded`] makes it (f16 bits, see the module docs).
    pub fn insert(&mut self, key: u64, halves: Vec<u16>) {
        if self.capacity == 0 {
            return;
        }
        self.tick += 1;
        self.map.insert(key, (self.tick, halves.into_boxed_slice()));
        if self.map.len() > self.capacity {
            // Drop the oldest quarter at once (amortised O(1) per insert).
            let mut ticks: Vec<u64> = self.map.values().map(|e| e.0).collect();
            ticks.sort_unstable();
            let cut = ticks[self.map.len() - self.capacity * 3 / 4 - 1];
            self.map.retain(|_, e| e.0 > cut);
        }
    }

    pub fn remove(&mut self, key: u64) {
        self.map.remove(&key);
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }
}

/// Has document `key` an embedding at hand: kept in its record, or cached? A preview
/// measures such a document by it and ranks the others by their codes.
pub(super) fn at_hand(docs: &crate::FastMap<u64, StoredDoc>, cache: &VectorCache, key: u64) -> bool {
    docs.get(&key).is_some_and(|d| !d.view().kept.is_empty()) || cache.contains(key)
}

/// [`ExactVectors`] over documents' token ids, through the cache. With `preview` set, a
/// document not in the cache is not recomputed: no embedder call, approximate distances (a
/// first paint in milliseconds). Two-level search then ranks it by its code's distance
/// ([`ExactVectors::keeps_estimate`]); asked for its vector anyway, the provider gives the
/// vector its PQ code stands for.
pub struct Recompute<'a> {
    pub embed: &'a mut dyn Embed,
    pub docs: &'a crate::FastMap<u64, StoredDoc>,
    pub cache: &'a mut VectorCache,
    pub preview: Option<&'a PrunedIndex>,
    /// The query's token bag: the second estimate an exact search fits beside the codes
    /// (`None`: no second estimate; a preview is given none).
    pub bag: Option<&'a super::bag::TokenBag<'a>>,
    /// Where an exact search notes the documents it measured (`None`: not noted; the
    /// warm-up's own calls, or `Settings::hints` off). With `preview` set nothing is noted:
    /// a preview measures nothing.
    pub hints: Option<&'a mut super::hints::Hints>,
}

impl ExactVectors for Recompute<'_> {
    fn exact_vectors(&mut self, ids: &[u64], out: &mut Vec<f32>) -> crate::Result<()> {
        if let Some(index) = self.preview {
            // A kept embedding, else one cache lookup per id: the cached embedding, else
            // the code's vector.
            for &k in ids {
                if self.docs.get(&k).is_some_and(|d| d.kept_into(out)) {
                    self.cache.hits += 1;
                    continue;
                }
                if self.cache.get_into(k, out) {
                    self.cache.hits += 1;
                } else if index.decode_into(k, out) {
                    self.cache.approximated += 1;
                } else {
                    return Err(crate::Error::UnknownId(k));
                }
            }
            return Ok(());
        }
        let dims = self.embed.dims();
        // A long document's kept embedding is what it always ranks by (never a cached
        // recomputation of it), so a search is the same cold or warm.
        let missing: Vec<u64> = ids.iter().copied().filter(|&k| !self.is_free(k) && !self.cache.contains(k)).collect();
        // Documents of the same token ids (one text filed twice, a description many
        // packages share) have the same embedding: each distinct sequence is embedded once,
        // and the others count as served, not recomputed.
        let mut seqs: Vec<&[u32]> = Vec::new();
        let mut row_of_key: Vec<usize> = Vec::with_capacity(missing.len());
        let mut row_of_seq: HashMap<&[u32], usize> = HashMap::new();
        for k in &missing {
            let tokens = self.docs.get(k).map(|d| d.view().tokens).ok_or(crate::Error::UnknownId(*k))?;
            let row = *row_of_seq.entry(tokens).or_insert_with(|| {
                seqs.push(tokens);
                seqs.len() - 1
            });
            row_of_key.push(row);
        }
        self.cache.hits += (ids.len() - seqs.len()) as u64;
        self.cache.misses += seqs.len() as u64;
        let mut fresh = Vec::with_capacity(seqs.len() * dims);
        if !seqs.is_empty() {
            self.embed.embed_recomputed(&seqs, &mut fresh).map_err(|e| crate::Error::Provider(e.message))?;
        }
        // Each fresh embedding as the cache keeps it: ranked by the same bits it will be
        // served with (see the module docs).
        let halves: Vec<Vec<u16>> = fresh.chunks_exact(dims).map(rounded).collect();
        if halves.len() != seqs.len() {
            return Err(crate::Error::Provider(format!("asked for {} embeddings, got {}", seqs.len(), halves.len())));
        }
        let row_of: HashMap<u64, usize> = missing.iter().copied().zip(row_of_key.iter().copied()).collect();
        for &k in ids {
            match row_of.get(&k) {
                Some(&row) => widen_into(&halves[row], out),
                None if self.docs.get(&k).is_some_and(|d| d.kept_into(out)) => {}
                None if self.cache.get_into(k, out) => {}
                None => return Err(crate::Error::UnknownId(k)),
            }
        }
        for (&k, &row) in missing.iter().zip(&row_of_key) {
            self.cache.insert(k, halves[row].clone());
        }
        // Noted once served (a search a helper shares stops before its recomputations, then
        // runs again with them: counted once).
        if self.hints.is_some() {
            let needed: Vec<u64> = ids.iter().copied().filter(|&k| !self.is_free(k)).collect();
            if let Some(h) = self.hints.as_deref_mut() {
                h.note(needed);
            }
        }
        Ok(())
    }

    fn is_free(&self, id: u64) -> bool {
        self.docs.get(&id).is_some_and(|d| !d.view().kept.is_empty())
    }

    /// A preview ranks a document it has no embedding for (kept or cached) by its code's
    /// distance, as the search found it: the code's vector would give the same, at the
    /// price of a decode (under a rotation, a 384 x 384 product).
    fn keeps_estimate(&mut self, id: u64) -> bool {
        let estimated = self.preview.is_some() && self.docs.contains_key(&id) && !at_hand(self.docs, self.cache, id);
        if estimated {
            self.cache.approximated += 1;
        }
        estimated
    }

    fn estimates(&mut self, ids: &[u64], out: &mut Vec<f32>) -> bool {
        let Some(bag) = self.bag else { return false };
        let mut scratch = Vec::new();
        let start = out.len();
        for &k in ids {
            let Some(d) = self.docs.get(&k) else {
                out.truncate(start);
                return false;
            };
            out.push(bag.distance(&*self.embed, d.view().tokens, &mut scratch));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_holds_the_f16_rounding_a_fresh_recomputation_is_given() {
        let v: Vec<f32> = (0..384).map(|i| ((i as f32) * 0.37).sin() / 19.6).collect();
        let mut back = Vec::new();
        widen_into(&rounded(&v), &mut back);
        assert_ne!(back, v, "these values are not all f16");
        assert!(back.iter().zip(&v).all(|(r, x)| (r - x).abs() <= x.abs() / 2048.0 + 1e-7));
        let mut c = VectorCache::new(8);
        c.insert(1, rounded(&v));
        let mut out = vec![9.0];
        assert!(c.get_into(1, &mut out));
        assert_eq!(out[1..], back[..], "a cached embedding is the rounding, bit for bit");
        assert!(!c.get_into(2, &mut out));
        assert_eq!(out.len(), 385);
    }

    #[test]
    fn the_least_recently_used_go_first() {
        let mut c = VectorCache::new(8);
        for k in 0..8 {
            c.insert(k, rounded(&[k as f32]));
        }
        assert!(c.get_into(0, &mut Vec::new()), "0 becomes the most recently used");
        c.insert(8, rounded(&[8.0]));
        // Over capacity: the oldest quarter and more go at once, leaving 6.
        assert_eq!(c.len(), 6);
        assert!(c.contains(0) && c.contains(8) && !c.contains(1) && !c.contains(2));
        let mut none = VectorCache::new(0);
        none.insert(1, rounded(&[1.0]));
        assert!(none.is_empty());
    }
}
