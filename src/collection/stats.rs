//! What a collection holds, counted: documents, nodes, bytes by part, and what an f32
//! HNSW would take for comparison.

use super::Collection;

impl Collection {
    /// Sizes and counts, for `stats()`.
    pub fn stats(&self) -> Stats {
        let ids = self.ids();
        Stats {
            documents: self.docs.len(),
            nodes: ids.nodes(),
            deleted: ids.deleted_count(),
            pruned: self.is_pruned(),
            phase: self.phase(),
            graph_linked: match &self.index {
                super::Phase::Pruned(i) => i.linking().map(|(linked, _)| linked),
                super::Phase::Stored(_) => None,
            },
            generation: self.generation,
            doc_bytes: self.doc_bytes,
            token_bytes: self.docs.values().map(|d| d.view().tokens.len() * 2).sum(),
            kept_vectors: self.docs.values().filter(|d| !d.view().kept.is_empty()).count(),
            kept_bytes: self.docs.values().map(|d| d.view().kept.len()).sum(),
            index_bytes: self.block_bytes.iter().sum(),
            codebook_bytes: self.codebook_bytes,
            manifest_bytes: self.manifest_bytes,
            hnsw_f32_bytes: self.docs.len() * (self.dims * 4 + (2 * 16 + 1) * 4),
            f32_vector_bytes: self.docs.len() * self.dims * 4,
            cached_vectors: self.cache.len(),
            loose: self.loose(),
            hint_bytes: self.hints_bytes,
            hinted: self.hints.len(),
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
    /// Nodes linked so far of the graph being built, spread over the adds after `graph_at`
    /// (`None` when no graph is being built).
    pub graph_linked: Option<usize>,
    pub generation: u64,
    /// Document records (text, title, url, meta, token ids).
    pub doc_bytes: usize,
    /// Of which token ids (about; varint coded).
    pub token_bytes: usize,
    /// Long documents keeping their embedding in their record (see `doc`).
    pub kept_vectors: usize,
    /// Of the document records' bytes, those kept embeddings (int8 and a scale). Part of the index,
    /// not of the documents, in what `stats()` reports.
    pub kept_bytes: usize,
    /// Index blocks: graph + PQ codes (pruned) or graph + f32 vectors (stored).
    pub index_bytes: usize,
    pub codebook_bytes: usize,
    pub manifest_bytes: usize,
    /// What an HNSW with f32 vectors (M = 16, hnswlib layer-0 layout) would take.
    pub hnsw_f32_bytes: usize,
    /// The documents' f32 embeddings alone.
    pub f32_vector_bytes: usize,
    pub cached_vectors: usize,
    /// Documents whose record is still to be rewritten (see `Collection::loose`).
    pub loose: usize,
    /// The stored search hints record (see `hints`), counted with the index.
    pub hint_bytes: usize,
    /// Documents the search hints name (this session's needs and the record's).
    pub hinted: usize,
}
