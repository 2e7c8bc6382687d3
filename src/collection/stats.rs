//! What a collection holds, counted: documents, nodes, bytes by part, and what an f32
//! HNSW would take for comparison.

use super::{Collection, StoredDoc};

/// Documents that keep their embedding, and its bytes: counted as documents come and go,
/// so `stats()` reads them instead of walking every document (25 ms natively at 80,000,
/// on the extension's way from its open to its first result).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Kept {
    vectors: usize,
    bytes: usize,
}

impl Collection {
    /// Put a document in (replacing none: callers take the old one first).
    pub(super) fn put_doc(&mut self, key: u64, doc: StoredDoc) {
        let kept = doc.view().kept.len();
        self.kept.vectors += usize::from(kept > 0);
        self.kept.bytes += kept;
        self.docs.insert(key, doc);
    }

    /// Take a document out.
    pub(super) fn take_doc(&mut self, key: u64) -> Option<StoredDoc> {
        let doc = self.docs.remove(&key)?;
        let kept = doc.view().kept.len();
        self.kept.vectors -= usize::from(kept > 0);
        self.kept.bytes -= kept;
        Some(doc)
    }

    /// The kept counts walked from the documents ([`Kept`]'s check, in tests).
    #[cfg(test)]
    pub(super) fn kept_recounted(&self) -> Kept {
        let kept = |d: &StoredDoc| d.view().kept.len();
        Kept { vectors: self.docs.values().filter(|d| kept(d) > 0).count(), bytes: self.docs.values().map(kept).sum() }
    }
}

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
            token_bytes: self.token_counts.total() as usize * 2,
            kept_vectors: self.kept.vectors,
            kept_bytes: self.kept.bytes,
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

#[cfg(test)]
mod tests {
    use crate::collection::{Collection, Doc, HashEmbed, Settings};

    /// The kept counts `stats()` reads are the ones its documents hold, through adds,
    /// replacements, deletes, documents given their embedding later and a load; and its
    /// token bytes are two a stored token id.
    #[test]
    fn counted_as_documents_come_and_go() {
        let settings = Settings { prune_at: 50, keep_from_tokens: 6, ..Settings::default() };
        let mut c = Collection::new(settings.clone(), 32).unwrap();
        let e = &mut HashEmbed { dims: 32 };
        let doc = |i: usize, words: &str| Doc { id: format!("d{i}"), title: format!("t{i}"), text: words.into(), ..Doc::default() };
        let long = "a longer text about the sea and the ships on it";
        let check = |c: &Collection| {
            assert_eq!(c.kept, c.kept_recounted());
            let s = c.stats();
            assert_eq!(s.token_bytes, c.docs.values().map(|d| d.view().tokens.len() * 2).sum::<usize>());
            (s.kept_vectors, s.kept_bytes)
        };
        c.add(e, (0..80).map(|i| doc(i, if i % 4 == 0 { long } else { "red apple" })).collect()).unwrap();
        let (vectors, bytes) = check(&c);
        assert!(vectors == 20 && bytes > 0, "{vectors} {bytes}");
        c.add(e, vec![doc(4, "short now"), doc(5, long), doc(200, long)]).unwrap();
        assert_eq!(check(&c).0, 21);
        c.delete(&(0..30).map(|i| format!("d{i}")).collect::<Vec<_>>()).unwrap();
        let after = check(&c);
        assert_eq!(after.0, 21 - 8);
        assert_eq!(check(&Collection::load(settings.clone(), 32, &c.snapshot()).unwrap()), after);
        // Documents added while long ones kept nothing (an earlier nook) get theirs later.
        let mut earlier = Collection::new(Settings { keep_from_tokens: usize::MAX, ..settings.clone() }, 32).unwrap();
        earlier.add(e, (0..60).map(|i| doc(i, long)).collect()).unwrap();
        let mut c = Collection::load(settings, 32, &earlier.snapshot()).unwrap();
        assert_eq!(check(&c).0, 0);
        c.keep_long(e, 25).unwrap();
        assert_eq!(check(&c).0, 25);
    }
}
