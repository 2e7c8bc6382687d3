//! Export / import: every record of a collection in one self-checking byte string.
//!
//! ```text
//! b"NOOKEXP" u8(version=1) varint(records) then per record:
//!   u8(table) varint(key) varint(length) bytes
//! u32 LE crc32 of everything before it
//! ```

use crate::format::varint::{Reader, put_varint};
use crate::records::{Failure, Kind, Result, Snapshot, Table};

const MAGIC: &[u8; 7] = b"NOOKEXP";
const VERSION: u8 = 1;

pub fn encode(snap: &Snapshot) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.push(VERSION);
    let n: usize = Table::ALL.iter().map(|&t| snap.table(t).len()).sum();
    put_varint(&mut out, n as u64);
    for t in Table::ALL {
        for (key, bytes) in snap.table(t) {
            out.push(t.code());
            put_varint(&mut out, *key);
            put_varint(&mut out, bytes.len() as u64);
            out.extend_from_slice(bytes);
        }
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

pub fn decode(bytes: &[u8]) -> Result<Snapshot> {
    let bad = |what: String| Failure::corrupt(format!("export: {what}"));
    if bytes.len() < 12 || &bytes[..7] != MAGIC {
        return Err(bad("these bytes are not a nook export".into()));
    }
    if bytes[7] > VERSION {
        return Err(Failure::new(Kind::Version, format!("export version {} is newer than this nook ({VERSION}): upgrade nook", bytes[7])));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(body).to_le_bytes() != crc {
        return Err(bad("checksum mismatch (the file is damaged or truncated)".into()));
    }
    let e = |e: crate::Error| bad(e.to_string());
    let mut r = Reader::new(&body[8..]);
    let n = r.count(body.len(), "record count").map_err(e)?;
    let mut snap = Snapshot::default();
    for _ in 0..n {
        let t = Table::from_code(r.u8().map_err(e)?).ok_or_else(|| bad("unknown table".into()))?;
        let key = r.varint().map_err(e)?;
        let len = r.count(body.len(), "record length").map_err(e)?;
        snap.table_mut(t).push((key, r.take(len).map_err(e)?.to_vec()));
    }
    if !r.is_empty() {
        return Err(bad("trailing bytes".into()));
    }
    for t in Table::ALL {
        let recs = snap.table_mut(t);
        recs.sort_by_key(|r| r.0);
        if recs.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(bad(format!("duplicate key in table {}", t.name())));
        }
    }
    Ok(snap)
}
