//! The embedder: text -> 384-d unit vectors with all-MiniLM-L6-v2, run by tract, natively
//! and in wasm32 (behind the `embed` feature).
//!
//! - [`tokenize`]: BERT WordPiece from `tokenizer.json`, no padding, truncation at
//!   `max_tokens` (default 256, `[CLS]`/`[SEP]` included), cheap on huge inputs.
//! - [`model`]: the ONNX network, with optimised plans cached per `(batch, length
//!   bucket)` (LRU, `max_plans`); latency-mode plans leave the batch open.
//! - [`batch`]: grouping texts by length bucket into power-of-two batches (throughput),
//!   or by a few lengths into runs of any size (latency).
//! - [`pool`]: mean pooling over real tokens + L2 normalisation.
//! - [`provider`]: [`crate::ExactVectors`] implementations that recompute documents'
//!   embeddings from their text or stored token ids, for two-level search.
//!
//! Bytes in, vectors out: no I/O, no JS. Prepare the model with `scripts/fetch_model.sh`
//! (it applies the word-embedding Gather rewrite tract needs to be fast).
//!
//! Input rules: the empty string and whitespace-only strings embed as `[CLS] [SEP]`, a
//! defined vector (not an error). A `&str` cannot hold lone UTF-16 surrogates; the wasm
//! boundary receives JS strings as `String`, which replaces them with U+FFFD. Texts
//! longer than `max_tokens` tokens are truncated (their start is embedded).

pub mod batch;
pub mod dense;
pub mod model;
pub mod pool;
pub mod provider;
pub mod tokenize;

use crate::error::{Error, Result};
pub use provider::{TextVectors, TokenVectors};
pub use tokenize::TokenIds;

/// BERT's position table holds 512 positions: no plan can be longer.
pub const MAX_POSITIONS: usize = 512;

/// Knobs of an [`Embedder`]. `Default` is what nook ships with.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedConfig {
    /// Tokens per text after truncation, `[CLS]` and `[SEP]` included (2..=512).
    pub max_tokens: usize,
    /// Texts per model call (rounded down to a power of two).
    pub max_batch: usize,
    /// Optimised fixed-shape plans kept (least recently used is dropped). With tract's
    /// matmuls (`own_matmul: false`, native) each plan holds its own packed f32 weights,
    /// about 50 MB (native peak RSS was 480 MB with 7 plans); with `own_matmul` the
    /// weights are packed once (MiniLM's int8 weights as i16: ~21 MB) and shared, and a
    /// plan is small. A plan costs an optimisation pass (~0.1-0.2 s natively) when first
    /// built. Default: 16 with
    /// `own_matmul` (the ten latency-mode lengths stay cached next to indexing's batch
    /// shapes), 6 without.
    pub max_plans: usize,
    /// Run the fully connected layers (~90% of the time) with nook's own GEMM kernel
    /// ([`dense`]) instead of tract's. Default: on in wasm32, where it is faster and keeps
    /// one packed copy of the weights for all plans; off natively, where tract's AVX
    /// kernels are faster.
    pub own_matmul: bool,
}

impl Default for EmbedConfig {
    fn default() -> Self {
        let own_matmul = cfg!(target_arch = "wasm32");
        EmbedConfig { max_tokens: 256, max_batch: 16, max_plans: if own_matmul { 16 } else { 6 }, own_matmul }
    }
}

/// A loaded model + tokenizer. Not `Sync`: plans keep per-call scratch state.
pub struct Embedder {
    tokenizer: tokenize::Tokenizer,
    model: model::Model,
    config: EmbedConfig,
}

/// Extra rows an embedding table may have beyond the tokenizer's vocabulary (exports
/// sometimes pad it to a multiple of 8 or 64). More than this means another model.
const VOCAB_SLACK: usize = 128;

/// How a call's texts are run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Indexing: power-of-two batches per length bucket, fixed-shape plans.
    Bulk,
    /// The documents a search recomputes: per padded length, one open-batch run.
    Recompute,
    /// A query: alone, on a one-row plan.
    Query,
}

impl Embedder {
    /// Load from the bytes of the prepared ONNX file and of `tokenizer.json`.
    pub fn from_bytes(model: &[u8], tokenizer_json: &[u8]) -> Result<Self> {
        Self::with_config(model, tokenizer_json, EmbedConfig::default())
    }

    /// [`Embedder::from_bytes`] with explicit settings.
    pub fn with_config(model: &[u8], tokenizer_json: &[u8], config: EmbedConfig) -> Result<Self> {
        if !(2..=MAX_POSITIONS).contains(&config.max_tokens) {
            return Err(Error::InvalidParameter(format!("max_tokens must be between 2 and {MAX_POSITIONS}, got {}", config.max_tokens)));
        }
        if config.max_batch == 0 || config.max_plans == 0 {
            return Err(Error::InvalidParameter("max_batch and max_plans must be at least 1".into()));
        }
        let tokenizer = tokenize::Tokenizer::from_bytes(tokenizer_json, config.max_tokens)?;
        let model = model::Model::from_bytes(model, config.max_plans, config.own_matmul)?;
        let (vocab, rows) = (tokenizer.vocab_size(), model.vocab_rows());
        if vocab > rows || rows - vocab > VOCAB_SLACK {
            return Err(Error::Embed(format!(
                "the tokenizer has {vocab} tokens but the model's embedding table has {rows} rows: \
                 this tokenizer.json does not belong to this model"
            )));
        }
        Ok(Embedder { tokenizer, model, config })
    }

    /// Dimensions of an embedding (384).
    pub fn dims(&self) -> usize {
        self.model.dims()
    }

    /// The settings this embedder runs with.
    pub fn config(&self) -> &EmbedConfig {
        &self.config
    }

    /// Number of optimised plans currently cached.
    pub fn cached_plans(&self) -> usize {
        self.model.cached_plans()
    }

    /// Token ids of `text` as [`Embedder::embed_tokens`] takes them: store these to
    /// recompute a document's embedding later without tokenizing it again.
    pub fn tokenize(&self, text: &str) -> Result<TokenIds> {
        self.tokenizer.encode(text)
    }

    /// Is `word` a whole token of the model's vocabulary (see [`tokenize::Tokenizer::has_word`])?
    pub fn has_word(&self, word: &str) -> bool {
        self.tokenizer.has_word(word)
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

    /// Append the embeddings of token-id sequences to `out`, in order (throughput mode:
    /// batched by length bucket).
    pub fn embed_tokens_into<T: AsRef<[u32]>>(&mut self, ids: &[T], out: &mut Vec<f32>) -> Result<()> {
        self.embed_checked(ids, out, Mode::Bulk)
    }

    /// [`Embedder::embed_tokens_into`] for the documents a search recomputes (latency
    /// mode): each sequence padded to one of a few lengths, sequences of the same length
    /// in one run on a plan whose batch is left open, so a handful of plans serves every
    /// search and its cold documents cost one model call per length. A sequence's
    /// embedding is bit-identical whatever shares its run.
    pub fn embed_recomputed_tokens<T: AsRef<[u32]>>(&mut self, ids: &[T], out: &mut Vec<f32>) -> Result<()> {
        self.embed_checked(ids, out, Mode::Recompute)
    }

    /// A query's embedding (latency mode): padded like [`Embedder::embed_recomputed_tokens`]
    /// but on a plan built for one row: the one run every search makes (warm searches,
    /// the query's embedding alone, measured 17.7-19.1 ms p50 in Chromium on it vs 23.6
    /// on the open-batch plan).
    pub fn embed_query_tokens(&mut self, ids: &[u32], out: &mut Vec<f32>) -> Result<()> {
        self.embed_checked(&[ids], out, Mode::Query)
    }

    fn embed_checked<T: AsRef<[u32]>>(&mut self, ids: &[T], out: &mut Vec<f32>, mode: Mode) -> Result<()> {
        let rows = self.model.vocab_rows();
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
        let start = out.len();
        out.resize(start + ids.len() * dims, 0.0);
        let counts: Vec<usize> = ids.iter().map(|s| s.as_ref().len()).collect();
        let mut pooled = Vec::new();
        let runs = match mode {
            Mode::Bulk => batch::plan_runs(&counts, self.config.max_tokens, self.config.max_batch),
            Mode::Recompute | Mode::Query => batch::latency_runs(&counts, self.config.max_tokens),
        };
        for run in runs {
            let (b, len) = (run.items.len(), run.len);
            let mut tok = vec![0i64; b * len];
            let mut mask = vec![0i64; b * len];
            for (row, &item) in run.items.iter().enumerate() {
                for (j, &t) in ids[item].as_ref().iter().enumerate() {
                    tok[row * len + j] = i64::from(t);
                    mask[row * len + j] = 1;
                }
            }
            let batch = match mode {
                Mode::Recompute => model::Batch::Open(b),
                Mode::Bulk | Mode::Query => model::Batch::Fixed(b),
            };
            let hidden = self.model.run(&tok, &mask, batch, len)?;
            let lens: Vec<usize> = run.items.iter().map(|&i| counts[i]).collect();
            pooled.clear();
            pool::mean_pool_normalised(&hidden, &lens, len, dims, &mut pooled)?;
            for (row, &item) in run.items.iter().enumerate() {
                out[start + item * dims..start + (item + 1) * dims].copy_from_slice(&pooled[row * dims..(row + 1) * dims]);
            }
        }
        Ok(())
    }

    fn split(&self, flat: Vec<f32>) -> Vec<Vec<f32>> {
        flat.chunks_exact(self.dims()).map(<[f32]>::to_vec).collect()
    }
}
