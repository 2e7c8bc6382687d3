//! Timing of the embedder around a search. The core stays clock-free: it reports counts
//! ([`crate::collection::SearchCounts`]); this layer times every call the search makes to
//! the embedder with `performance.now()` and gives the split of one query:
//! embedding (the query's tokens and vector), recomputation (documents' embeddings
//! recomputed for exact re-ranking) and traversal (everything else: graph walk, PQ
//! distances, keyword ranking, fusion), which is the total minus the other two.

use crate::collection::Embed;
use crate::store::Result;

/// Milliseconds from `performance.now()` (worker or window), `Date.now()` without it.
pub(crate) fn now() -> f64 {
    use js_sys::Reflect;
    use wasm_bindgen::JsCast;
    Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| Reflect::get(&p, &"now".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()).and_then(|f| f.call0(&p).ok()))
        .and_then(|v| v.as_f64())
        .unwrap_or_else(js_sys::Date::now)
}

/// An [`Embed`] that adds the time spent in the wrapped embedder to `ms`.
pub(crate) struct Timed<'a> {
    inner: &'a mut dyn Embed,
    /// Milliseconds spent in `tokenize` and `embed_tokens`.
    pub ms: f64,
    /// Token sequences embedded.
    pub embedded: usize,
}

impl<'a> Timed<'a> {
    pub fn new(inner: &'a mut dyn Embed) -> Self {
        Timed { inner, ms: 0.0, embedded: 0 }
    }
}

impl Timed<'_> {
    /// Run `f` on the wrapped embedder, adding its time and `seqs` sequences.
    fn timed(&mut self, seqs: usize, f: impl FnOnce(&mut dyn Embed) -> Result<()>) -> Result<()> {
        let t = now();
        let r = f(&mut *self.inner);
        self.ms += (now() - t).max(0.0);
        self.embedded += seqs;
        r
    }
}

impl Embed for Timed<'_> {
    fn dims(&self) -> usize {
        self.inner.dims()
    }

    fn tokenize(&self, text: &str) -> Result<Vec<u32>> {
        // `&self`: not added to `ms` (the search never tokenizes documents; the query's
        // tokenization is timed by the caller as part of embedding).
        self.inner.tokenize(text)
    }

    fn knows_word(&self, word: &str) -> bool {
        self.inner.knows_word(word)
    }

    fn sees(&self, text: &str) -> bool {
        self.inner.sees(text)
    }

    fn add_token_vector(&self, id: u32, weight: f32, out: &mut [f32]) -> bool {
        self.inner.add_token_vector(id, weight, out)
    }

    fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        self.timed(seqs.len(), |e| e.embed_tokens(seqs, out))
    }

    fn embed_recomputed(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        self.timed(seqs.len(), |e| e.embed_recomputed(seqs, out))
    }

    fn embed_query(&mut self, seq: &[u32], out: &mut Vec<f32>) -> Result<()> {
        self.timed(1, |e| e.embed_query(seq, out))
    }
}

/// The split of one query, in milliseconds (all >= 0; the three parts sum to `total`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct QueryTiming {
    pub total: f64,
    pub embed: f64,
    pub recompute: f64,
    pub traversal: f64,
}

impl QueryTiming {
    /// From measured total, query-embedding and recomputation times; traversal is the rest.
    pub fn split(total: f64, embed: f64, recompute: f64) -> Self {
        let embed = embed.max(0.0);
        let recompute = recompute.max(0.0);
        // Each part was measured inside the total, so the rest is >= 0 up to clock rounding.
        let total = total.max(embed + recompute);
        QueryTiming { total, embed, recompute, traversal: total - embed - recompute }
    }
}
