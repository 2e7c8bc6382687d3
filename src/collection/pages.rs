//! Where a document's record lives in the `docs` table: small documents packed by key into
//! *pages* of [`PAGE_KEYS`] keys, large ones alone under their own key.
//!
//! An open reads every document. IndexedDB pays per record (Chromium, 80,000 records of
//! 170 bytes: 330-470 ms to read; the same bytes in 313 records: 60-80 ms), and so does the
//! copy of each into wasm, so bookmark-sized documents are stored 64 to a record. A
//! document whose record is over [`PACK_MAX`] bytes stays alone, which bounds what a
//! change rewrites (a page: at most 64 records of 1 KB, and their terms).
//!
//! ```text
//! key:  PAGE_BASE + page number          (documents' own keys are below PAGE_BASE)
//! b"ND" u8(version=2) varint(page number) varint(count) then per document, keys ascending:
//!   varint(key - page number x PAGE_KEYS) varint(length) document record (doc.rs),
//! then the documents' keyword terms: varint(text::TERMS_VERSION) varint(terms)
//!   terms x (varint(length) UTF-8 term), then per document (same order) varint(n)
//!   n x (varint(term number) varint(weighted frequency)),
//! u32 LE crc32 of everything before it
//! ```
//!
//! The terms are what the keyword index counts from each document's fields, stored so an
//! open indexes them without tokenising (re-tokenising was ~60% of rebuilding the keyword
//! index, itself ~70% of a load); each distinct term once a page. Terms of another
//! `TERMS_VERSION` are ignored and the text tokenised.
//!
//! The page shares the document record's magic at version 2, so a nook that reads only
//! single records refuses a page as written by a newer nook. Databases written before
//! pages hold every document alone; they load as they are, and [`Collection::pack_loose`]
//! moves the small ones into pages, a few pages per commit.

use crate::format::varint::{Reader, put_varint};
use crate::records::{Frame, Result, Table, Write};

use super::{Collection, DocRef};

/// Keys per page.
pub const PAGE_KEYS: u64 = 64;
/// Largest document record packed into a page.
pub const PACK_MAX: usize = 1024;
/// Key of page 0 in the `docs` table (2^52: every key below is exact as an IndexedDB
/// number key, and document keys never reach it).
pub const PAGE_BASE: u64 = 1 << 52;

const FRAME: Frame = Frame { magic: b"ND", version: 2, name: "document page", written: "this database was" };

/// The page holding the document `key` (when it is packed).
pub fn page_of(key: u64) -> u64 {
    key / PAGE_KEYS
}

/// The `docs` table key of page `page`.
pub fn page_key(page: u64) -> u64 {
    PAGE_BASE + page
}

/// Is a record of `len` bytes packed into its page?
pub fn packs(len: usize) -> bool {
    len <= PACK_MAX
}

/// What a `docs` table record holds: `(key, document record)` pairs (one for a record of
/// a single document, up to [`PAGE_KEYS`] for a page) and, for a page, its documents'
/// counted terms.
pub struct Held<'a> {
    pub docs: Vec<(u64, &'a [u8])>,
    /// The page's counted terms; None for a document alone or terms of another version.
    pub terms: Option<PageTerms<'a>>,
}

/// A page's distinct terms, and per document (in the page's order) its `(term number,
/// weighted frequency)` pairs: every document's pairs in one buffer (a load reads 1,250
/// pages at 80,000 bookmarks: three allocations a page, not one per document).
pub struct PageTerms<'a> {
    pub dict: Vec<&'a str>,
    pairs: Vec<(u32, u32)>,
    /// Where each document's pairs end in `pairs`.
    ends: Vec<usize>,
}

impl PageTerms<'_> {
    /// Document `i`'s pairs (in the page's order).
    pub fn of(&self, i: usize) -> &[(u32, u32)] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.pairs[start..self.ends[i]]
    }
}

impl<'a> Held<'a> {
    /// Document `i`'s counted terms, if stored (a load indexes a page's terms at once:
    /// `KeywordIndex::insert_page`).
    #[cfg(test)]
    pub fn terms_of(&self, i: usize) -> Option<impl Iterator<Item = (&'a str, u32)> + '_> {
        let terms = self.terms.as_ref()?;
        (i < terms.ends.len()).then(|| terms.of(i).iter().map(|&(t, n)| (terms.dict[t as usize], n)))
    }
}

/// The documents a `docs` table record holds (see [`Held`]). Checks the page's frame,
/// that its number is its key's, that its keys are ascending and its own, and that its
/// terms are well formed.
pub fn read(key: u64, bytes: &[u8]) -> Result<Held<'_>> {
    if key < PAGE_BASE {
        if bytes.len() > 2 && bytes[..2] == *FRAME.magic && bytes[2] == FRAME.version {
            return Err(FRAME.bad(format!("a page is stored under the key of document {key}")));
        }
        return Ok(Held { docs: vec![(key, bytes)], terms: None });
    }
    let bad = |what: String| FRAME.bad(format!("{what} (record {key})"));
    let body = FRAME.open(bytes, 2)?;
    let e = |e: crate::Error| bad(e.to_string());
    let mut r = Reader::new(body);
    let page = r.varint().map_err(e)?;
    if page_key(page) != key {
        return Err(bad(format!("page {page} is stored under the key of page {}", key - PAGE_BASE)));
    }
    let n = r.count(PAGE_KEYS as usize, "document count").map_err(e)?;
    let mut docs = Vec::with_capacity(n);
    for _ in 0..n {
        let off = r.varint().map_err(e)?;
        if off >= PAGE_KEYS || docs.last().is_some_and(|&(k, _)| k >= page * PAGE_KEYS + off) {
            return Err(bad("its keys are not ascending within the page".into()));
        }
        let len = r.count(PACK_MAX, "document record length").map_err(e)?;
        docs.push((page * PAGE_KEYS + off, r.take(len).map_err(e)?));
    }
    if r.varint().map_err(e)? != crate::text::TERMS_VERSION {
        // Counted by another nook: the open tokenises the text instead.
        return Ok(Held { docs, terms: None });
    }
    let t = r.count(body.len(), "term count").map_err(e)?;
    let mut dict = Vec::with_capacity(t);
    for _ in 0..t {
        let len = r.count(body.len(), "term length").map_err(e)?;
        dict.push(std::str::from_utf8(r.take(len).map_err(e)?).map_err(|_| bad("a term is not UTF-8".into()))?);
    }
    // Each pair takes at least two bytes: what is left bounds their number.
    let mut pairs = Vec::with_capacity(r.remaining() / 2);
    let mut ends = Vec::with_capacity(n);
    for _ in 0..n {
        let m = r.count(t, "terms of a document").map_err(e)?;
        for _ in 0..m {
            let term = r.count(t.saturating_sub(1), "term number").map_err(e)?;
            let tf = u32::try_from(r.varint().map_err(e)?).ok().filter(|&f| f > 0).ok_or_else(|| bad("a term frequency is 0 or too large".into()))?;
            pairs.push((term as u32, tf));
        }
        ends.push(pairs.len());
    }
    if !r.is_empty() {
        return Err(bad("trailing bytes".into()));
    }
    Ok(Held { docs, terms: Some(PageTerms { dict, pairs, ends }) })
}

/// Page `page` holding `docs` (keys ascending and in the page), with their terms.
fn encode(page: u64, docs: &[(u64, DocRef)]) -> Vec<u8> {
    let records: Vec<Vec<u8>> = docs.iter().map(|(_, d)| d.encode()).collect();
    let mut out = FRAME.start(16 + records.iter().map(|b| 2 * b.len() + 4).sum::<usize>());
    put_varint(&mut out, page);
    put_varint(&mut out, docs.len() as u64);
    for ((key, _), bytes) in docs.iter().zip(&records) {
        put_varint(&mut out, key - page * PAGE_KEYS);
        put_varint(&mut out, bytes.len() as u64);
        out.extend_from_slice(bytes);
    }
    let mut numbers: crate::FastMap<String, u32> = crate::FastMap::default();
    let mut dict: Vec<String> = Vec::new();
    let per_doc: Vec<Vec<(u32, u32)>> = docs
        .iter()
        .map(|(_, d)| {
            let mut terms = Vec::new();
            crate::text::count_terms(&d.fields(), |t, n| {
                // Most of a page's term occurrences repeat a term: allocate only for a new one.
                let number = match numbers.get(t) {
                    Some(&number) => number,
                    None => {
                        let number = dict.len() as u32;
                        dict.push(t.to_string());
                        numbers.insert(t.to_string(), number);
                        number
                    }
                };
                terms.push((number, n));
            });
            terms
        })
        .collect();
    put_varint(&mut out, crate::text::TERMS_VERSION);
    put_varint(&mut out, dict.len() as u64);
    for t in &dict {
        put_varint(&mut out, t.len() as u64);
        out.extend_from_slice(t.as_bytes());
    }
    for terms in per_doc {
        put_varint(&mut out, terms.len() as u64);
        for (t, n) in terms {
            put_varint(&mut out, t as u64);
            put_varint(&mut out, n as u64);
        }
    }
    Frame::seal(&mut out);
    out
}

impl Collection {
    /// The packed documents of page `page`, in key order; small documents still stored
    /// alone are left out unless `with_loose`.
    fn packed(&self, page: u64, with_loose: bool) -> Vec<(u64, DocRef<'_>)> {
        (page * PAGE_KEYS..(page + 1) * PAGE_KEYS)
            .filter(|k| with_loose || !self.loose.contains(k))
            .filter_map(|k| self.docs.get(&k).map(|d| (k, d.view())))
            .filter(|(_, d)| packs(d.record_len()))
            .collect()
    }

    /// Persist the document `doc` just stored under `key`: alone now, or in its page,
    /// rewritten when the mutation finishes.
    pub(super) fn write_doc(&mut self, key: u64, doc: DocRef, writes: &mut Vec<Write>) {
        let len = doc.record_len();
        self.doc_bytes += len + 8;
        if packs(len) {
            self.touched.insert(page_of(key));
        } else {
            writes.push(Write { table: Table::Docs, key, value: Some(doc.encode()) });
        }
    }

    /// The record of `key` is about to be rewritten by this nook: what an earlier nook's
    /// longer record stored beyond it (`legacy_extra`) no longer counts.
    fn uncount_legacy(&mut self, key: u64) {
        if let Some(extra) = self.legacy_extra.remove(&key) {
            self.doc_bytes = self.doc_bytes.saturating_sub(extra);
        }
    }

    /// Forget the stored record of the document `doc`, which was under `key`.
    pub(super) fn unwrite_doc(&mut self, key: u64, doc: DocRef, writes: &mut Vec<Write>) {
        let len = doc.record_len();
        self.uncount_legacy(key);
        self.doc_bytes = self.doc_bytes.saturating_sub(len + 8);
        if self.loose.remove(&key) || !packs(len) {
            writes.push(Write { table: Table::Docs, key, value: None });
        } else {
            self.touched.insert(page_of(key));
        }
    }

    /// The writes of the pages touched since the last commit, each rewritten whole (or
    /// deleted once empty).
    pub(super) fn write_pages(&mut self, writes: &mut Vec<Write>) {
        for page in std::mem::take(&mut self.touched) {
            self.stale_terms.remove(&page);
            let docs = self.packed(page, false);
            writes.push(Write { table: Table::Docs, key: page_key(page), value: (!docs.is_empty()).then(|| encode(page, &docs)) });
        }
    }

    /// Documents whose record is still to be rewritten: small ones stored alone (a
    /// database written before pages), and those of pages whose terms were counted by
    /// other rules (an earlier `TERMS_VERSION`, which every open would tokenise again).
    pub fn loose(&self) -> usize {
        self.loose.len() + self.stale_terms.iter().map(|&p| self.packed(p, false).len()).sum::<usize>()
    }

    /// Rewrite at most `pages` pages: moving the small documents stored alone into them,
    /// or counting their terms by this nook's rules. The writes of one commit (none when
    /// nothing is left to do). Content is unchanged; the generation moves on like any
    /// commit's.
    pub fn pack_loose(&mut self, pages: usize) -> Vec<Write> {
        let mut chosen: Vec<u64> = self.loose.iter().map(|&k| page_of(k)).chain(self.stale_terms.iter().copied()).collect();
        chosen.sort_unstable();
        chosen.dedup();
        chosen.truncate(pages);
        if chosen.is_empty() {
            return Vec::new();
        }
        let mut writes = Vec::new();
        for &page in &chosen {
            for key in page * PAGE_KEYS..(page + 1) * PAGE_KEYS {
                if self.loose.remove(&key) {
                    self.uncount_legacy(key);
                    writes.push(Write { table: Table::Docs, key, value: None });
                }
            }
            self.touched.insert(page);
        }
        self.dirty = true;
        self.finish(&mut writes);
        writes
    }

    /// Every document record as the collection writes them, in key order: large documents
    /// alone, then the pages (for a snapshot: small documents stored alone are packed).
    pub(super) fn doc_records(&self) -> Vec<(u64, Vec<u8>)> {
        let mut keys: Vec<u64> = self.docs.keys().copied().collect();
        keys.sort_unstable();
        let mut out = Vec::new();
        let mut pages: Vec<u64> = Vec::new();
        for k in keys {
            let d = self.docs[&k].view();
            if !packs(d.record_len()) {
                out.push((k, d.encode()));
            } else if pages.last() != Some(&page_of(k)) {
                pages.push(page_of(k));
            }
        }
        for page in pages {
            out.push((page_key(page), encode(page, &self.packed(page, true))));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::Doc;
    use crate::records::Kind;
    use crate::text::TERMS_VERSION;

    fn doc(i: u64) -> Doc {
        Doc { id: format!("d{i}"), title: format!("title {i} river"), url: format!("https://x.org/{i}"), tokens: vec![1, 2, 3], ..Doc::default() }
    }

    /// A page's body as a crafter would write it: entries `(offset, record)`, then `terms`
    /// (TERMS_VERSION, the page's terms, each document's `(term, frequency)` pairs) as
    /// given, framed.
    fn crafted(page: u64, entries: &[(u64, Vec<u8>)], terms: &[u64]) -> Vec<u8> {
        let mut out = FRAME.start(0);
        put_varint(&mut out, page);
        put_varint(&mut out, entries.len() as u64);
        for (off, b) in entries {
            put_varint(&mut out, *off);
            put_varint(&mut out, b.len() as u64);
            out.extend_from_slice(b);
        }
        for &v in terms {
            put_varint(&mut out, v);
        }
        Frame::seal(&mut out);
        out
    }

    /// `crafted`'s terms for `n` documents naming no term.
    fn no_terms(n: usize) -> Vec<u64> {
        [TERMS_VERSION, 0].into_iter().chain(std::iter::repeat_n(0, n)).collect()
    }

    #[test]
    fn pages_round_trip_with_the_terms_the_keyword_index_counts() {
        let docs: Vec<Doc> = [130, 131, 190].iter().map(|&k| doc(k)).collect();
        let refs: Vec<(u64, DocRef)> = [130, 131, 190].into_iter().zip(docs.iter().map(Doc::view)).collect();
        let page = encode(2, &refs);
        let held = read(page_key(2), &page).unwrap();
        assert_eq!(held.docs.iter().map(|&(k, b)| (k, b.to_vec())).collect::<Vec<_>>(), refs.iter().map(|(k, d)| (*k, d.encode())).collect::<Vec<_>>());
        for (i, d) in docs.iter().enumerate() {
            let mut want = Vec::new();
            crate::text::count_terms(&d.fields(), |t, n| want.push((t.to_string(), n)));
            let got: Vec<(String, u32)> = held.terms_of(i).unwrap().map(|(t, n)| (t.to_string(), n)).collect();
            assert_eq!(got, want, "document {i}");
        }
        let dict = &held.terms.as_ref().unwrap().dict;
        assert_eq!(dict.iter().filter(|t| **t == "river").count(), 1, "a term shared by the page's documents is stored once");
        assert!(read(5, &refs[0].1.encode()).unwrap().terms.is_none(), "a document alone");
    }

    /// Where a document goes is decided from `record_len`, and a page refuses a record over
    /// PACK_MAX by its encoded length: the two must agree, at every varint boundary too.
    #[test]
    fn record_len_is_the_encoded_length() {
        for n in [0, 1, 126, 127, 128, 900, 1000, 1010, 1024, 16383, 16384] {
            for tokens in [vec![], vec![0, 127, 128, 16384, u32::MAX]] {
                let d = Doc { id: "x".repeat(n % 200), title: "t".repeat(n), meta: "m".repeat(n / 3), tokens: tokens.clone(), ..Doc::default() };
                assert_eq!(d.view().record_len(), d.encode().len(), "n {n}, tokens {tokens:?}");
            }
        }
    }

    #[test]
    fn pages_refuse_crafted_bytes_with_a_typed_error() {
        let docs: Vec<Doc> = [130, 131].iter().map(|&k| doc(k)).collect();
        let refs: Vec<(u64, DocRef)> = [130, 131].into_iter().zip(docs.iter().map(Doc::view)).collect();
        let page = encode(2, &refs);
        let corrupt = |key: u64, bytes: &[u8], why: &str| {
            let e = read(key, bytes).err().unwrap_or_else(|| panic!("{why}: accepted"));
            assert_eq!(e.kind, Kind::Corrupt, "{why}: {}", e.message);
        };
        let rec = |i: u64| doc(i).encode();
        corrupt(page_key(3), &page, "stored under another page's key");
        corrupt(130, &page, "stored under a document's key");
        corrupt(page_key(2), &crafted(2, &[(3, rec(1)), (2, rec(2))], &no_terms(2)), "keys descending");
        corrupt(page_key(2), &crafted(2, &[(3, rec(1)), (3, rec(2))], &no_terms(2)), "a key twice");
        corrupt(page_key(2), &crafted(2, &[(PAGE_KEYS, rec(1))], &no_terms(1)), "a key past the page");
        corrupt(page_key(2), &crafted(2, &[(0, vec![0; PACK_MAX + 1])], &no_terms(1)), "a record too large to be packed");
        let many: Vec<(u64, Vec<u8>)> = (0..=PAGE_KEYS).map(|i| (i, rec(i))).collect();
        corrupt(page_key(2), &crafted(2, &many, &no_terms(many.len())), "more documents than keys");
        corrupt(page_key(2), &crafted(2, &[(0, rec(1))], &[]), "no terms section");
        let mut trailing = no_terms(1);
        trailing.push(0);
        corrupt(page_key(2), &crafted(2, &[(0, rec(1))], &trailing), "trailing bytes");
        // One term "ab"; the document names term 1, or term 0 with frequency 0.
        let (a, b) = (u64::from(b'a'), u64::from(b'b'));
        corrupt(page_key(2), &crafted(2, &[(0, rec(1))], &[TERMS_VERSION, 1, 2, a, b, 1, 1, 1]), "a term number past the page's terms");
        corrupt(page_key(2), &crafted(2, &[(0, rec(1))], &[TERMS_VERSION, 1, 2, a, b, 1, 0, 0]), "a frequency of 0");
        corrupt(page_key(2), &crafted(2, &[(0, rec(1))], &[TERMS_VERSION, 1, 2, 0xC3, 0x28, 1, 0, 1]), "a term that is not UTF-8");
        corrupt(page_key(2), &crafted(2, &[(0, rec(1))], &[TERMS_VERSION, 0, 1, 0, 1]), "a document naming a term of a page without terms");
        let bytes = crafted(2, &[(0, rec(1))], &[TERMS_VERSION, 1, 2, a, b, 1, 0, 3]);
        let ok = read(page_key(2), &bytes).unwrap();
        assert_eq!(ok.terms_of(0).unwrap().collect::<Vec<_>>(), vec![("ab", 3)]);
        let bytes = crafted(2, &[(0, rec(1))], &[TERMS_VERSION + 1, 7, 7, 7]);
        let other = read(page_key(2), &bytes).unwrap();
        assert!(other.terms.is_none() && other.docs.len() == 1, "terms of another version: ignored, the text is tokenised");
        for cut in 0..page.len() {
            corrupt(page_key(2), &page[..cut], "truncated");
        }
        let mut newer = page.clone();
        newer[2] = 3;
        assert_eq!(read(page_key(2), &newer).err().map(|e| e.kind), Some(Kind::Version));
        // A nook that reads only single documents (version 1) refuses a page as newer, not as
        // damage; this one, which reads version 3 documents, names it as a page.
        let e = Doc::decode(&page).unwrap_err();
        assert!(e.kind == Kind::Corrupt && e.message.contains("version 2 is not a document record"), "{e:?}");
    }
}
