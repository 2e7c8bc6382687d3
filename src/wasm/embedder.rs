//! `NookEmbedder`: the embedder alone, for the workers that help one `NookCore` index a
//! large `add` (pkg/src/embed-worker.js). It embeds the token sequences `NookCore.tokens`
//! gives, in one call, exactly as `NookCore.add` would; the core indexes and commits.

use js_sys::{Float32Array, Uint8Array};
use wasm_bindgen::prelude::*;

use super::convert::embed_config_from_js;
use super::{init, js_error};
use crate::collection::{Embed, split_sequences};
use crate::embed::skeleton::Source;
use crate::embed::{EmbedConfig, Embedder};
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
    pub fn new(model: Uint8Array, tokenizer: Vec<u8>, options: JsValue) -> Result<NookEmbedder, JsValue> {
        init();
        let config = embed_config_from_js(&options).map_err(js_error)?;
        let embed = embedder_of(&model, &tokenizer, config).map_err(js_error)?;
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

/// A model file as JS holds it, read a window or a tensor at a time
/// ([`crate::embed::skeleton`]): never copied whole into this instance's memory, which
/// would keep its pages (~21 MB) for the worker's life. Public for the wasm tests.
pub struct JsBytes(pub Uint8Array);

impl Source for JsBytes {
    fn len(&self) -> u64 {
        u64::from(self.0.length())
    }
    fn read(&self, at: u64, out: &mut [u8]) {
        // Within `len()` (callers check), so both ends fit the array's u32 indices.
        let start = at as u32;
        self.0.subarray(start, start + out.len() as u32).copy_to(out);
    }
    fn read_vec(&self, at: u64, len: usize) -> Vec<u8> {
        let start = at as u32;
        self.0.subarray(start, start + len as u32).to_vec()
    }
}

/// The embedder of a model file's bytes in JS and `tokenizer.json`'s, with `config`: what
/// `NookCore.open`, `NookSite` and `NookEmbedder` load.
pub(crate) fn embedder_of(model: &Uint8Array, tokenizer: &[u8], config: EmbedConfig) -> crate::store::Result<Embedder> {
    if !model.is_instance_of::<Uint8Array>() {
        return Err(Failure::input("the model's bytes must be a Uint8Array"));
    }
    Ok(Embedder::from_source(&JsBytes(model.clone()), tokenizer, config)?)
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
