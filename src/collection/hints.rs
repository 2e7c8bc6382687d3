//! What earlier searches needed: the documents exact searches measured (their embedding
//! recomputed or found in the cache), those of recent searches first, kept in
//! [`Table::Meta`] under [`HINTS_KEY`] so that after a reopen the background warm-up
//! (`warm.rs`) recomputes them before anything else.
//!
//! Why: the cache of recomputed embeddings is empty after a restart, and the documents a
//! user's searches need are not the ones near the collection's mean direction (the
//! warm-up's order without hints). People search their bookmarks to find the same things
//! again; measured on the benchmark sets (`/tmp` lab, ARCHITECTURE.md "What the warm-up
//! learns from the searches"), the first 2,000 documents of the mean-direction order hold
//! 13-63% of what a query set re-ranks, the same queries' own needs 54-90%; in Chromium
//! (`bench/results/fast-search.md`) 30 queries asked again 5 s after a restart recompute
//! 0-1 embeddings each instead of 14-18.
//!
//! Owns the tally and its record; never what a search returns (warming changes no result,
//! `warm.rs`). The record holds document keys only (no text, no query), at most
//! [`KEEP`] of them: ~3 KB, counted with the index's bytes. It is the user's own search
//! trace, so it never leaves the database: not exported, gone with the collection
//! (`clear`), and not written at all with `Settings::hints` off. A record that does not
//! decode is ignored (it only orders a warm-up) and replaced at the next save.
//!
//! ```text
//! b"NKHT" u8(version=1) varint(count <= KEEP) varint(key) x count | u32 LE crc32
//! ```

use crate::FastMap;
use crate::format::varint::{Reader, put_varint};
use crate::records::{Failure, Frame, HINTS_KEY, Result, Table, Write};

const FRAME: Frame = Frame { magic: b"NKHT", version: 1, name: "search hints", written: "this database was" };

/// Most documents a record names (the warm-up warms a few thousand at most: ~1,000 fill
/// the first seconds after an open).
pub const KEEP: usize = 1024;

/// The tally of what searches needed: a score per document, each search adding the
/// current weight to every document it measured (whatever the number of provider calls it
/// took: the re-ranking's batches, the candidates fusion lifts, the rounds a search
/// helper shares), the weight growing by [`GROWTH`] a search, so the needs of recent
/// searches lead (a document's score is its needs, each discounted by how long ago:
/// re-finding is mostly of what was searched lately); at most `2 * KEEP` entries (the
/// lowest dropped past that).
#[derive(Debug)]
pub struct Hints {
    score: FastMap<u64, f64>,
    /// What the current search adds.
    weight: f64,
    /// The search being noted ([`Hints::for_search`]) and the last one that noted
    /// anything, by their query vectors' bits.
    search: Vec<u32>,
    noted_search: Option<Vec<u32>>,
    /// Changes of the tally so far, and how many of them the stored record holds.
    noted: u64,
    saved: u64,
}

/// How much more a search's needs weigh than the one before's: a need's weight halves
/// every ~24 searches; the record's [`KEEP`] documents hold about the last 30 searches'
/// needs (~30-40 each, cold) whatever the weights.
pub const GROWTH: f64 = 1.03;

impl Default for Hints {
    fn default() -> Self {
        Hints { score: FastMap::default(), weight: 1.0, search: Vec::new(), noted_search: None, noted: 0, saved: 0 }
    }
}

impl Hints {
    /// The tally a record left: its documents in its order, scored below one search's
    /// worth, so what this session's searches need comes first.
    pub fn from_record(bytes: &[u8]) -> Result<Hints> {
        let keys = decode(bytes)?;
        let n = keys.len() as f64;
        let score = keys.iter().enumerate().map(|(rank, &k)| (k, (n - rank as f64) / (n + 1.0))).collect();
        Ok(Hints { score, ..Hints::default() })
    }

    /// What follows is noted for the search of `query` (its prepared vector): calls with
    /// the same query, one after another, are one search, however many they are.
    pub fn for_search(&mut self, query: &[f32]) -> &mut Hints {
        self.search.clear();
        self.search.extend(query.iter().map(|v| v.to_bits()));
        self
    }

    /// A provider call of the current search measured `keys`.
    pub fn note(&mut self, keys: impl IntoIterator<Item = u64>) {
        let mut keys = keys.into_iter().peekable();
        if keys.peek().is_none() {
            return;
        }
        if self.noted_search.as_ref() != Some(&self.search) {
            self.weight *= GROWTH;
            self.noted_search = Some(self.search.clone());
        }
        for k in keys {
            *self.score.entry(k).or_insert(0.0) += self.weight;
        }
        self.noted += 1;
        if self.weight > 1e12 {
            // Rescaled long before f64 could overflow: the same order.
            self.score.values_mut().for_each(|s| *s /= self.weight);
            self.weight = 1.0;
        }
        if self.score.len() > 2 * KEEP {
            let keep: std::collections::HashSet<u64> = self.ranked().into_iter().take(KEEP).collect();
            self.score.retain(|k, _| keep.contains(k));
        }
    }

    /// A document deleted: never warmed again.
    pub fn forget(&mut self, key: u64) {
        if self.score.remove(&key).is_some() {
            self.noted += 1;
        }
    }

    /// The documents noted, highest score first (recent needs lead; ties by key).
    pub fn ranked(&self) -> Vec<u64> {
        let mut v: Vec<(u64, f64)> = self.score.iter().map(|(&k, &s)| (k, s)).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().map(|(k, _)| k).collect()
    }

    /// Documents noted.
    pub fn len(&self) -> usize {
        self.score.len()
    }

    pub fn is_empty(&self) -> bool {
        self.score.is_empty()
    }

    /// Anything noted since the last record?
    pub fn changed(&self) -> bool {
        self.noted != self.saved
    }

    /// The record of the [`KEEP`] first (a deletion when none is left), and the mark to
    /// give [`Hints::saved_at`] once it is stored (notes made meanwhile stay unsaved).
    pub fn record(&self) -> (Write, u64) {
        let keys: Vec<u64> = self.ranked().into_iter().take(KEEP).collect();
        (Write { table: Table::Meta, key: HINTS_KEY, value: (!keys.is_empty()).then(|| encode(&keys)) }, self.noted)
    }

    /// The record [`Hints::record`] made at `mark` is stored.
    pub fn saved_at(&mut self, mark: u64) {
        self.saved = mark;
    }
}

fn encode(keys: &[u64]) -> Vec<u8> {
    let mut out = FRAME.start(keys.len() * 3 + 2);
    put_varint(&mut out, keys.len() as u64);
    for &k in keys {
        put_varint(&mut out, k);
    }
    Frame::seal(&mut out);
    out
}

/// The keys of a record, most needed first: at most [`KEEP`], no repeats.
fn decode(bytes: &[u8]) -> Result<Vec<u64>> {
    let body = FRAME.open(bytes, 1)?;
    let bad = |e: &dyn std::fmt::Display| FRAME.bad(e);
    let mut r = Reader::new(body);
    let n = r.count(KEEP, "hint count").map_err(|e| bad(&e))?;
    let mut keys = Vec::with_capacity(n);
    let mut seen = std::collections::HashSet::with_capacity(n);
    for _ in 0..n {
        let k = r.varint().map_err(|e| bad(&e))?;
        if !seen.insert(k) {
            return Err(Failure::corrupt(format!("search hints: document {k} named twice")));
        }
        keys.push(k);
    }
    if !r.is_empty() {
        return Err(FRAME.bad("trailing bytes"));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A search of its own (a query vector no search before had) that measured `keys`.
    fn searched(h: &mut Hints, keys: &[u64]) {
        let query = [h.noted as f32];
        h.for_search(&query).note(keys.iter().copied());
    }

    #[test]
    fn most_needed_first_and_a_record_round_trips() {
        let mut h = Hints::default();
        assert!(!h.changed());
        searched(&mut h, &[5, 9, 7]);
        searched(&mut h, &[9, 7]);
        searched(&mut h, &[9]);
        assert_eq!(h.ranked(), vec![9, 7, 5]);
        assert!(h.changed());
        let (w, mark) = h.record();
        assert!(h.changed(), "not stored yet");
        h.saved_at(mark);
        assert!(!h.changed(), "saved");
        assert_eq!((w.table, w.key), (Table::Meta, HINTS_KEY));
        let back = Hints::from_record(w.value.as_deref().unwrap()).unwrap();
        assert_eq!(back.ranked(), vec![9, 7, 5]);
        // This session's needs outrank the record's: one search is worth more than any rank.
        let mut back = back;
        searched(&mut back, &[1]);
        assert_eq!(back.ranked()[0], 1);
        back.forget(9);
        assert_eq!(back.ranked(), vec![1, 7, 5]);
    }

    #[test]
    fn recent_needs_lead_old_ones() {
        let mut h = Hints::default();
        searched(&mut h, &[1, 2]);
        searched(&mut h, &[1, 2]);
        for k in 10..60 {
            searched(&mut h, &[k]);
        }
        searched(&mut h, &[3]);
        let r = h.ranked();
        assert_eq!(r[0], 3, "the last search's need first");
        assert!(r.iter().position(|&k| k == 1).unwrap() > r.iter().position(|&k| k == 40).unwrap(), "needed twice long ago, after once lately");
        // Thousands of searches later the scores are rescaled, the order kept.
        for _ in 0..2000 {
            searched(&mut h, &[7]);
        }
        searched(&mut h, &[8]);
        assert!(h.weight < 1e12);
        assert_eq!(h.ranked()[..2], [7, 8], "needed 2,000 times, then once: both lead, in that order");
    }

    #[test]
    fn the_tally_stays_bounded() {
        let mut h = Hints::default();
        for k in 0..(3 * KEEP as u64) {
            searched(&mut h, &[k, 0]);
        }
        assert!(h.score.len() <= 2 * KEEP);
        assert_eq!(h.ranked()[0], 0, "the most needed survives every trim");
        let (w, _) = h.record();
        assert_eq!(decode(w.value.as_deref().unwrap()).unwrap().len(), KEEP);
        assert_eq!(Hints::default().record().0.value, None, "nothing to keep: the record goes");
    }

    #[test]
    fn a_search_weighs_once_however_many_calls_it_makes() {
        let mut h = Hints::default();
        // One search, three provider calls (the re-ranking's batches, a lifted candidate).
        h.for_search(&[0.5, -1.0]).note([1, 2]);
        h.for_search(&[0.5, -1.0]).note([3]);
        h.note([4]);
        assert_eq!(h.score[&1], h.score[&4], "one search: one weight for what each call measured");
        h.for_search(&[0.25, -1.0]).note([5]);
        assert!(h.score[&5] > h.score[&1], "the next search weighs more");
        assert_eq!(h.ranked()[0], 5);
        // A call that measures nothing (a preview) leaves the weight as it was.
        let weight = h.weight;
        h.for_search(&[1.0, 1.0]).note([]);
        assert_eq!(h.weight, weight);
    }

    #[test]
    fn a_damaged_or_crafted_record_is_refused() {
        let good = encode(&[3, 1, 2]);
        assert_eq!(decode(&good).unwrap(), vec![3, 1, 2]);
        let mut flipped = good.clone();
        flipped[6] ^= 1;
        assert!(decode(&flipped).is_err(), "checksum");
        assert!(decode(&good[..good.len() - 5]).is_err(), "truncated");
        assert!(decode(b"NKHT").is_err());
        // Crafted past the checksum: a count beyond KEEP, a repeated key, trailing bytes.
        let sealed = |body: &[u8]| {
            let mut out = FRAME.start(body.len());
            out.extend_from_slice(body);
            Frame::seal(&mut out);
            out
        };
        let mut big = Vec::new();
        put_varint(&mut big, KEEP as u64 + 1);
        assert!(decode(&sealed(&big)).is_err(), "count beyond KEEP");
        assert!(decode(&sealed(&[2, 4, 4])).is_err(), "repeated key");
        assert!(decode(&sealed(&[1, 4, 0])).is_err(), "trailing bytes");
        assert!(decode(&sealed(&[3, 4])).is_err(), "count past the body");
        // Any bytes at all, a byte of a good record changed, a bit of a long one changed
        // past its checksum: a result or an error, never a panic, never more than KEEP
        // distinct keys.
        let mut rng = crate::rng::Rng::new(7);
        let long = encode(&(0..KEEP as u64).map(|k| k * 977).collect::<Vec<_>>());
        for round in 0..20_000 {
            let bytes: Vec<u8> = match round % 3 {
                0 => (0..rng.below(64)).map(|_| rng.next_u64() as u8).collect(),
                1 => {
                    let mut b = good.clone();
                    let at = rng.below(b.len());
                    b[at] = rng.next_u64() as u8;
                    b
                }
                _ => {
                    // Past the checksum: the body changed, then sealed again.
                    let mut b = long[..long.len() - 4].to_vec();
                    let at = FRAME.magic.len() + 1 + rng.below(b.len() - FRAME.magic.len() - 1);
                    b[at] ^= 1 << rng.below(8);
                    b.truncate(b.len() - rng.below(3));
                    Frame::seal(&mut b);
                    b
                }
            };
            if let Ok(keys) = decode(&bytes) {
                assert!(keys.len() <= KEEP);
                assert_eq!(keys.iter().collect::<std::collections::HashSet<_>>().len(), keys.len());
            }
        }
        // Newer versions are refused by name.
        let mut newer = good.clone();
        newer[4] = 2;
        assert!(decode(&newer).unwrap_err().to_string().contains("newer nook"));
    }
}
