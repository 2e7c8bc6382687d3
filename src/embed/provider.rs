//! Exact vectors by recomputation: the embedder as the [`ExactVectors`] provider of a
//! pruned index (LEANN's two-level search asks for a few candidates' full embeddings).
//!
//! Owns only the glue from document ids to text (or stored token ids) to vectors; which
//! ids to ask for, and any caching of the results, is the index's business.

use super::Embedder;
use crate::error::{Error, Result};
use crate::index::provider::ExactVectors;

/// Recomputes embeddings from document text: `text_of(id)` returns the document's text,
/// or `None` for an unknown id.
pub struct TextVectors<'a, F> {
    pub embedder: &'a mut Embedder,
    pub text_of: F,
}

impl<F: FnMut(u64) -> Option<String>> ExactVectors for TextVectors<'_, F> {
    fn exact_vectors(&mut self, ids: &[u64], out: &mut Vec<f32>) -> Result<()> {
        let texts = ids.iter().map(|&id| (self.text_of)(id).ok_or(Error::UnknownId(id))).collect::<Result<Vec<_>>>()?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        self.embedder.embed_into(&refs, out)
    }
}

/// Recomputes embeddings from token ids stored at indexing time (from
/// [`Embedder::tokenize`]), skipping tokenization: `tokens_of(id)` returns them.
pub struct TokenVectors<'a, F> {
    pub embedder: &'a mut Embedder,
    pub tokens_of: F,
}

impl<F: FnMut(u64) -> Option<Vec<u32>>> ExactVectors for TokenVectors<'_, F> {
    fn exact_vectors(&mut self, ids: &[u64], out: &mut Vec<f32>) -> Result<()> {
        let tokens = ids.iter().map(|&id| (self.tokens_of)(id).ok_or(Error::UnknownId(id))).collect::<Result<Vec<_>>>()?;
        self.embedder.embed_tokens_into(&tokens, out)
    }
}
