//! What the collection needs from an embedder: token ids for a text, and embeddings for
//! token ids. Implemented by the real [`crate::embed::Embedder`] (feature `embed`), by
//! [`Precomputed`] (embeddings another worker made, for one `add` or search), by
//! [`FirstRecomputed`] (what a search would recompute first) and by [`HashEmbed`],
//! a tiny deterministic stand-in for tests that have no model.

use std::collections::HashMap;

use crate::records::{Failure, Kind, Result};

/// An embedder as the collection uses it.
pub trait Embed {
    /// Dimensions of an embedding.
    fn dims(&self) -> usize;
    /// Token ids of `text`, ready for [`Embed::embed_tokens`].
    fn tokenize(&self, text: &str) -> Result<Vec<u32>>;
    /// Append unit-length embeddings of each token sequence to `out`.
    fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()>;
    /// The same for the few documents a search recomputes: an embedder may favour
    /// latency over throughput here (the real one runs them all in one unpadded pass, to
    /// the same bits as `embed_tokens`).
    fn embed_recomputed(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        self.embed_tokens(seqs, out)
    }
    /// A query's embedding, appended to `out` (latency first).
    fn embed_query(&mut self, seq: &[u32], out: &mut Vec<f32>) -> Result<()> {
        self.embed_recomputed(&[seq], out)
    }
    /// Does the model know `word` (lowercase) as a word of its own? A query made only of
    /// words neither the model nor the documents know is held to a higher relevance floor.
    fn knows_word(&self, _word: &str) -> bool {
        true
    }
    /// Does the model see words in `text`: are at most half of its tokens the unknown one or
    /// a single letter of a script other than ASCII? A query it does not see embeds to a
    /// vector that says little of what it means, so its similarities rank nothing and the
    /// keywords decide (`Reading::blind`).
    fn sees(&self, _text: &str) -> bool {
        true
    }
    /// Add `weight` times token `id`'s input vector (the model's word-embedding row) to
    /// `out` (`dims` long); false, `out` untouched, for a special token, an id outside the
    /// vocabulary, or an embedder without such vectors. What the search's second estimate
    /// is made of ([`super::bag`]).
    fn add_token_vector(&self, _id: u32, _weight: f32, _out: &mut [f32]) -> bool {
        false
    }
}

#[cfg(feature = "embed")]
impl Embed for crate::embed::Embedder {
    fn dims(&self) -> usize {
        crate::embed::Embedder::dims(self)
    }
    fn tokenize(&self, text: &str) -> Result<Vec<u32>> {
        crate::embed::Embedder::tokenize(self, text).map_err(Failure::from)
    }
    fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        self.embed_tokens_into(seqs, out).map_err(Failure::from)
    }
    fn embed_recomputed(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        self.embed_recomputed_tokens(seqs, out).map_err(Failure::from)
    }
    fn embed_query(&mut self, seq: &[u32], out: &mut Vec<f32>) -> Result<()> {
        self.embed_query_tokens(seq, out).map_err(Failure::from)
    }
    fn knows_word(&self, word: &str) -> bool {
        self.has_word(word)
    }
    fn sees(&self, text: &str) -> bool {
        crate::embed::Embedder::sees(self, text)
    }
    fn add_token_vector(&self, id: u32, weight: f32, out: &mut [f32]) -> bool {
        self.add_word_vector(id, weight, out)
    }
}

/// Token sequences passed as one flat array and their lengths (how they cross between
/// workers): the sequences, each 1..=`max` ids, checked against the totals.
pub fn split_sequences<'a>(tokens: &'a [u32], lengths: &[u32], max: usize) -> Result<Vec<&'a [u32]>> {
    let mut out = Vec::with_capacity(lengths.len().min(tokens.len()));
    let mut rest = tokens;
    for (i, &n) in lengths.iter().enumerate() {
        let n = n as usize;
        if n == 0 || n > max || n > rest.len() {
            return Err(Failure::input(format!("token sequence {i} claims {n} ids; expected 1..={max} within the {} ids given", tokens.len())));
        }
        let (seq, tail) = rest.split_at(n);
        out.push(seq);
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(Failure::input(format!("{} token ids are left over after {} sequences", rest.len(), lengths.len())));
    }
    Ok(out)
}

/// Embeddings made elsewhere (another worker running the same embedder on the same token
/// sequences in one call, as `Collection::add` would), served by token sequence; any
/// sequence not among them goes to `inner`. What lets several workers embed one `add`
/// while one collection indexes it, or a search's first recomputations: the index, or the
/// search's result, is the same as if `inner` had embedded all.
pub struct Precomputed<'a> {
    inner: &'a mut dyn Embed,
    known: HashMap<&'a [u32], &'a [f32]>,
}

impl<'a> Precomputed<'a> {
    /// `vectors` holds one embedding of `inner.dims()` floats per sequence, in order.
    pub fn new(inner: &'a mut dyn Embed, seqs: &[&'a [u32]], vectors: &'a [f32]) -> Result<Self> {
        let dims = inner.dims();
        if dims == 0 || vectors.len() != seqs.len() * dims {
            return Err(Failure::input(format!("{} embeddings of {dims} dimensions need {} floats, got {}", seqs.len(), seqs.len() * dims, vectors.len())));
        }
        if let Some(i) = vectors.iter().position(|x| !x.is_finite()) {
            return Err(Failure::input(format!("embedding {} has a value that is not finite", i / dims)));
        }
        let known = seqs.iter().copied().zip(vectors.chunks_exact(dims)).collect();
        Ok(Precomputed { inner, known })
    }

    /// The known embeddings, and `inner`'s for the rest (asked in one call, as a search's
    /// recomputation when `recomputed`, else as indexing: the same bits either way).
    fn serve(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>, recomputed: bool) -> Result<()> {
        let missing: Vec<&[u32]> = seqs.iter().copied().filter(|s| !self.known.contains_key(s)).collect();
        let mut made = Vec::new();
        if !missing.is_empty() {
            if recomputed {
                self.inner.embed_recomputed(&missing, &mut made)?;
            } else {
                self.inner.embed_tokens(&missing, &mut made)?;
            }
        }
        let mut made = made.chunks_exact(self.inner.dims());
        for seq in seqs {
            let v = match self.known.get(seq) {
                Some(v) => *v,
                None => made.next().ok_or_else(|| Failure::new(Kind::Embed, "the embedder returned fewer embeddings than asked"))?,
            };
            out.extend_from_slice(v);
        }
        Ok(())
    }
}

impl Embed for Precomputed<'_> {
    fn dims(&self) -> usize {
        self.inner.dims()
    }
    fn tokenize(&self, text: &str) -> Result<Vec<u32>> {
        self.inner.tokenize(text)
    }
    fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        self.serve(seqs, out, false)
    }
    fn embed_recomputed(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        self.serve(seqs, out, true)
    }
    fn embed_query(&mut self, seq: &[u32], out: &mut Vec<f32>) -> Result<()> {
        self.inner.embed_query(seq, out)
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
}

/// Records the token sequences of a search's first recomputation and stops the search
/// there (the call fails): what a worker hands to helper workers to embed in parallel
/// before running the search again with them ([`Precomputed`]). Everything else goes to
/// `inner`.
pub struct FirstRecomputed<'a> {
    inner: &'a mut dyn Embed,
    /// The sequences the search asked for first, once it asked.
    pub seqs: Option<Vec<Vec<u32>>>,
}

impl<'a> FirstRecomputed<'a> {
    pub fn new(inner: &'a mut dyn Embed) -> Self {
        FirstRecomputed { inner, seqs: None }
    }
}

impl Embed for FirstRecomputed<'_> {
    fn dims(&self) -> usize {
        self.inner.dims()
    }
    fn tokenize(&self, text: &str) -> Result<Vec<u32>> {
        self.inner.tokenize(text)
    }
    fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        self.inner.embed_tokens(seqs, out)
    }
    fn embed_recomputed(&mut self, seqs: &[&[u32]], _out: &mut Vec<f32>) -> Result<()> {
        self.seqs = Some(seqs.iter().map(|s| s.to_vec()).collect());
        Err(Failure::new(Kind::Embed, "stopped at the search's first recomputation (recorded)"))
    }
    fn embed_query(&mut self, seq: &[u32], out: &mut Vec<f32>) -> Result<()> {
        self.inner.embed_query(seq, out)
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
}

/// Feature hashing of lowercase words into `dims` dimensions (each word adds a
/// pseudo-random ±1 pattern), L2-normalised. Texts sharing words are close. For tests.
pub struct HashEmbed {
    pub dims: usize,
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

impl Embed for HashEmbed {
    fn dims(&self) -> usize {
        self.dims
    }

    fn tokenize(&self, text: &str) -> Result<Vec<u32>> {
        let mut out = vec![1u32];
        out.extend(
            crate::text::words(text).take(255).map(|t| (mix(t.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))) % 30_000) as u32 + 2),
        );
        Ok(out)
    }

    fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        for seq in seqs {
            if seq.is_empty() {
                return Err(Failure::new(Kind::Embed, "empty token sequence"));
            }
            let start = out.len();
            out.resize(start + self.dims, 0.0);
            let v = &mut out[start..];
            for &t in *seq {
                add_pattern(t, if t == 1 { 0.05 } else { 1.0 }, v);
            }
            crate::distance::normalize(v);
        }
        Ok(())
    }

    /// The same ±1 pattern a token adds to its text's embedding (id 1, the sequences'
    /// leading mark, is special).
    fn add_token_vector(&self, id: u32, weight: f32, out: &mut [f32]) -> bool {
        if id == 1 || out.len() != self.dims {
            return false;
        }
        add_pattern(id, weight, out);
        true
    }
}

/// Add `weight` times token `id`'s pseudo-random ±1 pattern to `out`.
fn add_pattern(id: u32, weight: f32, out: &mut [f32]) {
    for (i, x) in out.iter_mut().enumerate() {
        let h = mix((id as u64) << 20 | i as u64);
        *x += if h & 1 == 0 { weight } else { -weight };
    }
}
