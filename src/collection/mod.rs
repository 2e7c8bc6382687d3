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
//!
//! This file holds the collection's state and accessors; by concern: [`settings`] (the
//! knobs), `records` (load from and write to store records), [`pages`] (which record holds
//! a document), `mutate` (add, delete and what follows them), `search` (and [`bag`], its
//! second estimate from the token ids), `stats`, `warm` (filling the cache after an open).

pub mod bag;
pub mod cache;
pub mod doc;
pub mod embed;
pub mod export;
pub mod filter;
pub mod hints;
mod ids;
pub mod manifest;
pub mod model;
mod mutate;
pub mod pages;
mod records;
pub use records::{Loading, doc_splits};
mod search;
mod settings;
mod stats;
mod warm;

use crate::FastMap;

pub use doc::{Doc, DocRef, StoredDoc};
pub use embed::{Embed, FirstRecomputed, HashEmbed, Precomputed, split_sequences};
pub use manifest::Manifest;
pub use model::ModelMark;
pub use search::{Found, MAX_K, Precision, SearchCounts};
pub use settings::{BLIND, Reading, Settings, UNREAD, keyword_weight};
pub use stats::Stats;
pub use warm::Warmed;

use crate::distance::Metric;
use crate::index::{IndexParams, KeptIndex, Navigation, PrunedIndex, VectorIndex};
use crate::records::{Result, Table, Write};
use crate::text::{Bm25Params, KeywordIndex};
use cache::VectorCache;

/// The vector index in its phase: f32 vectors (stored), or PQ codes scanned (flat) or
/// navigated (graph), both a [`PrunedIndex`]. What does not depend on the phase goes
/// through [`KeptIndex`] ([`Phase::kept`]); only search, the switch to PQ and the codebook
/// tell the phases apart.
pub(crate) enum Phase {
    Stored(VectorIndex),
    Pruned(PrunedIndex),
}

impl Phase {
    pub(crate) fn kept(&self) -> &dyn KeptIndex {
        match self {
            Phase::Stored(i) => i,
            Phase::Pruned(i) => i,
        }
    }

    pub(crate) fn kept_mut(&mut self) -> &mut dyn KeptIndex {
        match self {
            Phase::Stored(i) => i,
            Phase::Pruned(i) => i,
        }
    }
}

/// What an add did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// The search hints' write, to store (see [`Collection::hints_to_save`]).
#[derive(Debug)]
pub struct HintsSave {
    pub write: Write,
    mark: u64,
}

/// Documents + vector index + keyword index.
pub struct Collection {
    settings: Settings,
    dims: usize,
    pub(crate) index: Phase,
    pub(crate) docs: FastMap<u64, StoredDoc>,
    keys: ids::IdMap,
    next_key: u64,
    generation: u64,
    block_crcs: Vec<u32>,
    codebook_crc: u32,
    /// The model the embeddings come from (`None`: not known yet), and whether its
    /// record is stored.
    model: Option<ModelMark>,
    model_stored: bool,
    pub(crate) keywords: KeywordIndex,
    /// How often each token id occurs among the documents (the search's second estimate).
    pub(crate) token_counts: bag::TokenCounts,
    pub(crate) cache: VectorCache,
    /// How far the background warm-up of the cache has got (see `warm`).
    warming: warm::Queue,
    /// What exact searches needed, this session and (from its record) before (see `hints`).
    hints: hints::Hints,
    /// Bytes of the stored hints record (0: none stored).
    hints_bytes: usize,
    /// Bytes of the documents' records, for stats.
    doc_bytes: usize,
    /// Documents keeping their embedding and its bytes, for stats (kept in step with `docs`
    /// by [`Collection::put_doc`] and [`Collection::take_doc`]).
    kept: stats::Kept,
    /// Documents whose stored record is longer than the one this nook would write for them
    /// (an earlier nook's f16 kept embedding, read as int8): by how much, until rewritten.
    legacy_extra: crate::FastMap<u64, usize>,
    /// Pages (`pages`) whose packed documents changed since the last commit.
    touched: std::collections::BTreeSet<u64>,
    /// Small documents stored alone (written before pages), to move into their pages.
    loose: crate::FastSet<u64>,
    /// Pages whose stored terms were counted by other rules (another `TERMS_VERSION`): an
    /// open tokenises their text until they are rewritten.
    stale_terms: crate::FastSet<u64>,
    block_bytes: Vec<usize>,
    codebook_bytes: usize,
    manifest_bytes: usize,
    /// Set while a mutation is half-applied in memory; the caller must reload.
    dirty: bool,
}

impl Collection {
    /// An empty collection for embeddings of `dims` dimensions (cosine).
    pub fn new(settings: Settings, dims: usize) -> Result<Self> {
        let params = IndexParams { m: 16, ef_construction: 100, ..IndexParams::new(Metric::Cosine, dims) };
        Ok(Collection {
            index: Phase::Stored(VectorIndex::new(params)?),
            cache: VectorCache::new(settings.cache),
            warming: Default::default(),
            hints: Default::default(),
            hints_bytes: 0,
            settings,
            dims,
            docs: FastMap::default(),
            keys: ids::IdMap::default(),
            next_key: 1,
            generation: 0,
            block_crcs: Vec::new(),
            codebook_crc: 0,
            model: None,
            model_stored: false,
            keywords: KeywordIndex::new(Bm25Params::default()),
            token_counts: Default::default(),
            doc_bytes: 0,
            kept: Default::default(),
            legacy_extra: Default::default(),
            touched: Default::default(),
            loose: Default::default(),
            stale_terms: Default::default(),
            block_bytes: Vec::new(),
            codebook_bytes: 0,
            manifest_bytes: 0,
            dirty: false,
        })
    }

    /// Bind the collection to the model `current` (its [`ModelMark`]): refused when the
    /// stored embeddings come from another model; a collection that has no mark yet takes
    /// this one, stored with its next change.
    pub fn bind_model(&mut self, current: ModelMark) -> Result<()> {
        match &self.model {
            Some(stored) => stored.check(&current),
            None => {
                self.model = Some(current);
                self.model_stored = false;
                Ok(())
            }
        }
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
        self.warming = Default::default();
    }

    /// The documents the search hints name, those of recent searches first (what the
    /// warm-up takes first).
    pub fn hints_ranked(&self) -> Vec<u64> {
        self.hints.ranked()
    }

    /// Turn the search hints on or off while open (`Settings::hints`; the option
    /// `rememberSearches`). Off forgets what this session noted and makes
    /// [`Collection::hints_to_save`] delete a stored record; on notes again from the next
    /// search.
    pub fn remember_searches(&mut self, on: bool) {
        self.settings.hints = on;
        if !on {
            self.hints = Default::default();
        }
    }

    /// Is there something for [`Collection::hints_to_save`] to write: documents a search
    /// needed since the last save, or (`Settings::hints` off) a stored record to delete?
    pub fn hints_changed(&self) -> bool {
        if self.settings.hints { self.hints.changed() } else { self.hints_bytes > 0 }
    }

    /// The write that saves what exact searches needed (`hints`), for the next open's
    /// warm-up: the record when something was noted since the last save; its deletion when
    /// `Settings::hints` is off and an earlier session stored one; else nothing. Not a
    /// change of the collection: the generation stays (other tabs need not reload). Give it
    /// back to [`Collection::hints_saved`] once stored; until then (a full quota) the hints
    /// stay to save.
    pub fn hints_to_save(&self) -> Option<HintsSave> {
        match (self.settings.hints, self.hints_bytes > 0) {
            (true, _) if self.hints.changed() => {
                let (write, mark) = self.hints.record();
                Some(HintsSave { write, mark })
            }
            (false, true) => Some(HintsSave { write: Write { table: Table::Meta, key: crate::records::HINTS_KEY, value: None }, mark: 0 }),
            _ => None,
        }
    }

    /// [`Collection::hints_to_save`]'s write is stored.
    pub fn hints_saved(&mut self, save: HintsSave) {
        self.hints_bytes = save.write.value.as_ref().map_or(0, |v| v.len() + 8);
        if self.settings.hints {
            self.hints.saved_at(save.mark);
        }
    }

    /// Is this document's exact embedding in the cache of recomputed ones?
    pub fn cached(&self, key: u64) -> bool {
        self.cache.contains(key)
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

    /// Refuses an embedder whose vectors are not this collection's width.
    fn check_dims(&self, embed: &dyn Embed) -> Result<()> {
        match embed.dims() == self.dims {
            true => Ok(()),
            false => Err(crate::records::Failure::input("the embedder's dimensions differ from the collection's")),
        }
    }

    /// The index's phase: "stored" (f32 vectors), "flat" (PQ codes, scanned) or "graph"
    /// (PQ codes and the pruned graph).
    pub fn phase(&self) -> &'static str {
        match &self.index {
            Phase::Stored(_) => "stored",
            Phase::Pruned(i) => match i.navigation() {
                Navigation::Scan(_) => "flat",
                Navigation::Graph(_) => "graph",
            },
        }
    }

    pub fn doc(&self, key: u64) -> Option<DocRef<'_>> {
        self.docs.get(&key).map(StoredDoc::view)
    }

    pub fn key_of(&self, id: &str) -> Option<u64> {
        self.keys.get(id, &self.docs)
    }

    fn index_dims(&self) -> usize {
        self.index.kept().dims()
    }

    fn ids(&self) -> &crate::index::Ids {
        self.index.kept().ids()
    }

    fn has_node(&self, key: u64) -> bool {
        self.ids().node(key).is_some()
    }

    fn live(&self) -> usize {
        self.ids().live()
    }
}
