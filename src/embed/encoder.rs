//! The transformer's forward pass: token ids -> hidden states, for sequences of any lengths
//! run together without padding.
//!
//! Owns the arithmetic of a BERT encoder: embeddings (word + position + token type, layer
//! norm), then per layer self-attention (one GEMM for query, key and value; scores,
//! softmax and the weighted sum per sequence and head), the attention output projection,
//! residual + layer norm, the feed-forward block (GEMM, GELU, GEMM) and residual + layer
//! norm. The projections are [`super::dense::Packed`] GEMMs over every token of every
//! sequence at once; attention stays inside each sequence, so no token ever sees another
//! sequence's tokens and there is no padding to mask or to pay for.
//!
//! Every row's result depends on that row's sequence alone (the integer GEMM quantizes
//! each row against itself, the f32 kernel sums in a fixed order), so a text embeds to the
//! same bits whether it runs alone, in a batch for indexing, or among a query's recomputed
//! candidates. And the same bits natively and in wasm (for int8 weights): sums run in a
//! fixed lane order, `exp` and `tanh` come from `libm` (the same Rust code on every target)
//! and `erf` is nook's own rational function, never the platform's C library; `tests/embed_native.rs` and the wasm tests check
//! one checksum of the reference cases' bits.

use super::weights::{Activation, Norm, Weights};

/// Hidden states for `seqs` (token ids, each non-empty and within the position table),
/// concatenated: `sum(len) x hidden`, row-major.
pub fn run(w: &Weights, seqs: &[&[u32]]) -> Vec<f32> {
    let h = w.hidden;
    let tokens: usize = seqs.iter().map(|s| s.len()).sum();
    let mut x = vec![0f32; tokens * h];
    let mut row = 0;
    for seq in seqs {
        for (p, &id) in seq.iter().enumerate() {
            let out = &mut x[row * h..(row + 1) * h];
            out.copy_from_slice(&w.token_type);
            w.word.add_row(id as usize, out);
            w.position.add_row(p, out);
            row += 1;
        }
    }
    layer_norm(&mut x, &w.embedding_norm, w.eps);

    let lens: Vec<usize> = seqs.iter().map(|s| s.len()).collect();
    let mut qkv = vec![0f32; tokens * 3 * h];
    let mut context = vec![0f32; tokens * h];
    let mut projected = vec![0f32; tokens * h];
    let ffn = w.layers.first().map_or(0, |l| l.intermediate_width());
    let mut inner = vec![0f32; tokens * ffn];
    let mut scores = Vec::new();
    for layer in &w.layers {
        layer.qkv.matmul(&x, tokens, &mut qkv);
        attention(&qkv, &lens, h, w.heads, &mut context, &mut scores);
        layer.attention_out.matmul(&context, tokens, &mut projected);
        add_in_place(&mut x, &projected);
        layer_norm(&mut x, &layer.attention_norm, w.eps);

        inner.resize(tokens * layer.intermediate_width(), 0.0);
        layer.intermediate.matmul(&x, tokens, &mut inner);
        gelu(&mut inner, w.activation);
        layer.output.matmul(&inner, tokens, &mut projected);
        add_in_place(&mut x, &projected);
        layer_norm(&mut x, &layer.output_norm, w.eps);
    }
    x
}

impl super::weights::Layer {
    fn intermediate_width(&self) -> usize {
        self.intermediate.n()
    }
}

fn add_in_place(x: &mut [f32], y: &[f32]) {
    x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
}

/// Layer norm of every row of `x` (rows of `norm.gamma.len()`).
fn layer_norm(x: &mut [f32], norm: &Norm, eps: f32) {
    let h = norm.gamma.len();
    for row in x.chunks_exact_mut(h) {
        let mean = sum8(row) / h as f32;
        let mut var = [0f32; 8];
        for c in row.chunks_exact(8) {
            for l in 0..8 {
                let d = c[l] - mean;
                var[l] += d * d;
            }
        }
        let var = row.chunks_exact(8).remainder().iter().fold(var.iter().sum::<f32>(), |a, &v| a + (v - mean) * (v - mean)) / h as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(&norm.gamma).zip(&norm.beta) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

/// Sum in eight lanes (vectorizes; fixed order).
fn sum8(v: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    rest.iter().fold(acc.iter().sum::<f32>(), |a, &b| a + b)
}

/// `a · b` in eight lanes.
fn dot8(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let rest: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum::<f32>() + rest
}

/// Multi-head self-attention within each sequence. `qkv` rows are `[q | k | v]`
/// (`3 x hidden`); writes the heads' weighted sums side by side into `out` (`hidden` per row).
fn attention(qkv: &[f32], lens: &[usize], h: usize, heads: usize, out: &mut [f32], scores: &mut Vec<f32>) {
    let d = h / heads;
    let scale = 1.0 / (d as f32).sqrt();
    let stride = 3 * h;
    let mut start = 0;
    for &len in lens {
        scores.resize(len, 0.0);
        for head in 0..heads {
            for i in 0..len {
                let q = &qkv[(start + i) * stride + head * d..][..d];
                let mut max = f32::NEG_INFINITY;
                for (j, s) in scores.iter_mut().enumerate() {
                    let k = &qkv[(start + j) * stride + h + head * d..][..d];
                    *s = dot8(q, k) * scale;
                    // Not `f32::max` (a call to fmaxf in wasm); NaN is skipped as it skips it.
                    if *s > max {
                        max = *s;
                    }
                }
                exp_shifted(scores, max);
                let mut total = 0f32;
                for s in scores.iter() {
                    total += *s;
                }
                let inv = 1.0 / total;
                for s in scores.iter_mut() {
                    *s *= inv;
                }
                // The values weighted by the probabilities, 16 columns at a time in a local
                // sum (kept in registers, where the output row would be read and written at
                // every key); each column summed from 0 in key order, as a plain loop would.
                let o = &mut out[(start + i) * h + head * d..][..d];
                let values = |j: usize| &qkv[(start + j) * stride + 2 * h + head * d..][..d];
                for (c, o) in o.chunks_mut(16).enumerate() {
                    let mut acc = [0f32; 16];
                    for (j, &p) in scores.iter().enumerate() {
                        let v = &values(j)[c * 16..][..o.len()];
                        if let Ok(v) = <&[f32; 16]>::try_from(v) {
                            for l in 0..16 {
                                acc[l] += p * v[l];
                            }
                        } else {
                            acc.iter_mut().zip(v).for_each(|(a, &b)| *a += p * b);
                        }
                    }
                    o.copy_from_slice(&acc[..o.len()]);
                }
            }
        }
        start += len;
    }
}

/// `s = e^(s - max)` for every score: `libm::expf`'s bits, by `expf_reduced` (a loop the
/// compiler vectorizes) when every `s - max` is inside the range it covers (always, but for
/// scores 87 apart), else by `libm::expf` one by one.
fn exp_shifted(scores: &mut [f32], max: f32) {
    for s in scores.iter_mut() {
        *s -= max;
    }
    if scores.iter().all(|s| s.to_bits() & 0x7fff_ffff < EXPF_REDUCED_LIMIT) {
        for s in scores.iter_mut() {
            *s = expf_reduced(*s);
        }
    } else {
        for s in scores.iter_mut() {
            *s = libm::expf(*s);
        }
    }
}

/// `|x|`'s bits below which [`expf_reduced`] is `libm::expf` (|x| < 87.33655, not NaN).
const EXPF_REDUCED_LIMIT: u32 = 0x42ae_ac50;

/// `libm::expf` (FreeBSD's e_expf.c) for |x| < 87.33655, written without branches so that a
/// row of scores vectorizes (the calls were ~5% of a short text's embedding in Chromium): the same
/// operations on the same values, selected per lane instead of branched on, so the same
/// bits (checked against `libm::expf` for every f32 in the range).
#[inline(always)]
fn expf_reduced(x: f32) -> f32 {
    const LN2_HI: f32 = f32::from_bits(0x3f31_7200); // 6.9314575195e-01
    const LN2_LO: f32 = f32::from_bits(0x35bf_be8e); // 1.4286067653e-06
    const INV_LN2: f32 = f32::from_bits(0x3fb8_aa3b); // 1.4426950216e+00
    const P1: f32 = f32::from_bits(0x3e2a_aa8f); // 1.6666625440e-1
    const P2: f32 = f32::from_bits(0xbb35_5215); // -2.7667332906e-3
    let bits = x.to_bits();
    let hx = bits & 0x7fff_ffff;
    let neg = bits >> 31 == 1;
    // Argument reduction for |x| > ln2 / 2: k = round(x / ln2), from x itself past 1.5 ln2.
    let far = (INV_LN2 * x + if neg { -0.5 } else { 0.5 }) as i32;
    let near = if neg { -1 } else { 1 };
    let reduce = hx > 0x3eb1_7218;
    let k = if reduce { if hx > 0x3f85_1592 { far } else { near } } else { 0 };
    let kf = k as f32;
    let hi = if reduce { x - kf * LN2_HI } else { x };
    let lo = if reduce { kf * LN2_LO } else { 0.0 };
    let r = if reduce { hi - lo } else { x };
    let xx = r * r;
    let c = r - xx * (P1 + xx * P2);
    let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
    // scalbnf(y, k) for -126 <= k <= 127 is one multiply by 2^k (k is -126 at x = -87.3).
    let scaled = y * f32::from_bits(((k + 127) as u32) << 23);
    // |x| <= 2^-14: 1 + x.
    if hx > 0x3900_0000 { scaled } else { 1.0 + x }
}

/// GELU in place.
fn gelu(x: &mut [f32], activation: Activation) {
    match activation {
        Activation::Gelu => x.iter_mut().for_each(|v| *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2))),
        Activation::GeluTanh => {
            let c = (2.0 / std::f32::consts::PI).sqrt();
            x.iter_mut().for_each(|v| *v = 0.5 * *v * (1.0 + libm::tanhf(c * (*v + 0.044715 * *v * *v * *v))));
        }
    }
}

/// erf as a rational function, `x P(x²) / Q(x²)` on [-4, 4] (fitted for nook: max error
/// 3.4e-7 evaluated in f32; beyond 4, erf is 1 to within 2e-8). Plain multiply-adds and one
/// division, so it vectorizes and gives the same bits on every target; `libm::erff` took
/// about half of a short text's embedding time.
// P[0] is fitted, not 2/sqrt(pi) (which it is close to).
#[allow(clippy::approx_constant)]
fn erf(x: f32) -> f32 {
    const P: [f32; 6] = [1.128_379, 0.196_481_32, 0.053_498_646, 0.004_013_716_3, 0.000_288_284_23, 1.973_269_5e-6];
    const Q: [f32; 5] = [0.507_458_14, 0.116_572_87, 0.015_464_589, 0.001_218_831_3, 3.747_736_3e-5];
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let p = ((((P[5] * x2 + P[4]) * x2 + P[3]) * x2 + P[2]) * x2 + P[1]) * x2 + P[0];
    let q = ((((Q[4] * x2 + Q[3]) * x2 + Q[2]) * x2 + Q[1]) * x2 + Q[0]) * x2 + 1.0;
    (x * p / q).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attention_of_one_token_is_its_value() {
        // hidden 4, 2 heads: a single token attends only to itself.
        let qkv = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0];
        let mut out = [0f32; 4];
        attention(&qkv, &[1], 4, 2, &mut out, &mut Vec::new());
        assert_eq!(out, [9.0, 10.0, 11.0, 12.0]);
    }

    #[test]
    fn attention_stays_inside_each_sequence() {
        // Two sequences of one token each: neither sees the other's value.
        let qkv = [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 3.0, 4.0];
        let mut out = [0f32; 4];
        attention(&qkv, &[1, 1], 2, 1, &mut out, &mut Vec::new());
        assert_eq!(out, [1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn layer_norm_centres_and_scales() {
        let mut x = [1.0, 2.0, 3.0, 4.0];
        layer_norm(&mut x, &Norm { gamma: vec![1.0; 4], beta: vec![0.5; 4] }, 0.0);
        let mean: f32 = x.iter().sum::<f32>() / 4.0;
        assert!((mean - 0.5).abs() < 1e-6, "{x:?}");
        let var: f32 = x.iter().map(|v| (v - 0.5) * (v - 0.5)).sum::<f32>() / 4.0;
        assert!((var - 1.0).abs() < 1e-5, "{x:?}");
    }

    #[test]
    fn expf_reduced_is_libm_expf_bit_for_bit() {
        // Every f32 of the softmax's side (x <= 0) down to the limit, and every 13th positive.
        let check = |bits: u32| {
            let x = f32::from_bits(bits);
            let (got, want) = (expf_reduced(x), libm::expf(x));
            assert_eq!(got.to_bits(), want.to_bits(), "e^{x} ({bits:#x}): {got} vs {want}");
        };
        (0x8000_0000..0x8000_0000 | EXPF_REDUCED_LIMIT).for_each(check);
        (0..EXPF_REDUCED_LIMIT).step_by(13).for_each(check);
        // Scores far apart take libm's own path.
        let mut row = [0.0, -100.0, -3.5, f32::NEG_INFINITY];
        exp_shifted(&mut row, 0.0);
        assert_eq!(row.map(f32::to_bits), [1.0, libm::expf(-100.0), libm::expf(-3.5), 0.0].map(f32::to_bits));
    }

    #[test]
    fn erf_is_close_to_libm_everywhere() {
        let mut worst = 0f32;
        for i in -60_000..=60_000 {
            let x = i as f32 * 1e-4;
            worst = worst.max((erf(x) - libm::erff(x)).abs());
        }
        assert!(worst < 5e-7, "largest difference {worst}");
        assert_eq!(erf(f32::INFINITY), 1.0);
        assert_eq!(erf(f32::NEG_INFINITY), -1.0);
        assert_eq!(erf(0.0), 0.0);
    }

    #[test]
    fn gelu_matches_known_values() {
        let mut x = [0.0, 1.0, -1.0, 3.0];
        gelu(&mut x, Activation::Gelu);
        for (got, want) in x.iter().zip([0.0, 0.841_344_7, -0.158_655_3, 2.995_95]) {
            assert!((got - want).abs() < 1e-5, "{got} vs {want}");
        }
    }
}
