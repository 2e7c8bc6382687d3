//! The versioned binary container every nook index is saved in.
//!
//! ```text
//! offset  size  field
//! 0       8     magic  "NOOK\0IDX"
//! 8       4     format version (u32 LE), currently 2
//! 12      1     index kind ([`Kind`]): 1 stored vectors, 2 pruned graph + PQ codes,
//!               3 PQ codes scanned without a graph
//! 13      1     metric: 1 cosine, 2 dot, 3 l2
//! 14      2     reserved, 0
//! 16      4     dimensions (u32 LE)
//! 20      4     section count S (u32 LE, at most 64)
//! 24      16*S  section table: tag [u8; 4], length u64 LE, crc32 u32 LE of the payload
//! 24+16S  4     crc32 of bytes 0 .. 24+16S (header and table)
//! ...           payloads, in table order, back to back
//! ```
//!
//! Every section is checksummed, every length is checked against the bytes actually
//! present before anything is allocated, and a newer format version is refused with a
//! message saying to upgrade. Version 2 holds the index in the block form the browser
//! stores (`index::blocks`; sections `HEAD`, `PQCB`, `BLKS`, see `index::persist`): one
//! codec for files, IndexedDB and exports. Version 1 files (sections in a CSR coding of
//! their own) are still read, never written (`index::legacy`).

pub mod fvecs;
pub mod half;
pub mod varint;

use crate::distance::Metric;
use crate::error::{Error, Result};
use varint::Reader;

pub const MAGIC: &[u8; 8] = b"NOOK\0IDX";
pub const VERSION: u32 = 2;
const MAX_SECTIONS: usize = 64;

/// What kind of index a file, a head record or an export holds: the one list of kinds,
/// with the codes both the file header and the block form's head record carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// HNSW over stored f32 vectors.
    Stored = 1,
    /// LEANN: a pruned graph over PQ codes, no full vectors.
    Pruned = 2,
    /// PQ codes scanned without a graph (a pruned index before it has one).
    Flat = 3,
}

impl Kind {
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Result<Kind> {
        match code {
            1 => Ok(Kind::Stored),
            2 => Ok(Kind::Pruned),
            3 => Ok(Kind::Flat),
            k => Err(Error::Corrupt(format!("unknown index kind {k}"))),
        }
    }
}

/// The fixed header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The format version the bytes were written in (1 or 2; [`Writer`] writes [`VERSION`]).
    pub version: u32,
    pub kind: Kind,
    pub metric: Metric,
    pub dims: u32,
}

/// Builds a file from sections.
pub struct Writer {
    header: Header,
    sections: Vec<([u8; 4], Vec<u8>)>,
}

impl Writer {
    pub fn new(header: Header) -> Self {
        Writer { header, sections: Vec::new() }
    }

    pub fn section(&mut self, tag: &[u8; 4], payload: Vec<u8>) {
        self.sections.push((*tag, payload));
    }

    pub fn finish(self) -> Vec<u8> {
        let total: usize = self.sections.iter().map(|s| s.1.len()).sum();
        let mut out = Vec::with_capacity(28 + 16 * self.sections.len() + total);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.push(self.header.kind.code());
        out.push(self.header.metric.code());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.header.dims.to_le_bytes());
        out.extend_from_slice(&(self.sections.len() as u32).to_le_bytes());
        for (tag, payload) in &self.sections {
            out.extend_from_slice(tag);
            out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
            out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        for (_, payload) in self.sections {
            out.extend_from_slice(&payload);
        }
        out
    }
}

/// A parsed, checksum-verified file: the header and its sections by tag.
pub struct File<'a> {
    pub header: Header,
    sections: Vec<([u8; 4], &'a [u8])>,
}

impl<'a> File<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(Error::NotAnIndex);
        }
        let mut r = Reader::new(bytes);
        r.take(8)?;
        let version = r.u32()?;
        if version > VERSION {
            return Err(Error::NewerFormat { found: version, supported: VERSION });
        }
        if version == 0 {
            return Err(Error::Corrupt("format version 0 does not exist".into()));
        }
        let kind = Kind::from_code(r.u8()?)?;
        let metric = Metric::from_code(r.u8()?)?;
        r.take(2)?;
        let dims = r.u32()?;
        let count = r.u32()? as usize;
        if count > MAX_SECTIONS {
            return Err(Error::Corrupt(format!("{count} sections is more than the limit {MAX_SECTIONS}")));
        }
        let mut table = Vec::with_capacity(count);
        for _ in 0..count {
            let mut tag = [0u8; 4];
            tag.copy_from_slice(r.take(4)?);
            let len = r.u64()?;
            let crc = r.u32()?;
            table.push((tag, len, crc));
        }
        let header_len = 24 + 16 * count;
        let stored_crc = r.u32()?;
        // Under `cargo fuzz` checksums are not enforced, so the fuzzer reaches the decoders
        // behind them instead of stopping at the first crc.
        let verify = !cfg!(fuzzing);
        if verify && crc32fast::hash(&bytes[..header_len]) != stored_crc {
            return Err(Error::Checksum("header".into()));
        }
        let mut sections = Vec::with_capacity(count);
        for (tag, len, crc) in table {
            let name = String::from_utf8_lossy(&tag).into_owned();
            let len = usize::try_from(len).map_err(|_| Error::Truncated(format!("section {name} claims {len} bytes")))?;
            let payload = r.take(len)?;
            if verify && crc32fast::hash(payload) != crc {
                return Err(Error::Checksum(name));
            }
            sections.push((tag, payload));
        }
        if !r.is_empty() {
            return Err(Error::Corrupt(format!("{} trailing bytes after the last section", r.remaining())));
        }
        if dims == 0 || dims > 1 << 16 {
            return Err(Error::Corrupt(format!("dimensions {dims} out of range")));
        }
        Ok(File { header: Header { version, kind, metric, dims }, sections })
    }

    /// The payload of a required section.
    pub fn section(&self, tag: &[u8; 4]) -> Result<&'a [u8]> {
        self.sections.iter().find(|s| &s.0 == tag).map(|s| s.1).ok_or_else(|| Error::Corrupt(format!("missing section {}", String::from_utf8_lossy(tag))))
    }

    /// Sizes of all sections, for statistics.
    pub fn section_sizes(&self) -> Vec<(String, usize)> {
        self.sections.iter().map(|(t, p)| (String::from_utf8_lossy(t).into_owned(), p.len())).collect()
    }
}
