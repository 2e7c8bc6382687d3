//! A document and its record in the `docs` table; [`StoredDoc`], the form the collection
//! keeps it in, and [`DocRef`], the view of either that readers take.
//!
//! ```text
//! b"ND" u8(version=1, 3 or 4) then varint-length strings id, title, url, text, meta (JSON or ""),
//! varint(token count) varint tokens...,
//! version 3: varint(dims) dims x u16 LE (the kept embedding, f16; earlier nooks wrote it),
//! version 4: varint(dims) f32 LE scale, dims x i8 (the kept embedding: `q * scale`),
//! u32 LE crc32 of everything before it
//! ```
//!
//! Version 2 under the same magic is a page of records (`pages`), never a document.
//!
//! *Kept embeddings.* A document of at least [`KEEP_FROM_TOKENS`] tokens (the default of
//! `Settings::keep_from_tokens`, the `keepEmbeddingsFrom` option) keeps its
//! embedding in its record (int8 with one scale, [`kept_of`]: 388 bytes for 384
//! dimensions), and searches use that instead of recomputing it. A recomputation costs in
//! proportion to the tokens (a document of ~70 tokens ~17-27 ms in Chromium, ~120-256
//! tokens ~70 ms, where a 23-token bookmark costs ~5), and such a record already holds its
//! text and token ids, about as many bytes as the vector. Shorter documents keep none
//! (version 1, the bytes of earlier nooks), so short-document collections stay at their
//! index size. A version-3 record's f16 embedding is read as the int8 one [`kept_of`] makes
//! of it.

use crate::format::varint::{Reader, put_varint};
use crate::records::{Checksum, Frame, Result};

const FRAME: Frame = Frame { magic: b"ND", version: 4, name: "document record", written: "this database was" };
/// The record version of a document without a kept embedding (as earlier nooks wrote it).
const PLAIN: u8 = 1;
/// The version of a page of records (see `pages`), refused as a document.
const PAGE: u8 = 2;
/// The version whose kept embedding is f16 (earlier nooks wrote it; read, never written).
const HALF: u8 = 3;

/// Documents of at least this many tokens keep their embedding (see the module docs;
/// `Settings::keep_from_tokens`, whose default this is): recomputing one costs ~3x a
/// bookmark's or more, ~17-27 ms in Chromium.
pub const KEEP_FROM_TOKENS: usize = 64;

/// A document as the collection keeps it. `tokens` are the embedder's token ids of
/// [`Doc::embed_text`], kept so recomputing its embedding skips the tokenizer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Doc {
    pub id: String,
    pub title: String,
    pub url: String,
    pub text: String,
    /// The caller's metadata as a JSON string ("" for none).
    pub meta: String,
    pub tokens: Vec<u32>,
    /// The embedding kept with a long document ([`kept_of`]'s bytes; empty: recomputed
    /// when needed).
    pub kept: Vec<u8>,
}

impl Doc {
    /// What is embedded: the title, then the text.
    pub fn embed_text(&self) -> String {
        embed_text(&self.title, &self.text)
    }

    /// No title and no text: nothing was embedded but an empty string.
    pub fn is_blank(&self) -> bool {
        self.view().is_blank()
    }

    /// Same content (tokens aside)?
    pub fn same_content(&self, other: &Doc) -> bool {
        self.view().same_content(other)
    }

    /// Keyword fields with their weights (title counts twice).
    pub fn fields(&self) -> [(&str, u32); 3] {
        self.view().fields()
    }

    pub fn encode(&self) -> Vec<u8> {
        self.view().encode()
    }

    pub fn decode(bytes: &[u8]) -> Result<Doc> {
        let stored = StoredDoc::decode(bytes)?;
        Ok(Doc::from(stored.view()))
    }

    /// This document seen as a stored one is (its fields borrowed).
    pub fn view(&self) -> DocRef<'_> {
        DocRef { id: &self.id, title: &self.title, url: &self.url, text: &self.text, meta: &self.meta, tokens: &self.tokens, kept: &self.kept }
    }
}

/// A document record as a [`StoredDoc`], every part checked (frame, crc, lengths, UTF-8,
/// token ids, finite f16 values, a finite scale). The five strings are copied into one
/// buffer and checked as UTF-8 once, with each string's end on a character boundary (so
/// each string is UTF-8 by itself): an open checks 80,000 bookmarks' strings, most of
/// them a few bytes, where one call a string cost more than its bytes.
fn parse(bytes: &[u8], checksum: Checksum) -> Result<StoredDoc> {
    let bad = |what: &str| FRAME.bad(what);
    let body = FRAME.open_as(bytes, 0, checksum)?;
    let version = bytes[FRAME.magic.len()];
    if version == PAGE || version < PLAIN {
        return Err(FRAME.bad(format!("version {version} is not a document record")));
    }
    let mut r = Reader::new(body);
    let mut parts = [&body[..0]; 5];
    for part in &mut parts {
        let n = r.count(body.len(), "string length").map_err(|e| bad(&e.to_string()))?;
        *part = r.take(n).map_err(|e| bad(&e.to_string()))?;
    }
    let ends = ends_of(parts.map(<[u8]>::len));
    let strings = String::from_utf8(parts.concat()).map_err(|_| bad("a string is not UTF-8"))?;
    if !ends.iter().all(|&e| strings.is_char_boundary(e as usize)) {
        return Err(bad("a string is not UTF-8"));
    }
    let n = r.count(body.len(), "token count").map_err(|e| bad(&e.to_string()))?;
    let mut tokens = Vec::with_capacity(n);
    for _ in 0..n {
        let t = r.varint().map_err(|e| bad(&e.to_string()))?;
        tokens.push(u32::try_from(t).map_err(|_| bad("token id out of range"))?);
    }
    let mut kept = Vec::new();
    if version > PLAIN {
        let width = if version == HALF { 2 } else { 1 };
        let n = r.count(body.len() / width, "kept embedding length").map_err(|e| bad(&e.to_string()))?;
        if n == 0 {
            return Err(bad("an empty kept embedding"));
        }
        if version == HALF {
            let b = r.take(n * 2).map_err(|e| bad(&e.to_string()))?;
            let v: Vec<f32> = b.chunks_exact(2).map(|h| crate::format::half::f16_to_f32(u16::from_le_bytes([h[0], h[1]]))).collect();
            if v.iter().any(|x| !x.is_finite()) {
                return Err(bad("the kept embedding has a value that is not finite"));
            }
            kept = kept_of(&v);
        } else {
            let b = r.take(4 + n).map_err(|e| bad(&e.to_string()))?;
            let scale = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if !(scale.is_finite() && scale >= 0.0) {
                return Err(bad("the kept embedding's scale is not a finite non-negative number"));
            }
            kept = b.to_vec();
        }
    }
    if !r.is_empty() {
        return Err(bad("trailing bytes"));
    }
    Ok(StoredDoc { strings: strings.into_boxed_str(), ends, tokens: tokens.into_boxed_slice(), kept: kept.into_boxed_slice() })
}

/// Where the first four of five strings of these lengths end once joined (the fifth runs to
/// the end): [`StoredDoc`]'s `ends`.
fn ends_of(lens: [usize; 5]) -> [u32; 4] {
    let mut at = 0;
    std::array::from_fn(|i| {
        at += lens[i];
        at as u32
    })
}

/// A document's fields, borrowed: from a [`StoredDoc`] or a [`Doc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocRef<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub url: &'a str,
    pub text: &'a str,
    /// The caller's metadata as a JSON string ("" for none).
    pub meta: &'a str,
    pub tokens: &'a [u32],
    /// The kept embedding ([`kept_of`]'s bytes), empty if none.
    pub kept: &'a [u8],
}

impl<'a> DocRef<'a> {
    /// Keyword fields with their weights (title counts twice).
    pub fn fields(&self) -> [(&'a str, u32); 3] {
        [(self.title, 2), (self.url, 1), (self.text, 1)]
    }

    /// No title and no text: nothing was embedded but an empty string.
    pub fn is_blank(&self) -> bool {
        self.title.trim().is_empty() && self.text.trim().is_empty()
    }

    /// Same content as `other` (tokens aside)?
    pub fn same_content(&self, other: &Doc) -> bool {
        self.id == other.id && self.title == other.title && self.url == other.url && self.text == other.text && self.meta == other.meta
    }

    /// The length of [`DocRef::encode`]'s record, without making it.
    pub fn record_len(&self) -> usize {
        let varint = |v: u64| (64 - v.max(1).leading_zeros() as usize).div_ceil(7);
        let strings = [self.id, self.title, self.url, self.text, self.meta];
        FRAME.magic.len()
            + 1
            + strings.iter().map(|s| varint(s.len() as u64) + s.len()).sum::<usize>()
            + varint(self.tokens.len() as u64)
            + self.tokens.iter().map(|&t| varint(t as u64)).sum::<usize>()
            + if self.kept.is_empty() { 0 } else { varint(kept_dims(self.kept) as u64) + self.kept.len() }
            + 4
    }

    /// The document's record (see the module docs).
    pub fn encode(&self) -> Vec<u8> {
        let strings = [self.id, self.title, self.url, self.text, self.meta];
        let mut out = FRAME.start(16 + strings.iter().map(|s| s.len()).sum::<usize>() + self.tokens.len() * 2 + self.kept.len());
        if self.kept.is_empty() {
            out[FRAME.magic.len()] = PLAIN;
        }
        for s in strings {
            put_varint(&mut out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        put_varint(&mut out, self.tokens.len() as u64);
        for &t in self.tokens {
            put_varint(&mut out, t as u64);
        }
        if !self.kept.is_empty() {
            put_varint(&mut out, kept_dims(self.kept) as u64);
            out.extend_from_slice(self.kept);
        }
        Frame::seal(&mut out);
        out
    }
}

/// A document as the collection keeps it: its five strings in one buffer and its token
/// ids in another, two allocations where a [`Doc`] has six (an open makes one per
/// document: 80,000 bookmarks); a long document's kept embedding in a third.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDoc {
    strings: Box<str>,
    /// Where id, title, url and text end in `strings` (meta runs to its end).
    ends: [u32; 4],
    tokens: Box<[u32]>,
    kept: Box<[u8]>,
}

impl StoredDoc {
    fn of(strings: [&str; 5], tokens: Vec<u32>, kept: Vec<u8>) -> StoredDoc {
        let ends = ends_of(strings.map(str::len));
        StoredDoc { strings: strings.concat().into_boxed_str(), ends, tokens: tokens.into_boxed_slice(), kept: kept.into_boxed_slice() }
    }

    pub fn decode(bytes: &[u8]) -> Result<StoredDoc> {
        StoredDoc::decode_as(bytes, Checksum::Check)
    }

    /// [`StoredDoc::decode`], its crc checked or not (a record in a page the page's crc
    /// covers: an open of 80,000 bookmarks checked every byte twice).
    pub fn decode_as(bytes: &[u8], checksum: Checksum) -> Result<StoredDoc> {
        parse(bytes, checksum)
    }

    pub fn view(&self) -> DocRef<'_> {
        let [a, b, c, d] = self.ends.map(|e| e as usize);
        let s = &self.strings;
        DocRef { id: &s[..a], title: &s[a..b], url: &s[b..c], text: &s[c..d], meta: &s[d..], tokens: &self.tokens, kept: &self.kept }
    }

    /// The kept embedding as f32 ([`kept_of`]'s inverse), appended to `out`; false if this
    /// document keeps none.
    pub fn kept_into(&self, out: &mut Vec<f32>) -> bool {
        widen_kept_into(&self.kept, out)
    }
}

/// An embedding as a document keeps it: `f32 LE scale` then one `i8` per dimension, the
/// vector being `q * scale`. The scale maps the largest magnitude to 127, so a component
/// moves by at most half a step (`max |x| / 254`): a cosine with a unit query by ~1e-3 at
/// most for MiniLM's unit vectors. Half of f16's bytes (the cache's form).
pub fn kept_of(v: &[f32]) -> Vec<u8> {
    let max = v.iter().fold(0f32, |m, &x| if x.abs() > m { x.abs() } else { m });
    let scale = if max.is_finite() { max / 127.0 } else { 0.0 };
    let mut out = Vec::with_capacity(4 + v.len());
    out.extend_from_slice(&scale.to_le_bytes());
    out.extend(v.iter().map(|&x| if scale > 0.0 { (x / scale).round().clamp(-127.0, 127.0) as i8 as u8 } else { 0 }));
    out
}

/// A kept embedding ([`kept_of`]'s bytes) appended to `out` as f32; false (nothing
/// appended) if `kept` is empty.
pub fn widen_kept_into(kept: &[u8], out: &mut Vec<f32>) -> bool {
    let Some((scale, q)) = kept.split_first_chunk::<4>() else { return false };
    let scale = f32::from_le_bytes(*scale);
    out.extend(q.iter().map(|&b| b as i8 as f32 * scale));
    true
}

/// The dimensions of a kept embedding's bytes (0 for none).
pub fn kept_dims(kept: &[u8]) -> usize {
    kept.len().saturating_sub(4)
}

impl From<Doc> for StoredDoc {
    fn from(d: Doc) -> StoredDoc {
        StoredDoc::of([&d.id, &d.title, &d.url, &d.text, &d.meta], d.tokens, d.kept)
    }
}

impl From<DocRef<'_>> for Doc {
    fn from(d: DocRef<'_>) -> Doc {
        let s = |x: &str| x.to_string();
        Doc { id: s(d.id), title: s(d.title), url: s(d.url), text: s(d.text), meta: s(d.meta), tokens: d.tokens.to_vec(), kept: d.kept.to_vec() }
    }
}

/// The text embedded for a document: the title, then the text.
pub fn embed_text(title: &str, text: &str) -> String {
    match (title.trim().is_empty(), text.trim().is_empty()) {
        (true, _) => text.to_string(),
        (false, true) => title.to_string(),
        (false, false) => format!("{title}\n{text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Doc {
        let s = |x: &str| x.to_string();
        Doc { id: s("a\u{e9}"), title: s("b"), url: s(""), text: s("東京 café"), meta: s("{}"), tokens: vec![101, 7, 102], kept: Vec::new() }
    }

    /// The record with its body bytes from `at` on replaced by `with`, sealed again.
    fn edited(record: &[u8], at: usize, with: &[u8]) -> Vec<u8> {
        let mut out = record[..record.len() - 4].to_vec();
        out[at..at + with.len()].copy_from_slice(with);
        Frame::seal(&mut out);
        out
    }

    #[test]
    fn strings_round_trip_and_each_must_be_utf8_alone() {
        let d = doc();
        let record = d.encode();
        assert_eq!(Doc::decode(&record).unwrap(), d);
        assert_eq!(Doc::from(StoredDoc::decode(&record).unwrap().view()), d);
        // id "a\u{e9}" is 03 61 C3 A9, title "b" 01 62: moved to 02 61 C3 | 02 A9 62, the
        // strings together are the same UTF-8, but each alone is not.
        let body = FRAME.magic.len() + 1;
        assert_eq!(&record[body..body + 6], &[3, 0x61, 0xC3, 0xA9, 1, 0x62]);
        let split = edited(&record, body, &[2, 0x61, 0xC3, 2, 0xA9, 0x62]);
        let err = StoredDoc::decode(&split).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        // A byte that is UTF-8 nowhere.
        let err = StoredDoc::decode(&edited(&record, body + 1, &[0xFF])).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        // The same bytes with the lengths where they were: still the document.
        assert_eq!(Doc::decode(&edited(&record, body, &[3, 0x61, 0xC3, 0xA9, 1, 0x62])).unwrap(), d);
    }
}
