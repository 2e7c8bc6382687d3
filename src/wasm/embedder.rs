//! `NookEmbedder`: the embedder alone, for the workers that help one `NookCore` index a
//! large `add` (pkg/src/embed-worker.js). It embeds the token sequences `NookCore.tokens`
//! gives, in one call, exactly as `NookCore.add` would; the core indexes and commits.

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;

use super::convert::embed_config_from_js;
use super::{init, js_error};
use crate::collection::{Embed, split_sequences};
use crate::embed::Embedder;
use crate::store::Failure;

/// The model and tokenizer, nothing stored (see the module docs).
#[wasm_bindgen]
pub struct NookEmbedder {
    embed: Embedder,
}

#[wasm_bindgen]
impl NookEmbedder {
    /// Load from the model's and `tokenizer.json`'s bytes and the embedder's options
    /// (`maxTokens`, `pooling`, `heads`): what `NookCore.open` takes.
    #[wasm_bindgen(constructor)]
    pub fn new(model: Vec<u8>, tokenizer: Vec<u8>, options: JsValue) -> Result<NookEmbedder, JsValue> {
        init();
        let config = embed_config_from_js(&options).map_err(js_error)?;
        let embed = Embedder::with_config(&model, &tokenizer, config).map_err(|e| js_error(Failure::from(e)))?;
        Ok(NookEmbedder { embed })
    }

    /// Dimensions of an embedding.
    pub fn dims(&self) -> usize {
        self.embed.dims()
    }

    /// Unit-length embeddings (`lengths.length * dims` floats) of the sequences in
    /// `tokens` (concatenated; `lengths[i]` ids each), as `NookCore.tokens` returns them.
    #[wasm_bindgen(js_name = embedTokens)]
    pub fn embed_tokens(&mut self, tokens: Vec<u32>, lengths: Vec<u32>) -> Result<Float32Array, JsValue> {
        embed_sequences(&mut self.embed, &tokens, &lengths).map_err(js_error)
    }
}

/// The embeddings of flat token sequences (see [`split_sequences`]), made by the one
/// `embed_tokens` call `Collection::add` makes for them: for `NookEmbedder` and for the
/// nook worker's own share of a large add (`NookCore.embedTokens`).
pub(crate) fn embed_sequences(e: &mut Embedder, tokens: &[u32], lengths: &[u32]) -> crate::store::Result<Float32Array> {
    let seqs = split_sequences(tokens, lengths, e.config().max_tokens)?;
    let mut out = Vec::with_capacity(seqs.len() * e.dims());
    Embed::embed_tokens(e, &seqs, &mut out)?;
    Ok(Float32Array::from(out.as_slice()))
}
