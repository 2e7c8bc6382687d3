//! The exact-vector provider of a pruned collection: a long document's kept embedding
//! (see `doc`), else recompute a document's embedding from its stored token ids, with an
//! LRU cache of recomputed embeddings so repeated and follow-up queries are cheap.

use std::collections::HashMap;

use super::StoredDoc;
use super::embed::Embed;
use crate::index::PrunedIndex;
use crate::index::provider::ExactVectors;

/// Recomputed embeddings, least recently used dropped first.
pub struct VectorCache {
    capacity: usize,
    tick: u64,
    map: HashMap<u64, (u64, Vec<f32>)>,
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

    pub fn get(&mut self, key: u64) -> Option<&[f32]> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(&key).map(|e| {
            e.0 = tick;
            e.1.as_slice()
        })
    }

    pub fn insert(&mut self, key: u64, v: Vec<f32>) {
        if self.capacity == 0 {
            return;
        }
        self.tick += 1;
        self.map.insert(key, (self.tick, v));
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

/// [`ExactVectors`] over documents' token ids, through the cache. With `preview` set, a
/// document not in the cache gets the vector its PQ code stands for instead of a
/// recomputation: no embedder call, approximate distances (a first paint in milliseconds).
pub struct Recompute<'a> {
    pub embed: &'a mut dyn Embed,
    pub docs: &'a crate::FastMap<u64, StoredDoc>,
    pub cache: &'a mut VectorCache,
    pub preview: Option<&'a PrunedIndex>,
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
                let cached = self.cache.get(k).map(|v| out.extend_from_slice(v)).is_some();
                if cached {
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
        let costly: Vec<u64> = ids.iter().copied().filter(|&k| !self.is_free(k)).collect();
        let missing: Vec<u64> = costly.into_iter().filter(|&k| self.cache.get(k).is_none()).collect();
        self.cache.hits += (ids.len() - missing.len()) as u64;
        self.cache.misses += missing.len() as u64;
        let mut fresh = Vec::with_capacity(missing.len() * dims);
        if !missing.is_empty() {
            let seqs =
                missing.iter().map(|k| self.docs.get(k).map(|d| d.view().tokens).ok_or(crate::Error::UnknownId(*k))).collect::<crate::Result<Vec<_>>>()?;
            self.embed.embed_recomputed(&seqs, &mut fresh).map_err(|e| crate::Error::Provider(e.message))?;
        }
        let mut fresh_of: HashMap<u64, &[f32]> = HashMap::new();
        for (k, v) in missing.iter().zip(fresh.chunks_exact(dims)) {
            fresh_of.insert(*k, v);
        }
        for &k in ids {
            match fresh_of.get(&k) {
                Some(v) => out.extend_from_slice(v),
                None if self.docs.get(&k).is_some_and(|d| d.kept_into(out)) => {}
                None => out.extend_from_slice(self.cache.get(k).ok_or(crate::Error::UnknownId(k))?),
            }
        }
        for (k, v) in fresh_of {
            self.cache.insert(k, v.to_vec());
        }
        Ok(())
    }

    fn is_free(&self, id: u64) -> bool {
        self.docs.get(&id).is_some_and(|d| !d.view().kept.is_empty())
    }
}
