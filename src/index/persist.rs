//! Index files: the block form of `index::blocks` (the one IndexedDB stores and exports
//! carry) in the checksummed container of [`crate::format`].
//!
//! Format version 2, sections:
//! - `HEAD`: the head record (parameters, node count, entry point); its kind is the
//!   header's.
//! - `PQCB`: the PQ codebook (pruned and flat indexes only).
//! - `BLKS`: `varint(block count)`, then per block `varint(length)` and its bytes.
//!
//! Version 1 files are still read (`index::legacy`), never written.

use super::blocks::head_kind;
use super::{PartSizes, PrunedIndex, VectorIndex, legacy};
use crate::error::{Error, Result};
use crate::format::varint::{Reader, put_varint};
use crate::format::{File, Header, Kind, VERSION, Writer};

/// A file of `kind` from an index's block form.
fn write(kind: Kind, params: &super::IndexParams, head: Vec<u8>, codebook: Option<Vec<u8>>, blocks: usize, encode: impl Fn(usize, &mut Vec<u8>)) -> Vec<u8> {
    let mut w = Writer::new(Header { version: VERSION, kind, metric: params.metric, dims: params.dims as u32 });
    w.section(b"HEAD", head);
    if let Some(cb) = codebook {
        w.section(b"PQCB", cb);
    }
    let (mut all, mut one) = (Vec::new(), Vec::new());
    put_varint(&mut all, blocks as u64);
    for b in 0..blocks {
        one.clear();
        encode(b, &mut one);
        put_varint(&mut all, one.len() as u64);
        all.extend_from_slice(&one);
    }
    w.section(b"BLKS", all);
    w.finish()
}

/// The head record and the blocks of a version 2 file, its kinds agreeing.
fn parts<'a>(file: &File<'a>) -> Result<(&'a [u8], Vec<&'a [u8]>)> {
    let head = file.section(b"HEAD")?;
    let kind = head_kind(head)?;
    if kind != file.header.kind {
        return Err(Error::Corrupt(format!("the file header says {:?} but its head record says {kind:?}", file.header.kind)));
    }
    let raw = file.section(b"BLKS")?;
    let mut r = Reader::new(raw);
    // Each block takes at least its length's byte: the count is bounded by the bytes present.
    let n = r.count(raw.len(), "block count")?;
    let mut blocks = Vec::with_capacity(n);
    for _ in 0..n {
        let len = r.count(raw.len(), "block length")?;
        blocks.push(r.take(len)?);
    }
    if !r.is_empty() {
        return Err(Error::Corrupt("block section has trailing bytes".into()));
    }
    Ok((head, blocks))
}

fn expect(file: &File<'_>, kinds: &[Kind]) -> Result<()> {
    if !kinds.contains(&file.header.kind) {
        return Err(Error::Corrupt(format!("this file holds a {:?} index, not a {:?} one", file.header.kind, kinds[0])));
    }
    Ok(())
}

fn same_dims(file: &File<'_>, dims: usize) -> Result<()> {
    if file.header.dims as usize != dims {
        return Err(Error::DimensionMismatch { expected: file.header.dims as usize, got: dims });
    }
    Ok(())
}

impl VectorIndex {
    /// Serialise to the versioned binary format.
    pub fn save(&self) -> Vec<u8> {
        write(Kind::Stored, &self.params, self.head_bytes(), None, self.blocks(), |b, out| self.encode_block(b, out))
    }

    /// Load bytes written by [`VectorIndex::save`] (format 1 or 2); any damage gives an `Err`.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let file = File::parse(bytes)?;
        expect(&file, &[Kind::Stored])?;
        let index = if file.header.version == 1 {
            legacy::stored(&file)?
        } else {
            let (head, blocks) = parts(&file)?;
            VectorIndex::from_blocks(head, &blocks)?
        };
        same_dims(&file, index.params.dims)?;
        Ok(index)
    }
}

impl PrunedIndex {
    /// Serialise to the versioned binary format.
    pub fn save(&self) -> Vec<u8> {
        let kind = if self.is_flat() { Kind::Flat } else { Kind::Pruned };
        write(kind, &self.params, self.head_bytes(), Some(self.codebook_bytes()), self.blocks(), |b, out| self.encode_block(b, out))
    }

    /// Load bytes written by [`PrunedIndex::save`] (format 1 or 2); any damage gives an `Err`.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let file = File::parse(bytes)?;
        expect(&file, &[Kind::Pruned, Kind::Flat])?;
        let index = if file.header.version == 1 {
            legacy::pruned(&file)?
        } else {
            let (head, blocks) = parts(&file)?;
            PrunedIndex::from_blocks(head, file.section(b"PQCB")?, &blocks)?
        };
        same_dims(&file, index.params.dims)?;
        Ok(index)
    }

    /// Bytes of each part in the saved form: codes, codebook, ids (a node's id, flags and
    /// level) and the graph (the rest of the blocks).
    pub fn sizes(&self) -> PartSizes {
        let (mut blocks, mut buf) = (0, Vec::new());
        for b in 0..self.blocks() {
            buf.clear();
            self.encode_block(b, &mut buf);
            blocks += buf.len();
        }
        let codes = self.codes.len();
        let ids = if self.is_flat() {
            blocks - codes
        } else {
            (0..self.ids.nodes() as u32)
                .map(|v| {
                    buf.clear();
                    put_varint(&mut buf, self.ids.label(v));
                    buf.len() + 2
                })
                .sum()
        };
        PartSizes { graph: blocks - codes - ids, codes, codebook: self.codebook_bytes().len(), ids, total: self.save().len() }
    }
}
