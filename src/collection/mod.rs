//! A collection: documents, their vector index and their keyword index, kept consistent
//! and turned into store records. Pure: no I/O, no JS, no async. Every mutation returns
//! the [`Write`]s that persist it (only what changed, manifest generation bumped); the
//! caller commits them atomically and, if the commit fails, reloads from the store.
//!
//! Phases (cold start): a new collection keeps full vectors (stored-vector HNSW, exact
//! and needing no training). When it reaches `Settings::prune_at` live documents, PQ is
//! trained on all of them and the vectors are dropped; from then on searches recompute
//! the few exact embeddings they need from stored token ids (see [`cache`]). Until
//! `Settings::graph_at` documents the PQ codes are scanned (no graph: see
//! `index::flat`); there the pruned graph (LEANN) is built from the codes.

pub mod cache;
pub mod doc;
pub mod embed;
pub mod export;
pub mod filter;
pub mod manifest;
mod search;

use std::collections::HashMap;

pub use doc::Doc;
pub use embed::{Embed, HashEmbed, Precomputed, split_sequences};
pub use manifest::Manifest;
pub use search::{Found, Precision, SearchCounts};

use crate::distance::Metric;
use crate::index::{IndexParams, PqParams, PruneParams, PrunedIndex, TwoLevelParams, VectorIndex, head_kind, BlockKind};
use crate::store::{CODEBOOK_KEY, Failure, MANIFEST_KEY, Result, Snapshot, Table, Write};
use crate::text::{Bm25Params, KeywordIndex};
use cache::VectorCache;

/// Knobs of a collection. `Default` is what the browser package uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Live documents at which the index switches from stored vectors to PQ codes.
    pub prune_at: usize,
    /// Documents at which the PQ-coded index gets its pruned graph; below, searches scan
    /// all codes (faster at that size, and the graph's bytes go into finer codes).
    pub graph_at: usize,
    pub pq: PqParams,
    pub prune: PruneParams,
    pub two_level: TwoLevelParams,
    /// Beam width of stored-vector search.
    pub ef: usize,
    /// Recomputed embeddings kept in memory.
    pub cache: usize,
    /// Compact when this fraction of nodes is deleted.
    pub compact_at: f32,
    /// Hybrid: weight of the keyword evidence (`share`, 0..1) added to cosine similarity.
    pub keyword_weight: f32,
    /// Hybrid: exponent of a matched term's specificity (idf over the idf of a term one
    /// document has) in the evidence; 0 counts every matched term by its BM25 alone.
    pub keyword_specificity: f32,
    /// Hybrid: evidence below this share counts for nothing, above it linearly up to 1
    /// (a partial match of a few query words must not reorder what meaning ranked).
    pub keyword_gate: f32,
    /// Hybrid: keyword-only candidates that get an exact similarity (recomputed if need
    /// be); the others get a cached one or their PQ code's.
    pub keyword_exact: usize,
    /// Relevance floor: results scoring below it are dropped, so weak tails are cut.
    /// Calibrated for all-MiniLM-L6-v2 (bench/results/quality-sweep.md); 0 keeps all.
    pub min_score: f32,
    /// The floor for a query none of whose words the model or the documents know
    /// ("qwxzvbnmk", "zzz"): such strings land close to odd documents by chance, so only a
    /// strong match counts.
    pub min_score_unknown: f32,
    /// Largest document text, in bytes.
    pub max_text: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            prune_at: 1000,
            graph_at: 100_000,
            pq: PqParams { subspaces: 64, bits: 4, ..PqParams::default() },
            prune: PruneParams::default(),
            two_level: TwoLevelParams { ef: 64, rerank: 32, batch: 16 },
            ef: 64,
            cache: 4096,
            compact_at: 0.25,
            keyword_weight: 0.4,
            keyword_specificity: 0.0,
            keyword_gate: 0.2,
            keyword_exact: 4,
            min_score: 0.25,
            min_score_unknown: 0.4,
            max_text: 1 << 20,
        }
    }
}

pub(crate) enum Phase {
    Stored(VectorIndex),
    Pruned(PrunedIndex),
}

/// What an add did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Documents + vector index + keyword index.
pub struct Collection {
    settings: Settings,
    dims: usize,
    pub(crate) index: Phase,
    pub(crate) docs: HashMap<u64, Doc>,
    keys: HashMap<String, u64>,
    next_key: u64,
    generation: u64,
    block_crcs: Vec<u32>,
    codebook_crc: u32,
    pub(crate) keywords: KeywordIndex,
    pub(crate) cache: VectorCache,
    /// Bytes of stored records, for stats.
    doc_bytes: HashMap<u64, usize>,
    block_bytes: Vec<usize>,
    codebook_bytes: usize,
    manifest_bytes: usize,
    /// Set while a mutation is half-applied in memory; the caller must reload.
    dirty: bool,
}

const MAX_ID_BYTES: usize = 1024;
const MAX_META_BYTES: usize = 64 * 1024;

impl Collection {
    /// An empty collection for embeddings of `dims` dimensions (cosine).
    pub fn new(settings: Settings, dims: usize) -> Result<Self> {
        let params = IndexParams { m: 16, ef_construction: 100, ..IndexParams::new(Metric::Cosine, dims) };
        Ok(Collection {
            index: Phase::Stored(VectorIndex::new(params)?),
            cache: VectorCache::new(settings.cache),
            settings,
            dims,
            docs: HashMap::new(),
            keys: HashMap::new(),
            next_key: 1,
            generation: 0,
            block_crcs: Vec::new(),
            codebook_crc: 0,
            keywords: KeywordIndex::new(Bm25Params::default()),
            doc_bytes: HashMap::new(),
            block_bytes: Vec::new(),
            codebook_bytes: 0,
            manifest_bytes: 0,
            dirty: false,
        })
    }

    /// Rebuild from a store's records; an empty snapshot gives a new collection. Checks
    /// every checksum and that documents and index agree; damage gives a `Corrupt` error.
    pub fn load(settings: Settings, dims: usize, snap: &Snapshot) -> Result<Self> {
        let mut c = Collection::new(settings, dims)?;
        let Some((_, mbytes)) = snap.meta.iter().find(|(k, _)| *k == MANIFEST_KEY) else {
            if snap.docs.is_empty() && snap.blocks.is_empty() {
                return Ok(c);
            }
            return Err(Failure::corrupt("documents are stored but the manifest is missing"));
        };
        let m = Manifest::decode(mbytes)?;
        if m.block_crcs.len() != snap.blocks.len() {
            return Err(Failure::corrupt(format!("the manifest lists {} index blocks, {} are stored", m.block_crcs.len(), snap.blocks.len())));
        }
        for (i, ((key, bytes), crc)) in snap.blocks.iter().zip(&m.block_crcs).enumerate() {
            if *key != i as u64 || crc32fast::hash(bytes) != *crc {
                return Err(Failure::corrupt(format!("index block {i} is missing or damaged (checksum mismatch)")));
            }
        }
        let blocks: Vec<&[u8]> = snap.blocks.iter().map(|(_, b)| b.as_slice()).collect();
        c.index = match head_kind(&m.head)? {
            BlockKind::Stored => Phase::Stored(VectorIndex::from_blocks(&m.head, &blocks)?),
            BlockKind::Pruned | BlockKind::Flat => {
                let cb = snap.meta.iter().find(|(k, _)| *k == CODEBOOK_KEY).map(|(_, b)| b.as_slice());
                let cb = cb.filter(|b| crc32fast::hash(b) == m.codebook_crc).ok_or_else(|| Failure::corrupt("the PQ codebook is missing or damaged"))?;
                c.codebook_bytes = cb.len();
                c.codebook_crc = m.codebook_crc;
                Phase::Pruned(PrunedIndex::from_blocks(&m.head, cb, &blocks)?)
            }
        };
        if c.index_dims() != dims {
            return Err(Failure::input(format!("this database holds {}-d embeddings but the embedder makes {dims}-d ones: open it with the model it was built with", c.index_dims())));
        }
        for (key, bytes) in &snap.docs {
            let doc = Doc::decode(bytes)?;
            if !c.has_node(*key) || c.keys.insert(doc.id.clone(), *key).is_some() || *key >= m.next_key {
                return Err(Failure::corrupt(format!("document record {key} does not match the index")));
            }
            c.keywords.insert(*key, &doc.fields());
            c.doc_bytes.insert(*key, bytes.len() + 8);
            c.docs.insert(*key, doc);
        }
        if c.docs.len() as u64 != m.docs || c.docs.len() != c.live() {
            return Err(Failure::corrupt(format!("the manifest counts {} documents, {} are stored and the index has {}", m.docs, c.docs.len(), c.live())));
        }
        c.next_key = m.next_key;
        c.generation = m.generation;
        c.block_crcs = m.block_crcs;
        c.block_bytes = snap.blocks.iter().map(|(_, b)| b.len() + 8).collect();
        c.manifest_bytes = mbytes.len() + 8;
        Ok(c)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Change search-time knobs (keyword weight, ef, rerank); index-shaping ones
    /// (`prune_at`, `pq`, `prune`) only take effect for later phases.
    pub fn tune(&mut self, f: impl FnOnce(&mut Settings)) {
        f(&mut self.settings);
    }

    /// Drop every cached embedding, as a reopen does (benchmarks and tests of cold search).
    pub fn clear_cache(&mut self) {
        self.cache.clear();
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// True after a mutation failed half-way: reload from the store before going on.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn is_pruned(&self) -> bool {
        matches!(self.index, Phase::Pruned(_))
    }

    /// The index's phase: "stored" (f32 vectors), "flat" (PQ codes, scanned) or "graph"
    /// (PQ codes and the pruned graph).
    pub fn phase(&self) -> &'static str {
        match &self.index {
            Phase::Stored(_) => "stored",
            Phase::Pruned(i) if i.is_flat() => "flat",
            Phase::Pruned(_) => "graph",
        }
    }

    pub fn doc(&self, key: u64) -> Option<&Doc> {
        self.docs.get(&key)
    }

    pub fn key_of(&self, id: &str) -> Option<u64> {
        self.keys.get(id).copied()
    }

    fn index_dims(&self) -> usize {
        match &self.index {
            Phase::Stored(i) => i.params().dims,
            Phase::Pruned(i) => i.params().dims,
        }
    }

    fn ids(&self) -> &crate::index::Ids {
        match &self.index {
            Phase::Stored(i) => i.ids(),
            Phase::Pruned(i) => i.ids(),
        }
    }

    fn has_node(&self, key: u64) -> bool {
        self.ids().node(key).is_some()
    }

    fn live(&self) -> usize {
        self.ids().live()
    }

    /// Check a batch before anything changes: ids present, unique, sizes within limits.
    pub fn validate(&self, docs: &[Doc]) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for (i, d) in docs.iter().enumerate() {
            if d.id.is_empty() || d.id.len() > MAX_ID_BYTES {
                return Err(Failure::input(format!("document {i}: id must be 1..={MAX_ID_BYTES} bytes")));
            }
            if !seen.insert(d.id.as_str()) {
                return Err(Failure::input(format!("document id {:?} appears twice in one call", d.id)));
            }
            let size = d.text.len() + d.title.len() + d.url.len();
            if size > self.settings.max_text {
                return Err(Failure::input(format!("document {:?} is {size} bytes; the limit is {} (split it, or raise maxTextBytes)", d.id, self.settings.max_text)));
            }
            if d.meta.len() > MAX_META_BYTES {
                return Err(Failure::input(format!("document {:?}: meta is {} bytes as JSON; the limit is {MAX_META_BYTES}", d.id, d.meta.len())));
            }
        }
        Ok(())
    }

    /// The stored document with this id.
    fn stored(&self, id: &str) -> Option<&Doc> {
        self.keys.get(id).and_then(|k| self.docs.get(k))
    }

    /// Token ids of the documents `add(docs)` would embed (the new and changed ones), in
    /// the order it would embed them: what another worker embeds for it ([`Precomputed`]).
    pub fn tokens_to_embed(&self, embed: &dyn Embed, docs: &[Doc]) -> Result<Vec<Vec<u32>>> {
        self.validate(docs)?;
        docs.iter().filter(|d| !self.stored(&d.id).is_some_and(|old| old.same_content(d))).map(|d| embed.tokenize(&d.embed_text())).collect()
    }

    /// Add or update (by id) documents: embed the new and changed ones, index them and
    /// return the writes that persist the new state.
    pub fn add(&mut self, embed: &mut dyn Embed, docs: Vec<Doc>) -> Result<(Vec<Write>, AddReport)> {
        self.validate(&docs)?;
        if embed.dims() != self.dims {
            return Err(Failure::input("the embedder's dimensions differ from the collection's"));
        }
        let mut report = AddReport::default();
        let mut fresh = Vec::with_capacity(docs.len());
        for d in docs {
            match self.stored(&d.id) {
                Some(old) if old.same_content(&d) => report.unchanged += 1,
                Some(_) => {
                    report.updated += 1;
                    fresh.push(d);
                }
                None => {
                    report.added += 1;
                    fresh.push(d);
                }
            }
        }
        if fresh.is_empty() {
            return Ok((Vec::new(), report));
        }
        for d in &mut fresh {
            d.tokens = embed.tokenize(&d.embed_text())?;
        }
        let mut vectors = Vec::with_capacity(fresh.len() * self.dims);
        let seqs: Vec<&[u32]> = fresh.iter().map(|d| d.tokens.as_slice()).collect();
        embed.embed_tokens(&seqs, &mut vectors)?;
        self.dirty = true;
        let mut writes = Vec::new();
        for d in &fresh {
            if let Some(old) = self.keys.get(&d.id).copied() {
                self.remove_key(old, &mut writes)?;
            }
        }
        let keys: Vec<u64> = (0..fresh.len() as u64).map(|i| self.next_key + i).collect();
        self.next_key += fresh.len() as u64;
        match &mut self.index {
            Phase::Stored(i) => i.add_batch(&keys, &vectors, 1)?,
            Phase::Pruned(i) => i.add_batch(&keys, &vectors, 1)?,
        }
        for (key, (d, v)) in keys.into_iter().zip(fresh.into_iter().zip(vectors.chunks_exact(self.dims))) {
            let bytes = d.encode();
            self.doc_bytes.insert(key, bytes.len() + 8);
            writes.push(Write { table: Table::Docs, key, value: Some(bytes) });
            self.keywords.insert(key, &d.fields());
            self.keys.insert(d.id.clone(), key);
            self.docs.insert(key, d);
            if self.is_pruned() {
                self.cache.insert(key, v.to_vec());
            }
        }
        self.maybe_prune(&mut writes)?;
        self.finish(&mut writes);
        Ok((writes, report))
    }

    /// Delete documents by id. Unknown ids fail the whole call before anything changes.
    pub fn delete(&mut self, ids: &[String]) -> Result<Vec<Write>> {
        let mut keys = Vec::with_capacity(ids.len());
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            let key = self.keys.get(id).copied().ok_or_else(|| Failure::new(crate::store::Kind::NotFound, format!("no document has id {id:?}; nothing was deleted")))?;
            if seen.insert(key) {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.dirty = true;
        let mut writes = Vec::new();
        for key in keys {
            self.remove_key(key, &mut writes)?;
        }
        self.maybe_compact();
        self.finish(&mut writes);
        Ok(writes)
    }

    fn remove_key(&mut self, key: u64, writes: &mut Vec<Write>) -> Result<()> {
        match &mut self.index {
            Phase::Stored(i) => i.delete(key)?,
            Phase::Pruned(i) => i.delete(key)?,
        }
        if let Some(d) = self.docs.remove(&key) {
            self.keywords.remove(key, &d.fields());
            self.keys.remove(&d.id);
        }
        self.cache.remove(key);
        self.doc_bytes.remove(&key);
        writes.push(Write { table: Table::Docs, key, value: None });
        Ok(())
    }

    fn maybe_prune(&mut self, writes: &mut Vec<Write>) -> Result<()> {
        if let Phase::Pruned(i) = &mut self.index {
            if i.is_flat() && i.len() >= self.settings.graph_at {
                i.link_all(1);
            }
            return Ok(());
        }
        let Phase::Stored(stored) = &self.index else { return Ok(()) };
        if stored.len() < self.settings.prune_at.max(256) {
            return Ok(());
        }
        let pruned = if stored.len() >= self.settings.graph_at {
            PrunedIndex::build(stored, &self.settings.prune, &self.settings.pq, 1)?
        } else {
            PrunedIndex::build_flat(stored, &self.settings.prune, &self.settings.pq, 1)?
        };
        // Keep the exact vectors we have as the first cache fill.
        for key in self.docs.keys() {
            if let Some(v) = stored.get(*key) {
                self.cache.insert(*key, v.to_vec());
            }
        }
        let cb = pruned.codebook_bytes();
        self.codebook_crc = crc32fast::hash(&cb);
        self.codebook_bytes = cb.len() + 8;
        writes.push(Write { table: Table::Meta, key: CODEBOOK_KEY, value: Some(cb) });
        self.index = Phase::Pruned(pruned);
        Ok(())
    }

    fn maybe_compact(&mut self) {
        let ids = self.ids();
        if ids.nodes() == 0 || (ids.deleted_count() as f32) < self.settings.compact_at * ids.nodes() as f32 {
            return;
        }
        match &mut self.index {
            Phase::Stored(i) => i.compact(),
            Phase::Pruned(i) => i.compact(),
        }
    }

    /// Re-encode the blocks, write the changed ones and the manifest (generation + 1).
    fn finish(&mut self, writes: &mut Vec<Write>) {
        let count = match &self.index {
            Phase::Stored(i) => i.blocks(),
            Phase::Pruned(i) => i.blocks(),
        };
        let mut crcs = Vec::with_capacity(count);
        let mut sizes = Vec::with_capacity(count);
        let mut buf = Vec::new();
        for b in 0..count {
            buf.clear();
            match &self.index {
                Phase::Stored(i) => i.encode_block(b, &mut buf),
                Phase::Pruned(i) => i.encode_block(b, &mut buf),
            }
            let crc = crc32fast::hash(&buf);
            if self.block_crcs.get(b) != Some(&crc) {
                writes.push(Write { table: Table::Blocks, key: b as u64, value: Some(buf.clone()) });
            }
            crcs.push(crc);
            sizes.push(buf.len() + 8);
        }
        for b in count..self.block_crcs.len() {
            writes.push(Write { table: Table::Blocks, key: b as u64, value: None });
        }
        self.block_crcs = crcs;
        self.block_bytes = sizes;
        self.generation += 1;
        let m = self.manifest().encode();
        self.manifest_bytes = m.len() + 8;
        writes.push(Write { table: Table::Meta, key: MANIFEST_KEY, value: Some(m) });
        self.dirty = false;
    }

    fn manifest(&self) -> Manifest {
        let head = match &self.index {
            Phase::Stored(i) => i.head_bytes(),
            Phase::Pruned(i) => i.head_bytes(),
        };
        Manifest {
            generation: self.generation,
            next_key: self.next_key,
            docs: self.docs.len() as u64,
            head,
            block_crcs: self.block_crcs.clone(),
            codebook_crc: self.codebook_crc,
        }
    }

    /// Every record of the committed state (for export), in table and key order.
    pub fn snapshot(&self) -> Snapshot {
        let mut s = Snapshot::default();
        if self.generation == 0 {
            return s;
        }
        s.meta.push((MANIFEST_KEY, self.manifest().encode()));
        if let Phase::Pruned(i) = &self.index {
            s.meta.push((CODEBOOK_KEY, i.codebook_bytes()));
        }
        let mut keys: Vec<u64> = self.docs.keys().copied().collect();
        keys.sort_unstable();
        s.docs = keys.into_iter().map(|k| (k, self.docs[&k].encode())).collect();
        for b in 0..self.block_crcs.len() {
            let mut buf = Vec::new();
            match &self.index {
                Phase::Stored(i) => i.encode_block(b, &mut buf),
                Phase::Pruned(i) => i.encode_block(b, &mut buf),
            }
            s.blocks.push((b as u64, buf));
        }
        s
    }

    /// Sizes and counts, for `stats()`.
    pub fn stats(&self) -> Stats {
        let ids = self.ids();
        Stats {
            documents: self.docs.len(),
            nodes: ids.nodes(),
            deleted: ids.deleted_count(),
            pruned: self.is_pruned(),
            phase: self.phase(),
            generation: self.generation,
            doc_bytes: self.doc_bytes.values().sum(),
            token_bytes: self.docs.values().map(|d| d.tokens.len() * 2).sum(),
            index_bytes: self.block_bytes.iter().sum(),
            codebook_bytes: self.codebook_bytes,
            manifest_bytes: self.manifest_bytes,
            hnsw_f32_bytes: self.docs.len() * (self.dims * 4 + (2 * 16 + 1) * 4),
            f32_vector_bytes: self.docs.len() * self.dims * 4,
            cached_vectors: self.cache.len(),
        }
    }
}

/// Counts and bytes of a collection (as stored; records include an 8-byte key).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub documents: usize,
    pub nodes: usize,
    pub deleted: usize,
    pub pruned: bool,
    /// "stored", "flat" or "graph" (see [`Collection::phase`]).
    pub phase: &'static str,
    pub generation: u64,
    /// Document records (text, title, url, meta, token ids).
    pub doc_bytes: usize,
    /// Of which token ids (about; varint coded).
    pub token_bytes: usize,
    /// Index blocks: graph + PQ codes (pruned) or graph + f32 vectors (stored).
    pub index_bytes: usize,
    pub codebook_bytes: usize,
    pub manifest_bytes: usize,
    /// What an HNSW with f32 vectors (M = 16, hnswlib layer-0 layout) would take.
    pub hnsw_f32_bytes: usize,
    /// The documents' f32 embeddings alone.
    pub f32_vector_bytes: usize,
    pub cached_vectors: usize,
}
