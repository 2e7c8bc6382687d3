//! Finding a BERT-family encoder's weights in an ONNX graph.
//!
//! Owns the mapping from an export's tensors to the parts [`super::encoder`] runs: the
//! embedding tables, then per layer the query/key/value, attention-output, intermediate and
//! output projections with their layer norms. Exports differ in everything but the names
//! PyTorch gave the parameters, so those names anchor the search:
//!
//! - tables and layer norms by name (`…embeddings.word_embeddings.weight`,
//!   `…encoder.layer.3.attention.output.LayerNorm.bias`; any prefix, e.g. `bert.`,
//!   `model.0.auto_model.`); an int8 table may be stored as `…weight_q` + `…weight_scale`;
//! - projections by their bias: the `MatMul` whose output is added to
//!   `…encoder.layer.N.attention.self.query.bias` is layer N's query, whatever the weight
//!   tensor is called. The weight is a constant: an f32/f16 tensor, or int8 dequantised by
//!   `Mul(Cast(q), scale)` or `DequantizeLinear`, possibly transposed;
//! - the number of heads from the attention's scale: the scalar constants multiplying (or
//!   dividing) the path from query and key to the `Softmax` make `1/sqrt(head_dim)`;
//! - the activation from the graph's ops (`Erf`: exact GELU; `Tanh`: its tanh form), the
//!   layer-norm epsilon from `LayerNormalization` (BERT's 1e-12 when decomposed).
//!
//! Anything missing or inconsistent is an [`Error::Embed`] that names what was expected.

use super::dense::{Matrix, Packed};
use super::onnx::{Graph, Node, Tensor};
use crate::error::{Error, Result};

/// A lookup table: rows of `width` values.
#[derive(Debug)]
pub enum Table {
    F32 {
        width: usize,
        values: Vec<f32>,
    },
    /// int8 rows, one f32 scale per row (the prepared MiniLM file's word and position tables).
    Int8 {
        width: usize,
        values: Vec<i8>,
        scale: Vec<f32>,
    },
}

impl Table {
    pub fn rows(&self) -> usize {
        match self {
            Table::F32 { values, .. } => values.len() / self.width(),
            Table::Int8 { values, .. } => values.len() / self.width(),
        }
    }

    /// Values per row.
    pub fn width(&self) -> usize {
        match self {
            Table::F32 { width, .. } | Table::Int8 { width, .. } => *width,
        }
    }

    /// Add row `r` to `out` (`width` values): the same bits as a weight of 1.
    pub fn add_row(&self, r: usize, out: &mut [f32]) {
        self.add_scaled_row(r, 1.0, out);
    }

    /// Add `weight` times row `r` to `out` (`width` values).
    pub fn add_scaled_row(&self, r: usize, weight: f32, out: &mut [f32]) {
        match self {
            Table::F32 { width, values } => out.iter_mut().zip(&values[r * width..(r + 1) * width]).for_each(|(o, v)| *o += v * weight),
            Table::Int8 { width, values, scale } => {
                let s = scale[r] * weight;
                out.iter_mut().zip(&values[r * width..(r + 1) * width]).for_each(|(o, &v)| *o += f32::from(v) * s);
            }
        }
    }
}

/// A layer norm's scale and shift.
#[derive(Debug)]
pub struct Norm {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

/// One transformer layer.
#[derive(Debug)]
pub struct Layer {
    /// Query, key and value side by side: `hidden x 3 hidden`.
    pub qkv: Packed,
    pub attention_out: Packed,
    pub attention_norm: Norm,
    pub intermediate: Packed,
    pub output: Packed,
    pub output_norm: Norm,
}

/// GELU as the export computes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `x/2 (1 + erf(x/√2))`.
    Gelu,
    /// `x/2 (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
    GeluTanh,
}

/// Everything the encoder needs.
#[derive(Debug)]
pub struct Weights {
    pub hidden: usize,
    pub heads: usize,
    pub eps: f32,
    pub activation: Activation,
    pub word: Table,
    pub position: Table,
    /// Row 0 of the token-type table (nook always feeds type 0), zeros if the model has none.
    pub token_type: Vec<f32>,
    pub embedding_norm: Norm,
    pub layers: Vec<Layer>,
}

fn missing(what: &str) -> Error {
    Error::Embed(format!(
        "the ONNX model has no {what}: nook runs BERT-family encoders exported from PyTorch \
         (tensors named like `embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.bias`)"
    ))
}

const PROJECTIONS: [&str; 6] =
    ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense"];

impl Weights {
    /// Locate and pack the weights of the encoder in `graph`. `heads`: the number of
    /// attention heads if the caller knows it (else read from the graph).
    pub fn find(graph: &Graph, heads: Option<usize>) -> Result<Weights> {
        let word_name = graph
            .tensors
            .keys()
            .find(|n| n.ends_with("embeddings.word_embeddings.weight") || n.ends_with("embeddings.word_embeddings.weight_q"))
            .ok_or_else(|| missing("word-embedding table"))?;
        let prefix = &word_name[..word_name.find("embeddings.word_embeddings.weight").unwrap_or(0)];
        let name = |s: &str| format!("{prefix}{s}");
        let word = table(graph, &name("embeddings.word_embeddings.weight"))?.ok_or_else(|| missing("word-embedding table"))?;
        let hidden = word.width();
        let position = table(graph, &name("embeddings.position_embeddings.weight"))?.ok_or_else(|| missing("position-embedding table"))?;
        if position.width() != hidden {
            return Err(Error::Embed(format!("the position table is {} wide, the word table {hidden}", position.width())));
        }
        let token_type = match table(graph, &name("embeddings.token_type_embeddings.weight"))? {
            Some(t) if t.width() == hidden && t.rows() > 0 => {
                let mut row = vec![0f32; hidden];
                t.add_row(0, &mut row);
                row
            }
            Some(_) => return Err(Error::Embed("the token-type table does not match the hidden width".into())),
            None => vec![0f32; hidden],
        };
        let embedding_norm = norm(graph, &name("embeddings.LayerNorm"), hidden)?;

        let mut layers = Vec::new();
        for l in 0.. {
            let layer = |s: &str| name(&format!("encoder.layer.{l}.{s}"));
            if !graph.tensors.contains_key(&layer("attention.self.query.bias")) {
                break;
            }
            let [q, k, v, ao, inter, out] = PROJECTIONS.map(|p| projection(graph, &layer(&format!("{p}.bias"))));
            let (q, k, v, ao, inter, out) = (q?, k?, v?, ao?, inter?, out?);
            let ffn = inter.1;
            let shapes_ok = [&q, &k, &v, &ao].iter().all(|(w, n, _)| w.len() == hidden * n && *n == hidden)
                && inter.0.len() == hidden * ffn
                && out.1 == hidden
                && out.0.len() == ffn * hidden;
            if !shapes_ok {
                return Err(Error::Embed(format!("layer {l}'s projections do not fit a hidden width of {hidden}")));
            }
            let b = [q.2.as_slice(), &k.2, &v.2].concat();
            let w = Matrix::side_by_side(vec![(q.0, hidden), (k.0, hidden), (v.0, hidden)], hidden);
            layers.push(Layer {
                qkv: Packed::from_matrix(w, hidden, 3 * hidden, Some(&b)),
                attention_out: Packed::from_matrix(ao.0, hidden, hidden, Some(&ao.2)),
                attention_norm: norm(graph, &layer("attention.output.LayerNorm"), hidden)?,
                intermediate: Packed::from_matrix(inter.0, hidden, ffn, Some(&inter.2)),
                output: Packed::from_matrix(out.0, ffn, hidden, Some(&out.2)),
                output_norm: norm(graph, &layer("output.LayerNorm"), hidden)?,
            });
        }
        if layers.is_empty() {
            return Err(missing("encoder layers (`encoder.layer.0.attention.self.query.bias`)"));
        }
        let heads = match heads {
            Some(h) if h == 0 || !hidden.is_multiple_of(h) => {
                return Err(Error::InvalidParameter(format!("heads: {h} attention heads do not divide the model's hidden width {hidden}")));
            }
            Some(h) => h,
            None => heads_from_scale(graph, &name("encoder.layer.0.attention.self.query.bias"), &name("encoder.layer.0.attention.self.key.bias"), hidden)?,
        };
        let ops: crate::FastSet<&str> = graph.nodes.iter().map(|n| n.op).collect();
        let activation = if ops.contains("Erf") || ops.contains("Gelu") {
            Activation::Gelu
        } else if ops.contains("Tanh") {
            Activation::GeluTanh
        } else {
            return Err(Error::Embed("the model's activation is neither GELU (Erf) nor its tanh form".into()));
        };
        let eps = graph.nodes.iter().find(|n| n.op == "LayerNormalization").and_then(|n| n.attrs.get("epsilon")).and_then(|a| a.float).unwrap_or(1e-12);
        Ok(Weights { hidden, heads, eps, activation, word, position, token_type, embedding_norm, layers })
    }
}

fn tensor<'g>(graph: &'g Graph, name: &str) -> Option<&'g Tensor<'g>> {
    graph.tensors.get(name)
}

/// A 2-D table stored as floats under `name`, or as int8 `name_q` with per-row `name_scale`.
fn table(graph: &Graph, name: &str) -> Result<Option<Table>> {
    if let Some(t) = tensor(graph, name) {
        let [_, width] = t.dims[..] else { return Err(Error::Embed(format!("`{name}` is not a table: {:?}", t.dims))) };
        if width == 0 {
            return Err(Error::Embed(format!("`{name}` has no columns")));
        }
        return Ok(Some(Table::F32 { width, values: t.floats()? }));
    }
    let (Some(q), Some(s)) = (tensor(graph, &format!("{name}_q")), tensor(graph, &format!("{name}_scale"))) else { return Ok(None) };
    match (&q.dims[..], q.int8(), s.floats()) {
        (&[rows, width], Some(values), Ok(scale)) if width > 0 && scale.len() == rows => Ok(Some(Table::Int8 { width, values, scale })),
        _ => Err(Error::Embed(format!("`{name}_q` / `{name}_scale` are not an int8 table with one scale per row"))),
    }
}

fn norm(graph: &Graph, name: &str, hidden: usize) -> Result<Norm> {
    let get = |s: &str| -> Result<Vec<f32>> {
        let t = tensor(graph, &format!("{name}.{s}")).ok_or_else(|| missing(&format!("layer norm `{name}.{s}`")))?;
        let v = t.floats()?;
        if v.len() != hidden {
            return Err(Error::Embed(format!("`{name}.{s}` has {} values, expected {hidden}", v.len())));
        }
        Ok(v)
    };
    Ok(Norm { gamma: get("weight")?, beta: get("bias")? })
}

/// The projection whose output is added to the bias tensor `bias`: `(W row-major k x n, n, bias)`.
fn projection(graph: &Graph, bias: &str) -> Result<(Matrix, usize, Vec<f32>)> {
    let b = tensor(graph, bias).ok_or_else(|| missing(&format!("bias `{bias}`")))?.floats()?;
    for add in graph.consumers(bias).filter(|n| n.op == "Add") {
        let Some(&other) = add.inputs.iter().find(|&&i| i != bias) else { continue };
        let Some(mm) = graph.producer(other).filter(|n| n.op == "MatMul") else { continue };
        let Some(&w) = mm.inputs.get(1) else { continue };
        let (w, dims) = constant(graph, w, 0)?;
        if let [_, n] = dims[..]
            && n == b.len()
        {
            return Ok((w, n, b));
        }
        return Err(Error::Embed(format!("the weight added to `{bias}` is {dims:?}, expected [k, {}]", b.len())));
    }
    Err(Error::Embed(format!("no MatMul with a constant weight is added to `{bias}`")))
}

/// Evaluate a constant weight: a float tensor, int8 dequantised (`Mul(Cast(q), s)` or
/// `DequantizeLinear`; kept as int8 and scales where the scale is one per column or one for
/// all), or a 2-D transpose of one. Returns the matrix and its dims.
fn constant(graph: &Graph, value: &str, depth: usize) -> Result<(Matrix, Vec<usize>)> {
    let unsupported = || Error::Embed(format!("the weight `{value}` is not a constant nook can read (float, or int8 dequantised by Mul or DequantizeLinear)"));
    if depth > 4 {
        return Err(unsupported());
    }
    if let Some(t) = tensor(graph, value) {
        return Ok((Matrix::F32(t.floats()?), t.dims.clone()));
    }
    let node = graph.producer(value).ok_or_else(unsupported)?;
    let floats = |m: Matrix, dims: &[usize]| m.into_f32(dims.last().copied().unwrap_or(1));
    match node.op {
        "Transpose" => {
            let (m, dims) = constant(graph, node.inputs.first().ok_or_else(unsupported)?, depth + 1)?;
            let v = floats(m, &dims);
            let perm = node.attrs.get("perm").map(|a| a.ints.clone()).unwrap_or_else(|| vec![1, 0]);
            let [r, c] = dims[..] else { return Err(unsupported()) };
            if perm != [1, 0] {
                return Err(unsupported());
            }
            let mut t = vec![0f32; v.len()];
            for i in 0..r {
                for j in 0..c {
                    t[j * r + i] = v[i * c + j];
                }
            }
            Ok((Matrix::F32(t), vec![c, r]))
        }
        "Cast" => {
            let t = tensor(graph, node.inputs.first().ok_or_else(unsupported)?).ok_or_else(unsupported)?;
            Ok((Matrix::F32(t.ints()?.into_iter().map(|x| x as f32).collect()), t.dims.clone()))
        }
        "Mul" => {
            let [a, b] = node.inputs[..] else { return Err(unsupported()) };
            if let Some(scaled) = int8_times_scale(graph, a, b).or_else(|| int8_times_scale(graph, b, a)) {
                return Ok(scaled);
            }
            let (x, xd) = constant(graph, a, depth + 1)?;
            let (y, yd) = constant(graph, b, depth + 1)?;
            let (x, y) = (floats(x, &xd), floats(y, &yd));
            broadcast_mul(x, &xd, &y, &yd).map(|(v, d)| (Matrix::F32(v), d)).ok_or_else(unsupported)
        }
        "DequantizeLinear" => {
            let t = tensor(graph, node.inputs.first().ok_or_else(unsupported)?).ok_or_else(unsupported)?;
            let q = t.ints()?;
            let scale = tensor(graph, node.inputs.get(1).ok_or_else(unsupported)?).ok_or_else(unsupported)?.floats()?;
            let zero = match node.inputs.get(2).filter(|z| !z.is_empty()) {
                Some(z) => tensor(graph, z).ok_or_else(unsupported)?.ints()?,
                None => vec![0; scale.len()],
            };
            let axis = node.attrs.get("axis").and_then(|a| a.int).unwrap_or(1);
            let [r, c] = t.dims[..] else { return Err(unsupported()) };
            let per = |i: usize, j: usize| {
                if scale.len() == 1 {
                    0
                } else if axis == 0 {
                    i
                } else {
                    j
                }
            };
            if !(scale.len() == 1 || (axis == 0 && scale.len() == r) || (axis != 0 && scale.len() == c)) || zero.len() != scale.len() {
                return Err(unsupported());
            }
            if let Some(q) = t.int8()
                && zero.iter().all(|&z| z == 0)
                && (scale.len() == c || (scale.len() == 1 && axis != 0))
            {
                let scale = if scale.len() == c { scale } else { vec![scale[0]; c] };
                return Ok((Matrix::Int8 { q, scale }, vec![r, c]));
            }
            let v = (0..r * c).map(|x| (q[x] - zero[per(x / c, x % c)]) as f32 * scale[per(x / c, x % c)]).collect();
            Ok((Matrix::F32(v), vec![r, c]))
        }
        _ => Err(unsupported()),
    }
}

/// `Mul(Cast(q), scale)` of a 2-D int8 tensor `q` and a float scale, one for every column
/// (`[c]`, `[1, c]`) or one for all: the matrix kept as int8 and its column scales.
fn int8_times_scale(graph: &Graph, cast: &str, scale: &str) -> Option<(Matrix, Vec<usize>)> {
    let node = graph.producer(cast).filter(|n| n.op == "Cast")?;
    let t = tensor(graph, node.inputs.first()?)?;
    let [_, c] = t.dims[..] else { return None };
    let q = t.int8()?;
    let s = tensor(graph, scale)?;
    let values = s.floats().ok()?;
    let scale = match (&s.dims[..], values.len()) {
        ([] | [1] | [1, 1], 1) => vec![values[0]; c],
        ([n] | [1, n], len) if *n == c && len == c => values,
        _ => return None,
    };
    Some((Matrix::Int8 { q, scale }, t.dims.clone()))
}

/// `x * y` where `y` (or `x`) is a scalar, a row `[1, c]` or a column `[r, 1]` of the other.
fn broadcast_mul(x: Vec<f32>, xd: &[usize], y: &[f32], yd: &[usize]) -> Option<(Vec<f32>, Vec<usize>)> {
    let (big, bd, small, sd) = if x.len() >= y.len() { (x, xd.to_vec(), y.to_vec(), yd.to_vec()) } else { (y.to_vec(), yd.to_vec(), x, xd.to_vec()) };
    let [r, c] = bd[..] else { return None };
    if c == 0 || big.len() != r * c {
        return None;
    }
    let mut v = big;
    match (small.len(), &sd[..]) {
        (1, _) => v.iter_mut().for_each(|x| *x *= small[0]),
        (n, [1, m]) | (n, [m]) if n == c && *m == c => v.chunks_exact_mut(c).for_each(|row| row.iter_mut().zip(&small).for_each(|(x, s)| *x *= s)),
        (n, [m, 1]) if n == r && *m == r => v.chunks_exact_mut(c).zip(&small).for_each(|(row, s)| row.iter_mut().for_each(|x| *x *= s)),
        _ => return None,
    }
    Some((v, bd))
}

/// Heads from the attention's scale: follow the data from the first layer's query and key
/// bias additions to the `Softmax`, multiplying the scalar constants met on the way.
fn heads_from_scale(graph: &Graph, query_bias: &str, key_bias: &str, hidden: usize) -> Result<usize> {
    let mut scale = 1f64;
    let mut seen: crate::FastSet<*const Node> = Default::default();
    let mut frontier: Vec<&Node> = graph.consumers(query_bias).chain(graph.consumers(key_bias)).filter(|n| n.op == "Add").collect();
    let mut reached_softmax = false;
    let mut steps = 0;
    while let Some(node) = frontier.pop() {
        steps += 1;
        if steps > 64 || !seen.insert(node as *const Node) {
            continue;
        }
        if matches!(node.op, "Mul" | "Div") {
            let consts: Vec<f32> =
                node.inputs.iter().filter_map(|i| tensor(graph, i)).filter(|t| t.elements() == Some(1)).filter_map(|t| t.floats().ok()).flatten().collect();
            if let [c] = consts[..] {
                let c = f64::from(c);
                // A constant divisor only counts as the second input.
                scale = if node.op == "Div" && tensor(graph, node.inputs[1]).is_some() { scale / c } else { scale * c };
            }
        }
        if node.op == "Softmax" {
            reached_softmax = true;
            continue;
        }
        let Some(&out) = node.outputs.first() else { continue };
        for next in graph.consumers(out) {
            let data_input = next.inputs.first() == Some(&out) || matches!(next.op, "Mul" | "Div" | "MatMul" | "Add");
            if data_input && matches!(next.op, "Reshape" | "Transpose" | "Mul" | "Div" | "MatMul" | "Add" | "Softmax" | "Cast") {
                frontier.push(next);
            }
        }
    }
    let head_dim = (1.0 / (scale * scale)).round();
    if reached_softmax && head_dim >= 1.0 && ((1.0 / head_dim.sqrt()) / scale - 1.0).abs() < 1e-3 {
        let d = head_dim as usize;
        if d > 0 && hidden.is_multiple_of(d) {
            return Ok(hidden / d);
        }
    }
    Err(Error::Embed(format!("could not read the number of attention heads from the graph (scale {scale}); give it as the `heads` option")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasts_rows_columns_and_scalars() {
        let x = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(broadcast_mul(x.clone(), &[2, 3], &[10.0, 100.0, 1000.0], &[1, 3]).unwrap().0, [10.0, 200.0, 3000.0, 40.0, 500.0, 6000.0]);
        assert_eq!(broadcast_mul(x.clone(), &[2, 3], &[2.0, 3.0], &[2, 1]).unwrap().0, [2.0, 4.0, 6.0, 12.0, 15.0, 18.0]);
        assert_eq!(broadcast_mul(x.clone(), &[2, 3], &[2.0], &[]).unwrap().0, [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
        assert!(broadcast_mul(x, &[2, 3], &[2.0, 3.0], &[1, 2]).is_none());
    }

    #[test]
    fn an_empty_graph_names_what_is_missing() {
        let g = Graph::default();
        let err = Weights::find(&g, None).unwrap_err().to_string();
        assert!(err.contains("word-embedding table"), "{err}");
    }
}
