//! The transformer: a BERT-style ONNX file (all-MiniLM-L6-v2) run by tract.
//!
//! Owns loading and running the network, and the cache of optimised plans, one per
//! `(batch, length)` shape: fixed shapes for bulk embedding and for a query (one row),
//! and plans whose batch is left open (any number of rows, one length) for the documents
//! a search recomputes, so a new count of cold documents builds no plan.
//! Knows nothing of text or pooling: it maps token ids + mask to hidden states.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::io::Cursor;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::internal::DimLike;

/// Turn any tract error into nook's, keeping tract's context chain.
pub(crate) fn tract_err(what: &str) -> impl Fn(TractError) -> Error + '_ {
    move |e| Error::Embed(format!("{what}: {e:#}"))
}

/// Name of the output this embedder reads: the per-token hidden states.
const OUTPUT: &str = "last_hidden_state";

/// One input of the network, in the order the plan expects them.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Input {
    Ids,
    Mask,
    TypeIds,
}

/// The batch dimension of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Batch {
    /// A plan built for exactly this many rows.
    Fixed(usize),
    /// This many rows, on the length's plan whose batch is left open.
    Open(usize),
}

impl Batch {
    fn rows(self) -> usize {
        match self {
            Batch::Fixed(b) | Batch::Open(b) => b,
        }
    }
}

/// The loaded network and its plan cache.
pub struct Model {
    /// Decluttered, with symbolic batch and sequence dims; plans are derived from it.
    typed: TypedModel,
    batch: Symbol,
    sequence: Symbol,
    inputs: Vec<Input>,
    dims: usize,
    vocab_rows: usize,
    plans: PlanCache,
}

impl Model {
    /// Parse ONNX bytes, check the inputs/outputs look like a BERT encoder.
    /// `own_matmul`: swap the constant-weight matmuls for [`super::dense::Dense`].
    pub fn from_bytes(bytes: &[u8], max_plans: usize, own_matmul: bool) -> Result<Self> {
        let mut model = tract_onnx::onnx().model_for_read(&mut Cursor::new(bytes)).map_err(tract_err("the model bytes are not a readable ONNX file"))?;
        model.select_outputs_by_name([OUTPUT]).map_err(|_| Error::Embed(format!("the ONNX model has no output `{OUTPUT}`: not a BERT encoder export")))?;
        let inputs = input_roles(&model)?;
        let mut typed = model.into_typed().and_then(|m| m.into_decluttered()).map_err(tract_err("tract could not analyse the model"))?;
        if own_matmul {
            super::dense::rewrite(&mut typed).map_err(tract_err("preparing the fully connected layers"))?;
        }
        let (batch, sequence) = (typed.symbols.sym("batch"), typed.symbols.sym("sequence"));
        let dims = hidden_dims(&typed)?;
        let vocab_rows = vocab_rows(&typed)?;
        Ok(Model { typed, batch, sequence, inputs, dims, vocab_rows, plans: PlanCache::new(max_plans) })
    }

    /// Width of a hidden state (384 for MiniLM-L6).
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Rows of the word-embedding table: token ids must be below this.
    pub fn vocab_rows(&self) -> usize {
        self.vocab_rows
    }

    /// Hidden states for `batch`'s rows of `len` tokens (`ids`, `mask` row-major): returns
    /// `rows * len * dims` floats.
    pub fn run(&mut self, ids: &[i64], mask: &[i64], batch: Batch, len: usize) -> Result<Vec<f32>> {
        let rows = batch.rows();
        debug_assert_eq!(ids.len(), rows * len);
        debug_assert_eq!(mask.len(), rows * len);
        let (typed, b, s) = (&self.typed, &self.batch, &self.sequence);
        let state = match batch {
            Batch::Fixed(n) => self.plans.get_or_build((n, len), || build_plan(typed, b, s, Some(n), len))?,
            // Key 0: no fixed plan has zero rows.
            Batch::Open(_) => self.plans.get_or_build((0, len), || build_plan(typed, b, s, None, len))?,
        };
        let shape = [rows, len];
        let zeros = vec![0i64; if self.inputs.contains(&Input::TypeIds) { ids.len() } else { 0 }];
        let mut feed: TVec<TValue> = tvec![];
        for role in &self.inputs {
            let data = match role {
                Input::Ids => ids,
                Input::Mask => mask,
                Input::TypeIds => &zeros,
            };
            let t = Tensor::from_shape(&shape, data).map_err(tract_err("building an input tensor"))?;
            feed.push(t.into_tvalue());
        }
        let out = state.run(feed).map_err(tract_err("running the model"))?;
        let hidden = out.first().ok_or_else(|| Error::Embed("the model produced no output".into()))?;
        let want = rows * len * self.dims;
        let view = hidden.try_as_plain_ram().map_err(tract_err("reading the model output"))?;
        let floats = view.as_slice::<f32>().map_err(tract_err("the model output is not f32"))?;
        if floats.len() != want {
            return Err(Error::Embed(format!("the model output has {} values, expected {want} ({rows} x {len} x {})", floats.len(), self.dims)));
        }
        Ok(floats.to_vec())
    }

    /// Number of plans currently cached.
    pub fn cached_plans(&self) -> usize {
        self.plans.entries.len()
    }
}

/// Map the file's inputs by name; any other input makes this not a model we can feed.
fn input_roles(model: &InferenceModel) -> Result<Vec<Input>> {
    let mut roles = Vec::new();
    for outlet in model.input_outlets().map_err(tract_err("reading model inputs"))? {
        let name = model.node(outlet.node).name.as_str();
        roles.push(match name {
            "input_ids" => Input::Ids,
            "attention_mask" => Input::Mask,
            "token_type_ids" => Input::TypeIds,
            other => {
                return Err(Error::Embed(format!(
                    "the ONNX model has an input `{other}`; expected input_ids, attention_mask \
                     and optionally token_type_ids (a BERT encoder)"
                )));
            }
        });
    }
    if !roles.contains(&Input::Ids) || !roles.contains(&Input::Mask) {
        return Err(Error::Embed("the ONNX model lacks input_ids or attention_mask: not a BERT encoder".into()));
    }
    Ok(roles)
}

/// The hidden width: last dim of the output, which must be `[batch, sequence, dims]`.
fn hidden_dims(typed: &TypedModel) -> Result<usize> {
    let fact = typed.output_fact(0).map_err(tract_err("reading the model output"))?;
    let shape = fact.shape.dims();
    match (shape.len(), shape.last().and_then(|d| d.to_usize().ok())) {
        (3, Some(d)) if d > 0 && fact.datum_type == f32::datum_type() => Ok(d),
        _ => Err(Error::Embed(format!("the model output `{OUTPUT}` is {:?} of {:?}, expected [batch, sequence, dims] f32", shape, fact.datum_type))),
    }
}

/// Rows of the table(s) gathered by `input_ids`: the vocabulary the model accepts.
fn vocab_rows(typed: &TypedModel) -> Result<usize> {
    let ids = typed.input_outlets().map_err(tract_err("reading model inputs"))?;
    let ids = ids.iter().find(|o| typed.node(o.node).name == "input_ids").copied().ok_or_else(|| Error::Embed("the model has no input_ids".into()))?;
    let mut rows = None::<usize>;
    for node in typed.nodes() {
        if node.op.name() == "Gather" && node.inputs.get(1) == Some(&ids) {
            let table = typed.outlet_fact(node.inputs[0]).map_err(tract_err("reading the embedding table"))?;
            if let Some(r) = table.shape.dims().first().and_then(|d| d.to_usize().ok()) {
                rows = Some(rows.map_or(r, |x| x.min(r)));
            }
        }
    }
    rows.ok_or_else(|| Error::Embed("could not find the word-embedding table fed by input_ids".into()))
}

/// Fix the sequence (and the batch, if given), optimise, make runnable.
fn build_plan(typed: &TypedModel, b: &Symbol, s: &Symbol, batch: Option<usize>, len: usize) -> Result<TypedSimpleState> {
    optimised(typed, b, s, batch, len)?.spawn().map_err(tract_err("starting the model"))
}

fn optimised(typed: &TypedModel, b: &Symbol, s: &Symbol, batch: Option<usize>, len: usize) -> Result<Arc<TypedRunnableModel>> {
    let mut subs = HashMap::from([(s.clone(), TDim::Val(len as i64))]);
    if let Some(n) = batch {
        subs.insert(b.clone(), TDim::Val(n as i64));
    }
    let rows = batch.map_or("any number of".to_string(), |n| n.to_string());
    typed
        .set_symbols(&subs)
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(tract_err(&format!("optimising the model for {rows} x {len} tokens")))
}

/// Where the time goes: runs the optimised `batch x len` plan `rounds` times, timing each
/// node with `now` (milliseconds), and returns a table of time per op name, largest first.
/// For tests/embed_profile.rs and the browser benchmark's profile mode; not an API.
#[doc(hidden)]
pub fn profile_ops(bytes: &[u8], own_matmul: bool, batch: usize, len: usize, rounds: usize, now: &dyn Fn() -> f64) -> Result<String> {
    use std::fmt::Write as _;
    let m = Model::from_bytes(bytes, 1, own_matmul)?;
    let plan = optimised(&m.typed, &m.batch, &m.sequence, Some(batch), len)?;
    let mut feed: TVec<TValue> = tvec![];
    for role in &m.inputs {
        let v = match role {
            Input::Ids => 2000i64,
            Input::Mask => 1,
            Input::TypeIds => 0,
        };
        feed.push(Tensor::from_shape(&[batch, len], &vec![v; batch * len]).map_err(tract_err("input"))?.into_tvalue());
    }
    let mut state = plan.spawn().map_err(tract_err("starting the model"))?;
    state.run(feed.clone()).map_err(tract_err("running the model"))?;
    let mut per_op: HashMap<String, (f64, usize)> = HashMap::new();
    let mut infos: HashMap<String, String> = HashMap::new();
    let t0 = now();
    for _ in 0..rounds.max(1) {
        state
            .run_plan_with_eval(feed.clone(), |ctx, st, node, inp| {
                let t = now();
                let r = tract_onnx::tract_core::plan::eval(ctx, st, node, inp);
                let took = now() - t;
                let mut key = node.op().name().to_string();
                // Matmuls are told apart by output shape, with tract's description of each.
                if key == "OptMatMul"
                    && let Ok(facts) = plan.model().node_output_facts(node.id)
                    && let Some(fact) = facts.first()
                {
                    key = format!("{key} -> {:?}", fact.shape);
                    infos.entry(key.clone()).or_insert_with(|| node.op().info().map(|i| i.join(" | ")).unwrap_or_default());
                }
                let e = per_op.entry(key).or_default();
                e.0 += took;
                e.1 += 1;
                r
            })
            .map_err(tract_err("running the model"))?;
    }
    let rounds = rounds.max(1) as f64;
    let total = (now() - t0) / rounds;
    let mut rows: Vec<_> = per_op.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.total_cmp(&a.1.0));
    let mut out = format!("{batch} x {len}: {total:.2} ms per run ({:.1} sentences/s)\n", batch as f64 * 1e3 / total);
    let dense: Vec<String> = plan.model().nodes().iter().filter(|n| n.op.name() == "NookDense").map(|n| n.op.info().unwrap_or_default().join(" ")).collect();
    if !dense.is_empty() {
        let int8 = dense.iter().filter(|i| i.contains("int8")).count();
        let _ = writeln!(out, "  NookDense layers: {}, with int8 weights: {int8}", dense.len());
    }
    for (name, (ms, n)) in rows {
        let ms = ms / rounds;
        let _ = writeln!(out, "{ms:>8.3} ms {:>5.1}% {:>4} x {name}", 100.0 * ms / total, (n as f64 / rounds) as usize);
        if let Some(info) = infos.get(&name) {
            let _ = writeln!(out, "             {info}");
        }
    }
    Ok(out)
}

/// Least-recently-used cache of runnable states keyed by `(batch, length)`.
struct PlanCache {
    capacity: usize,
    clock: u64,
    entries: Vec<((usize, usize), u64, TypedSimpleState)>,
}

impl PlanCache {
    fn new(capacity: usize) -> Self {
        PlanCache { capacity: capacity.max(1), clock: 0, entries: Vec::new() }
    }

    fn get_or_build(&mut self, key: (usize, usize), build: impl FnOnce() -> Result<TypedSimpleState>) -> Result<&mut TypedSimpleState> {
        self.clock += 1;
        let ix = match self.entries.iter().position(|e| e.0 == key) {
            Some(ix) => ix,
            None => {
                let state = build()?;
                if self.entries.len() >= self.capacity {
                    let oldest = (0..self.entries.len()).min_by_key(|&i| self.entries[i].1).unwrap_or(0);
                    self.entries.swap_remove(oldest);
                }
                self.entries.push((key, 0, state));
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[ix];
        entry.1 = self.clock;
        Ok(&mut entry.2)
    }
}
