//! Changing a collection: validating a batch, adding (embed the new and changed
//! documents, index them), deleting, and what follows a mutation — the switch to PQ at
//! `prune_at`, the graph at `graph_at`, compaction, and the writes that persist it all.

use super::ModelMark;
use super::cache::rounded;
use super::doc::kept_of;
use super::{AddReport, Collection, Doc, DocRef, Embed, Phase, StoredDoc};
use crate::index::{PqParams, PrunedIndex};
use crate::quant::Rotation;
use crate::records::{CODEBOOK_KEY, Failure, MANIFEST_KEY, MODEL_KEY, Result, Table, Write};

const MAX_ID_BYTES: usize = 1024;
const MAX_META_BYTES: usize = 64 * 1024;
/// Nodes of the graph in the making linked per document an add brings, once a flat index
/// has reached `graph_at` (`index::linking`): the build is spread over the adds that follow
/// and ends by the time the collection has grown by about an eighth, each add paying for
/// its share (eight nodes by SDC distances: ~1.6 ms natively at 250,000 codes, about a
/// third of embedding a short document; bench/results/linking.md) instead of one add paying
/// for every node at once.
const LINKS_PER_ADD: usize = 8;

impl Collection {
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
                return Err(Failure::input(format!(
                    "document {:?} is {size} bytes; the limit is {} (split it, or raise maxTextBytes)",
                    d.id, self.settings.max_text
                )));
            }
            if d.meta.len() > MAX_META_BYTES {
                return Err(Failure::input(format!("document {:?}: meta is {} bytes as JSON; the limit is {MAX_META_BYTES}", d.id, d.meta.len())));
            }
        }
        Ok(())
    }

    /// The stored document with this id.
    fn stored(&self, id: &str) -> Option<DocRef<'_>> {
        self.keys.get(id, &self.docs).and_then(|k| self.docs.get(&k)).map(StoredDoc::view)
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
        self.check_dims(embed)?;
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
            if let Some(old) = self.keys.get(&d.id, &self.docs) {
                self.remove_key(old, &mut writes)?;
            }
        }
        let keys: Vec<u64> = (0..fresh.len() as u64).map(|i| self.next_key + i).collect();
        self.next_key += fresh.len() as u64;
        self.index.kept_mut().add_batch(&keys, &vectors, 1)?;
        for (key, (mut d, v)) in keys.into_iter().zip(fresh.into_iter().zip(vectors.chunks_exact(self.dims))) {
            d.kept = match d.tokens.len() >= self.settings.keep_from_tokens {
                true => kept_of(v),
                false => Vec::new(),
            };
            self.write_doc(key, d.view(), &mut writes);
            self.keywords.insert(key, &d.fields());
            self.keys.insert(&d.id, key, &self.docs);
            let kept = !d.kept.is_empty();
            self.token_counts.add(&d.tokens);
            self.put_doc(key, d.into());
            if self.is_pruned() && !kept {
                self.cache.insert(key, rounded(v));
            }
        }
        self.maybe_prune(report.added + report.updated, &mut writes)?;
        self.finish(&mut writes);
        Ok((writes, report))
    }

    /// Long documents added before they kept their embedding (an earlier nook): embed up
    /// to `n` of them (the bits `add` made) and rewrite their records with it, in one
    /// commit's writes. Returns the writes (none when nothing is left) and how many are
    /// left. Their search results then rank by the kept embedding (see `doc`).
    pub fn keep_long(&mut self, embed: &mut dyn Embed, n: usize) -> Result<(Vec<Write>, usize)> {
        let from = self.settings.keep_from_tokens;
        let wanting = |d: &StoredDoc| d.view().tokens.len() >= from && d.view().kept.is_empty();
        let mut keys: Vec<u64> = self.docs.iter().filter(|(_, d)| wanting(d)).map(|(&k, _)| k).collect();
        let left = keys.len();
        if left == 0 || n == 0 {
            return Ok((Vec::new(), left));
        }
        self.check_dims(embed)?;
        keys.sort_unstable();
        keys.truncate(n);
        let mut vectors = Vec::with_capacity(keys.len() * self.dims);
        let seqs: Vec<&[u32]> = keys.iter().map(|k| self.docs[k].view().tokens).collect();
        embed.embed_tokens(&seqs, &mut vectors)?;
        self.dirty = true;
        let mut writes = Vec::new();
        for (&key, v) in keys.iter().zip(vectors.chunks_exact(self.dims)) {
            let Some(old) = self.take_doc(key) else { continue };
            self.unwrite_doc(key, old.view(), &mut writes);
            let mut d = Doc::from(old.view());
            d.kept = kept_of(v);
            // Stored alone before and after, the record gets a delete then a put of its key in
            // this commit: a store applies writes in order, so the put stands.
            self.write_doc(key, d.view(), &mut writes);
            self.put_doc(key, d.into());
            self.cache.remove(key);
        }
        self.finish(&mut writes);
        Ok((writes, left - keys.len()))
    }

    /// Delete documents by id. Unknown ids fail the whole call before anything changes.
    pub fn delete(&mut self, ids: &[String]) -> Result<Vec<Write>> {
        let mut keys = Vec::with_capacity(ids.len());
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            let key = self
                .keys
                .get(id, &self.docs)
                .ok_or_else(|| Failure::new(crate::records::Kind::NotFound, format!("no document has id {id:?}; nothing was deleted")))?;
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
        self.index.kept_mut().delete(key)?;
        if let Some(d) = self.take_doc(key) {
            let d = d.view();
            self.keywords.remove(key, &d.fields());
            self.token_counts.remove(d.tokens);
            self.keys.remove(d.id, key);
            self.unwrite_doc(key, d, writes);
        }
        self.cache.remove(key);
        self.hints.forget(key);
        Ok(())
    }

    /// After an add of `added` documents: PQ at `prune_at`; past `graph_at`, the next
    /// `LINKS_PER_ADD` nodes a document of the graph in the making (or of one begun now).
    fn maybe_prune(&mut self, added: usize, writes: &mut Vec<Write>) -> Result<()> {
        if let Phase::Pruned(i) = &mut self.index {
            if i.is_flat() && (i.linking().is_some() || i.len() >= self.settings.graph_at) {
                i.link_some(added.saturating_mul(LINKS_PER_ADD));
            }
            return Ok(());
        }
        let Phase::Stored(stored) = &self.index else { return Ok(()) };
        if stored.len() < self.settings.prune_at.max(256) {
            return Ok(());
        }
        // Codes under the rotation learned for this collection's model, when nook ships one.
        let pq = PqParams { rotation: self.model.as_ref().map_or(Rotation::None, ModelMark::rotation), ..self.settings.pq };
        let pruned = if stored.len() >= self.settings.graph_at {
            PrunedIndex::build(stored, &self.settings.prune, &pq, 1)?
        } else {
            PrunedIndex::build_flat(stored, &self.settings.prune, &pq, 1)?
        };
        // Keep the exact vectors we have as the first cache fill.
        for (key, d) in &self.docs {
            if let Some(v) = stored.get(*key).filter(|_| d.view().kept.is_empty()) {
                self.cache.insert(*key, rounded(v));
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
        self.index.kept_mut().compact();
    }

    /// Write the touched pages, re-encode the blocks, write the changed ones and the
    /// manifest (generation + 1).
    pub(super) fn finish(&mut self, writes: &mut Vec<Write>) {
        self.write_pages(writes);
        let index = self.index.kept();
        let count = index.blocks();
        let mut crcs = Vec::with_capacity(count);
        let mut sizes = Vec::with_capacity(count);
        let mut buf = Vec::new();
        for b in 0..count {
            buf.clear();
            index.encode_block(b, &mut buf);
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
        if let Some(mark) = self.model.as_ref().filter(|_| !self.model_stored) {
            writes.push(Write { table: Table::Meta, key: MODEL_KEY, value: Some(mark.encode()) });
            self.model_stored = true;
        }
        self.dirty = false;
    }
}
