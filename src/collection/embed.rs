//! What the collection needs from an embedder: token ids for a text, and embeddings for
//! token ids. Implemented by the real [`crate::embed::Embedder`] (feature `embed`) and by
//! [`HashEmbed`], a tiny deterministic stand-in for tests that have no model.

use crate::store::{Failure, Kind, Result};

/// An embedder as the collection uses it.
pub trait Embed {
    /// Dimensions of an embedding.
    fn dims(&self) -> usize;
    /// Token ids of `text`, ready for [`Embed::embed_tokens`].
    fn tokenize(&self, text: &str) -> Result<Vec<u32>>;
    /// Append unit-length embeddings of each token sequence to `out`.
    fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()>;
    /// The same for the few documents a search recomputes: an embedder may favour
    /// latency over throughput here (the real one runs them at a few padded lengths,
    /// one call per length, on plans that stay cached).
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
        out.extend(crate::text::words(text).take(255).map(|t| (mix(t.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))) % 30_000) as u32 + 2));
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
                for (i, x) in v.iter_mut().enumerate() {
                    let h = mix((t as u64) << 20 | i as u64);
                    *x += if h & 1 == 0 { 1.0 } else { -1.0 } * if t == 1 { 0.05 } else { 1.0 };
                }
            }
            crate::distance::normalize(v);
        }
        Ok(())
    }
}
