//! Export / import: every record of a collection in one self-checking byte string.
//!
//! ```text
//! b"NOOKEXP" u8(version=1) varint(records) then per record:
//!   u8(table) varint(key) varint(length) bytes
//! u32 LE crc32 of everything before it
//! ```

use crate::format::varint::{Reader, put_varint};
use crate::records::{Frame, Result, Snapshot, Table};

const FRAME: Frame = Frame { magic: b"NOOKEXP", version: 1, name: "export", written: "these bytes were" };

pub fn encode(snap: &Snapshot) -> Vec<u8> {
    let total: usize = Table::ALL.iter().map(|&t| snap.bytes(t)).sum();
    let mut out = FRAME.start(total);
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
    Frame::seal(&mut out);
    out
}

pub fn decode(bytes: &[u8]) -> Result<Snapshot> {
    let bad = |what: String| FRAME.bad(what);
    let body = FRAME.open(bytes, 1)?;
    let e = |e: crate::Error| bad(e.to_string());
    let mut r = Reader::new(body);
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
