//! Minimal wasm-bindgen surface over `nook::embed::Embedder` for the browser benchmark:
//! construct from bytes, embed a batch of texts, count tokens. Errors become JS Errors.

use nook::embed::Embedder;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct BenchEmbedder(Embedder);

#[wasm_bindgen]
impl BenchEmbedder {
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8], tokenizer: &[u8]) -> Result<BenchEmbedder, JsError> {
        Embedder::from_bytes(model, tokenizer).map(BenchEmbedder).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Embeddings of `texts`, concatenated (`texts.length * 384` floats).
    pub fn embed(&mut self, texts: Vec<String>) -> Result<Vec<f32>, JsError> {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut out = Vec::with_capacity(refs.len() * self.0.dims());
        self.0.embed_into(&refs, &mut out).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(out)
    }

    /// Total token ids of `texts` (tokenization only).
    pub fn tokenize_count(&self, texts: Vec<String>) -> Result<usize, JsError> {
        let mut n = 0;
        for t in &texts {
            n += self.0.tokenize(t).map_err(|e| JsError::new(&e.to_string()))?.len();
        }
        Ok(n)
    }
}
