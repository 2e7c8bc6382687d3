//! The collection as store records: rebuilt from a [`Snapshot`], or from its parts as a
//! store reads them ([`Loading`]), every checksum checked and documents and index
//! agreeing; and written back whole (export) with its manifest.

use super::ModelMark;
use super::doc;
use super::pages::{self, PAGE_BASE, PAGE_KEYS};
use super::{Collection, Manifest, Phase, Settings, StoredDoc};
use crate::index::{Kind, PrunedIndex, VectorIndex, head_kind};
use crate::records::{CODEBOOK_KEY, Checksum, Failure, HINTS_KEY, MANIFEST_KEY, MODEL_KEY, Result, Snapshot};

/// A collection being rebuilt from its records in parts: the meta and index records first
/// ([`Loading::begin`]), then the documents in as many parts as they arrive
/// ([`Loading::docs`]; a browser reads them while the first parts are indexed), then
/// [`Loading::finish`], which checks that documents and index agree as a whole.
pub struct Loading {
    c: Collection,
    /// The manifest, absent for a new collection (which must then hold no records).
    m: Option<Manifest>,
}

impl Loading {
    /// Start from the meta and index-block records, for an embedder of `dims` dimensions;
    /// checks the manifest, every block's checksum and the codebook.
    pub fn begin(settings: Settings, dims: usize, meta: &[(u64, Vec<u8>)], blocks: &[(u64, Vec<u8>)]) -> Result<Self> {
        match Self::stored(settings.clone(), meta, blocks)? {
            Some(l) => l.check_dims(dims).map(|()| l),
            None => Ok(Loading { c: Collection::new(settings, dims)?, m: None }),
        }
    }

    /// [`Loading::begin`] before the embedder is known: the collection takes the stored
    /// index's width ([`Loading::check_dims`] then compares the embedder's). `None` for a
    /// database without a manifest (a new collection, which must then hold no index block
    /// and no document): begin it with the embedder's width.
    pub fn stored(settings: Settings, meta: &[(u64, Vec<u8>)], blocks: &[(u64, Vec<u8>)]) -> Result<Option<Self>> {
        let Some((_, mbytes)) = meta.iter().find(|(k, _)| *k == MANIFEST_KEY) else {
            if !blocks.is_empty() {
                return Err(Failure::corrupt("index blocks are stored but the manifest is missing"));
            }
            return Ok(None);
        };
        let m = Manifest::decode(mbytes)?;
        if m.block_crcs.len() != blocks.len() {
            return Err(Failure::corrupt(format!("the manifest lists {} index blocks, {} are stored", m.block_crcs.len(), blocks.len())));
        }
        for (i, ((key, bytes), crc)) in blocks.iter().zip(&m.block_crcs).enumerate() {
            if *key != i as u64 || crc32fast::hash(bytes) != *crc {
                return Err(Failure::corrupt(format!("index block {i} is missing or damaged (checksum mismatch)")));
            }
        }
        let parts: Vec<&[u8]> = blocks.iter().map(|(_, b)| b.as_slice()).collect();
        let (index, codebook) = match head_kind(&m.head)? {
            Kind::Stored => (Phase::Stored(VectorIndex::from_blocks(&m.head, &parts)?), None),
            Kind::Pruned | Kind::Flat => {
                let cb = meta.iter().find(|(k, _)| *k == CODEBOOK_KEY).map(|(_, b)| b.as_slice());
                let cb = cb.filter(|b| crc32fast::hash(b) == m.codebook_crc).ok_or_else(|| Failure::corrupt("the PQ codebook is missing or damaged"))?;
                (Phase::Pruned(PrunedIndex::from_blocks(&m.head, cb, &parts)?), Some(cb.len()))
            }
        };
        let mut c = Collection::new(settings, index.kept().dims())?;
        c.index = index;
        if let Some(len) = codebook {
            c.codebook_bytes = len + 8;
            c.codebook_crc = m.codebook_crc;
        }
        if let Some((_, bytes)) = meta.iter().find(|(k, _)| *k == HINTS_KEY) {
            // Only an order for the warm-up: a record that does not decode is left out
            // (and replaced at the next save), never a reason to refuse the collection.
            c.hints_bytes = bytes.len() + 8;
            if c.settings.hints {
                c.hints = super::hints::Hints::from_record(bytes).unwrap_or_default();
            }
        }
        if let Some((_, bytes)) = meta.iter().find(|(k, _)| *k == MODEL_KEY) {
            c.model = Some(ModelMark::decode(bytes)?);
            c.model_stored = true;
        }
        // Room for every document the index holds (what the blocks decoded, not a count
        // read from the manifest), so the maps do not grow one doubling at a time.
        let live = c.live();
        c.keys.reserve(live);
        c.docs.reserve(live);
        c.keywords.reserve(live);
        c.next_key = m.next_key;
        c.generation = m.generation;
        c.block_bytes = blocks.iter().map(|(_, b)| b.len() + 8).collect();
        c.manifest_bytes = mbytes.len() + 8;
        Ok(Some(Loading { c, m: Some(m) }))
    }

    /// Refuses an embedder of another width than the stored index's.
    pub fn check_dims(&self, dims: usize) -> Result<()> {
        if self.c.index_dims() == dims {
            return Ok(());
        }
        Err(Failure::input(format!(
            "this database holds {}-d embeddings but the embedder makes {dims}-d ones: open it with the model it was built with",
            self.c.index_dims()
        )))
    }

    /// Some of the document records, in any order and parts.
    pub fn docs(&mut self, docs: &[(u64, Vec<u8>)]) -> Result<()> {
        let Some(m) = &self.m else {
            return match docs.is_empty() {
                true => Ok(()),
                false => Err(Failure::corrupt("documents are stored but the manifest is missing")),
            };
        };
        let c = &mut self.c;
        for (record, bytes) in docs {
            let alone = *record < PAGE_BASE;
            let held = pages::read(*record, bytes)?;
            for &(key, bytes) in &held.docs {
                // A page's crc, just checked, covers the records it holds.
                let doc = StoredDoc::decode_as(bytes, if alone { Checksum::Check } else { Checksum::Covered })?;
                let d = doc.view();
                if !c.has_node(key) || c.keys.insert(d.id, key, &c.docs).is_some() || key >= m.next_key {
                    return Err(Failure::corrupt(format!("document record {key} does not match the index")));
                }
                if !d.kept.is_empty() && doc::kept_dims(d.kept) != c.dims {
                    return Err(Failure::corrupt(format!("document record {key} keeps a {}-d embedding in a {}-d collection", doc::kept_dims(d.kept), c.dims)));
                }
                if alone {
                    // By the record this nook would write: an earlier nook's (a version-3
                    // kept embedding, twice int8's bytes) can be too large for a page where
                    // this nook's fits one; such a document is loose too, or a rewrite of
                    // its page would store it twice. (Pages hold no such record.)
                    let len = d.record_len();
                    if pages::packs(len) {
                        c.loose.insert(key);
                    }
                    if bytes.len() > len {
                        c.legacy_extra.insert(key, bytes.len() - len);
                    }
                }
                // A page's terms were counted when it was written: indexed below, page by
                // page; the others are tokenised here.
                if held.terms.is_none() {
                    c.keywords.insert(key, &d.fields());
                }
                c.doc_bytes += bytes.len() + 8;
                c.token_counts.add(d.tokens);
                c.put_doc(key, doc);
            }
            match &held.terms {
                Some(terms) => {
                    let docs: Vec<(u64, &[(u32, u32)])> = held.docs.iter().enumerate().map(|(i, &(key, _))| (key, terms.of(i))).collect();
                    c.keywords.insert_page(&terms.dict, &docs);
                }
                // A page whose terms another version counted: rewritten after the open.
                None if !alone => {
                    c.stale_terms.insert(*record - PAGE_BASE);
                }
                None => {}
            }
        }
        Ok(())
    }

    /// The collection, once every document record was given.
    pub fn finish(self) -> Result<Collection> {
        let Loading { mut c, m } = self;
        let Some(m) = m else { return Ok(c) };
        if c.docs.len() as u64 != m.docs || c.docs.len() != c.live() {
            return Err(Failure::corrupt(format!("the manifest counts {} documents, {} are stored and the index has {}", m.docs, c.docs.len(), c.live())));
        }
        c.block_crcs = m.block_crcs;
        Ok(c)
    }
}

/// Where to split the `docs` table so a store can hand it over in parts while the first
/// are indexed: documents stored alone (keys below the manifest's next key) in about
/// `parts` parts of at least `min` keys, then the pages (`pages`) likewise. The split
/// keys, ascending (none for a missing or unreadable manifest).
pub fn doc_splits(manifest: Option<&[u8]>, parts: u64, min: u64) -> Vec<u64> {
    let Some(m) = manifest.and_then(|b| Manifest::decode(b).ok()) else { return Vec::new() };
    let cuts = |n: u64, min: u64| {
        let per = n.div_ceil(parts.max(1)).max(min).max(1);
        (1..n.div_ceil(per)).map(move |i| i * per)
    };
    let pages = m.next_key.div_ceil(PAGE_KEYS);
    let mut out: Vec<u64> = cuts(m.next_key, min).collect();
    out.push(PAGE_BASE);
    out.extend(cuts(pages, min.div_ceil(PAGE_KEYS)).map(|p| PAGE_BASE + p));
    out
}

impl Collection {
    /// Rebuild from a store's records; an empty snapshot gives a new collection. Checks
    /// every checksum and that documents and index agree; damage gives a `Corrupt` error.
    pub fn load(settings: Settings, dims: usize, snap: &Snapshot) -> Result<Self> {
        let mut l = Loading::begin(settings, dims, &snap.meta, &snap.blocks)?;
        l.docs(&snap.docs)?;
        l.finish()
    }

    pub(super) fn manifest(&self) -> Manifest {
        let head = self.index.kept().head_bytes();
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
        if let Some(mark) = &self.model {
            s.meta.push((MODEL_KEY, mark.encode()));
        }
        s.docs = self.doc_records();
        for b in 0..self.block_crcs.len() {
            let mut buf = Vec::new();
            self.index.kept().encode_block(b, &mut buf);
            s.blocks.push((b as u64, buf));
        }
        s
    }
}
