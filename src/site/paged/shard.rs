//! A term shard: the terms of one range of the sorted dictionary, each with its postings
//! `(document, weighted frequency, document length)` — the length rides along so a query
//! scores BM25 from the shards of its own words, with no table of every document's length.
//!
//! ```text
//! varint(terms) then per term: varint(len) bytes, varint(postings),
//!   per posting: varint(document - previous document), varint(frequency), varint(length)
//! ```

use crate::format::varint::{Reader, put_varint};
use crate::records::{Failure, Result};

/// One term's postings: (document number, weighted frequency, document length).
pub type Postings = Vec<(u32, u32, u32)>;

pub fn encode(terms: &[(&str, &Postings)]) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint(&mut out, terms.len() as u64);
    for (t, list) in terms {
        put_varint(&mut out, t.len() as u64);
        out.extend_from_slice(t.as_bytes());
        put_varint(&mut out, list.len() as u64);
        let mut prev = 0u32;
        for &(doc, tf, len) in list.iter() {
            put_varint(&mut out, (doc - prev) as u64);
            put_varint(&mut out, tf as u64);
            put_varint(&mut out, len as u64);
            prev = doc;
        }
    }
    out
}

/// Decode a shard of a site of `docs` documents (every posting's document checked).
pub fn decode(body: &[u8], docs: usize) -> Result<Vec<(String, Postings)>> {
    let bad = |what: String| Failure::corrupt(format!("site term shard: {what}"));
    let mut r = Reader::new(body);
    // Each term takes at least two bytes, each posting three: counts are bounded by the bytes.
    let n = r.count(body.len() / 2, "terms").map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::with_capacity(n);
    let mut last: Option<String> = None;
    for _ in 0..n {
        let len = r.count(r.remaining(), "term length").map_err(|e| bad(e.to_string()))?;
        let term = String::from_utf8(r.take(len).map_err(|e| bad(e.to_string()))?.to_vec()).map_err(|_| bad("a term is not UTF-8".into()))?;
        if last.as_ref().is_some_and(|l| *l >= term) {
            return Err(bad("terms are not sorted".into()));
        }
        let m = r.count(r.remaining() / 3, "postings").map_err(|e| bad(e.to_string()))?;
        let mut list = Vec::with_capacity(m);
        let mut doc = 0u64;
        for i in 0..m {
            let delta = r.varint().map_err(|e| bad(e.to_string()))?;
            if i > 0 && delta == 0 {
                return Err(bad("a document is listed twice".into()));
            }
            doc = doc.saturating_add(delta);
            if doc >= docs as u64 {
                return Err(bad(format!("document {doc} of a site of {docs}")));
            }
            let tf = u32::try_from(r.varint().map_err(|e| bad(e.to_string()))?).map_err(|_| bad("frequency out of range".into()))?;
            let len = u32::try_from(r.varint().map_err(|e| bad(e.to_string()))?).map_err(|_| bad("length out of range".into()))?;
            list.push((doc as u32, tf, len));
        }
        last = Some(term.clone());
        out.push((term, list));
    }
    if !r.is_empty() {
        return Err(bad("trailing bytes".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_documents() {
        let a: Postings = vec![(0, 2, 5), (7, 1, 3)];
        let b: Postings = vec![(3, 1, 9)];
        let body = encode(&[("alpha", &a), ("beta", &b)]);
        assert_eq!(decode(&body, 8).unwrap(), vec![("alpha".to_string(), a.clone()), ("beta".to_string(), b.clone())]);
        assert!(decode(&body, 7).is_err(), "document 7 of 7");
        assert!(decode(&encode(&[("beta", &b), ("alpha", &a)]), 8).is_err(), "unsorted");
        for cut in 0..body.len() {
            assert!(decode(&body[..cut], 8).is_err(), "cut at {cut}");
        }
    }
}
