//! The manifest record (`meta` table, key 0): what the committed state consists of.
//! Written in the same commit as every change, with the generation bumped, so a reader
//! that sees generation g sees exactly the blocks and documents of g.
//!
//! ```text
//! b"NKMF" u8(version=1) varint(generation) varint(next_key) varint(live documents)
//! varint(head length) head (see index::blocks) varint(blocks) u32 LE crc32 per block
//! u32 LE crc32 of the codebook (0: none) | u32 LE crc32 of everything before it
//! ```

use crate::format::varint::{Reader, put_varint};
use crate::records::{Frame, Result};

/// The manifest version this nook writes and reads.
pub const VERSION: u8 = 1;
const FRAME: Frame = Frame { magic: b"NKMF", version: VERSION, name: "manifest", written: "this database was" };

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub generation: u64,
    pub next_key: u64,
    pub docs: u64,
    pub head: Vec<u8>,
    pub block_crcs: Vec<u32>,
    pub codebook_crc: u32,
}

impl Manifest {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = FRAME.start(self.head.len() + 4 * self.block_crcs.len() + 40);
        for v in [self.generation, self.next_key, self.docs, self.head.len() as u64] {
            put_varint(&mut out, v);
        }
        out.extend_from_slice(&self.head);
        put_varint(&mut out, self.block_crcs.len() as u64);
        for c in &self.block_crcs {
            out.extend_from_slice(&c.to_le_bytes());
        }
        out.extend_from_slice(&self.codebook_crc.to_le_bytes());
        Frame::seal(&mut out);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Manifest> {
        let bad = |what: String| FRAME.bad(what);
        let body = FRAME.open(bytes, 0)?;
        let e = |e: crate::Error| bad(e.to_string());
        let mut r = Reader::new(body);
        let generation = r.varint().map_err(e)?;
        let next_key = r.varint().map_err(e)?;
        let docs = r.varint().map_err(e)?;
        let n = r.count(body.len(), "head length").map_err(e)?;
        let head = r.take(n).map_err(e)?.to_vec();
        let blocks = r.count(body.len() / 4, "block count").map_err(e)?;
        let block_crcs = (0..blocks).map(|_| r.u32()).collect::<crate::Result<Vec<_>>>().map_err(e)?;
        let codebook_crc = r.u32().map_err(e)?;
        if !r.is_empty() {
            return Err(bad("trailing bytes".into()));
        }
        Ok(Manifest { generation, next_key, docs, head, block_crcs, codebook_crc })
    }

    /// The generation of manifest bytes, without decoding the rest (cheap staleness check).
    pub fn generation_of(bytes: &[u8]) -> Result<u64> {
        Self::decode(bytes).map(|m| m.generation)
    }
}
