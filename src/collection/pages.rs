//! Where a document's record lives in the `docs` table: small documents packed by key into
//! *pages* of [`PAGE_KEYS`] keys, large ones alone under their own key.
//!
//! An open reads every document. IndexedDB pays per record (Chromium, 80,000 records of
//! 170 bytes: 330-470 ms to read; the same bytes in 313 records: 60-80 ms), and so does the
//! copy of each into wasm, so bookmark-sized documents are stored 64 to a record. A
//! document whose record is over [`PACK_MAX`] bytes stays alone, which bounds what a
//! change rewrites (a page: at most 64 KB).
//!
//! ```text
//! key:  PAGE_BASE + page number          (documents' own keys are below PAGE_BASE)
//! b"ND" u8(version=2) varint(page number) varint(count) then per document, keys ascending:
//!   varint(key - page number x PAGE_KEYS) varint(length) document record (doc.rs),
//! u32 LE crc32 of everything before it
//! ```
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

/// The documents a `docs` table record holds: `(key, document record)` pairs, one for a
/// record of a single document, up to [`PAGE_KEYS`] for a page. Checks the page's frame,
/// that its number is its key's and that its keys are ascending and its own.
pub fn records(key: u64, bytes: &[u8]) -> Result<Vec<(u64, &[u8])>> {
    if key < PAGE_BASE {
        if bytes.len() > 2 && bytes[..2] == *FRAME.magic && bytes[2] == FRAME.version {
            return Err(FRAME.bad(format!("a page is stored under the key of document {key}")));
        }
        return Ok(vec![(key, bytes)]);
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
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let off = r.varint().map_err(e)?;
        if off >= PAGE_KEYS || out.last().is_some_and(|&(k, _)| k >= page * PAGE_KEYS + off) {
            return Err(bad("its keys are not ascending within the page".into()));
        }
        let len = r.count(PACK_MAX, "document record length").map_err(e)?;
        out.push((page * PAGE_KEYS + off, r.take(len).map_err(e)?));
    }
    if !r.is_empty() {
        return Err(bad("trailing bytes".into()));
    }
    Ok(out)
}

/// Page `page` holding `docs` (`(key, document record)`, keys ascending and in the page).
fn encode(page: u64, docs: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = FRAME.start(8 + docs.iter().map(|(_, b)| b.len() + 4).sum::<usize>());
    put_varint(&mut out, page);
    put_varint(&mut out, docs.len() as u64);
    for (key, bytes) in docs {
        put_varint(&mut out, key - page * PAGE_KEYS);
        put_varint(&mut out, bytes.len() as u64);
        out.extend_from_slice(bytes);
    }
    Frame::seal(&mut out);
    out
}

impl Collection {
    /// The packed documents of page `page`, `(key, record)` in key order; small documents
    /// still stored alone are left out unless `with_loose`.
    fn packed(&self, page: u64, with_loose: bool) -> Vec<(u64, Vec<u8>)> {
        (page * PAGE_KEYS..(page + 1) * PAGE_KEYS)
            .filter(|k| with_loose || !self.loose.contains(k))
            .filter_map(|k| self.docs.get(&k).map(|d| (k, d.view().encode())))
            .filter(|(_, b)| packs(b.len()))
            .collect()
    }

    /// Persist the document just stored under `key` (its record `bytes`): alone now, or in
    /// its page, rewritten when the mutation finishes.
    pub(super) fn write_doc(&mut self, key: u64, bytes: Vec<u8>, writes: &mut Vec<Write>) {
        self.doc_bytes += bytes.len() + 8;
        if packs(bytes.len()) {
            self.touched.insert(page_of(key));
        } else {
            writes.push(Write { table: Table::Docs, key, value: Some(bytes) });
        }
    }

    /// Forget the stored record of the document `doc`, which was under `key`.
    pub(super) fn unwrite_doc(&mut self, key: u64, doc: DocRef, writes: &mut Vec<Write>) {
        let len = doc.encode().len();
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
            let docs = self.packed(page, false);
            writes.push(Write { table: Table::Docs, key: page_key(page), value: (!docs.is_empty()).then(|| encode(page, &docs)) });
        }
    }

    /// Small documents still stored alone (a database written before pages).
    pub fn loose(&self) -> usize {
        self.loose.len()
    }

    /// Move the small documents stored alone into their pages, at most `pages` pages: the
    /// writes of one commit (none when nothing is left to move). Content is unchanged;
    /// the generation moves on like any commit's.
    pub fn pack_loose(&mut self, pages: usize) -> Vec<Write> {
        let mut chosen: Vec<u64> = self.loose.iter().map(|&k| page_of(k)).collect();
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
            let bytes = self.docs[&k].view().encode();
            if !packs(bytes.len()) {
                out.push((k, bytes));
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

    fn doc(i: u64) -> Vec<u8> {
        Doc { id: format!("d{i}"), title: format!("title {i}"), tokens: vec![1, 2, 3], ..Doc::default() }.encode()
    }

    /// A page's body as a crafter would write it (entries `(offset, record)`), framed.
    fn crafted(page: u64, entries: &[(u64, Vec<u8>)]) -> Vec<u8> {
        let mut out = FRAME.start(0);
        put_varint(&mut out, page);
        put_varint(&mut out, entries.len() as u64);
        for (off, b) in entries {
            put_varint(&mut out, *off);
            put_varint(&mut out, b.len() as u64);
            out.extend_from_slice(b);
        }
        Frame::seal(&mut out);
        out
    }

    #[test]
    fn pages_round_trip_and_refuse_crafted_bytes_with_a_typed_error() {
        let docs: Vec<(u64, Vec<u8>)> = [130, 131, 190].iter().map(|&k| (k, doc(k))).collect();
        let page = encode(2, &docs);
        let back = records(page_key(2), &page).unwrap();
        assert_eq!(back.iter().map(|&(k, b)| (k, b.to_vec())).collect::<Vec<_>>(), docs);
        assert_eq!(records(5, &docs[0].1).unwrap(), vec![(5, docs[0].1.as_slice())], "a document alone");
        let corrupt = |key: u64, bytes: &[u8], why: &str| {
            let e = records(key, bytes).unwrap_err();
            assert_eq!(e.kind, Kind::Corrupt, "{why}: {}", e.message);
        };
        corrupt(page_key(3), &page, "stored under another page's key");
        corrupt(130, &page, "stored under a document's key");
        corrupt(page_key(2), &crafted(2, &[(3, doc(1)), (2, doc(2))]), "keys descending");
        corrupt(page_key(2), &crafted(2, &[(3, doc(1)), (3, doc(2))]), "a key twice");
        corrupt(page_key(2), &crafted(2, &[(PAGE_KEYS, doc(1))]), "a key past the page");
        corrupt(page_key(2), &crafted(2, &[(0, vec![0; PACK_MAX + 1])]), "a record too large to be packed");
        let many: Vec<(u64, Vec<u8>)> = (0..=PAGE_KEYS).map(|i| (i, doc(i))).collect();
        corrupt(page_key(2), &crafted(2, &many), "more documents than keys");
        let mut trailing = crafted(2, &[(0, doc(1))]);
        trailing.truncate(trailing.len() - 4);
        trailing.push(0);
        Frame::seal(&mut trailing);
        corrupt(page_key(2), &trailing, "trailing bytes");
        for cut in 0..page.len() {
            corrupt(page_key(2), &page[..cut], "truncated");
        }
        let mut newer = page.clone();
        newer[2] = 3;
        assert_eq!(records(page_key(2), &newer).unwrap_err().kind, Kind::Version);
        // A nook that reads only single documents refuses a page as newer, not as damage.
        assert_eq!(Doc::decode(&page).unwrap_err().kind, Kind::Version);
    }
}
