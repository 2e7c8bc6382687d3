//! The embedder: text -> unit vectors with a BERT-family sentence encoder
//! (all-MiniLM-L6-v2 by default), natively and in wasm32 (behind the `embed` feature).
//!
//! - [`wordpiece`]: BERT WordPiece read from `tokenizer.json` by nook (the ids of a text's words).
//! - [`tokenize`]: `[CLS]`/`[SEP]` around them, no padding, truncation at
//!   `max_tokens` (default 256, `[CLS]`/`[SEP]` included), cheap on huge inputs.
//! - [`onnx`]: reading the ONNX file (its protobuf; bounded, borrowing the weights).
//! - [`skeleton`]: the same file left outside wasm memory, read a tensor at a time.
//! - [`weights`]: finding the encoder's tables, projections and norms in the graph.
//! - [`encoder`]: the forward pass over sequences of any lengths together, unpadded.
//! - [`dense`]: the fully connected layers' GEMM (integer for int8 weights).
//! - [`pool`]: mean (or `[CLS]`) pooling + L2 normalisation.
//! - [`provider`]: [`crate::ExactVectors`] implementations that recompute documents'
//!   embeddings from their text or stored token ids, for two-level search.
//!
//! nook runs the network itself: no inference engine, no per-shape plans to build, so the
//! first embedding after loading costs one forward pass, and a text embeds to the same bits
//! alone, in a batch or among a search's recomputed documents.
//!
//! Bytes in, vectors out: no I/O, no JS. Prepare the default model with
//! `scripts/fetch_model.sh`; any BERT-family ONNX export with its `tokenizer.json` loads.
//!
//! Input rules: the empty string and whitespace-only strings embed as `[CLS] [SEP]`, a
//! defined vector (not an error). A `&str` cannot hold lone UTF-16 surrogates; the wasm
//! boundary receives JS strings as `String`, which replaces them with U+FFFD. Texts
//! longer than `max_tokens` tokens are truncated (their start is embedded).

pub mod dense;
pub mod encoder;
pub mod onnx;
pub mod pool;
pub mod provider;
pub mod skeleton;
pub mod tokenize;
pub mod weights;
pub mod wordpiece;

use crate::error::{Error, Result};
pub use pool::Pooling;
pub use provider::{TextVectors, TokenVectors};
pub use tokenize::TokenIds;

/// BERT's position table holds 512 positions: the most `max_tokens` can be (less if the
/// model's table is shorter).
pub const MAX_POSITIONS: usize = 512;

/// Tokens per forward pass at most: a call's texts are split into passes of at most
/// `max_batch` texts and this many tokens (bounds the activations' memory: ~25 MB).
const TOKENS_PER_PASS: usize = 4096;

/// Knobs of an [`Embedder`]. `Default` is what nook ships with.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedConfig {
    /// Tokens per text after truncation, `[CLS]` and `[SEP]` included (2..=512).
    pub max_tokens: usize,
    /// Texts per forward pass.
    pub max_batch: usize,
    /// Attention heads; `None` reads them from the graph (the attention's scale).
    pub heads: Option<usize>,
    /// How token states become one vector.
    pub pooling: Pooling,
}

impl Default for EmbedConfig {
    fn default() -> Self {
        EmbedConfig { max_tokens: 256, max_batch: 32, heads: None, pooling: Pooling::Mean }
    }
}

/// A loaded model + tokenizer.
pub struct Embedder {
    tokenizer: tokenize::Tokenizer,
    weights: weights::Weights,
    config: EmbedConfig,
}

/// Extra rows an embedding table may have beyond the tokenizer's vocabulary (exports
/// sometimes pad it to a multiple of 8 or 64). More than this means another model.
const VOCAB_SLACK: usize = 128;

impl Embedder {
    /// Load from the bytes of an ONNX file and of `tokenizer.json`.
    pub fn from_bytes(model: &[u8], tokenizer_json: &[u8]) -> Result<Self> {
        Self::with_config(model, tokenizer_json, EmbedConfig::default())
    }

    /// [`Embedder::from_bytes`] with explicit settings.
    pub fn with_config(model: &[u8], tokenizer_json: &[u8], config: EmbedConfig) -> Result<Self> {
        Self::check(&config)?;
        Self::build(&onnx::Graph::parse(model)?, tokenizer_json, config)
    }

    /// [`Embedder::with_config`] for a model file read where it is (`src`: in wasm, a JS
    /// `Uint8Array`), a tensor at a time, so the file is never copied whole into memory
    /// ([`skeleton`]). The same weights, the same embeddings.
    pub fn from_source(model: &dyn skeleton::Source, tokenizer_json: &[u8], config: EmbedConfig) -> Result<Self> {
        Self::check(&config)?;
        let skeleton = skeleton::skeleton(model)?;
        Self::build(&onnx::Graph::parse_skeleton(&skeleton, model)?, tokenizer_json, config)
    }

    fn check(config: &EmbedConfig) -> Result<()> {
        if !(2..=MAX_POSITIONS).contains(&config.max_tokens) {
            return Err(Error::InvalidParameter(format!("max_tokens must be between 2 and {MAX_POSITIONS}, got {}", config.max_tokens)));
        }
        if config.max_batch == 0 {
            return Err(Error::InvalidParameter("max_batch must be at least 1".into()));
        }
        Ok(())
    }

    fn build(graph: &onnx::Graph, tokenizer_json: &[u8], config: EmbedConfig) -> Result<Self> {
        let tokenizer = tokenize::Tokenizer::from_bytes(tokenizer_json, config.max_tokens)?;
        let weights = weights::Weights::find(graph, config.heads)?;
        let (vocab, rows) = (tokenizer.vocab_size(), weights.word.rows());
        if vocab > rows || rows - vocab > VOCAB_SLACK {
            return Err(Error::Embed(format!(
                "the tokenizer has {vocab} tokens but the model's embedding table has {rows} rows: \
                 this tokenizer.json does not belong to this model"
            )));
        }
        if weights.position.rows() < config.max_tokens {
            return Err(Error::InvalidParameter(format!(
                "max_tokens is {} but the model has positions for {} tokens",
                config.max_tokens,
                weights.position.rows()
            )));
        }
        Ok(Embedder { tokenizer, weights, config })
    }

    /// Dimensions of an embedding (384 for MiniLM).
    pub fn dims(&self) -> usize {
        self.weights.hidden
    }

    /// The settings this embedder runs with.
    pub fn config(&self) -> &EmbedConfig {
        &self.config
    }

    /// What was read from the model file: layers, heads, integer or f32 weights.
    pub fn describe(&self) -> String {
        let w = &self.weights;
        let int = w.layers.iter().all(|l| l.qkv.is_integer() && l.output.is_integer());
        format!(
            "{} layers, {} wide, {} heads, vocabulary {}, {} weights, {:?}",
            w.layers.len(),
            w.hidden,
            w.heads,
            w.word.rows(),
            if int { "int8" } else { "f32" },
            self.config.pooling
        )
    }

    /// Token ids of `text` as [`Embedder::embed_tokens`] takes them: store these to
    /// recompute a document's embedding later without tokenizing it again.
    pub fn tokenize(&self, text: &str) -> Result<TokenIds> {
        self.tokenizer.encode(text)
    }

    /// Does the model see words in `text`: are at most half of its tokens (the special ones
    /// left out) the unknown token or a letter of a script other than ASCII spelled out
    /// alone? An English model has no words of Thai, Chinese or Japanese: it spells them
    /// letter by letter (`ตราสาร` -> `ต ##ร ##า ##ส ##า ##ร`, a vowel mark dropped by the
    /// normaliser) or gives `[UNK]`, and such texts embed to vectors that say little of what
    /// they mean (vector search alone finds 2-5% of the i18n benchmark's Japanese, Chinese and
    /// Thai targets first).
    pub fn sees(&self, text: &str) -> bool {
        let Ok(ids) = self.tokenizer.encode(text) else { return true };
        let own = ids.iter().filter(|&&id| !self.tokenizer.is_special(id));
        let (n, blind) = own.fold((0usize, 0usize), |(n, b), &id| (n + 1, b + usize::from(self.tokenizer.is_unknown_or_letter(id))));
        2 * blind <= n
    }

    /// Is `word` a whole token of the model's vocabulary (see [`tokenize::Tokenizer::has_word`])?
    pub fn has_word(&self, word: &str) -> bool {
        self.tokenizer.has_word(word)
    }

    /// Add `weight` times token `id`'s row of the model's word-embedding table (its input
    /// vector, before positions and layers) to `out`; false, `out` untouched, for a special
    /// token (`[CLS]`, `[SEP]`), an id outside the table, or `out` not `dims` long.
    pub fn add_word_vector(&self, id: u32, weight: f32, out: &mut [f32]) -> bool {
        let word = &self.weights.word;
        if id as usize >= word.rows() || out.len() != word.width() || self.tokenizer.is_special(id) {
            return false;
        }
        word.add_scaled_row(id as usize, weight, out);
        true
    }

    /// Unit-length embeddings of `texts`, in order.
    pub fn embed(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let mut flat = Vec::new();
        self.embed_into(texts, &mut flat)?;
        Ok(self.split(flat))
    }

    /// Append the embeddings of `texts` to `out` (`texts.len() * dims` floats).
    pub fn embed_into(&mut self, texts: &[&str], out: &mut Vec<f32>) -> Result<()> {
        let ids = texts.iter().map(|t| self.tokenize(t)).collect::<Result<Vec<_>>>()?;
        self.embed_tokens_into(&ids, out)
    }

    /// Embeddings from token ids made by [`Embedder::tokenize`] (with `[CLS]`/`[SEP]`).
    pub fn embed_tokens<T: AsRef<[u32]>>(&mut self, ids: &[T]) -> Result<Vec<Vec<f32>>> {
        let mut flat = Vec::new();
        self.embed_tokens_into(ids, &mut flat)?;
        Ok(self.split(flat))
    }

    /// Append the embeddings of token-id sequences to `out`, in order.
    pub fn embed_tokens_into<T: AsRef<[u32]>>(&mut self, ids: &[T], out: &mut Vec<f32>) -> Result<()> {
        let rows = self.weights.word.rows();
        for (i, seq) in ids.iter().enumerate() {
            let seq = seq.as_ref();
            if seq.is_empty() || seq.len() > self.config.max_tokens {
                return Err(Error::InvalidParameter(format!(
                    "token sequence {i} has {} ids; expected 1..={} (use tokenize())",
                    seq.len(),
                    self.config.max_tokens
                )));
            }
            if let Some(&bad) = seq.iter().find(|&&t| t as usize >= rows) {
                return Err(Error::InvalidParameter(format!("token sequence {i} has id {bad}, outside the model's vocabulary of {rows}")));
            }
        }
        let dims = self.dims();
        out.reserve(ids.len() * dims);
        let mut rest = ids;
        while !rest.is_empty() {
            // As many texts as fit the pass (at least one).
            let mut tokens = 0;
            let take = rest
                .iter()
                .take(self.config.max_batch)
                .take_while(|s| {
                    tokens += s.as_ref().len();
                    tokens <= TOKENS_PER_PASS
                })
                .count()
                .max(1);
            let (now, later) = rest.split_at(take);
            rest = later;
            let seqs: Vec<&[u32]> = now.iter().map(AsRef::as_ref).collect();
            let hidden = encoder::run(&self.weights, &seqs);
            let lens: Vec<usize> = seqs.iter().map(|s| s.len()).collect();
            pool::pool_normalised(&hidden, &lens, dims, self.config.pooling, out)?;
        }
        Ok(())
    }

    /// [`Embedder::embed_tokens_into`] for the documents a search recomputes (the same
    /// computation: every text's embedding is the same bits whatever shares its pass).
    pub fn embed_recomputed_tokens<T: AsRef<[u32]>>(&mut self, ids: &[T], out: &mut Vec<f32>) -> Result<()> {
        self.embed_tokens_into(ids, out)
    }

    /// A query's embedding.
    pub fn embed_query_tokens(&mut self, ids: &[u32], out: &mut Vec<f32>) -> Result<()> {
        self.embed_tokens_into(&[ids], out)
    }

    fn split(&self, flat: Vec<f32>) -> Vec<Vec<f32>> {
        flat.chunks_exact(self.dims()).map(<[f32]>::to_vec).collect()
    }
}
